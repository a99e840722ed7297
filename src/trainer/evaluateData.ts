/**
 * `modelyaml evaluate --data`: the labelled samples of a file or folder given on the command line,
 * read in the forms a `data.source` reads (a CSV with a header row, JSON Lines, or an image folder
 * with a subfolder per class) and put through the run's fitted preprocessing exactly as in
 * training.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Preprocessing } from '../core/protocol/preprocessing';
import { csvOptions } from '../node/csv';
import { applyFitted, type RawRecord } from './data/fitted';
import { maxRecordBytes } from './data/readers';
import { decodeImage } from './data/sources';
import type { Data } from './data/table';
import { fail } from './util';

/** Images decoded at a time: their RGBA bytes are dropped once the chunk is transformed. */
const IMAGE_CHUNK = 256;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Labelled records from a CSV (header row) or JSON Lines file, with where each came from. */
function readRecords(file: string): { records: RawRecord[]; origin: (i: number) => string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail('evaluate/data-unreadable', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { file });
  }
  if (/\.jsonl$/i.test(file)) {
    const lines = text.split('\n').map((l, i) => ({ l: l.trim(), line: i + 1 })).filter((x) => x.l);
    const records = lines.map(({ l, line }) => {
      try {
        const v = JSON.parse(l) as unknown;
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as RawRecord;
      } catch {
        /* reported below */
      }
      return fail('evaluate/data-format', `${file}:${line}: not a JSON object.`, { file, row: line });
    });
    return { records, origin: (i) => `${file}:${lines[i].line}` };
  }
  if (/\.csv$/i.test(file)) {
    try {
      return { records: parseCsv(text, { ...csvOptions(',', maxRecordBytes()), info: false, columns: true }) as RawRecord[], origin: (i) => `${file}:${i + 2}` };
    } catch (e) {
      return fail('evaluate/data-format', `${file}: ${(e as Error).message}`, { file });
    }
  }
  return fail('evaluate/data-format', `--data reads a CSV file (.csv, with a header row) or JSON Lines (.jsonl), with the feature and label columns the run was trained on, or a folder of images for an image model; ${file} is neither.`, { file });
}

/** The images of a folder with one subfolder per class (as an `images` source reads it), each with its class name. */
function imageFiles(dir: string, pre: Preprocessing): { file: string; label: string }[] {
  if (pre.input.kind !== 'image') {
    fail('evaluate/data-format', `${dir} is a folder, but the run was trained on ${pre.input.source} data: --data reads a folder of images only for an image model. Give a CSV or JSON Lines file.`, { file: dir });
  }
  const classes = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (!classes.length) fail('evaluate/data-format', `${dir} has no subfolders: put the images of each class in a folder named after it (${(pre.labels.names ?? []).slice(0, 8).join(', ')}), as the run's images source was.`, { file: dir });
  const files = classes.flatMap((c) =>
    readdirSync(join(dir, c)).sort().filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).map((f) => ({ file: join(dir, c, f), label: c })),
  );
  if (!files.length) fail('evaluate/data-empty', `${dir} holds no PNG or JPEG images in its class subfolders.`, { file: dir });
  return files;
}

/** An image folder through the fitted preprocessing, a chunk of decoded images at a time. */
async function imageFolderPart(dir: string, pre: Preprocessing): Promise<Data> {
  const files = imageFiles(dir, pre);
  const origin = (i: number) => files[i].file;
  const parts: { x: Float32Array; y: Float32Array }[] = [];
  let shape: number[] = [];
  let yShape: number[] = [];
  for (let from = 0; from < files.length; from += IMAGE_CHUNK) {
    const chunk = files.slice(from, from + IMAGE_CHUNK);
    const records = chunk.map(({ file, label }): RawRecord => ({ image: decodeImage(file), [pre.input.label ?? 'label']: label }));
    const a = await applyFitted(pre, records, { labels: true, origin: (i) => origin(from + i) });
    parts.push({ x: a.x, y: a.y! });
    shape = a.shape;
    yShape = a.yShape!;
  }
  const join32 = (arrays: Float32Array[]) => {
    const out = new Float32Array(arrays.reduce((a, v) => a + v.length, 0));
    arrays.reduce((at, v) => (out.set(v, at), at + v.length), 0);
    return out;
  };
  return { n: files.length, shape, x: join32(parts.map((p) => p.x)), y: join32(parts.map((p) => p.y)), yShape, origin };
}

/**
 * The samples of a --data file or image folder, through the run's fitted preprocessing. Anything
 * but a regular file or a folder (a FIFO, a device) is refused before it is opened: reading a pipe
 * nobody writes would block forever.
 */
export async function dataFilePart(path: string, pre: Preprocessing): Promise<Data> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return fail('evaluate/data-unreadable', `Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { file: path });
  }
  if (st.isDirectory()) return imageFolderPart(path, pre);
  if (!st.isFile()) fail('evaluate/data-unreadable', `${path} is not a regular file (a pipe, device or socket): --data reads a CSV or JSON Lines file, or a folder of images.`, { file: path });
  const { records, origin } = readRecords(path);
  if (!records.length) fail('evaluate/data-empty', `${path} holds no records to evaluate.`, { file: path });
  const a = await applyFitted(pre, records, { labels: true, origin });
  return { n: a.n, shape: a.shape, x: a.x, y: a.y!, yShape: a.yShape!, origin };
}
