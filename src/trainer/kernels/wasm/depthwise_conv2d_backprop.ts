/**
 * DepthwiseConv2dNativeBackpropInput / ...BackpropFilter for the wasm backend
 * (tfjs-backend-wasm 4.22 has neither). NHWC, filter [kH, kW, C, mult],
 * output channel c * mult + m. Dilations are honoured (tfjs' gradient of
 * depthwiseConv2d only allows 1, but the math here is general).
 *
 * Input gradient: a stride-1 depthwise convolution of the zero-stuffed, padded
 * dy with the tap-flipped filter (XNNPACK), then a sum over the multiplier.
 *
 * Filter gradient: one depthwise convolution of x with dy as the filter, the
 * batch folded into the channel axis, then a sum over the batch.
 */
import * as tf from '../../tf';
import { asTensor, geometryFor, placeWindow, transposedConvInput, type ConvGeometry } from './util';

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
 * dW via one depthwise convolution in which the batch is folded into the
 * channels and dy is the (large) filter:
 *   xF  = x  -> [1, H', W', N*C]         (padded / cropped)
 *   dyF = dy -> [outH, outW, N*C, mult]
 *   out = depthwiseConv2d(xF, dyF, stride = dilation, dilation = stride)
 *         -> [1, kH, kW, N*C*mult] -> sum over N -> [kH, kW, C, mult]
 * Exactly the N*outH*outW*kH*kW*C*mult multiply-adds of the gradient.
 */
export function depthwiseFilterGradNHWC(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, mult: number): tf.Tensor4D {
  const { batch: n, inC: c, outH, outW, kH, kW } = g;
  const needH = (outH - 1) * g.strideH + (kH - 1) * g.dilH + 1;
  const needW = (outW - 1) * g.strideW + (kW - 1) * g.dilW + 1;
  const xw = placeWindow(x, g.padTop, g.padLeft, needH, needW);
  const xF = n === 1 ? xw : tf.transpose(xw, [1, 2, 0, 3]); // [H', W', N, C]
  const dyF = n === 1 ? dy : tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, C*mult]
  const out = tf.depthwiseConv2d(
    tf.reshape<tf.Rank.R4>(xF, [1, needH, needW, n * c]),
    tf.reshape<tf.Rank.R4>(dyF, [outH, outW, n * c, mult]),
    [g.dilH, g.dilW], 'valid', 'NHWC', [g.strideH, g.strideW]); // [1, kH, kW, N*C*mult]
  const perSample = tf.reshape(out, [kH * kW, n, c * mult]);
  const summed = n === 1 ? perSample : tf.sum(perSample, 1);
  return tf.reshape<tf.Rank.R4>(summed, [kH, kW, c, mult]);
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
      const g = geometryFor((mode) => tf.backend_util.computeConv2DInfo(
        inputShape, w4.shape, strides, dilations ?? 1, pad, mode, true, 'channelsLast'),
      dimRoundingMode, dy4.shape[1], dy4.shape[2]);
      return depthwiseInputGradNHWC(dy4, w4, g);
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
      const g = geometryFor((mode) => tf.backend_util.computeConv2DInfo(
        x4.shape, filterShape, strides, dilations ?? 1, pad, mode, true, 'channelsLast'),
      dimRoundingMode, dy4.shape[1], dy4.shape[2]);
      return depthwiseFilterGradNHWC(x4, dy4, g, filterShape[3]);
    });
  },
};
