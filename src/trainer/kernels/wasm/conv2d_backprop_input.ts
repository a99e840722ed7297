/**
 * Conv2DBackpropInput for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 registers this kernel, but as a scalar C++ loop
 * nest (no XNNPACK, no SIMD): it dominates a CNN training step. This version
 * takes the cheaper of two XNNPACK routes:
 *
 *  - viaConvolution: the transposed convolution as a plain stride-1 one,
 *      dx = conv2d(placeWindow(zeroStuff(dy, strides)), rot180(W) with in/out swapped)
 *    zeroStuff inserts (stride - 1) zeros between dy's rows/cols; placeWindow
 *    pads it by (k - 1) * dilation - pad on the top/left (cropping when
 *    negative) to inH + (k - 1) * dilation rows; rot180 flips the filter taps;
 *  - viaCol2im: GEMM dy x W^T, then col2im (see below).
 */
import * as tf from '../../tf';
import { depthwiseInputGradNHWC } from './depthwise_conv2d_backprop';
import {
  asTensor, geometryFor, im2colFilter, NCHW_TO_NHWC, NHWC_TO_NCHW, transposedConvInput, type ConvGeometry,
} from './util';

/** dx as one stride-1 XNNPACK convolution over the zero-stuffed, padded dy. */
export function viaConvolution(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const a = transposedConvInput(dy, g);
  // [kH, kW, C, O] -> rot180 over the taps, then HWOI.
  const flipped = g.kH === 1 && g.kW === 1 ? filter : tf.reverse(filter, [0, 1]);
  const w = tf.transpose(flipped, [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(a, w, 1, 'valid', 'NHWC', [g.dilH, g.dilW]);
}

/**
 * dx as GEMM + col2im: cols[M, (c, tap)] = dy[M, O] x W^T (XNNPACK), then
 * col2im, i.e. DepthwiseConv2dNativeBackpropInput of cols with the one-hot
 * im2col filter. Cheaper than viaConvolution when dy is much smaller than x
 * (strided convs, small feature maps), where the stride-1 convolution spends
 * most of its work on padding and stuffed zeros.
 */
export function viaCol2im(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const taps = g.kH * g.kW;
  const m = g.batch * g.outH * g.outW;
  const wT = tf.reshape<tf.Rank.R2>(tf.transpose(filter, [3, 2, 0, 1]), [g.outC, g.inC * taps]); // [O, (c, i, j)]
  const cols = tf.matMul(tf.reshape<tf.Rank.R2>(dy, [m, g.outC]), wT);
  const cols4 = tf.reshape<tf.Rank.R4>(cols, [g.batch, g.outH, g.outW, g.inC * taps]);
  return depthwiseInputGradNHWC(cols4, im2colFilter(g.kH, g.kW, g.inC), { ...g, outC: g.inC * taps });
}

/** XNNPACK GEMM tiles are 8 output channels wide on wasm: fewer waste the rest. */
const gemmEfficiency = (outChannels: number) => Math.min(1, outChannels / 8);

/**
 * Picks the cheaper route by a rough per-image cost in multiply-adds (the
 * depthwise col2im counted 4x: measured on wasm SIMD, MNIST-sized layers).
 */
export function conv2dInputGradNHWC(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const taps = g.kH * g.kW;
  const inPixels = g.inH * g.inW;
  const convCost = (inPixels * taps * g.outC * g.inC) / gemmEfficiency(g.inC);
  const col2imCost = (g.outH * g.outW * g.outC * g.inC * taps) / gemmEfficiency(g.inC * taps) +
    4 * inPixels * g.inC * taps * taps;
  return col2imCost < convCost ? viaCol2im(dy, filter, g) : viaConvolution(dy, filter, g);
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, filter } = inputs as unknown as tf.Conv2DBackpropInputInputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      attrs as unknown as tf.Conv2DBackpropInputAttrs;
    return tf.tidy(() => {
      let dy4 = asTensor<tf.Rank.R4>(dy!);
      const w4 = asTensor<tf.Rank.R4>(filter!);
      const nchw = dataFormat === 'NCHW';
      const shape: [number, number, number, number] = nchw
        ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]]
        : [inputShape[0], inputShape[1], inputShape[2], inputShape[3]];
      if (nchw) dy4 = tf.transpose(dy4, NCHW_TO_NHWC);
      const g = geometryFor((mode) => tf.backend_util.computeConv2DInfo(
        shape, w4.shape, strides, 1, pad, mode, false, 'channelsLast'), dimRoundingMode, dy4.shape[1], dy4.shape[2]);
      const dx = conv2dInputGradNHWC(dy4, w4, g);
      return nchw ? tf.transpose(dx, NHWC_TO_NCHW) : dx;
    });
  },
};
