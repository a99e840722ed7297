/**
 * Starts a training run in its own process: the one way the extension, the CLI and the tests
 * train. Forks the bundled trainer (dist/trainer.js), validates every event on arrival, cancels
 * politely (message, then SIGTERM, then SIGKILL), and survives any crash of the trainer — exit,
 * signal, out of memory, a hang — reporting it and closing the run record as failed.
 * Node only; no tfjs (the extension host imports this).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DoneEvent, ErrorEvent, RunStatus, TrainerCommand, TrainerEvent, TrainOptions } from '../core/protocol/trainer';
import { validateTrainerEvent } from '../core/protocol/trainer';
import { closeAbandonedRecord, readRunRecord } from './record';

export interface StartOptions extends TrainOptions {
  /** The trainer bundle; default: trainer.js next to the calling bundle (or the repository's dist/). */
  trainerPath?: string;
  /** Node flags for the trainer process, e.g. ['--max-old-space-size=4096']. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** After cancel(): how long before SIGTERM, and again before SIGKILL (default 3 s each). */
  cancelGraceMs?: number;
  /** A trainer silent this long is taken as hung and killed (default 10 minutes). */
  stallTimeoutMs?: number;
}

export interface TrainingResult {
  status: Exclude<RunStatus, 'running'>;
  runDir?: string;
  done?: DoneEvent;
  error?: ErrorEvent;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The end of the trainer's stderr (crash messages land there). */
  stderr: string;
}

export interface TrainingHandle {
  readonly pid: number | undefined;
  readonly process: ChildProcess;
  /** Asks the trainer to stop at the next batch; escalates to SIGTERM and SIGKILL if it does not. */
  cancel(): void;
  readonly done: Promise<TrainingResult>;
}

export function resolveTrainerPath(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const candidates = [join(__dirname, 'trainer.js'), join(__dirname, '..', '..', 'dist', 'trainer.js'), join(__dirname, '..', 'dist', 'trainer.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`The trainer bundle was not found (looked for ${candidates.join(', ')}). Build it with \`node esbuild.mjs\`.`);
  return found;
}

const STDERR_TAIL = 16 * 1024;

export function startTraining(specPath: string, options: StartOptions, onEvent: (e: TrainerEvent) => void): TrainingHandle {
  const { trainerPath, execArgv, env, cancelGraceMs = 3000, stallTimeoutMs = 10 * 60_000, ...trainOptions } = options;
  const child = fork(resolveTrainerPath(trainerPath), [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: execArgv ?? [],
    env: { ...process.env, ...env },
    serialization: 'json',
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-STDERR_TAIL);
  });
  child.stdout?.resume();

  let runDir: string | undefined;
  let done: DoneEvent | undefined;
  let error: ErrorEvent | undefined;
  let cancelRequested = false;
  let hung = false;
  const timers: NodeJS.Timeout[] = [];
  let stall: NodeJS.Timeout | undefined;
  const armStall = () => {
    if (stall) clearTimeout(stall);
    stall = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, stallTimeoutMs);
  };
  armStall();

  child.on('message', (m: unknown) => {
    armStall();
    const v = validateTrainerEvent(m);
    if (!v.ok) {
      onEvent({ type: 'log', time: Date.now(), level: 'warning', message: `dropped an invalid message from the trainer: ${v.error}` });
      return;
    }
    const e = v.value;
    if ('runDir' in e && typeof e.runDir === 'string') runDir = e.runDir;
    if (e.type === 'done') done = e;
    if (e.type === 'error') error = e;
    onEvent(e);
  });

  const result = new Promise<TrainingResult>((resolveResult) => {
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (stall) clearTimeout(stall);
      for (const t of timers) clearTimeout(t);
      if (done) {
        resolveResult({ status: done.status, runDir, done, error, exitCode: code, signal, stderr });
        return;
      }
      if (!error) {
        const oom = /heap out of memory|Allocation failed|Reached heap limit|Cannot allocate Wasm memory|out of memory/i.test(stderr);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const code_ = hung ? 'trainer/hung' : oom ? 'trainer/out-of-memory' : cancelRequested ? 'trainer/cancelled' : 'trainer/crashed';
        const message = hung
          ? `The trainer sent nothing for ${Math.round(stallTimeoutMs / 1000)} s and was killed as hung.`
          : oom
            ? `The trainer ran out of memory and ${how}. Use fewer samples or a smaller batch, or give it more memory (execArgv: --max-old-space-size).`
            : cancelRequested
              ? `The trainer was stopped (${how}) after a cancel request.`
              : `The trainer ${how} before finishing.${stderr.trim() ? ` Its last output: ${stderr.trim().split('\n').slice(-5).join(' | ')}` : ''}`;
        error = { type: 'error', time: Date.now(), code: code_, message };
        // Stopping a trainer that did not stop in time is what the user asked for: say so, but not as a failure.
        if (code_ === 'trainer/cancelled') onEvent({ type: 'log', time: error.time, level: 'warning', message });
        else onEvent(error);
      }
      let status: TrainingResult['status'] = cancelRequested && !hung ? 'cancelled' : 'failed';
      if (runDir) {
        closeAbandonedRecord(runDir, status === 'cancelled' ? 'cancelled' : 'failed', { code: error.code, message: error.message });
        const rec = readRunRecord(runDir);
        if (rec && rec.status !== 'running') status = rec.status === 'completed' ? 'completed' : rec.status;
      }
      resolveResult({ status, runDir, error, exitCode: code, signal, stderr });
    };
    child.on('exit', (code, signal) => settle(code, signal));
    child.on('error', (err) => {
      if (!error) error = { type: 'error', time: Date.now(), code: 'trainer/spawn', message: `Could not start the trainer: ${err.message}` };
      if (child.exitCode === null && child.signalCode === null && child.pid === undefined) settle(null, null);
    });
  });

  const command: TrainerCommand = { type: 'start', specPath: resolve(specPath), options: trainOptions };
  child.send(command);

  return {
    get pid() {
      return child.pid;
    },
    process: child,
    cancel() {
      if (cancelRequested || child.exitCode !== null || child.signalCode !== null) return;
      cancelRequested = true;
      if (child.connected) child.send({ type: 'cancel' } satisfies TrainerCommand);
      timers.push(setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), cancelGraceMs));
      timers.push(setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2 * cancelGraceMs));
    },
    done: result,
  };
}
