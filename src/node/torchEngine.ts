/**
 * The PyTorch engine (docs/training.md#engines): a run trained by the spec's exported PyTorch
 * package in a local Python, with the same events, run folder, cancel and resume as the embedded
 * trainer. The trainer prepares the run (`prepare`: run folder, preprocessing.json, the initial
 * model as a tfjs checkpoint, the prepared splits, the package in `.modelyaml/torch/<hash>/`), then
 * `python train.py --events` trains it, printing the trainer's events as JSON lines (validated here
 * like the trainer's), and writes the trained weights back as tfjs checkpoints, so evaluate,
 * predict and export read the run as any other. `auto` falls back to the embedded trainer, saying
 * why, when no Python with torch is found or the spec has something without a PyTorch mapping.
 * Node only; no tfjs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { analyze, trainSettings } from '../core/analyze';
import type { EngineChoice, ErrorEvent, PreparedEvent, TrainerCommand, TrainerEvent, TrainEngine } from '../core/protocol/trainer';
import { validateTrainerEvent } from '../core/protocol/trainer';
import { env } from './config';
import { findTorch } from './pythonDiscovery';
import { latestRunDir } from './runRecord';
import { endResult, stallWatch, watchStderr, type Watch } from './trainerEnd';
import type { StartOptions, TrainingHandle, TrainingResult } from './trainerClient';

export const TORCH_CHECKPOINT = join('checkpoints', 'last.pt');
/** What prepare leaves that only the engine reads (ENGINE_FOLDER/data in src/trainer/prepareRun.ts). */
const PREPARED_DATA = join('pytorch', 'data');

/** The engine asked for and where that came from (for the record's reason). */
export function requestedEngine(option: TrainEngine | undefined): { engine: TrainEngine; why: string } {
  if (option) return { engine: option, why: `${option} (asked for)` };
  const fromEnv = env.engine();
  if (fromEnv === 'tfjs' || fromEnv === 'pytorch' || fromEnv === 'auto') return { engine: fromEnv, why: `${fromEnv} (MODELYAML_ENGINE)` };
  return { engine: 'auto', why: 'auto' };
}

export type EngineDecision = (EngineChoice & { engine: 'pytorch'; python: string; device: string }) | (EngineChoice & { engine: 'tfjs' }) | { error: Omit<ErrorEvent, 'type' | 'time'> };

/** The spec's `train.device` (an option outranks it), read without a data host. */
function specDevice(specPath: string, option: StartOptions['device']): string {
  if (option) return option;
  try {
    return trainSettings(analyze(readFileSync(specPath, 'utf8')).spec)?.device ?? 'auto';
  } catch {
    return 'auto';
  }
}

/**
 * Which engine trains, before any run folder exists: PyTorch when asked for or, with `auto`, when
 * an interpreter that imports torch is found (and can honour `train.device: gpu`); else tfjs.
 * Whether the spec maps to PyTorch is decided by `prepare` (it exports the package first).
 */
export async function decideEngine(specPath: string, options: StartOptions, requested: { engine: 'auto' | 'pytorch'; why: string }): Promise<EngineDecision> {
  const workspace = resolve(options.workspace ?? dirname(specPath));
  const { found, tried } = await findTorch({ explicit: options.python, workspace, cacheDir: join(workspace, '.modelyaml', 'torch') });
  const auto = requested.engine === 'auto';
  if (!found) {
    const looked = tried.length ? `tried ${tried.join('; ')}` : 'no Python interpreter was found (set modelyaml.pythonPath or --python)';
    if (auto) return { engine: 'tfjs', reason: `auto: tfjs because no Python with torch was found (${looked})` };
    return { error: { code: 'engine/no-pytorch', message: `The PyTorch engine needs a Python that can \`import torch\`: ${looked}. Install torch there, name an interpreter (modelyaml.pythonPath, --python), or train with engine tfjs.` } };
  }
  const { probe, python } = found;
  const device = specDevice(specPath, options.device);
  const cuda = probe.cuda === true;
  if (device === 'gpu' && !cuda && auto) return { engine: 'tfjs', reason: `auto: tfjs because train.device is gpu and torch ${probe.torch} at ${python} has no CUDA` };
  const where = `torch ${probe.torch} found at ${python}${found.source === 'PATH' ? '' : ` (${found.source})`}`;
  const gpu = cuda ? `CUDA available (${probe.cudaDevice ?? 'GPU'})${device === 'cpu' ? ', train.device is cpu' : ''}` : 'CUDA not available';
  return { engine: 'pytorch', python, torch: probe.torch, device: cuda && device !== 'cpu' ? 'cuda' : 'cpu', reason: `${auto ? 'auto' : requested.why}: ${where}, ${gpu}` };
}

/** The run folder `resume` names, when it holds a PyTorch checkpoint; `latest`: the spec's newest resumable run, when PyTorch wrote it. */
export function torchResumeDir(specPath: string, options: StartOptions): string | undefined {
  if (!options.resume) return undefined;
  const has = (d: string) => existsSync(join(d, TORCH_CHECKPOINT));
  if (options.resume !== 'latest') {
    // A checkpoint folder inside a run (`…/checkpoints`) names its run.
    const dir = resolve(options.resume);
    return [dir, dirname(dir)].find(has);
  }
  const text = readFileSync(specPath, 'utf8');
  const name = analyze(text).spec.name?.value ?? basename(specPath).replace(/\.model\.ya?ml$/, '');
  const root = options.out ? resolve(options.out) : join(resolve(options.workspace ?? dirname(specPath)), '.modelyaml', 'runs');
  // The spec's newest resumable run of either engine: one the embedded trainer wrote is not passed over.
  const tfjsCheckpoint = (d: string) => ['last', 'best'].some((c) => existsSync(join(d, 'checkpoints', c, 'state.json')));
  const newest = latestRunDir(root, name, (d) => has(d) || tfjsCheckpoint(d));
  return newest && has(newest) ? newest : undefined;
}

export interface EngineDeps {
  startEmbedded(engine: EngineChoice): TrainingHandle;
  forkTrainer(): ChildProcess;
  /** Writes the run's evaluation.json for its test split, as the embedded trainer does at the end. */
  evaluateTest(runDir: string): Promise<void>;
}

type Closed = { code: number | null; signal: NodeJS.Signals | null };

/** The arguments of `python train.py` for a prepared run. */
function trainArgs(p: PreparedEvent, options: StartOptions, device: string, resuming: boolean): string[] {
  const args = ['-u', 'train.py', '--events', '--out', p.runDir, '--prepared', p.dataDir, '--init-from', p.initModel, '--device', device, '--seed', String(p.seed)];
  if (options.epochs) args.push('--epochs', String(options.epochs));
  if (options.batchSize) args.push('--batch-size', String(options.batchSize));
  if (options.maxBatchesPerEpoch) args.push('--max-batches-per-epoch', String(options.maxBatchesPerEpoch));
  // A cap (modelyaml.train.maxThreads, MODELYAML_THREADS), as for the embedded trainer: torch keeps its default when that is lower.
  const cap = options.maxThreads ?? env.threads();
  if (cap) args.push('--max-threads', String(cap));
  // Asked for (tests, benches): that fixed cadence; else train.py's, at most 10 batch events a second.
  if (options.batchEventEvery) args.push('--event-every', String(options.batchEventEvery));
  if (resuming) args.push('--resume');
  return args;
}

/** What the engine's steps need of the run: to make a child the one cancel and --verbose reach, and whether cancel was asked. */
interface Session {
  attach(child: ChildProcess): void;
  cancelRequested(): boolean;
}

type Prepared = { prepared?: PreparedEvent; error?: ErrorEvent; runDir?: string };

/** The trainer's `prepare`: the prepared event, or its error (a fallback reason when auto and the spec does not map). */
function prepareInTrainer(session: Session & { fork(): ChildProcess }, specPath: string, options: StartOptions, engine: EngineChoice, resumeFrom: string | undefined, onEvent: (e: TrainerEvent) => void): Promise<Prepared> {
  return new Promise((done) => {
    const child = session.fork();
    session.attach(child);
    child.stdout?.resume();
    const out: Prepared = {};
    child.on('message', (m: unknown) => {
      const v = validateTrainerEvent(m);
      if (!v.ok) return onEvent({ type: 'log', time: Date.now(), level: 'warning', message: `dropped an invalid message from the trainer: ${v.error}` });
      if ('runDir' in v.value && typeof v.value.runDir === 'string') out.runDir = v.value.runDir;
      if (v.value.type === 'prepared') out.prepared = v.value;
      else if (v.value.type === 'error') out.error = v.value;
      else onEvent(v.value);
    });
    child.on('close', (code, signal) => {
      if (!out.prepared && !out.error) out.error = { type: 'error', time: Date.now(), code: 'trainer/crashed', message: `The trainer ${signal ? `was killed by ${signal}` : `exited with code ${code}`} while preparing the PyTorch run.` };
      done(out);
    });
    const { trainerPath: _t, execArgv: _x, env: _e, cancelGraceMs: _c, stallTimeoutMs: _s, resume: _r, ...trainOptions } = options;
    child.send({ type: 'prepare', specPath: resolve(specPath), options: { ...trainOptions, ...(resumeFrom ? { resume: resumeFrom } : {}) }, engine } satisfies TrainerCommand);
  });
}

/** `python train.py --events` on a prepared run: its stdout's events passed on, its end made a result. */
function trainInPython(session: Session, p: PreparedEvent, options: StartOptions, decision: EngineChoice & { python: string; device: string }, resuming: boolean, onEvent: (e: TrainerEvent) => void): Promise<TrainingResult> {
  return new Promise((settle) => {
    const w: Watch = { runDir: p.runDir, stderr: '', stderrBytes: 0, stderrAtRunFolder: 0, cancelRequested: false, hung: false, stallTimeoutMs: options.stallTimeoutMs ?? 10 * 60_000 };
    const child = spawn(decision.python, trainArgs(p, options, decision.device, resuming), {
      cwd: p.packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    session.attach(child);
    watchStderr(child, w);
    const stall = stallWatch(child, w);
    let pending = '';
    child.stdout?.on('data', (b: Buffer) => {
      stall.arm();
      const lines = (pending + b.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) forwardLine(line, w, onEvent);
    });
    child.on('error', (err) => {
      w.error ??= { type: 'error', time: Date.now(), code: 'trainer/spawn', message: `Could not start ${decision.python}: ${err.message}` };
    });
    child.on('close', (code, signal) => {
      stall.clear();
      if (pending) forwardLine(pending, w, onEvent);
      w.cancelRequested = session.cancelRequested();
      const result = endResult(w, code, signal, onEvent);
      rmSync(join(p.runDir, PREPARED_DATA), { recursive: true, force: true });
      settle(result);
    });
  });
}

/** A run through the PyTorch engine (or, with `auto`, the embedded trainer when it cannot). */
export function startEngineTraining(specPath: string, options: StartOptions, requested: { engine: 'auto' | 'pytorch'; why: string }, onEvent: (e: TrainerEvent) => void, deps: EngineDeps): TrainingHandle {
  const { cancelGraceMs = 3000 } = options;
  const stderrListeners: ((s: string) => void)[] = [];
  const timers: NodeJS.Timeout[] = [];
  let current: ChildProcess | undefined;
  let phase: 'deciding' | 'preparing' | 'training' = 'deciding';
  let delegate: TrainingHandle | undefined;
  let cancelRequested = false;
  const auto = requested.engine === 'auto';
  const failed = (error: Omit<ErrorEvent, 'type' | 'time'>, runDir?: string): TrainingResult => {
    const e: ErrorEvent = { type: 'error', time: Date.now(), ...error };
    onEvent(e);
    return { status: 'failed', error: e, runDir, exitCode: null, signal: null, stderr: '' };
  };
  const embedded = (engine: EngineChoice) => {
    delegate = deps.startEmbedded(engine);
    for (const l of stderrListeners) delegate.onStderr(l);
    if (cancelRequested) delegate.cancel();
    return delegate.done;
  };
  const attach = (child: ChildProcess) => {
    current = child;
    child.stderr?.on('data', (b: Buffer) => stderrListeners.forEach((l) => l(b.toString('utf8'))));
  };
  const cancelled = (): TrainingResult => ({ status: 'cancelled', exitCode: null, signal: null, stderr: '' });
  const session = { attach, cancelRequested: () => cancelRequested, fork: deps.forkTrainer };

  const run = async (): Promise<TrainingResult> => {
    const decided = await decideEngine(specPath, options, requested);
    if ('error' in decided) return failed(decided.error);
    if (decided.engine === 'tfjs') return embedded(decided);
    const resumeDir = torchResumeDir(specPath, options);
    if (options.resume && !resumeDir) {
      const why = `${options.resume} holds no PyTorch checkpoint (${TORCH_CHECKPOINT}): it was trained by the embedded trainer`;
      if (auto) return embedded({ engine: 'tfjs', reason: `auto: tfjs because ${why}` });
      return failed({ code: 'train/resume', message: `Cannot resume with the PyTorch engine: ${why}. Resume it with engine tfjs.`, file: options.resume });
    }
    if (cancelRequested) return cancelled();
    phase = 'preparing';
    const prep = await prepareInTrainer(session, specPath, options, decided, resumeDir, onEvent);
    if (prep.error?.code === 'engine/pytorch-unmapped' && auto) return embedded({ engine: 'tfjs', reason: `auto: tfjs because ${prep.error.message}` });
    // Cancelled while preparing: the trainer's SIGTERM closed the new record as cancelled and said so.
    if (!prep.prepared) return cancelRequested ? { ...cancelled(), runDir: prep.runDir } : failed(prep.error!, prep.runDir);
    const p = prep.prepared;
    onEvent({ type: 'log', time: Date.now(), level: 'info', message: `run folder: ${p.runDir}; engine: pytorch on ${decided.device} (${decided.reason})`, runDir: p.runDir });
    if (resumeDir) {
      mkdirSync(join(p.runDir, 'checkpoints'), { recursive: true });
      copyFileSync(join(resumeDir, TORCH_CHECKPOINT), join(p.runDir, TORCH_CHECKPOINT));
    }
    phase = 'training';
    const result = await trainInPython(session, p, options, decided, resumeDir !== undefined, onEvent);
    if (result.status === 'completed' && p.samples.test > 0) await deps.evaluateTest(p.runDir);
    return result;
  };

  const done = run().catch((e: unknown) => failed({ code: 'trainer/internal', message: `The PyTorch engine failed: ${(e as Error)?.message ?? e}` }));
  const closed: Promise<Closed> = done.then(async (r) => (delegate ? delegate.closed : { code: r.exitCode, signal: r.signal }));

  return {
    get pid() {
      return delegate?.pid ?? current?.pid;
    },
    cancel() {
      if (cancelRequested) return;
      cancelRequested = true;
      if (delegate) return delegate.cancel();
      const child = current;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      // Preparing: the trainer's SIGTERM closes the new record as cancelled. Training: Python stops
      // after its batch on SIGINT, keeping the last epoch's checkpoint; then SIGTERM, then SIGKILL.
      child.kill(phase === 'preparing' ? 'SIGTERM' : 'SIGINT');
      timers.push(setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), cancelGraceMs).unref());
      timers.push(setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2 * cancelGraceMs).unref());
    },
    kill(signal) {
      (delegate ?? { kill: (s: NodeJS.Signals) => current?.kill(s) }).kill(signal);
    },
    onStderr(listener) {
      stderrListeners.push(listener);
      delegate?.onStderr(listener);
    },
    closed,
    done,
  };
}

/** One line of Python's stdout: a trainer event (validated as the trainer's are), or output of its own. */
function forwardLine(line: string, w: Watch, onEvent: (e: TrainerEvent) => void): void {
  const text = line.trim();
  if (!text) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A print() in the package, or a library's: the run's own words, at debug level.
    return onEvent({ type: 'log', time: Date.now(), level: 'debug', message: text.slice(0, 2000) });
  }
  const v = validateTrainerEvent(parsed);
  if (!v.ok) return onEvent({ type: 'log', time: Date.now(), level: 'warning', message: `dropped an invalid message from train.py: ${v.error}` });
  const e = v.value;
  if (e.type === 'done') w.done = e;
  if (e.type === 'error') w.error = e;
  onEvent(e);
}
