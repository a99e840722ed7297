/**
 * The training loop: epochs of batches (seeded order and augmentation, device-resident or
 * data-parallel steps, batch events at a cadence, NaN guard, cancel), then each epoch's end
 * (validation, learning-rate schedule, checkpoints, early stopping).
 */
import * as tf from './tf';
import { join } from 'node:path';
import type { Metrics, TrainerEvent } from '../core/protocol/trainer';
import type { TrainSettings } from '../core/spec';
import { higherIsBetter } from '../core/search/metric';
import { augmentBatch, batchOf, evaluate, type ResidentData } from './batches';
import { saveCheckpoint, type LoopState } from './checkpoint';
import type { Data } from './data/table';
import { submitStep } from './kernels/webgpu/dispatch';
import { learningRateOf, setLearningRate, type Metric, type scheduleOf } from './model/objectives';
import type { DataParallel } from './parallel';
import type { RunRecordWriter } from '../node/runRecord';
import { deriveSeed, fail, mulberry32, permutation, tick } from './util';

/** A `TrainerEvent` without its time stamp (added when sent). */
export type Untimed<E = TrainerEvent> = E extends TrainerEvent ? Omit<E, 'time'> : never;
export type Send = (e: Untimed) => void;
export type Log = (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;

export interface Control {
  cancelled: boolean;
  /** Set when the run folder exists, so a failure can be recorded there. */
  record?: RunRecordWriter;
  /** What has run so far: the epochs completed and the last one's metrics (for a SIGTERM's record). */
  progress?: { epochs: number; final: Metrics };
}


/** Everything the loop needs, prepared by runTraining. */
export interface LoopContext {
  send: Send;
  log: Log;
  control: Control;
  runDir: string;
  seed: number;
  specHash: string;
  settings: TrainSettings;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  trainStep: (data: tf.Tensor[]) => tf.Scalar[];
  lossFn: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor;
  metrics: Metric[];
  batchMetrics: Metric[];
  schedule: ReturnType<typeof scheduleOf>;
  baseLr: number;
  train: Data;
  validation?: Data;
  augment?: { flip: string; noise: number };
  resident?: ResidentData;
  parallel?: DataParallel;
  /** Called before each epoch runs (the unfreeze schedule). */
  beforeEpoch?: (epoch: number) => void;
  /** Batch size, batches per epoch, a batch event every n batches and at least this many ms apart. */
  bs: number;
  batches: number;
  every: number;
  minEventGapMs: number;
}

export interface LoopOutcome {
  status: 'completed' | 'cancelled';
  reason: string;
  epochsRun: number;
  last: Metrics;
}

/** The watched metrics, falling back from `val_…` to the training value without validation data. */
function monitors(ctx: LoopContext): { es: string; cp: string } {
  let es = ctx.settings.earlyStopping?.monitor ?? 'val_loss';
  let cp = ctx.settings.checkpoint.monitor;
  if (!ctx.validation) {
    if (ctx.settings.earlyStopping && es.startsWith('val_')) {
      ctx.log('warning', `early stopping watches ${es}, but there is no validation data: watching ${es.slice(4)} instead`);
      es = es.slice(4);
    }
    if (cp.startsWith('val_')) cp = cp.slice(4);
  }
  return { es, cp };
}

/** Runs epochs `state.epoch + 1 … epochs`; returns how the run ended and what it reached. */
export async function trainEpochs(ctx: LoopContext, state: LoopState): Promise<LoopOutcome> {
  const { epochs } = ctx.settings;
  const watch = monitors(ctx);
  const track: Tracking = {
    esMonitor: watch.es,
    cpMonitor: watch.cp,
    esBest: state.best ?? (higherIsBetter(watch.es) ? -Infinity : Infinity),
    cpBest: higherIsBetter(watch.cp) ? -Infinity : Infinity,
  };
  const outcome: LoopOutcome = { status: 'completed', reason: `completed ${epochs} epoch${epochs === 1 ? '' : 's'}`, epochsRun: state.epoch, last: {} };
  ctx.control.progress = { epochs: state.epoch, final: {} };
  try {
    for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
      const tEpoch = Date.now();
      ctx.beforeEpoch?.(epoch);
      const ran = await runEpoch(ctx, epoch, state);
      if ('cancelledAtBatch' in ran) return { ...outcome, status: 'cancelled', reason: `cancelled in epoch ${epoch}, batch ${ran.cancelledAtBatch}` };
      const m = await epochMetrics(ctx, ran.sums, ran.seen);
      outcome.epochsRun = epoch;
      outcome.last = m;
      ctx.control.progress = { epochs: epoch, final: m };
      ctx.send({ type: 'epoch', epoch, epochs, metrics: m, durationMs: Date.now() - tEpoch, learningRate: learningRateOf(ctx.optimizer) });
      const stop = await endEpoch(ctx, epoch, m, state, track);
      if (stop) return { ...outcome, reason: stop };
      if (ctx.control.cancelled) return { ...outcome, status: 'cancelled', reason: `cancelled after epoch ${epoch}` };
    }
    return outcome;
  } finally {
    tf.dispose(track.bestWeights ?? []);
  }
}

/** The training means of an epoch, its validation metrics, and whole-set metrics without a batch form. */
async function epochMetrics(ctx: LoopContext, sums: Record<string, number>, seen: number): Promise<Metrics> {
  const m: Metrics = { loss: sums.loss / seen };
  for (const bm of ctx.batchMetrics) m[bm.name] = sums[bm.name] / seen;
  if (ctx.validation) {
    const v = await evaluate(ctx.model, ctx.validation, ctx.bs, ctx.lossFn, ctx.metrics);
    for (const [k, val] of Object.entries(v.metrics)) m[`val_${k}`] = val;
  }
  // Whole-set metrics without a batch form (auc) on the training data too, when it is small.
  for (const wm of ctx.metrics.filter((x) => !x.fn)) if (ctx.train.n <= 20000) m[wm.name] = (await evaluate(ctx.model, ctx.train, ctx.bs, ctx.lossFn, [wm])).metrics[wm.name];
  return m;
}

interface Pending {
  outs: tf.Tensor[];
  n: number;
  b: number;
}

/** One epoch's batches: the summed loss and metrics, or the batch where a cancel stopped it. */
async function runEpoch(ctx: LoopContext, epoch: number, state: LoopState): Promise<{ sums: Record<string, number>; seen: number } | { cancelledAtBatch: number }> {
  const { train, seed, batchMetrics, optimizer, bs, batches } = ctx;
  // Dropout and other random layers draw from Math.random: reseed per epoch, so a resumed run
  // makes the same draws as an uninterrupted one.
  Math.random = mulberry32(deriveSeed(seed, 'Math.random', epoch));
  const order = ctx.settings.shuffle ? permutation(train.n, mulberry32(deriveSeed(seed, 'epoch', epoch))) : Int32Array.from({ length: train.n }, (_, i) => i);
  const augRng = mulberry32(deriveSeed(seed, 'augment', epoch));
  ctx.resident?.shuffle(order);
  const sums: Record<string, number> = { loss: 0 };
  for (const m of batchMetrics) sums[m.name] = 0;
  let seen = 0;
  let tWindow = Date.now();
  let windowSamples = 0;
  // A step's loss and metrics stay on the device until the next batch event: reading them back
  // every step would make the host wait for the GPU (and the GPU for the host) at every batch.
  const pending: Pending[] = [];
  let lastLoss = NaN;
  const account = (values: number[], n: number, b: number) => {
    const loss = values[0];
    if (!Number.isFinite(loss)) {
      tf.dispose(pending.flatMap((p) => p.outs));
      fail('train/nan-loss', `The loss became ${Number.isNaN(loss) ? 'NaN' : loss > 0 ? '+Infinity' : '-Infinity'} at epoch ${epoch}, batch ${b + 1}: training diverged. Lower the learning rate, check the data for extreme values (standardize or normalize it), or check the loss fits the last layer.`);
    }
    lastLoss = loss;
    sums.loss += loss * n;
    batchMetrics.forEach((m, i) => (sums[m.name] += values[i + 1] * n));
  };
  const drain = () => drainPending(pending, account);
  for (let b = 0; b < batches; b++) {
    if (ctx.control.cancelled) {
      tf.dispose(pending.splice(0).flatMap((p) => p.outs));
      return { cancelledAtBatch: b + 1 };
    }
    if (ctx.schedule?.atStep) setLearningRate(optimizer, ctx.schedule.atStep(state.step, ctx.baseLr));
    const from = b * bs;
    const to = Math.min(train.n, (b + 1) * bs);
    await trainBatch(ctx, order, from, to, b, augRng, pending, account, drain);
    const n = to - from;
    state.step++;
    seen += n;
    windowSamples += n;
    if (((b + 1) % ctx.every === 0 && Date.now() - tWindow >= ctx.minEventGapMs) || b === batches - 1) {
      await drain();
      const now = Date.now();
      const running: Metrics = {};
      for (const m of batchMetrics) running[m.name] = sums[m.name] / seen;
      ctx.send({ type: 'batch', epoch, batch: b + 1, batches, loss: lastLoss, metrics: { loss: sums.loss / seen, ...running }, samplesPerSecond: (windowSamples * 1000) / Math.max(1, now - tWindow), learningRate: learningRateOf(optimizer) });
      tWindow = now;
      windowSamples = 0;
    }
    await tick();
  }
  return { sums, seen };
}

/** Reads back the pending steps' outputs in one go (webgpu cannot read synchronously in Node). */
async function drainPending(pending: Pending[], account: (values: number[], n: number, b: number) => void): Promise<void> {
  if (!pending.length) return;
  const outs = pending.flatMap((p) => p.outs);
  const flat = outs.length === 1 ? outs[0] : tf.tidy(() => tf.concat(outs.map((t) => t.reshape([1]))));
  const v = await flat.data();
  if (flat !== outs[0]) flat.dispose();
  let k = 0;
  for (const p of pending.splice(0)) {
    account(Array.from(v.subarray(k, k + p.outs.length)), p.n, p.b);
    k += p.outs.length;
    tf.dispose(p.outs);
  }
}

/** One training step on rows `order[from…to)`: resident on the device, split between threads, or uploaded. */
async function trainBatch(
  ctx: LoopContext, order: Int32Array, from: number, to: number, b: number, augRng: () => number,
  pending: Pending[], account: (values: number[], n: number, b: number) => void, drain: () => Promise<void>,
): Promise<void> {
  const { train, trainStep } = ctx;
  if (ctx.resident) {
    // The batch is gathered on the device from the resident copy: no upload per step.
    const [xs, ys] = ctx.resident.batch(from, to);
    pending.push({ outs: trainStep([xs, ys]), n: to - from, b });
    tf.dispose([xs, ys]);
    submitStep(tf.backend());
    return;
  }
  const batch = batchOf(train, order, from, to);
  if (ctx.augment) augmentBatch(batch.x, batch.n, train.shape, ctx.augment, augRng);
  if (ctx.parallel && batch.n >= 2) {
    await drain();
    account(ctx.parallel.step(trainStep, batch.x, batch.y, batch.n), batch.n, b);
    return;
  }
  const xs = tf.tensor(batch.x, [batch.n, ...train.shape]);
  const ys = tf.tensor(batch.y, [batch.n, ...train.yShape]);
  pending.push({ outs: trainStep([xs, ys]), n: batch.n, b });
  tf.dispose([xs, ys]);
}

/** Early stopping and best-checkpoint bookkeeping across epochs. */
interface Tracking {
  esMonitor: string;
  cpMonitor: string;
  esBest: number;
  cpBest: number;
  bestWeights?: tf.Tensor[];
}

/** An epoch's end: schedule, checkpoints, early stopping. Returns the reason to stop, if any. */
async function endEpoch(ctx: LoopContext, epoch: number, m: Metrics, state: LoopState, track: Tracking): Promise<string | undefined> {
  const { optimizer, settings, model } = ctx;
  const newLr = ctx.schedule?.afterEpoch?.(m, learningRateOf(optimizer));
  if (newLr !== undefined) {
    setLearningRate(optimizer, newLr);
    ctx.log('info', `learning rate reduced to ${newLr} after epoch ${epoch}`);
  }
  Object.assign(state, { epoch, learningRate: learningRateOf(optimizer), schedule: ctx.schedule?.state?.(), specHash: ctx.specHash });

  const cpValue = m[track.cpMonitor];
  if (settings.checkpoint.best && cpValue !== undefined && (higherIsBetter(track.cpMonitor) ? cpValue > track.cpBest : cpValue < track.cpBest)) {
    track.cpBest = cpValue;
    const dir = join(ctx.runDir, 'checkpoints', 'best');
    await saveCheckpoint(dir, model, optimizer, state);
    ctx.send({ type: 'checkpoint', kind: 'best', epoch, path: dir, monitor: track.cpMonitor, value: cpValue });
  }
  const stop = settings.earlyStopping ? earlyStop(ctx, m, state, track) : undefined;
  if (settings.checkpoint.last) {
    const dir = join(ctx.runDir, 'checkpoints', 'last');
    await saveCheckpoint(dir, model, optimizer, state);
    ctx.send({ type: 'checkpoint', kind: 'last', epoch, path: dir });
  }
  if (stop && track.bestWeights) {
    model.setWeights(track.bestWeights);
    ctx.log('info', `restored the weights of the best epoch (${track.esMonitor} = ${track.esBest.toPrecision(5)})`);
  }
  return stop;
}

/** Early stopping after an epoch: keeps the best value (and weights); the reason to stop, if it is time. */
function earlyStop(ctx: LoopContext, m: Metrics, state: LoopState, track: Tracking): string | undefined {
  const es = ctx.settings.earlyStopping!;
  const v = m[track.esMonitor];
  let stop: string | undefined;
  if (v !== undefined) {
    const improved = higherIsBetter(track.esMonitor) ? v > track.esBest + es.minDelta : v < track.esBest - es.minDelta;
    if (improved) {
      track.esBest = v;
      state.wait = 0;
      if (es.restoreBestWeights) {
        tf.dispose(track.bestWeights ?? []);
        track.bestWeights = ctx.model.getWeights().map((w) => w.clone());
      }
    } else if (++state.wait >= es.patience) {
      stop = `early stopping: ${track.esMonitor} did not improve for ${es.patience} epoch${es.patience === 1 ? '' : 's'} (best ${track.esBest.toPrecision(5)})`;
    }
  }
  state.best = track.esBest;
  return stop;
}
