/**
 * The parts of TensorFlow.js the trainer uses: the core (tensors, ops, kernels, optimizers), the
 * layers API and the CPU backend (the fallback, and the reference the kernel tests compare
 * with). Every trainer file imports `tf` from here instead of the `@tensorflow/tfjs` umbrella,
 * which would also bundle the converter, tf.data and the WebGL backend, none of which run here.
 */
// A named import: the package declares itself free of side effects, so a bare import would be
// dropped, and with it the CPU backend's registration.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_core } from '@tensorflow/tfjs-core';
// Tensor methods (`t.reshape()`), which tfjs-layers calls: the umbrella package registers them.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { version_layers } from '@tensorflow/tfjs-layers';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';

export const version = { 'tfjs-core': version_core, 'tfjs-layers': version_layers, 'tfjs-backend-cpu': version_cpu };
