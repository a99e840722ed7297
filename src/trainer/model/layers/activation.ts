/** Builders of the activation layers (catalog/layers/activation.ts). */
import * as tf from '@tensorflow/tfjs';
import { activationOf, type Builder, init, single, type Sym } from './shared';

export const activationBuilders: Record<string, Builder> = {
  activation: (p, ctx) => {
    const a = activationOf(p.activation, ctx.where);
    const layer = a.after ? a.after(ctx.name) : tf.layers.activation({ name: ctx.name, activation: a.id as 'relu' });
    return (xs) => layer.apply(xs[0]) as Sym;
  },
  leaky_relu: single((p, ctx) => tf.layers.leakyReLU({ name: ctx.name, alpha: (p.alpha as number) ?? 0.3 })),
  prelu: single((p, ctx) =>
    tf.layers.prelu({ name: ctx.name, sharedAxes: p.shared_axes as number[] | undefined, alphaInitializer: init(p, 'alpha_initializer', ctx, 'zeros') }),
  ),
};
