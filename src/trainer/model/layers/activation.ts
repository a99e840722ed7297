/** Builders of the activation layers (catalog/layers/activation.ts) that tfjs's own factories do not cover. */
import * as tf from '../../tf';
import { activationOf, type Builder, type Sym } from './shared';

export const activationBuilders: Record<string, Builder> = {
  /** An activation tfjs has no identifier for is its own layer here, not a layer after one. */
  activation: (p, ctx) => {
    const a = activationOf(p.activation, ctx.where);
    const layer = a.after ? a.after(ctx.name) : tf.layers.activation({ name: ctx.name, activation: a.id as 'relu' });
    return (xs) => layer.apply(xs[0]) as Sym;
  },
};
