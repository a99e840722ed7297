/**
 * The PyTorch mappings of the sequence families the catalog's entries carry in their `torch`
 * field: recurrent layers (alone and in `bidirectional`), the token + position embedding, and
 * attention (multi-head self-attention, the transformer encoder block) as the trainer composes
 * them from dense projections (src/trainer/model/layers/attention.ts), so the weights are its
 * dense kernels: `<layer>_query/kernel` [d, heads·key_dim] — Keras's (d, heads, key_dim)
 * flattened — becomes `query.weight` [heads·key_dim, d].
 */
import type { Shape } from '../shape';
import type { Params } from './types';
import { refOf, type TorchContext, type TorchLayer, type TorchLayerMapping, type TorchWeight } from './torch';

const channels = (s: Shape) => s[s.length - 1] as number;
type Recurrent = 'lstm' | 'gru' | 'simple_rnn';
const MODULE: Record<Recurrent, string> = { lstm: 'nn.LSTM', gru: 'nn.GRU', simple_rnn: 'nn.RNN' };

/** Refuses what PyTorch's recurrent modules do not compute as Keras does; the cell's activation name. */
function checkRecurrent(c: TorchContext, kind: Recurrent, p: Params, param?: string): string {
  const Mod = MODULE[kind];
  const act = refOf(p.activation ?? 'tanh').type;
  if (act !== 'tanh' && !(kind === 'simple_rnn' && act === 'relu')) c.refuse(`\`${kind}\` with activation \`${act}\`: PyTorch's ${Mod} computes tanh`, param ?? 'activation');
  if (kind !== 'simple_rnn' && refOf(p.recurrent_activation ?? 'sigmoid').type !== 'sigmoid') c.refuse(`\`${kind}\` gates other than sigmoid: PyTorch's ${Mod} gates are sigmoid`, param ?? 'recurrent_activation');
  if (((p.dropout as number | undefined) ?? 0) > 0 || ((p.recurrent_dropout as number | undefined) ?? 0) > 0) c.refuse(`\`${kind}\` with input or recurrent dropout: PyTorch's ${Mod} drops between layers only`, param ?? 'dropout');
  return act;
}

/**
 * One direction's weights (tfjs layer suffix `sub`, torch key suffix `suffix`: '' or '_reverse'):
 * kernels transposed, GRU gates z, r, h → r, z, n; Keras's [2, 3u] GRU bias split into bias_ih and
 * bias_hh; the single LSTM/RNN bias as bias_ih with bias_hh frozen at zero.
 */
function direction(c: TorchContext, kind: Recurrent, p: Params, sub: string, suffix: string): Required<Pick<TorchLayer, 'weights' | 'frozenZeros' | 'init'>> {
  const units = p.units as number;
  const bias = p.use_bias !== false;
  const gates = kind === 'gru' ? [1, 0, 2] : undefined;
  const k = (name: string) => `${name}_l0${suffix}`;
  const weights: TorchWeight[] = [
    { tf: 'kernel', sub, torch: k('weight_ih'), perm: [1, 0], gates },
    { tf: 'recurrent_kernel', sub, torch: k('weight_hh'), perm: [1, 0], gates },
  ];
  const init = [c.initializer(p.kernel_initializer, `{m}.${k('weight_ih')}`), c.initializer(p.recurrent_initializer, `{m}.${k('weight_hh')}`)];
  const frozenZeros = [];
  if (bias) {
    init.push(c.initializer(p.bias_initializer, `{m}.${k('bias_ih')}`));
    if (kind === 'gru') weights.push({ tf: 'bias', sub, torch: k('bias_ih'), row: 0, gates }, { tf: 'bias', sub, torch: k('bias_hh'), row: 1, gates });
    else weights.push({ tf: 'bias', sub, torch: k('bias_ih') });
    if (kind === 'lstm' && p.unit_forget_bias !== false) init.push(`nn.init.ones_({m}.${k('bias_ih')}[${units}:${2 * units}])  # unit_forget_bias`);
    if (kind === 'gru') init.push(`nn.init.zeros_({m}.${k('bias_hh')})`);
    else frozenZeros.push({ torch: k('bias_hh') });
  }
  return { weights, frozenZeros, init };
}

const moduleText = (c: TorchContext, kind: Recurrent, p: Params, act: string, bidirectional: boolean) =>
  `${MODULE[kind]}(${channels(c.inputShapes[0])}, ${p.units as number}, batch_first=True${kind === 'simple_rnn' ? `, nonlinearity="${act}"` : ''}${p.use_bias === false ? ', bias=False' : ''}${bidirectional ? ', bidirectional=True' : ''})`;

/** gru with reset_after: false: keras_layers.GRUResetBefore, its weights in Keras's layout. */
function gruResetBefore(c: TorchContext, p: Params): Omit<TorchLayer, 'forward'> {
  const bias = p.use_bias !== false;
  const weights: TorchWeight[] = [{ tf: 'kernel', torch: 'kernel' }, { tf: 'recurrent_kernel', torch: 'recurrent_kernel' }];
  const [d, u] = [channels(c.inputShapes[0]), p.units as number];
  const init = [c.initializer(p.kernel_initializer, '{m}.kernel', [d, 3 * u]), c.initializer(p.recurrent_initializer, '{m}.recurrent_kernel', [u, 3 * u])];
  if (bias) {
    weights.push({ tf: 'bias', torch: 'bias' });
    init.push(c.initializer(p.bias_initializer, '{m}.bias'));
  }
  return { module: `keras_layers.GRUResetBefore(${d}, ${u}${bias ? '' : ', bias=False'})`, weights, init };
}

/** simple_rnn / lstm / gru: batch_first; the last step unless return_sequences; go_backwards runs on the flipped sequence (Keras returns that order). */
export function torchRecurrent(kind: Recurrent): TorchLayerMapping {
  return {
    modules: kind === 'gru' ? 'nn.GRU (keras_layers.GRUResetBefore for reset_after: false)' : MODULE[kind],
    layout: 'last',
    emit(c) {
      const p = c.params;
      const act = checkRecurrent(c, kind, p);
      const resetBefore = kind === 'gru' && p.reset_after === false;
      const seq = `{m}(${p.go_backwards === true ? 'x.flip(1)' : 'x'})${resetBefore ? '' : '[0]'}`;
      const forward = p.return_sequences === true ? seq : `${seq}[:, -1]`;
      return resetBefore ? { ...gruResetBefore(c, p), forward } : { module: moduleText(c, kind, p, act, false), forward, ...direction(c, kind, p, '', '') };
    },
  };
}

/**
 * bidirectional: one PyTorch module with bidirectional=True. Keras's backward layer
 * (`<layer>/backward_<layer>_<kind>/…`) reads the reversed sequence and its outputs are reversed
 * back, which is PyTorch's second half; its last output is PyTorch's step 0. merge_mode as Keras.
 */
export function torchBidirectional(defaults: (kind: Recurrent, given: Params) => Params): TorchLayerMapping {
  return {
    modules: 'nn.LSTM / nn.GRU / nn.RNN (bidirectional=True)',
    layout: 'last',
    emit(c) {
      const inner = c.params.layer as { type: Recurrent; params?: Params };
      const kind = inner.type;
      const p = defaults(kind, inner.params ?? {});
      const act = checkRecurrent(c, kind, p, 'layer');
      if (kind === 'gru' && p.reset_after === false) c.refuse('a wrapped `gru` with `reset_after: false` (nn.GRU applies the reset gate after the recurrent product)', 'layer');
      if (p.go_backwards === true) c.refuse('a wrapped layer with `go_backwards` (Keras then reverses the backward half twice)', 'layer');
      const u = p.units as number;
      const fw = direction(c, kind, p, `/forward_${c.tfName}_${kind}`, '');
      const bw = direction(c, kind, p, `/backward_${c.tfName}_${kind}`, '_reverse');
      const both = p.return_sequences === true ? '{m}(x)[0]' : `keras_layers.last_of_both({m}(x)[0], ${u})`;
      const halves = `${both}.split(${u}, dim=-1)`;
      const mode = c.params.merge_mode as string;
      const forward = mode === 'concat' ? both : mode === 'sum' ? `sum(${halves})` : mode === 'mul' ? `torch.mul(*${halves})` : `torch.stack(${halves}).mean(0)`;
      return {
        module: moduleText(c, kind, p, act, true),
        forward,
        weights: [...fw.weights, ...bw.weights],
        frozenZeros: [...fw.frozenZeros, ...bw.frozenZeros],
        init: [...fw.init, ...bw.init],
      };
    },
  };
}

/** positional_embedding: token table + learned position table, as the trainer's PositionalEmbedding. */
export const torchPositionalEmbedding: TorchLayerMapping = {
  modules: 'keras_layers.PositionalEmbedding (nn.Embedding + a position table)',
  layout: 'last',
  emit(c) {
    const p = c.params;
    return {
      module: `keras_layers.PositionalEmbedding(${p.vocab_size as number}, ${p.max_length as number}, ${p.output_dim as number})`,
      forward: '{m}(x)',
      weights: [
        { tf: 'token_embeddings', torch: 'tokens.weight' },
        { tf: 'position_embeddings', torch: 'positions' },
      ],
      init: [
        c.initializer(p.embeddings_initializer, '{m}.tokens.weight', [p.vocab_size as number, p.output_dim as number]),
        c.initializer(p.embeddings_initializer, '{m}.positions', [p.max_length as number, p.output_dim as number]),
      ],
    };
  },
};

/** The four projections of self-attention under `sub` (tfjs `<layer><sub>_query` …) and module path `path`. */
function attentionParts(c: TorchContext, sub: string, path: string, bias: boolean, params: Params): Required<Pick<TorchLayer, 'weights' | 'init' | 'regularize'>> {
  const weights: TorchWeight[] = [];
  const init: string[] = [];
  const regularize: { torch: string; value: unknown }[] = [];
  for (const what of ['query', 'key', 'value', 'output']) {
    weights.push({ tf: 'kernel', sub: `${sub}_${what}`, torch: `${path}${what}.weight`, perm: [1, 0] });
    init.push(c.initializer(params.kernel_initializer ?? 'glorot_uniform', `{m}.${path}${what}.weight`));
    if (params.kernel_regularizer) regularize.push({ torch: `${path}${what}.weight`, value: params.kernel_regularizer });
    if (!bias) continue;
    weights.push({ tf: 'bias', sub: `${sub}_${what}`, torch: `${path}${what}.bias` });
    init.push(c.initializer(params.bias_initializer ?? 'zeros', `{m}.${path}${what}.bias`));
    if (params.bias_regularizer) regularize.push({ torch: `${path}${what}.bias`, value: params.bias_regularizer });
  }
  return { weights, init, regularize };
}

/** multi_head_attention (self-attention): keras_layers.SelfAttention, softmax(QKᵀ)·(1/√k) V over the second-last axis. */
export const torchMultiHeadAttention: TorchLayerMapping = {
  modules: 'keras_layers.SelfAttention (4 × nn.Linear)',
  layout: 'last',
  emit(c) {
    const p = c.params;
    const input = c.inputShapes[0];
    const keyDim = p.key_dim as number;
    const valueDim = (p.value_dim as number | undefined) ?? keyDim;
    const out = c.outputShape.slice(input.length - 1) as number[];
    const bias = p.use_bias !== false;
    const size = out.reduce((a, b) => a * b, 1);
    const args = `${channels(input)}, ${p.num_heads as number}, ${keyDim}, ${valueDim}, ${size}, dropout=${Number(p.dropout ?? 0)}${bias ? '' : ', bias=False'}`;
    return {
      module: `keras_layers.SelfAttention(${args})`,
      forward: out.length > 1 ? `{m}(x).unflatten(-1, (${out.join(', ')}))` : '{m}(x)',
      ...attentionParts(c, '', '', bias, p),
    };
  },
};

/** transformer_encoder: keras_layers.TransformerEncoder, post-norm as the trainer composes it (`<layer>_mha_*`, `_norm1`, `_ffn1`, `_ffn2`, `_norm2`). */
export const torchTransformerEncoder: TorchLayerMapping = {
  modules: 'keras_layers.TransformerEncoder (SelfAttention, 2 × nn.LayerNorm, 2 × nn.Linear)',
  layout: 'last',
  emit(c) {
    const p = c.params;
    const d = channels(c.inputShapes[0]);
    const heads = p.num_heads as number;
    const keyDim = typeof p.key_dim === 'number' ? p.key_dim : d / heads;
    if (!Number.isInteger(keyDim)) c.refuse(`d_model ${d} is not divisible by num_heads ${heads}`, 'num_heads');
    const act = c.activation(p.activation, 'h', -1);
    const mha = attentionParts(c, '_mha', 'attention.', true, {});
    const weights: TorchWeight[] = [...mha.weights];
    const init = [...mha.init];
    for (const [sub, mod] of [['_norm1', 'norm1'], ['_norm2', 'norm2']]) weights.push({ tf: 'gamma', sub, torch: `${mod}.weight` }, { tf: 'beta', sub, torch: `${mod}.bias` });
    for (const [sub, mod] of [['_ffn1', 'ffn1'], ['_ffn2', 'ffn2']]) {
      weights.push({ tf: 'kernel', sub, torch: `${mod}.weight`, perm: [1, 0] }, { tf: 'bias', sub, torch: `${mod}.bias` });
      init.push(c.initializer('glorot_uniform', `{m}.${mod}.weight`), c.initializer('zeros', `{m}.${mod}.bias`));
    }
    return {
      module: `keras_layers.TransformerEncoder(${d}, ${heads}, ${keyDim}, ${p.ff_dim as number}, dropout=${Number(p.dropout ?? 0)}, eps=${p.epsilon as number}, activation=lambda h: ${act})`,
      forward: '{m}(x)',
      weights,
      init,
    };
  },
};
