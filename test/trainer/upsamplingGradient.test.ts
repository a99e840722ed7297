/**
 * upsampling2d (nearest): tfjs's ResizeNearestNeighbor gradient is wrong when the input has several
 * channels (found by the PyTorch parity work). The trainer registers its own (model/gradients.ts);
 * here it must equal finite differences and the sum over each output block, on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initWasmBackend } from '../../src/trainer/backend/wasm';
import { registerFastGradients } from '../../src/trainer/model/gradients';

const [N, H, W, C] = [2, 3, 2, 2];
const SIZE: [number, number] = [2, 3];
const x = () => tf.tidy(() => tf.randomNormal([N, H, W, C], 0, 1, 'float32', 11));
const w = () => tf.tidy(() => tf.randomNormal([N, H * SIZE[0], W * SIZE[1], C], 0, 1, 'float32', 12));

/** ½ Σ w·up(x)², whose gradient with respect to up(x) is w·up(x). */
function loss(input: tf.Tensor, weights: tf.Tensor): tf.Scalar {
  const up = tf.layers.upSampling2d({ size: SIZE }).apply(input) as tf.Tensor;
  return tf.mul(0.5, tf.sum(tf.mul(weights, tf.square(up)))) as tf.Scalar;
}

/** dL/dx by the formula: the sum of w·up(x) over the SIZE block each input pixel was copied to. */
function reference(xs: Float32Array, ws: Float32Array): number[] {
  const out = new Array<number>(xs.length).fill(0);
  const [OH, OW] = [H * SIZE[0], W * SIZE[1]];
  for (let n = 0; n < N; n++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) for (let c = 0; c < C; c++) {
    const src = ((n * H + Math.floor(i / SIZE[0])) * W + Math.floor(j / SIZE[1])) * C + c;
    out[src] += ws[((n * OH + i) * OW + j) * C + c] * xs[src];
  }
  return out;
}

/** Central differences of the loss, one input element at a time. */
function finiteDifferences(xs: Float32Array, weights: tf.Tensor, eps = 1e-2): number[] {
  return Array.from(xs, (_, k) => {
    const at = (d: number) => tf.tidy(() => {
      const shifted = xs.slice();
      shifted[k] += d;
      return loss(tf.tensor(shifted, [N, H, W, C]), weights).dataSync()[0];
    });
    return (at(eps) - at(-eps)) / (2 * eps);
  });
}

beforeAll(async () => {
  await initWasmBackend();
  registerFastGradients();
});

describe('upsampling2d (nearest) gradient with several channels', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`equals finite differences and the sum over blocks (${backend})`, async () => {
      await tf.setBackend(backend);
      const [input, weights] = [x(), w()];
      const grad = Array.from(tf.grad((t: tf.Tensor) => loss(t, weights))(input).dataSync());
      const xs = input.dataSync() as Float32Array;
      const want = reference(xs, weights.dataSync() as Float32Array);
      const numeric = finiteDifferences(xs, weights);
      for (let k = 0; k < grad.length; k++) {
        expect(Math.abs(grad[k] - numeric[k]), `element ${k}: ${grad[k]} vs finite differences ${numeric[k]}`).toBeLessThan(1e-3);
        expect(Math.abs(grad[k] - want[k]), `element ${k}: ${grad[k]} vs the block sum ${want[k]}`).toBeLessThan(1e-4);
      }
    });
  }
});
