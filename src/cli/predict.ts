/**
 * `modelyaml predict <run-dir> --input FILE|DIR|-`: answers raw inputs with a trained run in the
 * trainer process (the CLI holds no tfjs) and writes one line (JSON Lines) or row (CSV) per input
 * as the batches come, with the input's file and row. A progress bar goes to stderr when it is a
 * terminal. docs/predict.md.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PredictingEvent, PredictionRow, PredictionsEvent, PredictRunOptions } from '../core/protocol/trainer';
import { runPrediction } from '../node/trainerClient';

export interface PredictFlags {
  input?: string;
  format?: string;
  topK?: string;
  checkpoint?: string;
  onError?: string;
  batchSize?: string;
  verbose?: boolean;
}

export interface PredictIO {
  out(s: string): void;
  err(s: string): void;
  /** Resolves once what `out` was given has been written (the terminal's stdout: on 'drain'). */
  drained?(): Promise<void>;
  /** Draw a progress bar on stderr (a terminal). */
  progress?: boolean;
}

const positiveInt = (s: string | undefined) => (s === undefined ? undefined : /^\d+$/.test(s) && Number(s) >= 1 ? Number(s) : NaN);

/** The flags as predict options, or a message naming the bad one. */
export function parsePredictFlags(flags: PredictFlags): { options: PredictRunOptions; format: 'jsonl' | 'csv' } | { error: string } {
  if (flags.input === undefined) return { error: '--input is required: a CSV or JSON Lines file, a text file, an image or a folder of images, or - for stdin' };
  const format = flags.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') return { error: `--format must be jsonl or csv, not ${format}` };
  if (flags.checkpoint !== undefined && flags.checkpoint !== 'best' && flags.checkpoint !== 'last') return { error: `--checkpoint must be best or last, not ${flags.checkpoint}` };
  if (flags.onError !== undefined && flags.onError !== 'skip' && flags.onError !== 'fail') return { error: `--on-error must be skip or fail, not ${flags.onError}` };
  const topK = positiveInt(flags.topK);
  if (Number.isNaN(topK)) return { error: `--top-k must be a whole number of at least 1, not ${flags.topK}` };
  const batchSize = positiveInt(flags.batchSize);
  if (Number.isNaN(batchSize)) return { error: `--batch-size must be a whole number of at least 1, not ${flags.batchSize}` };
  const options: PredictRunOptions = {
    input: flags.input === '-' ? '-' : resolve(flags.input),
    ...(flags.input === '-' ? {} : { inputName: flags.input }),
    ...(flags.checkpoint ? { checkpoint: flags.checkpoint as 'best' | 'last' } : {}),
    ...(topK ? { topK } : {}),
    ...(flags.onError ? { onError: flags.onError as 'skip' | 'fail' } : {}),
    ...(batchSize ? { batchSize } : {}),
  };
  return { options, format };
}

/** A CSV field: quoted when it holds the delimiter, a quote or a line break. */
const csvField = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV columns: file, row, then the label, its probability, one probability per class and the top k; or the regressed values. */
export function csvHeader(p: Pick<PredictingEvent, 'task' | 'classNames' | 'outputNames' | 'topK'>): string[] {
  if (p.task === 'regression') return ['file', 'row', ...p.outputNames!];
  const label = p.task === 'multilabel' ? ['labels'] : ['label', 'probability'];
  return ['file', 'row', ...label, ...p.classNames!.map((c) => `p_${c}`), ...Array.from({ length: p.topK }, (_, i) => `top_${i + 1}`)];
}

export function csvRow(p: Pick<PredictingEvent, 'task' | 'classNames' | 'outputNames' | 'topK'>, r: PredictionRow): string {
  const cells: unknown[] = [r.file, r.row];
  if (p.task === 'regression') cells.push(...(r.values ? p.outputNames!.map((n) => r.values![n]) : [r.value]));
  else {
    if (p.task === 'multilabel') cells.push(r.labels!.join(';'));
    else cells.push(r.label, r.probabilities![r.label!]);
    cells.push(...p.classNames!.map((c) => r.probabilities![c]), ...r.top!.map((t) => t.label));
  }
  return cells.map(csvField).join(',');
}

const BAR = 30;

/** The progress line: a bar when the total is known, else how far it has got. */
function progressLine(p: PredictingEvent, done: number, predicted: number): string {
  const count = `${predicted} predicted`;
  if (p.total === undefined || p.total === 0) return `\r${count}${p.unit === 'bytes' ? `, ${(done / 2 ** 20).toFixed(1)} MB read` : ''}`;
  const f = Math.min(1, done / p.total);
  const full = Math.round(f * BAR);
  return `\r[${'#'.repeat(full)}${'.'.repeat(BAR - full)}] ${(f * 100).toFixed(0).padStart(3)}%  ${count}`;
}

export async function predictCommand(args: string[], flags: PredictFlags, io: PredictIO): Promise<number> {
  if (args.length !== 1) {
    io.err('modelyaml predict: name exactly one run folder (as `modelyaml train` prints it), e.g. modelyaml predict .modelyaml/runs/iris/2026-01-01T12-00-00 --input new.csv\n');
    return 2;
  }
  const parsed = parsePredictFlags(flags);
  if ('error' in parsed) {
    io.err(`modelyaml predict: ${parsed.error}.\n`);
    return 2;
  }
  const [runDir] = args;
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    io.err(`modelyaml predict: ${runDir} is not a folder. Name a run folder under .modelyaml/runs/<spec>/.\n`);
    return 1;
  }
  let head: PredictingEvent | undefined;
  let predicted = 0;
  let bar = false;
  const clearBar = () => bar && (io.err('\r\x1b[K'), (bar = false));
  const write = async (e: PredictionsEvent) => {
    let text = '';
    for (const r of e.rows) text += (parsed.format === 'csv' ? csvRow(head!, r) : JSON.stringify(r)) + '\n';
    if (text) io.out(text);
    predicted += e.rows.length;
    clearBar();
    for (const s of e.skipped) io.err(`skipped: ${s.message}\n`);
    if (io.progress) {
      io.err(progressLine(head!, e.done, predicted));
      bar = true;
    }
    await io.drained?.();
  };
  const r = await runPrediction(runDir, parsed.options, {
    predicting: (e) => {
      head = e;
      if (parsed.format === 'csv') io.out(csvHeader(e).map(csvField).join(',') + '\n');
    },
    batch: write,
    event: (e) => {
      if (e.type === 'log' && (e.level === 'warning' || flags.verbose)) {
        clearBar();
        io.err(`${e.level}: ${e.message}\n`);
      }
    },
  });
  clearBar();
  if (!r.predicted) {
    io.err(`modelyaml predict: ${r.error?.message ?? 'the prediction did not finish'}\n`);
    return 1;
  }
  if (flags.verbose) io.err(`${r.predicted.predicted} predicted; the trainer's peak memory: ${(r.predicted.peakRssBytes / 2 ** 20).toFixed(0)} MB\n`);
  if (r.predicted.skipped) io.err(`${r.predicted.predicted} predicted, ${r.predicted.skipped} skipped (bad inputs, listed above)\n`);
  return 0;
}
