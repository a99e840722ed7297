/** Builders of the recurrent layers (catalog/layers/recurrent.ts): their activations are internal to the cell. */
import * as tf from '../../tf';
import { lookup, withDefaults, type Params } from '../../../core/catalog';
import { fail } from '../../util';
import { ResetAfterGRU } from '../custom';
import { tfjsLayerOf } from './generic';
import { single, type Builder, type Ctx } from './shared';

const RECURRENT = ['simple_rnn', 'lstm', 'gru'];

/** The tfjs layer of a recurrent layer, alone or inside `bidirectional`. */
export function recurrentLayer(type: string, p: Params, ctx: Ctx): tf.layers.Layer {
  const entry = RECURRENT.includes(type) ? lookup('layer', type) : undefined;
  if (!entry) return fail('model/unsupported', `\`bidirectional\` wraps a recurrent layer (${RECURRENT.join(', ')}), not \`${type}\` (${ctx.where}).`);
  // tfjs's GRUCell refuses reset_after (Keras 3's default): a custom layer with Keras's math.
  const factory = type === 'gru' && withDefaults(entry.params, p).reset_after === true ? (args: Record<string, unknown>) => new ResetAfterGRU(args as never) : undefined;
  return tfjsLayerOf(entry, p, ctx, { appended: null, factory });
}

const bidirectional = lookup('layer', 'bidirectional')!;

export const recurrentBuilders: Record<string, Builder> = {
  simple_rnn: single((p, ctx) => recurrentLayer('simple_rnn', p, ctx)),
  lstm: single((p, ctx) => recurrentLayer('lstm', p, ctx)),
  gru: single((p, ctx) => recurrentLayer('gru', p, ctx)),
  bidirectional: single((p, ctx) => tfjsLayerOf(bidirectional, p, ctx, { appended: null, nested: (item, c) => recurrentLayer(item.type, item.params, c) })),
};
