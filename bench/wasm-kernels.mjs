// Micro-benchmark of the wasm training kernels (src/trainer/kernels/wasm).
//
//   node --import tsx bench/wasm-kernels.mjs [--step-only] [--kernels-only]
//
// 1. Per-kernel times at the shapes of the MNIST CNN below (batch 64), for the
//    replaced kernels also the stock tfjs-backend-wasm 4.22 kernel.
// 2. ms per training step (model.trainOnBatch) of the MNIST CNN on wasm:
//    conv2d 32 3x3 relu, maxpool 2, conv2d 64 3x3 relu, maxpool 2,
//    conv2d 64 3x3 relu, flatten, dense 64 relu, dense 10 softmax,
//    adam, categorical crossentropy, input 28x28x1.
// Kernel times: minimum process CPU time of 8 runs. Steps: median wall and CPU
// time of 20 steps.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initWasmBackend } from '../src/trainer/backend/wasm.ts';
import { WASM_REPLACED_KERNELS } from '../src/trainer/kernels/wasm/index.ts';

const args = new Set(process.argv.slice(2));
const B = 64;

// Stock kernels, captured before initWasmBackend() replaces them.
const stock = Object.fromEntries(WASM_REPLACED_KERNELS.map((k) => [k, tf.getKernel(k, 'wasm')]));
await initWasmBackend();
const ours = Object.fromEntries(WASM_REPLACED_KERNELS.map((k) => [k, tf.getKernel(k, 'wasm')]));
function use(name, config) {
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(config);
}

// The wasm backend is single-threaded in Node, so the process CPU time of a
// call is its cost, and is much less disturbed than wall time by other load.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function timeMin(f, reps = 8) {
  for (let i = 0; i < 2; i++) tf.tidy(() => { f(); });
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    tf.tidy(() => {
      const t0 = cpuMs();
      f();
      best = Math.min(best, cpuMs() - t0);
    });
  }
  return best;
}
const fmt = (ms) => `${ms.toFixed(2).padStart(7)} ms`;
const run = (name, inputs, attrs) => () => tf.engine().runKernel(name, inputs, attrs);

if (!args.has('--step-only')) {
  console.log(`wasm kernels at MNIST-CNN shapes, batch ${B} (CPU ms, min of 8 runs)`);
  const convs = [
    { x: [B, 28, 28, 1], f: [3, 3, 1, 32] },
    { x: [B, 13, 13, 32], f: [3, 3, 32, 64] },
    { x: [B, 5, 5, 64], f: [3, 3, 64, 64] },
  ];
  for (const s of convs) {
    const x = tf.randomNormal(s.x);
    const w = tf.randomNormal(s.f);
    const dy = tf.randomNormal(tf.conv2d(x, w, 1, 'valid').shape);
    const conv = { strides: 1, pad: 'valid', dataFormat: 'NHWC' };
    console.log(`conv ${s.x.slice(1).join('x')} -> ${dy.shape.slice(1).join('x')}`);
    console.log(`  Conv2D (forward, reference)   ${fmt(timeMin(() => tf.conv2d(x, w, 1, 'valid')))}`);
    console.log(`  Conv2DBackpropFilter          ${fmt(timeMin(run('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: s.f })))}`);
    const bi = run('Conv2DBackpropInput', { dy, filter: w }, { ...conv, inputShape: s.x });
    use('Conv2DBackpropInput', stock.Conv2DBackpropInput);
    const tStock = timeMin(bi, 3);
    use('Conv2DBackpropInput', ours.Conv2DBackpropInput);
    console.log(`  Conv2DBackpropInput           ${fmt(timeMin(bi))}   (stock wasm: ${fmt(tStock)})`);
    tf.dispose([x, w, dy]);
  }
  for (const xs of [[B, 26, 26, 32], [B, 11, 11, 64]]) {
    const x = tf.randomNormal(xs);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.randomNormal(y.shape);
    const mp = run('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' });
    use('MaxPoolGrad', stock.MaxPoolGrad);
    const tStock = timeMin(mp, 3);
    use('MaxPoolGrad', ours.MaxPoolGrad);
    console.log(`maxpool 2x2 ${xs.slice(1).join('x')}: MaxPoolGrad ${fmt(timeMin(mp))}   (stock wasm: ${fmt(tStock)})`);
    tf.dispose([x, y, dy]);
  }
  {
    const x = tf.randomNormal([B, 26, 26, 32]);
    const w = tf.randomNormal([3, 3, 32, 1]);
    const dy = tf.randomNormal(tf.depthwiseConv2d(x, w, 1, 'same').shape);
    const a = { strides: 1, pad: 'same', dilations: 1 };
    console.log(`depthwise 3x3 26x26x32: BackpropFilter ${fmt(timeMin(run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...a, filterShape: [3, 3, 32, 1] })))}` +
      `  BackpropInput ${fmt(timeMin(run('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...a, inputShape: x.shape })))}` +
      `  (forward: ${fmt(timeMin(() => tf.depthwiseConv2d(x, w, 1, 'same')))})`);
    tf.dispose([x, w, dy]);
  }
  {
    const v = tf.randomNormal([B * 100, 64]);
    const ids = tf.randomUniform([B * 100], 0, 10000, 'int32');
    console.log(`UnsortedSegmentSum [6400, 64] -> [10000, 64]: ${fmt(timeMin(run('UnsortedSegmentSum', { x: v, segmentIds: ids }, { numSegments: 10000 })))}`);
    tf.dispose([v, ids]);
  }
}

if (!args.has('--kernels-only')) {
  const L = tf.layers;
  const m = tf.sequential();
  m.add(L.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(L.flatten());
  m.add(L.dense({ units: 64, activation: 'relu' }));
  m.add(L.dense({ units: 10, activation: 'softmax' }));
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([B, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([B], 0, 10, 'int32'), 10);
  for (let i = 0; i < 3; i++) await m.trainOnBatch(x, y);
  const wall = [];
  const cpu = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    await m.trainOnBatch(x, y);
    cpu.push(cpuMs() - c0);
    wall.push(performance.now() - t0);
  }
  const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
  const w = median(wall);
  const c = median(cpu);
  console.log(`MNIST CNN train step (trainOnBatch), batch ${B}, wasm: median wall ${w.toFixed(1)} ms` +
    ` = ${((B / w) * 1000).toFixed(0)} samples/s; median CPU ${c.toFixed(1)} ms = ${((B / c) * 1000).toFixed(0)} samples/s`);
  if (args.has('--profile')) {
    const p = await tf.profile(async () => { await m.trainOnBatch(x, y); });
    const agg = new Map();
    for (const k of p.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + k.kernelTimeMs);
    console.log('per kernel (ms, nested kernels counted in their parent too):');
    console.log([...agg].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
  }
}
