/**
 * A trained run as something that answers questions: `loadRunModel(runDir)` loads its model
 * (the best checkpoint, the last, or the final model) and its fitted preprocessing, and
 * `predict(records)` puts raw inputs through exactly the training transform and decodes the
 * model's outputs — class names with their probabilities and the top k, or the regressed values.
 * `modelyaml predict` (./predictRun.ts) and the live "Try the model" session use it; `evaluate`
 * shares its choice of model folder and its reading of the run's spec. Batch-friendly: one call
 * runs one batch through the model. Trainer process only (tfjs).
 */
import * as tf from './tf';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { analyze } from '../core/analyze';
import type { InputKind, Preprocessing } from '../core/protocol/preprocessing';
import type { RunRecord } from '../core/protocol/trainer';
import type { LayerInfo } from '../core/infer';
import type { Spec } from '../core/spec';
import { fileDataHost } from '../node/dataHost';
import { readRunRecord, readSpecSnapshot, RUN_FILE, SPEC_SNAPSHOT_FILE } from '../node/runRecord';
import { loadModel } from './checkpoint';
import { applyFitted, runPreprocessing, type RawRecord } from './data/fitted';
import type { Decoded } from './data/sources';
import { resizeInto } from './data/sources';
import { chooseBackend } from './device';
import { fail, product, TrainerError } from './util';

export type { RawRecord };

/** The model folder to use: the one asked for, else the best checkpoint, the last, or the final model. */
export function modelFolder(runDir: string, which: 'best' | 'last' | undefined): { dir: string; checkpoint?: 'best' | 'last' } {
  const has = (dir: string) => existsSync(join(dir, 'model.json'));
  if (which) {
    const dir = join(runDir, 'checkpoints', which);
    if (!has(dir)) {
      const other = which === 'best' ? 'last' : 'best';
      return fail('run/no-checkpoint', `${runDir} has no ${which} checkpoint (${dir}).${has(join(runDir, 'checkpoints', other)) ? ` It has a ${other} one: use --checkpoint ${other}.` : ' Train the spec again with train.checkpoint on.'}`, { file: dir });
    }
    return { dir, checkpoint: which };
  }
  for (const c of ['best', 'last'] as const) if (has(join(runDir, 'checkpoints', c))) return { dir: join(runDir, 'checkpoints', c), checkpoint: c };
  if (has(join(runDir, 'model'))) return { dir: join(runDir, 'model') };
  return fail('run/no-checkpoint', `${runDir} holds no trained model (no checkpoints/best, checkpoints/last or model/): the run ended before its first epoch. Train the spec again.`, { file: runDir });
}

/** The run's spec as it was trained, read against the original spec's folder (its data paths are relative to it). */
export function runSpec(runDir: string, specPath: string, workspace: string | undefined): { spec: Spec; layers: LayerInfo[]; specDir: string } {
  const text = readSpecSnapshot(runDir);
  const file = join(runDir, SPEC_SNAPSHOT_FILE);
  if (text === undefined) fail('run/not-a-run', `${runDir} has no ${SPEC_SNAPSHOT_FILE}: it is not a complete run folder.`, { file });
  const specDir = dirname(specPath);
  const a = analyze(text, { host: fileDataHost(specDir, { workspaces: [workspace ?? process.cwd()] }) });
  const first = a.diagnostics.find((d) => d.severity === 'error');
  if (first) fail('run/spec', `The run's spec (${file}) no longer checks: ${first.message}`, { file });
  return { spec: a.spec, layers: a.model?.layers ?? [], specDir };
}

/** What the model's outputs mean: classes (one of k, yes/no, any of k) or values. */
export type Task = 'multiclass' | 'binary' | 'multilabel' | 'regression';

export interface ClassProbability {
  label: string;
  probability: number;
}

/** One input's answer. Classification: `label` (or `labels`), `probabilities` and `top`; regression: `value` (one output) or `values`. */
export interface Prediction {
  /** multiclass, binary: the most probable class's name. */
  label?: string;
  /** multilabel: the classes with probability ≥ 0.5. */
  labels?: string[];
  /** Every class's probability, by class name. */
  probabilities?: Record<string, number>;
  /** The k most probable classes, most probable first. */
  top?: ClassProbability[];
  /** regression with one output. */
  value?: number;
  /** regression with several outputs, by output name. */
  values?: Record<string, number>;
}

/** One input's answer, or why it has none (`predictEach`). */
export type PredictOutcome = { ok: true; prediction: Prediction } | { ok: false; code: string; message: string };

export interface PredictOptions {
  /** How many classes `top` lists (default 5, at most the number of classes). */
  topK?: number;
  /** Where record i came from, for messages ("in.csv:12"). */
  origin?: (i: number) => string;
}

/**
 * A model that answers raw inputs: the fitted preprocessing, one forward pass, the decoding. The
 * run's tfjs checkpoint (loadRunModel) and an exported ONNX file (./onnxModel.ts) are both one.
 */
export interface Predictor {
  preprocessing: Preprocessing;
  task: Task;
  /** Classification: the class names in output order (the trained names, else "0", "1", …). */
  classNames?: string[];
  /** Regression: the output names (the label column for one output). */
  outputNames?: string[];
  /** What one raw input is: a table row, a text, an image, or flat values (images are accepted for the latter when they fit). */
  inputKind: InputKind;
  /** Predicts a batch; the first bad record fails it with a TrainerError naming the record and column. */
  predict(records: RawRecord[], o?: PredictOptions): Promise<Prediction[]>;
  /** Predicts a batch, answering each record on its own: a bad one gets its error, the others their prediction. */
  predictEach(records: RawRecord[], o?: PredictOptions): Promise<PredictOutcome[]>;
  /** A text as a record of this model's input (text models). */
  textRecord(text: string): RawRecord;
  /** A decoded image as a record of this model's input; fails when the model takes no images or one of another size. */
  imageRecord(image: Decoded, origin?: string): RawRecord;
  dispose(): void;
}

export interface RunModel extends Predictor {
  runDir: string;
  /** The model folder loaded, and which checkpoint it is (absent for the final model). */
  modelDir: string;
  checkpoint?: 'best' | 'last';
  /** The run's spec snapshot (read without its data). */
  spec: Spec;
  model: tf.LayersModel;
}

/** The forward pass: n prepared samples (flat, row-major) in, one output row per sample out. */
export type Forward = (x: Float32Array, n: number) => Promise<number[][]>;

export interface LoadOptions {
  checkpoint?: 'best' | 'last';
  /** Force one backend (tests); default the CPU's best. */
  backend?: string;
  wasmDir?: string;
  log?: (level: 'debug' | 'info' | 'warning', message: string) => void;
}

/** The task and the names of the outputs, from the labels the run was trained with and the model's output width. */
export function outputMeaning(pre: Preprocessing, width: number): { task: Task; classNames?: string[]; outputNames?: string[] } {
  const { labels } = pre;
  const names = (k: number) => Array.from({ length: k }, (_, i) => labels.names?.[i] ?? String(i));
  if (labels.kind === 'binary') {
    if (width === 1) return { task: 'binary', classNames: names(2) };
    return { task: 'multilabel', classNames: names(width) };
  }
  if (labels.kind === 'one_hot' || labels.kind === 'class_index') {
    if (width === 1) return { task: 'binary', classNames: names(2) };
    return { task: 'multiclass', classNames: names(width) };
  }
  return { task: 'regression', outputNames: width === 1 ? [pre.input.label ?? 'value'] : names(width) };
}

/** The k largest entries, largest first (ties: the lower index first). */
function topOf(names: string[], p: readonly number[], k: number): ClassProbability[] {
  return names.map((label, i) => ({ label, probability: p[i] })).sort((a, b) => b.probability - a.probability).slice(0, k);
}

/** One output row decoded by the task. */
export function decodeOutput(m: Pick<Predictor, 'task' | 'classNames' | 'outputNames'>, row: readonly number[], topK = 5): Prediction {
  if (m.task === 'regression') {
    const names = m.outputNames!;
    return names.length === 1 ? { value: row[0] } : { values: Object.fromEntries(names.map((n, i) => [n, row[i]])) };
  }
  const names = m.classNames!;
  const p = m.task === 'binary' && row.length === 1 ? [1 - row[0], row[0]] : Array.from(row);
  const probabilities = Object.fromEntries(names.map((n, i) => [n, p[i]]));
  const top = topOf(names, p, Math.max(1, Math.min(topK, names.length)));
  if (m.task === 'multilabel') return { labels: names.filter((_, i) => p[i] >= 0.5), probabilities, top };
  return { label: m.task === 'binary' ? names[p[1] >= 0.5 ? 1 : 0] : top[0].label, probabilities, top };
}

/** The model's outputs for n prepared samples: one row per sample. */
async function runBatch(model: tf.LayersModel, x: Float32Array, n: number, shape: number[]): Promise<number[][]> {
  const out = tf.tidy(() => model.predictOnBatch(tf.tensor(x, [n, ...shape])));
  if (Array.isArray(out)) {
    tf.dispose(out);
    return fail('predict/unsupported', 'The model has several outputs, which predicting cannot decode yet.');
  }
  const v = await out.data();
  out.dispose();
  const width = v.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * width, (i + 1) * width)));
}

/** An image as the flat values a `values` model (MNIST, IDX) was trained on: it must have the trained size exactly. */
function imageAsValues(pre: Preprocessing, img: Decoded, origin: string): RawRecord {
  const k = product(pre.input.shape);
  const f = pre.features.shape;
  // The pipeline's reshape says how the values were laid out: [h, w, c] (or [h, w]); else a square grey image.
  const [h, w, c] = f.length >= 2 && product(f) === k ? [f[0], f[1], f[2] ?? 1] : [Math.round(Math.sqrt(k)), Math.round(Math.sqrt(k)), 1];
  if (h * w * c !== k || (c !== 1 && c !== 3 && c !== 4)) fail('predict/bad-image', `${origin}: the model takes ${k} values per sample, not an image.`);
  if (img.width !== w || img.height !== h) {
    fail('predict/bad-image-size', `${origin}: the image is ${img.width}×${img.height}, but the model was trained on ${w}×${h} images (${c === 1 ? 'grey' : c === 3 ? 'RGB' : 'RGBA'}); resize it first.`);
  }
  const values = new Float32Array(k);
  resizeInto(img, h, w, c, values, 0);
  return { values };
}

/** A run folder's record, fitted preprocessing and model folder, or a clear error for a folder that is not a (complete) run. */
export function openRun(runDirArg: string, checkpoint: 'best' | 'last' | undefined): { runDir: string; record: RunRecord; folder: ReturnType<typeof modelFolder> } {
  const runDir = resolve(runDirArg);
  if (!existsSync(join(runDir, RUN_FILE))) fail('run/not-a-run', `${runDir} is not a run folder (it has no ${RUN_FILE}). Name a folder under .modelyaml/runs/<spec>/, as \`modelyaml train\` prints.`, { file: runDir });
  const record = readRunRecord(runDir);
  if (!record) return fail('run/not-a-run', `${join(runDir, RUN_FILE)} cannot be read as a run record.`, { file: join(runDir, RUN_FILE) });
  return { runDir, record, folder: modelFolder(runDir, checkpoint) };
}

/**
 * Loads a run folder for prediction: its fitted preprocessing, the model (`checkpoint`, else the
 * best, the last or the final one) on the CPU backend. Fails with a clear TrainerError for a
 * folder that is not a run, has no model or no preprocessing.json.
 */
export async function loadRunModel(runDirArg: string, o: LoadOptions = {}): Promise<RunModel> {
  const { runDir, record, folder } = openRun(runDirArg, o.checkpoint);
  // A run without preprocessing.json: `modelyaml evaluate --refit` writes it back (the message says so).
  const preprocessing = await runPreprocessing(runDir, { command: 'evaluate', log: (m) => o.log?.('info', m) });
  const snapshot = readSpecSnapshot(runDir);
  if (snapshot === undefined) fail('run/not-a-run', `${runDir} has no ${SPEC_SNAPSHOT_FILE}: it is not a complete run folder.`, { file: join(runDir, SPEC_SNAPSHOT_FILE) });
  const spec = analyze(snapshot).spec;
  const choice = await chooseBackend({ device: 'cpu', backend: o.backend, wasmDir: o.wasmDir, searchFrom: [dirname(record.spec)] });
  o.log?.('debug', `backend: ${choice.backend} on ${choice.device}`);
  let model: tf.LayersModel;
  try {
    model = await loadModel(folder.dir);
  } catch (e) {
    return fail('run/bad-checkpoint', `Cannot load the model in ${folder.dir}: ${(e as Error).message}. Train the spec again.`, { file: folder.dir });
  }
  const outShape = model.outputs[0].shape.slice(1);
  const meaning = outputMeaning(preprocessing, product(outShape.map((d) => d ?? 1)));
  const shape = preprocessing.features.shape;
  const predictor = predictorOf(preprocessing, meaning, (x, n) => runBatch(model, x, n, shape), () => model.dispose());
  return { ...predictor, runDir, modelDir: folder.dir, ...(folder.checkpoint ? { checkpoint: folder.checkpoint } : {}), spec, model };
}

/**
 * A Predictor over a forward pass: raw records through the fitted preprocessing (without the
 * steps `folded` into the model), the forward pass, and the outputs decoded by `meaning`.
 */
export function predictorOf(preprocessing: Preprocessing, meaning: ReturnType<typeof outputMeaning>, forward: Forward, dispose: () => void, folded = false): Predictor {
  const p: Predictor = {
    preprocessing, ...meaning, inputKind: preprocessing.input.kind,
    async predict(records, o = {}) {
      if (!records.length) return [];
      const a = await applyFitted(preprocessing, records, { origin: o.origin, folded });
      const rows = await forward(a.x, a.n);
      return rows.map((r) => decodeOutput(meaning, r, o.topK));
    },
    async predictEach(records, o = {}) {
      try {
        return (await p.predict(records, o)).map((prediction) => ({ ok: true as const, prediction }));
      } catch (e) {
        if (!(e instanceof TrainerError) || records.length === 1) {
          if (e instanceof TrainerError) return [{ ok: false, code: e.code, message: e.message }];
          throw e;
        }
      }
      // Each record is transformed on its own (the stored fit, never the batch, gives the statistics), so the good ones go on as one batch.
      const at = o.origin ?? ((i: number) => `input record ${i + 1}`);
      const prepared = await Promise.all(records.map(async (r, i): Promise<Float32Array | PredictOutcome> => {
        try {
          return (await applyFitted(preprocessing, [r], { origin: () => at(i), folded })).x;
        } catch (e) {
          if (e instanceof TrainerError) return { ok: false, code: e.code, message: e.message };
          throw e;
        }
      }));
      const good = prepared.filter((v): v is Float32Array => v instanceof Float32Array);
      const x = new Float32Array(good.reduce((s, v) => s + v.length, 0));
      good.reduce((off, v) => (x.set(v, off), off + v.length), 0);
      const rows = good.length ? await forward(x, good.length) : [];
      let next = 0;
      return prepared.map((v) => (v instanceof Float32Array ? { ok: true as const, prediction: decodeOutput(meaning, rows[next++], o.topK) } : v));
    },
    textRecord(text) {
      if (preprocessing.input.kind !== 'text') fail('predict/not-text', `The model takes ${preprocessing.input.kind === 'table' ? 'table rows' : 'images'}, not text.`);
      return { [preprocessing.input.text!]: text };
    },
    imageRecord(image, origin = 'the image') {
      if (preprocessing.input.kind === 'image') return { image };
      if (preprocessing.input.kind === 'values') return imageAsValues(preprocessing, image, origin);
      return fail('predict/not-image', `${origin}: the model takes ${preprocessing.input.kind === 'text' ? 'text' : 'table rows'}, not images.`);
    },
    dispose,
  };
  return p;
}
