/**
 * One training run, start to end: check the spec, choose the backend, prepare the data, build
 * and compile the model, run the loop (batches, epochs, validation, schedules, early stopping,
 * checkpoints, cancel, NaN guard), evaluate the test split, and keep the run record current.
 * Runs inside the trainer process; `emit` sends each event to the parent and to metrics.jsonl.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { analyze, trainSettings } from '../core/analyze';
import type { Metrics, TrainerEvent, TrainOptions } from '../core/protocol/trainer';
import { fileDataHost } from '../node/dataHost';
import { folderSaveHandler, resolveCheckpoint, restoreCheckpoint, saveCheckpoint, type LoopState } from './checkpoint';
import { prepareData, type Prepared } from './data/pipeline';
import { writePreprocessing } from './data/fitted';
import type { Data } from './data/table';
import { chooseBackend } from './device';
import { buildModel } from './model/build';
import { learningRateOf, lossOf, metricOf, optimizerOf, scheduleOf, setLearningRate, type Metric } from './model/objectives';
import { fuseOptimizer } from './kernels/webgpu/optimizers';
import { fusedKernelsOn } from './kernels/webgpu/program';
import { submitStep } from './kernels/webgpu/dispatch';
import { DataParallel, parallelRefusal, wasmThreadsFor } from './parallel';
import { createRunDir, RunRecordWriter } from './record';
import { deriveSeed, fail, gaussian, mulberry32, permutation, product, sha256, tick, TrainerError } from './util';

type Emit = (e: TrainerEvent) => void;
/** A `TrainerEvent` without its time stamp (added when sent). */
type Untimed<E = TrainerEvent> = E extends TrainerEvent ? Omit<E, 'time'> : never;
type Send = (e: Untimed) => void;

export interface Control {
  cancelled: boolean;
  /** Set when the run folder exists, so a failure can be recorded there. */
  record?: RunRecordWriter;
}

export const VERSIONS: Record<string, string> = {
  modelyaml: process.env.MODELYAML_VERSION ?? '0.1.0',
  tfjs: tf.version.tfjs,
  'tfjs-core': tf.version['tfjs-core'],
  'tfjs-layers': tf.version['tfjs-layers'],
  node: process.versions.node,
};

const higherIsBetter = (name: string) => /acc|auc|precision|recall|f1|r2/.test(name);

function formatDiagnostics(file: string, diags: ReturnType<typeof analyze>['diagnostics'], a: ReturnType<typeof analyze>): string[] {
  return diags.map((d) => {
    const p = a.lines.position(d.range.start);
    return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity}[${d.code}]: ${d.message}`;
  });
}

/** Copies rows `idx[from…to)` of a part into batch tensors. */
function batchOf(d: Data, idx: Int32Array, from: number, to: number): { x: Float32Array; y: Float32Array; n: number } {
  const k = product(d.shape);
  const ky = product(d.yShape);
  const n = to - from;
  const x = new Float32Array(n * k);
  const y = new Float32Array(n * ky);
  for (let i = 0; i < n; i++) {
    const j = idx[from + i];
    x.set(d.x.subarray(j * k, j * k + k), i * k);
    y.set(d.y.subarray(j * ky, j * ky + ky), i * ky);
  }
  return { x, y, n };
}

/** Random flips and noise on a training batch (seeded per epoch and batch). */
function augmentBatch(x: Float32Array, n: number, shape: number[], aug: { flip: string; noise: number }, rng: () => number): void {
  const [h, w] = shape;
  const c = shape.length > 2 ? product(shape.slice(2)) : 1;
  const k = product(shape);
  for (let s = 0; s < n; s++) {
    const base = s * k;
    const flipH = (aug.flip === 'horizontal' || aug.flip === 'both') && rng() < 0.5;
    const flipV = (aug.flip === 'vertical' || aug.flip === 'both') && rng() < 0.5;
    if (flipH || flipV) {
      const copy = x.slice(base, base + k);
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const si = flipV ? h - 1 - i : i;
          const sj = flipH ? w - 1 - j : j;
          for (let q = 0; q < c; q++) x[base + (i * w + j) * c + q] = copy[(si * w + sj) * c + q];
        }
      }
    }
    if (aug.noise > 0) for (let i = 0; i < k; i++) x[base + i] += aug.noise * gaussian(rng);
  }
}

/** The training set as device tensors, batches gathered on the device in each epoch's order. */
class ResidentData {
  /** Above this the set stays on the host and batches are uploaded one by one. */
  static readonly MAX_BYTES = 512 * 2 ** 20;
  private order?: tf.Tensor1D;

  private constructor(
    private readonly x: tf.Tensor,
    private readonly y: tf.Tensor,
    readonly bytes: number,
  ) {}

  static create(d: Data): ResidentData | undefined {
    const bytes = (d.x.length + d.y.length) * 4;
    if (bytes > ResidentData.MAX_BYTES) return undefined;
    return new ResidentData(tf.tensor(d.x, [d.n, ...d.shape]), tf.tensor(d.y, [d.n, ...d.yShape]), bytes);
  }

  shuffle(order: Int32Array): void {
    this.order?.dispose();
    this.order = tf.tensor1d(order, 'int32');
  }

  batch(from: number, to: number): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const idx = tf.slice(this.order!, from, to - from);
      return [tf.gather(this.x, idx), tf.gather(this.y, idx)];
    });
  }

  dispose(): void {
    tf.dispose([this.x, this.y, ...(this.order ? [this.order] : [])]);
  }
}

interface Evaluation {
  metrics: Metrics;
}

/** Loss and every metric over a whole part, predicting in batches. */
async function evaluate(model: tf.LayersModel, d: Data, batchSize: number, loss: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor, metrics: Metric[]): Promise<Evaluation> {
  const idx = Int32Array.from({ length: d.n }, (_, i) => i);
  const preds: tf.Tensor[] = [];
  for (let from = 0; from < d.n; from += batchSize) {
    const b = batchOf(d, idx, from, Math.min(d.n, from + batchSize));
    preds.push(tf.tidy(() => model.predictOnBatch(tf.tensor(b.x, [b.n, ...d.shape])) as tf.Tensor));
  }
  const p = preds.length === 1 ? preds[0] : tf.concat(preds);
  if (preds.length > 1) tf.dispose(preds);
  const y = tf.tensor(d.y, [d.n, ...d.yShape]);
  const out: Metrics = {};
  const meanLoss = tf.tidy(() => tf.mean(loss(y, p)));
  out.loss = (await meanLoss.data())[0];
  meanLoss.dispose();
  if (metrics.length && tf.getBackend() === 'webgpu') {
    // The metrics read values synchronously, which webgpu cannot do in Node: compute them from
    // copies on the CPU backend (only tensors made there may be touched while it is active).
    const [pv, yv] = await Promise.all([p.data(), y.data()]);
    await tf.setBackend('cpu');
    const pc = tf.tensor(pv, p.shape);
    const yc = tf.tensor(yv, y.shape);
    try {
      for (const m of metrics) out[m.name] = m.whole(yc, pc);
    } finally {
      tf.dispose([pc, yc]);
      await tf.setBackend('webgpu');
    }
  } else {
    for (const m of metrics) out[m.name] = m.whole(y, p);
  }
  tf.dispose([p, y]);
  return { metrics: out };
}

export async function runTraining(specPath: string, options: TrainOptions, emit: Emit, control: Control): Promise<void> {
  const t0 = Date.now();
  const send: Send = (e) => emit({ ...e, time: Date.now() } as unknown as TrainerEvent);
  const log = (level: 'debug' | 'info' | 'warning' | 'error', message: string) => send({ type: 'log', level, message });

  // 1. The spec: refused with the core's diagnostics when it has errors.
  const file = resolve(specPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail('spec/unreadable', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  const specDir = dirname(file);
  const a = analyze(text, { host: fileDataHost(specDir, { workspaces: [options.workspace ?? process.cwd()] }) });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    fail('spec/invalid', `${basename(file)} has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} before training. First: ${errors[0].message}`, {
      file,
      diagnostics: formatDiagnostics(file, errors, a),
    });
  }
  const base = trainSettings(a.spec);
  if (!base || !a.model || a.model.totalParams === null) return fail('spec/not-trainable', `${basename(file)} cannot be trained as written: it needs \`data\`, \`model\` and \`train.loss\`.`, { file });
  const settings = {
    ...base,
    epochs: options.epochs ?? base.epochs,
    batchSize: options.batchSize ?? base.batchSize,
    device: options.device ?? base.device,
    seed: options.seed ?? base.seed,
  };
  const seed = settings.seed;
  const specName = a.spec.name?.value ?? basename(file).replace(/\.model\.ya?ml$/, '');

  // 2. Determinism: every unseeded random draw in tfjs (initializers, dropout) goes through Math.random.
  Math.random = mulberry32(deriveSeed(seed, 'Math.random'));

  // 3. Backend.
  const wasmThreads = wasmThreadsFor(a.model.layers, settings.batchSize);
  const choice = await chooseBackend({ device: settings.device, backend: options.backend, wasmDir: options.wasmDir, wasmThreads: wasmThreads.threads, searchFrom: [options.workspace ?? specDir, specDir] });

  // 4. The run folder.
  const root = options.out ? resolve(options.out) : join(resolve(options.workspace ?? specDir), '.modelyaml', 'runs');
  const runDir = createRunDir(root, specName);
  writeFileSync(join(runDir, 'spec.snapshot.yaml'), text); // not *.model.yaml: a run folder is not a spec
  writeFileSync(join(runDir, 'resolved.json'), JSON.stringify({
    spec: file,
    settings,
    options,
    layers: a.model.layers.map((l) => ({ id: l.id, type: l.layer.type, params: l.layer.params, outputShape: l.outputShape, paramCount: l.params })),
    data: a.spec.data ? { source: a.spec.data.source && { type: a.spec.data.source.type, params: a.spec.data.source.params }, pipeline: a.spec.data.pipeline.map((s) => ({ type: s.type, params: s.params })) } : undefined,
  }, null, 2) + '\n');
  const record = new RunRecordWriter(runDir, {
    status: 'running',
    spec: file,
    specName,
    specHash: sha256(text),
    seed,
    backend: choice.backend,
    device: choice.device,
    deviceReason: choice.reason,
    versions: VERSIONS,
    startedAt: new Date(t0).toISOString(),
    pid: process.pid,
    ...(options.resume ? { resumedFrom: options.resume } : {}),
  });
  control.record = record;
  const emitRecorded = emit;
  emit = (e) => {
    record.event(e);
    emitRecorded(e);
  };
  // The first event: where the run is recorded and which backend trains it, on what, and why.
  send({ type: 'log', level: 'info', message: `run folder: ${runDir}; backend: ${choice.backend} on ${choice.device} (${choice.reason})`, runDir });
  for (const n of choice.notes) log('warning', n);
  for (const n of choice.details) log('debug', n);
  if (choice.backend === 'wasm') log('debug', `wasm build: ${wasmThreads.threads > 1 ? `threaded, ${wasmThreads.threads} threads` : 'single-threaded'} (${wasmThreads.why})`);

  // 5. Data.
  const prepared: Prepared = await prepareData(a.spec, { specDir, seed, workspace: options.workspace, progress: (m) => log('debug', m) });
  const { parts, meta } = prepared;
  const inputShape = [...a.model.inputs.values()][0]?.slice(1) as number[] | undefined;
  if (a.model.inputs.size !== 1) fail('train/multi-input', 'Models with several inputs cannot be trained from one data source yet.');
  if (inputShape && (inputShape.length !== prepared.featureShape.length || inputShape.some((d, i) => d !== null && d !== prepared.featureShape[i]))) {
    fail('data/input-mismatch', `The pipeline produces samples of shape [${prepared.featureShape.join(', ')}], but \`model.input\` is [${inputShape.join(', ')}].`);
  }
  record.update({ dataFingerprint: prepared.fingerprint });
  writePreprocessing(runDir, prepared.preprocessing);

  // 6. Model, loss, metrics, optimizer.
  const model = buildModel(a.spec, a.model, seed);
  const params = model.countParams();
  if (params !== a.model.totalParams) log('warning', `the built model has ${params} parameters but the spec's static count is ${a.model.totalParams}`);
  const task = { labelKind: meta.labelKind, classes: meta.classes };
  const lossFn = lossOf(settings.loss, task);
  const outShape = model.outputs[0].shape;
  const metricCtx = { ...task, loss: settings.loss.type, outputUnits: (outShape[outShape.length - 1] as number) ?? 1 };
  const metrics = settings.metrics.map((m) => metricOf(m, metricCtx));
  const batchMetrics = metrics.filter((m) => m.fn);
  const optimizer = optimizerOf(settings.optimizer);
  // On the GPU, one kernel per optimizer state tensor instead of tfjs's chain of element-wise ops.
  if (choice.backend === 'webgpu' && fusedKernelsOn()) {
    log('debug', fuseOptimizer(optimizer) ? `fused webgpu updates for ${settings.optimizer.type}` : `no fused webgpu updates for ${settings.optimizer.type}: tfjs's own`);
  }
  const lossForTf = (y: tf.Tensor, p: tf.Tensor) => lossFn(y, p);
  model.compile({ optimizer, loss: lossForTf, metrics: batchMetrics.map((m) => m.fn!) });
  const trainStep = (model as unknown as { makeTrainFunction(): (data: tf.Tensor[]) => tf.Scalar[] }).makeTrainFunction();
  const schedule = scheduleOf(settings.lrSchedule);
  const baseLr = learningRateOf(optimizer);

  // 7. Resume.
  let state: LoopState = { epoch: 0, step: 0, learningRate: baseLr, wait: 0 };
  if (options.resume) {
    const dir = resolveCheckpoint(resolve(options.resume));
    if (!dir) fail('train/resume', `No checkpoint found in ${options.resume} (looked for model.json and state.json, or checkpoints/last inside a run folder).`, { file: options.resume });
    try {
      state = await restoreCheckpoint(dir!, model, optimizer);
    } catch (e) {
      fail('train/resume', `Cannot resume from ${dir}: ${(e as Error).message}`, { file: dir });
    }
    schedule?.restore?.(state.schedule);
    setLearningRate(optimizer, state.learningRate);
    log('info', `resumed from ${dir} after epoch ${state.epoch}`);
  }
  record.update({ params });

  const train = parts.train;
  const bs = Math.min(settings.batchSize, train.n);
  // Both cores on the wasm backend: half of each batch's gradients in a worker thread.
  let parallel: DataParallel | undefined;
  const refusal = parallelRefusal({ backend: choice.backend, model, batchSize: bs });
  if (refusal) {
    log('debug', `data-parallel training off: ${refusal}`);
  } else {
    try {
      parallel = await DataParallel.start({
        backend: choice.backend, model, optimizer, specPath: file, specDir, seed, wasmDir: options.wasmDir, task, metricCtx,
        metrics: batchMetrics.length, batchSize: bs, xShape: train.shape, yShape: train.yShape,
      });
      log('info', `data-parallel training: ${parallel.threads} threads, each batch split between them`);
    } catch (e) {
      log('debug', `data-parallel training off: the worker thread did not start (${(e as Error).message})`);
    }
  }
  // On the GPU the training set lives on the device when it fits and nothing augments it on the CPU.
  const resident = choice.backend === 'webgpu' && !meta.augment && process.env.MODELYAML_RESIDENT_DATA !== '0' ? ResidentData.create(train) : undefined;
  if (resident) log('debug', `training data resident on the device (${Math.round(resident.bytes / 2 ** 20)} MiB)`);
  const fullBatches = Math.ceil(train.n / bs);
  const batches = Math.min(fullBatches, options.maxBatchesPerEpoch ?? Infinity);
  const every = options.batchEventEvery ?? Math.max(1, Math.ceil(batches / 50));
  // On a GPU, unless asked for a cadence, batch events (each one a readback, so a wait for the
  // GPU) come at most every 100 ms: plenty for a live chart, and a fast GPU is not stopped every
  // few steps. On the CPU backends a readback is free and the cadence stays fixed, so two runs of
  // the same spec record the same batch events.
  const onGpu = choice.backend === 'webgpu' || /\bGPU\b/.test(choice.device);
  const minEventGapMs = options.batchEventEvery === undefined && onGpu ? 100 : 0;
  const epochs = settings.epochs;
  send({
    type: 'started', runDir, spec: file, specName, backend: choice.backend, device: choice.device, reason: choice.reason, params, seed,
    epochs, batchSize: bs, batchesPerEpoch: batches,
    samples: { train: train.n, validation: parts.validation?.n ?? 0, test: parts.test?.n ?? 0 },
    initialEpoch: state.epoch + 1,
  });

  // 8. The loop.
  const es = settings.earlyStopping;
  let esMonitor = es?.monitor ?? 'val_loss';
  let cpMonitor = settings.checkpoint.monitor;
  if (!parts.validation) {
    if (es && esMonitor.startsWith('val_')) {
      log('warning', `early stopping watches ${esMonitor}, but there is no validation data: watching ${esMonitor.slice(4)} instead`);
      esMonitor = esMonitor.slice(4);
    }
    if (cpMonitor.startsWith('val_')) cpMonitor = cpMonitor.slice(4);
  }
  let esBest = state.best ?? (higherIsBetter(esMonitor) ? -Infinity : Infinity);
  let cpBest = higherIsBetter(cpMonitor) ? -Infinity : Infinity;
  let bestWeights: tf.Tensor[] | undefined;
  let last: Metrics = {};
  let status: 'completed' | 'cancelled' = 'completed';
  let reason = `completed ${epochs} epoch${epochs === 1 ? '' : 's'}`;
  let epochsRun = state.epoch;
  const kx = train.shape;

  outer: for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
    const tEpoch = Date.now();
    // Dropout and other random layers draw from Math.random: reseed per epoch, so a resumed run
    // makes the same draws as an uninterrupted one.
    Math.random = mulberry32(deriveSeed(seed, 'Math.random', epoch));
    const order = settings.shuffle ? permutation(train.n, mulberry32(deriveSeed(seed, 'epoch', epoch))) : Int32Array.from({ length: train.n }, (_, i) => i);
    const augRng = mulberry32(deriveSeed(seed, 'augment', epoch));
    resident?.shuffle(order);
    const sums: Record<string, number> = { loss: 0 };
    for (const m of batchMetrics) sums[m.name] = 0;
    let seen = 0;
    let tWindow = Date.now();
    let windowSamples = 0;
    // A step's loss and metrics stay on the device until the next batch event: reading them back
    // every step would make the host wait for the GPU (and the GPU for the host) at every batch.
    const pending: { outs: tf.Tensor[]; n: number; b: number }[] = [];
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
    const drain = async () => {
      if (!pending.length) return;
      const outs = pending.flatMap((p) => p.outs);
      // One readback for the whole window (webgpu cannot read synchronously in Node).
      const flat = outs.length === 1 ? outs[0] : tf.tidy(() => tf.concat(outs.map((t) => t.reshape([1]))));
      const v = await flat.data();
      if (flat !== outs[0]) flat.dispose();
      let k = 0;
      for (const p of pending.splice(0)) {
        account(Array.from(v.subarray(k, k + p.outs.length)), p.n, p.b);
        k += p.outs.length;
        tf.dispose(p.outs);
      }
    };
    for (let b = 0; b < batches; b++) {
      if (control.cancelled) {
        tf.dispose(pending.splice(0).flatMap((p) => p.outs));
        status = 'cancelled';
        reason = `cancelled in epoch ${epoch}, batch ${b + 1}`;
        break outer;
      }
      if (schedule?.atStep) setLearningRate(optimizer, schedule.atStep(state.step, baseLr));
      const from = b * bs;
      const to = Math.min(train.n, (b + 1) * bs);
      if (resident) {
        // The batch is gathered on the device from the resident copy: no upload per step.
        const [xs, ys] = resident.batch(from, to);
        pending.push({ outs: trainStep([xs, ys]), n: to - from, b });
        tf.dispose([xs, ys]);
        submitStep(tf.backend());
      } else {
        const batch = batchOf(train, order, from, to);
        if (meta.augment) augmentBatch(batch.x, batch.n, kx, meta.augment, augRng);
        if (parallel && batch.n >= 2) {
          await drain();
          account(parallel.step(trainStep, batch.x, batch.y, batch.n), batch.n, b);
        } else {
          const xs = tf.tensor(batch.x, [batch.n, ...kx]);
          const ys = tf.tensor(batch.y, [batch.n, ...train.yShape]);
          pending.push({ outs: trainStep([xs, ys]), n: batch.n, b });
          tf.dispose([xs, ys]);
        }
      }
      const n = to - from;
      state.step++;
      seen += n;
      windowSamples += n;
      if (((b + 1) % every === 0 && Date.now() - tWindow >= minEventGapMs) || b === batches - 1) {
        await drain();
        const now = Date.now();
        const running: Metrics = {};
        for (const m of batchMetrics) running[m.name] = sums[m.name] / seen;
        send({ type: 'batch', epoch, batch: b + 1, batches, loss: lastLoss, metrics: { loss: sums.loss / seen, ...running }, samplesPerSecond: (windowSamples * 1000) / Math.max(1, now - tWindow), learningRate: learningRateOf(optimizer) });
        tWindow = now;
        windowSamples = 0;
      }
      await tick();
    }
    // Epoch end: training means, validation, schedules, checkpoints, early stopping.
    const m: Metrics = { loss: sums.loss / seen };
    for (const bm of batchMetrics) m[bm.name] = sums[bm.name] / seen;
    if (parts.validation) {
      const v = await evaluate(model, parts.validation, bs, lossFn, metrics);
      for (const [k, val] of Object.entries(v.metrics)) m[`val_${k}`] = val;
    }
    // Whole-set metrics without a batch form (auc) on the training data too, when it is small.
    for (const wm of metrics.filter((x) => !x.fn)) if (train.n <= 20000) m[wm.name] = (await evaluate(model, train, bs, lossFn, [wm])).metrics[wm.name];
    epochsRun = epoch;
    last = m;
    send({ type: 'epoch', epoch, epochs, metrics: m, durationMs: Date.now() - tEpoch, learningRate: learningRateOf(optimizer) });
    const newLr = schedule?.afterEpoch?.(m, learningRateOf(optimizer));
    if (newLr !== undefined) {
      setLearningRate(optimizer, newLr);
      log('info', `learning rate reduced to ${newLr} after epoch ${epoch}`);
    }
    state = { ...state, epoch, learningRate: learningRateOf(optimizer), schedule: schedule?.state?.() };

    const cpValue = m[cpMonitor];
    if (settings.checkpoint.best && cpValue !== undefined && (higherIsBetter(cpMonitor) ? cpValue > cpBest : cpValue < cpBest)) {
      cpBest = cpValue;
      const dir = join(runDir, 'checkpoints', 'best');
      await saveCheckpoint(dir, model, optimizer, state);
      send({ type: 'checkpoint', kind: 'best', epoch, path: dir, monitor: cpMonitor, value: cpValue });
    }
    let stop = false;
    if (es) {
      const v = m[esMonitor];
      if (v !== undefined) {
        const improved = higherIsBetter(esMonitor) ? v > esBest + es.minDelta : v < esBest - es.minDelta;
        if (improved) {
          esBest = v;
          state.wait = 0;
          if (es.restoreBestWeights) {
            tf.dispose(bestWeights ?? []);
            bestWeights = model.getWeights().map((w) => w.clone());
          }
        } else if (++state.wait >= es.patience) {
          stop = true;
          reason = `early stopping: ${esMonitor} did not improve for ${es.patience} epoch${es.patience === 1 ? '' : 's'} (best ${esBest.toPrecision(5)})`;
        }
      }
      state.best = esBest;
    }
    if (settings.checkpoint.last) {
      const dir = join(runDir, 'checkpoints', 'last');
      await saveCheckpoint(dir, model, optimizer, state);
      send({ type: 'checkpoint', kind: 'last', epoch, path: dir });
    }
    if (stop) {
      if (bestWeights) {
        model.setWeights(bestWeights);
        log('info', `restored the weights of the best epoch (${esMonitor} = ${esBest.toPrecision(5)})`);
      }
      break;
    }
    if (control.cancelled) {
      status = 'cancelled';
      reason = `cancelled after epoch ${epoch}`;
      break;
    }
  }
  tf.dispose(bestWeights ?? []);
  parallel?.stop();
  resident?.dispose();

  // 9. Test split, final model, record.
  let test: Metrics | undefined;
  if (parts.test && status === 'completed') {
    test = (await evaluate(model, parts.test, bs, lossFn, metrics)).metrics;
    log('info', `test: ${Object.entries(test).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
  }
  if (status === 'completed') {
    await model.save(folderSaveHandler(join(runDir, 'model')));
  }
  const durationMs = Date.now() - t0;
  send({ type: 'done', status, reason, epochs: epochsRun, durationMs, runDir, final: last, ...(test ? { test } : {}) });
  record.update({ status, reason, endedAt: new Date().toISOString(), durationMs, epochs: epochsRun, final: last, ...(test ? { test } : {}) });
  model.dispose();
}

export function errorEvent(e: unknown): Omit<Extract<TrainerEvent, { type: 'error' }>, 'time'> {
  if (e instanceof TrainerError) return { type: 'error', code: e.code, message: e.message, ...e.where };
  const err = e as Error;
  const oom = /out of memory|Array buffer allocation failed|Invalid typed array length|Cannot allocate Wasm memory|memory access out of bounds/i.test(err?.message ?? '');
  return { type: 'error', code: oom ? 'trainer/out-of-memory' : 'trainer/internal', message: oom ? `The trainer ran out of memory: ${err.message}` : `Internal trainer error: ${err?.stack ?? String(e)}` };
}
