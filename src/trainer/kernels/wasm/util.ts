/**
 * Shared helpers for the wasm training kernels.
 *
 * The kernels in this folder are written with tf ops (tf.matMul, tf.conv2d,
 * tf.slice, ...) instead of per-element JS loops: when a kernel runs on the
 * 'wasm' backend those ops dispatch to the backend's own fast XNNPACK/C++
 * kernels. Ops invoked from inside a kernel are not recorded on the gradient
 * tape (the engine only records at kernel depth 0), and a kernel may return a
 * tf.Tensor, which the engine uses as the kernel's output as is.
 */
import * as tf from '@tensorflow/tfjs';

export type Pair = [number, number];

/** A kernel input as a tf.Tensor (inputs handed over by the engine already are). */
export function asTensor<R extends tf.Rank = tf.Rank>(info: tf.TensorInfo): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  // Only reached when a kernel is called directly with bare TensorInfos. The
  // new handle adds a reference that the surrounding tidy() releases again.
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
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

/** Conv attrs that may be a single number or a pair. */
export function pair(v: number | number[] | undefined | null, dflt = 1): Pair {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return v.length === 1 ? [v[0], v[0]] : [v[0], v[1]];
}

export const NCHW_TO_NHWC = [0, 2, 3, 1];
export const NHWC_TO_NCHW = [0, 3, 1, 2];

/**
 * Crops axes 1 and 2 of a rank-4 tensor to rows [top, top + h) and columns
 * [left, left + w). Done as at most two 2-D slices with long contiguous rows:
 * the wasm Slice kernel copies row by row in JS, so a plain 4-D slice, whose
 * rows are only `c` elements long, is slow.
 */
export function cropHW(x: tf.Tensor4D, top: number, left: number, h: number, w: number): tf.Tensor4D {
  const [n, H, W, c] = x.shape;
  let y = x;
  if (left !== 0 || w !== W) {
    const flat = tf.reshape<tf.Rank.R2>(y, [n * H, W * c]);
    y = tf.reshape<tf.Rank.R4>(tf.slice(flat, [0, left * c], [n * H, w * c]), [n, H, w, c]);
  }
  if (top !== 0 || h !== H) {
    const flat = tf.reshape<tf.Rank.R2>(y, [n, H * w * c]);
    y = tf.reshape<tf.Rank.R4>(tf.slice(flat, [0, top * w * c], [n, h * w * c]), [n, h, w, c]);
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

/**
 * One-hot depthwise filter [kH, kW, C, kH*kW]: a depthwise convolution with it
 * is im2col, out[n, r, s, c * taps + t] = xPad[n, r*sH + i*dH, s*sW + j*dW, c]
 * for tap t = (i, j) (row-major), computed by XNNPACK; its transpose
 * (DepthwiseConv2dNativeBackpropInput with this filter) is col2im.
 */
export function im2colFilter(kH: number, kW: number, c: number): tf.Tensor4D {
  const taps = kH * kW;
  const eye = tf.reshape<tf.Rank.R4>(tf.eye(taps), [kH, kW, 1, taps]);
  return c === 1 ? eye : tf.tile(eye, [1, 1, c, 1]);
}

/** Upper bound on elements of one im2col buffer before a kernel splits the batch. */
export const IM2COL_MAX_ELEMENTS = 1 << 24;

/** Splits [0, n) into chunks so that chunk * perItem <= max (at least 1 item a chunk). */
export function batchChunks(n: number, perItem: number, max = IM2COL_MAX_ELEMENTS): Array<[number, number]> {
  const size = Math.max(1, Math.floor(max / Math.max(perItem, 1)));
  const out: Array<[number, number]> = [];
  for (let b = 0; b < n; b += size) out.push([b, Math.min(size, n - b)]);
  return out;
}
