/**
 * Parameter paths of `search.space` resolved against a spec: `model.layers.hidden.units`,
 * `model.layers[3].dropout.rate`, `train.optimizer.adam.learning_rate`, `train.batch_size`,
 * `data.pipeline[0].scale.divisor`, … A path names a plain value of the structure or a parameter
 * of a catalog item the spec has (written or not: a default is a valid target), or an item's type
 * itself (`train.optimizer`: a choice of optimizers). Misses come back with the offending part's
 * offsets in the path and a "did you mean".
 */
import { categoryNoun, entries, lookup } from '../catalog';
import type { Category, EntryBase, ParamSpec, ParamType } from '../catalog/types';
import { layerId } from '../infer';
import type { ItemNode, LayerNode, Spec } from '../spec';
import { specStructure, type Field } from '../structure';
import { closest, didYouMean } from '../suggest';
import type { ParamValue } from './types';

export interface PathSegment {
  name: string;
  /** `[i]` after the name, if any. */
  index?: number;
  /** Offsets of the name (and index) in the path. */
  start: number;
  end: number;
  indexStart?: number;
}

/** Where a catalog item lives in the spec: the keys to it, and its node when it is written. */
export interface ItemPlace {
  keys: (string | number)[];
  category: Category;
  /** The type the path names (the spec's, or one a type choice may pick). */
  type: string;
  node?: ItemNode;
}

export type ParamPlace =
  /** A plain value of the structure: `train.batch_size`, `data.validation.split`. */
  | { kind: 'field'; keys: string[] }
  /** A parameter of a catalog item. */
  | { kind: 'param'; item: ItemPlace; param: string }
  /** The item's type itself: `train.optimizer: { choice: [adam, sgd] }`. */
  | { kind: 'type'; item: ItemPlace };

export interface ParamTarget {
  path: string;
  place: ParamPlace;
  /** The values it may take (the catalog's or the structure's). */
  type: ParamType;
  doc: string;
  /** What it is, in words: "`units` of layer `hidden` (dense)". */
  label: string;
  /** The value the spec gives it now: as written, or the default. */
  current: unknown;
  written: boolean;
  /** For a layer parameter: the layer's YAML index (shape inference at the space's corners). */
  layerIndex?: number;
  /** Set when the parameter applies only while a searched type picks its item (`train.optimizer`). */
  when?: { path: string; type: string };
}

export interface PathMiss {
  /** Offsets in the path of the part that names nothing. */
  start: number;
  end: number;
  message: string;
  /** What to write at [start, end) instead. */
  suggestion?: string;
}

export type Resolution = { target: ParamTarget } | { miss: PathMiss };

const NAME = /[A-Za-z0-9_-]/;

/** Splits a path into names with optional `[index]`; a malformed path is a miss. */
export function parsePath(path: string): PathSegment[] | PathMiss {
  const segs: PathSegment[] = [];
  let i = 0;
  while (i <= path.length) {
    const start = i;
    while (i < path.length && NAME.test(path[i])) i++;
    if (i === start) return { start, end: Math.min(start + 1, path.length), message: start === path.length ? `The path \`${path}\` ends with a dot: name a parameter after it.` : `Unexpected \`${path[start]}\` in the path: write names joined by dots, with \`[index]\` for a list item.` };
    const seg: PathSegment = { name: path.slice(start, i), start, end: i };
    if (path[i] === '[') {
      const m = /^\[(\d+)\]/.exec(path.slice(i));
      if (!m) return { start: i, end: Math.min(path.length, i + 1), message: 'An index is a whole number in brackets, e.g. `[3]`.' };
      seg.index = Number(m[1]);
      seg.indexStart = i;
      i += m[0].length;
      seg.end = i;
    }
    segs.push(seg);
    if (i === path.length) return segs;
    if (path[i] !== '.') return { start: i, end: i + 1, message: `Unexpected \`${path[i]}\` in the path: write names joined by dots, with \`[index]\` for a list item.` };
    i++;
  }
  return segs;
}

/** Plain types a search can vary. */
export function searchable(t: ParamType): boolean {
  return t.kind === 'int' || t.kind === 'float' || t.kind === 'bool' || t.kind === 'enum' || t.kind === 'ref' || t.kind === 'int_or_ints' || (t.kind === 'one_of' && t.types.some(searchable));
}

const miss = (seg: { start: number; end: number }, message: string, suggestion?: string): { miss: PathMiss } => ({ miss: { start: seg.start, end: seg.end, message: message + didYouMean(suggestion), suggestion } });

interface Walk {
  spec: Spec;
  path: string;
  segs: PathSegment[];
  /** Item types a searched `type` place may take, by the path of that place (`train.optimizer` → [adam, sgd]). */
  typeChoices: ReadonlyMap<string, readonly ParamValue[]>;
}

/** Resolves `path` against `spec`. */
export function resolvePath(spec: Spec, path: string, typeChoices: ReadonlyMap<string, readonly ParamValue[]> = new Map()): Resolution {
  const segs = parsePath(path);
  if (!Array.isArray(segs)) return { miss: segs };
  const w: Walk = { spec, path, segs, typeChoices };
  return walkObject(w, specStructure, 0, []);
}

function walkObject(w: Walk, field: Field, i: number, keys: string[]): Resolution {
  const seg = w.segs[i];
  const fields = (field.type as { fields: Record<string, Field> }).fields;
  const where = keys.length ? `\`${keys.join('.')}\`` : 'the spec';
  if (!seg) return { miss: { start: w.path.length, end: w.path.length, message: `${where} is a section: name one of its parameters, e.g. \`${keys.join('.')}.${Object.keys(fields)[0]}\`.` } };
  if (keys.length === 0 && seg.name === 'search') return miss(seg, 'The search cannot search its own settings.');
  const f = Object.prototype.hasOwnProperty.call(fields, seg.name) ? fields[seg.name] : undefined;
  if (!f) return miss(seg, `${where} has no key \`${seg.name}\`.`, closest(seg.name, Object.keys(fields).filter((k) => k !== 'search')));
  const here = [...keys, seg.name];
  const t = f.type;
  if (t.kind === 'layers') return walkLayers(w, i);
  if (t.kind === 'item') return walkItemField(w, f, t.category, i, here);
  if (t.kind === 'items') return walkItemList(w, t.category, i, here);
  if (seg.index !== undefined) return miss({ start: seg.indexStart!, end: seg.end }, `\`${here.join('.')}\` is not a list.`);
  if (t.kind === 'object') return walkObject(w, f, i + 1, here);
  if (t.kind !== 'value') return miss(seg, `\`${here.join('.')}\` cannot be searched.`);
  if (i + 1 < w.segs.length) return miss(w.segs[i + 1], `\`${here.join('.')}\` is a plain value: the path ends there.`);
  if (!searchable(t.type)) return miss(seg, `\`${here.join('.')}\` is a ${t.type.kind === 'string' ? 'name' : 'value'} a search cannot vary.`);
  const current = fieldValue(w.spec, here);
  return {
    target: { path: w.path, place: { kind: 'field', keys: here }, type: t.type, doc: f.doc, label: `\`${here.join('.')}\``, current: current ?? f.default, written: current !== undefined },
  };
}

/** The value the spec writes at a structure path, if any (the read spec keeps them by section). */
function fieldValue(spec: Spec, keys: string[]): unknown {
  const k = keys.join('.');
  const t = spec.train;
  const map: Record<string, () => unknown> = {
    seed: () => spec.seed?.value,
    version: () => spec.version?.value,
    'train.epochs': () => t?.epochs?.value,
    'train.batch_size': () => t?.batchSize?.value,
    'train.shuffle': () => t?.shuffle?.value,
    'train.device': () => t?.device?.value,
    'data.validation.split': () => spec.data?.validation?.split?.value,
    'data.test.split': () => spec.data?.test?.split?.value,
  };
  if (map[k]) return map[k]();
  const es = t?.earlyStopping?.value as Record<string, unknown> | undefined;
  const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  if (keys[0] === 'train' && keys[1] === 'early_stopping' && es) return es[camel(keys[2])];
  const cp = t?.checkpoint?.value as Record<string, unknown> | undefined;
  if (keys[0] === 'train' && keys[1] === 'checkpoint' && cp) return cp[keys[2]];
  return undefined;
}

function walkLayers(w: Walk, i: number): Resolution {
  const layers = w.spec.model?.layers ?? [];
  const seg = w.segs[i];
  let layer: LayerNode | undefined;
  let next = i + 1;
  if (seg.index !== undefined) {
    layer = layers.find((l) => l.index === seg.index);
    if (!layer) return miss({ start: seg.indexStart!, end: seg.end }, `\`model.layers\` has no item ${seg.index}${layers.length ? ` (its items are numbered 0 to ${Math.max(...layers.map((l) => l.index))})` : ''}.`);
  } else {
    const nameSeg = w.segs[next];
    if (!nameSeg) return { miss: { start: w.path.length, end: w.path.length, message: 'Name a layer after `model.layers`: `model.layers.<name>.<parameter>` or `model.layers[<index>].<parameter>`.' } };
    // Layer names may hold dots: the longest name the next segments spell wins.
    const byName = new Map<string, LayerNode>();
    for (const l of layers) byName.set(layerId(l), l);
    for (let j = w.segs.length - 1; j >= next && !layer; j--) {
      const name = w.segs.slice(next, j + 1).map((s) => s.name).join('.');
      if (w.segs.slice(next, j).every((s) => s.index === undefined) && byName.has(name)) {
        layer = byName.get(name);
        next = j;
      }
    }
    if (!layer) return miss(nameSeg, `No layer is named \`${nameSeg.name}\`.${layers.length ? '' : ' The spec has no layers.'}`, closest(nameSeg.name, byName.keys()));
    next++;
  }
  const entry = layer.known || lookup('layer', layer.type) ? lookup('layer', layer.type) : undefined;
  if (!entry) return miss(seg, `Layer ${layer.index} (\`${layer.type}\`) is not a layer ModelYAML knows; fix it first.`);
  const label = `layer \`${layerId(layer)}\` (${layer.type})`;
  return walkParam(w, next, entry, { keys: ['model', 'layers', layer.index], category: 'layer', type: layer.type, node: layer }, label, layer.index);
}

/** `<type>.<param>` or `<param>` after an item whose type is known. */
function walkParam(w: Walk, i: number, entry: EntryBase, item: ItemPlace, label: string, layerIndex?: number, when?: ParamTarget['when']): Resolution {
  let seg = w.segs[i];
  const searchableParams = entry.params.filter((p) => searchable(p.type)).map((p) => `\`${p.name}\``);
  if (!seg) {
    const message = searchableParams.length ? `Name a parameter of ${label} after it: ${searchableParams.join(', ')}.` : `${label[0].toUpperCase()}${label.slice(1)} has no parameters a search can vary.`;
    return { miss: { start: w.path.length, end: w.path.length, message } };
  }
  const isParam = (n: string) => entry.params.some((p) => p.name === n);
  if (seg.name === item.type && !isParam(seg.name) && w.segs[i + 1]) seg = w.segs[++i];
  else if (!isParam(seg.name) && lookup(item.category, seg.name)) {
    return miss(seg, `${label[0].toUpperCase()}${label.slice(1)} is a \`${item.type}\`, not a \`${seg.name}\`.`, item.type);
  }
  const p: ParamSpec | undefined = entry.params.find((x) => x.name === seg.name);
  if (!p) return miss(seg, `\`${item.type}\` has no parameter \`${seg.name}\`.${entry.params.length ? '' : ' It has no parameters.'}`, closest(seg.name, entry.params.map((x) => x.name)));
  if (seg.index !== undefined) return miss({ start: seg.indexStart!, end: seg.end }, `\`${p.name}\` is not a list.`);
  if (w.segs[i + 1]) return miss(w.segs[i + 1], `The path ends at the parameter \`${p.name}\`.`);
  if (!searchable(p.type)) return miss(seg, `\`${item.type}.${p.name}\` is not a number, a name or a switch: a search cannot vary it.`);
  const given = item.node?.type === item.type ? item.node.given.get(p.name) : undefined;
  const current = given ? given.value : item.node?.type === item.type && item.node.known ? item.node.params[p.name] : p.default;
  const type: ParamType = p.type.kind === 'int_or_ints' ? { kind: 'int', min: p.type.min } : p.type;
  return {
    target: {
      path: w.path,
      place: { kind: 'param', item, param: p.name },
      type,
      doc: p.doc,
      label: `\`${p.name}\` of ${label}`,
      current: current !== null && typeof current === 'object' && 'type' in current ? (current as { type: string }).type : current,
      written: !!given,
      layerIndex,
      when,
    },
  };
}

/** `train.optimizer`, `train.loss`, `train.lr_schedule`, `data.source`: the type, then its parameter. */
function walkItemField(w: Walk, f: Field, category: Category, i: number, keys: string[]): Resolution {
  const seg = w.segs[i];
  const node = itemAt(w.spec, keys);
  const specType = node?.type ?? (typeof f.default === 'string' ? f.default : undefined);
  const item: ItemPlace = { keys, category, type: specType ?? '', node };
  const where = `\`${keys.join('.')}\``;
  if (seg.index !== undefined) return miss({ start: seg.indexStart!, end: seg.end }, `${where} is one ${categoryNoun[category]}, not a list.`);
  const typeSeg = w.segs[i + 1];
  if (!typeSeg) {
    const names = entries(category).map((e) => e.name);
    return { target: { path: w.path, place: { kind: 'type', item }, type: { kind: 'enum', values: names }, doc: f.doc, label: `the ${categoryNoun[category]} (${where})`, current: specType, written: !!node } };
  }
  const choices = w.typeChoices.get(keys.join('.'));
  const entry = lookup(category, typeSeg.name);
  if (typeSeg.name !== specType && !choices?.includes(typeSeg.name)) {
    if (!specType) return miss(typeSeg, `The spec has no ${where}: write one to search its parameters.`);
    if (entry) return miss(typeSeg, `The spec's ${categoryNoun[category]} is \`${specType}\`, not \`${typeSeg.name}\` (search \`${keys.join('.')}\` itself with a \`choice\` that includes \`${typeSeg.name}\` to try it).`, specType);
    return miss(typeSeg, `Unknown ${categoryNoun[category]} \`${typeSeg.name}\`.`, specType);
  }
  if (!entry) return miss(typeSeg, `Unknown ${categoryNoun[category]} \`${typeSeg.name}\`.`, specType);
  const when = typeSeg.name !== specType || choices ? { path: keys.join('.'), type: typeSeg.name } : undefined;
  const at: ItemPlace = { ...item, type: typeSeg.name };
  // The type segment is part of the path here: the parameter comes right after it.
  return walkParam({ ...w, segs: w.segs }, i + 2, entry, at, `the ${categoryNoun[category]} \`${typeSeg.name}\``, undefined, when);
}

function itemAt(spec: Spec, keys: string[]): ItemNode | undefined {
  const k = keys.join('.');
  if (k === 'train.optimizer') return spec.train?.optimizer;
  if (k === 'train.loss') return spec.train?.loss;
  if (k === 'train.lr_schedule') return spec.train?.lrSchedule;
  if (k === 'data.source') return spec.data?.source;
  if (k === 'data.validation.source') return spec.data?.validation?.source;
  if (k === 'data.test.source') return spec.data?.test?.source;
  return undefined;
}

/** `data.pipeline[i]`, `train.metrics[i]`: an index, then (optionally) the type, then the parameter. */
function walkItemList(w: Walk, category: Category, i: number, keys: string[]): Resolution {
  const seg = w.segs[i];
  const list = keys.join('.') === 'data.pipeline' ? (w.spec.data?.pipeline ?? []) : keys.join('.') === 'train.metrics' ? (w.spec.train?.metrics ?? []) : [];
  const where = `\`${keys.join('.')}\``;
  if (seg.index === undefined) return miss(seg, `${where} is a list: name an item by its index, e.g. \`${keys.join('.')}[0]\`.`);
  const node = list[seg.index];
  if (!node) return miss({ start: seg.indexStart!, end: seg.end }, `${where} has no item ${seg.index}${list.length ? ` (its items are numbered 0 to ${list.length - 1})` : ''}.`);
  const entry = lookup(category, node.type);
  if (!entry) return miss(seg, `Item ${seg.index} of ${where} (\`${node.type}\`) is not a ${categoryNoun[category]} ModelYAML knows.`);
  return walkParam(w, i + 1, entry, { keys: [...keys, seg.index], category, type: node.type, node }, `\`${keys.join('.')}[${seg.index}]\` (${node.type})`);
}

/** Every path a search could vary in `spec`, for completion: layers by name (else by index), items, plain values. */
export function searchablePaths(spec: Spec): string[] {
  const out: string[] = [];
  const params = (prefix: string, e: EntryBase | undefined) => {
    for (const p of e?.params ?? []) if (searchable(p.type)) out.push(`${prefix}.${p.name}`);
  };
  for (const l of spec.model?.layers ?? []) params(l.name ? `model.layers.${l.name.value}` : `model.layers[${l.index}]`, lookup('layer', l.type));
  const opt = spec.train?.optimizer?.type ?? 'adam';
  out.push('train.optimizer');
  params(`train.optimizer.${opt}`, lookup('optimizer', opt));
  if (spec.train?.loss) params(`train.loss.${spec.train.loss.type}`, lookup('loss', spec.train.loss.type));
  if (spec.train?.lrSchedule) params(`train.lr_schedule.${spec.train.lrSchedule.type}`, lookup('schedule', spec.train.lrSchedule.type));
  (spec.data?.pipeline ?? []).forEach((s, i) => params(`data.pipeline[${i}].${s.type}`, lookup('step', s.type)));
  const walk = (f: Field, keys: string[]) => {
    if (f.type.kind === 'object') for (const [k, sub] of Object.entries(f.type.fields)) walk(sub, [...keys, k]);
    else if (f.type.kind === 'value' && searchable(f.type.type) && keys[0] !== 'search' && keys[0] !== 'version') out.push(keys.join('.'));
  };
  walk(specStructure, []);
  return out;
}
