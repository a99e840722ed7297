/**
 * The generic builder: a catalog entry's parameters become tfjs layer arguments through the
 * catalog's own mapping (core/catalog/tfjsArgs.ts); references become seeded tfjs objects here.
 * Only the layers tfjs has no factory for, or builds differently from Keras, have builders of
 * their own (the other files of this folder).
 */
import * as tf from '../../tf';
import { tfjsFactory, tfjsLayerArgs, type LayerEntry, type Params } from '../../../core/catalog';
import type { ItemValue } from '../../../core/spec';
import { fail } from '../../util';
import { activationOf, initializerOf, isItem, regularizerOf, type Builder, type Ctx, type Sym } from './shared';

export type Factory = (args: Record<string, unknown>) => tf.layers.Layer;

export interface LayerOptions {
  /**
   * Collects the layers that follow this one for activations tfjs has no identifier for
   * (leaky_relu, elu with α ≠ 1); null where the activation is internal (a recurrent cell), so
   * such an activation is refused.
   */
  appended: ((y: Sym) => Sym)[] | null;
  /** Builds a nested `layer` parameter (the layer `bidirectional` wraps). */
  nested?: (item: ItemValue, ctx: Ctx) => tf.layers.Layer;
  /** Makes the layer from the mapped arguments instead of the entry's tf.layers factory (a custom layer). */
  factory?: Factory;
}

/** The tfjs layer of an entry, from the catalog's parameter mapping. */
export function tfjsLayerOf(entry: LayerEntry, p: Params, ctx: Ctx, { appended, nested, factory: custom }: LayerOptions): tf.layers.Layer {
  const name = tfjsFactory(entry);
  const factory = custom ?? (name ? (tf.layers as unknown as Record<string, Factory | undefined>)[name] : undefined);
  if (!factory) return fail('model/unsupported', `The trainer has no TensorFlow.js factory for the layer type \`${entry.name}\` (${ctx.where}).`);
  const args = tfjsLayerArgs(entry, p, (spec, value) => {
    if (spec.type.kind === 'layer') {
      if (!nested || !isItem(value)) return fail('model/unsupported', `\`${entry.name}\` needs a \`${spec.name}\` (${ctx.where}).`);
      return nested(value, { ...ctx, name: `${ctx.name}_${value.type}` });
    }
    switch (spec.type.category) {
      case 'activation': {
        const a = activationOf(value, ctx.where);
        if (a.after && appended === null) fail('model/unsupported', `\`${entry.name}\` needs an activation TensorFlow.js recurrent layers accept (${ctx.where}).`);
        if (a.after) {
          const after = a.after(`${ctx.name}_${spec.name}`);
          appended?.push((y) => after.apply(y) as Sym);
        }
        return a.id;
      }
      case 'initializer': return initializerOf(value, ctx.seed(spec.name));
      case 'regularizer': return regularizerOf(value);
      default: return fail('model/unsupported', `The trainer cannot pass \`${spec.name}\` of \`${entry.name}\` to TensorFlow.js (${ctx.where}).`);
    }
  });
  return factory({ name: ctx.name, ...args });
}

/** A builder that makes the entry's tfjs layer and applies it (to all inputs, for merges). */
export function genericBuilder(entry: LayerEntry, factory?: Factory): Builder {
  return (p, ctx) => {
    const appended: ((y: Sym) => Sym)[] = [];
    const layer = tfjsLayerOf(entry, p, ctx, { appended, factory });
    return (xs) => appended.reduce((y, f) => f(y), layer.apply(entry.arity === 'many' ? xs : xs[0]) as Sym);
  };
}
