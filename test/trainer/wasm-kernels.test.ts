/**
 * The wasm training kernels (src/trainer/kernels/wasm) against the plain JS
 * 'cpu' backend: kernel values, gradients through tf.grad / tf.variableGrads,
 * and end-to-end training with tf.LayersModel.fit on wasm.
 *
 * Error metric: max_i |wasm_i - cpu_i| / max(max_i |cpu_i|, 1e-6), i.e. the
 * error relative to the result's scale with a small absolute floor (per
 * element relative error is meaningless where float32 sums cancel to ~0).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initWasmBackend, resolveWasmDir } from '../../src/trainer/backend/wasm';
import { viaCol2im, viaConvolution } from '../../src/trainer/kernels/wasm/conv2d_backprop_input';
import { registerWasmTrainingKernels, WASM_ADDED_KERNELS, WASM_REPLACED_KERNELS } from '../../src/trainer/kernels/wasm/index';
import { geometry } from '../../src/trainer/kernels/wasm/util';

const TOL = 1e-5;
const FLOOR = 1e-6;

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** Deterministic normal-ish numbers (same on every backend). */
function randn(size: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const u = Math.max(next(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return out;
}
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const tensor = (shape: number[], seed: number) => tf.tensor(randn(sizeOf(shape), seed), shape);

/** Runs fn on a backend; returns its outputs as plain arrays. */
async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const arrays = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return arrays;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / Math.max(scale, FLOOR);
}

/** fn on wasm vs cpu: every output within TOL. */
async function expectWasmMatchesCpu(fn: () => tf.Tensor | tf.Tensor[], tol = TOL): Promise<void> {
  const want = await on('cpu', fn);
  const got = await on('wasm', fn);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i].every(Number.isFinite)).toBe(true);
    expect(relErr(got[i], want[i])).toBeLessThan(tol);
  }
}

/** fn on wasm vs a reference array. */
async function expectWasmMatches(fn: () => tf.Tensor, want: ArrayLike<number>, tol = TOL): Promise<void> {
  const [got] = await on('wasm', fn);
  expect(relErr(got, want)).toBeLessThan(tol);
}

beforeAll(async () => {
  await initWasmBackend();
  expect(tf.getBackend()).toBe('wasm');
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
});

describe('initWasmBackend', () => {
  it('finds the .wasm binaries of the installed package, or fails clearly', () => {
    const dir = resolveWasmDir();
    expect(fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
    expect(resolveWasmDir(dir)).toBe(dir);
    expect(() => resolveWasmDir(path.join(dir, 'no-such-folder'))).toThrow(/cannot find .*tfjs-backend-wasm.*initWasmBackend\(wasmDir\)/);
  });

  it('leaves wasm active with the training kernels registered', async () => {
    await initWasmBackend();
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});

describe('registration', () => {
  it('registers the missing kernels (idempotently) for wasm', () => {
    const names = registerWasmTrainingKernels();
    expect(registerWasmTrainingKernels()).toEqual(names);
    for (const k of ['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput']) {
      expect(WASM_ADDED_KERNELS).toContain(k);
    }
    expect(names).toEqual([...WASM_ADDED_KERNELS, ...WASM_REPLACED_KERNELS]);
    const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const k of names) expect(wasm.has(k)).toBe(true);
  });
});

interface ConvCase {
  x: Shape4;
  f: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [2, 9, 8, 3], f: [3, 2, 3, 5], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [3, 10, 11, 1], f: [5, 5, 1, 2], strides: [2, 3], pad: 'valid' },
  { x: [1, 8, 8, 4], f: [4, 4, 4, 3], strides: [1, 2], pad: 'same' },
  { x: [2, 7, 7, 2], f: [1, 1, 2, 3], strides: 1, pad: 'valid' },
  { x: [2, 7, 7, 2], f: [1, 1, 2, 3], strides: 2, pad: 'same' },
  { x: [1, 7, 6, 2], f: [3, 3, 2, 3], strides: 1, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
  { x: [1, 6, 6, 2], f: [3, 3, 2, 1], strides: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [1, 5, 5, 1], f: [2, 2, 1, 1], strides: 1, pad: 'valid' },
  // Small filters with many output channels take the explicit im2col path.
  { x: [3, 9, 9, 1], f: [3, 3, 1, 20], strides: 1, pad: 'valid' },
  { x: [2, 9, 8, 2], f: [2, 2, 2, 16], strides: 2, pad: 'same' },
  { x: [2, 7, 7, 1], f: [3, 3, 1, 18], strides: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
];
const label = (c: object) => JSON.stringify(c).replace(/"/g, '');

describe('Conv2DBackpropFilter / Conv2DBackpropInput (NHWC)', () => {
  for (const c of CONV_CASES) {
    it(`kernel values and conv2d gradients: ${label(c)}`, async () => {
      const outShape = () => tf.conv2d(tensor(c.x, 1) as tf.Tensor4D, tensor(c.f, 2) as tf.Tensor4D, c.strides, c.pad).shape;
      const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      // Kernel values, on random dy.
      await expectWasmMatchesCpu(() => {
        const x = tensor(c.x, 1);
        const dy = tensor(outShape(), 3);
        return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: c.f }) as tf.Tensor;
      });
      await expectWasmMatchesCpu(() => {
        const filter = tensor(c.f, 2);
        const dy = tensor(outShape(), 3);
        return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: c.x }) as tf.Tensor;
      });
      // Gradients of a loss through conv2d, w.r.t. input and filter.
      await expectWasmMatchesCpu(() => {
        const x = tensor(c.x, 1) as tf.Tensor4D;
        const w = tensor(c.f, 2) as tf.Tensor4D;
        const target = tensor(outShape(), 4);
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.sub(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), target)));
        return tf.grads(loss)([x, w]);
      });
    });
  }

  it('both Conv2DBackpropInput routes (convolution, GEMM + col2im) on every case', async () => {
    for (const c of CONV_CASES) {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad);
      const g = geometry(info);
      const [want] = await on('cpu', () => tf.engine().runKernel('Conv2DBackpropInput',
        { dy: tensor(info.outShape, 3), filter: tensor(c.f, 2) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x }) as tf.Tensor);
      for (const route of [viaConvolution, viaCol2im]) {
        await expectWasmMatches(() => route(tensor(info.outShape, 3) as tf.Tensor4D, tensor(c.f, 2) as tf.Tensor4D, g), want);
      }
    }
  });

  it('numeric padding with every dimRoundingMode', async () => {
    for (const mode of ['floor', 'round', 'ceil'] as const) {
      for (const [x, f] of [[[2, 8, 8, 3], [3, 3, 3, 4]], [[2, 8, 7, 1], [3, 3, 1, 16]]] as Array<[Shape4, Shape4]>) {
        const info = tf.backend_util.computeConv2DInfo(x, f, 2, 1, 1, mode);
        const attrs = { strides: 2, pad: 1, dimRoundingMode: mode, dataFormat: 'NHWC' };
        await expectWasmMatchesCpu(() => tf.engine().runKernel('Conv2DBackpropFilter',
          { x: tensor(x, 1), dy: tensor(info.outShape, 2) }, { ...attrs, filterShape: f }) as tf.Tensor);
        await expectWasmMatchesCpu(() => tf.engine().runKernel('Conv2DBackpropInput',
          { dy: tensor(info.outShape, 2), filter: tensor(f, 3) }, { ...attrs, inputShape: x }) as tf.Tensor);
      }
      // MaxPoolGrad with its `output` input computed on cpu (the stock wasm
      // forward MaxPool / Conv2D ignore a size-changing dimRoundingMode).
      const xShape: Shape4 = [2, 9, 8, 3];
      const pool = { filterSize: 3, strides: 2, pad: 1, dimRoundingMode: mode };
      const [y] = await on('cpu', () => tf.maxPool(tensor(xShape, 1) as tf.Tensor4D, 3, 2, 1, mode));
      const yShape = tf.backend_util.computePool2DInfo(xShape, 3, 2, 1, 1, mode).outShape;
      const [want] = await on('cpu', () => tf.engine().runKernel('MaxPoolGrad',
        { dy: tensor(yShape, 2), input: tensor(xShape, 1), output: tf.tensor(y, yShape) }, pool) as tf.Tensor);
      await expectWasmMatches(() => tf.engine().runKernel('MaxPoolGrad',
        { dy: tensor(yShape, 2), input: tensor(xShape, 1), output: tf.tensor(y, yShape) }, pool) as tf.Tensor, want);
      // tfjs-core's gradients drop dimRoundingMode from the attrs; the wasm
      // kernels then take the output size from dy.
      const { dimRoundingMode: _omit, ...poolNoMode } = pool;
      await expectWasmMatches(() => tf.engine().runKernel('MaxPoolGrad',
        { dy: tensor(yShape, 2), input: tensor(xShape, 1), output: tf.tensor(y, yShape) }, poolNoMode) as tf.Tensor, want);
    }
  });

  it('NCHW kernel values', async () => {
    const x: Shape4 = [2, 3, 9, 8];
    const f: Shape4 = [3, 3, 3, 4];
    const variants: Array<[number | [number, number], 'same' | 'valid']> = [[1, 'same'], [2, 'valid'], [[2, 1], 'same']];
    for (const [strides, pad] of variants) {
      const info = tf.backend_util.computeConv2DInfo(x, f, strides, 1, pad, undefined, false, 'channelsFirst');
      const common = { strides, pad, dataFormat: 'NCHW' };
      await expectWasmMatchesCpu(() =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: tensor(x, 1), dy: tensor(info.outShape, 2) },
          { ...common, filterShape: f }) as tf.Tensor);
      await expectWasmMatchesCpu(() =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: tensor(info.outShape, 2), filter: tensor(f, 3) },
          { ...common, inputShape: x }) as tf.Tensor);
    }
  });

  it('conv2dTranspose gradients (Conv2DBackpropInput forward, Conv2DBackpropFilter backward)', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([2, 5, 5, 4], 1) as tf.Tensor4D;
      const w = tensor([3, 3, 2, 4], 2) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 10, 10, 2], 2, 'same')));
      return [tf.conv2dTranspose(x, w, [2, 10, 10, 2], 2, 'same'), ...tf.grads(f)([x, w])];
    });
  });

  it('conv1d gradients (conv2d on an expanded axis)', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([3, 20, 4], 1) as tf.Tensor3D;
      const w = tensor([5, 4, 6], 2) as tf.Tensor3D;
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv1d(a as tf.Tensor3D, b as tf.Tensor3D, 2, 'same')));
      return tf.grads(f)([x, w]);
    });
  });
});

interface DwCase {
  x: Shape4;
  f: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const DW_CASES: DwCase[] = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 2], strides: 1, pad: 'valid' },
  { x: [2, 9, 8, 3], f: [3, 2, 3, 2], strides: 2, pad: 'same' },
  { x: [2, 10, 9, 2], f: [3, 3, 2, 1], strides: [2, 3], pad: 'valid' },
  { x: [1, 8, 8, 4], f: [4, 4, 4, 3], strides: 2, pad: 'same' },
  { x: [2, 6, 6, 5], f: [1, 1, 5, 2], strides: 1, pad: 'valid' },
  { x: [1, 7, 6, 2], f: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
];

describe('DepthwiseConv2dNativeBackpropFilter / ...BackpropInput', () => {
  for (const c of DW_CASES) {
    it(`kernel values and depthwiseConv2d gradients: ${label(c)}`, async () => {
      const outShape = () =>
        tf.depthwiseConv2d(tensor(c.x, 1) as tf.Tensor4D, tensor(c.f, 2) as tf.Tensor4D, c.strides, c.pad).shape;
      const common = { strides: c.strides, pad: c.pad, dilations: 1 };
      await expectWasmMatchesCpu(() =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tensor(c.x, 1), dy: tensor(outShape(), 3) },
          { ...common, filterShape: c.f }) as tf.Tensor);
      await expectWasmMatchesCpu(() =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tensor(outShape(), 3), filter: tensor(c.f, 2) },
          { ...common, inputShape: c.x }) as tf.Tensor);
      await expectWasmMatchesCpu(() => {
        const x = tensor(c.x, 1) as tf.Tensor4D;
        const w = tensor(c.f, 2) as tf.Tensor4D;
        const target = tensor(outShape(), 4);
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.sub(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), target)));
        return tf.grads(loss)([x, w]);
      });
    });
  }

  it('separableConv2d gradients', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([2, 8, 8, 3], 1) as tf.Tensor4D;
      const dw = tensor([3, 3, 3, 2], 2) as tf.Tensor4D;
      const pw = tensor([1, 1, 6, 4], 3) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) =>
        tf.sum(tf.square(tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, p as tf.Tensor4D, 1, 'same')));
      return tf.grads(f)([x, dw, pw]);
    });
  });

  // tfjs only differentiates depthwise convs with dilation 1 and the cpu
  // kernels ignore dilations, so dilated cases are checked against loops.
  const dilated: Array<[number | [number, number], number, 'same' | 'valid']> =
    [[2, 1, 'same'], [[2, 3], 1, 'valid'], [2, 1, 'valid']];
  for (const [dil, strides, pad] of dilated) {
    it(`dilated kernels vs a direct loop: dilations ${dil} pad ${pad}`, async () => {
      const xs: Shape4 = [2, 11, 12, 3];
      const fs: Shape4 = [3, 2, 3, 2];
      const info = tf.backend_util.computeConv2DInfo(xs, fs, strides, dil, pad, undefined, true);
      const x = randn(sizeOf(xs), 1);
      const w = randn(sizeOf(fs), 2);
      const dy = randn(sizeOf(info.outShape), 3);
      const { refDx, refDw } = depthwiseBackpropReference(x, w, dy, info);
      const attrs = { strides, pad, dilations: dil };
      await expectWasmMatches(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter',
        { x: tf.tensor(x, xs), dy: tf.tensor(dy, info.outShape) }, { ...attrs, filterShape: fs }) as tf.Tensor, refDw);
      await expectWasmMatches(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput',
        { dy: tf.tensor(dy, info.outShape), filter: tf.tensor(w, fs) }, { ...attrs, inputShape: xs }) as tf.Tensor, refDx);
    });
  }
});

function depthwiseBackpropReference(
  x: Float32Array, w: Float32Array, dy: Float32Array, info: tf.backend_util.Conv2DInfo,
): { refDx: Float64Array; refDw: Float64Array } {
  const { batchSize: n, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH,
    filterWidth: KW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const M = info.outChannels / C;
  const refDx = new Float64Array(n * H * W * C);
  const refDw = new Float64Array(KH * KW * C * M);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < OH; r++) {
      for (let s = 0; s < OW; s++) {
        for (let i = 0; i < KH; i++) {
          const h = r * SH + i * DH - info.padInfo.top;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < KW; j++) {
            const v = s * SW + j * DW - info.padInfo.left;
            if (v < 0 || v >= W) continue;
            for (let c = 0; c < C; c++) {
              for (let m = 0; m < M; m++) {
                const g = dy[((b * OH + r) * OW + s) * C * M + c * M + m];
                const xi = ((b * H + h) * W + v) * C + c;
                const wi = ((i * KW + j) * C + c) * M + m;
                refDx[xi] += g * w[wi];
                refDw[wi] += g * x[xi];
              }
            }
          }
        }
      }
    }
  }
  return { refDx, refDw };
}

describe('UnsortedSegmentSum', () => {
  it('kernel values (duplicates, empty and out-of-range segments)', async () => {
    const ids = [3, 0, 3, 7, 1, 3, 0, 5];
    await expectWasmMatchesCpu(() => tf.unsortedSegmentSum(tensor([8, 4, 3], 1), tf.tensor1d(ids, 'int32'), 9));
    await expectWasmMatchesCpu(() => tf.unsortedSegmentSum(tensor([8], 1), tf.tensor1d(ids, 'int32'), 6));
    await expectWasmMatchesCpu(() =>
      tf.unsortedSegmentSum(tensor([5, 2], 1), tf.tensor1d([1, -1, 4, 9, 1], 'int32'), 5));
    await expectWasmMatchesCpu(() =>
      tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([2, 0, 2], 'int32'), 3));
  });

  it('gradient of gather (embedding lookup), with tf.variableGrads', async () => {
    const idx = [[1, 3, 3, 0, 19], [1, 1, 7, 7, 2]];
    await expectWasmMatchesCpu(() => {
      const table = tf.variable(tensor([20, 6], 1), true, `emb${tf.getBackend()}`);
      const indices = tf.tensor2d(idx, [2, 5], 'int32');
      const target = tensor([2, 5, 6], 2);
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(tf.square(tf.sub(tf.gather(table, indices), target))) as tf.Scalar, [table]);
      const out = [value, grads[table.name]];
      table.dispose();
      return out;
    });
    await expectWasmMatchesCpu(() => {
      const p = tensor([4, 7, 3], 3);
      const f = (a: tf.Tensor) => tf.sum(tf.square(tf.gather(a, tf.tensor1d([6, 0, 6, 2], 'int32'), 1)));
      return tf.grad(f)(p);
    });
  });
});

interface PoolCase {
  x: Shape4;
  size: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
}

const POOL_CASES: PoolCase[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 9, 7, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 9, 7, 3], size: 2, strides: 2, pad: 'same' },
  { x: [2, 9, 9, 3], size: 3, strides: 2, pad: 'same' },
  { x: [2, 9, 9, 3], size: 3, strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], size: [2, 3], strides: [1, 2], pad: 'valid' },
  { x: [1, 6, 7, 2], size: 3, strides: 3, pad: 'same' },
];

describe('MaxPoolGrad (replaces the stock wasm kernel: wrong for windows of values <= 0)', () => {
  for (const c of POOL_CASES) {
    it(`maxPool gradient: ${label(c)}`, async () => {
      const dyShape = () => tf.maxPool(tensor(c.x, 1) as tf.Tensor4D, c.size, c.strides, c.pad).shape;
      const inputs = {
        mixed: () => tensor(c.x, 1),
        negative: () => tf.sub(tf.abs(tensor(c.x, 1)), 5).neg().neg(),
        ties: () => tf.round(tf.mul(tensor(c.x, 1), 1.2)),
      };
      for (const make of Object.values(inputs)) {
        await expectWasmMatchesCpu(() => {
          const x = tf.sub(make(), 0) as tf.Tensor4D;
          const dyw = tensor(dyShape(), 2);
          return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad), dyw)))(x);
        });
      }
    });
  }
});

describe('BatchMatMul (transposed operands routed to the XNNPACK path)', () => {
  it('values and gradients for every transpose combination and rank', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const batch of [[], [1], [1, 1], [3]]) {
        const aShape = [...batch, ...(ta ? [7, 5] : [5, 7])];
        const bShape = [...batch, ...(tb ? [4, 7] : [7, 4])];
        await expectWasmMatchesCpu(() => {
          const a = tensor(aShape, 1);
          const b = tensor(bShape, 2);
          const f = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, ta, tb)));
          const out = tf.matMul(a, b, ta, tb);
          return [out, tf.reshape(tf.tensor(out.shape), [-1]), ...tf.grads(f)([a, b])];
        });
      }
    }
  });
});

describe('Sum (contiguous leading / middle axes reshaped to rank <= 3)', () => {
  it('values and keepDims for rank 4 and 5 reductions', async () => {
    const cases: Array<[number[], number | number[], boolean]> = [
      [[4, 5, 6, 3], [0, 1, 2], false], [[4, 5, 6, 3], [0, 1, 2], true], [[4, 5, 6, 3], [1, 2], false],
      [[4, 5, 6, 3], 0, true], [[4, 5, 6, 3], [2, 3], false], [[4, 5, 6, 3], [0, 2], false],
      [[2, 3, 4, 5, 6], [1, 2, 3], true], [[2, 3, 4, 5, 6], [-5, -4], false], [[4, 5, 6, 3], [0, 1, 2, 3], false],
    ];
    for (const [shape, axis, keepDims] of cases) {
      await expectWasmMatchesCpu(() => {
        const r = tf.sum(tensor(shape, 1), axis, keepDims);
        return [r, tf.tensor(r.shape.length ? r.shape : [0])];
      });
    }
    await expectWasmMatchesCpu(() => tf.sum(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2], 'int32'), [0, 1, 2]));
  });
});

describe('other training ops on wasm', () => {
  it('avgPool, pooling and activation gradients match cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tensor([2, 9, 9, 3], 1) as tf.Tensor4D;
      const f = (a: tf.Tensor) => tf.sum(tf.square(tf.add(
        tf.avgPool(a as tf.Tensor4D, 3, 2, 'same'), tf.avgPool(tf.elu(a) as tf.Tensor4D, 2, 2, 'valid').mean())));
      return tf.grad(f)(x);
    });
    await expectWasmMatchesCpu(() => {
      const x = tensor([3, 17], 1);
      const alpha = tensor([17], 2);
      const f = (a: tf.Tensor, al: tf.Tensor) => tf.sum(tf.addN([
        tf.leakyRelu(a, 0.2), tf.selu(a), tf.softplus(a), tf.prelu(a, al), tf.erf(a), tf.tanh(a),
        tf.sigmoid(a), tf.relu6(a), tf.mul(a, tf.sigmoid(tf.mul(a, 1.702))),
      ]).square());
      return tf.grads(f)([x, alpha]);
    });
    await expectWasmMatchesCpu(() => {
      const a = tensor([2, 3, 5, 4], 1);
      const b = tensor([2, 3, 6, 4], 2);
      const f = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.softmax(tf.matMul(p, q, false, true))));
      return tf.grads(f)([a, b]);
    });
  });
});

function cnn(inputShape: number[], classes: number, seed: number): tf.LayersModel {
  const L = tf.layers;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const m = tf.sequential();
  m.add(L.conv2d({ inputShape, filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.flatten());
  m.add(L.dense({ units: classes, activation: 'softmax', kernelInitializer: init(2) }));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return m;
}

function lstmModel(vocab: number, seqLen: number, seed: number): tf.LayersModel {
  const L = tf.layers;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const m = tf.sequential();
  m.add(L.embedding({ inputDim: vocab, outputDim: 8, inputLength: seqLen, embeddingsInitializer: init(1) }));
  m.add(L.lstm({ units: 8, kernelInitializer: init(2), recurrentInitializer: init(3) }));
  m.add(L.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(4) }));
  m.compile({ optimizer: tf.train.adam(0.02), loss: 'binaryCrossentropy' });
  return m;
}

describe('end to end: tf.LayersModel.fit on wasm', () => {
  it('a small CNN (conv2d 3x3 8 relu, max_pool2d, flatten, dense softmax 10) learns', async () => {
    await tf.setBackend('wasm');
    const n = 64;
    const m = cnn([12, 12, 1], 10, 7);
    const labels = Array.from({ length: n }, (_, i) => (i * 7) % 10);
    const x = tf.tensor4d(randn(n * 12 * 12, 11), [n, 12, 12, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
    const h = await m.fit(x, y, { epochs: 6, batchSize: 16, shuffle: false, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.8);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('a small embedding + LSTM model (binary crossentropy) learns', async () => {
    await tf.setBackend('wasm');
    const n = 64;
    const seqLen = 10;
    const vocab = 30;
    const r = randn(n * seqLen, 5);
    const tokens = Array.from(r, (v) => Math.floor(Math.abs(v) * 1000) % vocab);
    // Label: whether token 0 of the sequence is in the lower half of the vocabulary.
    const labels = Array.from({ length: n }, (_, i) => (tokens[i * seqLen] < vocab / 2 ? 1 : 0));
    const m = lstmModel(vocab, seqLen, 3);
    const x = tf.tensor2d(tokens, [n, seqLen], 'int32');
    const y = tf.tensor2d(labels, [n, 1]);
    const h = await m.fit(x, y, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.9);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('training steps leak no tensors or backend buffers', async () => {
    await tf.setBackend('wasm');
    const m = cnn([12, 12, 1], 10, 9);
    const x = tf.tensor4d(randn(16 * 12 * 12, 13), [16, 12, 12, 1]);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10);
    await m.trainOnBatch(x, y);
    const before = tf.memory();
    for (let i = 0; i < 3; i++) await m.trainOnBatch(x, y);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    // The kernels' internal buffers are released too (backend-level count).
    const backendBuffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const idsBefore = backendBuffers();
    tf.tidy(() => {
      const xs = tensor([2, 9, 9, 3], 1);
      const dy = tensor([2, 5, 5, 4], 2);
      tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] });
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: tensor([3, 3, 3, 4], 3) }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 9, 3] });
      const p = tf.maxPool(xs as tf.Tensor4D, 2, 2, 'valid');
      tf.engine().runKernel('MaxPoolGrad', { dy: p, input: xs, output: p }, { filterSize: 2, strides: 2, pad: 'valid' });
      tf.unsortedSegmentSum(tensor([5, 3], 4), tf.tensor1d([0, 7, 1, 0, -1], 'int32'), 4);
    });
    expect(backendBuffers()).toBe(idsBefore);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('one training step of a mixed model gives the same weights on wasm as on cpu', async () => {
    // Covers layers whose gradients need the new kernels, in one model:
    // conv2d (stride 2, same), depthwise / separable conv, max and average
    // pooling, batch norm, global average pooling and dense.
    const build = () => {
      const L = tf.layers;
      const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
      const m = tf.sequential();
      m.add(L.conv2d({ inputShape: [12, 12, 2], filters: 6, kernelSize: 3, strides: 2, padding: 'same',
        activation: 'tanh', kernelInitializer: init(1) }));
      m.add(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init(2) }));
      m.add(L.maxPooling2d({ poolSize: 2 }));
      m.add(L.separableConv2d({ filters: 5, kernelSize: 2, activation: 'elu', depthwiseInitializer: init(3),
        pointwiseInitializer: init(4) }));
      m.add(L.batchNormalization({}));
      m.add(L.averagePooling2d({ poolSize: 2, strides: 1 }));
      m.add(L.globalAveragePooling2d({}));
      m.add(L.dense({ units: 3, activation: 'softmax', kernelInitializer: init(5) }));
      m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      return m;
    };
    const weightsAfterStep = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const m = build();
      const x = tf.tensor4d(randn(8 * 12 * 12 * 2, 21), [8, 12, 12, 2]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
      await m.trainOnBatch(x, y);
      const w = m.getWeights().map((t) => Float32Array.from(t.dataSync()));
      tf.dispose([x, y]);
      m.dispose();
      return w;
    };
    const want = await weightsAfterStep('cpu');
    const got = await weightsAfterStep('wasm');
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(relErr(got[i], want[i])).toBeLessThan(1e-4);
  });
});
