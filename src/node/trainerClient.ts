/**
 * Starts a training run in its own process: the one way the extension, the CLI and the tests
 * train. Picks the engine (the embedded TensorFlow.js trainer, or the spec's PyTorch package in a
 * local Python: ./torchEngine.ts), forks the bundled trainer (dist/trainer.js), validates every event on arrival, cancels
 * politely (message, then SIGTERM, then SIGKILL), and survives any crash of the trainer — exit,
 * signal, out of memory, a hang — reporting it and closing the run record as failed.
 * Node only; no tfjs (the extension host imports this).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type {
  DoneEvent, EngineChoice, ErrorEvent, EvaluateOptions, EvaluationEvent, PredictedEvent, PredictingEvent, PredictionsEvent, PredictRunOptions, RunStatus, TrainerCommand, TrainerEvent, TrainOptions,
} from '../core/protocol/trainer';
import { validateTrainerEvent } from '../core/protocol/trainer';
import { env } from './config';
import { endResult, failureLines, stallWatch, STDERR_TAIL, watchStderr, type Watch } from './trainerEnd';
import { requestedEngine, startEngineTraining } from './torchEngine';

export { failureLines } from './trainerEnd';

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
  /** The process training now: the trainer, or with the PyTorch engine its Python once it runs. */
  readonly pid: number | undefined;
  /** Asks the trainer to stop at the next batch; escalates to SIGTERM and SIGKILL if it does not. */
  cancel(): void;
  /** Signals the process training now (a second Ctrl-C: SIGKILL). */
  kill(signal: NodeJS.Signals): void;
  /** The training process's stderr, as it comes (`--verbose`). */
  onStderr(listener: (text: string) => void): void;
  /** Its last process has exited and all of its output has been read. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly done: Promise<TrainingResult>;
}

export function resolveTrainerPath(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const candidates = [join(__dirname, 'trainer.js'), join(__dirname, '..', '..', 'dist', 'trainer.js'), join(__dirname, '..', 'dist', 'trainer.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`The trainer bundle was not found (looked for ${candidates.join(', ')}). Build it with \`node esbuild.mjs\`.`);
  return found;
}

/**
 * Native TensorFlow's thread pools for a run capped at `maxThreads` (parallel search trials get
 * one each): tfjs-node reads these when it loads, and the wasm backend is capped by the option itself.
 */
export function nativeThreadEnv(maxThreads: number | undefined): Record<string, string> {
  return maxThreads === undefined ? {} : { TF_NUM_INTRAOP_THREADS: String(maxThreads), TF_NUM_INTEROP_THREADS: String(maxThreads) };
}

/** Forks the trainer bundle with the caller's flags and environment. */
export function forkTrainer(options: Pick<StartOptions, 'trainerPath' | 'execArgv' | 'env' | 'maxThreads'>): ChildProcess {
  return fork(resolveTrainerPath(options.trainerPath), [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: options.execArgv ?? [],
    env: { ...process.env, ...nativeThreadEnv(options.maxThreads), ...options.env },
    serialization: 'json',
  });
}

/**
 * Trains `specPath` with the engine `options.engine` names (else MODELYAML_ENGINE, else `auto`):
 * `tfjs` in the embedded trainer at once; `auto` and `pytorch` through ./torchEngine.ts, which
 * falls back to the embedded trainer (`auto`) with the reason recorded in run.json.
 */
export function startTraining(specPath: string, options: StartOptions, onEvent: (e: TrainerEvent) => void): TrainingHandle {
  const requested = requestedEngine(options.engine);
  if (requested.engine === 'tfjs') return startEmbeddedTraining(specPath, options, onEvent, { engine: 'tfjs', reason: requested.why });
  return startEngineTraining(specPath, options, { engine: requested.engine, why: requested.why }, onEvent, {
    startEmbedded: (engine) => startEmbeddedTraining(specPath, options, onEvent, engine),
    forkTrainer: () => forkTrainer(options),
    evaluateTest: async (runDir) => {
      const r = await runEvaluation(runDir, { split: 'test', trainerPath: options.trainerPath, execArgv: options.execArgv, env: options.env });
      if (r.error) onEvent({ type: 'log', time: Date.now(), level: 'warning', message: `the test split's evaluation.json was not written: ${r.error.message}` });
    },
  });
}

/** The embedded TensorFlow.js trainer: one forked process that trains and streams its events over IPC. */
export function startEmbeddedTraining(specPath: string, options: StartOptions, onEvent: (e: TrainerEvent) => void, engine?: EngineChoice): TrainingHandle {
  const { trainerPath, execArgv, env, cancelGraceMs = 3000, stallTimeoutMs = 10 * 60_000, ...trainOptions } = options;
  const child = forkTrainer({ trainerPath, execArgv, env, maxThreads: options.maxThreads });
  const w: Watch = { stderr: '', stderrBytes: 0, cancelRequested: false, hung: false, stallTimeoutMs };
  watchStderr(child, w);
  child.stdout?.resume();

  const timers: NodeJS.Timeout[] = [];
  const stall = stallWatch(child, w);

  child.on('message', (m: unknown) => {
    stall.arm();
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
      stall.clear();
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

  const command: TrainerCommand = { type: 'start', specPath: resolve(specPath), options: trainOptions, ...(engine ? { engine } : {}) };
  child.send(command);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.prependOnceListener('close', (code, signal) => r({ code, signal })));

  return {
    get pid() {
      return child.pid;
    },
    kill: (signal) => child.kill(signal),
    onStderr: (listener) => child.stderr?.on('data', (b: Buffer) => listener(b.toString('utf8'))),
    closed,
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

const DEFAULT_EVALUATION_TIMEOUT_S = 1800;

/** The evaluation's time limit: the caller's, else MODELYAML_EVALUATE_TIMEOUT, else 30 minutes. */
function evaluationTimeoutMs(given: number | undefined): number {
  return given ?? (env.evaluateTimeout() ?? DEFAULT_EVALUATION_TIMEOUT_S) * 1000;
}

function timeoutMessage(ms: number): string {
  const s = ms >= 10_000 ? String(Math.round(ms / 1000)) : String(ms / 1000);
  return `The evaluation did not finish within ${s} s, so its trainer process was stopped. Its data may be stuck (a pipe or an unresponsive network folder) or larger than expected; to allow longer, set MODELYAML_EVALUATE_TIMEOUT to a number of seconds.`;
}

export interface EvaluationResult {
  evaluation?: EvaluationEvent;
  error?: ErrorEvent;
  exitCode: number | null;
}

/** Forks a trainer for one command; every valid event goes to `onMessage`, and the promise resolves with the exit code and stderr's end. */
function runCommand(
  command: TrainerCommand,
  o: Pick<StartOptions, 'trainerPath' | 'execArgv' | 'env'> & {
    stdin?: 'inherit';
    /** Past `ms`, `expired()` is asked; if it says so the child is killed (SIGKILL). */
    timeout?: { ms: number; expired(): boolean };
  },
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
  const timer = o.timeout && setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && o.timeout!.expired()) child.kill('SIGKILL');
  }, o.timeout.ms);
  return new Promise((done) => {
    child.on('error', (err) => (spawnError ??= err.message));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      done({ code, signal, stderr, spawnError });
    });
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
export async function runEvaluation(runDir: string, options: EvaluateOptions & Pick<StartOptions, 'trainerPath' | 'execArgv' | 'env'> & { timeoutMs?: number }, onEvent: (e: TrainerEvent) => void = () => undefined): Promise<EvaluationResult> {
  const { trainerPath, execArgv, env, timeoutMs, ...evaluateOptions } = options;
  const result: EvaluationResult = { exitCode: null };
  const command: TrainerCommand = { type: 'evaluate', runDir: resolve(runDir), options: evaluateOptions };
  const limit = evaluationTimeoutMs(timeoutMs);
  // A trainer that stops answering (a data read that never ends, a wedged backend) must not hold
  // the CLI or the extension forever: past the limit the child is killed and the error says why.
  const timeout = {
    ms: limit,
    expired: () => {
      if (result.evaluation) return false;
      result.error = { type: 'error', time: Date.now(), code: 'evaluate/timeout', message: timeoutMessage(limit) };
      return true;
    },
  };
  const r = await runCommand(command, { trainerPath, execArgv, env, timeout }, (e) => {
    if (e.type === 'evaluation') result.evaluation = e;
    if (e.type === 'error') result.error ??= e;
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
