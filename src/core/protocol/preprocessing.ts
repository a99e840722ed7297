/**
 * `preprocessing.json`, a run folder's fitted preprocessing: what the data source yields, every
 * pipeline step with its parameters and what it learned from the training split, and the shapes
 * and label names the model saw. `predict`, `evaluate` and exporters read it so raw inputs go
 * through exactly the training transform. Documented in docs/preprocessing.md. Pure TypeScript:
 * the file is checked field by field on arrival (readers from ./check), and a damaged one gets an
 * error naming the field.
 */
import type { LabelKind } from '../catalog/types';
import type { WordPieceOptions } from '../text/wordpiece';
import { fail, isObj, readInt, readList, readObject, readOneOf, readOptional, readString, type Reader, reading, type Validated } from './check';

export const PREPROCESSING_FILE = 'preprocessing.json';
export const PREPROCESSING_SCHEMA_VERSION = 1;

/** How a raw input record looks: table rows, a text field, flat values (IDX, built-in datasets) or a decoded image. */
export type InputKind = 'table' | 'text' | 'values' | 'image';

export interface PreprocessingInput {
  /** The `data.source` type: csv, jsonl, dataset, idx, images. */
  source: string;
  kind: InputKind;
  /** table: the feature columns, in the order the model sees them. */
  columns?: string[];
  /** text: the field that holds the text. */
  text?: string;
  /** table/text: the label column (ignored at prediction when absent from the input). */
  label?: string;
  /** The per-sample shape the source yields before the pipeline ([k] for a table, [h, w, c] for images). */
  shape: number[];
  /** image: the size every image is resized to, and its channels (1 = grey, 3 = RGB, 4 = RGBA). */
  imageSize?: [number, number];
  channels?: number;
}

/** What a step learned from the training split, by step type (absent for steps that learn nothing). */
export interface FittedState {
  fill_missing: { values: number[]; text: Record<string, string | null> };
  clip_outliers: { low: number[]; high: number[] };
  normalize: { min: number[]; max: number[] };
  standardize: { mean: number[]; std: number[] };
  label_encode: { classes: string[] };
  one_hot: { classes: number };
  tokenize: { vocabulary: string[] };
  /** The pretrained vocabulary (token by id) and the tokenizer's settings (src/core/text/wordpiece.ts). */
  wordpiece: { tokens: string[]; options: WordPieceOptions };
}

/** `apply`: runs on every input; `labels`: runs only when the input has labels; `skip`: training only (filters, shuffles, splits). */
export type AtInference = 'apply' | 'labels' | 'skip';

export interface FittedStep {
  type: string;
  params: Record<string, unknown>;
  atInference: AtInference;
  fitted?: Record<string, unknown>;
}

export interface Preprocessing {
  schemaVersion: typeof PREPROCESSING_SCHEMA_VERSION;
  input: PreprocessingInput;
  steps: FittedStep[];
  /** The per-sample shape the model's input gets. */
  features: { shape: number[] };
  labels: { kind: LabelKind | 'unknown'; shape: number[]; classes?: number; names?: string[] };
  /** The run's data fingerprint (run.json's dataFingerprint). */
  dataFingerprint: string;
}

// ─── Writing ─────────────────────────────────────────────────────────────────────────────────

/** JSON cannot hold NaN and ±Infinity (an empty column's min is Infinity): they are written as strings. */
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** The file's text: stable key order, so the same fit gives the same bytes. `compact`: one line (an ONNX model's metadata). */
export function serializePreprocessing(p: Preprocessing, compact = false): string {
  const text = JSON.stringify(p, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), compact ? undefined : 2);
  return compact ? text : text + '\n';
}

// ─── Reading ─────────────────────────────────────────────────────────────────────────────────

export type { Validated };

const obj = readObject;
const str = readString;
const int = (v: unknown, at: string, min?: number, max?: number) => readInt(min, max)(v, at);
const num = (v: unknown, at: string): number =>
  typeof v === 'number' ? v : typeof v === 'string' && Object.prototype.hasOwnProperty.call(NON_FINITE, v) ? NON_FINITE[v] : fail(at, 'must be a number');
const list = <T>(v: unknown, at: string, item: Reader<T>): T[] => readList(item)(v, at);
const optional = <T>(v: unknown, at: string, item: Reader<T>): T | undefined => readOptional(item)(v, at);
const oneOf = <T extends string>(v: unknown, at: string, xs: readonly T[]): T => readOneOf(xs)(v, at);
const bad = fail;
const dims = (v: unknown, at: string) => list(v, at, (x, a) => int(x, a, 0, 2 ** 24));

/** Per-entry statistics: equal-length lists of numbers. */
function vectors(f: Record<string, unknown>, at: string, names: string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const n of names) out[n] = list(f[n], `${at}.${n}`, num);
  const lengths = new Set(names.map((n) => out[n].length));
  if (lengths.size > 1) bad(at, `must hold lists of one length (${names.join(', ')})`);
  return out;
}

const FITTED: { [K in keyof FittedState]: (f: Record<string, unknown>, at: string) => FittedState[K] } = {
  fill_missing: (f, at) => ({
    values: list(f.values, `${at}.values`, num),
    text: Object.fromEntries(Object.entries(obj(f.text, `${at}.text`)).map(([k, v]) => [k, v === null ? null : str(v, `${at}.text.${k}`)])),
  }),
  clip_outliers: (f, at) => vectors(f, at, ['low', 'high']) as FittedState['clip_outliers'],
  normalize: (f, at) => vectors(f, at, ['min', 'max']) as FittedState['normalize'],
  standardize: (f, at) => vectors(f, at, ['mean', 'std']) as FittedState['standardize'],
  label_encode: (f, at) => ({ classes: list(f.classes, `${at}.classes`, str) }),
  one_hot: (f, at) => ({ classes: int(f.classes, `${at}.classes`, 1, 1_000_000) }),
  tokenize: (f, at) => ({ vocabulary: list(f.vocabulary, `${at}.vocabulary`, str) }),
  wordpiece: (f, at) => ({ tokens: list(f.tokens, `${at}.tokens`, str), options: wordPieceOptionsOf(f.options, `${at}.options`) }),
};

function wordPieceOptionsOf(v: unknown, at: string): WordPieceOptions {
  const o = obj(v, at);
  const bool = (k: string): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : bad(`${at}.${k}`, 'must be true or false'));
  const stripAccents = o.stripAccents === null ? null : bool('stripAccents');
  return {
    lowercase: bool('lowercase'),
    stripAccents,
    chineseChars: bool('chineseChars'),
    maxInputCharsPerWord: int(o.maxInputCharsPerWord, `${at}.maxInputCharsPerWord`, 1),
    unk: str(o.unk, `${at}.unk`),
    cls: str(o.cls, `${at}.cls`),
    sep: str(o.sep, `${at}.sep`),
    pad: str(o.pad, `${at}.pad`),
    neverSplit: list(o.neverSplit, `${at}.neverSplit`, str),
  };
}

/** Parameters the inference path reads as numbers or names: checked, so a damaged file cannot drive it astray. */
function checkParams(type: string, p: Record<string, unknown>, at: string): void {
  const n = (k: string) => optional(p[k], `${at}.${k}`, num);
  const checks: Record<string, () => unknown> = {
    scale: () => (num(p.divisor, `${at}.divisor`) === 0 ? bad(`${at}.divisor`, 'must not be 0') : 0),
    pad_sequences: () => (int(p.maxlen, `${at}.maxlen`, 1, 1_000_000), n('value')),
    reshape: () => list(p.shape, `${at}.shape`, (x, a) => int(x, a, -1, 2 ** 24)),
    tokenize: () => optional(p.num_words, `${at}.num_words`, (x, a) => int(x, a, 1)),
    wordpiece: () => int(p.max_length, `${at}.max_length`, 2, 1_000_000),
    label_encode: () => optional(p.column, `${at}.column`, str),
    select: () => list(typeof p.columns === 'string' ? [p.columns] : p.columns, `${at}.columns`, str),
    normalize: () => (n('min'), n('max')),
  };
  if (Object.prototype.hasOwnProperty.call(checks, type)) checks[type]();
}

function step(v: unknown, at: string): FittedStep {
  const s = obj(v, at);
  const type = str(s.type, `${at}.type`);
  const params = obj(s.params, `${at}.params`);
  checkParams(type, params, `${at}.params`);
  const out: FittedStep = { type, params, atInference: oneOf(s.atInference, `${at}.atInference`, ['apply', 'labels', 'skip'] as const) };
  const check = Object.prototype.hasOwnProperty.call(FITTED, type) ? FITTED[type as keyof FittedState] : undefined;
  if (s.fitted !== undefined || (check && out.atInference !== 'skip')) {
    const f = obj(s.fitted, `${at}.fitted`);
    out.fitted = check ? check(f, `${at}.fitted`) : f;
  }
  return out;
}

function input(v: unknown): PreprocessingInput {
  const i = obj(v, 'input');
  const out = { source: str(i.source, 'input.source'), kind: oneOf(i.kind, 'input.kind', ['table', 'text', 'values', 'image'] as const) } as PreprocessingInput;
  const columns = optional(i.columns, 'input.columns', (x, a) => list(x, a, str));
  if (columns) out.columns = columns;
  for (const k of ['text', 'label'] as const) if (i[k] !== undefined) out[k] = str(i[k], `input.${k}`);
  out.shape = dims(i.shape, 'input.shape');
  if (out.kind === 'table' && !columns) bad('input.columns', 'must list the feature columns of a table');
  if (out.kind === 'text' && !out.text) bad('input.text', 'must name the text field');
  if (out.kind === 'image') {
    const size = dims(i.imageSize, 'input.imageSize');
    if (size.length !== 2 || size.some((d) => d < 1)) bad('input.imageSize', 'must be [height, width]');
    out.imageSize = [size[0], size[1]];
    out.channels = int(i.channels, 'input.channels', 1, 4);
  }
  return out;
}

function labels(v: unknown): Preprocessing['labels'] {
  const l = obj(v, 'labels');
  const out: Preprocessing['labels'] = {
    kind: oneOf(l.kind, 'labels.kind', ['one_hot', 'class_index', 'binary', 'continuous', 'signed', 'unknown'] as const),
    shape: dims(l.shape, 'labels.shape'),
  };
  const classes = optional(l.classes, 'labels.classes', (x, a) => int(x, a, 1));
  if (classes !== undefined) out.classes = classes;
  const names = optional(l.names, 'labels.names', (x, a) => list(x, a, str));
  if (names) out.names = names;
  return out;
}

/** Checks a parsed `preprocessing.json`; numbers written as "NaN"/"Infinity" come back as numbers. */
export function validatePreprocessing(v: unknown): Validated<Preprocessing> {
  if (isObj(v) && typeof v.schemaVersion === 'number' && v.schemaVersion > PREPROCESSING_SCHEMA_VERSION) {
    return { ok: false, error: `schemaVersion ${v.schemaVersion} was written by a newer ModelYAML (this one reads ${PREPROCESSING_SCHEMA_VERSION}): update ModelYAML, or refit with --refit` };
  }
  return reading(() => {
    const root = obj(v, 'preprocessing.json');
    if (root.schemaVersion !== PREPROCESSING_SCHEMA_VERSION) bad('schemaVersion', `must be ${PREPROCESSING_SCHEMA_VERSION}`);
    const features = obj(root.features, 'features');
    return {
      schemaVersion: PREPROCESSING_SCHEMA_VERSION,
      input: input(root.input),
      steps: list(root.steps, 'steps', step),
      features: { shape: dims(features.shape, 'features.shape') },
      labels: labels(root.labels),
      dataFingerprint: str(root.dataFingerprint, 'dataFingerprint'),
    };
  });
}

/** Parses and checks the file's text. */
export function parsePreprocessing(text: string): Validated<Preprocessing> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON (${(e as Error).message})` };
  }
  return validatePreprocessing(v);
}
