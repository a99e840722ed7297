/**
 * CSV reading shared by the checker's host (the header row) and the trainer (every row, as a
 * stream): `csv-parse` with one set of options, so both read a file the same way — quoted
 * fields may hold the delimiter, quotes ("") and newlines, and whitespace is trimmed only
 * outside quotes.
 */
import type { Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';

/** The `delimiter` parameter as a character: `"\t"` written as backslash-t in YAML means tab. */
export function csvDelimiter(value: unknown): string {
  return typeof value === 'string' && value.length > 0 ? value.replace('\\t', '\t') : ',';
}

/** csv-parse's options for a data file; `maxRecordBytes` bounds one record (a row). */
export function csvOptions(delimiter: string, maxRecordBytes: number): Options {
  return {
    delimiter,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    // Row lengths are checked by the reader, which names the header's count in its message.
    relax_column_count: true,
    // A stray quote inside an unquoted field (`5'10"`) is kept as text.
    relax_quotes: true,
    max_record_size: maxRecordBytes,
    info: true,
  };
}

/**
 * The first record of `head` (the first bytes of a file; `complete` when it is the whole file),
 * or undefined when it is not whole within them or the text is not CSV.
 */
export function firstCsvRecord(head: string, delimiter: string, complete: boolean): string[] | undefined {
  let text = head;
  if (!complete) {
    // The last line may be cut: drop it, and the header with it if it is all there is.
    const end = text.lastIndexOf('\n');
    if (end < 0) return undefined;
    text = text.slice(0, end + 1);
  }
  try {
    const rows = parse(text, { ...csvOptions(delimiter, text.length + 1), info: false, to: 1 }) as string[][];
    return rows[0];
  } catch {
    return undefined;
  }
}
