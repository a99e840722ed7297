/** Builders of the convolutions (catalog/layers/conv.ts) that tfjs's own factories do not cover. */
import { lookup, withDefaults, type LayerEntry } from '../../../core/catalog';
import { toTuple } from '../../../core/shape';
import { DilatedConv, DilatedDepthwiseConv2D, SeparableConv2DWithMultiplier, type DilatedConvArgs } from '../custom';
import { genericBuilder, type Factory } from './generic';
import type { Builder } from './shared';

/**
 * tfjs has no gradient for a dilated convolution (and combines no depthwise one with strides):
 * with dilation_rate > 1, custom layers that convolve with a zero-dilated kernel train as Keras does.
 */
function dilatable(entry: LayerEntry, rank: 1 | 2, dilatedFactory: Factory, plainFactory?: Factory): Builder {
  const plain = genericBuilder(entry, plainFactory);
  const dilated = genericBuilder(entry, dilatedFactory);
  return (p, ctx) => (toTuple(withDefaults(entry.params, p).dilation_rate, rank, 1).some((d) => d > 1) ? dilated : plain)(p, ctx);
}

const layer = (name: string) => lookup('layer', name)!;
const depthwise: Factory = (args) => new DilatedDepthwiseConv2D(args as never);

export const convBuilders: Record<string, Builder> = {
  conv1d: dilatable(layer('conv1d'), 1, (args) => new DilatedConv({ ...(args as unknown as DilatedConvArgs), rank: 1 })),
  conv2d: dilatable(layer('conv2d'), 2, (args) => new DilatedConv({ ...(args as unknown as DilatedConvArgs), rank: 2 })),
  depthwise_conv2d: dilatable(layer('depthwise_conv2d'), 2, depthwise),
  separable_conv2d: dilatable(layer('separable_conv2d'), 2, depthwise, (args) => new SeparableConv2DWithMultiplier(args)),
};
