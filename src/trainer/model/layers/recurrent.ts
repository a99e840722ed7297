/** Builders of the recurrent layers (catalog/layers/recurrent.ts). */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../../util';
import { activationOf, type Builder, type Ctx, init, isItem, type P, reg, single } from './shared';

function recurrentLayer(type: string, p: P, ctx: Ctx): tf.layers.Layer {
  const act = activationOf(p.activation ?? 'tanh', ctx.where);
  const rec = activationOf(p.recurrent_activation ?? 'sigmoid', ctx.where);
  if (act.after || rec.after) fail('model/unsupported', `\`${type}\` needs an activation TensorFlow.js recurrent layers accept (${ctx.where}).`);
  const common = {
    name: ctx.name,
    units: p.units as number,
    activation: act.id as 'tanh',
    useBias: p.use_bias !== false,
    returnSequences: p.return_sequences === true,
    goBackwards: p.go_backwards === true,
    dropout: (p.dropout as number) ?? 0,
    recurrentDropout: (p.recurrent_dropout as number) ?? 0,
    kernelInitializer: init(p, 'kernel_initializer', ctx, 'glorot_uniform'),
    recurrentInitializer: init(p, 'recurrent_initializer', ctx, 'orthogonal'),
    biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
    kernelRegularizer: reg(p, 'kernel_regularizer'),
    recurrentRegularizer: reg(p, 'recurrent_regularizer'),
    biasRegularizer: reg(p, 'bias_regularizer'),
  };
  switch (type) {
    case 'simple_rnn': return tf.layers.simpleRNN(common);
    case 'lstm': return tf.layers.lstm({ ...common, recurrentActivation: rec.id as 'sigmoid', unitForgetBias: p.unit_forget_bias !== false });
    case 'gru': return tf.layers.gru({ ...common, recurrentActivation: rec.id as 'sigmoid' });
    default: return fail('model/unsupported', `\`bidirectional\` wraps a recurrent layer (simple_rnn, lstm, gru), not \`${type}\` (${ctx.where}).`);
  }
}

export const recurrentBuilders: Record<string, Builder> = {
  simple_rnn: single((p, ctx) => recurrentLayer('simple_rnn', p, ctx)),
  lstm: single((p, ctx) => recurrentLayer('lstm', p, ctx)),
  gru: single((p, ctx) => recurrentLayer('gru', p, ctx)),
  bidirectional: single((p, ctx) => {
    const inner = p.layer;
    if (!isItem(inner)) return fail('model/unsupported', `\`bidirectional\` needs a recurrent \`layer\` (${ctx.where}).`);
    const rnn = recurrentLayer(inner.type, inner.params, { ...ctx, name: `${ctx.name}_${inner.type}` }) as tf.RNN;
    return tf.layers.bidirectional({ name: ctx.name, layer: rnn, mergeMode: (p.merge_mode as 'concat') ?? 'concat' });
  }),
};
