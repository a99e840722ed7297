/**
 * Reads GFM tables out of Markdown the way GitHub's cmark-gfm (and `marked`, which VS Code's
 * hovers use) does, so tests check what a reader sees rather than the string we wrote:
 *  - a row is split at every pipe that is not backslash-escaped, where a backslash escapes the one
 *    character after it (so `\\|` is an escaped backslash, then a cell separator);
 *  - in each cell `\|` then becomes `|` (also inside code spans), before inline parsing;
 *  - inline: a code span shows its content literally; elsewhere `\` + ASCII punctuation shows the
 *    punctuation, and `*`/`_` emphasis markers are not text.
 */

/** Splits one table row into its cells' raw Markdown (cmark-gfm's scan_table_cell). */
export function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === '|') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') cells.push(cur); // no trailing pipe
  return cells.map((x) => x.trim().replace(/\\\|/g, '|'));
}

/** The text a cell's inline Markdown shows. */
export function inlineText(md: string): string {
  let out = '';
  for (let i = 0; i < md.length; i++) {
    const c = md[i];
    if (c === '`') {
      let n = 1;
      while (md[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      const end = md.indexOf(fence, i + n);
      if (end >= 0) {
        out += md.slice(i + n, end).replace(/^ (.*) $/, '$1');
        i = end + n - 1;
        continue;
      }
      out += fence;
      i += n - 1;
    } else if (c === '\\' && /[!-/:-@[-`{-~]/.test(md[i + 1] ?? '')) {
      out += md[i + 1];
      i++;
    } else if (c !== '*' && c !== '_') out += c;
  }
  return out.trim();
}

export interface MarkdownTable {
  header: string[];
  rows: string[][];
}

const DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Every table in a Markdown text: header and body rows as shown text. */
export function markdownTables(md: string): MarkdownTable[] {
  const lines = md.split('\n');
  const tables: MarkdownTable[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].includes('|') || !DELIMITER.test(lines[i + 1])) continue;
    const header = splitRow(lines[i]).map(inlineText);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j].trim() !== '' && lines[j].includes('|'); j++) rows.push(splitRow(lines[j]).map(inlineText));
    tables.push({ header, rows });
    i = j;
  }
  return tables;
}
