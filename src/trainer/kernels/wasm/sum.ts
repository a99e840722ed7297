/**
 * Sum for the wasm backend, wrapping the stock kernel.
 *
 * The stock kernel moves the reduced axes innermost with a transpose of the
 * full rank; the backend's Transpose is fast for rank <= 3 but slow for
 * rank 4 and a per-element index loop above. A reduction over one contiguous
 * block of axes (e.g. the bias gradient of a conv layer: sum of dy over
 * batch, rows and columns) is first reshaped to [outer, reduced, inner], so
 * the transpose is rank 3 at most.
 */
import * as tf from '../../tf';
import { asTensor } from './util';

export function sumConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig | undefined {
  if (!stock) return undefined;
  const stockFunc = stock.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as unknown as tf.SumInputs;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const shape = x!.shape;
    const rank = shape.length;
    if (rank <= 3) return stockFunc(args);
    const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
    const first = axes[0];
    const last = axes[axes.length - 1];
    // Only one contiguous block that is not already innermost.
    if (axes.length === 0 || last - first + 1 !== axes.length || last === rank - 1) return stockFunc(args);
    const size = (dims: number[]) => dims.reduce((p, q) => p * q, 1);
    const outer = size(shape.slice(0, first));
    const reduced = size(shape.slice(first, last + 1));
    const inner = size(shape.slice(last + 1));
    const outShape = keepDims
      ? shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : shape.filter((_, i) => i < first || i > last);
    return tf.tidy(() => {
      const xt = asTensor(x!);
      const r = outer === 1
        ? tf.sum(tf.reshape(xt, [reduced, inner]), 0)
        : tf.sum(tf.reshape(xt, [outer, reduced, inner]), 1);
      return tf.reshape(r, outShape);
    });
  };
  return { ...stock, kernelFunc };
}
