/** Document symbols (the outline), folding ranges and selection ranges. */
import {
  FoldingRangeKind,
  SymbolKind,
  type DocumentSymbol,
  type FoldingRange,
  type Position,
  type SelectionRange,
  type SymbolInformation,
} from 'vscode-languageserver-types';
import { isMap, isScalar, isSeq, type Node as YNode, type Pair } from 'yaml';
import { lookup } from '../../src/core/catalog';
import type { Range } from '../../src/core/diagnostics';
import { scalarKey } from '../../src/core/locate';
import { formatShape } from '../../src/core/shape';
import type { DocContext } from './document';
import { paramCount } from './markdown';
import { expectAt, nameCategory, scalarExpect, step, type Expect } from './schema';

// ------------------------------------------------------------------------------------------------
// Symbols

const MAX_SYMBOL_DEPTH = 4;

function itemName(node: unknown): { name: string; range: Range } | undefined {
  if (isScalar(node) && node.range) return { name: String(node.value ?? ''), range: { start: node.range[0], end: node.range[1] } };
  if (isMap(node)) {
    for (const p of node.items) {
      const k = scalarKey(p.key);
      const r = (p.key as YNode | null)?.range;
      if (k && r && k !== 'name' && k !== 'inputs') return { name: k, range: { start: r[0], end: r[1] } };
    }
  }
  return undefined;
}

function kindOf(e: Expect): SymbolKind {
  switch (e.kind) {
    case 'object':
      return SymbolKind.Module;
    case 'layers':
    case 'items':
      return SymbolKind.Array;
    case 'layer':
      return SymbolKind.Class;
    case 'item':
      return e.category === 'source' ? SymbolKind.Module : SymbolKind.Function;
    case 'input':
    case 'shape':
      return SymbolKind.Array;
    case 'value':
      return e.type.kind === 'int' || e.type.kind === 'float' ? SymbolKind.Number : e.type.kind === 'bool' ? SymbolKind.Boolean : SymbolKind.String;
    default:
      return SymbolKind.Property;
  }
}

function valueDetail(ctx: DocContext, node: unknown): string | undefined {
  if (isScalar(node)) return node.value === null || node.value === undefined ? undefined : String(node.value);
  if (isSeq(node) && node.flow && node.range) {
    const s = ctx.text.slice(node.range[0], node.range[1]);
    return s.length <= 60 && !s.includes('\n') ? s : `${node.items.length} items`;
  }
  return undefined;
}

export function getDocumentSymbols(ctx: DocContext): DocumentSymbol[] {
  const root = ctx.analysis.doc?.contents;
  if (!isMap(root)) return [];
  const sym = (name: string, detail: string | undefined, kind: SymbolKind, range: Range, sel: Range, children?: DocumentSymbol[]): DocumentSymbol => {
    const r = ctx.range(range);
    let s = ctx.range(sel);
    // The selection range must lie inside the range.
    if (sel.start < range.start || sel.end > range.end) s = r;
    return { name: name || '—', detail, kind, range: r, selectionRange: s, children };
  };

  const layerSymbol = (item: unknown, index: number): DocumentSymbol | undefined => {
    const r = (item as YNode | null)?.range;
    const n = itemName(item);
    if (!r || !n) return undefined;
    const layer = ctx.layer(index);
    const info = ctx.layerInfo(index);
    const name = layer?.name ? `${layer.name.value} (${n.name})` : n.name;
    const detail = info?.outputShape ? `${formatShape(info.outputShape)}${info.params !== null ? ` · ${paramCount(info.params)}` : ''}` : undefined;
    return sym(name, detail, SymbolKind.Class, { start: r[0], end: r[1] }, n.range);
  };

  const children = (node: unknown, e: Expect, depth: number): DocumentSymbol[] | undefined => {
    if (depth > MAX_SYMBOL_DEPTH) return undefined;
    const out: DocumentSymbol[] = [];
    if (isMap(node)) {
      if (e.kind === 'params' || e.kind === 'item') return undefined; // an item's parameters stay out of the outline
      for (const p of node.items as Pair[]) {
        const key = scalarKey(p.key);
        const kr = (p.key as YNode | null)?.range;
        if (!key || !kr) continue;
        const v = p.value as YNode | null;
        const ce = step(e, key);
        const end = v?.range?.[1] ?? kr[1];
        let detail = valueDetail(ctx, v);
        const cat = nameCategory(ce);
        if (cat && isMap(v)) detail = itemName(v)?.name;
        if (ce.kind === 'object' && key === 'model' && e.kind === 'object' && e.path === '' && ctx.analysis.model?.totalParams != null) {
          detail = paramCount(ctx.analysis.model.totalParams);
        }
        const kind = ce.kind === 'unknown' ? SymbolKind.Key : kindOf(ce);
        out.push(sym(key, detail, kind, { start: kr[0], end }, { start: kr[0], end: kr[1] }, isMap(v) || isSeq(v) ? children(v, ce, depth + 1) : undefined));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const ie = step(e, i);
        if (ie.kind === 'layer') {
          const s = layerSymbol(item, i);
          if (s) out.push(s);
          return;
        }
        const r = (item as YNode | null)?.range;
        if (!r) return;
        const cat = nameCategory(scalarExpect(ie));
        const n = cat ? itemName(item) : undefined;
        if (n) {
          const entry = lookup(cat!, n.name);
          out.push(sym(n.name, entry?.summary, cat === 'source' ? SymbolKind.Module : SymbolKind.Function, { start: r[0], end: r[1] }, n.range));
        }
      });
    }
    return out.length ? out : undefined;
  };
  return children(root, expectAt([]), 0) ?? [];
}

export function toSymbolInformation(uri: string, symbols: DocumentSymbol[]): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  const flat = (list: DocumentSymbol[], container?: string) => {
    for (const s of list) {
      out.push({ name: s.name, kind: s.kind, location: { uri, range: s.range }, containerName: container });
      if (s.children) flat(s.children, s.name);
    }
  };
  flat(symbols);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Folding

export function getFoldingRanges(ctx: DocContext, rangeLimit = 5000): FoldingRange[] {
  const out: FoldingRange[] = [];
  const endLine = (end: number, startLine: number) => {
    const p = ctx.position(end);
    return p.character === 0 && p.line > startLine ? p.line - 1 : p.line;
  };
  const add = (start: number, end: number) => {
    const s = ctx.position(start).line;
    const e = endLine(end, s);
    if (e > s) out.push({ startLine: s, endLine: e });
  };
  const visit = (node: unknown, depth: number) => {
    if (depth > 64 || out.length > rangeLimit * 2) return;
    if (isMap(node)) {
      for (const p of node.items) {
        const k = (p.key as YNode | null)?.range;
        const v = p.value as YNode | null;
        if (k && v?.range && (isMap(v) || isSeq(v))) add(k[0], v.range[1]);
        visit(v, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        const r = (item as YNode | null)?.range;
        if (r && (isMap(item) || isSeq(item))) add(r[0], r[1]);
        visit(item, depth + 1);
      }
    }
  };
  visit(ctx.analysis.doc?.contents, 0);

  // Runs of two or more comment lines.
  const lines = ctx.text.split('\n');
  let runStart = -1;
  for (let i = 0; i <= lines.length; i++) {
    const isComment = i < lines.length && /^\s*#/.test(lines[i]);
    if (isComment && runStart < 0) runStart = i;
    if (!isComment && runStart >= 0) {
      if (i - 1 > runStart) out.push({ startLine: runStart, endLine: i - 1, kind: FoldingRangeKind.Comment });
      runStart = -1;
    }
  }
  out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  // One range per start line (clients keep the first).
  const unique: FoldingRange[] = [];
  for (const r of out) if (!unique.length || unique[unique.length - 1].startLine !== r.startLine) unique.push(r);
  return unique.slice(0, Math.max(0, rangeLimit));
}

// ------------------------------------------------------------------------------------------------
// Selection ranges

export function getSelectionRanges(ctx: DocContext, positions: Position[]): SelectionRange[] {
  const whole: Range = { start: 0, end: ctx.text.length };
  return positions.map((pos) => {
    const offset = ctx.offset(pos);
    const loc = ctx.locate(offset);
    const chain: Range[] = [];
    const push = (r: readonly number[] | undefined | null) => {
      if (r) chain.push({ start: r[0], end: r[1] });
    };
    if (loc.inNode && loc.node && isScalar(loc.node)) push(loc.node.range);
    for (let i = loc.steps.length - 1; i >= 0; i--) {
      const s = loc.steps[i];
      if (!(i === loc.steps.length - 1 && loc.onKey)) push(s.node?.range);
      const kr = (s.keyNode as YNode | null | undefined)?.range;
      if (kr) chain.push({ start: kr[0], end: s.node?.range?.[1] ?? kr[1] });
      push(s.parent.range);
    }
    if (!loc.steps.length) push((ctx.analysis.doc?.contents as YNode | null | undefined)?.range);
    chain.push(whole);
    // Keep a strictly growing chain that contains the position.
    const ordered: Range[] = [];
    for (const r of chain) {
      if (r.start > offset || r.end < offset) continue;
      const last = ordered[ordered.length - 1];
      if (last && (r.start > last.start || r.end < last.end || (r.start === last.start && r.end === last.end))) continue;
      ordered.push(r);
    }
    if (!ordered.length) ordered.push({ start: offset, end: offset });
    let sel: SelectionRange | undefined;
    for (let i = ordered.length - 1; i >= 0; i--) sel = { range: ctx.range(ordered[i]), parent: sel };
    return sel!;
  });
}
