/**
 * `modelyaml export <run-dir> --format onnx`: the trainer process rebuilds the run's test split
 * (the validation split when there is none) and predicts it with the checkpoint; the ONNX file is
 * built here without TensorFlow.js, run through onnxruntime on the same samples, and its size and
 * accuracy (or error) are written beside the float32 model's in export.json. docs/deploying.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { LineIndex } from '../core/diagnostics';
import { EvaluationInputError, scorePredictions } from '../core/evaluate';
import { runEvaluation } from '../node/trainerClient';
import { ExportError } from '../export/onnx/errors';
import { DEFAULT_OPSET, exportOnnx, loadRun, type LoadedRun } from '../export/onnx/export';
import { rawInputs } from '../export/onnx/preprocessing';
import { QUANTIZATIONS, type Quantization } from '../export/onnx/quantize';
import { onnxRuntime, predictOnnx } from '../export/onnx/runtime';
import { SPEC_SNAPSHOT_FILE } from '../node/runRecord';

export interface ExportFlags {
  format?: string;
  out?: string;
  opset?: string;
  includePreprocessing?: boolean;
  quantize?: string;
}

interface ExportIO {
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
async function referenceSamples(runDir: string, io: ExportIO): Promise<Samples | ExportError> {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-export-'));
  try {
    const file = join(dir, 'samples.json');
    for (const split of ['test', 'validation'] as const) {
      const r = await runEvaluation(runDir, { split, samplesFile: file }, (e) => {
        if (e.type === 'log' && e.level === 'warning') io.err(`warning: ${e.message}\n`);
      });
      if (r.error?.code === 'evaluate/no-split' && split === 'test') continue;
      if (!r.evaluation) return new ExportError(r.error?.message ?? 'the trainer did not predict the split');
      const doc = JSON.parse(readFileSync(file, 'utf8')) as Omit<Samples, 'x' | 'split' | 'checkpoint'>;
      const bytes = readFileSync(`${file}.bin`);
      const x = new Float32Array(bytes.byteLength / 4);
      new Uint8Array(x.buffer).set(bytes);
      return { ...doc, x, split, checkpoint: r.evaluation.checkpoint };
    }
    return new ExportError('the run has neither a test nor a validation split to check the export on');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The accuracy (classification), subset accuracy (multi-label) or mean absolute error (regression) of `predicted`, scored as evaluate scores. */
function score(run: LoadedRun, s: Samples, predicted: number[][]): { metric: string; value: number } | undefined {
  if (!run.preprocessing) return undefined;
  let r: ReturnType<typeof scorePredictions>;
  try {
    r = scorePredictions(s.labels, predicted, { labels: run.preprocessing.labels, labelColumn: run.preprocessing.input.label }, { split: s.split, run: run.runDir });
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

function parseFlags(f: ExportFlags): { opset: number; quantize?: Quantization } | string {
  if ((f.format ?? 'onnx') !== 'onnx') return `--format must be onnx (the TF.js export is not built yet), not ${f.format}`;
  const opset = f.opset === undefined ? DEFAULT_OPSET : Number(f.opset);
  if (!Number.isInteger(opset)) return `--opset must be a whole number, not ${f.opset}`;
  if (f.quantize !== undefined && !(QUANTIZATIONS as readonly string[]).includes(f.quantize)) return `--quantize must be ${QUANTIZATIONS.join(' or ')}, not ${f.quantize}`;
  return { opset, quantize: f.quantize as Quantization | undefined };
}

/** An export error as the user sees it: with the spec snapshot's file:line:column when it points into the spec. */
function explain(e: ExportError, run: LoadedRun | undefined): string {
  if (!e.range || !run) return e.message;
  const p = new LineIndex(run.specText).position(e.range.start);
  return `${join(run.runDir, SPEC_SNAPSHOT_FILE)}:${p.line + 1}:${p.character + 1}: ${e.message}`;
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
  const runDir = resolve(args[0]);
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    io.err(`modelyaml export: ${args[0]} is not a folder. Name a run folder under .modelyaml/runs/<spec>/.\n`);
    return 1;
  }
  let run: LoadedRun | undefined;
  try {
    run = loadRun(runDir);
    const samples = await referenceSamples(runDir, io);
    if (samples instanceof ExportError) throw samples;
    const options = { opset: parsed.opset, includePreprocessing: flags.includePreprocessing };
    const float32 = exportOnnx(run, samples.checkpoint, options);
    const exported = parsed.quantize ? exportOnnx(run, samples.checkpoint, { ...options, quantize: parsed.quantize }) : float32;
    const suffix = parsed.quantize ? `.${parsed.quantize}` : '';
    const file = resolve(flags.out ?? join(runDir, `model${suffix}.onnx`));
    writeFileSync(file, exported.bytes);
    const report = await measure(run, samples, float32.model.graph.input[0].name, float32.bytes, exported.bytes, !!flags.includePreprocessing);
    const doc = {
      format: 'onnx',
      file,
      opset: parsed.opset,
      quantize: parsed.quantize ?? 'none',
      includePreprocessing: !!flags.includePreprocessing,
      checkpoint: samples.checkpoint,
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
    io.out(`written to ${shown(jsonFile)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ExportError) {
      io.err(`modelyaml export: ${explain(e, run)}\n`);
      return 1;
    }
    throw e;
  }
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
  const sizes = { bytes: exported.byteLength, float32Bytes: float32.byteLength };
  const ort = onnxRuntime();
  if (!ort) return { ...sizes, note: 'onnxruntime-node is not installed: sizes only (npm install onnxruntime-node to check the export on the split)' };
  const x = withPreprocessing && run.preprocessing ? rawInputs(run.preprocessing, s.x) : s.x;
  const shape = withPreprocessing && run.preprocessing ? run.preprocessing.input.shape : s.shape;
  const f32 = await predictOnnx(ort, float32, input, x, s.n, shape);
  const out = exported === float32 ? f32 : await predictOnnx(ort, exported, input, x, s.n, shape);
  const maxDiff = Math.max(0, ...f32.flatMap((r, i) => r.map((v, j) => Math.abs(v - s.predictions[i][j]))));
  const trainer = score(run, s, s.predictions);
  const a = score(run, s, f32);
  const b = score(run, s, out);
  return { ...sizes, metric: trainer?.metric, trainer: trainer?.value, float32: a, exported: b, maxAbsDiffFloat32VsTrainer: maxDiff };
}

