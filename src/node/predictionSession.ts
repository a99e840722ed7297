/**
 * Prediction sessions: a long-lived trainer process per run that keeps the run's model loaded
 * and answers predictions (the "Try the model" panel's engine). Inference runs there, not in the
 * extension host (which must not load TensorFlow.js) nor in the webview (a second tfjs bundle and
 * a second preprocessing path): docs/try.md.
 *
 * Latest wins: at most one request is in the trainer and at most one waits; a newer request
 * replaces the waiting one, which resolves as superseded. A user drawing fast never queues stale
 * predictions. Node only; no tfjs (the extension host imports this).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PREPROCESSING_FILE } from '../core/protocol/preprocessing';
import type { ErrorEvent, InferenceEvent, RawInput, ServeOptions, ServingEvent, TrainerCommand, TrainerEvent } from '../core/protocol/trainer';
import { validateTrainerEvent } from '../core/protocol/trainer';
import { failureLines, resolveTrainerPath, type StartOptions } from './trainerClient';

export type SessionOptions = ServeOptions & Pick<StartOptions, 'trainerPath' | 'execArgv' | 'env'>;

/** A request's answer, or `superseded` when a newer request took its place before it was sent. */
export type PredictResult = { superseded: false; event: InferenceEvent } | { superseded: true };

/** Why a session cannot serve: the trainer's error event, or a crash. */
export class SessionError extends Error {
  constructor(readonly event: Pick<ErrorEvent, 'code' | 'message'>) {
    super(event.message);
  }
}

const STDERR_TAIL = 16 * 1024;

interface Waiting {
  inputs: RawInput[];
  resolve(r: PredictResult): void;
  reject(e: Error): void;
}

export class PredictionSession {
  /** Resolves once the run's model is loaded; rejects with a SessionError when it cannot be. */
  readonly ready: Promise<ServingEvent>;
  private readonly child: ChildProcess;
  private stderr = '';
  private nextId = 1;
  private inFlight?: { id: number; waiting: Waiting };
  private queued?: Waiting;
  /** `answer` requests: sent at once, answered in order by the trainer (no latest-wins). */
  private readonly answering = new Map<number, Omit<Waiting, 'inputs' | 'resolve'> & { resolve(e: InferenceEvent): void }>();
  private failure?: SessionError;
  private closed = false;
  private serving = false;

  constructor(readonly runDir: string, options: SessionOptions = {}, private readonly onLog: (e: TrainerEvent) => void = () => undefined) {
    const { trainerPath, execArgv, env, ...serve } = options;
    this.child = fork(resolveTrainerPath(trainerPath), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: execArgv ?? [], env: { ...process.env, ...env }, serialization: 'json' });
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString('utf8')).slice(-STDERR_TAIL)));
    this.child.stdout?.resume();
    this.ready = new Promise<ServingEvent>((resolveReady, rejectReady) => {
      this.child.on('message', (m: unknown) => {
        const v = validateTrainerEvent(m);
        if (!v.ok) return this.onLog({ type: 'log', time: Date.now(), level: 'warning', message: `dropped an invalid message from the trainer: ${v.error}` });
        const e = v.value;
        if (e.type === 'serving') {
          this.serving = true;
          resolveReady(e);
          this.pump();
        }
        else if (e.type === 'inference') this.answered(e);
        else if (e.type === 'error') this.fail(new SessionError(e), rejectReady);
        else this.onLog(e);
      });
      this.child.on('error', (err) => this.fail(new SessionError({ code: 'trainer/spawn', message: `Could not start the trainer: ${err.message}` }), rejectReady));
      this.child.on('close', (code, signal) => {
        const said = failureLines(this.stderr, this.stderr.length, undefined);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.fail(new SessionError({ code: this.closed ? 'session/closed' : 'trainer/crashed', message: this.closed ? 'The prediction session was closed.' : `The prediction session's trainer ${how}.${said.length ? ` Its last error output: ${said.join(' | ')}` : ''}` }), rejectReady);
      });
    });
    // Nobody may be listening yet: a failure is kept and reported by every later call.
    this.ready.catch(() => undefined);
    this.child.send({ type: 'serve', runDir: resolve(runDir), options: serve } satisfies TrainerCommand);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.failure;
  }

  /** Predicts `inputs` (latest wins: a request still waiting when a newer one comes is superseded). */
  predict(inputs: RawInput[]): Promise<PredictResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<PredictResult>((resolveResult, reject) => {
      this.queued?.resolve({ superseded: true });
      this.queued = { inputs, resolve: resolveResult, reject };
      this.pump();
    });
  }

  /**
   * Predicts `inputs` in `predict`'s decoded form (`answers`, one per input, with the `topK` most
   * probable classes). Every request is answered, in order: the HTTP server's batches go this way.
   */
  answer(inputs: RawInput[], topK: number): Promise<InferenceEvent> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<InferenceEvent>((resolveAnswer, reject) => {
      const id = this.nextId++;
      this.answering.set(id, { resolve: resolveAnswer, reject });
      this.child.send({ type: 'infer', id, inputs, topK } satisfies TrainerCommand);
    });
  }

  private pump(): void {
    if (!this.serving || this.inFlight || !this.queued || this.failure) return;
    const waiting = this.queued;
    this.queued = undefined;
    const id = this.nextId++;
    this.inFlight = { id, waiting };
    this.child.send({ type: 'infer', id, inputs: waiting.inputs } satisfies TrainerCommand);
  }

  private answered(e: InferenceEvent): void {
    const answering = this.answering.get(e.id);
    if (answering) {
      this.answering.delete(e.id);
      return answering.resolve(e);
    }
    if (this.inFlight?.id !== e.id) return;
    const { waiting } = this.inFlight;
    this.inFlight = undefined;
    waiting.resolve({ superseded: false, event: e });
    this.pump();
  }

  private fail(error: SessionError, rejectReady: (e: Error) => void): void {
    if (this.failure) return;
    this.failure = error;
    rejectReady(error);
    this.inFlight?.waiting.reject(error);
    this.queued?.reject(error);
    for (const a of this.answering.values()) a.reject(error);
    this.answering.clear();
    this.inFlight = this.queued = undefined;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  /** Ends the session's trainer process. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.child.connected) {
      this.child.send({ type: 'cancel' } satisfies TrainerCommand);
      this.child.disconnect();
    }
    setTimeout(() => this.child.exitCode === null && this.child.signalCode === null && this.child.kill('SIGKILL'), 3000).unref();
  }
}

/** One session per run folder, opened on first use and reopened after its trainer died. */
export class SessionPool {
  private readonly sessions = new Map<string, PredictionSession>();

  constructor(private readonly options: SessionOptions = {}, private readonly onLog?: (e: TrainerEvent) => void) {}

  get(runDir: string): PredictionSession {
    const key = resolve(runDir);
    const open = this.sessions.get(key);
    if (open?.alive) return open;
    const session = new PredictionSession(key, this.options, this.onLog);
    this.sessions.set(key, session);
    return session;
  }

  close(runDir: string): void {
    const key = resolve(runDir);
    this.sessions.get(key)?.close();
    this.sessions.delete(key);
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

/** Whether a run folder can be served: it kept its preprocessing and a trained model. */
export function canServe(runDir: string): boolean {
  return existsSync(join(runDir, PREPROCESSING_FILE)) && ['checkpoints/best', 'checkpoints/last', 'model'].some((m) => existsSync(join(runDir, m, 'model.json')));
}
