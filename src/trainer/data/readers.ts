/**
 * How the trainer opens and reads data files: only regular files inside the spec's workspace
 * (`node/dataPaths.ts`, the rule the checker uses), opened without blocking, and read in bounded
 * pieces — a row (CSV record, JSON line) longer than `maxRecordBytes()` fails with the file and
 * line instead of exhausting V8's string limit.
 */
import { closeSync, createReadStream, fstatSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parse, type CsvError, type Info } from 'csv-parse';
import { fileExcerpt } from '../../core/catalog/sources';
import { csvOptions } from '../../node/csv';
import { dataRoots, inspectDataPath, openRegularFile, readStart } from '../../node/dataPaths';
import { fail, formatBytes } from '../util';
import { env } from '../../node/config';

/** Where a spec's data may come from: its folder, and the folders that bound its workspace. */
export interface DataPlace {
  specDir: string;
  /** From `dataRoots`; default: the roots for the working folder. */
  roots?: string[];
  /** Files read, for the data fingerprint. */
  files: string[];
}

/** The longest row (CSV record or JSON line) the trainer reads; MODELYAML_MAX_RECORD_BYTES lowers it (tests). */
export function maxRecordBytes(): number {
  return Math.floor(env.maxRecordBytes() ?? 64 * 1024 * 1024);
}

function tooLong(file: string, line: number): never {
  return fail(
    'data/row-too-long',
    `${file}:${line}: this row is longer than ${formatBytes(maxRecordBytes())}, the most the trainer reads as one row. Is the file in the format the source says (a line break per row, quotes closed)?`,
    { file, row: line },
  );
}

/**
 * Resolves a data path of the spec and checks it like the checker does; fails with a user error
 * (missing, outside the workspace, a folder or FIFO where a file belongs). Returns the real path.
 */
export function dataPath(place: DataPlace, p: unknown, param: string, expect: 'file' | 'folder' = 'file'): string {
  if (typeof p !== 'string') return fail('data/missing-param', `The source needs \`${param}\`.`);
  const abs = isAbsolute(p) ? p : resolve(place.specDir, p);
  const answer = inspectDataPath(abs, p, place.roots ?? dataRoots(place.specDir, [process.cwd()]), expect);
  if ('missing' in answer) return fail('data/missing-file', `${expect === 'folder' ? 'Folder' : 'File'} \`${p}\` not found (looked for ${abs}).`, { file: abs });
  if ('problem' in answer) return fail(answer.problem.code, answer.problem.message, { file: abs });
  place.files.push(answer.real);
  return answer.real;
}

/** A file inside an `images` folder, checked like a data path (a symlink out, a FIFO). */
export function dataFileIn(place: DataPlace, file: string): string {
  return dataPath({ ...place, files: [] }, file, 'path');
}

/** Opens a regular file without blocking; refusals become user errors. */
export function openData(file: string): number {
  try {
    return openRegularFile(file, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('data/')) return fail(code, (e as Error).message, { file });
    return fail('data/unreadable', `\`${file}\` cannot be read (${code || (e as Error).message}).`, { file });
  }
}

/** The whole of a regular data file, refused past `maxBytes` (checked on the open file). */
export function readDataFile(file: string, maxBytes: number, onTooLarge: (bytes: number) => void): Buffer {
  const fd = openData(file);
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) onTooLarge(size);
    return readStart(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** The records of a CSV file (or of `stream`, named `file` in messages) with the line each starts on; quoted fields may span lines. */
export async function* csvRecords(file: string, delimiter: string, stream?: Readable): AsyncGenerator<[string[], number]> {
  const input = stream ?? createReadStream('', { fd: openData(file) });
  const parser = parse(csvOptions(delimiter, maxRecordBytes()));
  input.on('error', (e: Error) => parser.destroy(e));
  input.pipe(parser);
  let linesBefore = 0;
  let emptyBefore = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      // csv-parse counts lines up to the record's end; skipped empty lines come before its start.
      const start = linesBefore + 1 + (info.empty_lines - emptyBefore);
      linesBefore = info.lines;
      emptyBefore = info.empty_lines;
      yield [record, start];
    }
  } catch (e) {
    const err = e as CsvError & Partial<Info>;
    if (typeof err.code !== 'string' || !err.code.startsWith('CSV_')) throw e;
    // The parser may be records ahead of this loop: its own line count says where it stopped.
    const line = err.lines ?? linesBefore + 1;
    if (err.code === 'CSV_MAX_RECORD_SIZE') tooLong(file, line);
    fail('data/csv-syntax', `${file}:${line}: ${fileExcerpt(err.message, 200)}`, { file, row: line });
  } finally {
    input.destroy();
  }
}

/** The lines of a text file (or of `stream`) without the line break (a BOM dropped), each at most `maxRecordBytes()`. */
export async function* jsonLines(file: string, stream?: Readable): AsyncGenerator<[string, number]> {
  const max = maxRecordBytes();
  const input = stream ?? createReadStream('', { fd: openData(file) });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let no = 0;
  const take = (last: Buffer): string => {
    const bytes = pending.length ? Buffer.concat([...pending, last]) : last;
    pending = [];
    pendingBytes = 0;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return ++no === 1 ? text.replace(/^\uFEFF/, '') : text;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let from = 0;
      for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
        if (pendingBytes + nl - from > max) tooLong(file, no + 1);
        const line = take(chunk.subarray(from, nl));
        from = nl + 1;
        yield [line, no];
      }
      if (from < chunk.length) {
        pending.push(chunk.subarray(from));
        pendingBytes += chunk.length - from;
        if (pendingBytes > max) tooLong(file, no + 1);
      }
    }
    if (pendingBytes > 0) yield [take(Buffer.alloc(0)), no];
  } finally {
    input.destroy();
  }
}
