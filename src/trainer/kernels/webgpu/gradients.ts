/**
 * Gradients with fewer kernels on the tfjs 'webgpu' backend.
 *
 * ReLU's gradient in tfjs-core is dy · cast(step(x)): two dispatches (the cast is free) per ReLU
 * per step. Here it is one kernel on webgpu; every other backend keeps tfjs's expression, so the
 * override (gradients are registered per kernel, not per backend) changes nothing elsewhere.
 */
import * as tf from '../../tf';
import { fusedKernelsOn, runKernelSource } from './program';

const RELU_GRAD = 'FusedReluGrad';

/** Registers the fused kernel and ReLU's gradient that uses it on webgpu. Idempotent. */
export function registerFusedGradients(): void {
  if (tf.getKernel(RELU_GRAD, 'webgpu')) return;
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.X!;
      const size = x.shape.reduce((a, b) => a * b, 1);
      // step(x) is 1 for x > 0, 0 otherwise, NaN for NaN (tfjs's Step): the gradient keeps NaN too.
      return runKernelSource(backend, {
        key: RELU_GRAD, inputs: ['X', 'DY'], scalars: [], threads: size, outputShape: [...x.shape],
        body: `if (index < uniforms.size) {
          let x = f32(X[index]);
          let dy = f32(DY[index]);
          if (isnan(x)) { setOutputAtIndex(index, x); } else { setOutputAtIndex(index, dy * select(0.0, 1.0, x > 0.0)); }
        }`,
      }, [x, inputs.DY!], []);
    },
  });
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      return {
        x: () =>
          tf.getBackend() === 'webgpu' && fusedKernelsOn()
            ? (tf.engine().runKernel(RELU_GRAD, { X: x, DY: d }, {}) as tf.Tensor)
            : tf.mul(d, tf.cast(tf.step(x), 'float32')),
      };
    },
  });
}
