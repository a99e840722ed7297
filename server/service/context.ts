/**
 * Where the cursor is, for completion, in a document that is often mid-edit and broken: which
 * mapping it adds a key to, which list it adds an item to, or which key's value it types.
 *
 * Flow collections and `key: value` lines are read from the YAML tree; a cursor on an otherwise
 * empty line (or one with just `- ` and a partial word) is placed by indentation: the nearest line
 * above at the same indentation is a sibling, the nearest at a smaller one is the parent. Only the
 * anchor line found that way is looked up in the tree, so the result does not depend on how the
 * parser recovered from the half-typed line.
 */
import { isMap, isSeq, type Node as YNode, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Range } from '../../src/core/diagnostics';
import { locateNode, scalarKey, type PathKey, type PathStep } from '../../src/core/locate';
import type { DocContext } from './document';
import { expectAt, step, type Expect } from './schema';
import { commentStart, lineEndAt, WORD } from './text';

export interface CursorContext {
  /** `key`: a new key in a mapping; `item`: a new list item; `value`: the value of `key`. */
  mode: 'key' | 'item' | 'value';
  /** key: the mapping's expectation; item: the item's; value: the value's. */
  expect: Expect;
  /** The partial word under the cursor, replaced by the completion. */
  replace: Range;
  word: string;
  /** Keys already in the mapping (key mode), without the one being typed. */
  present: Set<string>;
  /** Inside a flow collection (`{ … }`, `[ … ]`). */
  flow: boolean;
  /** The key being typed already has its `:` after it. */
  colonAfter: boolean;
  /** Insert a space before the text (cursor right after `key:`). */
  needsSpace: boolean;
  /** For item mode: the items already in the list. */
  siblings?: YAMLSeq;
}

const KEY_LINE = /^(\s*)((?:-[ \t]+)*)$/;
const VALUE_LINE = /^(\s*)((?:-[ \t]+)*)((?:"[^"]*"|'[^']*'|[^\s#:{}[\],'"][^#:{}[\],]*?))[ \t]*:([ \t]*)$/;

function mapKeys(node: unknown, except?: number): Set<string> {
  const out = new Set<string>();
  if (isMap(node)) {
    for (const p of (node as YAMLMap).items) {
      const k = scalarKey(p.key);
      const r = (p.key as YNode | null)?.range;
      if (k !== undefined && k !== '' && !(except !== undefined && r && r[0] <= except && except <= r[1])) out.add(k);
    }
  }
  return out;
}

interface Anchor {
  relation: 'sibling' | 'parent' | 'root';
  /** Offset of the anchor's key (or item content). */
  offset: number;
  /** The anchor line starts a list item (`- …`) whose content is at `offset`. */
  item: boolean;
}

/** Line starts from `from` going up, skipping blank and comment-only lines. Bounded work. */
function* linesAbove(text: string, from: number): Generator<{ start: number; indent: number; dashes: number; content: number; end: number }> {
  let end = from - 1; // the newline ending the previous line
  let budget = 200_000; // lines; a 16 MB file is refused by the core anyway
  while (end >= 0 && budget-- > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    end = start - 1;
    const m = /^([ \t]*)((?:-[ \t]+|-$)*)/.exec(line)!;
    const rest = line.slice(m[0].length);
    if (rest.trim() === '' && !m[2]) continue;
    if (rest.startsWith('#')) continue;
    yield { start, indent: m[1].length, dashes: m[2].length, content: m[0].length, end: start + line.length };
  }
}

function findAnchor(text: string, lineStart: number, col: number, dashed: boolean): Anchor {
  for (const l of linesAbove(text, lineStart)) {
    if (dashed) {
      // We start a list item with its dash at `col`.
      if (!l.dashes) {
        if (l.indent > col) continue;
        return { relation: 'parent', offset: l.start + l.indent, item: false };
      }
      if (l.indent === col) return { relation: 'sibling', offset: l.start + l.content, item: true };
      if (l.indent > col) continue;
      if (l.content <= col) return { relation: 'parent', offset: l.start + l.content, item: false };
      continue;
    }
    // We start a key at `col`.
    if (!l.dashes) {
      if (l.indent > col) continue;
      return { relation: l.indent === col ? 'sibling' : 'parent', offset: l.start + l.indent, item: false };
    }
    if (l.content === col) return { relation: 'sibling', offset: l.start + l.content, item: false };
    if (l.content < col) return { relation: 'parent', offset: l.start + l.content, item: false };
    if (l.indent >= col) continue;
  }
  return { relation: 'root', offset: 0, item: false };
}

/** The keys to the node of a located key (its value). */
function keysOf(steps: PathStep[]): PathKey[] {
  return steps.map((s) => s.key);
}

/** The innermost flow collection containing `offset` strictly inside its brackets, with the path to it. */
function flowContainer(ctx: DocContext, offset: number): { keys: PathKey[]; node: YAMLMap | YAMLSeq } | undefined {
  const loc = locateNode(ctx.analysis.doc, offset);
  let found: { keys: PathKey[]; node: YAMLMap | YAMLSeq } | undefined;
  const consider = (node: unknown, depth: number) => {
    if ((isMap(node) || isSeq(node)) && node.flow && node.range && node.range[0] < offset) {
      // Strictly inside the brackets; an unclosed collection (mid-typing) reaches to its range end.
      const closer = ctx.text[node.range[1] - 1];
      const closed = closer === '}' || closer === ']';
      if (closed ? offset < node.range[1] : offset <= node.range[1]) found = { keys: keysOf(loc.steps.slice(0, depth)), node };
    }
  };
  consider(ctx.analysis.doc?.contents, 0);
  loc.steps.forEach((s, i) => consider(s.node, i + 1));
  return found;
}

export function cursorContext(ctx: DocContext, offset: number): CursorContext | undefined {
  const text = ctx.text;
  offset = Math.max(0, Math.min(offset, text.length));
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = lineEndAt(text, offset);
  const c = commentStart(text, lineStart, lineEnd);
  if (c >= 0 && c < offset) return undefined; // in a comment
  let ws = offset;
  while (ws > lineStart && WORD.test(text[ws - 1])) ws--;
  let we = offset;
  while (we < lineEnd && WORD.test(text[we])) we++;
  const replace = { start: ws, end: we };
  const word = text.slice(ws, offset);
  const before = text.slice(lineStart, ws);
  const after = text.slice(we, lineEnd);
  const colonAfter = /^[ \t]*:/.test(after);
  const base = { replace, word, colonAfter, needsSpace: false };

  // In a flow collection: read the tree.
  const flow = flowContainer(ctx, ws);
  if (flow) {
    let i = ws - 1;
    while (i >= 0 && /\s/.test(text[i])) i--;
    const ch = text[i];
    const containerExpect = expectAt(flow.keys);
    if (isSeq(flow.node) && (ch === '[' || ch === ',')) {
      const index = flow.node.items.filter((it) => ((it as YNode | null)?.range?.[1] ?? Infinity) <= ws).length;
      return { ...base, mode: 'item', expect: step(containerExpect, index), present: new Set(), flow: true, siblings: flow.node };
    }
    if (isMap(flow.node) && (ch === '{' || ch === ',')) {
      return { ...base, mode: 'key', expect: containerExpect, present: mapKeys(flow.node, ws), flow: true };
    }
    if (ch === ':') {
      let k = i - 1;
      while (k >= 0 && /[ \t]/.test(text[k])) k--;
      let ks = k + 1;
      while (ks > 0 && WORD.test(text[ks - 1])) ks--;
      const key = text.slice(ks, k + 1);
      if (!key) return undefined;
      return { ...base, mode: 'value', expect: step(containerExpect, key), present: new Set(), flow: true, needsSpace: i === ws - 1 };
    }
    return undefined;
  }

  // `key: partial` on this line: the value of that key.
  const v = VALUE_LINE.exec(before);
  if (v) {
    const keyOffset = lineStart + v[1].length + v[2].length;
    const loc = locateNode(ctx.analysis.doc, keyOffset);
    const last = loc.steps[loc.steps.length - 1];
    let keys: PathKey[] | undefined;
    if (loc.onKey && last && (last.keyNode as YNode | null)?.range?.[0] === keyOffset) keys = keysOf(loc.steps);
    else keys = keysFromIndentation(ctx, lineStart, v[1].length, v[1].length + v[2].length, v[2].length > 0, v[3].replace(/^["']|["']$/g, ''));
    if (!keys) return undefined;
    return { ...base, mode: 'value', expect: expectAt(keys), present: new Set(), flow: false, needsSpace: v[4].length === 0 };
  }

  // A new key or list item on this line, placed by indentation.
  const k = KEY_LINE.exec(before);
  if (!k) return undefined;
  const dashed = k[2].length > 0;
  const col = k[1].length;
  const anchor = findAnchor(text, lineStart, col, dashed);
  if (dashed) {
    const seq = seqFromAnchor(ctx, anchor);
    if (!seq) return undefined;
    const index = seq.node ? seq.node.items.filter((it) => ((it as YNode | null)?.range?.[0] ?? Infinity) < lineStart).length : 0;
    return { ...base, mode: 'item', expect: step(expectAt(seq.keys), index), present: new Set(), flow: false, siblings: seq.node };
  }
  const map = mapFromAnchor(ctx, anchor);
  if (!map) return undefined;
  return { ...base, mode: 'key', expect: expectAt(map.keys), present: mapKeys(map.node, ws), flow: false };
}

/** The mapping a new key at the cursor belongs to. */
function mapFromAnchor(ctx: DocContext, a: Anchor): { keys: PathKey[]; node: unknown } | undefined {
  if (a.relation === 'root') return { keys: [], node: ctx.analysis.doc?.contents };
  const loc = locateNode(ctx.analysis.doc, a.offset);
  const last = loc.steps[loc.steps.length - 1];
  if (!last || !loc.onKey) {
    // The anchor line is a bare list item (`- flatten`) we continue as a mapping: `- flatten` + `  name: x`.
    if (a.relation === 'sibling' && last && typeof last.key === 'number') return { keys: keysOf(loc.steps), node: last.node };
    return undefined;
  }
  if (a.relation === 'sibling') return { keys: keysOf(loc.steps.slice(0, -1)), node: last.parent };
  return { keys: keysOf(loc.steps), node: last.node };
}

/** The list a new `- item` at the cursor belongs to. */
function seqFromAnchor(ctx: DocContext, a: Anchor): { keys: PathKey[]; node?: YAMLSeq } | undefined {
  if (a.relation === 'root') return { keys: [], node: isSeq(ctx.analysis.doc?.contents) ? (ctx.analysis.doc!.contents as YAMLSeq) : undefined };
  const loc = locateNode(ctx.analysis.doc, a.offset);
  if (a.relation === 'sibling') {
    // The item step whose node starts at the sibling's content.
    for (let i = loc.steps.length - 1; i >= 0; i--) {
      const s = loc.steps[i];
      if (typeof s.key === 'number' && isSeq(s.parent) && ((s.node as YNode | null)?.range?.[0] ?? -1) <= a.offset) {
        return { keys: keysOf(loc.steps.slice(0, i)), node: s.parent };
      }
    }
    return undefined;
  }
  const last = loc.steps[loc.steps.length - 1];
  if (!last || !loc.onKey) return undefined;
  return { keys: keysOf(loc.steps), node: isSeq(last.node) ? last.node : undefined };
}

/** Fallback for `key: value` lines the tree does not show as keys (broken YAML): the key's path by indentation. */
function keysFromIndentation(ctx: DocContext, lineStart: number, dashCol: number, col: number, dashed: boolean, key: string): PathKey[] | undefined {
  if (dashed) {
    const seq = seqFromAnchor(ctx, findAnchor(ctx.text, lineStart, dashCol, true));
    if (!seq) return undefined;
    const index = seq.node ? seq.node.items.filter((it) => ((it as YNode | null)?.range?.[0] ?? Infinity) < lineStart).length : 0;
    return [...seq.keys, index, key];
  }
  const map = mapFromAnchor(ctx, findAnchor(ctx.text, lineStart, col, false));
  return map ? [...map.keys, key] : undefined;
}
