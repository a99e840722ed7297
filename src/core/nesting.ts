/**
 * A bound on YAML nesting, checked before the text reaches the parser. The `yaml` parser recurses
 * once (several frames) per nesting level; thousands of levels (`x: [[[[…`) run the stack out, and
 * where that happens inside V8's regular-expression compiler the process aborts with no exception
 * to catch. One linear pass over the text finds the first level too deep instead.
 *
 * The count is an estimate that never exceeds the real depth by more than the lines that continue
 * a plain scalar, and never falls below half of it: flow collections (`[`, `{`) count one each;
 * block collections count one per open indentation column plus one per leading `- `, `? ` or `: `.
 */

/** Deeper than this the spec is refused: real specs nest a handful of levels. */
export const MAX_NESTING = 100;

export interface TooDeep {
  /** Offset of the character that opens the level past the bound. */
  offset: number;
  max: number;
}

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || Number.isNaN(c);
}

/** Where a `"` or `'` scalar that starts at `i` ends (just past its closing quote), or the text's end. */
function quotedEnd(text: string, i: number): number {
  const q = text.charCodeAt(i);
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (q === 34 && c === 92) j++; // `\"` inside "…"
    else if (c === q) {
      if (q === 39 && text.charCodeAt(j + 1) === 39) j++; // `''` inside '…'
      else return j + 1;
    }
  }
  return text.length;
}

/** True when the rest of the line from `i` is a block scalar header: `|` or `>`, indicators, a comment. */
function blockScalarHeader(text: string, i: number, lineEnd: number): boolean {
  let j = i + 1;
  while (j < lineEnd && /[-+0-9]/.test(text[j])) j++;
  while (j < lineEnd && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++;
  return j >= lineEnd || text.charCodeAt(j) === 35 || text.charCodeAt(j) === CR;
}

/** The first place `text` nests deeper than `max` levels, or undefined. Linear in the text. */
export function tooDeep(text: string, max = MAX_NESTING): TooDeep | undefined {
  const indents: number[] = [];
  let flow = 0;
  /** Inside a block scalar: lines indented deeper than this column belong to it. */
  let scalarParent = -1;
  let i = 0;
  while (i < text.length) {
    let lineEnd = text.indexOf('\n', i);
    if (lineEnd < 0) lineEnd = text.length;
    let j = i;
    while (text.charCodeAt(j) === SPACE) j++;
    const col = j - i;
    const c0 = text.charCodeAt(j);
    const blank = j >= lineEnd || c0 === CR || c0 === 35 || c0 === TAB;
    if (scalarParent >= 0) {
      if (blank || col > scalarParent) {
        i = lineEnd + 1;
        continue;
      }
      scalarParent = -1;
    }
    if (flow === 0 && !blank) {
      while (indents.length && indents[indents.length - 1] >= col) indents.pop();
      indents.push(col);
      // Compact block collections on one line: `- - x`, `? - x`.
      let depth = indents.length;
      while (j < lineEnd && (text[j] === '-' || text[j] === '?' || text[j] === ':') && isBlank(text.charCodeAt(j + 1))) {
        depth++;
        if (depth > max) return { offset: j, max };
        j++;
        while (text.charCodeAt(j) === SPACE) j++;
      }
      if (depth > max) return { offset: j, max };
    }
    // The rest of the line: quotes, comments, flow brackets.
    for (; j < lineEnd; j++) {
      const c = text.charCodeAt(j);
      const prev = j > i ? text.charCodeAt(j - 1) : SPACE;
      const tokenStart = isBlank(prev) || (flow > 0 && (prev === 91 || prev === 123 || prev === 44 || prev === 58));
      if (c === 35 && isBlank(prev)) break; // a comment
      if ((c === 34 || c === 39) && tokenStart) {
        const end = quotedEnd(text, j);
        if (end > lineEnd) {
          // A quoted scalar over several lines: go on after it, on its last line.
          j = end - 1;
          lineEnd = text.indexOf('\n', end);
          if (lineEnd < 0) lineEnd = text.length;
        } else j = end - 1;
        continue;
      }
      if ((c === 91 || c === 123) && (flow > 0 || tokenStart)) {
        flow++;
        if (indents.length + flow > max) return { offset: j, max };
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
      else if ((c === 124 || c === 62) && flow === 0 && tokenStart && blockScalarHeader(text, j, lineEnd)) {
        scalarParent = indents.length ? indents[indents.length - 1] : 0;
        break;
      }
    }
    i = lineEnd + 1;
  }
  return undefined;
}
