/**
 * The trainer's in-memory data: one `Data` per part (train, validation, test). Features are a
 * dense Float32Array per part (NaN marks a missing value) with names for table columns; columns
 * that hold text stay strings until `label_encode` turns them into numbers. Text samples and
 * token sequences have their own slots until `tokenize` / `pad_sequences` make them dense.
 */
import type { LabelKind } from '../../core/catalog/types';
import { fail, formatBytes, product } from '../util';
import { env } from '../../node/config';

export interface Data {
  n: number;
  /** Per-sample feature shape of `x`. */
  shape: number[];
  x: Float32Array;
  /** Names of the feature columns when the samples are table rows (shape [k]). */
  columns?: string[];
  /** Text values of columns that are not numeric (x holds NaN there), by column name. */
  strCols?: Map<string, (string | null)[]>;
  /** Raw text samples (a `text` field), before `tokenize`. */
  text?: (string | null)[];
  /** Token ids, before `pad_sequences`. */
  seqs?: Int32Array[];
  /** Labels: n × prod(yShape); NaN marks a missing label. */
  y: Float32Array;
  yShape: number[];
  /** Label values that are not numbers (class names), before `label_encode`. */
  yStr?: (string | null)[];
  /** Names of the class indices the source gave the labels (image folders), when it named them. */
  labelNames?: string[];
  /** Where each sample came from, for messages: "houses.csv:12". */
  origin?: (i: number) => string;
}

export interface Parts {
  train: Data;
  validation?: Data;
  test?: Data;
}

export interface Meta {
  labelKind: LabelKind | 'unknown';
  classes?: number;
  classNames?: string[];
  augment?: { flip: string; noise: number };
  /** Whether a `split` step divided the data (then data.validation/test.split do not). */
  splitDone: boolean;
}

export const PART_NAMES = ['train', 'validation', 'test'] as const;

/** The largest dataset (features + labels, in bytes) the trainer loads before refusing. */
export function dataBudget(): number {
  return (env.maxDataMb() ?? 2048) * 1024 * 1024;
}

/**
 * The number in a cell when a float32 (what tensors hold) can hold it; undefined for text, and
 * for `Infinity`, `1e999` or `1e39`, which would become ±Infinity in a tensor.
 */
export function toFloat32(s: string): number | undefined {
  if (s.trim() === '') return undefined;
  const v = Number(s);
  return Number.isFinite(Math.fround(v)) ? v : undefined;
}

export function checkBudget(bytes: number, what: string, where: { file?: string; row?: number; offset?: number } = {}): void {
  const budget = dataBudget();
  if (bytes > budget) {
    fail(
      'data/too-large',
      `${what} needs ${formatBytes(bytes)} in memory, more than the trainer's limit of ${formatBytes(budget)}. ` +
        'Use fewer samples (a smaller file, or `samples:` on a built-in dataset), or raise the limit with MODELYAML_MAX_DATA_MB.',
      where,
    );
  }
}

export function sampleSize(d: Data): number {
  return product(d.shape);
}

/** The rows `idx` of `d`, in that order. */
export function take(d: Data, idx: ArrayLike<number>): Data {
  const k = sampleSize(d);
  const ky = product(d.yShape);
  const x = new Float32Array(idx.length * k);
  const y = new Float32Array(idx.length * ky);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    x.set(d.x.subarray(j * k, j * k + k), i * k);
    y.set(d.y.subarray(j * ky, j * ky + ky), i * ky);
  }
  const pick = <T>(a: T[] | undefined) => (a ? Array.from(idx, (j) => a[j]) : undefined);
  const out: Data = { ...d, n: idx.length, x, y };
  if (d.strCols) out.strCols = new Map([...d.strCols].map(([c, v]) => [c, pick(v)!]));
  if (d.text) out.text = pick(d.text);
  if (d.seqs) out.seqs = pick(d.seqs);
  if (d.yStr) out.yStr = pick(d.yStr);
  if (d.origin) {
    const o = d.origin;
    const map = Array.from(idx);
    out.origin = (i) => o(map[i]);
  }
  return out;
}

/** Appends `b`'s samples to `a`'s (same layout). */
export function concatData(a: Data, b: Data): Data {
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const y = new Float32Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  const cat = <T>(p: T[] | undefined, q: T[] | undefined, fill: T) =>
    p || q ? [...(p ?? Array(a.n).fill(fill)), ...(q ?? Array(b.n).fill(fill))] : undefined;
  const out: Data = { ...a, n: a.n + b.n, x, y };
  if (a.strCols || b.strCols) {
    const names = new Set([...(a.strCols?.keys() ?? []), ...(b.strCols?.keys() ?? [])]);
    out.strCols = new Map([...names].map((c) => [c, cat(a.strCols?.get(c), b.strCols?.get(c), null)!]));
  }
  out.text = cat(a.text, b.text, null);
  out.seqs = cat(a.seqs, b.seqs, new Int32Array(0));
  out.yStr = cat(a.yStr, b.yStr, null);
  if (a.origin || b.origin) out.origin = (i) => (i < a.n ? (a.origin?.(i) ?? `sample ${i + 1}`) : (b.origin?.(i - a.n) ?? `sample ${i - a.n + 1}`));
  return out;
}

/** Column index, or a clear error naming the columns there are. */
export function columnIndex(d: Data, name: string, step: string): number {
  const i = d.columns?.indexOf(name) ?? -1;
  if (i < 0) fail('data/missing-column', `\`${step}\`: there is no feature column \`${name}\`. The columns: ${(d.columns ?? []).join(', ') || '(none: the samples are not table rows)'}.`);
  return i;
}

/** Applies `fn` to every part present. */
export function mapParts(parts: Parts, fn: (d: Data, name: (typeof PART_NAMES)[number]) => Data): Parts {
  const out: Parts = { train: fn(parts.train, 'train') };
  if (parts.validation) out.validation = fn(parts.validation, 'validation');
  if (parts.test) out.test = fn(parts.test, 'test');
  return out;
}

export function allParts(parts: Parts): Data[] {
  return [parts.train, parts.validation, parts.test].filter((d): d is Data => !!d);
}
