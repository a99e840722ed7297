/**
 * `modelyaml predict`, inside the trainer process: loads a run (./inference.ts), reads raw inputs
 * as a stream — CSV rows, JSON Lines records, text lines, or PNG/JPEG files — and answers them in
 * batches of `batchSize`, one `predictions` event a batch. Memory stays bounded on any input size:
 * a batch is read, predicted and sent, and at most `WINDOW` batches wait for the parent (it sends
 * `continue` once it has written one out). A bad input stops the run with an error naming its file,
 * row and column (`onError: fail`), or is reported in the batch's `skipped` and passed over.
 */
import { createReadStream, readdirSync, statSync, type Stats } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { InputOrigin, PredictionRow, PredictionsEvent, PredictRunOptions, PredictingEvent, PredictedEvent } from '../core/protocol/trainer';
import { csvRecords, jsonLines, openData } from './data/readers';
import { decodeImage } from './data/sources';
import { loadRunModel, type RawRecord, type RunModel } from './inference';
import { fail, TrainerError } from './util';

type Log = (level: 'debug' | 'info' | 'warning', message: string) => void;
type Sent = Omit<PredictingEvent, 'time'> | Omit<PredictionsEvent, 'time'> | Omit<PredictedEvent, 'time'>;

export interface PredictChannel {
  emit(e: Sent): void;
  /** Resolves when the parent has room for another batch. */
  room(): Promise<void>;
  /** What `-` reads. */
  stdin: Readable;
  /** True once the parent has gone or asked to stop: the next batch is not read. */
  cancelled(): boolean;
  log: Log;
}

/** One raw input: its record, or why it has none (an unreadable image, a line that is not JSON). */
interface Item {
  origin: InputOrigin;
  record?: RawRecord;
  error?: { code: string; message: string };
}

type Format = 'csv' | 'jsonl' | 'text' | 'images';

const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg']);
const STDIN = '-';

/** The images of a folder and its subfolders, in name order. */
function imageFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) out.push(...imageFiles(join(dir, e.name)));
    else if (IMAGE_EXTS.has(extname(e.name).toLowerCase())) out.push(join(dir, e.name));
  }
  return out;
}

/** What each kind of model reads, and what `-` is read as. */
const TAKES: Record<RunModel['inputKind'], { formats: Format[]; stdin?: Format; forms: string }> = {
  table: { formats: ['csv', 'jsonl'], stdin: 'jsonl', forms: 'a CSV file (.csv, with a header row) or JSON Lines (.jsonl) with the feature columns, or - for stdin' },
  text: { formats: ['text', 'jsonl', 'csv'], stdin: 'text', forms: 'a text file (.txt, a line per input), JSON Lines (.jsonl) or CSV (.csv) with the text field, or - for stdin' },
  image: { formats: ['images'], forms: 'a PNG or JPEG image or a folder of them' },
  values: { formats: ['images', 'jsonl'], stdin: 'jsonl', forms: 'a PNG or JPEG image or a folder of them, or JSON Lines (.jsonl) with a `values` list, or - for stdin' },
};

/** How the input is read: by its extension, or (stdin) by what the run's data source read. */
function formatOf(rm: RunModel, input: string, isDir: boolean): Format {
  const kind = rm.inputKind;
  const takes = TAKES[kind];
  const refuse = (what: string): never => fail('predict/input-format', `${what}: this model takes ${takes.forms}.`, { file: input });
  if (input === STDIN) {
    if (!takes.stdin) return refuse('stdin');
    return kind === 'table' && rm.preprocessing.input.source !== 'jsonl' ? 'csv' : takes.stdin;
  }
  const ext = extname(input).toLowerCase();
  const format: Format | undefined = isDir ? 'images' : IMAGE_EXTS.has(ext) ? 'images' : ext === '.csv' ? 'csv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.txt' ? 'text' : undefined;
  if (!format || !takes.formats.includes(format)) return refuse(input);
  return format;
}

/** Counts the bytes that pass, for the progress bar. */
function counter(progress: { done: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, next) {
      progress.done += chunk.length;
      next(null, chunk);
    },
  });
}

/** The fields a row must have: the feature columns, or the text field. */
function neededColumns(rm: RunModel): string[] {
  const i = rm.preprocessing.input;
  return i.kind === 'text' ? [i.text!] : i.columns ?? [];
}

async function* csvItems(rm: RunModel, file: string, stream: Readable): AsyncGenerator<Item> {
  let header: string[] | undefined;
  for await (const [cells, row] of csvRecords(file, ',', stream)) {
    if (!header) {
      header = cells;
      const missing = neededColumns(rm).filter((c) => !header!.includes(c));
      if (missing.length) fail('predict/missing-column', `${file}:${row}: no column ${missing.map((c) => `\`${c}\``).join(', ')} (the model reads ${neededColumns(rm).join(', ')}; the header has ${header.slice(0, 20).join(', ')}).`, { file, row });
      continue;
    }
    const record: RawRecord = {};
    // A short row lacks its last fields: the preprocessing names the first one missing.
    header.forEach((c, j) => j < cells.length && (record[c] = cells[j]));
    yield { origin: { file, row }, record };
  }
  if (!header) fail('predict/no-input', `${file} is empty: a CSV input starts with a header row naming the columns (${neededColumns(rm).join(', ')}).`, { file });
}

async function* jsonlItems(file: string, stream: Readable): AsyncGenerator<Item> {
  for await (const [line, row] of jsonLines(file, stream)) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = undefined;
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) yield { origin: { file, row }, record: v as RawRecord };
    else yield { origin: { file, row }, error: { code: 'predict/bad-json', message: `${file}:${row}: not a JSON object.` } };
  }
}

async function* textItems(rm: RunModel, file: string, stream: Readable): AsyncGenerator<Item> {
  for await (const [line, row] of jsonLines(file, stream)) if (line.trim()) yield { origin: { file, row }, record: rm.textRecord(line) };
}

function* imageItems(rm: RunModel, files: string[], name: (file: string) => string, progress: { done: number }): Generator<Item> {
  for (const file of files) {
    let item: Item;
    const origin = { file: name(file) };
    try {
      item = { origin, record: rm.imageRecord(decodeImage(file), origin.file) };
    } catch (e) {
      if (!(e instanceof TrainerError)) throw e;
      item = { origin, error: { code: e.code, message: e.message } };
    }
    progress.done++;
    yield item;
  }
}

/** The input as items, and how far through it the reading is. */
function openInput(rm: RunModel, input: string, inputName: string | undefined, stdin: Readable): { items: AsyncIterable<Item> | Iterable<Item>; unit: 'bytes' | 'files'; total?: number; progress: { done: number } } {
  const progress = { done: 0 };
  let st: Stats | undefined;
  if (input !== STDIN) {
    try {
      st = statSync(input);
    } catch (e) {
      fail('predict/no-input', `${input}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`}.`, { file: input });
    }
  }
  const format = formatOf(rm, input, !!st?.isDirectory());
  if (format === 'images') {
    const files = st!.isDirectory() ? imageFiles(input) : [input];
    if (!files.length) fail('predict/no-input', `${input} holds no PNG or JPEG images.`, { file: input });
    const name = (file: string) => (inputName === undefined ? file : join(inputName, relative(input, file)));
    return { items: imageItems(rm, files, name, progress), unit: 'files', total: files.length, progress };
  }
  const source = input === STDIN ? stdin : createReadStream('', { fd: openData(input) });
  const stream = source.pipe(counter(progress));
  source.on('error', (e: Error) => stream.destroy(e));
  const name = input === STDIN ? 'stdin' : inputName ?? input;
  const items = format === 'csv' ? csvItems(rm, name, stream) : format === 'jsonl' ? jsonlItems(name, stream) : textItems(rm, name, stream);
  return { items, unit: 'bytes', ...(st ? { total: st.size } : {}), progress };
}

const where = (o: InputOrigin) => ({ file: o.file, ...(o.row !== undefined ? { row: o.row } : {}) });

/** Predicts one batch; under `fail`, sends what comes before the first bad input and throws its error. */
async function answerBatch(rm: RunModel, batch: Item[], o: PredictRunOptions, progress: number, ch: PredictChannel): Promise<{ rows: number; skipped: number }> {
  const readable = batch.filter((it) => it.record);
  const outcomes = await rm.predictEach(readable.map((it) => it.record!), { topK: o.topK, origin: (i) => `${readable[i].origin.file}${readable[i].origin.row !== undefined ? `:${readable[i].origin.row}` : ''}` });
  const rows: PredictionRow[] = [];
  const skipped: PredictionsEvent['skipped'] = [];
  let next = 0;
  for (const it of batch) {
    const outcome = it.record ? outcomes[next++] : { ok: false as const, ...it.error! };
    if (outcome.ok) {
      rows.push({ ...where(it.origin), ...outcome.prediction });
      continue;
    }
    if (o.onError !== 'skip') {
      if (rows.length) ch.emit({ type: 'predictions', rows, skipped: [], done: progress });
      return fail(outcome.code, outcome.message, where(it.origin));
    }
    skipped.push({ ...where(it.origin), code: outcome.code, message: outcome.message });
  }
  ch.emit({ type: 'predictions', rows, skipped, done: progress });
  return { rows: rows.length, skipped: skipped.length };
}

export async function predictRun(runDir: string, o: PredictRunOptions, ch: PredictChannel): Promise<Omit<PredictedEvent, 'time'>> {
  const rm = await loadRunModel(runDir, { checkpoint: o.checkpoint, backend: o.backend, wasmDir: o.wasmDir, log: ch.log });
  try {
    const input = o.input === STDIN ? STDIN : resolve(o.input);
    const { items, unit, total, progress } = openInput(rm, input, o.inputName, ch.stdin);
    const topK = Math.min(o.topK ?? 5, rm.classNames?.length ?? 1);
    ch.emit({ type: 'predicting', runDir: rm.runDir, checkpoint: rm.modelDir, task: rm.task, ...(rm.classNames ? { classNames: rm.classNames } : {}), ...(rm.outputNames ? { outputNames: rm.outputNames } : {}), topK, unit, ...(total !== undefined ? { total } : {}) });
    const size = o.batchSize ?? 256;
    const counts = { predicted: 0, skipped: 0 };
    let batch: Item[] = [];
    const flush = async () => {
      await ch.room();
      const n = await answerBatch(rm, batch, { ...o, topK }, progress.done, ch);
      counts.predicted += n.rows;
      counts.skipped += n.skipped;
      batch = [];
    };
    for await (const item of items) {
      if (ch.cancelled()) fail('predict/cancelled', 'Predicting was stopped before the end of the input.');
      batch.push(item);
      if (batch.length >= size) await flush();
    }
    if (batch.length) await flush();
    return { type: 'predicted', ...counts, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  } finally {
    rm.dispose();
  }
}
