/**
 * Training kernels for the tfjs 'wasm' backend.
 *
 * @tensorflow/tfjs-backend-wasm 4.22 cannot train most tfjs-layers models:
 * it registers no Conv2DBackpropFilter (conv nets), no UnsortedSegmentSum
 * (gradient of Gather: Embedding layers) and no depthwise-conv gradients
 * (DepthwiseConv2d / SeparableConv2d layers). Its Conv2DBackpropInput exists
 * but is a scalar loop nest, far slower than the rest of a training step.
 *
 * registerWasmTrainingKernels() registers replacements built from the
 * backend's fast ops (XNNPACK conv / matmul, C++ slice / pad / transpose /
 * scatter). It may be called before or after tf.setBackend('wasm').
 */
import * as tf from '@tensorflow/tfjs';
// The backend's own kernels must be registered before they can be replaced.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputConfig } from './conv2d_backprop_input';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './depthwise_conv2d_backprop';
import { maxPoolGradConfig } from './max_pool_grad';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';

/** Kernels tfjs-backend-wasm lacks altogether. */
const MISSING: tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  unsortedSegmentSumConfig,
];

/** Kernels tfjs-backend-wasm has, replaced for speed. */
const REPLACED: tf.KernelConfig[] = [conv2DBackpropInputConfig, maxPoolGradConfig];

const ours = new WeakSet<tf.KernelConfig>();

function install(config: tf.KernelConfig): void {
  const existing = tf.getKernel(config.kernelName, 'wasm');
  if (existing && ours.has(existing)) return;
  // Keep a replaced kernel's setupFunc: the backend runs setupFuncs once, on
  // initialisation, and a setupFunc may be shared with other kernels.
  const entry: tf.KernelConfig = { ...config, backendName: 'wasm' };
  if (existing) {
    if (existing.setupFunc && !entry.setupFunc) entry.setupFunc = existing.setupFunc;
    if (existing.disposeFunc && !entry.disposeFunc) entry.disposeFunc = existing.disposeFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
  }
  tf.registerKernel(entry);
  ours.add(entry);
}

/**
 * Registers the wasm training kernels. Idempotent: later calls change nothing.
 * Returns the names of the kernels this module provides for 'wasm' (the same
 * list on every call).
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of [...MISSING, ...REPLACED]) install(config);
  return [...MISSING, ...REPLACED].map((c) => c.kernelName);
}

/** Names of the kernels wasm 4.22 lacks and this module adds. */
export const WASM_ADDED_KERNELS: readonly string[] = MISSING.map((c) => c.kernelName);
/** Names of the wasm kernels this module replaces with faster versions. */
export const WASM_REPLACED_KERNELS: readonly string[] = REPLACED.map((c) => c.kernelName);
