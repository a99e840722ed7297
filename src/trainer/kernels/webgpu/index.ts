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
 * registerWebGpuKernels() must run after '@tensorflow/tfjs-backend-webgpu' is loaded.
 */
import * as tf from '@tensorflow/tfjs';
import { viaConvolution } from '../wasm/conv2d_backprop_filter';
import { asTensor, geometryFor, NCHW_TO_NHWC } from '../wasm/util';

export const webgpuConv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    return tf.tidy(() => {
      let x4 = asTensor<tf.Rank.R4>(x!);
      let dy4 = asTensor<tf.Rank.R4>(dy!);
      if (dataFormat === 'NCHW') {
        x4 = tf.transpose(x4, NCHW_TO_NHWC);
        dy4 = tf.transpose(dy4, NCHW_TO_NHWC);
      }
      const g = geometryFor((mode) => tf.backend_util.computeConv2DInfo(
        x4.shape, filterShape, strides, 1, pad, mode, false, 'channelsLast'), dimRoundingMode, dy4.shape[1], dy4.shape[2]);
      return viaConvolution(x4, dy4, g);
    });
  },
};

const ours = new WeakSet<tf.KernelConfig>();

/** Replaces the webgpu backend's slow training kernels. Idempotent. */
export function registerWebGpuKernels(): void {
  for (const config of [webgpuConv2DBackpropFilterConfig]) {
    const existing = tf.getKernel(config.kernelName, 'webgpu');
    if (existing && ours.has(existing)) continue;
    if (existing) tf.unregisterKernel(config.kernelName, 'webgpu');
    const entry = { ...config };
    ours.add(entry);
    tf.registerKernel(entry);
  }
}
