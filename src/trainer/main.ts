/**
 * The trainer process (bundled as dist/trainer.js, started with child_process.fork). It waits for
 * a `start` command, trains, and sends typed events back over IPC (or an `evaluate` command,
 * answered by an `evaluation` event, or `predict`, answered in `predictions` batches paced by the
 * parent's `continue`; or `serve`, a long-lived prediction session answering `infer` commands
 * with `inference` events; or `prepare`, the PyTorch engine's half: src/trainer/prepareRun.ts);
 * `cancel` stops it between batches. Every command is validated on arrival.
 */
import type { TrainerCommand, TrainerEvent } from '../core/protocol/trainer';
import { validateTrainerCommand } from '../core/protocol/trainer';
import { isParallelWorker, runParallelWorker } from './parallel';
import { removeTemporaries } from '../node/runRecord';
import { errorEvent, runTraining, type Control } from './train';
import { evaluateRun } from './evaluateRun';
import { prepareRun } from './prepareRun';
import { ServingSession } from './session';
import { predictRun } from './predictRun';
import { env } from '../node/config';

const control: Control = { cancelled: false };
let started = false;

/** Sends over IPC (or prints JSON lines when run by hand) and resolves once the message is out. */
function send(e: TrainerEvent): Promise<void> {
  if (!process.send || !process.connected) {
    if (!process.send) process.stdout.write(JSON.stringify(e) + '\n');
    return Promise.resolve();
  }
  return new Promise((resolve) => process.send!(e, undefined, {}, () => resolve()));
}

let pending: Promise<void> = Promise.resolve();
/** Set by SIGTERM: the run's record is closed and its last message sent; nothing more goes out. */
let terminated = false;
function emit(e: TrainerEvent): void {
  if (terminated) return;
  pending = send(e);
  fault(e);
}

/**
 * Fault injection for the tests of crash handling (MODELYAML_TRAINER_FAULT=kind@batch, where kind
 * is crash, hang or oom): makes the trainer fail the way a real one can, after the given batch.
 */
function fault(e: TrainerEvent): void {
  const spec = env.trainerFault();
  if (!spec || e.type !== 'batch') return;
  const [kind, at] = spec.split('@');
  if (e.batch < Number(at ?? 1)) return;
  if (kind === 'crash') process.abort();
  if (kind === 'hang') for (;;) Date.now();
  if (kind === 'oom') {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array(1 << 20).fill(Math.random()));
  }
}

async function finish(code: number): Promise<never> {
  await pending;
  process.exit(terminated ? 143 : code);
}

async function start(cmd: Extract<TrainerCommand, { type: 'start' | 'prepare' }>): Promise<void> {
  try {
    if (cmd.type === 'prepare') emit(await prepareRun(cmd.specPath, cmd.options, cmd.engine, control));
    else await runTraining(cmd.specPath, cmd.options, emit, control, cmd.engine);
    await finish(0);
  } catch (e) {
    const ev = { ...errorEvent(e), time: Date.now() } as Extract<TrainerEvent, { type: 'error' }>;
    if (ev.code === 'trainer/internal' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    // The record is best effort once things went wrong: on a full disk the event may not fit
    // while run.json (overwritten in place) still can, so each is tried on its own.
    bestEffort(() => control.record?.event(ev));
    bestEffort(() => control.record?.close('failed', ev.message, { ...control.progress, error: { code: ev.code, message: ev.message, file: ev.file, row: ev.row, offset: ev.offset } }));
    if (control.record) removeTemporaries(control.record.dir);
    if (!terminated) pending = send(ev);
    await finish(1);
  }
}

const log = (level: 'debug' | 'info' | 'warning', message: string) => emit({ type: 'log', time: Date.now(), level, message });

/** A one-off command (evaluate, predict): its answer, or its failure as an `error` event, then exit; no run record. */
async function oneOff(answer: () => Promise<Exclude<TrainerEvent, { type: 'error' }>>): Promise<void> {
  try {
    emit(await answer());
    await finish(0);
  } catch (e) {
    const ev = { ...errorEvent(e), time: Date.now() } as Extract<TrainerEvent, { type: 'error' }>;
    if (ev.code === 'trainer/internal' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    emit(ev);
    await finish(1);
  }
}

/** `evaluate`: one evaluation, answered with an `evaluation` event (or an `error`). */
const evaluateCommand = (cmd: Extract<TrainerCommand, { type: 'evaluate' }>) => oneOff(async () => ({ ...(await evaluateRun(cmd.runDir, cmd.options, log)), time: Date.now() }));

/** `predict`'s window: batches sent that the parent has not yet written out, and who waits for room. */
const WINDOW = 2;
const flow = { unanswered: 0, waiting: undefined as (() => void) | undefined };

/** `predict`: answers in `predictions` batches, then `predicted` (or an `error`). */
const predictCommand = (cmd: Extract<TrainerCommand, { type: 'predict' }>) => oneOff(async () => {
  // Nothing to keep when the parent goes (Ctrl-C, killed): stop at once, even while reading a silent stdin.
  process.once('disconnect', () => process.exit(130));
  const done = await predictRun(cmd.runDir, cmd.options, {
    emit: (e) => {
      if (e.type === 'predictions') flow.unanswered++;
      emit({ ...e, time: Date.now() } as TrainerEvent);
    },
    room: () => (flow.unanswered < WINDOW || control.cancelled ? Promise.resolve() : new Promise<void>((r) => (flow.waiting = r))),
    stdin: process.stdin,
    cancelled: () => control.cancelled,
    log,
  });
  return { ...done, time: Date.now() };
});

/** The open prediction session (`serve`), once loaded; `infer`s queue behind its loading and each other. */
let serving: Promise<ServingSession | undefined> = Promise.resolve(undefined);
let inSession = false;

/** `serve`: loads the run once and stays up, answering `infer`s, until the parent goes (or cancels). */
function serveCommand(cmd: Extract<TrainerCommand, { type: 'serve' }>): void {
  inSession = true;
  serving = ServingSession.open(cmd.runDir, cmd.options, log).then(
    ({ session, event }) => {
      emit({ ...event, time: Date.now() });
      return session;
    },
    async (e: unknown) => {
      const ev = { ...errorEvent(e), time: Date.now() } as Extract<TrainerEvent, { type: 'error' }>;
      if (ev.code === 'trainer/internal' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
      emit(ev);
      return finish(1);
    },
  );
}

function inferCommand(cmd: Extract<TrainerCommand, { type: 'infer' }>): void {
  serving = serving.then(async (session) => {
    if (!session) emit({ type: 'inference', time: Date.now(), id: cmd.id, outputs: [], ms: 0, error: { code: 'protocol/no-session', message: 'infer needs a `serve` command first' } });
    else emit({ ...(await (cmd.topK ? session.answer(cmd.id, cmd.inputs, cmd.topK) : session.predict(cmd.id, cmd.inputs))), time: Date.now() });
    return session;
  });
}

function bestEffort(write: () => void): void {
  try {
    write();
  } catch {
    /* the disk refused: the parent still hears of the failure */
  }
}

process.on('message', (m: unknown) => {
  const v = validateTrainerCommand(m);
  if (!v.ok) {
    void send({ type: 'error', time: Date.now(), code: 'protocol/invalid-command', message: v.error });
    return;
  }
  if (v.value.type === 'cancel') {
    control.cancelled = true;
    // A prediction session has nothing to finish: it ends.
    if (inSession) void finish(0);
    return;
  }
  if (v.value.type === 'infer') return inferCommand(v.value);
  if (v.value.type === 'continue') {
    flow.unanswered = Math.max(0, flow.unanswered - 1);
    flow.waiting?.();
    flow.waiting = undefined;
    return;
  }
  if (started) {
    void send({ type: 'log', time: Date.now(), level: 'warning', message: 'this trainer is already running; start another process for another run' });
    return;
  }
  started = true;
  if (v.value.type === 'evaluate') void evaluateCommand(v.value);
  else if (v.value.type === 'serve') serveCommand(v.value);
  else if (v.value.type === 'predict') void predictCommand(v.value);
  else void start(v.value);
});

/** How long a SIGTERMed trainer waits for its last message to reach the parent. */
const SIGTERM_FLUSH_MS = 1000;

// SIGTERM (the parent's second step of cancelling, or anyone's kill): record what really ran —
// the epochs completed and the last one's metrics — tell the parent, and go.
process.on('SIGTERM', () => {
  if (terminated) return;
  terminated = true;
  control.cancelled = true;
  const r = control.record;
  if (r && r.record.status !== 'running') process.exit(143);
  const now = Date.now();
  const { epochs, final } = control.progress ?? { epochs: 0, final: {} };
  const reason = `stopped by SIGTERM ${epochs ? `after epoch ${epochs}` : 'before the first epoch ended'}`;
  const durationMs = r ? now - Date.parse(r.record.startedAt) : 0;
  const done: TrainerEvent = { type: 'done', time: now, status: 'cancelled', reason, epochs, durationMs, final, ...(r ? { runDir: r.dir } : {}) };
  bestEffort(() => r?.event(done));
  bestEffort(() => r?.close('cancelled', reason, { epochs, final }));
  if (r) removeTemporaries(r.dir);
  pending = send(done);
  setTimeout(() => process.exit(143), SIGTERM_FLUSH_MS).unref();
  void finish(143);
});

// Ctrl-C in a terminal reaches the whole process group: treat it as a cancel, like the parent does.
process.on('SIGINT', () => {
  control.cancelled = true;
});

// The parent went away: stop at the next batch, keeping the record (and stop waiting for room to
// predict); a prediction session just ends.
process.on('disconnect', () => {
  control.cancelled = true;
  flow.waiting?.();
  if (inSession) void finish(0);
});

if (isParallelWorker()) {
  // A data-parallel worker thread (./parallel.ts) running this same bundle.
  void runParallelWorker();
} else if (!process.send) {
  // Run by hand: `node dist/trainer.js spec.model.yaml` trains with default options.
  const spec = process.argv[2];
  if (spec) {
    started = true;
    void start({ type: 'start', specPath: spec, options: {} });
  } else {
    process.stderr.write('usage: node trainer.js <spec.model.yaml> (normally started by the extension or `modelyaml train`)\n');
    process.exitCode = 2;
  }
}
