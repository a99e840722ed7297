/**
 * The WebGPU code path, on whatever adapter Dawn finds: in CI that is Mesa's software Vulkan
 * (lavapipe, installed by scripts/install-lavapipe.sh), so no GPU is needed. A small CNN's forward
 * values, one step's gradients (through the custom Conv2DBackpropFilter) and a few training steps
 * are compared with the plain-JS CPU backend; then the real trainer trains a spec on webgpu.
 *
 * Fails with a clear message when Dawn or an adapter is missing; MODELYAML_SKIP_GPU_TESTS=1 skips.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWebGpuBackend, webGpuDispatchStats, type WebGpuResult } from '../../src/trainer/backend/webgpu';
import { fuseOptimizer } from '../../src/trainer/kernels/webgpu/optimizers';
import { submitStep } from '../../src/trainer/kernels/webgpu/dispatch';
import { LOSSES, METRICS, OPTIMIZERS } from '../../src/trainer/model/objectives';
import { ofType, train, workspace } from './helpers';

const skip = process.env.MODELYAML_SKIP_GPU_TESTS === '1';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Largest difference relative to b's largest magnitude; NaN where exactly one side is NaN. */
function maxRelDiff(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(b[i])) scale = Math.max(scale, Math.abs(b[i]));
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return NaN;
      continue;
    }
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / scale;
}

/** A conv net compiled with fused Adam, its train step, and a batch of 16 (inputs from `seed`). */
function smallConvNet(seed: number) {
  const input = tf.input({ shape: [12, 12, 1] });
  const conv = tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(tf.layers.maxPooling2d({ poolSize: 2 }).apply(conv)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor });
  const opt = tf.train.adam(0.01);
  fuseOptimizer(opt);
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  const step = (model as unknown as { makeTrainFunction(): (d: tf.Tensor[]) => tf.Scalar[] }).makeTrainFunction();
  const x = tf.tensor4d(values(16 * 144, seed), [16, 12, 12, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10).toFloat();
  return { model, step, x, y };
}

/** Runs f with the trainer's fused webgpu kernels off (MODELYAML_WEBGPU_FUSED=0): tfjs's own. */
async function withTfjsKernels<T>(f: () => Promise<T>): Promise<T> {
  process.env.MODELYAML_WEBGPU_FUSED = '0';
  try {
    return await f();
  } finally {
    delete process.env.MODELYAML_WEBGPU_FUSED;
  }
}

/** Runs f on the plain-JS CPU backend, then makes webgpu active again. */
async function onCpu<T>(f: () => Promise<T>): Promise<T> {
  expect(await tf.setBackend('cpu')).toBe(true);
  try {
    return await f();
  } finally {
    await tf.setBackend('webgpu');
  }
}

const N = 4;
const SHAPES: Record<string, number[]> = {
  w1: [3, 3, 1, 8], b1: [8],
  w2: [3, 3, 8, 6], b2: [6],
  w3: [54, 10], b3: [10],
};

/** conv(valid) → relu → maxpool 2 → conv(same, stride 1) → relu → maxpool 2 → dense → softmax CE. */
function cnnLoss(w: Record<string, tf.Tensor>, x: tf.Tensor4D, y: tf.Tensor2D): { loss: tf.Scalar; logits: tf.Tensor2D } {
  let h = tf.relu(tf.add(tf.conv2d(x, w.w1 as tf.Tensor4D, 1, 'valid'), w.b1)) as tf.Tensor4D; // 12×12×8
  h = tf.maxPool(h, 2, 2, 'valid'); // 6×6×8
  h = tf.relu(tf.add(tf.conv2d(h, w.w2 as tf.Tensor4D, 1, 'same'), w.b2)) as tf.Tensor4D; // 6×6×6
  h = tf.maxPool(h, 2, 2, 'valid'); // 3×3×6
  const logits = tf.add(tf.matMul(tf.reshape(h, [N, 54]), w.w3 as tf.Tensor2D), w.b3) as tf.Tensor2D;
  return { loss: tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar, logits };
}

interface Outcome {
  logits: Float32Array;
  grads: Record<string, Float32Array>;
  losses: number[];
  strided: Float32Array;
}

/** Forward values, one step's gradients, three Adam steps, and a strided conv's filter gradient. */
async function runOn(backend: string): Promise<Outcome> {
  expect(await tf.setBackend(backend)).toBe(true);
  const x = tf.tensor4d(values(N * 14 * 14, 1), [N, 14, 14, 1]);
  const labels = Array.from({ length: N }, (_, i) => (i * 3) % 10);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat() as tf.Tensor2D;
  const vars: Record<string, tf.Variable> = {};
  let seed = 10;
  for (const [k, s] of Object.entries(SHAPES)) vars[k] = tf.variable(tf.tensor(values(s.reduce((a, b) => a * b, 1), seed++).map((v) => v * 0.5), s), true, `${backend}_${k}`);
  const logits = tf.tidy(() => cnnLoss(vars, x, y).logits);
  const { grads } = tf.variableGrads(() => cnnLoss(vars, x, y).loss, Object.values(vars));
  const out: Outcome = { logits: (await logits.data()) as Float32Array, grads: {}, losses: [], strided: new Float32Array() };
  for (const [k, v] of Object.entries(vars)) out.grads[k] = (await grads[v.name].data()) as Float32Array;
  const opt = tf.train.adam(0.01);
  for (let i = 0; i < 3; i++) {
    const loss = opt.minimize(() => cnnLoss(vars, x, y).loss, true, Object.values(vars))!;
    out.losses.push((await loss.data())[0]);
    loss.dispose();
  }
  // Stride 2, 'same' padding, 3 input channels: the filter gradient's other geometry.
  const xs = tf.tensor4d(values(2 * 9 * 9 * 3, 99), [2, 9, 9, 3]);
  const f = tf.tensor4d(values(3 * 3 * 3 * 5, 98), [3, 3, 3, 5]);
  const g = tf.grad((ff: tf.Tensor) => tf.sum(tf.square(tf.conv2d(xs, ff as tf.Tensor4D, 2, 'same'))))(f);
  out.strided = (await g.data()) as Float32Array;
  tf.dispose([x, y, logits, xs, f, g, ...Object.values(grads), ...Object.values(vars)]);
  opt.dispose();
  return out;
}

describe.skipIf(skip)('webgpu backend (Dawn; lavapipe in CI)', () => {
  let r: WebGpuResult;
  let previous: string;

  beforeAll(async () => {
    previous = tf.getBackend();
    r = await initWebGpuBackend({ allowSoftware: true });
    if (!r.ok) {
      throw new Error(
        `WebGPU is unavailable, so the GPU code path cannot be tested: ${r.reason}. ` +
          'CI installs Mesa\'s software Vulkan driver with scripts/install-lavapipe.sh (Debian bookworm-backports); ' +
          'set MODELYAML_SKIP_GPU_TESTS=1 to skip these tests on purpose.',
      );
    }
  }, 60_000);

  afterAll(async () => {
    if (previous) await tf.setBackend(previous);
  });

  it('starts, reports its adapter, and uses the faster Conv2DBackpropFilter', () => {
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.adapter.name.length).toBeGreaterThan(0);
    expect(tf.getBackend()).toBe('webgpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'webgpu')?.kernelFunc.toString()).not.toMatch(/Conv2DDerFilterProgram/);
  });

  it('a small CNN: forward values, gradients and three Adam steps match the CPU backend', async () => {
    const cpu = await runOn('cpu');
    const gpu = await runOn('webgpu');
    const tol = 1e-4;
    expect(maxRelDiff(gpu.logits, cpu.logits)).toBeLessThan(tol);
    for (const k of Object.keys(SHAPES)) {
      const d = maxRelDiff(gpu.grads[k], cpu.grads[k]);
      expect(d, `gradient of ${k}`).toBeLessThan(tol);
    }
    expect(maxRelDiff(gpu.strided, cpu.strided)).toBeLessThan(tol);
    for (let i = 0; i < 3; i++) expect(Math.abs(gpu.losses[i] - cpu.losses[i]) / Math.abs(cpu.losses[i])).toBeLessThan(1e-3);
    expect(gpu.losses[2]).toBeLessThan(gpu.losses[0]);
  }, 120_000);

  it('filter gradient over a long reduction (chunks summed in levels) matches the CPU backend', async () => {
    // 16 × 26 × 26 terms per filter element: more than 64 chunks, so sumRows adds a level.
    for (const [filterShape, pad, strides] of [[[3, 3, 1, 8], 'valid', 1], [[3, 3, 2, 6], 'same', 2]] as const) {
      const xShape = [16, 28, 28, filterShape[2]] as [number, number, number, number];
      const info = tf.backend_util.computeConv2DInfo(xShape, filterShape as unknown as [number, number, number, number], strides, 1, pad);
      const run = () => tf.engine().runKernel('Conv2DBackpropFilter', {
        x: tf.tensor(values(xShape.reduce((a, b) => a * b), 21), xShape),
        dy: tf.tensor(values(info.outShape.reduce((a, b) => a * b), 22), info.outShape),
      }, { strides, pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const gpu = await tf.tidy(run).data();
      const cpu = await onCpu(async () => tf.tidy(run).data());
      expect(maxRelDiff(gpu as Float32Array, cpu as Float32Array), `${filterShape} ${pad} stride ${strides}`).toBeLessThan(1e-4);
    }
  }, 120_000);

  it('makes uniform buffers and bind groups once per content, not once per launch (dispatch.ts)', async () => {
    const stats = webGpuDispatchStats();
    expect(stats).not.toBeNull();
    const { model, step, x, y } = smallConvNet(11);
    const losses: number[] = [];
    const run = async (k: number) => {
      for (let i = 0; i < k; i++) {
        const out = step([x, y]);
        losses.push((await out[0].data())[0]);
        tf.dispose(out);
      }
    };
    // Adam's bias corrections change its uniforms at every step: its pipelines are found volatile.
    await run(30);
    const before = { ...stats! };
    await run(10);
    const launches = stats!.launches - before.launches;
    expect(launches).toBeGreaterThan(200);
    expect(stats!.uniformBuffersMade - before.uniformBuffersMade).toBe(0);
    expect(stats!.bindGroupsMade - before.bindGroupsMade).toBeLessThan(launches * 0.75);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    tf.dispose([x, y]);
    model.dispose();
  }, 120_000);

  it('a submit after every step (MODELYAML_WEBGPU_STEP_SUBMIT=1) finds more bind groups again', async () => {
    const stats = webGpuDispatchStats()!;
    const { model, step, x, y } = smallConvNet(12);
    // Losses stay on the GPU and are read every 20 steps, as the trainer does.
    const madePerStep = async (submit: boolean) => {
      process.env.MODELYAML_WEBGPU_STEP_SUBMIT = submit ? '1' : '0';
      const run = async (k: number) => {
        const outs: tf.Tensor[] = [];
        for (let i = 0; i < k; i++) {
          outs.push(...step([x, y]));
          submitStep(tf.backend());
        }
        await outs[0].data();
        tf.dispose(outs);
      };
      await run(20);
      const before = stats.bindGroupsMade;
      await run(20);
      return (stats.bindGroupsMade - before) / 20;
    };
    try {
      const without = await madePerStep(false);
      const withSubmit = await madePerStep(true);
      expect(withSubmit).toBeLessThan(without / 2);
    } finally {
      delete process.env.MODELYAML_WEBGPU_STEP_SUBMIT;
      tf.dispose([x, y]);
      model.dispose();
    }
  }, 120_000);

  // Fused updates against tfjs's own, both on webgpu: same values after several steps, the same
  // optimizer state (what checkpoints save), and one kernel per state tensor in the profile.
  const optimizers: [string, () => tf.Optimizer, string, number][] = [
    ['adam', () => tf.train.adam(0.01, 0.9, 0.999, 1e-7), 'FusedAdamUpdate', 2],
    ['sgd', () => tf.train.sgd(0.1), 'FusedSgdUpdate', 1],
    ['momentum', () => tf.train.momentum(0.05, 0.9), 'FusedMomentumUpdate', 2],
    ['nesterov', () => tf.train.momentum(0.05, 0.9, true), 'FusedNesterovUpdate', 2],
    ['rmsprop', () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7), 'FusedRmsUpdate', 3],
    // As the trainer makes it (OPTIMIZERS: Keras's √(s − ḡ² + ε), not tfjs's NaN-prone √(s − (ḡ² + ε))).
    ['centred rmsprop', () => OPTIMIZERS.rmsprop({ learning_rate: 0.01, momentum: 0.5, centered: true }), 'FusedRmsCenteredMoment', 4],
  ];
  it.each(optimizers)('fused %s updates match tfjs\'s on webgpu and on the CPU backend, with one kernel per state tensor', async (name, make, kernel, perVariable) => {
    expect(tf.getBackend()).toBe('webgpu');
    const runSteps = async (fused: boolean) => {
      const x = tf.tensor2d(values(16 * 300, 5), [16, 300]);
      const target = tf.tensor2d(values(16 * 200, 6), [16, 200]);
      const w = tf.variable(tf.tensor2d(values(300 * 200, 7).map((v) => v * 0.1), [300, 200]), true, `${name}_${fused}_w`);
      const bias = tf.variable(tf.tensor1d(values(200, 8)), true, `${name}_${fused}_b`);
      const opt = make();
      if (fused) expect(fuseOptimizer(opt)).toBe(true);
      const f = () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), bias), target))) as tf.Scalar;
      const losses: number[] = [];
      let kernels: string[] = [];
      for (let i = 0; i < 4; i++) {
        // Profile the optimizer alone: gradients first, then the update.
        const { value, grads } = tf.variableGrads(f, [w, bias]);
        const info = await tf.profile(() => opt.applyGradients(grads));
        kernels = info.kernels.map((k) => k.name);
        losses.push((await value.data())[0]);
        tf.dispose([value, ...Object.values(grads)]);
      }
      const state = await Promise.all((await opt.getWeights()).map(async (s) => (await s.tensor.data()) as Float32Array));
      const out = { w: (await w.data()) as Float32Array, b: (await bias.data()) as Float32Array, losses, kernels, state };
      tf.dispose([w, bias, x, target]);
      opt.dispose();
      return out;
    };
    const ref = await runSteps(false);
    const fused = await runSteps(true);
    const cpu = await onCpu(() => runSteps(false));
    // Against the CPU backend the gradients themselves differ in rounding (GPU vs CPU matmul), and
    // Adam's m/√v turns tiny gradient differences into step differences: a looser bound.
    expect(maxRelDiff(fused.w, cpu.w), 'values against the CPU backend').toBeLessThan(1e-3);
    fused.state.forEach((s, i) => expect(maxRelDiff(s, cpu.state[i]), `optimizer state ${i} against the CPU backend`).toBeLessThan(1e-3));
    expect(maxRelDiff(fused.w, ref.w)).toBeLessThan(1e-5);
    expect(maxRelDiff(fused.b, ref.b)).toBeLessThan(1e-5);
    expect(fused.state.length).toBe(ref.state.length);
    fused.state.forEach((s, i) => expect(maxRelDiff(s, ref.state[i]), `optimizer state ${i}`).toBeLessThan(1e-5));
    expect(fused.losses[3]).toBeLessThan(fused.losses[0]);
    expect(fused.kernels).toContain(kernel);
    // Two variables: perVariable kernels each, nothing else.
    expect(fused.kernels.length, fused.kernels.join(', ')).toBe(2 * perVariable);
    expect(ref.kernels.length).toBeGreaterThan(fused.kernels.length);
  }, 120_000);

  // Fused cross-entropy (value and gradient) and accuracy against the unfused ops, both on webgpu.
  // Without label smoothing the labels reach the kernel as tfjs's int32 → float32 cast, which shares
  // the int32 buffer: the kernels must read it as such.
  it.each([[false, 0], [true, 0], [false, 0.1], [true, 0.1]])('fused categorical cross-entropy (from logits: %s, label smoothing %s) and accuracy match the unfused ops and the CPU backend', async (fromLogits, labelSmoothing) => {
    expect(tf.getBackend()).toBe('webgpu');
    const rows = 37;
    const k = 10;
    const raw = values(rows * k, fromLogits ? 21 : 22);
    // Probabilities: positive rows that need not sum to 1, with some near-zero entries (clipped) and
    // one row with a single 1 (the clip's upper edge). Logits: any reals.
    const pv = fromLogits ? raw.map((v) => v * 6) : raw.map((v, i) => (i % 7 === 0 ? 1e-9 : Math.abs(v) + 0.01));
    if (!fromLogits) for (let j = 0; j < k; j++) pv[j] = j === 3 ? 1 : 0;
    const labels = Array.from({ length: rows }, (_, i) => (i * 7) % k);
    // Ties in the predictions (row 5: two equal maxima) follow argMax's first-index rule.
    pv[5 * k + 2] = 50;
    pv[5 * k + 6] = 50;
    const smoothing = labelSmoothing ? { label_smoothing: labelSmoothing } : {};
    const loss = LOSSES.categorical_crossentropy({ from_logits: fromLogits, ...smoothing }, { labelKind: 'one_hot', classes: k });
    const accuracy = METRICS.accuracy({}, { labelKind: 'one_hot', classes: k, loss: 'categorical_crossentropy', outputUnits: k }).fn!;
    const measure = async () => {
      const p = tf.tensor2d(pv, [rows, k]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat();
      const dp = tf.grad((pp: tf.Tensor) => tf.sum(tf.mul(loss(y, pp), tf.linspace(1, 2, rows))))(p);
      const info = await tf.profile(() => loss(y, p));
      const value = loss(y, p);
      const acc = accuracy(y, p);
      const out = { value: (await value.data()) as Float32Array, grad: (await dp.data()) as Float32Array, acc: (await acc.data()) as Float32Array, kernels: info.kernels.map((x) => x.name) };
      tf.dispose([dp, value, acc, p, y]);
      return out;
    };
    const fused = await measure();
    const ref = await withTfjsKernels(measure);
    expect(fused.kernels).toContain('FusedCrossEntropy');
    expect(ref.kernels).not.toContain('FusedCrossEntropy');
    expect(maxRelDiff(fused.value, ref.value)).toBeLessThan(1e-5);
    expect(maxRelDiff(fused.grad, ref.grad)).toBeLessThan(1e-5);
    expect(Array.from(fused.acc)).toEqual(Array.from(ref.acc));
    expect(fused.acc.some((v) => v === 1)).toBe(true);
    const cpu = await onCpu(measure);
    expect(maxRelDiff(fused.value, cpu.value), 'loss against the CPU backend').toBeLessThan(1e-5);
    expect(maxRelDiff(fused.grad, cpu.grad), 'gradient against the CPU backend').toBeLessThan(1e-5);
    expect(Array.from(fused.acc)).toEqual(Array.from(cpu.acc));
  }, 60_000);

  it('fused Adam resumes from its saved state (getWeights → setWeights) exactly where it stopped', async () => {
    const x = tf.tensor2d(values(8 * 50, 41), [8, 50]);
    const f = (w: tf.Variable) => () => tf.mean(tf.square(tf.matMul(x, w))) as tf.Scalar;
    const a = tf.variable(tf.tensor2d(values(50 * 20, 42), [50, 20]), true, 'resume_a');
    const optA = tf.train.adam(0.01);
    fuseOptimizer(optA);
    for (let i = 0; i < 3; i++) optA.minimize(f(a), false, [a]);
    const saved = await optA.getWeights();
    // A second optimizer and variable, restored from the first's state and values.
    const b = tf.variable(a.clone(), true, 'resume_b');
    const optB = tf.train.adam(0.01);
    fuseOptimizer(optB);
    await optB.setWeights(saved.map((w) => ({ name: w.name.replace('resume_a', 'resume_b'), tensor: w.tensor })));
    for (let i = 0; i < 2; i++) {
      optA.minimize(f(a), false, [a]);
      optB.minimize(f(b), false, [b]);
    }
    expect(maxRelDiff((await b.data()) as Float32Array, (await a.data()) as Float32Array)).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    optA.dispose();
    optB.dispose();
  }, 60_000);

  // MaxPoolGrad in one kernel against the CPU backend: non-overlapping and overlapping windows,
  // 'same' padding, ties (the first maximum takes the gradient), all-negative windows.
  it.each([
    [[2, 2], [2, 2], 'valid'],
    [[3, 3], [2, 2], 'same'],
    [[3, 2], [1, 2], 'valid'],
  ] as [[number, number], [number, number], 'valid' | 'same'][])('MaxPoolGrad (pool %j, strides %j, %s) matches the CPU backend in one kernel', async (pool, strides, pad) => {
    const shape: [number, number, number, number] = [2, 7, 6, 3];
    const xv = values(2 * 7 * 6 * 3, 51).map((v) => Math.round(v * 4) / 4 - 0.6); // many ties, mostly negative
    const dyOf = (t: tf.Tensor) => tf.tensor(values(t.size, 52), t.shape);
    const grad = async (backend: string) => {
      expect(await tf.setBackend(backend)).toBe(true);
      const x = tf.tensor4d(xv, shape);
      const w = dyOf(tf.maxPool(x, pool, strides, pad));
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, pool, strides, pad), w));
      const info = await tf.profile(() => tf.grad(f)(x));
      const g = tf.grad(f)(x);
      const out = { g: (await g.data()) as Float32Array, kernels: info.kernels.map((k) => k.name) };
      tf.dispose([x, w, g]);
      return out;
    };
    const cpu = await grad('cpu');
    const gpu = await grad('webgpu');
    expect(gpu.kernels).toContain('MaxPoolGrad');
    expect(maxRelDiff(gpu.g, cpu.g)).toBeLessThan(1e-6);
    expect(gpu.g.some((v) => v !== 0)).toBe(true);
  }, 60_000);

  it('the fused ReLU gradient matches tfjs\'s and the CPU backend\'s (zero, negative, NaN inputs) in one kernel', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const xv = values(5000, 31);
    xv[0] = 0;
    xv[1] = NaN;
    xv[2] = -0;
    const grad = async () => {
      const x = tf.tensor1d(xv);
      const w = tf.tensor1d(values(5000, 32));
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w));
      const info = await tf.profile(() => tf.grad(f)(x));
      const g = tf.grad(f)(x);
      const out = { g: (await g.data()) as Float32Array, kernels: info.kernels.map((k) => k.name) };
      tf.dispose([g, x, w]);
      return out;
    };
    const fused = await grad();
    const cpu = await onCpu(grad);
    const ref = await withTfjsKernels(grad);
    expect(fused.kernels).toContain('FusedReluGrad');
    expect(fused.kernels).not.toContain('Step');
    expect(ref.kernels).toContain('Step');
    expect(Number.isNaN(fused.g[1])).toBe(true);
    expect(Number.isNaN(ref.g[1])).toBe(true);
    expect(Number.isNaN(cpu.g[1])).toBe(true);
    fused.g[1] = ref.g[1] = cpu.g[1] = 0;
    expect(Array.from(fused.g)).toEqual(Array.from(ref.g));
    expect(Array.from(fused.g)).toEqual(Array.from(cpu.g));
  }, 60_000);

  it('the trainer trains a conv net on webgpu and records the adapter', async () => {
    const dir = workspace({
      'data/train.csv': 'label,' + Array.from({ length: 36 }, (_, i) => `p${i}`).join(',') + '\n' +
        Array.from({ length: 24 }, (_, r) => `${r % 3},` + Array.from(values(36, r + 1)).map((v) => v.toFixed(3)).join(',')).join('\n') + '\n',
      'tiny.model.yaml': `version: 1
name: tiny-webgpu
seed: 3
data:
  source:
    csv: { path: data/train.csv, label: label }
  pipeline:
    - reshape: [6, 6, 1]
    - one_hot: 3
  validation: { split: 0.25 }
model:
  input: [6, 6, 1]
  layers:
    - conv2d: { filters: 4, kernel_size: 3, activation: relu }
    - max_pool2d: { pool_size: 2 }
    - flatten
    - dense: { units: 3, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: adam
  metrics: [accuracy]
  epochs: 2
  batch_size: 8
`,
    });
    const { result, events } = await train(`${dir}/tiny.model.yaml`, { backend: 'webgpu' });
    const started = ofType(events, 'started')[0];
    expect(started, JSON.stringify(events.filter((e) => e.type === 'error' || e.type === 'log'))).toBeDefined();
    expect(started.backend).toBe('webgpu');
    expect(started.device).toMatch(/^GPU: .*\(WebGPU, Dawn\)$/);
    expect(result.status, JSON.stringify(events.filter((e) => e.type === 'error'))).toBe('completed');
    const epochs = ofType(events, 'epoch');
    expect(epochs).toHaveLength(2);
    expect(Number.isFinite(epochs[1].metrics.loss)).toBe(true);
    expect(epochs[1].metrics.val_accuracy).toBeGreaterThanOrEqual(0);
    // The training set was resident on the device; batches gathered there train the same model as
    // batches uploaded one by one.
    expect(ofType(events, 'log').some((e) => /training data resident on the device/.test(e.message))).toBe(true);
    process.env.MODELYAML_RESIDENT_DATA = '0';
    let uploaded: Awaited<ReturnType<typeof train>>;
    try {
      uploaded = await train(`${dir}/tiny.model.yaml`, { backend: 'webgpu' });
    } finally {
      delete process.env.MODELYAML_RESIDENT_DATA;
    }
    expect(ofType(uploaded.events, 'log').some((e) => /training data resident/.test(e.message))).toBe(false);
    const other = ofType(uploaded.events, 'epoch');
    for (const i of [0, 1]) {
      for (const k of ['loss', 'val_loss']) expect(Math.abs(other[i].metrics[k] - epochs[i].metrics[k]) / epochs[i].metrics[k], `${k} of epoch ${i + 1}`).toBeLessThan(1e-4);
    }
  }, 180_000);
});
