/**
 * A run's fitted preprocessing (`preprocessing.json`, schema in core/protocol/preprocessing.ts):
 * written at train time, read back for `predict`, `evaluate` and exporters, and applied to raw
 * inputs by replaying the same step implementations the trainer ran with the stored fit, so new
 * inputs go through exactly the training transform. `refitPreprocessing` recomputes it from the
 * spec's data for runs made before the file existed.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { analyze } from '../../core/analyze';
import { parsePreprocessing, PREPROCESSING_FILE, serializePreprocessing, type Preprocessing } from '../../core/protocol/preprocessing';
import type { Spec } from '../../core/spec';
import { readRunRecord, readSpecSnapshot, SPEC_SNAPSHOT_FILE } from '../../node/runRecord';
import { fail, product, TrainerError } from '../util';
import { finalize, prepareData, type PrepareOptions } from './pipeline';
import { jsonCell, resizeInto, tableToData, type Decoded } from './sources';
import { STEP_IMPLS, type StepContext } from './steps';
import { sampleSize, toFloat32, type Data, type Meta } from './table';

/**
 * One raw input. Tables: `{ column: value, … }` (values as a CSV cell or JSON value); text:
 * `{ [input.text]: "…" }`; flat values (IDX, built-in datasets): `{ values: number[] }`; images:
 * `{ image: { width, height, data: RGBA bytes } }`. The label sits under `input.label` (or `label`).
 */
export type RawRecord = Record<string, unknown>;

export interface ApplyOptions {
  /** Read and encode the labels too (evaluate); off, label fields are ignored (predict). */
  labels?: boolean;
  /** Where record i came from, for messages (default "input record i+1"). */
  origin?: (i: number) => string;
  /**
   * The steps that run at inference are folded into the model (an ONNX export with
   * --include-preprocessing): only the source's reading runs, and the samples keep its shape.
   */
  folded?: boolean;
}

export interface AppliedInputs {
  n: number;
  /** n × prod(shape) feature values, exactly as the trainer fed the model. */
  x: Float32Array;
  /** The per-sample feature shape (preprocessing.features.shape). */
  shape: number[];
  /** With `labels`: n × prod(yShape) encoded labels. */
  y?: Float32Array;
  yShape?: number[];
}

/** Largest preprocessing.json read (a tokenizer's vocabulary is the big part). */
const MAX_FILE_BYTES = 256 * 2 ** 20;

export function writePreprocessing(runDir: string, p: Preprocessing): void {
  const file = join(runDir, PREPROCESSING_FILE);
  writeFileSync(`${file}.tmp`, serializePreprocessing(p));
  renameSync(`${file}.tmp`, file);
}

/** The run's fitted preprocessing, or a clear error: missing (an older run) or damaged. */
export function readPreprocessing(runDir: string): Preprocessing {
  const file = join(runDir, PREPROCESSING_FILE);
  if (!existsSync(file)) {
    fail('run/no-preprocessing', `${runDir} has no ${PREPROCESSING_FILE}: the run was trained before ModelYAML kept the fitted preprocessing. Re-train the spec, or pass --refit to recompute it from the spec's data.`, { file });
  }
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return fail('run/bad-preprocessing', `${file} is not a file; re-train, or pass --refit to write it again.`, { file });
    if (st.size > MAX_FILE_BYTES) return fail('run/bad-preprocessing', `${file} is ${st.size} bytes, more than a preprocessing file can be; re-train, or pass --refit to write it again.`, { file });
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof TrainerError) throw e;
    return fail('run/bad-preprocessing', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { file });
  }
  const parsed = parsePreprocessing(text);
  if (!parsed.ok) fail('run/bad-preprocessing', `${file}: ${parsed.error}. Re-train, or pass --refit to write it again.`, { file });
  return parsed.value;
}

/** Recomputes a run's fitted preprocessing from the spec's data, deterministically (same spec, data and seed: same file). */
export async function refitPreprocessing(spec: Spec, o: PrepareOptions): Promise<Preprocessing> {
  return (await prepareData(spec, o)).preprocessing;
}

const originOf = (o: ApplyOptions) => o.origin ?? ((i: number) => `input record ${i + 1}`);

function field(r: RawRecord, key: string, i: number, o: ApplyOptions): unknown {
  if (typeof r !== 'object' || r === null || !Object.prototype.hasOwnProperty.call(r, key)) fail('predict/missing-field', `${originOf(o)(i)}: no \`${key}\` field.`);
  return r[key];
}

/** Label cells: numbers, class names (mapped by the stored names when no step encodes them), or missing. */
function labelCells(p: Preprocessing, records: RawRecord[], o: ApplyOptions): (number | string | null)[] {
  const key = p.input.label ?? 'label';
  // label_encode and keep_labels read names themselves (keep_labels by its own kept names).
  const encodes = p.steps.some((s) => s.atInference === 'labels' && (s.type === 'label_encode' || s.type === 'keep_labels'));
  return records.map((r, i) => {
    const c = jsonCell(field(r, key, i, o));
    if (c === undefined) fail('predict/bad-label', `${originOf(o)(i)}: the label \`${key}\` must be a number or a name.`);
    if (typeof c !== 'string' || encodes || !p.labels.names) return c!;
    const k = p.labels.names.indexOf(c);
    if (k < 0) fail('predict/bad-label', `${originOf(o)(i)}: label "${c}" is not one of the trained classes (${p.labels.names.slice(0, 12).join(', ')}).`);
    return k;
  });
}

/** Raw records → the source's `Data`, as the data source would have read them. */
function recordsToData(p: Preprocessing, records: RawRecord[], o: ApplyOptions): Data {
  const n = records.length;
  const origin = originOf(o);
  const input = p.input;
  const labels = o.labels ? labelCells(p, records, o) : undefined;
  const withLabels = (d: Data): Data => {
    if (!labels) return { ...d, y: new Float32Array(0), yShape: [0], origin };
    const yStr = labels.some((v) => typeof v === 'string') ? labels.map((v) => (v === null ? null : String(v))) : undefined;
    return { ...d, y: Float32Array.from(labels, (v) => (typeof v === 'number' && !yStr ? v : NaN)), yShape: [], ...(yStr ? { yStr } : {}), origin };
  };
  if (input.kind === 'table') {
    const cols = input.columns!;
    const cells = new Map(cols.map((c) => [c, records.map((r, i) => {
      const v = jsonCell(field(r, c, i, o));
      return v === undefined ? fail('predict/bad-value', `${origin(i)}: column \`${c}\` holds a list or an object, not a number or a name.`) : v;
    })]));
    const d = tableToData('input', cells, n, cols, undefined, (i) => i + 1);
    return withLabels(d);
  }
  if (input.kind === 'text') {
    // As the JSON Lines reader takes a text field: strings as they are, other scalars as their text.
    const text = records.map((r, i) => {
      const v = field(r, input.text!, i, o);
      if (v === null || v === undefined) return null;
      return typeof v === 'object' ? fail('predict/bad-value', `${origin(i)}: \`${input.text}\` must be text.`) : String(v);
    });
    return withLabels({ n, shape: [0], x: new Float32Array(0), y: new Float32Array(0), yShape: [0], text });
  }
  const k = product(input.shape);
  const x = new Float32Array(n * k);
  records.forEach((r, i) => {
    if (input.kind === 'image') {
      const img = field(r, 'image', i, o) as Decoded;
      if (!img || !Number.isInteger(img.width) || !Number.isInteger(img.height) || !(img.data instanceof Uint8Array) || img.data.length !== img.width * img.height * 4) {
        fail('predict/bad-image', `${origin(i)}: \`image\` must be a decoded image ({ width, height, data: RGBA bytes }).`);
      }
      resizeInto(img, input.imageSize![0], input.imageSize![1], input.channels!, x, i * k);
      return;
    }
    const v = field(r, 'values', i, o) as ArrayLike<number>;
    if (!v || typeof v !== 'object' || v.length !== k) fail('predict/bad-shape', `${origin(i)}: \`values\` must hold ${k} numbers (shape [${input.shape.join(', ')}]).`);
    for (let j = 0; j < k; j++) x[i * k + j] = typeof v[j] === 'number' ? v[j] : NaN;
  });
  return withLabels({ n, shape: [...input.shape], x, y: new Float32Array(0), yShape: [0] });
}

/** Values the training transform leaves that a model cannot take: text in a numeric column, missing values. */
function checkInputs(d: Data, p: Preprocessing): void {
  const at = d.origin ?? ((i: number) => `input record ${i + 1}`);
  for (const [c, v] of d.strCols ?? []) {
    // The column is text as a whole once one cell is: name the cell that is not a number.
    const i = Math.max(0, v.findIndex((s) => s !== null && toFloat32(s) === undefined));
    fail('predict/not-numeric', `${at(i)}: column \`${c}\` holds "${String(v[i]).slice(0, 40)}", not a number.`);
  }
  const k = sampleSize(d);
  for (let i = 0; i < d.x.length; i++) {
    if (!Number.isNaN(d.x[i])) continue;
    const col = d.columns?.[i % k] ?? p.input.columns?.[i % k];
    fail('predict/missing-value', `${at(Math.floor(i / k))}: a missing value${col ? ` in column \`${col}\`` : ''}, and the training pipeline fills none there.`);
  }
}

/**
 * Applies a run's fitted preprocessing to raw records: the source's reading, then every step that
 * runs at inference with its stored fit. Training-only steps (filters, shuffles, splits) are skipped.
 */
export async function applyFitted(p: Preprocessing, records: RawRecord[], o: ApplyOptions = {}): Promise<AppliedInputs> {
  if (!records.length) return { n: 0, x: new Float32Array(0), shape: [...p.features.shape], ...(o.labels ? { y: new Float32Array(0), yShape: [...p.labels.shape] } : {}) };
  const meta: Meta = { labelKind: p.labels.kind, classes: p.labels.classes, classNames: p.labels.names, splitDone: true };
  const ctx: StepContext = { specDir: '', roots: [], files: [], seed: 0, meta };
  let data = recordsToData(p, records, o);
  for (const step of p.steps) {
    if (step.atInference === 'skip' || (step.atInference === 'labels' && !o.labels) || (step.atInference === 'apply' && o.folded)) continue;
    if (step.type === 'join') fail('predict/unsupported', 'The pipeline joins another table (`join`), which predicting cannot do yet: join the columns into the input first.');
    const impl = Object.prototype.hasOwnProperty.call(STEP_IMPLS, step.type) ? STEP_IMPLS[step.type] : undefined;
    if (!impl) fail('run/bad-preprocessing', `preprocessing.json names the step \`${step.type}\`, which this ModelYAML does not know.`);
    ctx.fitted = step.fitted ? { replay: step.fitted } : {};
    data = (await impl({ train: data }, step.params, ctx)).train;
    if (ctx.fitted.learned) fail('run/bad-preprocessing', `preprocessing.json holds no fitted state for \`${step.type}\`: re-train, or pass --refit.`);
  }
  checkInputs(data, p);
  finalize(data, 'input', meta);
  const expected = o.folded ? p.input.shape : p.features.shape;
  if (data.shape.join() !== expected.join()) {
    fail('predict/bad-shape', `The inputs become samples of shape [${data.shape.join(', ')}], but the model ${o.folded ? 'takes' : 'was trained on'} [${expected.join(', ')}].`);
  }
  const out: AppliedInputs = { n: data.n, x: data.x, shape: [...data.shape] };
  if (o.labels) {
    out.y = data.y;
    out.yShape = data.yShape.length ? [...data.yShape] : [1];
  }
  return out;
}

/**
 * `--refit` for a run folder made before preprocessing.json existed: recomputes the fit from the
 * run's spec snapshot, its seed and the spec's data, refuses when the data no longer gives the
 * run's fingerprint (the fit would not be the one the model was trained with), and writes the file.
 */
export async function refitRun(runDir: string, o: { workspace?: string } = {}): Promise<Preprocessing> {
  const resolvedFile = join(runDir, 'resolved.json');
  let resolved: { spec?: unknown; settings?: { seed?: unknown } };
  let text: string;
  try {
    resolved = JSON.parse(readFileSync(resolvedFile, 'utf8')) as typeof resolved;
    const snapshot = readSpecSnapshot(runDir);
    if (snapshot === undefined) throw new Error(`no ${SPEC_SNAPSHOT_FILE}`);
    text = snapshot;
  } catch (e) {
    return fail('run/not-refittable', `${runDir} is not a complete run folder (${(e as Error).message}): re-train the spec instead.`, { file: resolvedFile });
  }
  if (typeof resolved?.spec !== 'string' || typeof resolved.settings?.seed !== 'number') fail('run/not-refittable', `${resolvedFile} does not name the spec and its seed: re-train the spec instead.`, { file: resolvedFile });
  const specDir = dirname(resolved.spec as string);
  const pre = await refitPreprocessing(analyze(text).spec, { specDir, seed: resolved.settings!.seed as number, workspace: o.workspace });
  const trained = readRunRecord(runDir)?.dataFingerprint;
  if (trained && trained !== pre.dataFingerprint) {
    fail('run/data-changed', `The data of ${resolved.spec as string} has changed since ${runDir} was trained (fingerprint ${pre.dataFingerprint}, trained on ${trained}): a refit would not be the training transform. Re-train the spec.`);
  }
  writePreprocessing(runDir, pre);
  return pre;
}

export interface RunPreprocessingOptions {
  /** Recompute a missing or unreadable preprocessing.json from the spec's data (`--refit`). */
  refit?: boolean;
  workspace?: string;
  /** The command that reads it, for messages ("evaluate", "predict"). */
  command: string;
  log?: (message: string) => void;
}

/**
 * A run's fitted preprocessing for a command that applies it (evaluate, predict): the file when it
 * reads; with `refit`, a missing or damaged one is recomputed by refitRun first (a readable file is
 * kept as it is: it is the one written at train time). Without `refit` the message names the flag.
 */
export async function runPreprocessing(runDir: string, o: RunPreprocessingOptions): Promise<Preprocessing> {
  try {
    return readPreprocessing(runDir);
  } catch (e) {
    if (!(e instanceof TrainerError) || (e.code !== 'run/no-preprocessing' && e.code !== 'run/bad-preprocessing')) throw e;
    if (!o.refit) {
      if (e.code === 'run/bad-preprocessing') throw e;
      fail(e.code, `${runDir} has no ${PREPROCESSING_FILE}: the run was trained before ModelYAML kept its fitted preprocessing, so its inputs cannot be prepared exactly as in training. Train the spec again, or pass --refit to \`modelyaml ${o.command}\` to recompute it from the spec's data.`, e.where);
    }
    o.log?.(`${PREPROCESSING_FILE} ${e.code === 'run/no-preprocessing' ? 'is missing' : 'is damaged'}: refitting it from the spec's data`);
    return refitRun(runDir, { workspace: o.workspace });
  }
}

