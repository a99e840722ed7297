/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none).
 *
 * dW[i, j, c, o] = sum_{n, r, s} xPad[n, r*sH + i*dH, s*sW + j*dW, c] * dy[n, r, s, o]
 *
 * This is im2col + one big GEMM, run as a single XNNPACK convolution (see
 * conv2dFilterGradNHWC). Measured alternatives on wasm were slower: an
 * explicit im2col via tf.gather (the wasm Gather kernel is slow), via tf.slice
 * per tap (the wasm Slice kernel copies row by row in JS), and BatchMatMul
 * with transposeA (wasm runs transposed matmuls as a scalar loop).
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, geometry, NCHW_TO_NHWC, placeWindow, type ConvGeometry } from './util';

/**
 * dW as [kH, kW, C, O] via one forward convolution: the batch becomes the
 * contracted channel axis and dy the filter,
 *   xT  = x^T  [C, H', W', N]   (padded / cropped to (out - 1) * stride + k)
 *   dyF = dy   [outH, outW, N, O]
 *   dW  = conv2d(xT, dyF, stride 1, 'valid', dilation = original stride)
 *         -> [C, kH, kW, O] -> transpose -> [kH, kW, C, O]
 * i.e. an XNNPACK GEMM of [C*kH*kW, N*outH*outW] x [N*outH*outW, O] with the
 * im2col done by XNNPACK's indirection buffer (no im2col tensor at all).
 * Original dilations must be 1 (always so for Conv2DBackpropFilter).
 */
export function conv2dFilterGradNHWC(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
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

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    return tf.tidy(() => {
      let x4 = asTensor<tf.Rank.R4>(x!);
      let dy4 = asTensor<tf.Rank.R4>(dy!);
      if (dataFormat === 'NCHW') {
        x4 = tf.transpose(x4, NCHW_TO_NHWC);
        dy4 = tf.transpose(dy4, NCHW_TO_NHWC);
      }
      const info = tf.backend_util.computeConv2DInfo(
        x4.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
      return conv2dFilterGradNHWC(x4, dy4, geometry(info));
    });
  },
};
