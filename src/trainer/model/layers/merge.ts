/** Builders of the merge layers (catalog/layers/merge.ts): Keras passes a single input through, tfjs's Merge refuses it. */
import { entries } from '../../../core/catalog';
import { genericBuilder } from './generic';
import { identityLayer, type Builder, type Sym } from './shared';

export const mergeBuilders: Record<string, Builder> = Object.fromEntries(
  entries('layer')
    .filter((e) => e.arity === 'many')
    .map((e) => {
      const merge = genericBuilder(e);
      return [e.name, ((p, ctx) => (xs) => (xs.length === 1 ? (identityLayer(ctx.name).apply(xs[0]) as Sym) : merge(p, ctx)(xs))) as Builder];
    }),
);
