/**
 * Document and range formatting through the `yaml` library's document API: the text is parsed to
 * a Document (which keeps comments, blank lines, flow/block style, quoting, anchors) and printed
 * again with the file's own indentation. A document with YAML errors is not formatted: printing a
 * half-understood tree could lose what the user typed.
 *
 * What the printer would change beyond layout is put back: the spacing inside flow collections
 * follows the file (`{ a: 1 }` with `[1, 2]` is common), and trailing comments that the file had
 * aligned stay at their column. Lines are never folded.
 */
import type { FormattingOptions, Range as LspRange, TextEdit } from 'vscode-languageserver-types';
import { isCollection, isSeq, parseDocument, visit, type Document } from 'yaml';
import type { DocContext } from './document';
import { commentStart, lineEndAt, lineStartAt } from './text';

interface Layout {
  indent: number;
  indentSeq: boolean;
  /** `{ a: 1 }` rather than `{a: 1}`. */
  mapPadding: boolean;
  /** `[ 1, 2 ]` rather than `[1, 2]`. */
  seqPadding: boolean;
}

/** The most frequent value of a tally; `fallback` when it is empty or tied with the fallback. */
function mostFrequent<T>(tally: Map<T, number>, fallback: T): T {
  let best = fallback;
  let most = tally.get(fallback) ?? 0;
  for (const [value, n] of tally) if (n > most) [best, most] = [value, n];
  return best;
}

const add = <T>(tally: Map<T, number>, v: T) => tally.set(v, (tally.get(v) ?? 0) + 1);

/** The file's own layout: how far nested blocks are indented, whether `- ` items are indented under their key. */
export function detectLayout(text: string, tabSize: number): Layout {
  const lines = text.split(/\r?\n/);
  const steps = new Map<number, number>();
  const seqSteps = new Map<boolean, number>();
  const isContent = (l: string) => l.trim() !== '' && !l.trimStart().startsWith('#');
  for (let i = 0; i < lines.length; i++) {
    // A key that opens a block (`layers:`, `- dense:`), and the first content line under it.
    const m = /^((?:[ ]*-[ ]+)*[ ]*)[^\s#-][^#]*:[ ]*(#.*)?$/.exec(lines[i]);
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && !isContent(lines[j])) j++;
    if (j >= lines.length) break;
    const keyCol = m[1].length;
    const next = /^[ ]*/.exec(lines[j])![0].length;
    const step = next - keyCol;
    if (/^[ ]*-(\s|$)/.test(lines[j])) {
      add(seqSteps, step > 0);
      if (step > 0) add(steps, step);
    } else if (step > 0) add(steps, step);
  }
  // Padded or tight, by how the file's flow collections open (empty ones say nothing).
  const flow = (open: string, close: string) => {
    const padded = text.match(new RegExp(`\\${open} +[^\\s\\${close}]`, 'g'))?.length ?? 0;
    const tight = text.match(new RegExp(`\\${open}[^\\s\\${close}]`, 'g'))?.length ?? 0;
    return padded >= tight;
  };
  const fallback = Math.min(8, Math.max(1, Math.round(tabSize) || 2));
  return { indent: Math.min(8, mostFrequent(steps, fallback)), indentSeq: mostFrequent(seqSteps, true), mapPadding: flow('{', '}'), seqPadding: flow('[', ']') };
}

/** Prints flow maps and flow sequences each with the file's own padding (the printer has one setting for both). */
function padFlowCollections(doc: Document, layout: Layout): void {
  visit(doc, (_key, node) => {
    if (!isCollection(node) || !node.flow) return;
    const padding = isSeq(node) ? layout.seqPadding : layout.mapPadding;
    // The printer reads the padding from its context (`' '` or `''`) for each collection it prints.
    const print = node.toString.bind(node) as (ctx?: object, ...rest: unknown[]) => string;
    node.toString = ((ctx?: object, ...rest: unknown[]) => (ctx ? print({ ...ctx, flowCollectionPadding: padding ? ' ' : '' }, ...rest) : print())) as typeof node.toString;
  });
}

interface TrailingComment {
  text: string;
  column: number;
  /** Offset of the `#`. */
  at: number;
}

function trailingComments(text: string): TrailingComment[] {
  const out: TrailingComment[] = [];
  for (let ls = 0; ls <= text.length; ) {
    const le = lineEndAt(text, ls);
    const c = commentStart(text, ls, le);
    if (c > ls && text.slice(ls, c).trim() !== '') out.push({ text: text.slice(c, le), column: c - ls, at: c });
    const nl = text.indexOf('\n', le);
    if (nl < 0) break;
    ls = nl + 1;
  }
  return out;
}

/** Puts trailing comments the user had aligned (more than one space before them) back at their column. */
function keepCommentColumns(original: string, printed: string): string {
  const before = trailingComments(original);
  const after = trailingComments(printed);
  if (before.length !== after.length || before.some((c, i) => c.text !== after[i].text)) return printed;
  let out = '';
  let from = 0;
  for (const [i, c] of after.entries()) {
    const want = before[i].column;
    const gapBefore = original.slice(lineStartAt(original, before[i].at), before[i].at).match(/\s*$/)![0].length;
    if (gapBefore <= 1 || want <= c.column) continue;
    out += printed.slice(from, c.at) + ' '.repeat(want - c.column);
    from = c.at;
  }
  return out + printed.slice(from);
}

/** The whole text formatted, or undefined when it has YAML errors (or cannot be printed). */
export function formatText(text: string, options: Pick<FormattingOptions, 'tabSize'>): string | undefined {
  if (text.trim() === '') return text;
  const doc = parseDocument(text);
  if (doc.errors.length) return undefined;
  if (doc.contents === null) return text; // comments only: nothing to lay out
  const layout = detectLayout(text, options.tabSize);
  padFlowCollections(doc, layout);
  let printed: string;
  try {
    printed = doc.toString({ indent: layout.indent, indentSeq: layout.indentSeq, lineWidth: 0, flowCollectionPadding: layout.mapPadding });
  } catch {
    return undefined;
  }
  printed = keepCommentColumns(text, printed);
  return text.includes('\r\n') ? printed.replace(/\r?\n/g, '\r\n') : printed;
}

/** One edit turning `from` into `to`: the part between their common prefix and suffix. */
function minimalEdit(ctx: DocContext, from: string, to: string, offset = 0): TextEdit[] {
  if (from === to) return [];
  let s = 0;
  while (s < from.length && s < to.length && from[s] === to[s]) s++;
  let e = 0;
  while (e < from.length - s && e < to.length - s && from[from.length - 1 - e] === to[to.length - 1 - e]) e++;
  return [{ range: { start: ctx.position(offset + s), end: ctx.position(offset + from.length - e) }, newText: to.slice(s, to.length - e) }];
}

export function formatDocument(ctx: DocContext, options: FormattingOptions): TextEdit[] {
  const formatted = formatText(ctx.text, options);
  return formatted === undefined ? [] : minimalEdit(ctx, ctx.text, formatted);
}

/** Offsets where each top-level key's line starts: the sections a range is formatted by. */
function sectionStarts(text: string): number[] | undefined {
  const doc = parseDocument(text);
  const contents = doc.contents;
  if (doc.errors.length || !isCollection(contents)) return undefined;
  const starts: number[] = [];
  for (const item of contents.items) {
    const node = (item as { key?: { range?: [number, number] } }).key ?? (item as { range?: [number, number] });
    if (!node?.range) return undefined;
    starts.push(lineStartAt(text, node.range[0]));
  }
  return starts;
}

/**
 * Range formatting formats the top-level sections (`data`, `model`, `train`, …) the range
 * touches, each as a whole: a section's layout depends on all of its lines.
 */
export function formatRange(ctx: DocContext, range: LspRange, options: FormattingOptions): TextEdit[] {
  const text = ctx.text;
  const formatted = formatText(text, options);
  if (formatted === undefined) return [];
  const a = sectionStarts(text);
  const b = sectionStarts(formatted);
  if (!a || !b || a.length !== b.length) return [];
  const from = ctx.offset(range.start);
  const to = ctx.offset(range.end);
  const bounds = (starts: number[], length: number, i: number) => [i < 0 ? 0 : starts[i], i + 1 < starts.length ? starts[i + 1] : length];
  const edits: TextEdit[] = [];
  // Section -1 is what comes before the first key (comments, directives).
  for (let i = -1; i < a.length; i++) {
    const [s, e] = bounds(a, text.length, i);
    if (e < from || s > to || (e === from && e !== s)) continue;
    const [fs, fe] = bounds(b, formatted.length, i);
    edits.push(...minimalEdit(ctx, text.slice(s, e), formatted.slice(fs, fe), s));
  }
  return edits;
}
