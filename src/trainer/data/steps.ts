/**
 * Pipeline steps, one implementation per catalog step (a test walks the catalog). A step gets
 * every part (train, and validation/test when split off already); steps that learn statistics
 * learn them from the training part only and apply them unchanged to the others.
 */
import type { AtInference } from '../../core/protocol/preprocessing';
import type { ItemValue } from '../../core/spec';
import { catalogParams } from '../catalogDefaults';
import { deriveSeed, fail, mulberry32, permutation, product, type Rng } from '../util';
import type { SourceContext } from './sources';
import { loadSource } from './sources';
import { checkBudget, columnIndex, concatData, mapParts, sampleSize, take, type Data, type Meta, type Parts } from './table';
import { classIndices, keepLabelRows, keepTextLabelRows, renumberLabels, renumberTextLabels, type KeepLabelsState } from './keepLabelsStep';
import { encodeTexts, readWordPieceFolder, type WordPieceState } from './wordpieceStep';

export interface StepContext extends SourceContext {
  meta: Meta;
  /** The current step's fitted state: `replay` to apply a stored fit, `learned` filled by a fit. */
  fitted?: { replay?: Record<string, unknown>; learned?: Record<string, unknown> };
}

/**
 * What a step learns from the training part: computed (and kept in `ctx.fitted.learned` for
 * preprocessing.json), or, when applying a stored fit to new inputs, the stored state.
 */
function learn<T extends object>(ctx: StepContext, compute: () => T): T {
  const slot = ctx.fitted;
  if (slot?.replay) return slot.replay as T;
  const state = compute();
  if (slot) slot.learned = state as Record<string, unknown>;
  return state;
}

/** Fails clearly when a stored per-entry statistic does not fit the samples (a refit or damaged file). */
function entriesMatch(d: Data, stats: number[], step: string): void {
  const k = d.shape[d.shape.length - 1] ?? 1;
  if (stats.length !== k) fail('data/fitted-mismatch', `\`${step}\`: the fitted preprocessing holds ${stats.length} values per sample entry, but the samples have ${k}.`);
}

type StepImpl = (parts: Parts, p: Record<string, unknown>, ctx: StepContext) => Parts | Promise<Parts>;

/** Steps that only shape the training set (filters, shuffles, splits, augmentation): not run on inputs to predict. */
const TRAINING_ONLY = new Set(['drop_missing', 'drop_duplicates', 'shuffle', 'split', 'concat', 'augment']);

/** When a stored step runs on new inputs: always, only when they carry labels, or never. */
export function atInference(type: string, p: Record<string, unknown>): AtInference {
  if (TRAINING_ONLY.has(type)) return 'skip';
  if (type === 'one_hot' || type === 'keep_labels' || (type === 'label_encode' && typeof p.column !== 'string')) return 'labels';
  return 'apply';
}

const strings = (v: unknown): string[] | undefined => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : undefined);

/** Indices of the last-axis entries a column step works on (all when `columns` is absent). */
function columnSet(d: Data, p: Record<string, unknown>, step: string): number[] {
  const names = strings(p.columns);
  const k = d.shape[d.shape.length - 1] ?? 1;
  if (!names) return Array.from({ length: k }, (_, i) => i);
  return names.map((c) => columnIndex(d, c, step));
}

function keepRows(d: Data, keep: (i: number) => boolean): Data {
  const idx: number[] = [];
  for (let i = 0; i < d.n; i++) if (keep(i)) idx.push(i);
  return idx.length === d.n ? d : take(d, idx);
}

const labelMissing = (d: Data, i: number) => {
  if (d.yStr) return d.yStr[i] === null;
  const ky = product(d.yShape);
  for (let j = 0; j < ky; j++) if (Number.isNaN(d.y[i * ky + j])) return true;
  return false;
};

/** Per-entry statistic of the training part over the last axis, skipping NaN. */
function perEntry(d: Data, stat: (values: number[]) => number): number[] {
  const k = d.shape[d.shape.length - 1] ?? 1;
  const stride = sampleSize(d);
  const buckets: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < d.n; i++) {
    const row = d.x.subarray(i * stride, (i + 1) * stride);
    for (let j = 0; j < row.length; j++) if (!Number.isNaN(row[j])) buckets[j % k].push(row[j]);
  }
  return buckets.map(stat);
}

/** Applies v ↦ f(v, entry) to every value (entries = the last axis). */
function mapValues(d: Data, f: (v: number, entry: number) => number, entries?: Set<number>): Data {
  const k = d.shape[d.shape.length - 1] ?? 1;
  const x = new Float32Array(d.x.length);
  for (let i = 0; i < x.length; i++) {
    const e = i % k;
    x[i] = entries && !entries.has(e) ? d.x[i] : f(d.x[i], e);
  }
  return { ...d, x };
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
const median = (v: number[]) => {
  if (!v.length) return 0;
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (v: number[], q: number) => {
  if (!v.length) return 0;
  const s = [...v].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};
function mode<T>(v: T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestN = 0;
  for (const x of v) {
    const n = (counts.get(x) ?? 0) + 1;
    counts.set(x, n);
    if (n > bestN) {
      best = x;
      bestN = n;
    }
  }
  return best;
}
const std = (v: number[]) => {
  const m = mean(v);
  return Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
};

function requireNumeric(d: Data, step: string): void {
  if (d.text || d.seqs) fail('data/not-numeric', `\`${step}\` works on numbers, but the features are still ${d.text ? 'text' : 'token sequences'}: add ${d.text ? '`tokenize` and ' : ''}\`pad_sequences\` first.`);
}

/** Seeded shuffle of a part, optionally within a sliding buffer (tf.data's semantics). */
function shuffled(d: Data, rng: Rng, buffer?: number): Data {
  if (!buffer || buffer >= d.n) return take(d, permutation(d.n, rng));
  const order: number[] = [];
  const buf: number[] = [];
  let next = 0;
  while (buf.length < buffer && next < d.n) buf.push(next++);
  while (buf.length) {
    const j = Math.floor(rng() * buf.length);
    order.push(buf[j]);
    if (next < d.n) buf[j] = next++;
    else buf.splice(j, 1);
  }
  return take(d, order);
}

/** Splits `d` into train/validation/test by fractions, after a seeded shuffle (stratified: per class). */
export function splitData(d: Data, validation: number, test: number, seed: number, stratify: boolean): Parts {
  const rng = mulberry32(seed);
  const groups: number[][] = [];
  if (stratify && product(d.yShape) <= 1) {
    const by = new Map<string, number[]>();
    for (let i = 0; i < d.n; i++) {
      const key = d.yStr ? String(d.yStr[i]) : String(d.y[i]);
      if (!by.has(key)) by.set(key, []);
      by.get(key)!.push(i);
    }
    for (const k of [...by.keys()].sort()) groups.push(by.get(k)!);
  } else groups.push(Array.from({ length: d.n }, (_, i) => i));
  const tr: number[] = [];
  const va: number[] = [];
  const te: number[] = [];
  for (const g of groups) {
    const p = permutation(g.length, rng);
    const nTest = Math.round(g.length * test);
    const nVal = Math.round(g.length * validation);
    p.forEach((j, r) => (r < nTest ? te : r < nTest + nVal ? va : tr).push(g[j]));
  }
  const sort = (a: number[]) => a.sort((x, y) => x - y);
  if (!tr.length) fail('data/split-fractions', `Splitting ${d.n} samples leaves none for training.`);
  const out: Parts = { train: take(d, sort(tr)) };
  if (va.length) out.validation = take(d, sort(va));
  if (te.length) out.test = take(d, sort(te));
  return out;
}

function encodeValues(values: (string | number | null)[], origin: (i: number) => string, index: Map<string, number>, what: string): Float32Array {
  const out = new Float32Array(values.length);
  values.forEach((v, i) => {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) return void (out[i] = NaN);
    const k = index.get(String(v));
    if (k === undefined) fail('data/unseen-value', `${origin(i)}: ${what} \`${v}\` does not occur in the training samples, so \`label_encode\` has no index for it.`);
    out[i] = k!;
  });
  return out;
}

function sortedDistinct(values: (string | number | null)[]): string[] {
  const seen = [...new Set(values.filter((v) => v !== null && !(typeof v === 'number' && Number.isNaN(v))))];
  const numeric = seen.every((v) => typeof v === 'number');
  return (numeric ? (seen as number[]).sort((a, b) => a - b) : seen.map(String).sort()).map(String);
}

const TOKEN_FILTER = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~\t\n]/g;

/** keep_labels on text labels by name: the rows of those names (every row when replaying), encoded in the list's order with remap. */
function keepTextLabels(parts: Parts, ctx: StepContext, names: string[], remap: boolean): Parts {
  if (ctx.fitted?.replay) return mapParts(parts, (d) => renumberTextLabels(d, names, remap));
  learn<KeepLabelsState>(ctx, () => ({ names }));
  if (remap) {
    ctx.meta.classes = names.length;
    ctx.meta.classNames = names;
    if (ctx.meta.labelKind === 'unknown' || names.length !== 2) ctx.meta.labelKind = 'class_index';
  }
  return keepTextLabelRows(parts, names, remap);
}

/** The steps by catalog name, written against their parameters with the catalog's defaults (`STEP_IMPLS` applies them). */
const IMPLS: Record<string, StepImpl> = {
  drop_missing: (parts, p) =>
    mapParts(parts, (d) => {
      const cols = strings(p.columns);
      const idx = cols ? cols.map((c) => columnIndex(d, c, 'drop_missing')) : undefined;
      const k = sampleSize(d);
      return keepRows(d, (i) => {
        if (d.text && d.text[i] === null) return false;
        if (!cols && labelMissing(d, i)) return false;
        for (const [name, v] of d.strCols ?? []) if ((!cols || cols.includes(name)) && v[i] === null) return false;
        const row = d.x.subarray(i * k, i * k + k);
        const strIdx = new Set([...(d.strCols?.keys() ?? [])].map((c) => d.columns?.indexOf(c)));
        for (const j of idx ?? row.keys()) if (!strIdx.has(j) && Number.isNaN(row[j])) return false;
        return true;
      });
    }),
  fill_missing: (parts, p, ctx) => {
    const t = parts.train;
    requireNumeric(t, 'fill_missing');
    const strategy = p.strategy as string;
    const cols = new Set(columnSet(t, p, 'fill_missing'));
    const stat = strategy === 'median' ? median : strategy === 'most_frequent' ? (v: number[]) => mode(v) ?? 0 : strategy === 'constant' ? () => p.value as number : mean;
    const fitted = learn(ctx, () => {
      const text: Record<string, string | null> = {};
      for (const [name, v] of t.strCols ?? []) {
        if (!cols.has(t.columns!.indexOf(name))) continue;
        if (strategy === 'mean' || strategy === 'median') continue;
        text[name] = strategy === 'constant' ? String(p.value) : (mode(v.filter((s) => s !== null)) ?? null);
      }
      return { values: perEntry(t, stat), text };
    });
    const fill = fitted.values;
    entriesMatch(t, fill, 'fill_missing');
    const strFill = new Map(Object.entries(fitted.text));
    return mapParts(parts, (d) => {
      const out = mapValues(d, (v, e) => (Number.isNaN(v) ? fill[e] : v), cols);
      if (d.strCols) {
        out.strCols = new Map([...d.strCols].map(([c, v]) => [c, strFill.has(c) ? v.map((s) => s ?? strFill.get(c)!) : v]));
        // Text columns stay NaN in x until encoded.
        for (const c of d.strCols.keys()) {
          const j = d.columns!.indexOf(c);
          for (let i = 0; i < d.n; i++) out.x[i * d.shape[0] + j] = NaN;
        }
      }
      return out;
    });
  },
  drop_duplicates: (parts, p) =>
    mapParts(parts, (d) => {
      const cols = p.columns ? columnSet(d, p, 'drop_duplicates') : undefined;
      const k = sampleSize(d);
      const ky = product(d.yShape);
      const seen = new Set<string>();
      return keepRows(d, (i) => {
        const row = d.x.subarray(i * k, i * k + k);
        const parts: unknown[] = cols ? cols.map((j) => row[j]) : [...row, ...d.y.subarray(i * ky, i * ky + ky)];
        for (const [c, v] of d.strCols ?? []) if (!cols || cols.includes(d.columns!.indexOf(c))) parts.push(v[i]);
        if (!cols && d.yStr) parts.push(d.yStr[i]);
        if (d.text) parts.push(d.text[i]);
        const key = JSON.stringify(parts);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }),
  clip_outliers: (parts, p, ctx) => {
    const t = parts.train;
    requireNumeric(t, 'clip_outliers');
    const cols = new Set(columnSet(t, p, 'clip_outliers'));
    const iqr = p.method === 'iqr';
    const k = typeof p.threshold === 'number' ? p.threshold : iqr ? 1.5 : 3;
    const { low: lo, high: hi } = learn(ctx, () => ({
      low: perEntry(t, (v) => (iqr ? quantile(v, 0.25) - k * (quantile(v, 0.75) - quantile(v, 0.25)) : mean(v) - k * std(v))),
      high: perEntry(t, (v) => (iqr ? quantile(v, 0.75) + k * (quantile(v, 0.75) - quantile(v, 0.25)) : mean(v) + k * std(v))),
    }));
    entriesMatch(t, lo, 'clip_outliers');
    return mapParts(parts, (d) => mapValues(d, (v, e) => (Number.isNaN(v) ? v : Math.min(Math.max(v, lo[e]), hi[e])), cols));
  },
  select: (parts, p) =>
    mapParts(parts, (d) => {
      const names = strings(p.columns) ?? [];
      const idx = names.map((c) => columnIndex(d, c, 'select'));
      const k = sampleSize(d);
      const x = new Float32Array(d.n * idx.length);
      for (let i = 0; i < d.n; i++) idx.forEach((j, o) => (x[i * idx.length + o] = d.x[i * k + j]));
      const out: Data = { ...d, x, shape: [idx.length], columns: names };
      if (d.strCols) out.strCols = new Map([...d.strCols].filter(([c]) => names.includes(c)));
      return out;
    }),
  join: async (parts, p, ctx) => {
    const right = await loadSource(p.source as ItemValue, ctx, true);
    const on = p.on as string;
    const how = p.how as string;
    const keyOf = (d: Data, i: number, j: number) => {
      const s = d.strCols?.get(on);
      if (s) return s[i];
      const v = d.x[i * d.shape[0] + j];
      return Number.isNaN(v) ? null : String(v);
    };
    const rj = columnIndex(right, on, 'join');
    const index = new Map<string, number>();
    for (let i = 0; i < right.n; i++) {
      const key = keyOf(right, i, rj);
      if (key !== null && !index.has(key)) index.set(key, i);
    }
    const added = right.columns!.filter((c) => c !== on);
    return mapParts(parts, (d) => {
      const lj = columnIndex(d, on, 'join');
      const left = d.columns!.filter((c) => c !== on);
      const clash = added.filter((c) => left.includes(c));
      if (clash.length) fail('data/join-collision', `\`join\`: both tables have the column${clash.length > 1 ? 's' : ''} ${clash.join(', ')}.`);
      const rows: number[] = [];
      const matches: (number | undefined)[] = [];
      for (let i = 0; i < d.n; i++) {
        const key = keyOf(d, i, lj);
        const m = key === null ? undefined : index.get(key);
        if (m === undefined && how === 'inner') continue;
        rows.push(i);
        matches.push(m);
      }
      const base = take(d, rows);
      const kl = d.shape[0];
      const k = left.length + added.length;
      checkBudget(rows.length * k * 4, 'the joined table');
      const x = new Float32Array(rows.length * k);
      const strCols = new Map<string, (string | null)[]>();
      rows.forEach((_, r) => {
        let o = 0;
        for (let j = 0; j < kl; j++) if (j !== lj) x[r * k + o++] = base.x[r * kl + j];
        const m = matches[r];
        for (const c of added) {
          const j = right.columns!.indexOf(c);
          x[r * k + o++] = m === undefined ? NaN : right.x[m * right.shape[0] + j];
        }
      });
      for (const [c, v] of base.strCols ?? []) if (c !== on) strCols.set(c, v);
      for (const [c, v] of right.strCols ?? []) if (c !== on) strCols.set(c, matches.map((m) => (m === undefined ? null : v[m])));
      const out: Data = { ...base, x, shape: [k], columns: [...left, ...added] };
      if (strCols.size) out.strCols = strCols;
      else delete out.strCols;
      return out;
    });
  },
  concat: async (parts, p, ctx) => {
    let other = await loadSource(p.source as ItemValue, ctx);
    const t = parts.train;
    if (t.columns && other.columns && t.columns.join('\0') !== other.columns.join('\0')) {
      const missing = t.columns.filter((c) => !other.columns!.includes(c));
      if (missing.length) fail('data/concat-mismatch', `\`concat\`: the other source lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);
      // Same columns, other order: reorder them.
      other = (await STEP_IMPLS.select({ train: other }, { columns: t.columns }, ctx)).train;
    }
    if (t.shape.join() !== other.shape.join() || !!t.text !== !!other.text || t.yShape.join() !== other.yShape.join()) {
      fail('data/concat-mismatch', `\`concat\`: the samples have shape [${t.shape}] here and [${other.shape}] in the other source.`);
    }
    return { ...parts, train: concatData(t, other) };
  },
  label_encode: (parts, p, ctx) => {
    const t = parts.train;
    const column = typeof p.column === 'string' ? p.column : undefined;
    if (column) {
      const j = columnIndex(t, column, 'label_encode');
      const valuesOf = (d: Data): (string | number | null)[] => d.strCols?.get(column) ?? Array.from({ length: d.n }, (_, i) => d.x[i * d.shape[0] + j]);
      const names = learn(ctx, () => ({ classes: sortedDistinct(valuesOf(t)) })).classes;
      const index = new Map(names.map((v, i) => [v, i]));
      return mapParts(parts, (d) => {
        const codes = encodeValues(valuesOf(d), d.origin ?? ((i) => `sample ${i + 1}`), index, `column \`${column}\` value`);
        const x = Float32Array.from(d.x);
        for (let i = 0; i < d.n; i++) x[i * d.shape[0] + j] = codes[i];
        const strCols = new Map(d.strCols);
        strCols.delete(column);
        const out: Data = { ...d, x };
        if (strCols.size) out.strCols = strCols;
        else delete out.strCols;
        return out;
      });
    }
    if (product(t.yShape) > 1) fail('data/already-encoded', 'The labels are already vectors; `label_encode` works on single category values.');
    const valuesOf = (d: Data): (string | number | null)[] => d.yStr ?? Array.from(d.y);
    const names = learn(ctx, () => ({ classes: sortedDistinct(valuesOf(t)) })).classes;
    const expected = (p.classes as number | undefined) ?? (ctx.meta.labelKind === 'binary' || ctx.meta.labelKind === 'signed' ? 2 : undefined);
    if (expected !== undefined && names.length !== expected) {
      fail('data/classes-mismatch', `\`label_encode\` expects ${expected} classes, but the training labels hold ${names.length}: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}.`);
    }
    const index = new Map(names.map((v, i) => [v, i]));
    ctx.meta.classNames = names;
    ctx.meta.classes = names.length;
    ctx.meta.labelKind = (ctx.meta.labelKind === 'binary' || ctx.meta.labelKind === 'signed') && names.length === 2 ? 'binary' : 'class_index';
    return mapParts(parts, (d) => {
      const out: Data = { ...d, y: encodeValues(valuesOf(d), d.origin ?? ((i) => `sample ${i + 1}`), index, 'label'), yShape: [] };
      delete out.yStr;
      return out;
    });
  },
  one_hot: (parts, p, ctx) => {
    const t = parts.train;
    if (t.yStr) fail('data/not-encoded', 'The labels are text (class names): add `label_encode` before `one_hot`.');
    const K = learn(ctx, () => ({ classes: (p.classes as number | undefined) ?? ctx.meta.classes ?? t.y.reduce((a, v) => (Number.isNaN(v) ? a : Math.max(a, v)), 0) + 1 })).classes;
    ctx.meta.classes = K;
    ctx.meta.labelKind = 'one_hot';
    return mapParts(parts, (d) => {
      if (product(d.yShape) !== 1 && d.yShape.length !== 0) fail('data/already-one-hot', 'The labels are already vectors; remove `one_hot`.');
      const y = new Float32Array(d.n * K);
      for (let i = 0; i < d.n; i++) {
        const v = d.y[i];
        if (Number.isNaN(v)) {
          y.fill(NaN, i * K, i * K + K);
          continue;
        }
        if (!Number.isInteger(v) || v < 0 || v >= K) {
          fail('data/label-range', `${d.origin?.(i) ?? `sample ${i + 1}`}: label ${v} is not a class index in 0…${K - 1}, so \`one_hot\` (classes: ${K}) cannot encode it.`);
        }
        y[i * K + v] = 1;
      }
      return { ...d, y, yShape: [K] };
    });
  },
  keep_labels: (parts, p, ctx) => {
    const remap = p.remap !== false;
    const given = (Array.isArray(p.labels) ? p.labels : [p.labels]) as (number | string)[];
    const named = given.some((v) => typeof v === 'string');
    // Names of text labels (before label_encode): kept, and with remap encoded in the list's order.
    if (named && parts.train.yStr) return keepTextLabels(parts, ctx, given.map(String), remap);
    const { classes, classNames, labelKind } = ctx.meta;
    // Names of encoded classes resolve to their indices when fitted (a replay has them in the state).
    const state = learn<KeepLabelsState>(ctx, () => {
      const indices = named ? classIndices(given.map(String), classNames) : (given as number[]);
      return { names: indices.map((v) => classNames?.[v] ?? String(v)), indices };
    });
    const labels = state.indices ?? (given as number[]);
    // Replaying a run's fit on new inputs: the labels are renumbered, no row is dropped; names are read by the kept names.
    if (ctx.fitted?.replay) return mapParts(parts, (d) => (d.yStr ? renumberTextLabels(d, state.names, remap, state.indices) : renumberLabels(d, labels, remap)));
    const outside = classes === undefined ? undefined : labels.find((v) => v >= classes);
    if (outside !== undefined) fail('data/label-range', `\`keep_labels\` keeps class ${outside}, but the labels are class indices 0…${classes! - 1}.`);
    if (remap) {
      ctx.meta.classes = labels.length;
      ctx.meta.classNames = state.names;
      if (labelKind === 'unknown' || labels.length !== 2) ctx.meta.labelKind = 'class_index';
    }
    return keepLabelRows(parts, labels, remap);
  },
  tokenize: (parts, p, ctx) => {
    const t = parts.train;
    if (!t.text) fail('data/not-text', '`tokenize` works on text, but the features are numbers.');
    const lower = p.lowercase === true;
    const chars = p.char_level === true;
    const numWords = p.num_words as number;
    const split = (s: string | null): string[] => {
      if (s === null) return [];
      const u = lower ? s.toLowerCase() : s;
      return chars ? [...u] : u.replace(TOKEN_FILTER, ' ').split(/\s+/).filter(Boolean);
    };
    const { vocabulary } = learn(ctx, () => {
      const counts = new Map<string, number>();
      for (const s of t.text!) for (const w of split(s)) counts.set(w, (counts.get(w) ?? 0) + 1);
      // Most frequent first; ties in order of first appearance (Map order). 0 = padding, 1 = out of vocabulary.
      const ranked = [...counts.entries()].map(([w, c], i) => ({ w, c, i })).sort((a, b) => b.c - a.c || a.i - b.i);
      return { vocabulary: ranked.slice(0, Math.max(0, numWords - 2)).map(({ w }) => w) };
    });
    const index = new Map<string, number>(vocabulary.map((w, r) => [w, r + 2]));
    return mapParts(parts, (d) => {
      if (!d.text) fail('data/not-text', '`tokenize`: one part of the data is not text.');
      const seqs = d.text!.map((s) => Int32Array.from(split(s), (w) => index.get(w) ?? 1));
      const out: Data = { ...d, seqs };
      delete out.text;
      return out;
    });
  },
  wordpiece: (parts, p, ctx) => {
    const maxLength = p.max_length as number;
    // The pretrained vocabulary, stored as the step's fitted state: predict replays it without the folder.
    const state = learn<WordPieceState>(ctx, () => readWordPieceFolder(ctx, p.from));
    return mapParts(parts, (d) => {
      if (!d.text) fail('data/not-text', '`wordpiece` works on text, but the features are numbers.');
      checkBudget(d.n * maxLength * 4, `${d.n} texts of ${maxLength} tokens`);
      const out: Data = { ...d, x: encodeTexts(state, d.text!, maxLength), shape: [maxLength] };
      delete out.text;
      delete out.columns;
      return out;
    });
  },
  pad_sequences: (parts, p) => {
    const maxlen = p.maxlen as number;
    const pre = p.padding === 'pre';
    const cutPre = p.truncating === 'pre';
    const value = p.value as number;
    return mapParts(parts, (d) => {
      if (d.text) fail('data/not-tokenized', '`pad_sequences` needs token ids: add `tokenize` before it.');
      const k = sampleSize(d);
      const rows: ArrayLike<number>[] = d.seqs ?? Array.from({ length: d.n }, (_, i) => d.x.subarray(i * k, i * k + k));
      checkBudget(d.n * maxlen * 4, `${d.n} sequences of length ${maxlen}`);
      const x = new Float32Array(d.n * maxlen).fill(value);
      rows.forEach((s, i) => {
        const seq = s.length > maxlen ? (cutPre ? Array.prototype.slice.call(s, s.length - maxlen) : Array.prototype.slice.call(s, 0, maxlen)) : Array.from(s);
        x.set(seq, i * maxlen + (pre ? maxlen - seq.length : 0));
      });
      const out: Data = { ...d, x, shape: [maxlen] };
      delete out.seqs;
      delete out.columns;
      return out;
    });
  },
  scale: (parts, p) => {
    const div = p.divisor as number;
    return mapParts(parts, (d) => {
      requireNumeric(d, 'scale');
      // A plain loop: Float32Array.map's callback per value costs 4× as much (MNIST: 15.7M values).
      const x = new Float32Array(d.x.length);
      for (let i = 0; i < x.length; i++) x[i] = d.x[i] / div;
      return { ...d, x };
    });
  },
  normalize: (parts, p, ctx) => {
    const t = parts.train;
    requireNumeric(t, 'normalize');
    // The bounds in effect per entry: a fixed `min`/`max` overrides the training split's.
    const { min: lo, max: hi } = learn(ctx, () => ({
      min: perEntry(t, (v) => (typeof p.min === 'number' ? p.min : v.reduce((a, b) => Math.min(a, b), Infinity))),
      max: perEntry(t, (v) => (typeof p.max === 'number' ? p.max : v.reduce((a, b) => Math.max(a, b), -Infinity))),
    }));
    entriesMatch(t, lo, 'normalize');
    const sym = p.range === 'minus_one_one';
    return mapParts(parts, (d) =>
      mapValues(d, (v, e) => {
        const a = lo[e];
        const b = hi[e];
        const z = b > a ? (v - a) / (b - a) : 0;
        return sym ? z * 2 - 1 : z;
      }),
    );
  },
  standardize: (parts, p, ctx) => {
    const t = parts.train;
    requireNumeric(t, 'standardize');
    const fixed = (v: unknown, e: number) => (Array.isArray(v) ? (v.length === 1 ? v[0] : v[e]) : undefined) as number | undefined;
    // The statistics in effect per entry: a fixed `mean`/`std` overrides the training split's.
    const { mean: mu, std: sd } = learn(ctx, () => ({
      mean: perEntry(t, mean).map((m, e) => fixed(p.mean, e) ?? m),
      std: perEntry(t, std).map((s, e) => fixed(p.std, e) ?? s),
    }));
    entriesMatch(t, mu, 'standardize');
    return mapParts(parts, (d) => mapValues(d, (v, e) => (v - mu[e]) / (sd[e] > 0 ? sd[e] : 1)));
  },
  reshape: (parts, p) =>
    mapParts(parts, (d) => {
      requireNumeric(d, 'reshape');
      const shape = [...(p.shape as number[])];
      const n = sampleSize(d);
      const wild = shape.indexOf(-1);
      if (wild >= 0) shape[wild] = n / product(shape.filter((s) => s !== -1));
      if (product(shape) !== n || !Number.isInteger(shape[wild] ?? 0)) {
        fail('data/reshape-size', `\`reshape\` to [${(p.shape as number[]).join(', ')}] needs ${product(shape)} values per sample, but the samples have ${n} (shape [${d.shape.join(', ')}]).`);
      }
      const out: Data = { ...d, shape };
      if (shape.length !== 1) delete out.columns;
      return out;
    }),
  shuffle: (parts, p, ctx) => {
    const seed = typeof p.seed === 'number' ? p.seed : deriveSeed(ctx.seed, 'shuffle-step');
    return mapParts(parts, (d, name) => shuffled(d, mulberry32(deriveSeed(seed, name)), p.buffer_size as number | undefined));
  },
  augment: (parts, p, ctx) => {
    const flip = p.flip as string;
    if (flip !== 'none' && parts.train.shape.length < 2) fail('data/not-image', `\`augment\` flips images, but the samples have shape [${parts.train.shape.join(', ')}]: add \`reshape\` first.`);
    ctx.meta.augment = { flip, noise: p.noise as number };
    return parts;
  },
  split: (parts, p, ctx) => {
    if (ctx.meta.splitDone) fail('data/split-twice', 'The data was already split (by an earlier `split` step).');
    const v = p.validation as number;
    const t = p.test as number;
    if (parts.validation && v > 0) fail('data/split-conflict', '`split` holds out validation samples, but `data.validation` names a separate source: use one or the other.');
    const seed = typeof p.seed === 'number' ? p.seed : deriveSeed(ctx.seed, 'split');
    const out = splitData(parts.train, v, t, seed, p.stratify === true);
    ctx.meta.splitDone = true;
    return { train: out.train, validation: parts.validation ?? out.validation, test: parts.test ?? out.test };
  },
};

/** Every catalog step (a test walks the catalog), each given its parameters over the catalog's defaults. */
export const STEP_IMPLS: Record<string, StepImpl> = Object.fromEntries(
  Object.entries(IMPLS).map(([name, impl]) => [name, (parts, p, ctx) => impl(parts, catalogParams('step', name, p), ctx)] as [string, StepImpl]),
);
