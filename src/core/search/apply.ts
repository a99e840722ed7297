/**
 * A trial's values written into the spec's text: what each trial runs, and `best.model.yaml`
 * ("the original spec with the best values written in"). The parsed `yaml` Document says where
 * every node is; each value replaces only its node's text, or is inserted into its mapping, so
 * comments, flow or block layout and spacing stay as they were. A parameter the spec does not
 * write (a catalog default) is inserted; an optimizer the trial picks replaces the old one.
 */
import { isMap, isScalar, type Document, type Node as YNode } from 'yaml';
import { analyze } from '../analyze';
import { parseYaml } from '../read';
import { entries, lookup } from '../catalog';
import { addToMap, applyEdits, setParamEdits, yamlValue, type TextEdit } from '../edit';
import type { Range } from '../diagnostics';
import { resolvePath, type ItemPlace, type ParamTarget } from './paths';
import type { ParamValue, TrialParams } from './types';

/** A trial names a parameter path the spec does not have, or one its text cannot take. */
export class UnknownParamPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Cannot set \`${path}\` in this spec: ${reason}`);
    this.name = 'UnknownParamPathError';
  }
}

/**
 * `text` with every trial value written in. Type choices (`train.optimizer: sgd`) are written
 * first; a parameter of an item type the trial did not pick is left out (it does not apply).
 * Throws `UnknownParamPathError` for a path that names nothing in the spec.
 */
export function applyTrialParams(text: string, params: TrialParams): string {
  const { targets, picked, choices } = resolveAll(text, params);
  // Types first: their parameters are resolved against the spec with the new type in it.
  const order = [...targets].sort(([, a], [, b]) => Number(b.place.kind === 'type') - Number(a.place.kind === 'type')).map(([p]) => p);
  let out = text;
  for (const path of order) {
    const target = resolveOne(out, path, choices);
    const pick = target.when && picked.get(target.when.path);
    if (pick !== undefined && pick !== target.when!.type) continue;
    const edits = editsFor(out, target, params[path]);
    if (!edits) throw new UnknownParamPathError(path, 'its place in the text could not be found (is the spec valid YAML?)');
    const next = applyEdits(out, edits);
    // An edit must never break the YAML: refuse rather than hand a trial a spec it cannot read.
    if (parseYaml(next).errors.length && !parseYaml(out).errors.length) throw new UnknownParamPathError(path, 'writing the value here would break the YAML; write the spec in a plainer form');
    out = next;
  }
  return out;
}

/**
 * Every path's target. Where the trial picks an item's type, the parameters of every type of that
 * category resolve (the space may name those of types this trial did not pick); `picked` says which.
 */
function resolveAll(text: string, params: TrialParams): { targets: Map<string, ParamTarget>; picked: Map<string, ParamValue>; choices: Map<string, ParamValue[]> } {
  const spec = analyze(text).spec;
  const picked = new Map<string, ParamValue>();
  const choices = new Map<string, ParamValue[]>();
  for (const [path, value] of Object.entries(params)) {
    const r = resolvePath(spec, path);
    if (!('target' in r) || r.target.place.kind !== 'type') continue;
    const key = r.target.place.item.keys.join('.');
    picked.set(key, value);
    choices.set(key, entries(r.target.place.item.category).map((e) => e.name));
  }
  const targets = new Map<string, ParamTarget>();
  for (const path of Object.keys(params)) targets.set(path, resolveOne(text, path, choices, spec));
  return { targets, picked, choices };
}

function resolveOne(text: string, path: string, choices: Map<string, ParamValue[]>, spec = analyze(text).spec): ParamTarget {
  const r = resolvePath(spec, path, choices);
  if ('miss' in r) throw new UnknownParamPathError(path, r.miss.message);
  return r.target;
}

function editsFor(text: string, t: ParamTarget, value: ParamValue): TextEdit[] | undefined {
  const a = analyze(text);
  const doc = a.doc;
  if (!doc) return undefined;
  const v = yamlValue(value);
  switch (t.place.kind) {
    case 'field':
      return setAt(text, doc, t.place.keys, v);
    case 'type': {
      const item = t.place.item;
      if (item.node?.type === value) return [];
      if (!item.node) return setAt(text, doc, item.keys.map(String), v);
      // Parameters the new type shares with the old one (`learning_rate`) keep the spec's values.
      const shared = lookup(item.category, String(value))?.params.filter((p) => item.node!.given.has(p.name)) ?? [];
      const kept = shared.map((p) => `${p.name}: ${text.slice(item.node!.given.get(p.name)!.valueRange.start, item.node!.given.get(p.name)!.valueRange.end)}`);
      return [replaceItem(text, item.node.range, kept.length ? `{ ${v}: { ${kept.join(', ')} } }` : v)];
    }
    case 'param': {
      const item = currentItem(a.spec, t.place.item) ?? undefined;
      if (item) return setParamEdits(text, doc, item, t.place.param, v);
      // The item is not written (the default optimizer): write it with this parameter.
      return setAt(text, doc, t.place.item.keys.map(String), `{ ${t.place.item.type}: { ${t.place.param}: ${v} } }`);
    }
  }
}

/**
 * Replaces an item's text with a flow one. A block mapping's range runs to the next line: the
 * edit stops at its last character, and starts right after the key's colon (`optimizer: …`).
 */
function replaceItem(text: string, r: Range, newText: string): TextEdit {
  let end = r.end;
  while (end > r.start && /\s/.test(text[end - 1])) end--;
  let colon = r.start - 1;
  while (colon >= 0 && /\s/.test(text[colon])) colon--;
  if (colon >= 0 && text[colon] === ':' && text.slice(colon + 1, r.start).includes('\n')) return { range: { start: colon + 1, end }, newText: ` ${newText}` };
  return { range: { start: r.start, end }, newText };
}

/** The item node the place names in (a fresh analysis of) the text. */
function currentItem(spec: ReturnType<typeof analyze>['spec'], place: ItemPlace) {
  const [section, key, index] = place.keys;
  if (section === 'model' && key === 'layers') return spec.model?.layers.find((l) => l.index === index);
  if (section === 'data' && key === 'pipeline') return spec.data?.pipeline[index as number];
  if (section === 'train' && key === 'metrics') return spec.train?.metrics[index as number];
  const k = place.keys.join('.');
  const items = { 'train.optimizer': spec.train?.optimizer, 'train.loss': spec.train?.loss, 'train.lr_schedule': spec.train?.lrSchedule, 'data.source': spec.data?.source } as const;
  const node = items[k as keyof typeof items];
  return node?.type === place.type ? node : undefined;
}

/** Sets the plain value at `keys` (value is YAML text), creating the mappings on the way as flow mappings. */
function setAt(text: string, doc: Document, keys: string[], value: string): TextEdit[] | undefined {
  let node: unknown = doc.contents;
  for (let i = 0; i < keys.length; i++) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === keys[i]);
    if (!pair) {
      const rest = keys.slice(i + 1).reduceRight((acc, k) => `{ ${k}: ${acc} }`, value);
      return addToMap(text, node, keys[i], rest);
    }
    const next = pair.value as YNode | null;
    if (i === keys.length - 1 || next === null || (isScalar(next) && next.value === null)) {
      const rest = keys.slice(i + 1).reduceRight((acc, k) => `{ ${k}: ${acc} }`, value);
      const r = rangeOfValue(text, pair.key as YNode, next);
      return r ? [{ range: r, newText: next && !(isScalar(next) && next.value === null) ? rest : ` ${rest}` }] : undefined;
    }
    node = next;
  }
  return undefined;
}

/** A value's range; for an empty value (`key:`), the point after the colon. */
function rangeOfValue(text: string, key: YNode, value: YNode | null): Range | undefined {
  if (value?.range && !(isScalar(value) && value.value === null && value.range[0] === value.range[1])) return { start: value.range[0], end: value.range[1] };
  const end = key.range?.[1];
  if (end === undefined) return undefined;
  const colon = text.indexOf(':', end);
  return colon < 0 ? undefined : { start: colon + 1, end: colon + 1 };
}
