/** Builders of the merge layers (catalog/layers/merge.ts). */
import * as tf from '@tensorflow/tfjs';
import { type Builder, type Sym } from './shared';

export const mergeBuilders: Record<string, Builder> = {
  add: (_p, ctx) => (xs) => tf.layers.add({ name: ctx.name }).apply(xs) as Sym,
  multiply: (_p, ctx) => (xs) => tf.layers.multiply({ name: ctx.name }).apply(xs) as Sym,
  average: (_p, ctx) => (xs) => tf.layers.average({ name: ctx.name }).apply(xs) as Sym,
  maximum: (_p, ctx) => (xs) => tf.layers.maximum({ name: ctx.name }).apply(xs) as Sym,
  minimum: (_p, ctx) => (xs) => tf.layers.minimum({ name: ctx.name }).apply(xs) as Sym,
  concatenate: (p, ctx) => (xs) => tf.layers.concatenate({ name: ctx.name, axis: (p.axis as number) ?? -1 }).apply(xs) as Sym,
};
