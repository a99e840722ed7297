/** Attention: multi-head self-attention and the transformer encoder block. */
import { formatShape, type Shape } from '../../shape';
import { denseOnnx, layerNormOnnx, type OnnxEmitter } from '../onnx';
import type { Formula, LayerEntry } from '../types';
import { activationParam, dropoutRate, fail, initializerParams, num, product, rankError, regularizerParams, unknownDim } from './shared';
import { torchMultiHeadAttention, torchTransformerEncoder } from '../torchSequence';

/** Keras/tfjs MultiHeadAttention: query, key, value and output projections, each with a bias. */
function attentionParamCount(d: number, heads: number, keyDim: number, valueDim: number, out: number, bias: boolean): number {
  const b = bias ? 1 : 0;
  const query = d * heads * keyDim + b * heads * keyDim;
  const key = query;
  const value = d * heads * valueDim + b * heads * valueDim;
  const output = heads * valueDim * out + b * out;
  return query + key + value + output;
}

const sequenceFix = (input: Shape): string | undefined =>
  input.length === 2 ? 'add an `embedding` (for token ids) or a `reshape` to [sequence, features] before it' : undefined;

const attentionFormula: Formula = {
  label: 'scaled dot-product attention',
  latex: '\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\Big(\\frac{Q K^{\\top}}{\\sqrt{d_k}}\\Big) V',
  unicode: 'Attention(Q, K, V) = softmax(QKᵀ / √d_k) V',
};
const multiHeadFormula: Formula = {
  label: 'multi-head',
  latex: '\\mathrm{head}_i = \\mathrm{Attention}(X W_i^Q, X W_i^K, X W_i^V), \\quad \\mathrm{MHA}(X) = [\\mathrm{head}_1; \\dots; \\mathrm{head}_h]\\, W^O',
  unicode: 'headᵢ = Attention(X Wᵢ^Q, X Wᵢ^K, X Wᵢ^V),  MHA(X) = [head₁; …; head_h] W^O',
};

/**
 * Self-attention in ONNX operators on (N, T, d), with the trainer's weights (dense projections
 * `<layer><sub>_query` … `_output`): heads split by Reshape + Transpose, softmax(QKᵀ/√k)V by
 * MatMul, Mul, Softmax, MatMul, heads merged and projected. Dropout vanishes at inference.
 */
function attentionOnnx(e: OnnxEmitter, x: string, sub: string, heads: number, keyDim: number, valueDim: number): string {
  const proj = (what: string, y: string) => denseOnnx(e, y, `${sub}_${what}`);
  const split = (y: string, k: number, perm: number[]) => e.op1('Transpose', [e.op1('Reshape', [y, e.ints([0, 0, heads, k])])], { perm });
  const q = split(proj('query', x), keyDim, [0, 2, 1, 3]);
  const kT = split(proj('key', x), keyDim, [0, 2, 3, 1]);
  const v = split(proj('value', x), valueDim, [0, 2, 1, 3]);
  const scores = e.op1('Mul', [e.op1('MatMul', [q, kT]), e.constant([1 / Math.sqrt(keyDim)], [])]);
  const o = e.op1('MatMul', [e.op1('Softmax', [scores], { axis: -1 }), v]);
  const merged = e.op1('Reshape', [e.op1('Transpose', [o], { perm: [0, 2, 1, 3] }), e.ints([0, 0, heads * valueDim])]);
  return proj('output', merged);
}

export const multiHeadAttention: LayerEntry = {
  name: 'multi_head_attention',
  category: 'layer',
  arity: 'one',
  summary: 'Multi-head self-attention: every position of a sequence attends to every other position.',
  docs:
    'The core of a transformer, here as self-attention (query = key = value = the input sequence ' +
    '(N, T, d)). Each of `num_heads` heads projects the sequence to queries and keys of size `key_dim` ' +
    'and values of size `value_dim`, scores every pair of positions by the scaled dot product of query ' +
    'and key, turns the scores into weights with a softmax, and averages the values with them; the ' +
    'heads are concatenated and projected back to d (or to `output_shape`). Several heads let the ' +
    'layer follow several relations at once. Cost grows with T²: keep sequences short. A common choice ' +
    'is key_dim = d / num_heads.',
  params: [
    { name: 'num_heads', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of attention heads.' },
    { name: 'key_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Size of each head\'s queries and keys (often d / num_heads).' },
    { name: 'value_dim', type: { kind: 'int', min: 1 }, doc: 'Size of each head\'s values; defaults to `key_dim`.' },
    dropoutRate('dropout', 'Fraction of the attention weights dropped during training.'),
    { name: 'use_bias', type: { kind: 'bool' }, default: true, doc: 'Whether the four projections (query, key, value, output) add learned biases.' },
    {
      name: 'output_shape',
      type: { kind: 'one_of', types: [{ kind: 'int', min: 1 }, { kind: 'ints', minLength: 1, min: 1 }] },
      doc: 'Size of the output features; defaults to the input\'s last axis d (so the layer can sit in a residual block).',
    },
    ...initializerParams,
    ...regularizerParams,
  ],
  formulas: [attentionFormula, multiHeadFormula],
  tfjs:
    'composed: tfjs 4.x does not export tf.layers.multiHeadAttention (its internal MultiHeadAttention class does not report its ' +
    'sub-layers\' weights to model.countParams()), so the builder makes query/key/value/output projections with ' +
    'tf.layers.dense and computes softmax(QKᵀ/√key_dim)V in a custom layer; the weights and count equal Keras\' MultiHeadAttention',
  aliases: ['mha', 'multihead_attention', 'self_attention', 'attention'],
  onnx: {
    ops: 'MatMul, Add, Reshape, Transpose, Softmax',
    emit(e) {
      const x = e.input(0, 'keras');
      if (x.rank !== 3) return e.refuse('attention over more than one sequence axis is not exported; reshape to (batch, sequence, features) first');
      const keyDim = e.params.key_dim as number;
      const valueDim = (e.params.value_dim as number | undefined) ?? keyDim;
      let y = attentionOnnx(e, x.name, '', e.params.num_heads as number, keyDim, valueDim);
      const out = e.outputShape.slice(2) as number[];
      if (out.length > 1) y = e.op1('Reshape', [y, e.ints([0, 0, ...out])]);
      return e.value(y, 2 + out.length, 'keras');
    },
  },
  torch: torchMultiHeadAttention,
  shapeRule: '(N, T, d) → (N, T, output_shape ?? d); params = 2·(d·h·k + h·k) + (d·h·v + h·v) + (h·v·o + o)',
  infer([input], p) {
    if (input.length < 3) return rankError('multi_head_attention', 'at least rank 3 (batch, sequence, features)', input, sequenceFix(input));
    const d = input[input.length - 1];
    if (d === null) return unknownDim('multi_head_attention', 'feature axis (the last)', input);
    const heads = num(p.num_heads, 1);
    const keyDim = num(p.key_dim, 1);
    const valueDim = num(p.value_dim, keyDim);
    const os = p.output_shape;
    const out: number[] = typeof os === 'number' ? [os] : Array.isArray(os) && os.length > 0 ? (os as number[]) : [d];
    return {
      shape: [...input.slice(0, -1), ...out],
      params: attentionParamCount(d, heads, keyDim, valueDim, product(out), p.use_bias !== false),
    };
  },
  shapeCases: [
    { params: { num_heads: 8, key_dim: 8 }, inputs: [[null, 10, 64]], output: [null, 10, 64], paramCount: 16_640 },
    { params: { num_heads: 2, key_dim: 16, value_dim: 8, output_shape: 20 }, inputs: [[null, 10, 32]], output: [null, 10, 20], paramCount: 2_980 },
    { params: { num_heads: 2, key_dim: 16, use_bias: false }, inputs: [[null, null, 32]], output: [null, null, 32], paramCount: 4_096 },
    { params: { num_heads: 2, key_dim: 4 }, inputs: [[null, 5, 3, 16]], output: [null, 5, 3, 16], paramCount: 552 },
    { params: { num_heads: 4, key_dim: 16 }, inputs: [[null, 64]], error: 'shape/rank' },
    { params: { num_heads: 4, key_dim: 16 }, inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
  ],
};

export const transformerEncoder: LayerEntry = {
  name: 'transformer_encoder',
  category: 'layer',
  arity: 'one',
  summary: 'One transformer encoder block: self-attention and a feed-forward network, each with residual + layer norm.',
  docs:
    'The block that BERT-style encoders stack. It keeps the shape (N, T, d_model): first multi-head ' +
    'self-attention lets every position gather information from the others, its output is added to the ' +
    'input (a residual connection) and layer-normalised; then a position-wise feed-forward network ' +
    '(`dense` to `ff_dim` with `activation`, then `dense` back to d_model) does the same. Dropout is ' +
    'applied to both sub-layer outputs before the residual sum (post-norm, as in "Attention Is All You ' +
    'Need"). Feed it the output of `positional_embedding`; end with `global_avg_pool1d` and a `dense` ' +
    'head to classify. d_model must be divisible by `num_heads` unless `key_dim` is set.',
  params: [
    { name: 'num_heads', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of attention heads; must divide d_model unless key_dim is set.' },
    { name: 'ff_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Width of the hidden layer of the feed-forward network (typically 2–4 × d_model).' },
    { name: 'key_dim', type: { kind: 'int', min: 1 }, doc: 'Size of each head\'s queries, keys and values; defaults to d_model / num_heads.' },
    dropoutRate('dropout', 'Fraction dropped from the attention weights and from each sub-layer\'s output during training.'),
    activationParam('relu'),
    { name: 'epsilon', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 0.00001, doc: 'ε of both layer normalizations.' },
  ],
  formulas: [
    attentionFormula,
    {
      label: 'encoder block',
      latex: 'z = \\mathrm{LayerNorm}\\big(x + \\mathrm{MHA}(x)\\big), \\qquad y = \\mathrm{LayerNorm}\\big(z + W_2\\, \\mathrm{relu}(W_1 z + b_1) + b_2\\big)',
      unicode: 'z = LayerNorm(x + MHA(x)),  y = LayerNorm(z + W₂·relu(W₁z + b₁) + b₂)',
    },
  ],
  tfjs:
    'composed: self-attention (as `multi_head_attention`, key_dim = value_dim = d_model/num_heads) → tf.layers.dropout → ' +
    'tf.layers.add with the input → tf.layers.layerNormalization → tf.layers.dense(ff_dim, activation) → tf.layers.dense(d_model) → ' +
    'tf.layers.dropout → tf.layers.add → tf.layers.layerNormalization',
  aliases: ['transformer', 'transformer_block', 'encoder_block'],
  onnx: {
    ops: 'the attention\'s operators, Add, LayerNormalization, MatMul, the activation',
    emit(e) {
      const x = e.input(0, 'keras');
      const d = e.inputShapes[0][2] as number;
      const heads = e.params.num_heads as number;
      const keyDim = typeof e.params.key_dim === 'number' ? e.params.key_dim : d / heads;
      const eps = e.params.epsilon as number;
      const att = attentionOnnx(e, x.name, '_mha', heads, keyDim, keyDim);
      const z = layerNormOnnx(e, e.op1('Add', [x.name, att]), '_norm1', eps, d);
      const f1 = e.activation(denseOnnx(e, z, '_ffn1'), e.params.activation, 2);
      const y = layerNormOnnx(e, e.op1('Add', [z, denseOnnx(e, f1, '_ffn2')]), '_norm2', eps, d);
      return e.value(y, 3, 'keras');
    },
  },
  torch: torchTransformerEncoder,
  shapeRule: '(N, T, d) → (N, T, d); params = attention 3·(d·h·k + h·k) + (h·k·d + d) [= 4d² + 4d when k = d/h] + 4d (two layer norms) + (d·ff + ff) + (ff·d + d)',
  infer([input], p) {
    if (input.length !== 3) return rankError('transformer_encoder', 'a rank-3 input (batch, sequence, d_model)', input, sequenceFix(input));
    const d = input[2];
    if (d === null) return unknownDim('transformer_encoder', 'model width d_model (the last axis)', input);
    const heads = num(p.num_heads, 1);
    let keyDim = typeof p.key_dim === 'number' ? p.key_dim : undefined;
    if (keyDim === undefined) {
      if (d % heads !== 0) {
        const divisors = Array.from({ length: Math.min(d, 64) }, (_, i) => i + 1)
          .filter((h) => d % h === 0)
          .sort((a, b) => Math.abs(a - heads) - Math.abs(b - heads) || a - b)
          .slice(0, 2)
          .sort((a, b) => a - b);
        return fail('shape/heads-divide',
          `\`transformer_encoder\` splits d_model = ${d} (the last axis of ${formatShape(input)}) across num_heads = ${heads} heads, but ${d} is not divisible by ${heads}.`,
          `use a num_heads that divides ${d} (e.g. ${divisors.join(' or ')}), or set \`key_dim\``, 'num_heads');
      }
      keyDim = d / heads;
    }
    const ff = num(p.ff_dim, 1);
    const attention = attentionParamCount(d, heads, keyDim, keyDim, d, true);
    const norms = 2 * 2 * d;
    const feedForward = d * ff + ff + ff * d + d;
    return { shape: input, params: attention + norms + feedForward };
  },
  shapeCases: [
    { params: { num_heads: 2, ff_dim: 32 }, inputs: [[null, 200, 32]], output: [null, 200, 32], paramCount: 6_464 },
    { params: { num_heads: 8, ff_dim: 2048 }, inputs: [[null, null, 512]], output: [null, null, 512], paramCount: 3_152_384 },
    { params: { num_heads: 3, ff_dim: 32, key_dim: 8 }, inputs: [[null, 10, 32]], output: [null, 10, 32], paramCount: 5_416 },
    { params: { num_heads: 3, ff_dim: 32 }, inputs: [[null, 10, 32]], error: 'shape/heads-divide' },
    { params: { num_heads: 2, ff_dim: 32 }, inputs: [[null, 32]], error: 'shape/rank' },
  ],
};
