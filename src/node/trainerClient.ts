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
import type {
  DoneEvent, ErrorEvent, EvaluateOptions, EvaluationEvent, PredictedEvent, PredictingEvent, PredictionsEvent, PredictRunOptions, RunStatus, TrainerCommand, TrainerEvent, TrainOptions,
} from '../core/protocol/trainer';
import { validateTrainerEvent } from '../core/protocol/trainer';
import { closeAbandonedRecord, readRunRecord } from './runRecord';

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

/** Lines that say something went wrong (not warnings, not stack frames). */
const ERROR_LINE = /\b(error|fatal|abort(ed)?|out of memory|segmentation fault|assertion|panic|uncaught|exception)\b/i;
const WARNING_LINE = /^\s*(\(node:\d+\)\s*)?\[?(warn(ing)?|debug|info)\b/i;

/**
 * What in a dead trainer's stderr explains its end: the error-like lines written after it announced
 * its run folder (backend start-up warnings come before that), the last three, each cut to 200
 * characters.
 * Nothing when nothing looks like an error (a SIGKILL says nothing).
 */
export function failureLines(tail: string, totalBytes: number, bytesAtRunFolder: number | undefined): string[] {
  const since = bytesAtRunFolder === undefined ? tail : tail.slice(Math.max(0, tail.length - (totalBytes - bytesAtRunFolder)));
  return since
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && ERROR_LINE.test(l) && !WARNING_LINE.test(l))
    .slice(-3)
    .map((l) => (l.length > 200 ? `${l.slice(0, 199)}…` : l));
}

/** What the client has seen of one trainer process. */
interface Watch {
  runDir?: string;
  done?: DoneEvent;
  error?: ErrorEvent;
  cancelRequested: boolean;
  hung: boolean;
  stallTimeoutMs: number;
  /** The end of stderr, the bytes received in all, and how many had come when the run folder was announced. */
  stderr: string;
  stderrBytes: number;
  stderrAtRunFolder?: number;
}

/** How a run ended, once its process is gone: from its `done` event, its record, or the way it died. */
function endResult(w: Watch, code: number | null, signal: NodeJS.Signals | null, onEvent: (e: TrainerEvent) => void): TrainingResult {
  const { runDir, stderr } = w;
  if (w.done) return { status: w.done.status, runDir, done: w.done, error: w.error, exitCode: code, signal, stderr };
  // A trainer that closed its own record (a SIGTERM whose last message did not get out) ended as it says.
  const closed = runDir ? readRunRecord(runDir) : undefined;
  if (!w.error && closed && closed.status !== 'running') {
    onEvent({ type: 'log', time: Date.now(), level: 'warning', message: `The trainer ended (${signal ? `killed by ${signal}` : `exit code ${code}`}); its record says: ${closed.status}${closed.reason ? `, ${closed.reason}` : ''}.` });
    const recorded = closed.error ? { type: 'error' as const, time: Date.now(), ...closed.error } : undefined;
    return { status: closed.status, runDir, error: recorded, exitCode: code, signal, stderr };
  }
  if (!w.error) {
    w.error = { type: 'error', time: Date.now(), ...crashError(w, code, signal) };
    // Stopping a trainer that did not stop in time is what the user asked for: say so, but not as a failure.
    if (w.error.code === 'trainer/cancelled') onEvent({ type: 'log', time: w.error.time, level: 'warning', message: w.error.message });
    else onEvent(w.error);
  }
  let status: TrainingResult['status'] = w.cancelRequested && !w.hung ? 'cancelled' : 'failed';
  if (runDir) {
    // Never throws: on a full disk the record stays as the trainer left it.
    closeAbandonedRecord(runDir, status === 'cancelled' ? 'cancelled' : 'failed', { code: w.error.code, message: w.error.message });
    const rec = readRunRecord(runDir);
    if (rec && rec.status !== 'running') status = rec.status === 'completed' ? 'completed' : rec.status;
  }
  return { status, runDir, error: w.error, exitCode: code, signal, stderr };
}

/** The error for a trainer that died without saying why: hung, out of memory, stopped, or crashed. */
function crashError(w: Watch, code: number | null, signal: NodeJS.Signals | null): Pick<ErrorEvent, 'code' | 'message'> {
  const oom = /heap out of memory|Allocation failed|Reached heap limit|Cannot allocate Wasm memory|out of memory/i.test(w.stderr);
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  if (w.hung) return { code: 'trainer/hung', message: `The trainer sent nothing for ${Math.round(w.stallTimeoutMs / 1000)} s and was killed as hung.` };
  if (oom) return { code: 'trainer/out-of-memory', message: `The trainer ran out of memory and ${how}. Use fewer samples or a smaller batch, or give it more memory (execArgv: --max-old-space-size).` };
  if (w.cancelRequested) return { code: 'trainer/cancelled', message: `The trainer was stopped (${how}) after a cancel request.` };
  const said = failureLines(w.stderr, w.stderrBytes, w.stderrAtRunFolder);
  return { code: 'trainer/crashed', message: `The trainer ${how} before finishing.${said.length ? ` Its last error output: ${said.join(' | ')}` : ''}` };
}

export function startTraining(specPath: string, options: StartOptions, onEvent: (e: TrainerEvent) => void): TrainingHandle {
  const { trainerPath, execArgv, env, cancelGraceMs = 3000, stallTimeoutMs = 10 * 60_000, ...trainOptions } = options;
  const child = fork(resolveTrainerPath(trainerPath), [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: execArgv ?? [],
    env: { ...process.env, ...env },
    serialization: 'json',
  });
  const w: Watch = { stderr: '', stderrBytes: 0, cancelRequested: false, hung: false, stallTimeoutMs };
  child.stderr?.on('data', (b: Buffer) => {
    const text = b.toString('utf8');
    w.stderrBytes += text.length;
    w.stderr = (w.stderr + text).slice(-STDERR_TAIL);
  });
  child.stdout?.resume();

  const timers: NodeJS.Timeout[] = [];
  let stall: NodeJS.Timeout | undefined;
  const armStall = () => {
    if (stall) clearTimeout(stall);
    stall = setTimeout(() => {
      w.hung = true;
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
    if ('runDir' in e && typeof e.runDir === 'string') {
      w.runDir = e.runDir;
      // The run folder is announced once the backend has started: what stderr held by then is start-up.
      w.stderrAtRunFolder ??= w.stderrBytes;
    }
    if (e.type === 'done') w.done = e;
    if (e.type === 'error') w.error = e;
    onEvent(e);
  });

  const result = new Promise<TrainingResult>((resolveResult) => {
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (stall) clearTimeout(stall);
      for (const t of timers) clearTimeout(t);
      resolveResult(endResult(w, code, signal, onEvent));
    };
    // 'close', not 'exit': by then all of stderr has been read, so the crash's own words are in it.
    child.on('close', (code, signal) => settle(code, signal));
    child.on('error', (err) => {
      w.error ??= { type: 'error', time: Date.now(), code: 'trainer/spawn', message: `Could not start the trainer: ${err.message}` };
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
      if (w.cancelRequested || child.exitCode !== null || child.signalCode !== null) return;
      w.cancelRequested = true;
      if (child.connected) child.send({ type: 'cancel' } satisfies TrainerCommand);
      timers.push(setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), cancelGraceMs));
      timers.push(setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2 * cancelGraceMs));
    },
    done: result,
  };
}

export interface EvaluationResult {
  evaluation?: EvaluationEvent;
  error?: ErrorEvent;
  exitCode: number | null;
}

/** Forks a trainer for one command; every valid event goes to `onMessage`, and the promise resolves with the exit code and stderr's end. */
function runCommand(
  command: TrainerCommand,
  o: Pick<StartOptions, 'trainerPath' | 'execArgv' | 'env'> & { stdin?: 'inherit' },
  onMessage: (e: TrainerEvent, child: ChildProcess) => void,
  onEvent: (e: TrainerEvent) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; spawnError?: string }> {
  const child = fork(resolveTrainerPath(o.trainerPath), [], { stdio: [o.stdin ?? 'ignore', 'pipe', 'pipe', 'ipc'], execArgv: o.execArgv ?? [], env: { ...process.env, ...o.env }, serialization: 'json' });
  let stderr = '';
  let spawnError: string | undefined;
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-STDERR_TAIL)));
  child.stdout?.resume();
  child.on('message', (m: unknown) => {
    const v = validateTrainerEvent(m);
    if (!v.ok) return onEvent({ type: 'log', time: Date.now(), level: 'warning', message: `dropped an invalid message from the trainer: ${v.error}` });
    onMessage(v.value, child);
  });
  child.send(command);
  return new Promise((done) => {
    child.on('error', (err) => (spawnError ??= err.message));
    child.on('close', (code, signal) => done({ code, signal, stderr, spawnError }));
  });
}

/** The error for a trainer that ended without one: it could not start, or it died. */
function endedWithout(what: string, r: Awaited<ReturnType<typeof runCommand>>): ErrorEvent {
  if (r.spawnError) return { type: 'error', time: Date.now(), code: 'trainer/spawn', message: `Could not start the trainer: ${r.spawnError}` };
  const said = failureLines(r.stderr, r.stderr.length, undefined);
  return { type: 'error', time: Date.now(), code: 'trainer/crashed', message: `The trainer ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`} before finishing ${what}.${said.length ? ` Its last error output: ${said.join(' | ')}` : ''}` };
}

/**
 * Evaluates a run's checkpoint in a trainer process (the CLI holds no tfjs): resolves with the
 * `evaluation` event, or the `error` that explains why there is none (a crash included).
 */
export async function runEvaluation(runDir: string, options: EvaluateOptions & Pick<StartOptions, 'trainerPath' | 'execArgv' | 'env'>, onEvent: (e: TrainerEvent) => void = () => undefined): Promise<EvaluationResult> {
  const { trainerPath, execArgv, env, ...evaluateOptions } = options;
  const result: EvaluationResult = { exitCode: null };
  const command: TrainerCommand = { type: 'evaluate', runDir: resolve(runDir), options: evaluateOptions };
  const r = await runCommand(command, { trainerPath, execArgv, env }, (e) => {
    if (e.type === 'evaluation') result.evaluation = e;
    if (e.type === 'error') result.error = e;
    onEvent(e);
  }, onEvent);
  result.exitCode = r.code;
  if (!result.evaluation && !result.error) result.error = endedWithout('the evaluation', r);
  return result;
}

export interface PredictionResult {
  predicting?: PredictingEvent;
  predicted?: PredictedEvent;
  error?: ErrorEvent;
  exitCode: number | null;
}

/**
 * Predicts with a run in a trainer process: `onBatch` gets each `predictions` batch in input
 * order, and the trainer sends more once the promise it returns has settled (so a slow reader of
 * the output keeps memory bounded). `input: '-'` reads this process's stdin.
 */
export async function runPrediction(
  runDir: string,
  options: PredictRunOptions & Pick<StartOptions, 'trainerPath' | 'execArgv' | 'env'>,
  on: { predicting?(e: PredictingEvent): void; batch(e: PredictionsEvent): void | Promise<void>; event?(e: TrainerEvent): void },
): Promise<PredictionResult> {
  const { trainerPath, execArgv, env, ...predictOptions } = options;
  const result: PredictionResult = { exitCode: null };
  const onEvent = on.event ?? (() => undefined);
  // Batches are handed on one after another, each after the previous one's promise.
  let queue = Promise.resolve();
  const command: TrainerCommand = { type: 'predict', runDir: resolve(runDir), options: predictOptions };
  const r = await runCommand(command, { trainerPath, execArgv, env, ...(predictOptions.input === '-' ? { stdin: 'inherit' as const } : {}) }, (e, child) => {
    if (e.type === 'predicting') result.predicting = e;
    if (e.type === 'predicted') result.predicted = e;
    if (e.type === 'error') result.error = e;
    if (e.type === 'predictions') {
      queue = queue.then(() => on.batch(e)).then(() => {
        if (child.connected) child.send({ type: 'continue' } satisfies TrainerCommand);
      });
    } else if (e.type === 'predicting') on.predicting?.(e);
    onEvent(e);
  }, onEvent);
  await queue;
  result.exitCode = r.code;
  if (!result.predicted && !result.error) result.error = endedWithout('predicting', r);
  return result;
}
