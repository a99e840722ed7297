/** Builders of the normalization layers (catalog/layers/norm.ts): tfjs's, trainable with center or scale off. */
import { lookup } from '../../../core/catalog';
import { OptionalWeightsBatchNorm, OptionalWeightsLayerNorm } from '../normalization';
import { genericBuilder } from './generic';
import type { Builder } from './shared';

export const normBuilders: Record<string, Builder> = {
  batch_norm: genericBuilder(lookup('layer', 'batch_norm')!, (args) => new OptionalWeightsBatchNorm(args)),
  layer_norm: genericBuilder(lookup('layer', 'layer_norm')!, (args) => new OptionalWeightsLayerNorm(args)),
};
