// The MNIST CNN's training step on the tfjs webgpu backend, taken apart: samples/s with tfjs's
// optimizer updates, loss and accuracy vs the fused ones (src/trainer/kernels/webgpu/), reading the
// loss back every step vs once per 20 steps, and tfjs's queue-submit batch size; then a
// tf.profile() of one step (kernel count, GPU time per kernel where the adapter has timestamp
// queries). The trainer's own figures come from bench/train.mjs; this isolates the step.
//
//   npx esbuild bench/webgpu-step.ts --bundle --platform=node --outfile=bench/results/webgpu-step.cjs
//   node bench/results/webgpu-step.cjs [--software] [--batches 64,256,1024] [--steps 30] [--final]
//
// --final measures only the trainer's configuration (fused, deferred reads, submit batch 100) and
// skips the profiles. MODELYAML_WEBGPU_DISPATCH_CACHE=0 turns the uniform/bind-group caches off
// (src/trainer/kernels/webgpu/dispatch.ts): run once with and once without to compare.
//
// Writes JSON lines to stdout; the last line is the whole result.
import * as tf from '@tensorflow/tfjs';
import { initWebGpuBackend, webGpuDispatchStats } from '../src/trainer/backend/webgpu';
import { fuseOptimizer } from '../src/trainer/kernels/webgpu/optimizers';
import { submitStep } from '../src/trainer/kernels/webgpu/dispatch';
import { lossOf, metricOf } from '../src/trainer/model/objectives';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const batches = arg('batches', '64,256,1024').split(',').map(Number);
const STEPS = Number(arg('steps', '30'));

function cnn(): tf.LayersModel {
  const input = tf.input({ shape: [28, 28, 1] });
  let h = tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 64, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

interface Config {
  fused: boolean;
  readEvery: number;
  submitBatch?: number;
}

type Step = (d: tf.Tensor[]) => tf.Scalar[];

/** The trainer's loss and metric (objectives.ts), fused on webgpu unless MODELYAML_WEBGPU_FUSED=0. */
function setup(fused: boolean): { model: tf.LayersModel; step: Step } {
  if (fused) delete process.env.MODELYAML_WEBGPU_FUSED;
  else process.env.MODELYAML_WEBGPU_FUSED = '0';
  const model = cnn();
  const opt = tf.train.adam(0.001);
  if (fused) fuseOptimizer(opt);
  const task = { labelKind: 'one_hot' as const, classes: 10 };
  const loss = lossOf({ type: 'categorical_crossentropy', params: {} }, task);
  const accuracy = metricOf({ type: 'accuracy', params: {} }, { ...task, loss: 'categorical_crossentropy', outputUnits: 10 });
  model.compile({ optimizer: opt, loss: (y: tf.Tensor, p: tf.Tensor) => loss(y, p), metrics: [accuracy.fn!] });
  const make = (model as unknown as { makeTrainFunction(): Step }).makeTrainFunction();
  // The env switch is read as the step's ops run: hold it for each step.
  const step: Step = (d) => {
    if (fused) delete process.env.MODELYAML_WEBGPU_FUSED;
    else process.env.MODELYAML_WEBGPU_FUSED = '0';
    return make(d);
  };
  return { model, step };
}

async function measure(c: Config, batch: number): Promise<Record<string, unknown>> {
  if (c.submitBatch) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', c.submitBatch);
  const { model, step } = setup(c.fused);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10).toFloat();
  let pending: tf.Tensor[] = [];
  let first = NaN;
  let last = NaN;
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      pending.push(...step([x, y]));
      submitStep(tf.backend());
      if ((i + 1) % c.readEvery === 0 || i === n - 1) {
        const flat = pending.length === 1 ? pending[0] : tf.tidy(() => tf.concat(pending.map((t) => t.reshape([1]))));
        const v = await flat.data();
        if (Number.isNaN(first)) first = v[0];
        last = v[v.length - 2];
        if (flat !== pending[0]) flat.dispose();
        tf.dispose(pending);
        pending = [];
      }
    }
  };
  await run(5); // warm-up: shader compilation, buffer pools
  const t0 = performance.now();
  await run(STEPS);
  const ms = (performance.now() - t0) / STEPS;
  tf.dispose([x, y]);
  model.dispose();
  return { ...c, batch, msPerStep: +ms.toFixed(2), samplesPerSecond: Math.round((batch * 1000) / ms), lossFirst: first, lossLast: last };
}

async function profile(fused: boolean, batch: number): Promise<Record<string, unknown>> {
  const { model, step } = setup(fused);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10).toFloat();
  for (let i = 0; i < 3; i++) {
    const o = step([x, y]);
    await o[0].data();
    tf.dispose(o);
  }
  const info = await tf.profile(async () => {
    const o = step([x, y]);
    await o[0].data();
    return o;
  });
  const byName = new Map<string, { count: number; ms: number }>();
  let gpuMs = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    gpuMs += ms;
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += ms;
    byName.set(k.name, e);
  }
  tf.dispose([x, y]);
  model.dispose();
  const top = [...byName].sort((a, b) => b[1].ms - a[1].ms || b[1].count - a[1].count).map(([name, e]) => ({ name, count: e.count, ms: +e.ms.toFixed(3) }));
  // Identity, Reshape and same-type Cast share data: no GPU dispatch.
  const free = new Set(['Identity', 'Reshape', 'Cast']);
  if (process.env.LIST_KERNELS) console.log(info.kernels.map((k) => k.name).join(" "));
  return { fused, batch, kernels: info.kernels.length, dispatches: info.kernels.filter((k) => !free.has(k.name)).length, gpuMs: +gpuMs.toFixed(2), top };
}

/** Host cost of one dispatch: a chain of element-wise kernels on 4,096 floats, one readback. */
async function dispatchCost(submitBatch: number, n = 2000): Promise<Record<string, unknown>> {
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', submitBatch);
  let a = tf.ones([4096]);
  const chain = async (k: number) => {
    for (let i = 0; i < k; i++) {
      const b = tf.neg(a);
      a.dispose();
      a = b;
    }
    await a.data();
  };
  await chain(200);
  const t0 = performance.now();
  await chain(n);
  const us = ((performance.now() - t0) * 1000) / n;
  a.dispose();
  return { dispatchCost: true, submitBatch, usPerDispatch: +us.toFixed(1) };
}

(async () => {
  const r = await initWebGpuBackend({ allowSoftware: process.argv.includes('--software') });
  if (!r.ok) {
    console.log(JSON.stringify({ error: r.reason }));
    process.exit(1);
  }
  const result: Record<string, unknown> = { adapter: r.adapter, measurements: [], profiles: [] };
  console.log(JSON.stringify({ adapter: r.adapter.name }));
  const final = process.argv.includes('--final');
  result.dispatchCache = webGpuDispatchStats() !== null;
  const configs: Config[] = final ? [{ fused: true, readEvery: 20, submitBatch: 100 }] : [
    { fused: false, readEvery: 1, submitBatch: 15 },
    { fused: true, readEvery: 1, submitBatch: 15 },
    { fused: true, readEvery: 20, submitBatch: 15 },
    { fused: true, readEvery: 20, submitBatch: 100 },
    { fused: true, readEvery: 20, submitBatch: 1000 },
  ];
  for (const submitBatch of final ? [100] : [15, 100, 1000]) {
    const d = await dispatchCost(submitBatch);
    (result.measurements as unknown[]).push(d);
    console.log(JSON.stringify(d));
  }
  for (const batch of batches) {
    for (const c of configs) {
      try {
        const m = await measure(c, batch);
        (result.measurements as unknown[]).push(m);
        console.log(JSON.stringify(m));
      } catch (e) {
        console.log(JSON.stringify({ ...c, batch, error: (e as Error).message }));
      }
    }
  }
  for (const batch of final ? [] : batches.slice(0, 2)) {
    for (const fused of [false, true]) {
      const p = await profile(fused, batch);
      (result.profiles as unknown[]).push(p);
      console.log(JSON.stringify({ ...p, top: (p.top as unknown[]).slice(0, 12) }));
    }
  }
  result.dispatchStats = webGpuDispatchStats();
  console.log(JSON.stringify(result));
  process.exit(0);
})();
