/**
 * Data-parallel training on the CPU: a second thread (a worker running this same bundle) computes
 * the gradients of half of each batch while the trainer's own thread computes the other half;
 * the two are averaged, weighted by sample count, and the optimizer applies them on the main
 * thread, which then hands the new weights to the worker. tfjs's wasm backend is single-threaded
 * in Node; on machines with fewer than 8 logical cores this is how the trainer uses a second core
 * (on larger ones it starts the threaded build instead: wasmThreadsFor).
 *
 * The exchange goes through one SharedArrayBuffer (weights, the worker's half of the batch, its
 * gradients, loss and metric means) and Atomics, so the step stays synchronous inside tfjs-layers'
 * train function: its optimizer's `computeGradients` is wrapped to wait for the worker's half.
 *
 * The result equals the full-batch gradient (a mean loss splits exactly by sample count) up to
 * float rounding, and is deterministic for a fixed thread count. Layers whose training forward
 * pass couples samples (BatchNormalization) keep the single-threaded loop. MODELYAML_PARALLEL=0
 * turns this off (=1 forces it, for tests); the run's `maxThreads` (the extension's
 * modelyaml.train.maxThreads) or MODELYAML_THREADS caps the threads; MODELYAML_PARALLEL_PROFILE=1 prints each step's split to stderr.
 */
import * as tf from './tf';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, workerData } from 'node:worker_threads';
import { analyze, trainSettings } from '../core/analyze';
import type { LayerInfo } from '../core/infer';
import { fileDataHost } from '../node/dataHost';
import { initWasmBackend, wasmThreadCount } from './backend/wasm';
import { buildModel } from './model/build';
import { lossOf, metricOf, type MetricContext } from './model/objectives';
import { deriveSeed, mulberry32, product } from './util';
import { env } from '../node/config';

declare const __filename: string | undefined;

interface Setup extends Pick<ParallelOptions, 'specPath' | 'specDir' | 'seed' | 'wasmDir' | 'task' | 'metricCtx' | 'metrics' | 'xShape' | 'yShape'> {
  modelyamlParallel: true;
  /** Per-sample sizes of x and y, and the most samples the worker gets. */
  kx: number;
  ky: number;
  maxHalf: number;
  params: number;
  sab: SharedArrayBuffer;
}

/** Byte layout of the shared buffer. */
function layout(s: Pick<Setup, 'kx' | 'ky' | 'maxHalf' | 'params' | 'metrics'>) {
  const ctrl = 0; // Int32 ×8: [0] step sequence (main → worker), [1] done sequence, [2] samples, [3] status
  const err = 32; // 4 KiB of UTF-8 error text
  const weights = err + 4096;
  const x = weights + 4 * s.params;
  const y = x + 4 * s.maxHalf * s.kx;
  const out = y + 4 * s.maxHalf * s.ky; // grads, loss, metric means
  const end = out + 4 * (s.params + 1 + s.metrics);
  return { ctrl, err, weights, x, y, out, end };
}

function views(s: Setup) {
  const l = layout(s);
  return {
    ctrl: new Int32Array(s.sab, l.ctrl, 8),
    err: new Uint8Array(s.sab, l.err, 4096),
    weights: new Float32Array(s.sab, l.weights, s.params),
    x: new Float32Array(s.sab, l.x, s.maxHalf * s.kx),
    y: new Float32Array(s.sab, l.y, s.maxHalf * s.ky),
    out: new Float32Array(s.sab, l.out, s.params + 1 + s.metrics),
  };
}

type Weights = Array<{ read(): tf.Variable; shape: tf.Shape }>;
const trainable = (m: tf.LayersModel) => ((m as unknown as { collectedTrainableWeights?: Weights }).collectedTrainableWeights ?? (m.trainableWeights as unknown as Weights));
const regularizerLosses = (m: tf.LayersModel) => (m as unknown as { calculateLosses(): tf.Scalar[] }).calculateLosses();

export interface ParallelOptions {
  backend: string;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  specPath: string;
  specDir: string;
  seed: number;
  wasmDir?: string;
  task: { labelKind: unknown; classes?: unknown };
  metricCtx: MetricContext;
  metrics: number;
  batchSize: number;
  xShape: number[];
  yShape: number[];
}

/** Logical cores the trainer may use: all of them, or MODELYAML_THREADS (modelyaml.train.maxThreads). */
export function cpuThreads(): number {
  return Math.min(availableParallelism(), threadLimit ?? env.threads() ?? Infinity);
}

/** The run's `maxThreads` option, set once when a run starts (it outranks MODELYAML_THREADS). */
let threadLimit: number | undefined;
export function limitThreads(n: number | undefined): void {
  threadLimit = n;
}

/** The threaded wasm build pays from this many logical cores (see wasmThreadsFor). */
const MIN_CORES_FOR_THREADED_BUILD = 8;

/**
 * XNNPACK threads for the wasm backend, decided from the spec's static shapes before the model
 * exists (the build is chosen when the backend starts). MODELYAML_WASM_THREADS sets it. Otherwise
 * the threaded build runs on machines with at least 8 logical cores, with half of them (tfjs's
 * own rule: two hardware threads per core; at most 8), when a step holds enough work; elsewhere
 * the single-threaded build, and data-parallel training splits big steps over two threads.
 * Measured with the MNIST CNN (samples/s, one thread / data-parallel / threaded build): on a
 * 16-core Xeon 498 / 852 / 996 at batch 64 and 536 / 722 / 886 at 256 (8 threads); on this
 * 2-vCPU EPYC the threaded build tied data-parallel at 64, lost at 256 (806 vs 1,394), and halved
 * the MLP's speed (each small operation wakes the pool).
 */
export function wasmThreadsFor(
  layers: Array<Pick<LayerInfo, 'layer' | 'outputShape' | 'params'>>, batchSize: number, cores = cpuThreads(),
): { threads: number; why: string } {
  const forced = env.wasmThreads();
  // The run's maxThreads (one each for parallel search trials) caps even a forced count.
  if (forced !== undefined && forced >= 1) return { threads: Math.min(Math.floor(forced), threadLimit ?? Infinity), why: `set by MODELYAML_WASM_THREADS${threadLimit !== undefined && threadLimit < forced ? `, capped by maxThreads ${threadLimit}` : ''}` };
  if (cores < MIN_CORES_FOR_THREADED_BUILD) return { threads: 1, why: `${cores} logical cores (the threaded build pays from ${MIN_CORES_FOR_THREADED_BUILD})` };
  const perStep = staticMacsPerSample(layers) * batchSize;
  if (perStep < 2 * MIN_MACS_PER_HALF) return { threads: 1, why: `too little work per step (${(perStep / 1e6).toFixed(0)}M multiply-adds; the threaded build pays from ${(2 * MIN_MACS_PER_HALF) / 1e6}M)` };
  const threads = Math.min(8, Math.floor(cores / 2));
  return { threads, why: `${cores} logical cores and ${(perStep / 1e6).toFixed(0)}M multiply-adds per step` };
}

/**
 * XNNPACK threads for predicting batches of `batchSize` (evaluate). Inference has no
 * data-parallel split to prefer, so the threaded build runs on every core the trainer may use
 * (tfjs's cap: 8) from two cores on, when a batch holds enough work to share; MODELYAML_WASM_THREADS
 * sets it. The MNIST CNN at batch 256 (723M multiply-adds) on a shared 2-vCPU EPYC: 1,301
 * samples/s on one thread, 2,282 on two at load 12; interleaved at load 15-23, no difference
 * (docs/evaluation.md). A batch of one waits on the pool at each operation and runs fastest on
 * one thread: the small-batch case below.
 */
export function inferenceWasmThreadsFor(
  layers: Array<Pick<LayerInfo, 'layer' | 'outputShape' | 'params'>>, batchSize: number, cores = cpuThreads(),
): { threads: number; why: string } {
  const forced = env.wasmThreads();
  if (forced !== undefined && forced >= 1) return { threads: Math.floor(forced), why: 'set by MODELYAML_WASM_THREADS' };
  if (cores < 2) return { threads: 1, why: `${cores} logical core` };
  // A recurrent layer runs as many small steps per batch as the sequence is long, each waking the
  // pool: not measured with threads, so it keeps one, as before.
  const recurrent = layers.find((l) => RECURRENT.test(l.layer.type));
  if (recurrent) return { threads: 1, why: `${recurrent.layer.type} is recurrent (many small steps per batch)` };
  const perBatch = staticMacsPerSample(layers) * batchSize;
  if (perBatch < 2 * MIN_MACS_PER_HALF) return { threads: 1, why: `too little work per batch (${(perBatch / 1e6).toFixed(0)}M multiply-adds; threads pay from ${(2 * MIN_MACS_PER_HALF) / 1e6}M)` };
  return { threads: Math.min(8, cores), why: `${cores} logical cores and ${(perBatch / 1e6).toFixed(0)}M multiply-adds per batch` };
}

const RECURRENT = /^(lstm|gru|simple_rnn|bidirectional)$/;

/** Multiply-adds of one sample from the spec's static shapes: output positions × weights, per layer (embeddings look up, they do not multiply). */
function staticMacsPerSample(layers: Array<Pick<LayerInfo, 'layer' | 'outputShape' | 'params'>>): number {
  let macs = 0;
  for (const l of layers) {
    if (!l.outputShape || !l.params || /embedding/i.test(l.layer.type)) continue;
    macs += l.outputShape.slice(0, -1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1) * l.params;
  }
  return macs;
}

/** Why data-parallel training is not used here, or undefined when it can be. */
export function parallelRefusal(o: Pick<ParallelOptions, 'backend' | 'model' | 'batchSize'>): string | undefined {
  if (env.parallel() === false) return 'turned off (MODELYAML_PARALLEL)';
  // MODELYAML_PARALLEL=1 forces it wherever it is correct (tests): no thread-count or work threshold.
  const forced = env.parallel() === true;
  if (o.backend !== 'wasm') return `the ${o.backend} backend is not the single-threaded wasm one`;
  if (wasmThreadCount() > 1) return `the wasm backend already runs ${wasmThreadCount()} threads`;
  const threads = cpuThreads();
  if (threads < 2 && !forced) return `${threads} thread available`;
  if (o.batchSize < (forced ? 2 : 32)) return `batch ${o.batchSize} is too small to split`;
  if (typeof __filename !== 'string' || !/\.c?js$/.test(__filename)) return 'not running from the trainer bundle';
  const coupled = o.model.layers.find((l) => /BatchNorm/i.test(l.getClassName()));
  if (coupled) return `${coupled.getClassName()} couples the samples of a batch`;
  const macs = macsPerSample(o.model) * Math.floor(o.batchSize / 2);
  if (macs < MIN_MACS_PER_HALF && !forced) return `too little work per step (${(macs / 1e6).toFixed(0)}M multiply-adds per half batch; threads pay from ${MIN_MACS_PER_HALF / 1e6}M)`;
  return undefined;
}

/**
 * Below this many multiply-adds per half batch the exchange and the second thread's contention
 * for the core's SIMD units cost more than they save. Measured on a shared 2-vCPU EPYC, where two
 * wasm trainings side by side each run at 55-80% of their speed alone: the MNIST MLP (0.1M per
 * sample) lost at every batch up to 1024 (52M per half); the MNIST CNN (2.8M per sample) gained
 * at batch 64 (90M per half: median 1,076 vs 865 samples/s over four interleaved runs each,
 * after earlier sessions saw -10% to +4% there) and +29% to +100% at batch 256 (360M).
 */
const MIN_MACS_PER_HALF = 64e6;

/** Rough multiply-adds of one sample's forward pass: output positions × kernel size per layer. */
export function macsPerSample(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    let kernel: number[] | undefined;
    for (const w of layer.weights) if (w.shape.length >= 2 && (!kernel || w.shape.length > kernel.length)) kernel = w.shape as number[];
    if (!kernel) continue;
    const out = (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as Array<number | null>;
    const positions = out.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1);
    total += positions * product(kernel);
  }
  return total;
}

export class DataParallel {
  private readonly v: ReturnType<typeof views>;
  private seq = 0;
  /** Set while a step's worker half is in flight: the wrapped computeGradients waits for it. */
  private pending?: { nMain: number; nWorker: number };
  private workerMetrics: number[] = [];
  /** The last step's split, for MODELYAML_PARALLEL_PROFILE. */
  private profile = { main: 0, waited: 0, combine: 0 };
  readonly threads = 2;

  private constructor(private readonly s: Setup, private readonly worker: Worker, private readonly model: tf.LayersModel, optimizer: tf.Optimizer) {
    this.v = views(s);
    const original = optimizer.computeGradients.bind(optimizer);
    optimizer.computeGradients = ((f: () => tf.Scalar, varList?: tf.Variable[]) => {
      const t0 = performance.now();
      const res = original(f, varList);
      const p = this.pending;
      if (!p) return res;
      this.pending = undefined;
      const t1 = performance.now();
      this.wait();
      const t2 = performance.now();
      this.profile = { main: t1 - t0, waited: t2 - t1, combine: 0 };
      const n = p.nMain + p.nWorker;
      const a = p.nMain / n;
      const b = p.nWorker / n;
      const vars = varList ?? trainable(this.model).map((w) => w.read());
      const out = this.v.out;
      const grads: tf.NamedTensorMap = {};
      let off = 0;
      for (const v of vars) {
        const size = product(v.shape);
        const gw = out.slice(off, off + size);
        off += size;
        const g = res.grads[v.name];
        grads[v.name] = tf.tidy(() => tf.add(tf.mul(g, a), tf.mul(tf.tensor(gw, v.shape), b)));
        g.dispose();
      }
      const value = tf.tidy(() => tf.add(tf.mul(res.value, a), out[off] * b)) as tf.Scalar;
      res.value.dispose();
      this.workerMetrics = Array.from(out.subarray(off + 1, off + 1 + this.s.metrics));
      this.profile.combine = performance.now() - t2;
      return { value, grads };
    }) as typeof optimizer.computeGradients;
  }

  static async start(o: ParallelOptions): Promise<DataParallel> {
    const params = trainable(o.model).reduce((s, w) => s + product(w.shape as number[]), 0);
    const base = {
      kx: product(o.xShape), ky: product(o.yShape), maxHalf: Math.ceil(o.batchSize / 2), params, metrics: o.metrics,
    };
    const sab = new SharedArrayBuffer(layout(base).end);
    const setup: Setup = {
      modelyamlParallel: true, specPath: o.specPath, specDir: o.specDir, seed: o.seed, wasmDir: o.wasmDir,
      task: o.task, metricCtx: o.metricCtx, xShape: o.xShape, yShape: o.yShape, sab, ...base,
    };
    const worker = new Worker(__filename as string, { workerData: setup, stdout: false, stderr: false });
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error ?? 'the worker did not start'))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code}`)));
    });
    worker.removeAllListeners();
    worker.on('error', () => undefined);
    return new DataParallel(setup, worker, o.model, o.optimizer);
  }

  /** One training step over the whole batch; resolves with [loss, ...batch metric means]. */
  step(trainStep: (data: tf.Tensor[]) => tf.Scalar[], x: Float32Array, y: Float32Array, n: number): number[] {
    const { kx, ky, xShape, yShape } = this.s;
    const nWorker = Math.floor(n / 2);
    const nMain = n - nWorker;
    const t0 = performance.now();
    // Current weights and the worker's half (the batch's second half), then go.
    let off = 0;
    for (const w of trainable(this.model)) {
      const d = w.read().dataSync() as Float32Array;
      this.v.weights.set(d, off);
      off += d.length;
    }
    this.v.x.set(x.subarray(nMain * kx, n * kx));
    this.v.y.set(y.subarray(nMain * ky, n * ky));
    this.v.ctrl[2] = nWorker;
    this.seq++;
    Atomics.store(this.v.ctrl, 0, this.seq);
    Atomics.notify(this.v.ctrl, 0);
    this.pending = { nMain, nWorker };
    const t1 = performance.now();
    const xs = tf.tensor(x.subarray(0, nMain * kx), [nMain, ...xShape]);
    const ys = tf.tensor(y.subarray(0, nMain * ky), [nMain, ...yShape]);
    let outs: tf.Scalar[] = [];
    try {
      outs = trainStep([xs, ys]);
      if (this.pending) throw new Error('the train step did not compute gradients');
      const values = outs.map((t) => t.dataSync()[0]);
      // values[0] is already the combined loss; metrics are each half's mean.
      for (let i = 1; i < values.length; i++) values[i] = (values[i] * nMain + this.workerMetrics[i - 1] * nWorker) / n;
      if (env.parallelProfile()) {
        const p = this.profile;
        const total = performance.now() - t0;
        // update: what the train step spent besides the two halves and their combination (the optimizer, metrics).
        process.stderr.write(`step ${total.toFixed(1)} ms: weights out ${(t1 - t0).toFixed(1)}, main half ${p.main.toFixed(1)}, waited ${p.waited.toFixed(1)}, combine ${p.combine.toFixed(1)}, update ${(total - (t1 - t0) - p.main - p.waited - p.combine).toFixed(1)}\n`);
      }
      return values;
    } finally {
      if (this.pending) {
        this.pending = undefined;
        this.wait();
      }
      tf.dispose([xs, ys, ...outs]);
    }
  }

  private wait(): void {
    const c = this.v.ctrl;
    while (Atomics.load(c, 1) !== this.seq) Atomics.wait(c, 1, Atomics.load(c, 1), 60_000);
    if (c[3] !== 0) {
      const text = new TextDecoder().decode(this.v.err.slice()).replace(/\0+$/, '');
      throw new Error(`the data-parallel worker failed: ${text}`);
    }
  }

  stop(): void {
    Atomics.store(this.v.ctrl, 0, -1);
    Atomics.notify(this.v.ctrl, 0);
    void this.worker.terminate();
  }
}

/** The worker thread's side: waits for steps and computes its half's gradients. */
export async function runParallelWorker(): Promise<void> {
  const s = workerData as Setup;
  const { parentPort } = await import('node:worker_threads');
  const v = views(s);
  let model: tf.LayersModel;
  let lossFn: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor;
  let metricFns: Array<(y: tf.Tensor, p: tf.Tensor) => tf.Tensor>;
  try {
    await initWasmBackend(s.wasmDir);
    const text = readFileSync(s.specPath, 'utf8');
    const a = analyze(text, { host: fileDataHost(s.specDir) });
    const settings = trainSettings(a.spec);
    if (!settings || !a.model) throw new Error('the spec is not trainable');
    model = buildModel(a.spec, a.model, s.seed, s.specDir);
    const task = s.task as Parameters<typeof lossOf>[1];
    lossFn = lossOf(settings.loss, task);
    metricFns = settings.metrics.map((m) => metricOf(m, s.metricCtx)).filter((m) => m.fn).map((m) => m.fn!);
    if (metricFns.length !== s.metrics) throw new Error(`the worker has ${metricFns.length} batch metrics, the trainer ${s.metrics}`);
    model.compile({ optimizer: tf.train.sgd(0), loss: lossFn });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
    return;
  }
  parentPort!.postMessage({ ready: true });
  const vars = trainable(model);
  let seq = 0;
  for (;;) {
    Atomics.wait(v.ctrl, 0, seq);
    const next = Atomics.load(v.ctrl, 0);
    if (next < 0) return;
    if (next === seq) continue;
    seq = next;
    try {
      const n = v.ctrl[2];
      let off = 0;
      for (const w of vars) {
        const size = product(w.shape as number[]);
        const t = tf.tensor(v.weights.subarray(off, off + size), w.shape as number[]);
        w.read().assign(t);
        t.dispose();
        off += size;
      }
      // Dropout and other random layers: their own seeded draws, one stream per step.
      Math.random = mulberry32(deriveSeed(s.seed, 'parallel-worker', seq));
      const xs = tf.tensor(v.x.subarray(0, n * s.kx), [n, ...s.xShape]);
      const ys = tf.tensor(v.y.subarray(0, n * s.ky), [n, ...s.yShape]);
      let metrics: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const pred = model.apply(xs, { training: true }) as tf.Tensor;
        metrics = metricFns.map((f) => tf.keep(tf.mean(f(ys, pred)) as tf.Scalar));
        let loss = tf.mean(lossFn(ys, pred)) as tf.Scalar;
        for (const r of regularizerLosses(model)) loss = tf.add(loss, r);
        return loss;
      }, vars.map((w) => w.read()));
      off = 0;
      for (const w of vars) {
        const g = grads[w.read().name].dataSync() as Float32Array;
        v.out.set(g, off);
        off += g.length;
      }
      v.out[off] = value.dataSync()[0];
      metrics.forEach((m, i) => (v.out[off + 1 + i] = m.dataSync()[0]));
      tf.dispose([xs, ys, value, ...Object.values(grads), ...metrics]);
      v.ctrl[3] = 0;
    } catch (e) {
      v.err.fill(0);
      v.err.set(new TextEncoder().encode(String((e as Error)?.message ?? e).slice(0, 1000)));
      v.ctrl[3] = 1;
    }
    Atomics.store(v.ctrl, 1, seq);
    Atomics.notify(v.ctrl, 1);
  }
}

/** True inside a data-parallel worker thread started by DataParallel. */
export const isParallelWorker = () => !!(workerData as Partial<Setup> | null)?.modelyamlParallel;
