/**
 * `modelyaml train <spec>`: checks the spec, trains it in the trainer process (the same client the
 * extension uses), shows a progress bar with loss, metrics and ETA on a terminal and plain lines
 * otherwise. Ctrl-C cancels cleanly (the run record is kept; exit code 130); a second Ctrl-C stops
 * at once. `--resume` carries on from a checkpoint; `--verbose` shows the trainer's debug lines.
 */
import { relative, resolve } from 'node:path';
import type { BatchEvent, StartedEvent, TrainerEvent, TrainOptions } from '../core/protocol/trainer';
import { startTraining, type StartOptions } from '../node/trainerClient';
import { loadSpec } from './diagnostics';

export interface TrainIO {
  out(s: string): void;
  err(s: string): void;
  /** Redraw a progress line in place (a terminal). */
  isTTY?: boolean;
  /** Terminal width for the bar. */
  columns?: number;
  /** Subscribes to Ctrl-C; returns an unsubscribe function. */
  onInterrupt?(handler: () => void): () => void;
}

export interface TrainFlags {
  epochs?: string;
  device?: string;
  out?: string;
  /** A run folder or checkpoint folder to resume from, or `latest` (this spec's newest run). */
  resume?: string;
  /** `auto`, `tfjs` or `pytorch` (docs/training.md#engines). */
  engine?: string;
  /** The Python interpreter for the PyTorch engine. */
  python?: string;
  /** Show the trainer's debug and info lines and its own stderr. */
  verbose?: boolean;
}

const fmt = (v: number) => (!Number.isFinite(v) ? String(v) : Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
const short = (k: string) => k.replace(/^val_/, 'val ').replace('accuracy', 'acc').replace('mean_absolute_error', 'mae').replace('mean_squared_error', 'mse');

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function metricsText(m: Record<string, number>): string {
  return Object.entries(m).map(([k, v]) => `${short(k)} ${fmt(v)}`).join(' · ');
}

/** Parses the flags; a message on bad input. */
export function parseTrainFlags(flags: TrainFlags): { options: TrainOptions } | { error: string } {
  const options: TrainOptions = {};
  if (flags.epochs !== undefined) {
    const n = Number(flags.epochs);
    if (!Number.isInteger(n) || n < 1) return { error: `--epochs must be a whole number ≥ 1, not ${flags.epochs}` };
    options.epochs = n;
  }
  if (flags.device !== undefined) {
    if (!['auto', 'gpu', 'cpu'].includes(flags.device)) return { error: `--device must be auto, gpu or cpu, not ${flags.device}` };
    options.device = flags.device as 'auto' | 'gpu' | 'cpu';
  }
  if (flags.out !== undefined) options.out = flags.out;
  if (flags.engine !== undefined) {
    if (!['auto', 'tfjs', 'pytorch'].includes(flags.engine)) return { error: `--engine must be auto, tfjs or pytorch, not ${flags.engine}` };
    options.engine = flags.engine as TrainOptions['engine'];
  }
  if (flags.python !== undefined) {
    if (!flags.python) return { error: '--python needs the path of a Python interpreter' };
    options.python = resolve(flags.python);
  }
  if (flags.resume !== undefined) {
    if (!flags.resume) return { error: '--resume needs a run folder, a checkpoint folder or `latest`' };
    options.resume = flags.resume === 'latest' ? 'latest' : resolve(flags.resume);
  }
  return { options };
}

/** Shows the trainer's events: lines, a progress bar on a terminal, errors on stderr. */
function progressPrinter(io: TrainIO, verbose: boolean): { onEvent: (e: TrainerEvent) => void; line: (s: string) => void; clearBar: () => void } {
  let started: StartedEvent | undefined;
  let epochStart = Date.now();
  let lastDraw = 0;
  let barShown = false;
  const width = Math.max(40, Math.min(io.columns ?? 100, 160));
  const clearBar = () => {
    if (barShown) io.out('\r\x1b[2K');
    barShown = false;
  };
  const line = (s: string) => {
    clearBar();
    io.out(s + '\n');
  };
  const drawBar = (b: BatchEvent) => {
    const now = Date.now();
    if (now - lastDraw < 100 && b.batch !== b.batches) return;
    lastDraw = now;
    const frac = b.batch / b.batches;
    const perBatch = (now - epochStart) / b.batch;
    const epochsLeft = started ? started.epochs - b.epoch : 0;
    const eta = perBatch * (b.batches - b.batch) + epochsLeft * perBatch * b.batches;
    const head = `epoch ${b.epoch}/${started?.epochs ?? '?'} `;
    const tail = ` ${b.batch}/${b.batches} ${metricsText(b.metrics)} · ${Math.round(b.samplesPerSecond)}/s · ETA ${duration(eta)}`;
    const barWidth = Math.max(10, Math.min(30, width - head.length - tail.length - 2));
    const filled = Math.round(frac * barWidth);
    const bar = `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]`;
    io.out(`\r\x1b[2K${(head + bar + tail).slice(0, width - 1)}`);
    barShown = true;
  };

  const onEvent = (e: TrainerEvent) => {
    switch (e.type) {
      case 'started':
        started = e;
        epochStart = Date.now();
        line(`training ${e.specName}: ${e.params.toLocaleString('en-US')} parameters on ${e.backend} (${e.device})`);
        if (e.backend === 'pytorch') line(`  engine: ${e.reason}`);
        line(`  ${e.samples.train} training, ${e.samples.validation} validation, ${e.samples.test} test samples; ${e.epochs} epoch${e.epochs === 1 ? '' : 's'} of ${e.batchesPerEpoch} batches of ${e.batchSize}`);
        line(`  run folder: ${relative(process.cwd(), e.runDir) || e.runDir}`);
        break;
      case 'batch':
        if (io.isTTY) drawBar(e);
        break;
      case 'epoch':
        line(`epoch ${e.epoch}/${e.epochs} ${metricsText(e.metrics)} (${duration(e.durationMs)})`);
        epochStart = Date.now();
        break;
      case 'log':
        // Workspace code about to run in the trainer: always said, on stderr, before training.
        if (e.loadedPackage) {
          clearBar();
          io.err(`modelyaml train: loading ${e.loadedPackage.name} ${e.loadedPackage.version} from ${e.loadedPackage.path} (its code runs in the trainer)\n`);
        } else if (e.level === 'warning' || e.level === 'error') line(`${e.level}: ${e.message}`);
        else if (verbose) line(`${e.level}: ${e.message}`);
        break;
      case 'checkpoint':
        break;
      case 'done':
        line(e.reason.startsWith(e.status) ? `${e.reason} in ${duration(e.durationMs)}` : `${e.status}: ${e.reason} in ${duration(e.durationMs)}`);
        if (e.test) line(`test: ${metricsText(e.test)}`);
        break;
      case 'error':
        clearBar();
        io.err(`error[${e.code}]: ${e.message}${e.file && !e.message.includes(e.file) ? ` (${e.file}${e.row ? `:${e.row}` : ''}${e.offset !== undefined ? ` at byte ${e.offset}` : ''})` : ''}\n`);
        for (const d of e.diagnostics ?? []) io.err(`  ${d}\n`);
        break;
    }
  };
  return { onEvent, line, clearBar };
}

/** Reads and checks the spec; prints its errors and returns false when it has any. */
function specIsTrainable(file: string, io: TrainIO): boolean {
  const a = loadSpec(file, io);
  if (!a) return false;
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  for (const d of errors) {
    const p = a.lines.position(d.range.start);
    io.err(`${file}:${p.line + 1}:${p.character + 1}: error[${d.code}]: ${d.message}\n`);
  }
  if (errors.length) io.err(`modelyaml train: ${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; not training.\n`);
  return errors.length === 0;
}

export async function trainCommand(files: string[], flags: TrainFlags, io: TrainIO, extra: Partial<StartOptions> = {}): Promise<number> {
  if (files.length !== 1) {
    io.err('modelyaml train: name exactly one spec file.\n');
    return 2;
  }
  const file = files[0];
  const parsed = parseTrainFlags(flags);
  if ('error' in parsed) {
    io.err(`modelyaml train: ${parsed.error}.\n`);
    return 2;
  }
  // Refuse a spec with errors before starting a process.
  if (!specIsTrainable(file, io)) return 1;

  const { onEvent, line, clearBar } = progressPrinter(io, !!flags.verbose);
  const handle = startTraining(file, { ...parsed.options, workspace: process.cwd(), ...extra }, onEvent);
  // The trainer's own stderr (tfjs-node's and Dawn's messages) only when asked for.
  if (flags.verbose) handle.onStderr((text) => io.err(text));
  let interrupts = 0;
  const off = io.onInterrupt?.(() => {
    interrupts++;
    if (interrupts === 1) {
      line('cancelling… (Ctrl-C again to stop at once)');
      handle.cancel();
    } else handle.kill('SIGKILL');
  });
  const result = await handle.done;
  off?.();
  clearBar();
  if (result.runDir) io.out(`run record: ${relative(process.cwd(), result.runDir) || result.runDir}\n`);
  // A cancelled run exits 130, the shell's code for a run stopped by Ctrl-C.
  return result.status === 'completed' ? 0 : result.status === 'cancelled' ? 130 : 1;
}

/** The terminal's IO for `main`. */
export function terminalTrainIO(io: { out(s: string): void; err(s: string): void }): TrainIO {
  return {
    ...io,
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}
