/**
 * `modelyaml evaluate`, inside the trainer process: load a run's checkpoint, rebuild the split the
 * run trained with (the run's spec snapshot, data and seed through the same pipeline), predict it
 * in batches and hand the labels and predictions to the core's metrics (src/core/evaluate/). The
 * result is written to the run folder and sent to the parent as an `evaluation` event.
 */
import * as tf from './tf';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EvaluationContext, EvaluationJson } from '../core/evaluate';
import type { Preprocessing } from '../core/protocol/preprocessing';
import type { EvaluateOptions, EvaluationEvent } from '../core/protocol/trainer';
import { batchOf } from './batches';
import { writeEvaluationSamples } from './evaluationSamples';
import { loadModel } from './checkpoint';
import { runPreprocessing } from './data/fitted';
import { dataFilePart } from './evaluateData';
import { scorePart, type PartEvaluation } from './evaluateTask';

export type { PartEvaluation };
import type { ItemValue, Spec } from '../core/spec';
import { prepareData } from './data/pipeline';
import type { Data } from './data/table';
import { chooseBackend } from './device';
import { inferenceWasmThreadsFor } from './parallel';
import { openRun, runSpec } from './inference';
import { fail } from './util';

type Log = (level: 'debug' | 'info' | 'warning', message: string) => void;

/** Samples per predicted batch: enough work per batch for the wasm backend's threads to share. */
const PREDICT_BATCH = 256;

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
/**
 * The metrics of one part from the model's predictions, by the kind of labels the run was trained
 * with and its loss (src/core/evaluate/score.ts), and the model's output rows.
 */
export async function evaluatePart(model: tf.LayersModel, d: Data, pre: Pick<Preprocessing, 'labels' | 'input'> & { loss?: ItemValue }, ctx: EvaluationContext, batchSize = PREDICT_BATCH): Promise<PartEvaluation & { predicted: number[][] }> {
  const predicted = await predictRows(model, d, batchSize);
  const activation = (model.layers.at(-1)?.getConfig() as { activation?: unknown } | undefined)?.activation;
  return { ...scorePart(labelRows(d), predicted, { labels: pre.labels, labelColumn: pre.input.label, loss: pre.loss, outputActivation: typeof activation === 'string' ? activation : undefined }, ctx), predicted };
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

/**
 * What evaluate reads of the run's resolved.json: the workspace its data was read in and its loss
 * (which says how to read the outputs). Missing or unreadable (an older run): neither.
 */
function readResolved(runDir: string): { workspace?: string; loss?: ItemValue } {
  let v: { options?: { workspace?: unknown }; settings?: { loss?: { type?: unknown; params?: unknown } } };
  try {
    v = JSON.parse(readFileSync(join(runDir, 'resolved.json'), 'utf8')) as typeof v;
  } catch {
    return {};
  }
  const workspace = v?.options?.workspace;
  const loss = v?.settings?.loss;
  const params = loss?.params ?? {};
  return {
    ...(typeof workspace === 'string' ? { workspace } : {}),
    ...(typeof loss?.type === 'string' && typeof params === 'object' && params !== null ? { loss: { type: loss.type, params: params as ItemValue['params'] } } : {}),
  };
}

export async function evaluateRun(runDirArg: string, options: EvaluateOptions, log: Log): Promise<Omit<EvaluationEvent, 'time'>> {
  const runDir = resolve(runDirArg);
  const { record, folder } = openRun(runDir, options.checkpoint);
  const resolved = readResolved(runDir);
  const pre = await runPreprocessing(runDir, { refit: options.refit, workspace: resolved.workspace, command: 'evaluate', log: (m) => log('info', m) });
  const split = options.data ? 'data' : options.split ?? 'test';
  const { spec, layers, specDir } = runSpec(runDir, record.spec, resolved.workspace);

  const wasmThreads = inferenceWasmThreadsFor(layers, PREDICT_BATCH);
  const choice = await chooseBackend({ device: 'cpu', backend: options.backend, wasmDir: options.wasmDir, wasmThreads: wasmThreads.threads, searchFrom: [specDir] });
  log('debug', `backend: ${choice.backend} on ${choice.device}${choice.backend === 'wasm' ? ` (${wasmThreads.why})` : ''}`);
  const warnings: string[] = [];
  const part = options.data ? await dataFilePart(resolve(options.data), pre) : await splitPart(spec, { specDir, seed: record.seed, workspace: resolved.workspace, fingerprint: record.dataFingerprint }, split as Split, warnings, log);

  let model: tf.LayersModel;
  try {
    model = await loadModel(folder.dir);
  } catch (e) {
    return fail('evaluate/bad-checkpoint', `Cannot load the model in ${folder.dir}: ${(e as Error).message}. Train the spec again.`, { file: folder.dir });
  }
  const ctx: EvaluationContext = { split, run: runDir, ...(options.data ? { data: resolve(options.data) } : {}), ...(folder.checkpoint ? { checkpoint: folder.checkpoint } : {}), createdAt: new Date().toISOString() };
  try {
    const { evaluation, report, predicted } = await evaluatePart(model, part, { ...pre, loss: resolved.loss }, ctx);
    evaluation.warnings.push(...warnings);
    // An exporter's reference: the samples and the trainer's predictions, not a new evaluation file.
    const file = options.samplesFile ? writeSamples(options.samplesFile, part, predicted) : writeEvaluation(runDir, evaluation);
    if (!options.samplesFile) writeEvaluationSamples(file, evaluation, part, pre);
    return { type: 'evaluation', runDir, file, split, checkpoint: folder.dir, report, evaluation };
  } finally {
    model.dispose();
  }
}
