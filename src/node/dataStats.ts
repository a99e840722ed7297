/**
 * Statistics of a CSV or JSONL file for the checker's data lints (vocabulary size, per-column
 * ranges and class counts, constant and identical columns), from a bounded read of the file's
 * head: checking must stay fast on big data. Results are cached per file version (path, size,
 * modification time), since the language server checks on every edit.
 */
import { parse } from 'csv-parse/sync';
import { statSync } from 'node:fs';
import { readHead } from './dataPaths';
import { splitTokens } from '../core/catalog/steps';
import { TABLE_STATS_MAX_DISTINCT, type ColumnStats, type SampleCount, type TableReadOptions, type TableStats, type TokenOptions } from '../core/catalog/types';

/** How much of a file the lints read. */
export const STATS_READ_BYTES = 4 * 1024 * 1024;

interface Head {
  text: string;
  /** The whole file was read. */
  complete: boolean;
}

/**
 * The file's first `limit` bytes, cut after its last complete line. Opened as `dataPaths.ts`
 * opens data (a regular file, never blocking); one byte more tells whether the file goes on.
 */
function readFirst(path: string, limit: number): Head | undefined {
  try {
    const bytes = readHead(path, path, limit + 1);
    const complete = bytes.length <= limit;
    let text = bytes.subarray(0, limit).toString('utf8').replace(/^\uFEFF/, '');
    if (!complete) text = text.slice(0, text.lastIndexOf('\n') + 1);
    return { text, complete };
  } catch {
    return undefined;
  }
}

type Row = Record<string, unknown>;

interface Rows {
  names: string[];
  rows: Row[];
  complete: boolean;
}

function csvRows(head: Head, options: TableReadOptions): Rows | undefined {
  let records: string[][];
  try {
    records = parse(head.text, { delimiter: options.delimiter || ',', relax_column_count: true, skip_empty_lines: true, trim: true, bom: true });
  } catch {
    return undefined;
  }
  if (!records.length) return undefined;
  const names = options.header === false ? records[0].map((_, i) => `col${i}`) : records[0];
  const body = options.header === false ? records : records.slice(1);
  const rows = body.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] === '' || r[i] === undefined ? null : r[i]])));
  return { names, rows, complete: head.complete };
}

function jsonlRows(head: Head): Rows {
  const names: string[] = [];
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const line of head.text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      continue; // the trainer reports malformed lines with their line number
    }
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) continue;
    for (const k of Object.keys(rec)) {
      if (seen.has(k)) continue;
      seen.add(k);
      names.push(k);
    }
    rows.push(rec as Row);
  }
  return { names, rows, complete: head.complete };
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function columnStats(rows: Row[], name: string): ColumnStats {
  const counts = new Map<string, number>();
  let values = 0;
  let numeric = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const r of rows) {
    const v = r[name];
    if (v === null || v === undefined) continue;
    values++;
    const n = numberOf(v);
    if (n !== undefined) {
      numeric++;
      if (n < min) min = n;
      if (n > max) max = n;
    }
    const key = n !== undefined ? String(n) : typeof v === 'string' ? v : JSON.stringify(v);
    if (counts.size <= TABLE_STATS_MAX_DISTINCT || counts.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out: ColumnStats = { values, numeric, distinct: counts.size };
  if (numeric) Object.assign(out, { min, max });
  if (counts.size <= TABLE_STATS_MAX_DISTINCT) out.counts = Object.fromEntries(counts);
  return out;
}

/** Groups of two or more columns whose values agree in every row (e.g. a label copied under another name). */
function identicalColumns(rows: Row[], names: string[]): string[][] {
  if (!rows.length) return [];
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const key = JSON.stringify(rows.map((r) => numberOf(r[n]) ?? r[n] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/** Memo of one answer per (kind, file version, arguments). */
const cache = new Map<string, unknown>();
const CACHE_LIMIT = 64;

function cached<T>(path: string, args: unknown[], compute: () => T): T | undefined {
  let version: string;
  try {
    const s = statSync(path);
    version = `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
  const key = JSON.stringify([path, version, args]);
  if (cache.has(key)) return cache.get(key) as T;
  const value = compute();
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

function readRows(path: string, format: 'csv' | 'jsonl', options: TableReadOptions, limit: number): Rows | undefined {
  const head = readFirst(path, limit);
  if (!head) return undefined;
  return format === 'csv' ? csvRows(head, options) : jsonlRows(head);
}

/** Row count and per-column statistics of a table file's first `limit` bytes. */
export function tableStats(path: string, format: 'csv' | 'jsonl', options: TableReadOptions = {}, limit = STATS_READ_BYTES): TableStats | undefined {
  return cached(path, ['table', format, options, limit], () => {
    const t = readRows(path, format, options, limit);
    if (!t) return undefined;
    return {
      rows: { count: t.rows.length, complete: t.complete },
      columns: t.names.map((name) => ({ name, stats: columnStats(t.rows, name) })),
      identical: identicalColumns(t.rows, t.names),
    };
  });
}

/** Distinct tokens of a text column, as `tokenize` splits them, in the file's first `limit` bytes. */
export function vocabulary(path: string, format: 'csv' | 'jsonl', field: string, options: TokenOptions & TableReadOptions, limit = STATS_READ_BYTES): SampleCount | undefined {
  return cached(path, ['vocabulary', format, field, options, limit], () => {
    const t = readRows(path, format, options, limit);
    if (!t || !t.names.includes(field)) return undefined;
    const words = new Set<string>();
    for (const r of t.rows) {
      const v = r[field];
      if (typeof v === 'string') for (const w of splitTokens(v, options)) words.add(w);
    }
    return { count: words.size, complete: t.complete };
  });
}
