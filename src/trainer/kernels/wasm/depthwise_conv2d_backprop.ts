/**
 * DepthwiseConv2dNativeBackpropInput / ...BackpropFilter for the wasm backend
 * (tfjs-backend-wasm 4.22 has neither). NHWC, filter [kH, kW, C, mult],
 * output channel c * mult + m. Dilations are honoured (tfjs' gradient of
 * depthwiseConv2d only allows 1, but the math here is general).
 *
 * Input gradient: a stride-1 depthwise convolution of the zero-stuffed, padded
 * dy with the tap-flipped filter (XNNPACK), then a sum over the multiplier.
 *
 * Filter gradient: im2col (a depthwise convolution with a one-hot filter)
 * times dy broadcast over the taps, then a sum over the M = N * outH * outW
 * output pixels done as a ones-vector GEMM:
 *   dW[t, c, m] = sum_M cols[M, c, t] * dy[M, c, m]
 */
import * as tf from '@tensorflow/tfjs';
import { transposedConvInput } from './conv2d_backprop_input';
import { asTensor, batchChunks, geometry, type ConvGeometry } from './util';

export function depthwiseInputGradNHWC(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const [kH, kW, c, mult] = filter.shape;
  const a = transposedConvInput(dy, g);
  const flipped = kH === 1 && kW === 1 ? filter : tf.reverse(filter, [0, 1]);
  const w = tf.reshape<tf.Rank.R4>(flipped, [kH, kW, c * mult, 1]);
  const y = tf.depthwiseConv2d(a, w, 1, 'valid', 'NHWC', [g.dilH, g.dilW]);
  if (mult === 1) return y;
  return tf.sum(tf.reshape(y, [g.batch, g.inH, g.inW, c, mult]), 4) as tf.Tensor4D;
}

/**
 * One-hot depthwise filter [kH, kW, C, kH*kW]: a depthwise convolution with it
 * is im2col, out[n, r, s, c * taps + t] = xPad[n, r*sH + i*dH, s*sW + j*dW, c]
 * for tap t = (i, j), computed by XNNPACK.
 */
function im2colFilter(kH: number, kW: number, c: number): tf.Tensor4D {
  const taps = kH * kW;
  const eye = tf.reshape<tf.Rank.R4>(tf.eye(taps), [kH, kW, 1, taps]);
  return c === 1 ? eye : tf.tile(eye, [1, 1, c, 1]);
}

export function depthwiseFilterGradNHWC(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, mult: number): tf.Tensor4D {
  const c = g.inC;
  const taps = g.kH * g.kW;
  const chunks = batchChunks(g.batch, taps * c * mult * g.outH * g.outW);
  const onehot = im2colFilter(g.kH, g.kW, c);
  const explicitPad: tf.backend_util.ExplicitPadding =
    [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]];
  let acc: tf.Tensor | null = null;
  for (const [b0, nb] of chunks) {
    const xs = chunks.length === 1 ? x : tf.slice(x, [b0, 0, 0, 0], [nb, g.inH, g.inW, c]);
    const dys = chunks.length === 1 ? dy : tf.slice(dy, [b0, 0, 0, 0], [nb, g.outH, g.outW, c * mult]);
    const m = nb * g.outH * g.outW;
    const cols = tf.depthwiseConv2d(xs, onehot, [g.strideH, g.strideW], explicitPad, 'NHWC', [g.dilH, g.dilW]);
    const prod = tf.mul(tf.reshape(cols, [m, c, taps, 1]), tf.reshape(dys, [m, c, 1, mult])); // [M, C, taps, mult]
    // Sum over M as a [1, M] x [M, F] GEMM (XNNPACK) rather than a reduction
    // over a leading axis (which the backend does by transposing first).
    const part = tf.matMul(tf.ones([1, m]), tf.reshape<tf.Rank.R2>(prod, [m, c * taps * mult]));
    acc = acc == null ? part : tf.add(acc, part);
  }
  const ctm = tf.reshape(acc!, [c, taps, mult]);
  return tf.reshape<tf.Rank.R4>(c === 1 ? ctm : tf.transpose(ctm, [1, 0, 2]), [g.kH, g.kW, c, mult]);
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, filter } = inputs as unknown as tf.DepthwiseConv2dNativeBackpropInputInputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return tf.tidy(() => {
      const dy4 = asTensor<tf.Rank.R4>(dy!);
      const w4 = asTensor<tf.Rank.R4>(filter!);
      const info = tf.backend_util.computeConv2DInfo(
        inputShape, w4.shape, strides, dilations ?? 1, pad, dimRoundingMode, true, 'channelsLast');
      return depthwiseInputGradNHWC(dy4, w4, geometry(info));
    });
  },
};

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.DepthwiseConv2dNativeBackpropFilterInputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return tf.tidy(() => {
      const x4 = asTensor<tf.Rank.R4>(x!);
      const dy4 = asTensor<tf.Rank.R4>(dy!);
      const info = tf.backend_util.computeConv2DInfo(
        x4.shape, filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true, 'channelsLast');
      return depthwiseFilterGradNHWC(x4, dy4, geometry(info), filterShape[3]);
    });
  },
};
