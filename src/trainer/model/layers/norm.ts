/** Builders of the normalization layers (catalog/layers/norm.ts). */
import * as tf from '@tensorflow/tfjs';
import { type Builder, single } from './shared';

export const normBuilders: Record<string, Builder> = {
  batch_norm: single((p, ctx) =>
    tf.layers.batchNormalization({
      name: ctx.name,
      axis: (p.axis as number) ?? -1,
      momentum: (p.momentum as number) ?? 0.99,
      epsilon: (p.epsilon as number) ?? 0.001,
      center: p.center !== false,
      scale: p.scale !== false,
    }),
  ),
  layer_norm: single((p, ctx) =>
    tf.layers.layerNormalization({ name: ctx.name, axis: (p.axis as number) ?? -1, epsilon: (p.epsilon as number) ?? 0.001, center: p.center !== false, scale: p.scale !== false }),
  ),
};
