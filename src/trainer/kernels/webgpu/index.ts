/**
 * Training kernels for the tfjs 'webgpu' backend.
 *
 * tfjs-backend-webgpu 4.22's Conv2DBackpropFilter gives one GPU thread per filter element, each
 * looping over batch × output positions: a first conv layer's 3×3×1×32 filter is 288 threads
 * for the whole step (70 ms of an H100's 85 ms per step at batch 256, see
 * shared/design/GPU.md). The replacement is one forward convolution over transposed tensors
 * (the batch becomes the contracted channel axis, dy the filter), which tfjs runs as its fast
 * matmul-based convolution: 85 → 9.4 ms of GPU time per step on the H100.
 *
 * That still left the batch-sized reduction to a convolution with a 26×26 "filter" over
 * [C, H, W, N]: most of the H100's 8 ms of GPU time per step at batch 256, and four launches per
 * layer (three transposes and the convolution). Now it is two kernels: partial sums over chunks
 * of the reduction (batch × output positions), one thread per (chunk, 4 filter elements along the
 * output channels), then the chunks are added up, 64 at a time per thread, in as many levels as
 * needed (sumRows). NCHW input keeps the convolution route.
 *
 * MaxPoolGrad is one kernel too (see webgpuMaxPoolGradConfig).
 *
 * registerWebGpuKernels() must run after '@tensorflow/tfjs-backend-webgpu' is loaded.
 */
import * as tf from '../../tf';
import { filterGradNHWC, viaConvolution } from '../wasm/conv2d_backprop_filter';
import { geometryFor, type ConvGeometry } from '../wasm/util';
import { fusedKernelsOn, runKernelSource } from './program';

/** Enough threads to fill a large GPU; chunks no shorter than this many reduction terms. */
const TARGET_THREADS = 1 << 18;
const MIN_CHUNK = 64;

/**
 * dW[i, j, c, o] = Σ_{n, r, s} x[n, r·sH + i − padTop, s·sW + j − padLeft, c] · dy[n, r, s, o].
 *
 * Each thread sums one chunk of the reduction for `width` neighbouring output channels (4 where
 * the channel count allows): one x load serves all of them, and dy is read 4 values at a time,
 * neighbouring threads reading neighbouring dy. The position (n, r, s) advances by carrying
 * instead of dividing at every term (integer division is dozens of GPU instructions).
 */
function filterGradSplit(backend: unknown, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const f = g.kH * g.kW * g.inC * g.outC;
  const width = g.outC % 4 === 0 ? 4 : 1;
  const groups = f / width;
  const r = g.batch * g.outH * g.outW;
  const chunks = Math.max(1, Math.min(Math.ceil(TARGET_THREADS / groups), Math.ceil(r / MIN_CHUNK)));
  const chunk = Math.ceil(r / chunks);
  const geometry = [g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft];
  const names = ['inH', 'inW', 'inC', 'outH', 'outW', 'outC', 'kW', 'strideH', 'strideW', 'padTop', 'padLeft'];
  const dyTerm = width === 4
    ? 'vec4<f32>(f32(DY[d]), f32(DY[d + 1]), f32(DY[d + 2]), f32(DY[d + 3]))'
    : 'f32(DY[d])';
  const partials = runKernelSource(backend, {
    key: `FilterGradPartials${width}`, inputs: ['X', 'DY'], scalars: ['f', 'groups', 'r', 'chunk', ...names], ints: ['f', 'groups', 'r', 'chunk', ...names],
    threads: groups * chunks, outputShape: chunks === 1 ? [g.kH, g.kW, g.inC, g.outC] : [chunks, f],
    // Every (chunk, group) writes its outputs, an empty chunk zeros: the sum reads every row.
    body: `if (index < uniforms.size / ${width}) {
      let gi = index % uniforms.groups;
      let c = index / uniforms.groups;
      // Filter elements (i, j, ci, co .. co + ${width - 1}), co fastest.
      let co = (gi % (uniforms.outC / ${width})) * ${width};
      let ci = (gi / (uniforms.outC / ${width})) % uniforms.inC;
      let j = (gi / ((uniforms.outC / ${width}) * uniforms.inC)) % uniforms.kW;
      let i = gi / ((uniforms.outC / ${width}) * uniforms.inC * uniforms.kW);
      let plane = uniforms.outH * uniforms.outW;
      let start = c * uniforms.chunk;
      let end = min(uniforms.r, start + uniforms.chunk);
      var n = start / plane;
      var oh = (start % plane) / uniforms.outW;
      var ow = start % uniforms.outW;
      var acc = ${width === 4 ? 'vec4<f32>(0.0)' : '0.0'};
      for (var t = start; t < end; t++) {
        let ih = oh * uniforms.strideH + i - uniforms.padTop;
        let iw = ow * uniforms.strideW + j - uniforms.padLeft;
        if (ih >= 0 && ih < uniforms.inH && iw >= 0 && iw < uniforms.inW) {
          let d = t * uniforms.outC + co;
          acc = acc + f32(X[((n * uniforms.inH + ih) * uniforms.inW + iw) * uniforms.inC + ci]) * ${dyTerm};
        }
        ow = ow + 1;
        if (ow == uniforms.outW) {
          ow = 0;
          oh = oh + 1;
          if (oh == uniforms.outH) {
            oh = 0;
            n = n + 1;
          }
        }
      }
      let o = c * uniforms.f + ((i * uniforms.kW + j) * uniforms.inC + ci) * uniforms.outC + co;
      ${width === 4 ? 'for (var k = 0; k < 4; k++) { setOutputAtIndex(o + k, acc[k]); }' : 'setOutputAtIndex(o, acc);'}
    }`,
  }, [x, dy], [f, groups, r, chunk, ...geometry]);
  if (chunks === 1) return partials;
  return sumRows(backend, partials, chunks, f, [g.kH, g.kW, g.inC, g.outC]);
}

/** Rows one summing thread adds up: more rows go through another level of partial sums. */
const SUM_FAN_IN = 64;

/**
 * Σ over the rows of P [rows, f] → outputShape (f elements). One thread per element would add
 * `rows` values in sequence (thousands for a first layer's small filter at a large batch), so
 * groups of SUM_FAN_IN rows are summed in parallel first, level by level. Disposes P.
 */
function sumRows(backend: unknown, p: tf.TensorInfo, rows: number, f: number, outputShape: number[]): tf.TensorInfo {
  const dispose = (t: tf.TensorInfo) => (backend as { disposeData(id: unknown): void }).disposeData(t.dataId);
  while (rows > SUM_FAN_IN) {
    const next = Math.ceil(rows / SUM_FAN_IN);
    const q = runKernelSource(backend, {
      key: 'FilterGradSumLevel', inputs: ['P'], scalars: ['f', 'rows', 'fan'], ints: ['f', 'rows', 'fan'], threads: next * f, outputShape: [next, f],
      body: `if (index < uniforms.size) {
        let e = index % uniforms.f;
        let first = (index / uniforms.f) * uniforms.fan;
        let last = min(uniforms.rows, first + uniforms.fan);
        var acc = 0.0;
        for (var c = first; c < last; c++) { acc = acc + f32(P[c * uniforms.f + e]); }
        setOutputAtIndex(index, acc);
      }`,
    }, [p], [f, rows, SUM_FAN_IN]);
    dispose(p);
    p = q;
    rows = next;
  }
  const out = runKernelSource(backend, {
    key: 'FilterGradSum', inputs: ['P'], scalars: ['f', 'chunks'], ints: ['f', 'chunks'], threads: f, outputShape,
    body: `if (index < uniforms.f) {
      var acc = 0.0;
      for (var c = 0; c < uniforms.chunks; c++) { acc = acc + f32(P[c * uniforms.f + index]); }
      setOutputAtIndex(index, acc);
    }`,
  }, [p], [f, rows]);
  dispose(p);
  return out;
}

export const webgpuConv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NCHW' && fusedKernelsOn()) {
      const g = geometryFor((mode) => tf.backend_util.computeConv2DInfo(
        x!.shape as [number, number, number, number], filterShape, strides, 1, pad, mode, false, 'channelsLast'), dimRoundingMode, dy!.shape[1], dy!.shape[2]);
      return filterGradSplit(backend, x!, dy!, g);
    }
    return filterGradNHWC(x!, dy!, attrs as unknown as tf.Conv2DBackpropFilterAttrs, viaConvolution);
  },
};

/**
 * MaxPoolGrad in one kernel: one thread per input element adds dy of every window whose maximum
 * (the first, scanning rows then columns with `>`, as tfjs's CPU backend picks it) is that
 * element. tfjs's webgpu backend runs a max-positions pass and then the backprop: two launches.
 */
export const webgpuMaxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs as unknown as tf.MaxPoolGradInputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input!.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const names = ['inH', 'inW', 'ch', 'outH', 'outW', 'fH', 'fW', 'sH', 'sW', 'padTop', 'padLeft'];
    const values = [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
    const size = input!.shape.reduce((a, b) => a * b, 1);
    return runKernelSource(backend, {
      key: 'MaxPoolGradFused', inputs: ['X', 'DY'], scalars: names, ints: names, threads: size, outputShape: [...input!.shape],
      body: `if (index < uniforms.size) {
        let d = index % uniforms.ch;
        let xc = (index / uniforms.ch) % uniforms.inW;
        let xr = (index / (uniforms.ch * uniforms.inW)) % uniforms.inH;
        let b = index / (uniforms.ch * uniforms.inW * uniforms.inH);
        // Output rows/columns whose window covers (xr, xc).
        let r0 = max(0, (xr + uniforms.padTop - uniforms.fH + uniforms.sH) / uniforms.sH);
        let r1 = min(uniforms.outH - 1, (xr + uniforms.padTop) / uniforms.sH);
        let c0 = max(0, (xc + uniforms.padLeft - uniforms.fW + uniforms.sW) / uniforms.sW);
        let c1 = min(uniforms.outW - 1, (xc + uniforms.padLeft) / uniforms.sW);
        var acc = 0.0;
        for (var yr = r0; yr <= r1; yr++) {
          for (var yc = c0; yc <= c1; yc++) {
            let rCorner = yr * uniforms.sH - uniforms.padTop;
            let cCorner = yc * uniforms.sW - uniforms.padLeft;
            var best = -3.4028234663852886e38;
            var seen = false;
            var br = -1;
            var bc = -1;
            for (var r = max(rCorner, 0); r < min(uniforms.inH, rCorner + uniforms.fH); r++) {
              for (var c = max(cCorner, 0); c < min(uniforms.inW, cCorner + uniforms.fW); c++) {
                let v = f32(X[((b * uniforms.inH + r) * uniforms.inW + c) * uniforms.ch + d]);
                if (v > best || (!seen && v >= best)) { best = v; br = r; bc = c; seen = true; }
              }
            }
            if (br == xr && bc == xc) {
              acc = acc + f32(DY[((b * uniforms.outH + yr) * uniforms.outW + yc) * uniforms.ch + d]);
            }
          }
        }
        setOutputAtIndex(index, acc);
      }`,
    }, [input!, dy!], values);
  },
};

const ours = new WeakSet<tf.KernelConfig>();

/** Replaces the webgpu backend's slow training kernels. Idempotent. */
export function registerWebGpuKernels(): void {
  for (const config of [webgpuConv2DBackpropFilterConfig, webgpuMaxPoolGradConfig]) {
    const existing = tf.getKernel(config.kernelName, 'webgpu');
    if (existing && ours.has(existing)) continue;
    if (existing) tf.unregisterKernel(config.kernelName, 'webgpu');
    const entry = { ...config };
    ours.add(entry);
    tf.registerKernel(entry);
  }
}
