/**
 * BatchMatMul for the wasm backend, wrapping the stock kernel.
 *
 * tfjs-backend-wasm 4.22 runs a matmul on XNNPACK only when neither operand
 * is transposed and there is a single batch; transposeA / transposeB fall
 * back to a scalar blocked loop. Backprop through every dense / recurrent
 * layer asks for exactly those (dA = dy @ B^T, dB = A^T @ dy), so this
 * wrapper materialises the transposed operand (a cheap copy) and calls the
 * stock kernel's fast path. Batched (rank > 2 with batch > 1) products are
 * left as they are.
 */
import * as tf from '../../tf';
import { asTensor } from './util';

/** Wraps the stock kernel function; returns undefined when there is none. */
export function batchMatMulConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig | undefined {
  if (!stock) return undefined;
  const stockFunc = stock.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const { a, b } = inputs as unknown as tf.BatchMatMulInputs;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return stockFunc(args);
    const batchA = a!.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const batchB = b!.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    if (batchA !== 1 || batchB !== 1 || a!.dtype !== 'float32' || b!.dtype !== 'float32') return stockFunc(args);
    return tf.tidy(() => {
      const as2d = (info: tf.TensorInfo, transpose: boolean) => {
        const [r, c] = info.shape.slice(-2);
        const t = tf.reshape<tf.Rank.R2>(asTensor(info), [r, c]);
        return transpose ? tf.transpose(t) : t;
      };
      const out = tf.matMul(as2d(a!, !!transposeA), as2d(b!, !!transposeB));
      // Keep the rank the stock kernel would return (leading 1s of the batch).
      const rank = Math.max(a!.shape.length, b!.shape.length);
      return rank > 2 ? tf.reshape(out, [...new Array<number>(rank - 2).fill(1), ...out.shape]) : out;
    });
  };
  return { ...stock, kernelFunc };
}
