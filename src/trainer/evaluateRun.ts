/**
 * `modelyaml evaluate`, inside the trainer process: load a run's checkpoint, rebuild the split the
 * run trained with (the run's spec snapshot, data and seed through the same pipeline), predict it
 * in batches and hand the labels and predictions to the core's metrics (src/core/evaluate/). The
 * result is written to the run folder and sent to the parent as an `evaluation` event.
 */
import * as tf from './tf';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { analyze } from '../core/analyze';
import {
  classificationJson, classificationSummary, EvaluationInputError, regressionJson, regressionReport, scorePredictions,
  type EvaluationContext, type EvaluationJson, type ScoredPredictions,
} from '../core/evaluate';
import type { Preprocessing } from '../core/protocol/preprocessing';
import type { EvaluateOptions, EvaluationEvent } from '../core/protocol/trainer';
import { fileDataHost } from '../node/dataHost';
import { readRunRecord, readSpecSnapshot, RUN_FILE, SPEC_SNAPSHOT_FILE } from '../node/runRecord';
import { batchOf } from './batches';
import { loadModel } from './checkpoint';
import { applyFitted, readPreprocessing, type RawRecord } from './data/fitted';
import { parse as parseCsv } from 'csv-parse/sync';
import { csvOptions } from '../node/csv';
import { maxRecordBytes } from './data/readers';
import type { Spec } from '../core/spec';
import { prepareData } from './data/pipeline';
import type { Data } from './data/table';
import { chooseBackend } from './device';
import { fail, TrainerError } from './util';

type Log = (level: 'debug' | 'info' | 'warning', message: string) => void;

/** The model folder to evaluate: the one asked for, else the best checkpoint, the last, or the final model. */
function modelFolder(runDir: string, which: EvaluateOptions['checkpoint']): { dir: string; checkpoint?: 'best' | 'last' } {
  const has = (dir: string) => existsSync(join(dir, 'model.json'));
  if (which) {
    const dir = join(runDir, 'checkpoints', which);
    if (!has(dir)) {
      const other = which === 'best' ? 'last' : 'best';
      return fail('evaluate/no-checkpoint', `${runDir} has no ${which} checkpoint (${dir}).${has(join(runDir, 'checkpoints', other)) ? ` It has a ${other} one: use --checkpoint ${other}.` : ' Train the spec again with train.checkpoint on.'}`, { file: dir });
    }
    return { dir, checkpoint: which };
  }
  for (const c of ['best', 'last'] as const) if (has(join(runDir, 'checkpoints', c))) return { dir: join(runDir, 'checkpoints', c), checkpoint: c };
  if (has(join(runDir, 'model'))) return { dir: join(runDir, 'model') };
  return fail('evaluate/no-checkpoint', `${runDir} holds no trained model (no checkpoints/best, checkpoints/last or model/): the run ended before its first epoch. Train the spec again.`, { file: runDir });
}

/** The run's spec as it was trained, read against the original spec's folder (its data paths are relative to it). */
function runSpec(runDir: string, specPath: string, workspace: string | undefined) {
  const text = readSpecSnapshot(runDir);
  const file = join(runDir, SPEC_SNAPSHOT_FILE);
  if (text === undefined) fail('evaluate/not-a-run', `${runDir} has no ${SPEC_SNAPSHOT_FILE}: it is not a complete run folder.`, { file });
  const specDir = dirname(specPath);
  const a = analyze(text, { host: fileDataHost(specDir, { workspaces: [workspace ?? process.cwd()] }) });
  const first = a.diagnostics.find((d) => d.severity === 'error');
  if (first) fail('evaluate/spec', `The run's spec (${file}) no longer checks: ${first.message}`, { file });
  return { spec: a.spec, specDir };
}

/** The model's outputs for every sample of a part, predicted in batches: one row per sample. */
async function predictRows(model: tf.LayersModel, d: Data, batchSize: number): Promise<number[][]> {
  const idx = Int32Array.from({ length: d.n }, (_, i) => i);
  const rows: number[][] = [];
  for (let from = 0; from < d.n; from += batchSize) {
    const b = batchOf(d, idx, from, Math.min(d.n, from + batchSize));
    const p = tf.tidy(() => model.predictOnBatch(tf.tensor(b.x, [b.n, ...d.shape])) as tf.Tensor);
    const width = p.size / b.n;
    const v = await p.data();
    p.dispose();
    for (let i = 0; i < b.n; i++) rows.push(Array.from(v.subarray(i * width, (i + 1) * width)));
  }
  return rows;
}

const labelRows = (d: Data): number[][] => {
  const w = d.y.length / d.n;
  return Array.from({ length: d.n }, (_, i) => Array.from(d.y.subarray(i * w, (i + 1) * w)));
};

export interface PartEvaluation {
  evaluation: EvaluationJson;
  report: string;
  /** The model's output rows, one per sample. */
  predicted: number[][];
}

/** The metrics of one part from the model's predictions, by the kind of labels the run was trained with. */
export async function evaluatePart(model: tf.LayersModel, d: Data, pre: Pick<Preprocessing, 'labels' | 'input'>, ctx: EvaluationContext, batchSize = 256): Promise<PartEvaluation> {
  const predicted = await predictRows(model, d, batchSize);
  let scored: ScoredPredictions;
  try {
    scored = scorePredictions(pre, labelRows(d), predicted);
  } catch (e) {
    if (e instanceof EvaluationInputError) fail('evaluate/predictions', `The model's predictions cannot be scored: ${e.message}`);
    throw e;
  }
  if (scored.task === 'regression') return { evaluation: regressionJson(scored.metrics, ctx), report: regressionReport(scored.metrics), predicted };
  if (scored.task === 'classification') return { evaluation: classificationJson(scored.metrics, ctx), report: classificationSummary(scored.metrics), predicted };
  return fail('evaluate/unsupported', `Evaluating labels of kind ${scored.kind} is not supported yet (classification with one_hot, class_index or binary labels, and continuous regression are).`);
}

/** Labelled records from a CSV (header row) or JSON Lines file, with where each came from. */
function readRecords(file: string): { records: RawRecord[]; origin: (i: number) => string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail('evaluate/data-unreadable', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { file });
  }
  if (/\.jsonl$/i.test(file)) {
    const lines = text.split('\n').map((l, i) => ({ l: l.trim(), line: i + 1 })).filter((x) => x.l);
    const records = lines.map(({ l, line }) => {
      try {
        const v = JSON.parse(l) as unknown;
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as RawRecord;
      } catch {
        /* reported below */
      }
      return fail('evaluate/data-format', `${file}:${line}: not a JSON object.`, { file, row: line });
    });
    return { records, origin: (i) => `${file}:${lines[i].line}` };
  }
  if (/\.csv$/i.test(file)) {
    try {
      return { records: parseCsv(text, { ...csvOptions(',', maxRecordBytes()), info: false, columns: true }) as RawRecord[], origin: (i) => `${file}:${i + 2}` };
    } catch (e) {
      return fail('evaluate/data-format', `${file}: ${(e as Error).message}`, { file });
    }
  }
  return fail('evaluate/data-format', `--data reads a CSV file (.csv, with a header row) or JSON Lines (.jsonl), with the feature and label columns the run was trained on; ${file} is neither.`, { file });
}

/** The samples of a --data file, through the run's fitted preprocessing exactly as in training. */
async function dataFilePart(file: string, pre: Preprocessing): Promise<Data> {
  const { records, origin } = readRecords(file);
  if (!records.length) fail('evaluate/data-empty', `${file} holds no records to evaluate.`, { file });
  const a = await applyFitted(pre, records, { labels: true, origin });
  return { n: a.n, shape: a.shape, x: a.x, y: a.y!, yShape: a.yShape!, origin };
}

/** Writes the evaluation next to the run's other files: evaluation.json for the test split, evaluation-<split>.json otherwise (evaluation-data.json for --data). */
export function writeEvaluation(runDir: string, e: EvaluationJson): string {
  const file = join(runDir, e.split === 'test' && !e.data ? 'evaluation.json' : `evaluation-${e.split}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(e) + '\n');
  renameSync(`${file}.tmp`, file);
  return file;
}

/**
 * The part's prepared inputs (`<file>.bin`, float32, row-major) and a JSON document with their
 * shape, label rows and the model's output rows (`<file>`): what an exporter checks its file against.
 */
function writeSamples(file: string, d: Data, predicted: number[][]): string {
  writeFileSync(`${file}.bin`, new Uint8Array(d.x.buffer, d.x.byteOffset, d.n * d.shape.reduce((a, b) => a * b, 1) * 4));
  writeFileSync(file, JSON.stringify({ n: d.n, shape: d.shape, labels: labelRows(d), predictions: predicted }));
  return file;
}

/** The run's preprocessing.json; an older run without one is told to re-train (evaluate has no --refit). */
function preprocessingOf(runDir: string): Preprocessing {
  try {
    return readPreprocessing(runDir);
  } catch (e) {
    if (e instanceof TrainerError && e.code === 'run/no-preprocessing') {
      fail(e.code, `${runDir} has no preprocessing.json: the run was trained before ModelYAML kept its fitted preprocessing, so its inputs cannot be prepared exactly as in training. Train the spec again, then evaluate the new run.`, { file: join(runDir, 'preprocessing.json') });
    }
    throw e;
  }
}

type Split = 'train' | 'validation' | 'test';

/** One split of the run's data, rebuilt as training built it (same spec, data and seed). */
async function splitPart(spec: Spec, o: { specDir: string; seed: number; workspace?: string; fingerprint?: string }, split: Split, warnings: string[], log: Log): Promise<Data> {
  const prepared = await prepareData(spec, { specDir: o.specDir, seed: o.seed, workspace: o.workspace, progress: (m) => log('debug', m) });
  const part = prepared.parts[split];
  if (!part) {
    const present = (['train', 'validation', 'test'] as const).filter((p) => prepared.parts[p]);
    return fail('evaluate/no-split', `The run's data has no ${split} split (it has ${present.join(', ')}). Use --split ${present.filter((p) => p !== 'train').at(-1) ?? 'train'}, or give the spec a data.${split} section and train again.`);
  }
  if (o.fingerprint && o.fingerprint !== prepared.fingerprint) {
    warnings.push('the data differs from what the run was trained on (its fingerprint changed): the split may not be the one trained with');
    log('warning', warnings[warnings.length - 1]);
  }
  return part;
}

export async function evaluateRun(runDirArg: string, options: EvaluateOptions, log: Log): Promise<Omit<EvaluationEvent, 'time'>> {
  const runDir = resolve(runDirArg);
  if (!existsSync(join(runDir, RUN_FILE))) fail('evaluate/not-a-run', `${runDir} is not a run folder (it has no ${RUN_FILE}). Name a folder under .modelyaml/runs/<spec>/, as \`modelyaml train\` prints.`, { file: runDir });
  const record = readRunRecord(runDir);
  if (!record) return fail('evaluate/not-a-run', `${join(runDir, RUN_FILE)} cannot be read as a run record.`, { file: join(runDir, RUN_FILE) });
  const pre = preprocessingOf(runDir);
  const folder = modelFolder(runDir, options.checkpoint);
  const split = options.data ? 'data' : options.split ?? 'test';
  const resolved = JSON.parse(readFileSync(join(runDir, 'resolved.json'), 'utf8')) as { options?: { workspace?: string } };
  const { spec, specDir } = runSpec(runDir, record.spec, resolved.options?.workspace);

  const choice = await chooseBackend({ device: 'cpu', backend: options.backend, wasmDir: options.wasmDir, searchFrom: [specDir] });
  log('debug', `backend: ${choice.backend} on ${choice.device}`);
  const warnings: string[] = [];
  const part = options.data ? await dataFilePart(resolve(options.data), pre) : await splitPart(spec, { specDir, seed: record.seed, workspace: resolved.options?.workspace, fingerprint: record.dataFingerprint }, split as Split, warnings, log);

  let model: tf.LayersModel;
  try {
    model = await loadModel(folder.dir);
  } catch (e) {
    return fail('evaluate/bad-checkpoint', `Cannot load the model in ${folder.dir}: ${(e as Error).message}. Train the spec again.`, { file: folder.dir });
  }
  const ctx: EvaluationContext = { split, run: runDir, ...(options.data ? { data: resolve(options.data) } : {}), ...(folder.checkpoint ? { checkpoint: folder.checkpoint } : {}), createdAt: new Date().toISOString() };
  try {
    const { evaluation, report, predicted } = await evaluatePart(model, part, pre, ctx);
    evaluation.warnings.push(...warnings);
    // An exporter's reference: the samples and the trainer's predictions, not a new evaluation file.
    const file = options.samplesFile ? writeSamples(options.samplesFile, part, predicted) : writeEvaluation(runDir, evaluation);
    return { type: 'evaluation', runDir, file, split, checkpoint: folder.dir, report, evaluation };
  } finally {
    model.dispose();
  }
}
