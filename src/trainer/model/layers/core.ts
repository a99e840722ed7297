/** Builders of the core layers (catalog/layers/core.ts) that tfjs's own factories do not cover. */
import * as tf from '../../tf';
import { lookup } from '../../../core/catalog';
import { product } from '../../util';
import { genericBuilder } from './generic';
import { identityLayer, type Builder, type Sym } from './shared';

const flatten = genericBuilder(lookup('layer', 'flatten')!);

export const coreBuilders: Record<string, Builder> = {
  reshape: (p, ctx) => (xs) => {
    // tfjs leaves a -1 unknown until run time; work it out now when the input's size is known.
    const target = [...(p.target_shape as number[])];
    const dims = xs[0].shape.slice(1);
    const i = target.indexOf(-1);
    if (i >= 0 && dims.every((d) => d !== null)) target[i] = product(dims as number[]) / product(target.filter((d) => d !== -1));
    return tf.layers.reshape({ name: ctx.name, targetShape: target }).apply(xs[0]) as Sym;
  },
  /** Keras flattens (N, d) to itself; tf.layers.flatten refuses a rank-2 input. */
  flatten: (p, ctx) => (xs) => (xs[0].rank === 2 ? (identityLayer(ctx.name).apply(xs[0]) as Sym) : flatten(p, ctx)(xs)),
};
