/** The node-level reader: catalog items with their parameters, layers, input shapes and checked mappings. */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as YNode, type Pair, type YAMLMap } from 'yaml';
import { categoryNoun, entries, lookup } from '../catalog';
import type { Category, EntryBase, ParamSpec } from '../catalog/types';
import type { DiagnosticSink, Range } from '../diagnostics';
import type { ItemNode, ItemValue, LayerNode, Located, SplitNode } from '../spec';
import { layerSiblingFields, type Field } from '../structure';
import { placeholderFor } from '../placeholders';
import { closest, didYouMean } from '../suggest';
import { checkValue } from './checkValue';
import { placeholderForField, rangeOf, show, suggestName } from './describe';

const MAX_ALIAS_EXPANSION = 100;

/** A key of a checked mapping: its pair and where its key and value are. */
export type KeyedPair = { pair: Pair; keyRange: Range; valueRange: Range };

/** Reads YAML nodes into spec nodes, reporting what does not fit to `sink`. */
export class Reader {
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
    return { ok: checkValue(this.sink, t, node, value, range, what), value: normalised };
  }

  /**
   * Reads one catalog item: `name`, `{ name: { params } }`, `{ name: scalar }` (sets the primary
   * parameter) or `{ name: }`. Layer items may carry `name`/`inputs` siblings (read by the caller).
   */
  readItem(category: Category, raw: unknown, fallback: Range, allowSiblings: boolean): ItemNode | undefined {
    const node = this.resolve(raw);
    const range = rangeOf(node, fallback);
    const head = this.readItemHead(category, node, range, allowSiblings);
    if (!head) return undefined;
    const { typeName, typeRange } = head;
    const entry = lookup(category, typeName);
    const item: ItemNode = { category, type: typeName, typeRange, range, given: new Map(), params: {}, known: !!entry };
    if (!entry) {
      const s = suggestName(category, typeName);
      this.sink.error('name/unknown', typeRange, `Unknown ${categoryNoun[category]} \`${typeName}\`.${didYouMean(s)}`, {
        fixes: s ? [{ kind: 'replace', range: typeRange, text: s, title: `Change to '${s}'` }] : undefined,
      });
      return item;
    }
    const params: Record<string, unknown> = {};
    for (const p of entry.params) if (p.default !== undefined) params[p.name] = p.default;
    let valid = head.hasParams && head.paramsNode ? this.readItemParams(entry, item, head.paramsNode, params) : true;
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

  /** An item's type name and the node of its parameters: `name`, or the one non-sibling key of a mapping. */
  readItemHead(category: Category, node: YNode | null, range: Range, allowSiblings: boolean): { typeName: string; typeRange: Range; paramsNode: YNode | null; hasParams: boolean } | undefined {
    const noun = categoryNoun[category];
    if (isScalar(node) && typeof node.value === 'string') return { typeName: node.value, typeRange: range, paramsNode: null, hasParams: false };
    if (!isMap(node)) {
      this.sink.error('type/mismatch', range, `Expected a ${noun}: a name, or a mapping of one name to its parameters, but found ${show(this.toJS(node), node)}.`);
      return undefined;
    }
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
    const typeName = key.key;
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
    return { typeName, typeRange: key.range, paramsNode: this.resolve(first.value), hasParams: true };
  }

  /**
   * Reads an item's parameters into `params` and `item.given`: a mapping of them, or a scalar or
   * list that sets the primary parameter (`{ dropout: 0.2 }`). False when any does not check.
   */
  readItemParams(entry: EntryBase, item: ItemNode, paramsNode: YNode, params: Record<string, unknown>): boolean {
    const typeName = item.type;
    const range = item.range;
    let valid = true;
    const what = (p: string) => `\`${typeName}.${p}\``;
    if (isMap(paramsNode)) {
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
    } else if (!(isScalar(paramsNode) && paramsNode.value === null)) {
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
    return valid;
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
        if (k.key === 'trainable') {
          if (typeof value === 'boolean') layer.trainable = { value, range: vRange, keyRange: k.range };
          else this.sink.error('type/mismatch', vRange, '`trainable` must be `true` or `false`.');
        } else if (k.key === 'name') {
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
  objectPairs(field: Field, raw: unknown, range: Range, keyRange: Range, path: string): Map<string, KeyedPair> {
    const out = new Map<string, KeyedPair>();
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

  /** A list of names (`layers: [conv1, conv2]`), each with its range. */
  names(entry: KeyedPair | undefined, what: string): Located<string>[] | undefined {
    if (!entry) return undefined;
    const node = this.resolve(entry.pair.value);
    if (isSeq(node) && node.items.every((x) => isScalar(x) && typeof x.value === 'string')) {
      return node.items.map((x) => ({ value: String((x as { value: unknown }).value), range: rangeOf(x as YNode, entry.valueRange) }));
    }
    if (isScalar(node) && typeof node.value === 'string') return [{ value: node.value, range: entry.valueRange }];
    this.sink.error('type/mismatch', entry.valueRange, `\`${what}\` must be a list of layer names.`);
    return undefined;
  }

  /** Reads a plain-valued field and returns it when it type-checks. */
  plain<T>(field: Field, entry: KeyedPair | undefined, what: string): Located<T> | undefined {
    if (!entry || field.type.kind !== 'value') return undefined;
    const node = this.resolve(entry.pair.value);
    const value = this.toJS(node);
    if (!checkValue(this.sink, field.type.type, node, value, entry.valueRange, `\`${what}\``)) return undefined;
    return { value: value as T, range: entry.valueRange, keyRange: entry.keyRange };
  }

  readSplit(field: Field, entry: KeyedPair | undefined, path: string): SplitNode | undefined {
    if (!entry || field.type.kind !== 'object') return undefined;
    const pairs = this.objectPairs(field, entry.pair.value, entry.valueRange, entry.keyRange, path);
    const fields = field.type.fields;
    const split = this.plain<number>(fields.split, pairs.get('split'), `${path}.split`);
    const src = pairs.get('source');
    const source = src ? this.readItem('source', src.pair.value, src.valueRange, false) : undefined;
    if (split && source) this.sink.error('key/conflict', entry.keyRange, `\`${path}\` takes either \`split\` or \`source\`, not both.`);
    return { range: entry.valueRange, split, source };
  }
}

