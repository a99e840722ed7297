/**
 * `modelyaml evaluate`, inside the trainer process: load a run's checkpoint, rebuild the split the
 * run trained with (the run's spec snapshot, data and seed through the same pipeline), predict it
 * in batches and hand the labels and predictions to the core's metrics (src/core/evaluate/). The
 * result is written to the run folder and sent to the parent as an `evaluation` event.
 */
import * as tf from './tf';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  classificationJson, classificationSummary, evaluateClassification, evaluateRegression, EvaluationInputError, regressionJson, regressionReport,
  type EvaluationContext, type EvaluationJson,
} from '../core/evaluate';
import type { Preprocessing } from '../core/protocol/preprocessing';
import type { EvaluateOptions, EvaluationEvent } from '../core/protocol/trainer';
import { batchOf } from './batches';
import { loadModel } from './checkpoint';
import { applyFitted, type RawRecord } from './data/fitted';
import { parse as parseCsv } from 'csv-parse/sync';
import { csvOptions } from '../node/csv';
import { maxRecordBytes } from './data/readers';
import type { Spec } from '../core/spec';
import { prepareData } from './data/pipeline';
import type { Data } from './data/table';
import { chooseBackend } from './device';
import { openRun, runSpec } from './inference';
import { fail } from './util';

type Log = (level: 'debug' | 'info' | 'warning', message: string) => void;

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
const argmax = (r: readonly number[]) => r.reduce((best, v, i) => (v > r[best] ? i : best), 0);

export interface PartEvaluation {
  evaluation: EvaluationJson;
  report: string;
}

/** The metrics of one part from the model's predictions, by the kind of labels the run was trained with. */
export async function evaluatePart(model: tf.LayersModel, d: Data, pre: Pick<Preprocessing, 'labels' | 'input'>, ctx: EvaluationContext, batchSize = 256): Promise<PartEvaluation> {
  const { labels } = pre;
  const predicted = await predictRows(model, d, batchSize);
  const actual = labelRows(d);
  const names = (k: number) => Array.from({ length: k }, (_, i) => labels.names?.[i] ?? String(i));
  try {
    if (labels.kind === 'continuous') {
      const outputNames = actual[0]?.length === 1 ? [pre.input.label ?? 'target'] : names(actual[0]?.length ?? 0);
      const m = evaluateRegression({ actual, predicted, outputNames });
      return { evaluation: regressionJson(m, ctx), report: regressionReport(m) };
    }
    if (labels.kind === 'one_hot' || labels.kind === 'class_index' || labels.kind === 'binary') {
      const classLabels = labels.kind === 'one_hot' ? actual.map(argmax) : actual.map((r) => r[0]);
      const k = labels.kind === 'one_hot' ? actual[0]?.length ?? 0 : labels.classes ?? Math.max(2, predicted[0]?.length ?? 0);
      const m = evaluateClassification({ labels: classLabels, probabilities: predicted, classNames: names(k) });
      return { evaluation: classificationJson(m, ctx), report: classificationSummary(m) };
    }
  } catch (e) {
    if (e instanceof EvaluationInputError) fail('evaluate/predictions', `The model's predictions cannot be scored: ${e.message}`);
    throw e;
  }
  return fail('evaluate/unsupported', `Evaluating labels of kind ${labels.kind} is not supported yet (classification with one_hot, class_index or binary labels, and continuous regression are).`);
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
  const { record, preprocessing: pre, folder } = openRun(runDir, options.checkpoint);
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
    const { evaluation, report } = await evaluatePart(model, part, pre, ctx);
    evaluation.warnings.push(...warnings);
    const file = writeEvaluation(runDir, evaluation);
    return { type: 'evaluation', runDir, file, split, checkpoint: folder.dir, report, evaluation };
  } finally {
    model.dispose();
  }
}
