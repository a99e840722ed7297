/**
 * MaxPoolGrad for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 registers MaxPoolGrad, but its C++ kernel seeds the
 * running maximum with std::numeric_limits<float>::min() (the smallest
 * POSITIVE float) instead of the lowest float: for a pooling window whose
 * values are all <= 0 it routes the gradient to element 0 of the whole tensor
 * (or drops it). Max pooling after anything that can go negative (a linear or
 * tanh/elu conv, an embedding, ...) trains wrongly. It is also slow.
 *
 * This replacement matches the cpu backend (the gradient goes to the FIRST
 * maximal element of each window, in row-major window order; padding never
 * wins) and is built from C++/XNNPACK ops:
 *   - non-overlapping windows (stride == size, no top/left padding: the Keras
 *     default): one transpose puts the window taps on the outer axis, a short
 *     loop over the taps routes dy, one transpose puts it back (see
 *     nonOverlapping);
 *   - otherwise: the taps come from a depthwise convolution with a one-hot
 *     filter (im2col), the first-match mask from eq = (X == y) and
 *     first = eq && cumsum(eq) == 1 over the taps, and the result goes back
 *     through col2im (DepthwiseConv2dNativeBackpropInput with that filter).
 * The wasm comparison / logical kernels are scalar loops and its
 * broadcasting binary ops are slow, so all of this is plain same-shape
 * arithmetic (step, mul, sub) on XNNPACK.
 */
import * as tf from '../../tf';
import { depthwiseInputGradNHWC } from './depthwise_conv2d_backprop';
import { asTensor, geometryFor, im2colFilter, placeWindow, slice2d, type ConvGeometry } from './util';

/** Lowest finite float32: padding value that never wins a max. */
const LOWEST = -3.4028234663852886e38;

/**
 * t [...] -> [..., taps], each value repeated along the new last axis. Done as
 * a [P, 1] x [1, taps] XNNPACK GEMM: the wasm backend's broadcasting binary
 * ops (and Tile) are several times slower.
 */
function repeatLast(t: tf.Tensor, taps: number): tf.Tensor {
  const p = t.size;
  return tf.reshape(tf.matMul(tf.reshape<tf.Rank.R2>(t, [p, 1]), tf.ones([1, taps])), [...t.shape, taps]);
}

/**
 * dy routed to the first tap of each window that equals the window's max y.
 * Arithmetic only: the wasm comparison / logical kernels are scalar loops.
 *   eq    = 1 - step(y - X)            (X <= y always, so this is X == y)
 *   first = eq * relu(2 - cumsum(eq))  (1 only at the first match)
 */
function firstMatch(X: tf.Tensor, y: tf.Tensor, dy: tf.Tensor, taps: number): tf.Tensor {
  let mask = tf.sub(1, tf.step(tf.sub(repeatLast(y, taps), X)));
  if (taps > 1) mask = tf.mul(mask, tf.relu(tf.sub(2, tf.cumsum(mask, mask.rank - 1))));
  return tf.mul(mask, repeatLast(dy, taps));
}

/**
 * Windows that tile the input (stride == size, no top/left padding). The taps
 * are brought to the OUTERMOST axis, X[t] = [N, oh, ow, C] for tap t = (i, j),
 * by two rank-3 transposes (the wasm Transpose kernel is fast up to rank 4
 * and a per-element index loop above), then, tap by tap, without any
 * broadcasting:
 *   g_t = remaining * (X[t] == y);  remaining -= g_t
 * (remaining starts as dy and drops to 0 at a window's first match), and the
 * g_t are stacked and transposed back.
 */
function nonOverlapping(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const { batch: n, inH, inW, inC: c, outH, outW, kH, kW } = g;
  const taps = kH * kW;
  const size = n * outH * outW * c;
  const rows = n * outH; // A
  const pixels = rows * outW; // P
  const hc = outH * kH;
  const wc = outW * kW;
  const xw = placeWindow(x, 0, 0, hc, wc, LOWEST);
  // [A, kH, ow*kW*C] -> [kH, A, ow*kW*C] = [kH, P, kW, C] -> [kH, kW, P, C]
  const a = kH === 1 ? xw : tf.transpose(tf.reshape(xw, [rows, kH, outW * kW * c]), [1, 0, 2]);
  const X = kW === 1 ? a : tf.transpose(tf.reshape(a, [kH, pixels, kW, c]), [0, 2, 1, 3]);
  const X2 = tf.reshape(X, [taps, size]);
  const y1 = tf.reshape(y, [1, size]);
  let remaining: tf.Tensor = tf.reshape(dy, [1, size]);
  const parts: tf.Tensor[] = [];
  for (let t = 0; t < taps; t++) {
    const xt = taps === 1 ? X2 : slice2d(X2, t, 1, 0, size);
    // X[t] <= y, so 1 - step(y - X[t]) is the indicator of X[t] == y.
    const part = tf.sub(remaining, tf.mul(remaining, tf.step(tf.sub(y1, xt))));
    parts.push(part);
    if (t < taps - 1) remaining = tf.sub(remaining, part);
  }
  const G = parts.length === 1 ? parts[0] : tf.concat(parts, 0); // [taps, size] = [kH, kW, P, C]
  const b = kW === 1 ? G : tf.transpose(tf.reshape(G, [kH, kW, pixels, c]), [0, 2, 1, 3]); // [kH, P, kW, C]
  const dx = kH === 1 ? b : tf.transpose(tf.reshape(b, [kH, rows, outW * kW * c]), [1, 0, 2]); // [A, kH, ...]
  return placeWindow(tf.reshape<tf.Rank.R4>(dx, [n, hc, wc, c]), 0, 0, inH, inW);
}

function general(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const { batch: n, inH, inW, inC: c, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const taps = kH * kW;
  const needH = (outH - 1) * strideH + kH;
  const needW = (outW - 1) * strideW + kW;
  const xp = placeWindow(x, padTop, padLeft, needH, needW, LOWEST);
  const onehot = im2colFilter(kH, kW, c);
  const cols = tf.depthwiseConv2d(xp, onehot, [strideH, strideW], 'valid'); // [N, oh, ow, C*taps]
  const X = tf.reshape(cols, [n, outH, outW, c, taps]);
  const G = tf.reshape<tf.Rank.R4>(firstMatch(X, y, dy, taps), [n, outH, outW, c * taps]);
  return depthwiseInputGradNHWC(G, onehot, { ...g, dilH: 1, dilW: 1, outC: c * taps, inH, inW });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, input, output } = inputs as unknown as tf.MaxPoolGradInputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    return tf.tidy(() => {
      const x4 = asTensor<tf.Rank.R4>(input!);
      const y4 = asTensor<tf.Rank.R4>(output!);
      const dy4 = asTensor<tf.Rank.R4>(dy!);
      const g = geometryFor((mode) => tf.backend_util.computePool2DInfo(
        x4.shape, filterSize, strides, 1, pad, mode), dimRoundingMode, dy4.shape[1], dy4.shape[2]);
      const simple = g.strideH === g.kH && g.strideW === g.kW && g.padTop === 0 && g.padLeft === 0;
      return simple ? nonOverlapping(x4, y4, dy4, g) : general(x4, y4, dy4, g);
    });
  },
};
