/** How the reader names things in its messages: ranges, types, values, suggestions and placeholders. */
import { isScalar, type Node as YNode } from 'yaml';
import { categoryNoun, entries } from '../catalog';
import type { Category, ParamType } from '../catalog/types';
import type { Range } from '../diagnostics';
import { placeholderFor } from '../placeholders';
import type { Field } from '../structure';
import { closest } from '../suggest';

export function rangeOf(node: YNode | null | undefined, fallback: Range): Range {
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

export function describeType(t: ParamType): string {
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
export function show(value: unknown, node?: YNode | null): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'number' && !Number.isFinite(value) && isScalar(node) && typeof node.source === 'string') return node.source;
  const yamlSpelling = (v: number) => (Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf');
  const s = JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u2063${yamlSpelling(v)}\u2063` : v))?.replace(/"\u2063(.*?)\u2063"/g, '$1');
  return s === undefined ? String(value) : s.length > 40 ? s.slice(0, 40) + '…' : s;
}

export function placeholderForField(f: Field): string {
  switch (f.type.kind) {
    case 'item':
      return entries(f.type.category)[0]?.name ?? '';
    case 'items':
    case 'layers':
      return '[]';
    case 'input_shape':
      return '[1]';
    case 'object':
    case 'map':
      return '{}';
    case 'variant':
      return Object.keys(f.type.variants)[0] ?? '';
    case 'values':
      return '[]';
    case 'value':
      return JSON.stringify(placeholderFor(f.type.type));
  }
}
