/**
 * Shared helpers for the wasm training kernels.
 *
 * The kernels in this folder are written with tf ops (tf.matMul, tf.conv2d,
 * tf.transpose, tf.pad, ...) instead of per-element JS loops: when a kernel
 * runs on the 'wasm' backend those ops dispatch to the backend's own
 * XNNPACK / C++ kernels. Ops invoked from inside a kernel are not recorded on
 * the gradient tape (the engine only records at kernel depth 0), and a kernel
 * may return a tf.Tensor, which the engine uses as the kernel's output as is.
 * The one exception is slice2d, a plain memory copy on the wasm heap.
 *
 * Performance notes for tfjs-backend-wasm 4.22 (single-threaded in Node):
 *  - fast: Conv2D / DepthwiseConv2dNative / BatchMatMul without transposes
 *    (XNNPACK; a matmul's right operand and a conv's filter are repacked on
 *    every call), same-shape elementwise ops, PadV2, Transpose up to rank 3;
 *  - slow: Slice (copies the whole input to JS first), Gather, StridedSlice,
 *    Tile, comparisons and logical ops, broadcasting along inner axes,
 *    Transpose of rank >= 5, BatchMatMul with transposeA / transposeB.
 */
import * as tf from '../../tf';

/** A kernel input as a tf.Tensor (inputs handed over by the engine already are). */
export function asTensor<R extends tf.Rank = tf.Rank>(info: tf.TensorInfo): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  // Only reached when a kernel is called directly with bare TensorInfos: a
  // new handle on the same data, with its own backend reference, which the
  // surrounding tidy() releases again.
  const engine = tf.engine();
  const t = engine.makeTensorFromTensorInfo(info);
  engine.backend.incRef(info.dataId);
  return t as tf.Tensor<R>;
}

/** The two public BackendWasm methods used for plain memory copies. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function heapBackend(): HeapBackend | null {
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : null;
}

/**
 * x[r0 : r0 + rows, c0 : c0 + cols] of a 2-D tensor, copied straight out of
 * the wasm heap. The backend's own Slice kernel first copies the WHOLE input
 * into a fresh JS ArrayBuffer (readSync), which for multi-megabyte tensors
 * costs far more than the slice itself (allocation + GC pressure).
 */
export function slice2d(x: tf.Tensor, r0: number, rows: number, c0: number, cols: number): tf.Tensor2D {
  const [, width] = x.shape;
  const hb = heapBackend();
  if (!hb || (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool')) {
    return tf.slice(x as tf.Tensor2D, [r0, c0], [rows, cols]);
  }
  const out = hb.makeOutput([rows, cols], x.dtype);
  // Views taken after makeOutput, which may grow (and so move) the heap.
  const src = hb.typedArrayFromHeap(x);
  const dst = hb.typedArrayFromHeap(out);
  if (c0 === 0 && cols === width) {
    dst.set(src.subarray(r0 * width, (r0 + rows) * width));
  } else {
    for (let r = 0; r < rows; r++) {
      const o = (r0 + r) * width + c0;
      dst.set(src.subarray(o, o + cols), r * cols);
    }
  }
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/** Geometry of a 2-D (possibly depthwise) convolution in NHWC layout. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

export function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilH: info.dilationHeight,
    dilW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

type RoundingMode = 'floor' | 'round' | 'ceil';

/**
 * Geometry whose output size matches dy's. tfjs-core's gradients of conv2d /
 * depthwiseConv2d / maxPool do not forward dimRoundingMode to the backprop
 * kernels, so with numeric padding and a non-floor rounding mode the attrs
 * describe a smaller output than dy actually has; the rounding mode that
 * reproduces dy's size is then used (the padding does not depend on it).
 */
export function geometryFor(
  compute: (mode: RoundingMode | undefined) => tf.backend_util.Conv2DInfo,
  mode: RoundingMode | undefined, outH: number, outW: number,
): ConvGeometry {
  const info = compute(mode);
  if (info.outHeight === outH && info.outWidth === outW) return geometry(info);
  for (const m of ['floor', 'round', 'ceil'] as const) {
    const alt = compute(m);
    if (alt.outHeight === outH && alt.outWidth === outW) return geometry(alt);
  }
  throw new Error(
    `wasm training kernel: dy is ${outH}x${outW} but the convolution attributes give ` +
      `${info.outHeight}x${info.outWidth}`);
}

export const NCHW_TO_NHWC = [0, 2, 3, 1];
export const NHWC_TO_NCHW = [0, 3, 1, 2];

/**
 * Crops axes 1 and 2 of a rank-4 tensor to rows [top, top + h) and columns
 * [left, left + w). Done as at most two 2-D copies with long contiguous rows
 * (a 4-D slice would copy `c` elements at a time).
 */
export function cropHW(x: tf.Tensor4D, top: number, left: number, h: number, w: number): tf.Tensor4D {
  const [n, H, W, c] = x.shape;
  let y = x;
  if (left !== 0 || w !== W) {
    const flat = tf.reshape(y, [n * H, W * c]);
    y = tf.reshape<tf.Rank.R4>(slice2d(flat, 0, n * H, left * c, w * c), [n, H, w, c]);
  }
  if (top !== 0 || h !== H) {
    const flat = tf.reshape(y, [n, H * w * c]);
    y = tf.reshape<tf.Rank.R4>(slice2d(flat, 0, n, top * w * c, h * w * c), [n, h, w, c]);
  }
  return y;
}

/**
 * Pads (with `value`) or crops axes 1 and 2 of a rank-4 tensor so that
 * out[:, r, c] = x[:, r - top, c - left], with `outH` x `outW` rows/cols.
 * Negative `top`/`left` crop from the start.
 */
export function placeWindow(
  x: tf.Tensor4D, top: number, left: number, outH: number, outW: number, value = 0,
): tf.Tensor4D {
  const [, h, w] = x.shape;
  const padT = Math.max(top, 0);
  const padL = Math.max(left, 0);
  const padB = Math.max(outH - top - h, 0);
  const padR = Math.max(outW - left - w, 0);
  let y = x;
  if (padT || padL || padB || padR) {
    y = tf.pad(y, [[0, 0], [padT, padB], [padL, padR], [0, 0]], value);
  }
  return cropHW(y, Math.max(-top, 0), Math.max(-left, 0), outH, outW);
}

/**
 * Inserts (stride - 1) zeros after every row/column of an NHWC tensor:
 * out[:, r * sH, c * sW] = x[:, r, c], out shape [n, h * sH, w * sW, c]
 * (the trailing zeros are harmless: callers crop them).
 */
export function zeroStuff(x: tf.Tensor4D, sH: number, sW: number): tf.Tensor4D {
  if (sH === 1 && sW === 1) return x;
  const [n, h, w, c] = x.shape;
  const six = tf.reshape(x, [n, h, 1, w, 1, c]);
  const padded = tf.pad(six, [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]]);
  return tf.reshape(padded, [n, h * sH, w * sW, c]);
}

/** Stride-1 input of the equivalent forward convolution for a transposed conv. */
export function transposedConvInput(dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const stuffed = zeroStuff(dy, g.strideH, g.strideW);
  return placeWindow(
    stuffed,
    (g.kH - 1) * g.dilH - g.padTop,
    (g.kW - 1) * g.dilW - g.padLeft,
    g.inH + (g.kH - 1) * g.dilH,
    g.inW + (g.kW - 1) * g.dilW,
  );
}

/**
 * One-hot depthwise filter [kH, kW, C, kH*kW]: a depthwise convolution with it
 * is im2col, out[n, r, s, c * taps + t] = xPad[n, r*sH + i*dH, s*sW + j*dW, c]
 * for tap t = (i, j) (row-major), computed by XNNPACK; its transpose
 * (DepthwiseConv2dNativeBackpropInput with this filter) is col2im.
 */
export function im2colFilter(kH: number, kW: number, c: number): tf.Tensor4D {
  const taps = kH * kW;
  const values = new Float32Array(taps * c * taps);
  for (let t = 0; t < taps; t++) {
    for (let ch = 0; ch < c; ch++) values[(t * c + ch) * taps + t] = 1;
  }
  return tf.tensor4d(values, [kH, kW, c, taps]);
}
