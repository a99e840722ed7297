/**
 * Training kernels for the tfjs 'wasm' backend.
 *
 * @tensorflow/tfjs-backend-wasm 4.22 cannot train most tfjs-layers models:
 * it registers no Conv2DBackpropFilter (conv nets), no UnsortedSegmentSum
 * (gradient of Gather: Embedding layers) and no depthwise-conv gradients
 * (DepthwiseConv2d / SeparableConv2d layers). Some kernels it does have are
 * wrong or far slower than the rest of a training step:
 *   - MaxPoolGrad gives wrong gradients for pooling windows whose values are
 *     all <= 0 (and is slow);
 *   - Conv2DBackpropInput is a scalar loop nest;
 *   - BatchMatMul with transposeA / transposeB (every dense-layer gradient)
 *     is a scalar loop;
 *   - Sum over leading axes of a rank-4 tensor (conv bias gradients) goes
 *     through a slow rank-4 transpose.
 *
 * registerWasmTrainingKernels() registers replacements built from the
 * backend's fast ops (XNNPACK conv / matmul, C++ pad / transpose / scatter).
 * It may be called before or after tf.setBackend('wasm').
 */
import * as tf from '../../tf';
// The backend's own kernels must be registered before they can be replaced.
import '@tensorflow/tfjs-backend-wasm';
import { batchMatMulConfig } from './batch_mat_mul';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputConfig } from './conv2d_backprop_input';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './depthwise_conv2d_backprop';
import { maxPoolGradConfig } from './max_pool_grad';
import { sumConfig } from './sum';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';

type Provider = (stock: tf.KernelConfig | undefined) => tf.KernelConfig | undefined;

/** Kernels tfjs-backend-wasm lacks altogether. */
const ADDED: Array<[string, Provider]> = [
  [tf.Conv2DBackpropFilter, () => conv2DBackpropFilterConfig],
  [tf.DepthwiseConv2dNativeBackpropInput, () => depthwiseConv2dNativeBackpropInputConfig],
  [tf.DepthwiseConv2dNativeBackpropFilter, () => depthwiseConv2dNativeBackpropFilterConfig],
  [tf.UnsortedSegmentSum, () => unsortedSegmentSumConfig],
];

/** Kernels tfjs-backend-wasm has, replaced because they are wrong or slow. */
const REPLACED: Array<[string, Provider]> = [
  [tf.Conv2DBackpropInput, () => conv2DBackpropInputConfig],
  [tf.MaxPoolGrad, () => maxPoolGradConfig],
  [tf.BatchMatMul, batchMatMulConfig],
  [tf.Sum, sumConfig],
];

const ours = new WeakSet<tf.KernelConfig>();

function install(name: string, provide: Provider): boolean {
  const existing = tf.getKernel(name, 'wasm');
  if (existing && ours.has(existing)) return true;
  const config = provide(existing);
  if (!config) return false;
  const entry: tf.KernelConfig = { ...config, kernelName: name, backendName: 'wasm' };
  if (existing) {
    // Keep a replaced kernel's setupFunc: the backend runs setupFuncs once, on
    // initialisation, and a stock kernel may rely on it (cwrap of its C++).
    if (existing.setupFunc && !entry.setupFunc) entry.setupFunc = existing.setupFunc;
    if (existing.disposeFunc && !entry.disposeFunc) entry.disposeFunc = existing.disposeFunc;
    tf.unregisterKernel(name, 'wasm');
  }
  tf.registerKernel(entry);
  ours.add(entry);
  return true;
}

/**
 * Registers the wasm training kernels. Idempotent: later calls change nothing.
 * Returns the names of the kernels this module provides for 'wasm' (the same
 * list on every call): first the added ones, then the replaced ones.
 */
export function registerWasmTrainingKernels(): string[] {
  const names: string[] = [];
  for (const [name, provide] of [...ADDED, ...REPLACED]) {
    if (install(name, provide)) names.push(name);
  }
  return names;
}

/** Names of the kernels wasm 4.22 lacks and this module adds. */
export const WASM_ADDED_KERNELS: readonly string[] = ADDED.map(([name]) => name);
/** Names of the stock wasm kernels this module replaces (wrong or slow). */
export const WASM_REPLACED_KERNELS: readonly string[] = REPLACED.map(([name]) => name);
