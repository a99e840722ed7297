/** Builders of the convolutions (catalog/layers/conv.ts) that tfjs's own factories do not cover. */
import { lookup, withDefaults, type LayerEntry } from '../../../core/catalog';
import { toTuple } from '../../../core/shape';
import { DilatedDepthwiseConv2D } from '../custom';
import { genericBuilder } from './generic';
import type { Builder } from './shared';

/** tfjs trains no dilated depthwise convolution (and combines none with strides): a custom layer does, as Keras. */
function depthwise(entry: LayerEntry): Builder {
  const plain = genericBuilder(entry);
  const dilated = genericBuilder(entry, (args) => new DilatedDepthwiseConv2D(args as never));
  return (p, ctx) => (toTuple(withDefaults(entry.params, p).dilation_rate, 2, 1).some((d) => d > 1) ? dilated : plain)(p, ctx);
}

export const convBuilders: Record<string, Builder> = {
  depthwise_conv2d: depthwise(lookup('layer', 'depthwise_conv2d')!),
  separable_conv2d: depthwise(lookup('layer', 'separable_conv2d')!),
};
