/**
 * Conv2DBackpropInput for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 registers this kernel, but as a scalar C++ loop
 * nest (no XNNPACK, no SIMD): it dominates a CNN training step. This version
 * expresses the transposed convolution as a plain stride-1 convolution,
 * which the backend runs through XNNPACK:
 *
 *   dx = conv2d(placeWindow(zeroStuff(dy, strides)), rot180(W) with in/out swapped)
 *
 * zeroStuff inserts (stride - 1) zeros between dy's rows/cols; placeWindow
 * pads it by (k - 1) * dilation - pad on the top/left (cropping when
 * negative) to inH + (k - 1) * dilation rows; rot180 flips the filter taps.
 */
import * as tf from '@tensorflow/tfjs';
import {
  asTensor, geometry, NCHW_TO_NHWC, NHWC_TO_NCHW, placeWindow, zeroStuff, type ConvGeometry,
} from './util';

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

export function conv2dInputGradNHWC(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const a = transposedConvInput(dy, g);
  // [kH, kW, C, O] -> rot180 over the taps, then HWOI.
  const flipped = g.kH === 1 && g.kW === 1 ? filter : tf.reverse(filter, [0, 1]);
  const w = tf.transpose(flipped, [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(a, w, 1, 'valid', 'NHWC', [g.dilH, g.dilW]);
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
      const info = tf.backend_util.computeConv2DInfo(
        shape, w4.shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
      const dx = conv2dInputGradNHWC(dy4, w4, geometry(info));
      return nchw ? tf.transpose(dx, NHWC_TO_NCHW) : dx;
    });
  },
};
