/**
 * File answers for the core's checks (`DataHost`) from the real file system, relative to the
 * spec's folder. Reads only the first bytes of a data file: checking must stay fast on big data.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { DataHost } from '../core/catalog/types';
import { tableStats, vocabulary } from './dataStats';

const HEAD_BYTES = 64 * 1024;

function firstLine(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
    const end = text.search(/\r?\n/);
    return end < 0 ? text : text.slice(0, end);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Splits one CSV line, honouring double quotes. */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

export function fileDataHost(specDir: string): DataHost {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(specDir, p));
  return {
    exists: (p) => existsSync(abs(p)),
    vocabulary: (p, format, field, options) => vocabulary(abs(p), format, field, options),
    tableStats: (p, format, options) => tableStats(abs(p), format, options),
    columns(p, format) {
      const line = firstLine(abs(p));
      if (line === undefined) return undefined;
      if (format === 'csv') return splitCsvLine(line);
      try {
        const rec = JSON.parse(line);
        return rec && typeof rec === 'object' && !Array.isArray(rec) ? Object.keys(rec) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
