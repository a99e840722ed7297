/** Builders of the noise and dropout layers (catalog/layers/noise.ts). */
import * as tf from '@tensorflow/tfjs';
import { type Builder, single } from './shared';

export const noiseBuilders: Record<string, Builder> = {
  dropout: single((p, ctx) => tf.layers.dropout({ name: ctx.name, rate: p.rate as number })),
  spatial_dropout1d: single((p, ctx) => tf.layers.spatialDropout1d({ name: ctx.name, rate: p.rate as number })),
  gaussian_noise: single((p, ctx) => tf.layers.gaussianNoise({ name: ctx.name, stddev: p.stddev as number })),
  gaussian_dropout: single((p, ctx) => tf.layers.gaussianDropout({ name: ctx.name, rate: p.rate as number })),
};
