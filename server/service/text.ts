/** Small text helpers over a spec's source: lines, words, comments, quotes. */
import type { Range } from '../../src/core/diagnostics';

export const WORD = /[A-Za-z0-9_.-]/;

export { lineEndAt, lineStartAt } from '../../src/core/edit';

/** The word (name characters) around `offset`. */
export function wordAt(text: string, offset: number): Range {
  let s = offset;
  while (s > 0 && WORD.test(text[s - 1])) s--;
  let e = offset;
  while (e < text.length && WORD.test(text[e])) e++;
  return { start: s, end: e };
}

/** Offset of a `#` comment on the line `[lineStart, lineEnd)`, honouring quotes; -1 when none. */
export function commentStart(text: string, lineStart: number, lineEnd: number): number {
  let quote = '';
  for (let i = lineStart; i < lineEnd; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = '';
      } else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || c === "'") {
      // A quote opens a quoted scalar only at the start of a token.
      const prev = i > lineStart ? text[i - 1] : ' ';
      if (/[\s:,[{-]/.test(prev)) quote = c;
    } else if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]))) return i;
  }
  return -1;
}

/** End of the line's content: before a trailing comment and trailing spaces. */
export function contentEnd(text: string, lineStart: number, lineEnd: number): number {
  const c = commentStart(text, lineStart, lineEnd);
  let e = c < 0 ? lineEnd : c;
  while (e > lineStart && /\s/.test(text[e - 1])) e--;
  return e;
}

/** A scalar's range without its quotes. */
export function unquoted(text: string, r: Range): Range {
  const c = text[r.start];
  if ((c === '"' || c === "'") && r.end - r.start >= 2 && text[r.end - 1] === c) return { start: r.start + 1, end: r.end - 1 };
  return r;
}

export function overlaps(a: Range, b: Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}
