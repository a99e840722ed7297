/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none).
 *
 * dW[i, j, c, o] = sum_{n, r, s} xPad[n, r*sH + i*dH, s*sW + j*dW, c] * dy[n, r, s, o]
 *
 * This is im2col + one big GEMM, run either as a single XNNPACK convolution
 * (viaConvolution) or, when the filter is small next to the number of output
 * channels, as an explicit im2col + matmul (viaIm2col). Measured
 * alternatives on wasm were slower: an
 * explicit im2col via tf.gather (the wasm Gather kernel is slow), via tf.slice
 * per tap (the wasm Slice kernel copies row by row in JS), and BatchMatMul
 * with transposeA (wasm runs transposed matmuls as a scalar loop).
 */
import * as tf from '../../tf';
import { asTensor, geometryFor, im2colFilter, NCHW_TO_NHWC, placeWindow, type ConvGeometry } from './util';

/**
 * dW as [kH, kW, C, O] via one forward convolution: the batch becomes the
 * contracted channel axis and dy the filter,
 *   xT  = x^T  [C, H', W', N]   (padded / cropped to (out - 1) * stride + k)
 *   dyF = dy   [outH, outW, N, O]
 *   dW  = conv2d(xT, dyF, stride 1, 'valid', dilation = original stride)
 *         -> [C, kH, kW, O] -> transpose -> [kH, kW, C, O]
 * i.e. an XNNPACK GEMM of [C*kH*kW, M] x [M, O] (M = N*outH*outW) with the
 * im2col done by XNNPACK's indirection buffer (no im2col tensor at all).
 */
export function viaConvolution(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const needH = (g.outH - 1) * g.strideH + g.kH;
  const needW = (g.outW - 1) * g.strideW + g.kW;
  const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H, W, N]
  const xw = placeWindow(xT, g.padTop, g.padLeft, needH, needW);
  const dyF = g.batch === 1
    ? tf.reshape<tf.Rank.R4>(dy, [g.outH, g.outW, 1, g.outC])
    : tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [outH, outW, N, O]
  const out = tf.conv2d(xw, dyF, 1, 'valid', 'NHWC', [g.strideH, g.strideW]); // [C, kH, kW, O]
  return g.inC === 1
    ? tf.reshape<tf.Rank.R4>(out, [g.kH, g.kW, 1, g.outC])
    : tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
}

/**
 * dW via an explicit im2col, cols [M, C*kH*kW] = depthwise convolution of x
 * with a one-hot filter (XNNPACK), then dW^T = dy^T [O, M] x cols.
 * XNNPACK repacks a matmul's right operand (and a convolution's filter) on
 * every call; this packs cols instead of dy, the better deal when
 * C*kH*kW is much smaller than O (e.g. a first layer on 1-channel images).
 */
function viaIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const taps = g.kH * g.kW;
  const m = g.batch * g.outH * g.outW;
  // Pad / crop so that a 'valid' convolution gives exactly outH x outW
  // (whatever padding and dimRoundingMode produced them).
  const xw = placeWindow(x, g.padTop, g.padLeft, (g.outH - 1) * g.strideH + g.kH, (g.outW - 1) * g.strideW + g.kW);
  const cols = tf.depthwiseConv2d(xw, im2colFilter(g.kH, g.kW, g.inC), [g.strideH, g.strideW], 'valid');
  const dyT = tf.transpose(tf.reshape<tf.Rank.R2>(dy, [m, g.outC]));
  const r = tf.matMul(dyT, tf.reshape<tf.Rank.R2>(cols, [m, g.inC * taps])); // [O, (c, i, j)]
  return tf.transpose(tf.reshape(r, [g.outC, g.inC, g.kH, g.kW]), [2, 3, 1, 0]) as tf.Tensor4D;
}

export function conv2dFilterGradNHWC(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const k = g.kH * g.kW * g.inC;
  return 2 * k <= g.outC ? viaIm2col(x, dy, g) : viaConvolution(x, dy, g);
}

/**
 * Conv2DBackpropFilter's inputs as NHWC tensors with their geometry, handed to `grad` inside a
 * tidy: the part every backend's kernel shares.
 */
export function filterGradNHWC(
  x: tf.TensorInfo, dy: tf.TensorInfo, attrs: tf.Conv2DBackpropFilterAttrs,
  grad: (x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry) => tf.Tensor4D,
): tf.Tensor4D {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  return tf.tidy(() => {
    let x4 = asTensor<tf.Rank.R4>(x);
    let dy4 = asTensor<tf.Rank.R4>(dy);
    if (dataFormat === 'NCHW') {
      x4 = tf.transpose(x4, NCHW_TO_NHWC);
      dy4 = tf.transpose(dy4, NCHW_TO_NHWC);
    }
    const g = geometryFor((mode) => tf.backend_util.computeConv2DInfo(
      x4.shape, filterShape, strides, 1, pad, mode, false, 'channelsLast'), dimRoundingMode, dy4.shape[1], dy4.shape[2]);
    return grad(x4, dy4, g);
  });
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs;
    return filterGradNHWC(x!, dy!, attrs as unknown as tf.Conv2DBackpropFilterAttrs, conv2dFilterGradNHWC);
  },
};
