/**
 * Visits every key and scalar of a spec's YAML tree in source order with what is expected there
 * (see `schema.ts`). Semantic tokens and document links are built on it.
 */
import { isMap, isScalar, isSeq, type Document, type Node as YNode, type Scalar } from 'yaml';
import type { Range } from '../../src/core/diagnostics';
import { scalarKey } from '../../src/core/locate';
import { rootExpect, step, type Expect } from './schema';

export interface Visitor {
  /** A mapping key; `parent` is the expectation of the mapping. */
  key?(node: Scalar, key: string, parent: Expect): void;
  /** A scalar value; `at` is the expectation of its place (apply `scalarExpect` for its meaning). */
  value?(node: Scalar, at: Expect): void;
}

const MAX_DEPTH = 64;

function outside(node: unknown, range: Range | undefined): boolean {
  if (!range) return false;
  const r = (node as YNode | null)?.range;
  return !!r && (r[1] < range.start || r[0] > range.end);
}

export function walk(doc: Document | undefined, visitor: Visitor, range?: Range): void {
  const visit = (node: unknown, e: Expect, depth: number): void => {
    if (!node || depth > MAX_DEPTH || outside(node, range)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = pair.key as YNode | null;
        const v = pair.value as YNode | null;
        if (range && outside(k, range) && (!v || outside(v, range))) continue;
        const key = scalarKey(k);
        if (key === undefined) continue;
        if (isScalar(k) && !outside(k, range)) visitor.key?.(k, key, e);
        visit(v, step(e, key), depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, step(e, i), depth + 1));
    } else if (isScalar(node)) {
      visitor.value?.(node, e);
    }
  };
  visit(doc?.contents, rootExpect, 0);
}
