/**
 * Reads the `search:` section into a `SearchNode`: the settings with the range of every value,
 * and each space entry's distribution. Checks what needs no other part of the spec (types,
 * unknown keys and forms, low ≤ high, loguniform bounds > 0, a choice with values); the paths,
 * the parameters' domains, the metric and the grid size are checked against the whole spec in
 * `check.ts`, after shape inference.
 */
import { isMap, isScalar, isSeq, type Node as YNode } from 'yaml';
import type { Range } from '../diagnostics';
import { rangeOf, show } from '../read/describe';
import type { KeyedPair, Reader } from '../read/reader';
import type { Located } from '../spec';
import { spaceField, type Field } from '../structure';
import { closest, didYouMean } from '../suggest';
import type { Goal, ParamValue, PrunerSettings, SearchSettings, SpaceDist } from './types';

export interface SpaceEntryNode {
  /** The path as written, e.g. `model.layers[3].dropout.rate`. */
  path: string;
  /** The key's range. */
  pathRange: Range;
  /** Offset of the path's first character (past an opening quote). */
  pathStart: number;
  valueRange: Range;
  /** The form's name (`uniform`, `choice`, …) where it was written. */
  kindRange?: Range;
  /** The distribution, when the entry reads. */
  dist?: SpaceDist;
  /** Where each bound or value was written, for findings about one of them. */
  at: { low?: Range; high?: Range; step?: Range; values?: Range[] };
}

export interface SearchNode {
  range: Range;
  keyRange: Range;
  metric?: Located<string>;
  goal?: Located<Goal>;
  trials?: Located<number>;
  parallel?: Located<number>;
  sampler?: Located<SearchSettings['sampler']>;
  pruner?: Located<PrunerSettings>;
  seed?: Located<number>;
  space?: { range: Range; keyRange: Range; entries: SpaceEntryNode[] };
}

const fieldsOf = (f: Field) => (f.type as { fields: Record<string, Field> }).fields;

/** A variant's chosen form: its name and the node of its value (null for a bare name). */
interface VariantForm {
  name: string;
  nameRange: Range;
  value: YNode | null;
  valueRange: Range;
}

/**
 * Reads a `variant` field: a bare name, or a one-key mapping from a name to its value. Reports an
 * unknown name with "did you mean", a second key, and a bare name that needs a value.
 */
export function readVariant(r: Reader, field: Field, raw: unknown, range: Range, what: string): VariantForm | undefined {
  if (field.type.kind !== 'variant') return undefined;
  const variants = field.type.variants;
  const names = Object.keys(variants);
  const node = r.resolve(raw);
  let form: VariantForm | undefined;
  if (isScalar(node) && typeof node.value === 'string') form = { name: node.value, nameRange: range, value: null, valueRange: range };
  else if (isMap(node) && node.items.length > 0) {
    const k = r.keyOf(node.items[0]);
    if (!k) return undefined;
    form = { name: k.key, nameRange: k.range, value: r.resolve(node.items[0].value), valueRange: r.valueRange(node.items[0], k.range) };
    for (const extra of node.items.slice(1)) {
      const e = r.keyOf(extra);
      if (e) r.sink.error('item/extra-key', e.range, `${what} names one form, but this names \`${k.key}\` and \`${e.key}\`.`);
    }
  } else {
    r.sink.error('type/mismatch', range, `${what} must be one of ${names.map((n) => `\`${n}\``).join(', ')}${names.some((n) => variants[n]) ? ', or a mapping of one of them to its settings' : ''}, but is ${show(r.toJS(node), node)}.`);
    return undefined;
  }
  if (!Object.prototype.hasOwnProperty.call(variants, form.name)) {
    const s = closest(form.name, names);
    r.sink.error('value/unknown', form.nameRange, `${what} must be one of ${names.map((n) => `\`${n}\``).join(', ')}, but is \`${form.name}\`.${didYouMean(s)}`, {
      fixes: s ? [{ kind: 'replace', range: form.nameRange, text: s, title: `Change to '${s}'` }] : undefined,
    });
    return undefined;
  }
  const f = variants[form.name];
  if (f === null && form.value !== null && !(isScalar(form.value) && form.value.value === null)) {
    r.sink.error('type/mismatch', form.valueRange, `\`${form.name}\` takes no settings: write just \`${form.name}\`.`);
    return undefined;
  }
  if (f && form.value === null && f.type.kind === 'object' && Object.values(f.type.fields).some((x) => x.required)) {
    r.sink.error('type/mismatch', form.nameRange, `\`${form.name}\` needs its values, e.g. \`{ ${form.name}: [${(f.type.list ?? []).slice(0, 2).join(', ')}] }\`.`);
    return undefined;
  }
  return form;
}

/** Reads an `object` field's mapping (or its list form) into located plain values, checked by type. */
function readFields(r: Reader, field: Field, node: YNode | null, range: Range, keyRange: Range, what: string): Map<string, Located<unknown>> {
  const out = new Map<string, Located<unknown>>();
  // A bare name (`median`): every field takes its default.
  if (field.type.kind !== 'object' || node === null) return out;
  const { fields, list } = field.type;
  if (list && isSeq(node)) {
    if (node.items.length < 2 || node.items.length > list.length) {
      r.sink.error('type/mismatch', range, `${what} as a list is \`[${list.join(', ')}]\`${list.length > 2 ? ` (\`${list.slice(2).join('`, `')}\` optional)` : ''}, but has ${node.items.length} entr${node.items.length === 1 ? 'y' : 'ies'}.`);
      return out;
    }
    node.items.forEach((it, i) => {
      const n = r.resolve(it);
      const entry = { pair: { key: null, value: n }, keyRange: rangeOf(n, range), valueRange: rangeOf(n, range) } as unknown as KeyedPair;
      const v = r.plain<unknown>(fields[list[i]], entry, `${what}'s \`${list[i]}\``);
      if (v) out.set(list[i], v);
    });
    return out;
  }
  const pairs = r.objectPairs(field, node, range, keyRange, what.replace(/`/g, ''));
  for (const [k, p] of pairs) {
    const v = r.plain<unknown>(fields[k], p, `${what.replace(/`$/, '')}.${k}\``);
    if (v) out.set(k, v);
  }
  return out;
}

/** Reads `search:`. */
export function readSearch(r: Reader, field: Field, entry: KeyedPair): SearchNode {
  const fs = fieldsOf(field);
  const sp = r.objectPairs(field, entry.pair.value, entry.valueRange, entry.keyRange, 'search');
  const node: SearchNode = {
    range: entry.valueRange,
    keyRange: entry.keyRange,
    metric: r.plain<string>(fs.metric, sp.get('metric'), 'search.metric'),
    goal: r.plain<Goal>(fs.goal, sp.get('goal'), 'search.goal'),
    trials: r.plain<number>(fs.trials, sp.get('trials'), 'search.trials'),
    parallel: r.plain<number>(fs.parallel, sp.get('parallel'), 'search.parallel'),
    sampler: r.plain<SearchSettings['sampler']>(fs.sampler, sp.get('sampler'), 'search.sampler'),
    seed: r.plain<number>(fs.seed, sp.get('seed'), 'search.seed'),
  };
  const pruner = sp.get('pruner');
  if (pruner) node.pruner = readPruner(r, fs.pruner, pruner);
  const space = sp.get('space');
  if (space) node.space = readSpace(r, space);
  return node;
}

function readPruner(r: Reader, field: Field, p: KeyedPair): Located<PrunerSettings> | undefined {
  const form = readVariant(r, field, p.pair.value, p.valueRange, '`search.pruner`');
  if (!form) return undefined;
  const f = (field.type as { variants: Record<string, Field | null> }).variants[form.name];
  const values = f ? readFields(r, f, form.value, form.valueRange, form.nameRange, `\`search.pruner.${form.name}\``) : new Map<string, Located<unknown>>();
  const num = (k: string) => (values.get(k)?.value ?? (f ? fieldsOf(f)[k].default : undefined)) as number;
  const located = (value: PrunerSettings) => ({ value, range: p.valueRange, keyRange: p.keyRange });
  if (form.name === 'asha') return located({ kind: 'asha', minEpochs: num('min_epochs'), reduction: num('reduction') });
  if (form.name === 'median') return located({ kind: 'median', startupTrials: num('startup_trials'), warmupEpochs: num('warmup_epochs') });
  return located({ kind: 'none' });
}

function readSpace(r: Reader, space: KeyedPair): NonNullable<SearchNode['space']> {
  const out: NonNullable<SearchNode['space']> = { range: space.valueRange, keyRange: space.keyRange, entries: [] };
  const node = r.resolve(space.pair.value);
  if (!isMap(node)) {
    if (!(isScalar(node) && node.value === null)) r.sink.error('type/mismatch', space.valueRange, '`search.space` must be a mapping of parameter paths to their values, e.g. `train.batch_size: { choice: [32, 64] }`.');
    return out;
  }
  for (const pair of node.items) {
    const k = r.keyOf(pair);
    if (!k) continue;
    const keyNode = pair.key as YNode;
    const quoted = isScalar(keyNode) && (keyNode.type === 'QUOTE_DOUBLE' || keyNode.type === 'QUOTE_SINGLE');
    const e: SpaceEntryNode = { path: k.key, pathRange: k.range, pathStart: k.range.start + (quoted ? 1 : 0), valueRange: r.valueRange(pair, k.range), at: {} };
    out.entries.push(e);
    readDist(r, e, r.resolve(pair.value));
  }
  return out;
}

/** Reads one space entry's distribution into `e.dist`, checking what it says on its own. */
function readDist(r: Reader, e: SpaceEntryNode, value: YNode | null): void {
  const what = `\`${e.path}\``;
  const form = readVariant(r, spaceField, value, e.valueRange, `The space of ${what}`);
  if (!form) return;
  e.kindRange = form.nameRange;
  const f = (spaceField.type as { variants: Record<string, Field> }).variants[form.name];
  if (form.name === 'choice' || form.name === 'grid') {
    const values = readValues(r, form, `\`${form.name}\``);
    if (!values) return;
    e.at.values = values.ranges;
    e.dist = { kind: form.name, values: values.values };
    return;
  }
  const got = readFields(r, f, form.value, form.valueRange, form.nameRange, `\`${form.name}\``);
  const low = got.get('low');
  const high = got.get('high');
  e.at = { low: low?.range, high: high?.range, step: got.get('step')?.range };
  if (!low || !high) return;
  const lo = low.value as number;
  const hi = high.value as number;
  if (lo > hi) {
    r.sink.error('search/empty-range', low.range, `\`${form.name}\` runs from low to high, but low ${lo} is above high ${hi}.`);
    return;
  }
  const log = form.name === 'loguniform' || (form.name === 'int' && got.get('log')?.value === true);
  if (log && (form.name === 'int' ? lo < 1 : lo <= 0)) {
    r.sink.error('search/log-bound', low.range, `A log scale needs bounds above 0${form.name === 'int' ? ' (an `int` with `log: true` needs low ≥ 1)' : ''}, but low is ${lo}.${form.name === 'loguniform' ? ' Use `uniform` to include 0.' : ''}`);
    return;
  }
  if (form.name === 'int') {
    const step = (got.get('step')?.value as number | undefined) ?? 1;
    if (log && step !== 1) {
      r.sink.error('search/log-step', got.get('step')!.range, 'An `int` on a log scale takes no `step` (its values are not evenly spaced).');
      return;
    }
    e.dist = { kind: 'int', low: lo, high: hi, step, ...(log ? { log: true } : {}) };
  } else e.dist = { kind: form.name as 'uniform' | 'loguniform', low: lo, high: hi };
}

function readValues(r: Reader, form: VariantForm, what: string): { values: ParamValue[]; ranges: Range[] } | undefined {
  const node = form.value;
  if (!isSeq(node)) {
    r.sink.error('type/mismatch', form.valueRange, `${what} takes a list of values, e.g. \`{ ${form.name}: [32, 64, 128] }\`, but is ${show(r.toJS(node), node)}.`);
    return undefined;
  }
  if (node.items.length === 0) {
    r.sink.error('search/empty-choice', form.valueRange, `${what} has no values: a parameter searched over nothing cannot be tried.`);
    return undefined;
  }
  const values: ParamValue[] = [];
  const ranges: Range[] = [];
  let ok = true;
  for (const it of node.items) {
    const n = r.resolve(it);
    const v = r.toJS(n);
    const at = rangeOf(n, form.valueRange);
    if (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' || typeof v === 'boolean') {
      values.push(v as ParamValue);
      ranges.push(at);
    } else {
      r.sink.error('type/mismatch', at, `${what}'s values must be numbers, names or booleans, but this is ${show(v, n)}.`);
      ok = false;
    }
  }
  const seen = new Set<string>();
  values.forEach((v, i) => {
    const key = `${typeof v}:${v}`;
    if (seen.has(key)) r.sink.warning('search/duplicate-value', ranges[i], `${show(v)} is listed twice in ${what}: it is tried more often than the others.`);
    seen.add(key);
  });
  return ok ? { values, ranges } : undefined;
}
