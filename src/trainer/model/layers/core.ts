/** Builders of the core layers (catalog/layers/core.ts). */
import * as tf from '@tensorflow/tfjs';
import { product } from '../../util';
import { type Builder, init, reg, single, type Sym, withActivation } from './shared';

export const coreBuilders: Record<string, Builder> = {
  dense: (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers.dense({
      name: ctx.name,
      units: p.units as number,
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      kernelInitializer: init(p, 'kernel_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      kernelRegularizer: reg(p, 'kernel_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  },
  flatten: single((_p, ctx) => tf.layers.flatten({ name: ctx.name })),
  reshape: (p, ctx) => (xs) => {
    // tfjs leaves a -1 unknown until run time; work it out now when the input's size is known.
    const target = [...(p.target_shape as number[])];
    const dims = xs[0].shape.slice(1);
    const i = target.indexOf(-1);
    if (i >= 0 && dims.every((d) => d !== null)) target[i] = product(dims as number[]) / product(target.filter((d) => d !== -1));
    return tf.layers.reshape({ name: ctx.name, targetShape: target }).apply(xs[0]) as Sym;
  },
  permute: single((p, ctx) => tf.layers.permute({ name: ctx.name, dims: p.dims as number[] })),
  repeat_vector: single((p, ctx) => tf.layers.repeatVector({ name: ctx.name, n: p.n as number })),
};
