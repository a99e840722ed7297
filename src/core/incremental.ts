/**
 * Incremental re-analysis. After an edit inside one item of a block-style `model.layers` list,
 * only that item is parsed and read again: its lines are parsed on their own, the new layer is
 * spliced into a copy of the previous spec, everything after the edit is moved by the edit's
 * length (spec ranges, the YAML tree that hover and completion walk, and the findings of the
 * other items), and the whole-model passes (shape inference, data, compatibility) run again.
 *
 * The result equals `analyze(text)` on the spec, the findings, the model and the data. Where that
 * cannot be guaranteed cheaply — the edit spans items or touches anything outside `model.layers`,
 * the text has YAML errors or directives, anchors or aliases are involved, the list is in flow style, the
 * finding cap was reached — it falls back to `analyze`. Pure; `yaml` only.
 */
import { isCollection, isNode, isPair, isScalar, isSeq, isMap, type Document, type Node as YNode, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { analyze, completeAnalysis, type Analysis, type AnalyzeOptions } from './analyze';
import { DiagnosticSink, LineIndex, type Diagnostic, type Fix, type Range } from './diagnostics';
import { tooDeep } from './nesting';
import { MAX_SPEC_BYTES, parseYaml, readLayerItem } from './read';
import type { ItemNode, LayerNode, Located, SplitNode, Spec } from './spec';
import type { SearchNode, SpaceEntryNode } from './search/section';

/**
 * The analysis of `text`, reusing `prev` (the analysis of the text before an edit) where it can.
 * `prev` is left as it was. Always equal to `analyze(text, options)`.
 */
export function reanalyze(prev: Analysis | undefined, text: string, options: AnalyzeOptions = {}): Analysis {
  return (prev && tryReanalyze(prev, text, options)) || analyze(text, options);
}

/** The incremental path alone: the analysis of `text`, or undefined where only `analyze` can tell. */
export function tryReanalyze(prev: Analysis, text: string, options: AnalyzeOptions = {}): Analysis | undefined {
  try {
    return incremental(prev, text, options);
  } catch {
    // GiveUp, or a case this code did not foresee: the full analysis is always right.
    return undefined;
  }
}

class GiveUp extends Error {}

type YRange = [number, number, number];

function pairValue(map: YAMLMap, key: string): { pair: Pair; value: unknown } | undefined {
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) return { pair, value: pair.value };
  }
  return undefined;
}

/** The offset of the `-` that introduces a list item written on the dash's line, or -1. */
function dashOf(text: string, item: unknown): number {
  const r = isNode(item) ? item.range : undefined;
  if (!r) return -1;
  let j = r[0] - 1;
  while (j >= 0 && text.charCodeAt(j) === 32) j--;
  if (j < 0 || j === r[0] - 1 || text.charCodeAt(j) !== 45) return -1;
  let k = j - 1;
  while (k >= 0 && text.charCodeAt(k) === 32) k--;
  return k < 0 || text.charCodeAt(k) === 10 ? j : -1;
}

/**
 * Where the lines of the list item whose dash is at `dash` end: the start of the first later line
 * that is neither blank, nor a comment, nor indented deeper than the dash. -1 on a tab there.
 */
function itemLinesEnd(text: string, dash: number, indent: number): number {
  let nl = text.indexOf('\n', dash);
  while (nl !== -1) {
    const start = nl + 1;
    let j = start;
    while (text.charCodeAt(j) === 32) j++;
    if (j >= text.length) return text.length;
    const c = text.charCodeAt(j);
    if (c === 9) return -1;
    if (c === 10 || c === 13 || c === 35 || j - start > indent) {
      nl = text.indexOf('\n', j);
      continue;
    }
    return start;
  }
  return text.length;
}

function shiftTree(x: unknown, d: number): void {
  if (isPair(x)) {
    shiftTree(x.key, d);
    shiftTree(x.value, d);
    return;
  }
  if (!isNode(x)) return;
  const r = x.range;
  if (r) x.range = [r[0] + d, r[1] + d, r[2] + d];
  if (isCollection(x)) for (const it of x.items) shiftTree(it, d);
}

/**
 * A shallow copy of a YAML node or pair. Through the constructor (which sets the type
 * tag and the schema) and then the enumerable fields: several times faster than copying property
 * descriptors, which matters for the thousands of nodes after an edit.
 */
function clone<T extends object>(x: T): T {
  const C = x.constructor as new (arg?: unknown) => T;
  return Object.assign(new C((x as { schema?: unknown }).schema), x);
}

/** A copy of a YAML subtree with every range moved by `d` (the original is left as it was). */
function shiftedCopy(x: unknown, d: number): unknown {
  if (isPair(x)) {
    const c = clone(x);
    c.key = shiftedCopy(x.key, d);
    c.value = shiftedCopy(x.value, d);
    return c;
  }
  if (!isNode(x)) return x;
  const c = clone(x);
  const r = x.range;
  if (r) c.range = [r[0] + d, r[1] + d, r[2] + d];
  if (isCollection(x)) (c as YAMLMap | YAMLSeq).items = x.items.map((it) => shiftedCopy(it, d)) as never;
  return c;
}

function startOf(x: unknown): number {
  if (isPair(x)) return (x.key as YNode | null)?.range?.[0] ?? (x.value as YNode | null)?.range?.[0] ?? -1;
  return (x as YNode | null)?.range?.[0] ?? -1;
}

/** Strings compare natively: chunks first, then characters. */
const CHUNK = 1024;

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i + CHUNK <= n && a.slice(i, i + CHUNK) === b.slice(i, i + CHUNK)) i += CHUNK;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The length of the common suffix, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  while (i + CHUNK <= max && a.slice(a.length - i - CHUNK, a.length - i) === b.slice(b.length - i - CHUNK, b.length - i)) i += CHUNK;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

function incremental(prev: Analysis, text: string, options: AnalyzeOptions): Analysis | undefined {
  const old = prev.text;
  const read = prev.read;
  const doc = prev.doc;
  const limit = options.maxDiagnostics ?? 500;
  if (!read?.complete || !read.layerSpans || read.maxDiagnostics !== limit) return undefined;
  if (!doc || doc.errors.length || doc.warnings.length || text.length > MAX_SPEC_BYTES) return undefined;
  // Directives (`%YAML 1.1`: merge keys and other scalars; `%TAG`) change how the item's lines
  // read, and the item is parsed without them.
  const dirs = doc.directives;
  if (dirs && (dirs.yaml.explicit || Object.keys(dirs.tags).some((k) => k !== '!!'))) return undefined;
  // The item is parsed on its own: a text too deep for the parser must not reach it (`analyze` says why).
  if (tooDeep(text)) return undefined;

  // The edit: [p, oldEnd) of the old text became [p, newEnd) of the new one.
  const p = commonPrefix(old, text);
  if (p === old.length && p === text.length) return undefined;
  const s = commonSuffix(old, text, Math.min(old.length, text.length) - p);
  const oldEnd = old.length - s;
  const newEnd = text.length - s;
  const delta = text.length - old.length;

  // The block list of layers, and the item whose lines hold the edit (after its dash).
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const model = pairValue(root, 'model');
  if (!model || !isMap(model.value)) return undefined;
  const layers = pairValue(model.value, 'layers');
  const seq = layers?.value;
  if (!layers || !isSeq(seq) || seq.flow || !seq.range) return undefined;
  const items = seq.items;
  if (read.layerSpans.length !== items.length * 2) return undefined;
  let lo = 0;
  let hi = items.length - 1;
  let index = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = dashOf(old, items[mid]);
    if (d < 0) return undefined;
    if (d < p) {
      index = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (index < 0) return undefined;
  const item = items[index] as YNode;
  const dash = dashOf(old, item);
  const lineStart = old.lastIndexOf('\n', dash) + 1;
  const indent = dash - lineStart;
  const oldLinesEnd = itemLinesEnd(old, dash, indent);
  if (oldLinesEnd < 0 || oldEnd > oldLinesEnd) return undefined;
  if (index + 1 < items.length && dashOf(old, items[index + 1]) !== oldLinesEnd + indent) return undefined;
  const newLinesEnd = itemLinesEnd(text, dash, indent);
  if (newLinesEnd !== oldLinesEnd + delta) return undefined;
  const oldLines = old.slice(lineStart, oldLinesEnd);
  const newLines = text.slice(lineStart, newLinesEnd);
  // Anchors and aliases tie an item to the rest of the document; NUL makes the text binary.
  if (/[&*\u0000]/.test(oldLines) || /[&*\u0000]/.test(newLines)) return undefined;

  // The item's lines on their own parse as a one-item list at the same indentation. What follows
  // them up to the next token (the next line's indentation and dash) goes with them: an empty
  // value's range runs on to the next token.
  let next = newLinesEnd;
  while (text.charCodeAt(next) === 32) next++;
  const nextItem = next - newLinesEnd === indent && text.charCodeAt(next) === 45;
  const alone = parseYaml(text.slice(lineStart, nextItem ? next + 1 : next));
  if (alone.errors.length || alone.warnings.length) return undefined;
  const list = alone.contents;
  if (!isSeq(list) || list.flow || list.items.length !== (nextItem ? 2 : 1) || list.range?.[0] !== indent) return undefined;
  const fresh = list.items[0];
  if (!isNode(fresh) || !fresh.range || !item.range) return undefined;
  shiftTree(fresh, lineStart);

  // Positions outside the item's lines move with the edit; the ends of the collections that end
  // with the item move with the item's end.
  const oR = item.range;
  const nR = fresh.range;
  // An item that ends where its lines end (at the end of the text, say) must still end there: a
  // position there is both the item's end and where what follows begins.
  if ((oR[1] >= oldLinesEnd && nR[1] !== oR[1] + delta) || (oR[2] >= oldLinesEnd && nR[2] !== oR[2] + delta)) return undefined;
  const pos = (x: number): number => {
    if (x <= dash) return x;
    if (x >= oldLinesEnd) return x + delta;
    if (x === oR[2]) return nR[2];
    if (x === oR[1]) return nR[1];
    throw new GiveUp();
  };
  const yr = (r: YRange): YRange => [pos(r[0]), pos(r[1]), pos(r[2])];
  const mr = (r: Range): Range => (r.end <= dash ? r : { start: pos(r.start), end: pos(r.end) });
  const noAliases = old.indexOf('*') < 0;

  // The new layer, read as readSpec reads it, and its findings.
  const sink = new DiagnosticSink(Number.MAX_SAFE_INTEGER);
  const spec = prev.spec;
  const m = spec.model;
  if (!m?.layersRange) return undefined;
  const layersRange = mr(m.layersRange);
  const layer = readLayerItem(alone, fresh, index, layersRange, sink);

  // The read phase's findings: the other items' and the rest of the spec's, moved; the item's, new.
  const spans = read.layerSpans;
  const from = spans[2 * index];
  const to = spans[2 * index + 1];
  const grown = sink.items.length - (to - from);
  const mapDiagnostic = (d: Diagnostic) => moveDiagnostic(d, mr);
  const readDiagnostics = [...read.diagnostics.slice(0, from).map(mapDiagnostic), ...sink.items, ...read.diagnostics.slice(to).map(mapDiagnostic)];
  if (readDiagnostics.length >= limit) return undefined;
  const layerSpans = spans.slice();
  layerSpans[2 * index + 1] = from + sink.items.length;
  if (grown) for (let k = 2 * index + 2; k < layerSpans.length; k++) layerSpans[k] += grown;

  // The spec: the new layer in place of the old one; the other layers and sections moved.
  // Layers are in list order: those before the item stay, those after move (unless nothing moves).
  const newLayers = m.layers.slice();
  let at = 0;
  for (let hi = newLayers.length; at < hi; ) {
    const mid = (at + hi) >> 1;
    if (newLayers[mid].index < index) at = mid + 1;
    else hi = mid;
  }
  const had = at < newLayers.length && newLayers[at].index === index;
  if (!noAliases) for (let k = 0; k < at; k++) newLayers[k] = moveItem(newLayers[k], mr);
  if (!noAliases || delta !== 0) for (let k = had ? at + 1 : at; k < newLayers.length; k++) newLayers[k] = moveItem(newLayers[k], mr);
  if (layer) newLayers.splice(at, had ? 1 : 0, layer);
  else if (had) newLayers.splice(at, 1);
  const newSpec = moveSpec(spec, mr, { ...m, range: mr(m.range), keyRange: mr(m.keyRange), layers: newLayers, layersRange });
  if (m.inputs) newSpec.model!.inputs = moveLocated(m.inputs, mr, (v) => new Map([...v].map(([k, x]) => [k, moveLocated(x, mr)])));
  if (m.output) newSpec.model!.output = moveLocated(m.output, mr);

  // The YAML tree: the path from the root to the list copied, the item replaced, later nodes moved.
  const after = (x: unknown) => (delta !== 0 && startOf(x) >= oldLinesEnd ? shiftedCopy(x, delta) : x);
  const newSeq = clone(seq);
  newSeq.range = yr(seq.range);
  newSeq.items = items.map((it, k) => (k === index ? fresh : k < index ? it : after(it)));
  const layersPair = clone(layers.pair);
  layersPair.value = newSeq;
  const newModel = clone(model.value);
  newModel.range = yr(model.value.range!);
  newModel.items = model.value.items.map((it) => (it === layers.pair ? layersPair : (after(it) as Pair)));
  const modelPair = clone(model.pair);
  modelPair.value = newModel;
  const newRoot = clone(root);
  newRoot.range = yr(root.range!);
  newRoot.items = root.items.map((it) => (it === model.pair ? modelPair : after(it))) as typeof root.items;
  const newDoc = Object.create(Object.getPrototypeOf(doc), Object.getOwnPropertyDescriptors(doc)) as Document.Parsed;
  newDoc.contents = newRoot;
  newDoc.range = yr(doc.range);

  const all = new DiagnosticSink(limit);
  all.items.push(...readDiagnostics);
  return completeAnalysis({ text, lines: LineIndex.edited(prev.lines, text, p, oldEnd, newEnd), doc: newDoc, spec: newSpec, layerSpans }, all, options);
}

// ------------------------------------------------------------------------------------------------
// Moving the spec's and the findings' ranges

type MoveRange = (r: Range) => Range;

function moveLocated<T>(l: Located<T>, mr: MoveRange, value?: (v: T) => T): Located<T> {
  const out: Located<T> = { ...l, range: mr(l.range) };
  if (l.keyRange) out.keyRange = mr(l.keyRange);
  if (value) out.value = value(l.value);
  return out;
}

function moveItem<T extends ItemNode>(item: T, mr: MoveRange): T {
  const out: T = { ...item, typeRange: mr(item.typeRange), range: mr(item.range) };
  if (item.paramsRange) out.paramsRange = mr(item.paramsRange);
  if (item.given.size) out.given = new Map([...item.given].map(([k, g]) => [k, { ...g, keyRange: mr(g.keyRange), valueRange: mr(g.valueRange) }]));
  const l = item as ItemNode as LayerNode;
  const o = out as ItemNode as LayerNode;
  if (l.name) o.name = moveLocated(l.name, mr);
  if (l.inputs) o.inputs = l.inputs.map((x) => moveLocated(x, mr));
  if (l.inputsRange) o.inputsRange = mr(l.inputsRange);
  return out;
}

function moveSplit(s: SplitNode, mr: MoveRange): SplitNode {
  const out: SplitNode = { ...s, range: mr(s.range) };
  if (s.split) out.split = moveLocated(s.split, mr);
  if (s.source) out.source = moveItem(s.source, mr);
  return out;
}

/** The `search:` section with moved ranges (its checks against the layers run again in `completeAnalysis`). */
function moveSearch(s: SearchNode, mr: MoveRange): SearchNode {
  const out: SearchNode = { ...s, range: mr(s.range), keyRange: mr(s.keyRange) };
  const settings = out as unknown as Record<string, Located<unknown> | undefined>;
  for (const k of ['metric', 'goal', 'trials', 'parallel', 'sampler', 'pruner', 'seed'] as const) {
    const l = s[k] as Located<unknown> | undefined;
    if (l) settings[k] = moveLocated(l, mr);
  }
  if (s.space) {
    const entries = s.space.entries.map((e): SpaceEntryNode => {
      const at: SpaceEntryNode['at'] = {};
      if (e.at.low) at.low = mr(e.at.low);
      if (e.at.high) at.high = mr(e.at.high);
      if (e.at.step) at.step = mr(e.at.step);
      if (e.at.values) at.values = e.at.values.map(mr);
      const moved: SpaceEntryNode = { ...e, pathRange: mr(e.pathRange), pathStart: mr({ start: e.pathStart, end: e.pathStart }).start, valueRange: mr(e.valueRange), at };
      if (e.kindRange) moved.kindRange = mr(e.kindRange);
      return moved;
    });
    out.space = { range: mr(s.space.range), keyRange: mr(s.space.keyRange), entries };
  }
  return out;
}

/** A copy of the spec with moved ranges and `model` as given. */
function moveSpec(spec: Spec, mr: MoveRange, model: NonNullable<Spec['model']>): Spec {
  const out: Spec = { ...spec, range: mr(spec.range), model };
  if (spec.version) out.version = moveLocated(spec.version, mr);
  if (spec.name) out.name = moveLocated(spec.name, mr);
  if (spec.description) out.description = moveLocated(spec.description, mr);
  if (spec.seed) out.seed = moveLocated(spec.seed, mr);
  const d = spec.data;
  if (d) {
    out.data = { ...d, range: mr(d.range), keyRange: mr(d.keyRange), pipeline: d.pipeline.map((x) => moveItem(x, mr)) };
    if (d.source) out.data.source = moveItem(d.source, mr);
    if (d.validation) out.data.validation = moveSplit(d.validation, mr);
    if (d.test) out.data.test = moveSplit(d.test, mr);
  }
  const t = spec.train;
  if (t) {
    const o: NonNullable<Spec['train']> = { ...t, range: mr(t.range), keyRange: mr(t.keyRange), metrics: t.metrics.map((x) => moveItem(x, mr)) };
    if (t.loss) o.loss = moveItem(t.loss, mr);
    if (t.optimizer) o.optimizer = moveItem(t.optimizer, mr);
    if (t.lrSchedule) o.lrSchedule = moveItem(t.lrSchedule, mr);
    if (t.epochs) o.epochs = moveLocated(t.epochs, mr);
    if (t.batchSize) o.batchSize = moveLocated(t.batchSize, mr);
    if (t.shuffle) o.shuffle = moveLocated(t.shuffle, mr);
    if (t.device) o.device = moveLocated(t.device, mr);
    if (t.earlyStopping) o.earlyStopping = moveLocated(t.earlyStopping, mr);
    if (t.checkpoint) o.checkpoint = moveLocated(t.checkpoint, mr);
    out.train = o;
  }
  if (spec.search) out.search = moveSearch(spec.search, mr);
  return out;
}

function moveFix(f: Fix, mr: MoveRange): Fix {
  switch (f.kind) {
    case 'replace':
      return { ...f, range: mr(f.range) };
    case 'set_param':
      return { ...f, itemRange: mr(f.itemRange) };
    case 'add_key':
      return { ...f, parentRange: mr(f.parentRange) };
    case 'insert_layer_before':
      return f;
  }
}

function moveDiagnostic(d: Diagnostic, mr: MoveRange): Diagnostic {
  const out: Diagnostic = { ...d, range: mr(d.range) };
  if (d.related) out.related = d.related.map((r) => ({ ...r, range: mr(r.range) }));
  if (d.fixes) out.fixes = d.fixes.map((f) => moveFix(f, mr));
  return out;
}
