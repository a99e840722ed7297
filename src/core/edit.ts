/**
 * Text edits that set a value in a spec while leaving every other byte as it is (comments,
 * flow or block layout, spacing): the parsed `yaml` Document says where each node is, and the
 * edit replaces or inserts only there. Shared by the language server's quick fixes and
 * `applyTrialParams` (the search's `best.model.yaml`).
 */
import { isMap, type Document, type Node as YNode, type Pair, type YAMLMap } from 'yaml';
import type { Range } from './diagnostics';
import { locateNode } from './locate';
import type { ItemNode } from './spec';

export interface TextEdit {
  range: Range;
  newText: string;
}

export function lineStartAt(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

export function lineEndAt(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  const end = i < 0 ? text.length : i;
  return end > 0 && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/** A value as YAML on one line: plain names bare, other strings quoted, lists and mappings in flow style. */
export function yamlValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return /^[A-Za-z_][\w.\-/]*$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(yamlValue).join(', ')}]`;
  if (typeof v === 'object') {
    if ('type' in v && 'params' in v && typeof (v as { type: unknown }).type === 'string') return (v as { type: string }).type;
    const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${yamlValue(x)}`);
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  }
  return String(v);
}

/** Edits adding `key: value` (value already YAML text) to a mapping node. */
export function addToMap(text: string, map: YAMLMap, key: string, value: string): TextEdit[] | undefined {
  const pairs = map.items as Pair[];
  const r = map.range;
  if (!r) return undefined;
  if (map.flow) {
    if (!pairs.length) return [{ range: { start: r[0], end: r[1] }, newText: `{ ${key}: ${value} }` }];
    const last = pairs[pairs.length - 1];
    const end = (last.value as YNode | null)?.range?.[1] ?? (last.key as YNode | null)?.range?.[1];
    if (end === undefined) return undefined;
    return [{ range: { start: end, end }, newText: `, ${key}: ${value}` }];
  }
  const first = pairs[0]?.key as YNode | null | undefined;
  const firstStart = first?.range?.[0] ?? r[0];
  const col = firstStart - lineStartAt(text, firstStart);
  // After the last non-blank character of the mapping (and the rest of its line, e.g. a comment).
  let p = Math.min(r[1], text.length);
  while (p > r[0] && /\s/.test(text[p - 1])) p--;
  p = lineEndAt(text, p);
  return [{ range: { start: p, end: p }, newText: `\n${' '.repeat(col)}${key}: ${value}` }];
}

/** Edits setting parameter `param` of a written catalog item to `value` (YAML text), in whatever form the item is written. */
export function setParamEdits(text: string, doc: Document | undefined, item: ItemNode, param: string, value: string): TextEdit[] | undefined {
  const given = item.given.get(param);
  if (given) return [{ range: given.valueRange, newText: value }];
  // The item's parameter mapping, from the tree (the value of its type key).
  const loc = locateNode(doc, item.typeRange.start);
  const last = loc.steps[loc.steps.length - 1];
  const params = loc.onKey ? last?.node : undefined;
  if (isMap(params)) return addToMap(text, params, param, value);
  if (loc.onKey && last && (params === null || (params && 'value' in params && (params as { value: unknown }).value === null))) {
    // `add:` with nothing after it.
    const colon = text.indexOf(':', item.typeRange.end);
    if (colon < 0) return undefined;
    const end = params?.range?.[1] ?? colon + 1;
    return [{ range: { start: colon + 1, end: Math.max(colon + 1, end) }, newText: ` { ${param}: ${value} }` }];
  }
  if (loc.onKey && params?.range && item.given.size === 1) {
    // `{ dropout: 0.2 }`: the scalar sets the primary parameter; spell both out.
    const [primary] = item.given.values();
    const original = text.slice(params.range[0], params.range[1]);
    return [{ range: { start: params.range[0], end: params.range[1] }, newText: `{ ${primary.name}: ${original}, ${param}: ${value} }` }];
  }
  if (!loc.onKey && item.typeRange.start === item.range.start && item.typeRange.end === item.range.end) {
    // A bare name (`- dense`): give it a parameter mapping.
    const before = text.slice(lineStartAt(text, item.range.start), item.range.start);
    const blockItem = /^\s*(-\s+)+$/.test(before);
    const body = `${item.type}: { ${param}: ${value} }`;
    return [{ range: item.typeRange, newText: blockItem ? body : `{ ${body} }` }];
  }
  return undefined;
}

/** `text` with the edits applied (non-overlapping; any order). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.start - a.range.start)) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

/**
 * The one edit that turns `before` into `after`: the span between their common start and common
 * end (undefined when they are equal). An editor applying it moves no cursor outside that span.
 */
export function spanEdit(before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { range: { start, end: before.length - tail }, newText: after.slice(start, after.length - tail) };
}
