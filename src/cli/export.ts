/**
 * `modelyaml export <run-dir> --format onnx|tfjs`. TF.js: `exportTfjs` rewrites the checkpoint
 * (tfjsExport.ts). ONNX: the trainer process rebuilds the run's test split
 * (the validation split when there is none) and predicts it with the checkpoint; the ONNX file is
 * built here without TensorFlow.js, run through onnxruntime on the same samples, and its size and
 * accuracy (or error) are written beside the float32 model's in export.json. docs/deploying.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { EvaluationInputError, scorePredictions } from '../core/evaluate';
import { runEvaluation } from '../node/trainerClient';
import { checkpointDir, type CheckpointChoice } from '../export/checkpoint';
import { ExportError } from '../export/errors';
import { MODEL_CARD_FILE, modelCard } from '../export/modelCard';
import { DEFAULT_OPSET, exportOnnx, loadRun, type LoadedRun } from '../export/onnx/export';
import { rawInputs } from '../export/onnx/preprocessing';
import { QUANTIZATIONS, type Quantization } from '../export/onnx/quantize';
import { onnxRuntime, predictOnnx } from '../export/onnx/runtime';
import { TFJS_QUANTIZATIONS, tfjsExport } from './tfjsExport';
import { exportPytorchWithWeights } from '../export/pytorch';

export interface ExportFlags {
  format?: string;
  out?: string;
  opset?: string;
  includePreprocessing?: boolean;
  quantize?: string;
  checkpoint?: string;
  /** `--no-search`: a PyTorch package without search.py even when the spec has a `search:` section. */
  noSearch?: boolean;
}

export interface ExportIO {
  out(s: string): void;
  err(s: string): void;
}

interface Samples {
  n: number;
  shape: number[];
  labels: number[][];
  predictions: number[][];
  x: Float32Array;
  split: string;
  checkpoint: string;
}

/** The split the trainer rebuilt and predicted, with the model folder it used. */
async function referenceSamples(runDir: string, checkpoint: CheckpointChoice | undefined, io: ExportIO): Promise<Samples | ExportError> {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-export-'));
  try {
    const file = join(dir, 'samples.json');
    for (const split of ['test', 'validation'] as const) {
      const r = await runEvaluation(runDir, { split, samplesFile: file, checkpoint }, (e) => {
        if (e.type === 'log' && e.level === 'warning') io.err(`warning: ${e.message}\n`);
      });
      if (r.error?.code === 'evaluate/no-split' && split === 'test') continue;
      if (!r.evaluation) return new ExportError(r.error?.code ?? 'export/no-samples', r.error?.message ?? 'the trainer did not predict the split');
      const doc = JSON.parse(readFileSync(file, 'utf8')) as Omit<Samples, 'x' | 'split' | 'checkpoint'>;
      const bytes = readFileSync(`${file}.bin`);
      const x = new Float32Array(bytes.byteLength / 4);
      new Uint8Array(x.buffer).set(bytes);
      return { ...doc, x, split, checkpoint: r.evaluation.checkpoint };
    }
    return new ExportError('export/no-samples', 'the run has neither a test nor a validation split to check the export on');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The accuracy (classification), subset accuracy (multi-label) or mean absolute error (regression) of `predicted`, scored as evaluate scores. */
function score(run: LoadedRun, s: Samples, predicted: number[][]): { metric: string; value: number } | undefined {
  if (!run.preprocessing) return undefined;
  let r: ReturnType<typeof scorePredictions>;
  try {
    r = scorePredictions(
      s.labels,
      predicted,
      {
        labels: run.preprocessing.labels,
        labelColumn: run.preprocessing.input.label,
      },
      { split: s.split, run: run.runDir },
    );
  } catch (e) {
    if (e instanceof EvaluationInputError) return undefined;
    throw e;
  }
  const e = r?.evaluation;
  if (!e) return undefined;
  if (e.task === 'regression') return { metric: 'mae', value: e.metrics.mae };
  if (e.task === 'multilabel') return { metric: 'subset accuracy', value: e.metrics.subsetAccuracy };
  return { metric: 'accuracy', value: e.metrics.accuracy };
}

const FORMATS = ['onnx', 'tfjs', 'pytorch'];

interface ParsedFlags {
  format: 'onnx' | 'tfjs' | 'pytorch';
  opset: number;
  quantize?: string;
  checkpoint?: CheckpointChoice;
}

/** The flags checked; quantizations differ per format (onnx: float16|int8, tfjs: float16|uint8). */
function parseFlags(f: ExportFlags): ParsedFlags | string {
  const format = f.format ?? 'onnx';
  if (!FORMATS.includes(format)) return `--format must be onnx, tfjs or pytorch, not ${format}`;
  if (f.checkpoint !== undefined && f.checkpoint !== 'best' && f.checkpoint !== 'last') return `--checkpoint must be best or last, not ${f.checkpoint}`;
  const checkpoint = f.checkpoint as CheckpointChoice | undefined;
  if (format === 'pytorch') {
    if (f.opset !== undefined || f.includePreprocessing || f.quantize !== undefined || f.checkpoint !== undefined)
      return '--format pytorch takes --out and --no-search only (the package trains in float32 from the run\'s best checkpoint, or from scratch when given a spec)';
    return { format, opset: DEFAULT_OPSET };
  }
  if (format === 'tfjs') {
    if (f.opset !== undefined || f.includePreprocessing) return `${f.opset !== undefined ? '--opset' : '--include-preprocessing'} is an ONNX option; --format tfjs takes --out, --quantize and --checkpoint`;
    if (f.quantize !== undefined && !(TFJS_QUANTIZATIONS as readonly string[]).includes(f.quantize))
      return `--quantize for --format tfjs must be ${TFJS_QUANTIZATIONS.join(' or ')}, not ${f.quantize}${(QUANTIZATIONS as readonly string[]).includes(f.quantize) ? ' (that is an ONNX quantization)' : ''}`;
    return { format, opset: DEFAULT_OPSET, quantize: f.quantize, checkpoint };
  }
  const opset = f.opset === undefined ? DEFAULT_OPSET : Number(f.opset);
  if (!Number.isInteger(opset)) return `--opset must be a whole number, not ${f.opset}`;
  if (f.quantize !== undefined && !(QUANTIZATIONS as readonly string[]).includes(f.quantize))
    return `--quantize must be ${QUANTIZATIONS.join(' or ')}, not ${f.quantize}${(TFJS_QUANTIZATIONS as readonly string[]).includes(f.quantize) ? ' (that is a TF.js quantization: add --format tfjs)' : ''}`;
  return { format: 'onnx', opset, quantize: f.quantize, checkpoint };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export async function exportCommand(args: string[], flags: ExportFlags, io: ExportIO): Promise<number> {
  if (args.length !== 1) {
    io.err('modelyaml export: name exactly one run folder (as `modelyaml train` prints it), e.g. modelyaml export .modelyaml/runs/mnist-cnn/2026-01-01T12-00-00 --format onnx\n');
    return 2;
  }
  const parsed = parseFlags(flags);
  if (typeof parsed === 'string') {
    io.err(`modelyaml export: ${parsed}.\n`);
    return 2;
  }
  if (flags.noSearch && parsed.format !== 'pytorch') {
    io.err('modelyaml export: --no-search is a --format pytorch option (search.py).\n');
    return 2;
  }
  if (parsed.format === 'pytorch') return pytorchExport(args[0], flags.out, !!flags.noSearch, io);
  const runDir = resolve(args[0]);
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    io.err(`modelyaml export: ${args[0]} is not a folder. Name a run folder under .modelyaml/runs/<spec>/.\n`);
    return 1;
  }
  try {
    if (parsed.format === 'tfjs')
      return tfjsExport(
        runDir,
        {
          out: flags.out,
          quantize: parsed.quantize,
          checkpoint: parsed.checkpoint,
        },
        io,
      );
    return await onnxExport(runDir, parsed, flags, io);
  } catch (e) {
    if (e instanceof ExportError) {
      io.err(`modelyaml export: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** `--format pytorch`: a training package for torchrun from a spec file or a run folder (docs/cluster.md). */
async function pytorchExport(specOrRun: string, out: string | undefined, noSearch: boolean, io: ExportIO): Promise<number> {
  if (!out) {
    io.err('modelyaml export: --format pytorch needs --out DIR, the package folder to write.\n');
    return 2;
  }
  try {
    const r = await exportPytorchWithWeights(specOrRun, { out: resolve(out), ...(noSearch ? { search: false as const } : {}) });
    const shown = relative(process.cwd(), r.out) || r.out;
    io.out(`${shown}: PyTorch package (${r.files.join(', ')})${r.checkpoint ? `, weights from ${r.checkpoint}` : ''}\nsee ${join(shown, 'README.md')} for the launch lines (one process, torchrun, Slurm, Kubeflow)\n`);
    return 0;
  } catch (e) {
    if (e instanceof ExportError) {
      const hint = e.code.startsWith('export/search-') ? ' (--no-search writes the package without search.py)' : '';
      io.err(`modelyaml export: ${e.message}${hint}\n`);
      return 1;
    }
    throw e;
  }
}

async function onnxExport(runDir: string, parsed: ParsedFlags, flags: ExportFlags, io: ExportIO): Promise<number> {
  const run = loadRun(runDir);
  // One choice of the model folder (src/export/checkpoint.ts); the trainer predicts the same one.
  const chosen = checkpointDir(runDir, parsed.checkpoint);
  const kind = chosen.checkpoint === 'model' ? undefined : (chosen.checkpoint.replace('checkpoints/', '') as CheckpointChoice);
  const samples = await referenceSamples(runDir, kind, io);
  if (samples instanceof ExportError) throw samples;
  const quantization = parsed.quantize as Quantization | undefined;
  const options = {
    opset: parsed.opset,
    includePreprocessing: flags.includePreprocessing,
  };
  const float32 = exportOnnx(run, chosen.dir, options);
  const exported = quantization ? exportOnnx(run, chosen.dir, { ...options, quantize: quantization }) : float32;
  const suffix = quantization ? `.${quantization}` : '';
  const file = resolve(flags.out ?? join(runDir, `model${suffix}.onnx`));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, exported.bytes);
  const card = join(dirname(file), MODEL_CARD_FILE);
  writeFileSync(
    card,
    modelCard(runDir, {
      format: `ONNX opset ${parsed.opset}`,
      checkpoint: chosen.checkpoint,
      quantize: quantization,
      files: [relative(dirname(file), file), 'export.json', MODEL_CARD_FILE],
    }),
  );
  const report = await measure(run, samples, float32.model.graph.input[0].name, float32.bytes, exported.bytes, !!flags.includePreprocessing);
  const doc = {
    format: 'onnx',
    file,
    opset: parsed.opset,
    quantize: parsed.quantize ?? 'none',
    includePreprocessing: !!flags.includePreprocessing,
    checkpoint: chosen.checkpoint,
    split: samples.split,
    n: samples.n,
    ...report,
  };
  const jsonFile = join(dirname(file), 'export.json');
  writeFileSync(jsonFile, JSON.stringify(doc, null, 2) + '\n');
  const shown = (p: string) => relative(process.cwd(), p) || p;
  io.out(`${shown(file)}: ONNX opset ${parsed.opset}, ${kb(exported.bytes.byteLength)}${parsed.quantize ? ` (float32: ${kb(float32.bytes.byteLength)})` : ''}\n`);
  if (report.metric) {
    const line = (what: string, v: number | undefined) => (v === undefined ? '' : `  ${what.padEnd(22)} ${report.metric} ${v.toFixed(4)}\n`);
    io.out(`${samples.split} split, ${samples.n} samples:\n${line('trainer (TensorFlow.js)', report.trainer)}${line('ONNX float32', report.float32?.value)}${parsed.quantize ? line(`ONNX ${parsed.quantize}`, report.exported?.value) : ''}`);
  } else io.out(report.note ? `${report.note}\n` : '');
  io.out(`written to ${shown(jsonFile)} and ${shown(card)}\n`);
  return 0;
}

interface Measured {
  bytes: number;
  float32Bytes: number;
  /** accuracy or mae; absent without onnxruntime or for labels it cannot score. */
  metric?: string;
  trainer?: number;
  float32?: { metric: string; value: number };
  exported?: { metric: string; value: number };
  /** The largest difference between an output of the float32 ONNX model and the trainer's. */
  maxAbsDiffFloat32VsTrainer?: number;
  note?: string;
}

/** Sizes, and through onnxruntime the metric of the float32 and the exported model beside the trainer's. */
async function measure(run: LoadedRun, s: Samples, input: string, float32: Uint8Array, exported: Uint8Array, withPreprocessing: boolean): Promise<Measured> {
  const sizes = {
    bytes: exported.byteLength,
    float32Bytes: float32.byteLength,
  };
  const ort = onnxRuntime();
  if (!ort)
    return {
      ...sizes,
      note: 'onnxruntime-node is not installed: sizes only (npm install onnxruntime-node to check the export on the split)',
    };
  const x = withPreprocessing && run.preprocessing ? rawInputs(run.preprocessing, s.x) : s.x;
  const shape = withPreprocessing && run.preprocessing ? run.preprocessing.input.shape : s.shape;
  const f32 = await predictOnnx(ort, float32, input, x, s.n, shape);
  const out = exported === float32 ? f32 : await predictOnnx(ort, exported, input, x, s.n, shape);
  const maxDiff = Math.max(0, ...f32.flatMap((r, i) => r.map((v, j) => Math.abs(v - s.predictions[i][j]))));
  const trainer = score(run, s, s.predictions);
  const a = score(run, s, f32);
  const b = score(run, s, out);
  return {
    ...sizes,
    metric: trainer?.metric,
    trainer: trainer?.value,
    float32: a,
    exported: b,
    maxAbsDiffFloat32VsTrainer: maxDiff,
  };
}
