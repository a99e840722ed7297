/**
 * Finding the YAML node at an offset: the path of keys and indices from the document root down to
 * the innermost node that contains the offset. The language service builds hover, completion,
 * selection ranges, rename and code actions on this. Pure; `yaml` only.
 *
 * Containment is inclusive at both ends, so a cursor just after a word (`dense|`) is on it.
 * Collections are searched by binary search over their items, so a lookup in a 5,000-item list
 * costs a dozen comparisons.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node as YNode, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Range } from './diagnostics';

export type PathKey = string | number;

export interface PathStep {
  /** The map key (as a string) or the sequence index of this step. */
  key: PathKey;
  /** The collection this step descends from. */
  parent: YAMLMap | YAMLSeq;
  /** The map value or sequence item; null for an empty value (`key:` with nothing after it). */
  node: YNode | null;
  /** Map steps: the pair and its key node. */
  pair?: Pair;
  keyNode?: YNode | null;
}

export interface NodeLocation {
  /** From the root down; empty when the offset is on the root node itself (or outside it). */
  steps: PathStep[];
  /** The offset is on the last step's key, not its value. */
  onKey: boolean;
  /**
   * The offset lies within the last step's node (or key, when `onKey`); false when it lies between
   * a key and its value or between items of the collection holding the last step.
   */
  inNode: boolean;
  /** The innermost node that contains the offset (the key node when `onKey`), if any. */
  node: YNode | null;
}

/** The node's range as `{ start, end }` (end = end of the value, before trailing comments). */
export function nodeRange(node: unknown): Range | undefined {
  const r = (node as YNode | null | undefined)?.range;
  return r ? { start: r[0], end: r[1] } : undefined;
}

function contains(node: unknown, offset: number): boolean {
  const r = (node as YNode | null | undefined)?.range;
  return !!r && r[0] <= offset && offset <= r[1];
}

function startOf(item: unknown): number | undefined {
  if (item && typeof item === 'object' && 'key' in item && 'value' in item) {
    const p = item as Pair;
    return (p.key as YNode | null)?.range?.[0] ?? (p.value as YNode | null)?.range?.[0];
  }
  return (item as YNode | null)?.range?.[0];
}

/** Index of the last item starting at or before `offset` (items are in source order), or -1. */
function lastStartingAtOrBefore(items: readonly unknown[], offset: number): number {
  if (items.length <= 16) {
    let found = -1;
    for (let i = 0; i < items.length; i++) {
      const s = startOf(items[i]);
      if (s === undefined) continue;
      if (s <= offset) found = i;
      else break;
    }
    return found;
  }
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    let m = mid;
    let s = startOf(items[m]);
    // Items without a range (rare, in broken input) are skipped toward the low end.
    while (s === undefined && m > lo) s = startOf(items[--m]);
    if (s === undefined) {
      lo = mid + 1;
      continue;
    }
    if (s <= offset) {
      found = m;
      lo = mid + 1;
    } else hi = m - 1;
  }
  return found;
}

/** The end of a pair: its value's end, or its key's end when the value is empty. */
function pairEnd(p: Pair): number | undefined {
  return (p.value as YNode | null)?.range?.[1] ?? (p.key as YNode | null)?.range?.[1];
}

export function scalarKey(key: unknown): string | undefined {
  if (isScalar(key)) {
    const v = key.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v === null) return '';
  }
  return undefined;
}

/** The path to the innermost node containing `offset`. Never throws on any parsed document. */
export function locateNode(doc: Document | undefined, offset: number): NodeLocation {
  const steps: PathStep[] = [];
  let node = (doc?.contents ?? null) as YNode | null;
  if (!node || !contains(node, offset)) return { steps, onKey: false, inNode: false, node: null };
  for (let depth = 0; depth < 256; depth++) {
    if (isMap(node)) {
      const i = lastStartingAtOrBefore(node.items, offset);
      const pair = i >= 0 ? node.items[i] : undefined;
      const end = pair ? pairEnd(pair) : undefined;
      if (!pair || end === undefined || offset > end) return { steps, onKey: false, inNode: true, node };
      const key = scalarKey(pair.key);
      if (key === undefined) return { steps, onKey: false, inNode: true, node };
      const keyNode = pair.key as YNode | null;
      const value = (pair.value ?? null) as YNode | null;
      steps.push({ key, parent: node, node: value, pair, keyNode });
      if (contains(keyNode, offset)) return { steps, onKey: true, inNode: true, node: keyNode };
      if (!value || !contains(value, offset)) return { steps, onKey: false, inNode: false, node };
      node = value;
    } else if (isSeq(node)) {
      const i = lastStartingAtOrBefore(node.items, offset);
      const item: YNode | null | undefined = i >= 0 ? (node.items[i] as YNode | null) : undefined;
      if (!item || !contains(item, offset)) return { steps, onKey: false, inNode: true, node };
      steps.push({ key: i, parent: node, node: item });
      node = item;
    } else {
      // A scalar or an alias: a leaf.
      return { steps, onKey: false, inNode: true, node };
    }
  }
  return { steps, onKey: false, inNode: true, node };
}

/** Whether a node is a leaf the cursor can be "on": a scalar or an alias. */
export function isLeaf(node: unknown): boolean {
  return isScalar(node) || isAlias(node);
}
