/** Builders of the convolutions (catalog/layers/conv.ts). */
import * as tf from '@tensorflow/tfjs';
import { toTuple } from '../../../core/shape';
import { type Builder, init, reg, type Sym, withActivation } from './shared';

function conv(kind: 'conv1d' | 'conv2d' | 'conv2dTranspose', rank: number): Builder {
  return (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers[kind]({
      name: ctx.name,
      filters: p.filters as number,
      kernelSize: toTuple(p.kernel_size, rank, 1),
      strides: toTuple(p.strides, rank, 1),
      padding: (p.padding as 'valid' | 'same') ?? 'valid',
      ...(kind !== 'conv2dTranspose' ? { dilationRate: toTuple(p.dilation_rate, rank, 1) as [number, number] } : {}),
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      kernelInitializer: init(p, 'kernel_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      kernelRegularizer: reg(p, 'kernel_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  };
}

export const convBuilders: Record<string, Builder> = {
  conv1d: conv('conv1d', 1),
  conv2d: conv('conv2d', 2),
  conv2d_transpose: conv('conv2dTranspose', 2),
  depthwise_conv2d: (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers.depthwiseConv2d({
      name: ctx.name,
      kernelSize: toTuple(p.kernel_size, 2, 1) as [number, number],
      depthMultiplier: (p.depth_multiplier as number) ?? 1,
      strides: toTuple(p.strides, 2, 1) as [number, number],
      padding: (p.padding as 'valid' | 'same') ?? 'valid',
      dilationRate: toTuple(p.dilation_rate, 2, 1) as [number, number],
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      depthwiseInitializer: init(p, 'depthwise_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      depthwiseRegularizer: reg(p, 'depthwise_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  },
  separable_conv2d: (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers.separableConv2d({
      name: ctx.name,
      filters: p.filters as number,
      kernelSize: toTuple(p.kernel_size, 2, 1) as [number, number],
      depthMultiplier: (p.depth_multiplier as number) ?? 1,
      strides: toTuple(p.strides, 2, 1) as [number, number],
      padding: (p.padding as 'valid' | 'same') ?? 'valid',
      dilationRate: toTuple(p.dilation_rate, 2, 1) as [number, number],
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      depthwiseInitializer: init(p, 'depthwise_initializer', ctx, 'glorot_uniform'),
      pointwiseInitializer: init(p, 'pointwise_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      depthwiseRegularizer: reg(p, 'depthwise_regularizer'),
      pointwiseRegularizer: reg(p, 'pointwise_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  },
};
