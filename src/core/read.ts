/**
 * YAML text → typed spec with ranges, plus the structural findings: YAML syntax, unknown keys and
 * names with "did you mean", missing keys, wrong types and out-of-range values. Never throws.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node as YNode, type Pair, type YAMLMap } from 'yaml';
import { categoryNoun, entries, lookup } from './catalog';
import type { Category, ParamSpec, ParamType } from './catalog/types';
import { DiagnosticSink, type Range } from './diagnostics';
import type { ItemNode, ItemValue, LayerNode, Located, Spec, SplitNode } from './spec';
import { layerSiblingFields, specStructure, type Field } from './structure';
import { tooDeep } from './nesting';
import { placeholderFor } from './placeholders';
import { closest, didYouMean } from './suggest';

/** Beyond this, input is refused rather than parsed: the editor stays responsive on any file. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_EXPANSION = 100;

/** The `yaml` options specs are parsed with. */
export const yamlOptions = { prettyErrors: false, uniqueKeys: true, strict: true } as const;

export interface ReadResult {
  spec: Spec;
  doc?: Document.Parsed;
  /**
   * For each `model.layers` item (by YAML index), the half-open span of its findings in the sink:
   * `[from0, to0, from1, to1, …]`. Absent when the layers were not read as a list.
   */
  layerSpans?: number[];
}

function rangeOf(node: YNode | null | undefined, fallback: Range): Range {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : fallback;
}

const aliasCache = new Map<Category, Map<string, string>>();
function aliasesOf(category: Category): Map<string, string> {
  let m = aliasCache.get(category);
  if (!m) {
    m = new Map();
    for (const e of entries(category)) for (const a of e.aliases ?? []) m.set(a.toLowerCase().replace(/[-\s]/g, '_'), e.name);
    aliasCache.set(category, m);
  }
  return m;
}

export function suggestName(category: Category, word: string): string | undefined {
  return closest(word, entries(category).map((e) => e.name), aliasesOf(category));
}

function describeType(t: ParamType): string {
  switch (t.kind) {
    case 'int':
      return t.min !== undefined && t.max !== undefined
        ? `an integer from ${t.min} to ${t.max}`
        : t.min !== undefined
          ? `an integer ≥ ${t.min}`
          : 'an integer';
    case 'float': {
      const lo = t.min !== undefined ? `${t.exclusiveMin ? '>' : '≥'} ${t.min}` : '';
      const hi = t.max !== undefined ? `${t.exclusiveMax ? '<' : '≤'} ${t.max}` : '';
      return `a number${lo || hi ? ' ' : ''}${[lo, hi].filter(Boolean).join(' and ')}`;
    }
    case 'bool':
      return '`true` or `false`';
    case 'string':
    case 'path':
      return 'a string';
    case 'enum':
      return `one of ${t.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'ref':
      return `a ${categoryNoun[t.category]} name`;
    case 'ints':
      return 'a list of integers';
    case 'int_or_ints':
      return `an integer or a list of ${t.length} integers`;
    case 'strings':
      return 'a string or a list of strings';
    case 'floats':
      return 'a list of numbers';
    case 'layer':
      return 'a layer (e.g. `{ lstm: { units: 64 } }`)';
    case 'source':
      return 'a data source';
    case 'one_of':
      return t.types.map(describeType).join(' or ');
  }
}

/** A value for a message. Numbers JSON cannot write (`.inf`, `.nan`, `1e309`) are spelled as in YAML, not `null`. */
function show(value: unknown, node?: YNode | null): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'number' && !Number.isFinite(value) && isScalar(node) && typeof node.source === 'string') return node.source;
  const yamlSpelling = (v: number) => (Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf');
  const s = JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u2063${yamlSpelling(v)}\u2063` : v))?.replace(/"\u2063(.*?)\u2063"/g, '$1');
  return s === undefined ? String(value) : s.length > 40 ? s.slice(0, 40) + '…' : s;
}

class Reader {
  constructor(
    readonly doc: Document.Parsed,
    readonly sink: DiagnosticSink,
  ) {}

  resolve(node: unknown): YNode | null {
    let n = node as YNode | null;
    for (let i = 0; i < 8 && n && isAlias(n); i++) n = n.resolve(this.doc) as YNode | null;
    return n && isAlias(n) ? null : n;
  }

  toJS(node: YNode | null): unknown {
    if (!node) return null;
    try {
      return node.toJS(this.doc, { maxAliasCount: MAX_ALIAS_EXPANSION });
    } catch {
      this.sink.error('yaml/alias', rangeOf(node, { start: 0, end: 0 }), 'This value expands aliases too many times (an alias bomb?); it was not read.');
      return undefined;
    }
  }

  keyOf(pair: Pair): { key: string; range: Range } | undefined {
    const k = pair.key as YNode | null;
    if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number' || typeof k.value === 'boolean')) {
      return { key: String(k.value), range: rangeOf(k, { start: 0, end: 0 }) };
    }
    const r = rangeOf(k, { start: 0, end: 0 });
    this.sink.error('key/not-scalar', r, 'Keys must be plain names.');
    return undefined;
  }

  /** The range of a pair's value, or the key's end when the value is empty (`flatten:`). */
  valueRange(pair: Pair, keyRange: Range): Range {
    const v = pair.value as YNode | null;
    return v?.range ? { start: v.range[0], end: v.range[1] } : { start: keyRange.end, end: keyRange.end };
  }

  /** Checks a plain value against a parameter type; reports and returns false when it does not fit. */
  checkValue(t: ParamType, node: YNode | null, value: unknown, range: Range, what: string): boolean {
    const fail = (extra = ''): false => {
      this.sink.error('type/mismatch', range, `${what} must be ${describeType(t)}, but is ${show(value, node)}.${extra}`);
      return false;
    };
    switch (t.kind) {
      case 'int':
      case 'float': {
        if (typeof value === 'number' && !Number.isFinite(value)) {
          this.sink.error('type/mismatch', range, `${what} must be ${describeType(t)}, but is ${show(value, node)} (not a finite number).`);
          return false;
        }
        if (typeof value !== 'number') {
          const n = typeof value === 'string' ? Number(value) : NaN;
          return fail(Number.isFinite(n) ? ' Remove the quotes to make it a number.' : '');
        }
        if (t.kind === 'int' && !Number.isInteger(value)) return fail();
        const tooLow = t.min !== undefined && (('exclusiveMin' in t && t.exclusiveMin) ? value <= t.min : value < t.min);
        const tooHigh = t.max !== undefined && (('exclusiveMax' in t && t.exclusiveMax) ? value >= t.max : value > t.max);
        if (tooLow || tooHigh) {
          this.sink.error('value/range', range, `${what} must be ${describeType(t)}, but is ${value}.`);
          return false;
        }
        if (t.kind === 'float' && ((t.saneMin !== undefined && value < t.saneMin) || (t.saneMax !== undefined && value > t.saneMax))) {
          this.sink.warning('value/unusual', range, `${what} = ${value} is outside the usual range [${t.saneMin ?? '−∞'}, ${t.saneMax ?? '∞'}]; training may diverge or crawl.`);
        }
        return true;
      }
      case 'bool':
        return typeof value === 'boolean' || fail();
      case 'string':
        if (typeof value === 'string' && t.maxLength !== undefined && value.length > t.maxLength) {
          this.sink.error('value/too-long', range, `${what} must be at most ${t.maxLength} characters, but has ${value.length}.`);
          return false;
        }
        return (typeof value === 'string' && value.length > 0) || fail();
      case 'path':
        return (typeof value === 'string' && value.length > 0) || fail();
      case 'enum':
        if (typeof value === 'string' && t.values.includes(value)) return true;
        if (typeof value === 'string') {
          const s = closest(value, t.values);
          this.sink.error('value/unknown', range, `${what} must be ${describeType(t)}, but is ${show(value)}.${didYouMean(s)}`, {
            fixes: s ? [{ kind: 'replace', range, text: s, title: `Change to '${s}'` }] : undefined,
          });
          return false;
        }
        return fail();
      case 'ints':
        if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) return fail();
        if (t.min !== undefined && value.some((v: number) => v < t.min!)) return fail();
        if ((t.minLength !== undefined && value.length < t.minLength) || (t.maxLength !== undefined && value.length > t.maxLength)) return fail();
        return true;
      case 'int_or_ints': {
        const list = typeof value === 'number' ? [value] : value;
        if (!Array.isArray(list) || !list.every((v) => Number.isInteger(v))) return fail();
        if (Array.isArray(value) && value.length !== t.length) return fail(` It has ${value.length} entries.`);
        if (t.min !== undefined && list.some((v: number) => v < t.min!)) {
          this.sink.error('value/range', range, `${what} must be ${describeType(t)} with every entry ≥ ${t.min}, but is ${show(value)}.`);
          return false;
        }
        return true;
      }
      case 'strings':
        return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')) || fail();
      case 'floats':
        return (Array.isArray(value) && value.every((v) => typeof v === 'number')) || fail();
      case 'one_of': {
        const probe = new DiagnosticSink();
        const sub = new Reader(this.doc, probe);
        if (t.types.some((tt) => sub.checkValue(tt, node, value, range, what))) return true;
        return fail();
      }
      case 'ref':
      case 'layer':
      case 'source':
        return true; // read as nested items by readParamValue
    }
  }

  /** Reads a parameter's value: plain values are checked; refs and nested items are read as items. */
  readParamValue(spec: ParamSpec, node: YNode | null, range: Range, what: string): { ok: boolean; value: unknown } {
    const t = spec.type;
    if (t.kind === 'ref' || t.kind === 'layer' || t.kind === 'source') {
      const category = t.kind === 'ref' ? t.category : t.kind;
      const item = this.readItem(category, node, range, false);
      if (!item) return { ok: false, value: undefined };
      return { ok: item.known, value: { type: item.type, params: item.params } satisfies ItemValue };
    }
    const value = this.toJS(node);
    if (value === undefined) return { ok: false, value };
    // Normalise the scalar form of list-typed parameters.
    const normalised = t.kind === 'strings' && typeof value === 'string' ? [value] : value;
    return { ok: this.checkValue(t, node, value, range, what), value: normalised };
  }

  /**
   * Reads one catalog item: `name`, `{ name: { params } }`, `{ name: scalar }` (sets the primary
   * parameter) or `{ name: }`. Layer items may carry `name`/`inputs` siblings (read by the caller).
   */
  readItem(category: Category, raw: unknown, fallback: Range, allowSiblings: boolean): ItemNode | undefined {
    const node = this.resolve(raw);
    const range = rangeOf(node, fallback);
    const noun = categoryNoun[category];
    let typeName: string | undefined;
    let typeRange = range;
    let paramsNode: YNode | null = null;
    let hasParams = false;

    if (isScalar(node) && typeof node.value === 'string') {
      typeName = node.value;
    } else if (isMap(node)) {
      const typePairs = node.items.filter((p) => {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        return !(allowSiblings && k in layerSiblingFields);
      });
      if (typePairs.length === 0) {
        this.sink.error('item/missing-type', range, `This entry names no ${noun}. Write e.g. \`${entries(category)[0]?.name ?? 'name'}\`.`);
        return undefined;
      }
      const first = typePairs[0];
      const key = this.keyOf(first);
      if (!key) return undefined;
      typeName = key.key;
      typeRange = key.range;
      paramsNode = this.resolve(first.value);
      hasParams = true;
      for (const extra of typePairs.slice(1)) {
        const k = this.keyOf(extra);
        if (!k) continue;
        const isType = lookup(category, k.key);
        const isParam = lookup(category, typeName)?.params.some((p) => p.name === k.key);
        this.sink.error(
          'item/extra-key',
          k.range,
          isType
            ? `A ${noun} item names one type, but this one names \`${typeName}\` and \`${k.key}\`. Split it into two items.`
            : isParam
              ? `\`${k.key}\` is a parameter of \`${typeName}\`: indent it under \`${typeName}:\`.`
              : `Unexpected key \`${k.key}\` in this ${noun}.${allowSiblings ? ' A layer item may only add `name` and `inputs`.' : ''}`,
        );
      }
    } else {
      this.sink.error('type/mismatch', range, `Expected a ${noun}: a name, or a mapping of one name to its parameters, but found ${show(this.toJS(node), node)}.`);
      return undefined;
    }

    const entry = lookup(category, typeName);
    const item: ItemNode = { category, type: typeName, typeRange, range, given: new Map(), params: {}, known: !!entry };
    if (!entry) {
      const s = suggestName(category, typeName);
      this.sink.error('name/unknown', typeRange, `Unknown ${noun} \`${typeName}\`.${didYouMean(s)}`, {
        fixes: s ? [{ kind: 'replace', range: typeRange, text: s, title: `Change to '${s}'` }] : undefined,
      });
      return item;
    }

    const params: Record<string, unknown> = {};
    for (const p of entry.params) if (p.default !== undefined) params[p.name] = p.default;
    let valid = true;
    const what = (p: string) => `\`${typeName}.${p}\``;

    if (hasParams && paramsNode && isMap(paramsNode)) {
      item.paramsRange = rangeOf(paramsNode, range);
      for (const pair of paramsNode.items) {
        const k = this.keyOf(pair);
        if (!k) continue;
        const spec = entry.params.find((p) => p.name === k.key);
        const vRange = this.valueRange(pair, k.range);
        if (!spec) {
          const s = closest(k.key, entry.params.map((p) => p.name));
          const known = entry.params.length ? ` Its parameters: ${entry.params.map((p) => `\`${p.name}\``).join(', ')}.` : ' It has no parameters.';
          this.sink.error('param/unknown', k.range, `\`${typeName}\` has no parameter \`${k.key}\`.${s ? didYouMean(s) : known}`, {
            fixes: s ? [{ kind: 'replace', range: k.range, text: s, title: `Change to '${s}'` }] : undefined,
          });
          valid = false;
          continue;
        }
        const read = this.readParamValue(spec, this.resolve(pair.value), vRange, what(k.key));
        item.given.set(k.key, { name: k.key, keyRange: k.range, valueRange: vRange, value: read.value });
        if (read.ok) params[k.key] = read.value;
        else valid = false;
      }
    } else if (hasParams && paramsNode && !(isScalar(paramsNode) && paramsNode.value === null)) {
      // `{ dropout: 0.2 }`: a scalar or list sets the primary parameter.
      const vRange = rangeOf(paramsNode, range);
      const primary = entry.primary ? entry.params.find((p) => p.name === entry.primary) : undefined;
      if (!primary) {
        this.sink.error('type/mismatch', vRange, `\`${typeName}\` takes a mapping of parameters${entry.params.length ? ` (${entry.params.map((p) => `\`${p.name}\``).join(', ')})` : ''}, not ${show(this.toJS(paramsNode), paramsNode)}.`);
        valid = false;
      } else {
        const read = this.readParamValue(primary, paramsNode, vRange, what(primary.name));
        item.given.set(primary.name, { name: primary.name, keyRange: vRange, valueRange: vRange, value: read.value });
        if (read.ok) params[primary.name] = read.value;
        else valid = false;
      }
    }

    for (const p of entry.params) {
      if (p.required && !item.given.has(p.name)) {
        this.sink.error('param/missing', typeRange, `\`${typeName}\` needs \`${p.name}\`: ${p.doc}`, {
          fixes: [{ kind: 'set_param', itemRange: range, param: p.name, value: placeholderFor(p.type), title: `Add '${p.name}'` }],
        });
        valid = false;
      }
    }
    item.params = params;
    item.known = valid;
    return item;
  }

  readItems(category: Category, raw: unknown, range: Range, what: string): ItemNode[] {
    const node = this.resolve(raw);
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) {
      // A single item where a list is expected is accepted (`metrics: accuracy`).
      if (isScalar(node) || isMap(node)) {
        const one = this.readItem(category, node, range, false);
        return one ? [one] : [];
      }
      this.sink.error('type/mismatch', range, `${what} must be a list.`);
      return [];
    }
    const out: ItemNode[] = [];
    for (const it of node.items) {
      const item = this.readItem(category, it, rangeOf(this.resolve(it), range), false);
      if (item) out.push(item);
    }
    return out;
  }

  /** Per `model.layers` item, by YAML index: where its findings start and end in the sink. */
  readonly layerSpans: number[] = [];

  readLayers(raw: unknown, range: Range): LayerNode[] {
    const node = this.resolve(raw);
    if (!isSeq(node)) {
      this.sink.error('type/mismatch', range, '`model.layers` must be a list of layers, e.g. `- dense: { units: 10 }`.');
      return [];
    }
    const layers: LayerNode[] = [];
    for (const [index, it] of node.items.entries()) {
      if (this.sink.full) break;
      const from = this.sink.items.length;
      const layer = this.readLayer(it, index, range);
      this.layerSpans.push(from, this.sink.items.length);
      if (layer) layers.push(layer);
    }
    return layers;
  }

  /** One `model.layers` item: a layer item plus its `name` and `inputs`. */
  readLayer(raw: unknown, index: number, listRange: Range): LayerNode | undefined {
    const itemNode = this.resolve(raw);
    const item = this.readItem('layer', itemNode, rangeOf(itemNode, listRange), true);
    if (!item) return undefined;
    const layer: LayerNode = { ...item, index };
    if (isMap(itemNode)) {
      for (const pair of itemNode.items) {
        const k = this.keyOf(pair);
        if (!k || !(k.key in layerSiblingFields)) continue;
        const vNode = this.resolve(pair.value);
        const vRange = this.valueRange(pair, k.range);
        const value = this.toJS(vNode);
        if (k.key === 'name') {
          if (typeof value === 'string' && value.length > 0) layer.name = { value, range: vRange, keyRange: k.range };
          else this.sink.error('type/mismatch', vRange, '`name` must be a non-empty string.');
        } else {
          layer.inputsRange = vRange;
          if (typeof value === 'string') layer.inputs = [{ value, range: vRange }];
          else if (isSeq(vNode) && vNode.items.every((x) => isScalar(x) && typeof x.value === 'string')) {
            layer.inputs = vNode.items.map((x) => ({ value: String((x as { value: unknown }).value), range: rangeOf(x as YNode, vRange) }));
          } else this.sink.error('type/mismatch', vRange, '`inputs` must be a layer name or a list of layer names.');
        }
      }
    }
    return layer;
  }

  readInputShape(raw: unknown, range: Range, keyRange: Range): Located<Map<string, Located<number[]>>> | undefined {
    const node = this.resolve(raw);
    const readShape = (n: YNode | null, r: Range, what: string): number[] | undefined => {
      const v = this.toJS(n);
      const list = typeof v === 'number' ? [v] : v;
      if (!Array.isArray(list) || list.length === 0 || !list.every((d) => Number.isInteger(d) && d > 0)) {
        this.sink.error('type/mismatch', r, `${what} must be a shape without the batch axis: a list of positive integers such as \`[28, 28, 1]\`, but is ${show(v, n)}.`);
        return undefined;
      }
      return list as number[];
    };
    const map = new Map<string, Located<number[]>>();
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = this.keyOf(pair);
        if (!k) continue;
        const vr = this.valueRange(pair, k.range);
        const s = readShape(this.resolve(pair.value), vr, `Input \`${k.key}\``);
        if (s) map.set(k.key, { value: s, range: vr, keyRange: k.range });
      }
    } else {
      const s = readShape(node, range, '`model.input`');
      if (s) map.set('input', { value: s, range });
    }
    return map.size ? { value: map, range, keyRange } : undefined;
  }

  /** Checks a mapping against an object field: unknown keys with suggestions, missing required keys. */
  objectPairs(field: Field, raw: unknown, range: Range, keyRange: Range, path: string): Map<string, { pair: Pair; keyRange: Range; valueRange: Range }> {
    const out = new Map<string, { pair: Pair; keyRange: Range; valueRange: Range }>();
    if (field.type.kind !== 'object') return out;
    const node = this.resolve(raw);
    const fields = field.type.fields;
    if (!isMap(node)) {
      if (!(isScalar(node) && node.value === null)) {
        this.sink.error('type/mismatch', range, `\`${path}\` must be a mapping with keys ${Object.keys(fields).map((k) => `\`${k}\``).join(', ')}.`);
      }
    } else {
      for (const pair of (node as YAMLMap).items) {
        if (!isPair(pair)) continue;
        const k = this.keyOf(pair);
        if (!k) continue;
        if (!(k.key in fields)) {
          const s = closest(k.key, Object.keys(fields));
          this.sink.error('key/unknown', k.range, `Unknown key \`${k.key}\` in ${path ? `\`${path}\`` : 'the spec'}.${didYouMean(s)}${s ? '' : ` Expected one of ${Object.keys(fields).map((f) => `\`${f}\``).join(', ')}.`}`, {
            fixes: s ? [{ kind: 'replace', range: k.range, text: s, title: `Change to '${s}'` }] : undefined,
          });
          continue;
        }
        out.set(k.key, { pair, keyRange: k.range, valueRange: this.valueRange(pair, k.range) });
      }
    }
    for (const [name, f] of Object.entries(fields)) {
      if (f.required && !out.has(name)) {
        this.sink.error('key/missing', keyRange, `${path ? `\`${path}\`` : 'The spec'} needs \`${name}\`: ${f.doc}`, {
          fixes: [{ kind: 'add_key', parentRange: range, key: name, value: placeholderForField(f), title: `Add '${name}'` }],
        });
      }
    }
    return out;
  }

  /** Reads a plain-valued field and returns it when it type-checks. */
  plain<T>(field: Field, entry: { pair: Pair; keyRange: Range; valueRange: Range } | undefined, what: string): Located<T> | undefined {
    if (!entry || field.type.kind !== 'value') return undefined;
    const node = this.resolve(entry.pair.value);
    const value = this.toJS(node);
    if (!this.checkValue(field.type.type, node, value, entry.valueRange, `\`${what}\``)) return undefined;
    return { value: value as T, range: entry.valueRange, keyRange: entry.keyRange };
  }

  readSplit(field: Field, entry: { pair: Pair; keyRange: Range; valueRange: Range } | undefined, path: string): SplitNode | undefined {
    if (!entry || field.type.kind !== 'object') return undefined;
    const pairs = this.objectPairs(field, entry.pair.value, entry.valueRange, entry.keyRange, path);
    const fields = field.type.fields;
    const split = this.plain<number>(fields.split, pairs.get('split'), `${path}.split`);
    const src = pairs.get('source');
    const source = src ? this.readItem('source', src.pair.value, src.valueRange, false) : undefined;
    if (split && source) this.sink.error('key/conflict', entry.keyRange, `\`${path}\` takes either \`split\` or \`source\`, not both.`);
    return { range: entry.valueRange, split, source };
  }

  readRoot(): Spec {
    const root = this.resolve(this.doc.contents);
    const whole: Range = { start: 0, end: this.doc.range?.[1] ?? 0 };
    const spec: Spec = { range: whole };
    if (root === null || (isScalar(root) && root.value === null)) {
      this.sink.add({ code: 'spec/empty', severity: 'info', message: 'This spec is empty. Start with `version: 1`, then `data`, `model` and `train` (try the snippet "spec").', range: { start: 0, end: 0 } });
      return spec;
    }
    if (!isMap(root)) {
      this.sink.error('type/mismatch', rangeOf(root, whole), 'A spec must be a mapping with `data`, `model` and `train`.');
      return spec;
    }
    const top = specStructure;
    const fields = (top.type as { fields: Record<string, Field> }).fields;
    const pairs = this.objectPairs(top, root, rangeOf(root, whole), { start: 0, end: 0 }, '');
    spec.version = this.plain<number>(fields.version, pairs.get('version'), 'version');
    spec.name = this.plain<string>(fields.name, pairs.get('name'), 'name');
    spec.description = this.plain<string>(fields.description, pairs.get('description'), 'description');
    spec.seed = this.plain<number>(fields.seed, pairs.get('seed'), 'seed');

    const data = pairs.get('data');
    if (data) {
      const f = fields.data;
      const fs = (f.type as { fields: Record<string, Field> }).fields;
      const dp = this.objectPairs(f, data.pair.value, data.valueRange, data.keyRange, 'data');
      const src = dp.get('source');
      const pipe = dp.get('pipeline');
      spec.data = {
        range: data.valueRange,
        keyRange: data.keyRange,
        source: src ? this.readItem('source', src.pair.value, src.valueRange, false) : undefined,
        pipeline: pipe ? this.readItems('step', pipe.pair.value, pipe.valueRange, '`data.pipeline`') : [],
        validation: this.readSplit(fs.validation, dp.get('validation'), 'data.validation'),
        test: this.readSplit(fs.test, dp.get('test'), 'data.test'),
      };
    }

    const model = pairs.get('model');
    if (model) {
      const f = fields.model;
      const fs = (f.type as { fields: Record<string, Field> }).fields;
      const mp = this.objectPairs(f, model.pair.value, model.valueRange, model.keyRange, 'model');
      const input = mp.get('input');
      const layers = mp.get('layers');
      spec.model = {
        range: model.valueRange,
        keyRange: model.keyRange,
        inputs: input ? this.readInputShape(input.pair.value, input.valueRange, input.keyRange) : undefined,
        layers: layers ? this.readLayers(layers.pair.value, layers.valueRange) : [],
        layersRange: layers?.valueRange,
        output: this.plain<string>(fs.output, mp.get('output'), 'model.output'),
      };
    }

    const train = pairs.get('train');
    if (train) {
      const f = fields.train;
      const fs = (f.type as { fields: Record<string, Field> }).fields;
      const tp = this.objectPairs(f, train.pair.value, train.valueRange, train.keyRange, 'train');
      const item = (key: string, category: Category) => {
        const e = tp.get(key);
        return e ? this.readItem(category, e.pair.value, e.valueRange, false) : undefined;
      };
      const metrics = tp.get('metrics');
      const t: NonNullable<Spec['train']> = {
        range: train.valueRange,
        keyRange: train.keyRange,
        loss: item('loss', 'loss'),
        optimizer: item('optimizer', 'optimizer'),
        metrics: metrics ? this.readItems('metric', metrics.pair.value, metrics.valueRange, '`train.metrics`') : [],
        epochs: this.plain<number>(fs.epochs, tp.get('epochs'), 'train.epochs'),
        batchSize: this.plain<number>(fs.batch_size, tp.get('batch_size'), 'train.batch_size'),
        shuffle: this.plain<boolean>(fs.shuffle, tp.get('shuffle'), 'train.shuffle'),
        device: this.plain<'auto' | 'gpu' | 'cpu'>(fs.device, tp.get('device'), 'train.device'),
        lrSchedule: item('lr_schedule', 'schedule'),
      };
      const es = tp.get('early_stopping');
      if (es) {
        const ef = fs.early_stopping;
        const efs = (ef.type as { fields: Record<string, Field> }).fields;
        const ep = this.objectPairs(ef, es.pair.value, es.valueRange, es.keyRange, 'train.early_stopping');
        t.earlyStopping = {
          value: {
            monitor: this.plain<string>(efs.monitor, ep.get('monitor'), 'train.early_stopping.monitor')?.value ?? 'val_loss',
            patience: this.plain<number>(efs.patience, ep.get('patience'), 'train.early_stopping.patience')?.value ?? 3,
            minDelta: this.plain<number>(efs.min_delta, ep.get('min_delta'), 'train.early_stopping.min_delta')?.value ?? 0,
            restoreBestWeights: this.plain<boolean>(efs.restore_best_weights, ep.get('restore_best_weights'), 'train.early_stopping.restore_best_weights')?.value ?? true,
          },
          range: es.valueRange,
          keyRange: es.keyRange,
        };
      }
      const cp = tp.get('checkpoint');
      if (cp) {
        const cf = fs.checkpoint;
        const cfs = (cf.type as { fields: Record<string, Field> }).fields;
        const pp = this.objectPairs(cf, cp.pair.value, cp.valueRange, cp.keyRange, 'train.checkpoint');
        t.checkpoint = {
          value: {
            best: this.plain<boolean>(cfs.best, pp.get('best'), 'train.checkpoint.best')?.value ?? true,
            last: this.plain<boolean>(cfs.last, pp.get('last'), 'train.checkpoint.last')?.value ?? true,
            monitor: this.plain<string>(cfs.monitor, pp.get('monitor'), 'train.checkpoint.monitor')?.value ?? 'val_loss',
          },
          range: cp.valueRange,
          keyRange: cp.keyRange,
        };
      }
      spec.train = t;
    }
    return spec;
  }
}

function placeholderForField(f: Field): string {
  switch (f.type.kind) {
    case 'item':
      return entries(f.type.category)[0]?.name ?? '';
    case 'items':
    case 'layers':
      return '[]';
    case 'input_shape':
      return '[1]';
    case 'object':
      return '{}';
    case 'value':
      return JSON.stringify(placeholderFor(f.type.type));
  }
}

/**
 * `parseDocument` with the spec options. Every syntax error the parser finds is an `Error`, and
 * capturing a stack trace for each made broken input (1 MB of `"`: 500,000 errors) several times
 * slower to parse; nothing reads those traces.
 */
export function parseYaml(text: string, options: Parameters<typeof parseDocument>[1] = yamlOptions): Document.Parsed {
  const traces = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, options);
  } finally {
    Error.stackTraceLimit = traces;
  }
}

/** Parses YAML and reads the spec. Syntax errors become diagnostics; nothing throws. */
export function readSpec(text: string, sink: DiagnosticSink): ReadResult {
  if (text.length > MAX_SPEC_BYTES) {
    sink.error('spec/too-large', { start: 0, end: 0 }, `This file is ${(text.length / 2 ** 20).toFixed(1)} MiB; specs over ${MAX_SPEC_BYTES / 2 ** 20} MiB are not checked (a model spec is usually a few KiB: is this a data file?).`);
    return { spec: { range: { start: 0, end: 0 } } };
  }
  if (text.includes('\u0000')) {
    sink.error('yaml/binary', { start: 0, end: Math.min(text.length, 1) }, 'This file holds binary data (NUL bytes), not YAML.');
    return { spec: { range: { start: 0, end: 0 } } };
  }
  const deep = tooDeep(text);
  if (deep) {
    sink.error('yaml/too-deep', { start: deep.offset, end: deep.offset + 1 }, `This is nested more than ${deep.max} levels deep; the spec was not read. A model spec needs a handful of levels: is a bracket or an indentation off?`);
    return { spec: { range: { start: 0, end: 0 } } };
  }
  let doc: Document.Parsed;
  try {
    doc = parseYaml(text);
  } catch (e) {
    sink.error('yaml/unreadable', { start: 0, end: 0 }, `This YAML could not be read: ${(e as Error).message}`);
    return { spec: { range: { start: 0, end: 0 } } };
  }
  for (const err of doc.errors) {
    if (sink.full) break;
    sink.error(`yaml/${err.code.toLowerCase().replace(/_/g, '-')}`, { start: err.pos[0], end: Math.max(err.pos[1], err.pos[0] + 1) }, yamlMessage(err.message));
  }
  for (const w of doc.warnings) {
    sink.warning(`yaml/${w.code.toLowerCase().replace(/_/g, '-')}`, { start: w.pos[0], end: Math.max(w.pos[1], w.pos[0] + 1) }, yamlMessage(w.message));
  }
  try {
    const reader = new Reader(doc, sink);
    const spec = reader.readRoot();
    return { spec, doc, layerSpans: spec.model?.layersRange && reader.layerSpans.length ? reader.layerSpans : undefined };
  } catch (e) {
    sink.error('spec/unreadable', { start: 0, end: 0 }, `This spec could not be read: ${(e as Error).message}`);
    return { spec: { range: { start: 0, end: 0 } }, doc };
  }
}

function yamlMessage(m: string): string {
  // The parser's messages end with a location suffix and a code excerpt; the range says that already.
  return m.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Reads one `model.layers` item on its own, as `readSpec` reads it within the whole spec: for
 * incremental re-analysis, where `doc` holds just that item (with the spec's parse options).
 */
export function readLayerItem(doc: Document.Parsed, node: unknown, index: number, listRange: Range, sink: DiagnosticSink): LayerNode | undefined {
  return new Reader(doc, sink).readLayer(node, index, listRange);
}
