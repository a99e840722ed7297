/** Embeddings: token ids to vectors (embedding, positional_embedding). */
import { formatShape, type Shape } from '../../shape';
import type { LayerEntry } from '../types';
import { fail, rankError, tensor, withWeights } from './shared';
import { torchEmbedding } from '../torchModules';
import { torchPositionalEmbedding } from '../torchSequence';

const tokenIdsFix = (input: Shape): string =>
  input.length === 3 && input[2] === 1
    ? `add a \`reshape: [${input[1] ?? -1}]\` before it to drop the trailing axis of size 1`
    : 'feed it integer token ids: `tokenize` + `pad_sequences` in the pipeline, and `model.input: [sequence_length]`';

export const embedding: LayerEntry = {
  name: 'embedding',
  category: 'layer',
  arity: 'one',
  summary: 'Maps integer token ids to learned dense vectors: (N, L) → (N, L, output_dim).',
  docs:
    'A lookup table with one trainable row of `output_dim` numbers per token id in 0…input_dim − 1. ' +
    'It turns a padded sequence of word (or character) ids into a sequence of vectors that an `lstm`, ' +
    '`gru`, `conv1d` or attention layer can read; training moves related tokens close together. ' +
    '`input_dim` must exceed the largest id (the vocabulary size, including padding id 0). With ' +
    '`mask_zero: true`, id 0 is treated as padding and later recurrent layers skip those steps.',
  params: [
    { name: 'input_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Vocabulary size: ids must lie in 0…input_dim − 1.' },
    { name: 'output_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Length of each embedding vector.' },
    { name: 'mask_zero', type: { kind: 'bool' }, default: false, doc: 'Treat id 0 as padding and mask it for the layers that follow.' },
    { name: 'embeddings_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'random_uniform', doc: 'How the embedding table starts.' },
    { name: 'embeddings_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the embedding table added to the loss.' },
  ],
  formulas: [
    {
      label: 'lookup',
      latex: 'y_{n,t,:} = E_{x_{n,t},\\,:}, \\qquad E \\in \\mathbb{R}^{V \\times d}',
      unicode: 'y[n,t,:] = E[x[n,t], :],  E ∈ ℝ^{V×d}',
    },
    { label: 'as a matrix product', latex: 'y_t = \\mathrm{onehot}(x_t)^{\\top} E', unicode: 'yₜ = onehot(xₜ)ᵀ E' },
  ],
  tfjs: 'tf.layers.embedding',
  aliases: ['embed', 'word_embedding'],
  onnx: {
    ops: 'Cast, Gather',
    emit(e) {
      if (e.params.mask_zero === true) return e.refuse('a mask (mask_zero) changes what the following layers compute, which ONNX graphs do not carry', 'mask_zero');
      const x = e.input(0, 'keras');
      const table = e.weight('embeddings');
      return e.value(e.op1('Gather', [e.constant(table.data, table.shape), e.op1('Cast', [x.name], { to: 7 })], { axis: 0 }), x.rank + 1, 'keras');
    },
  },
  torch: torchEmbedding,
  shapeRule: '(N, L) → (N, L, output_dim), and (N, d₁, …, dₖ) → (N, d₁, …, dₖ, output_dim) for ids of any rank; params = input_dim·output_dim',
  infer([input], p) {
    const out = p.output_dim as number;
    // Ids of any rank, as in Keras: (N, a, b) → (N, a, b, output_dim).
    return withWeights([...input, out], [tensor('embeddings', [p.input_dim as number, out])]);
  },
  shapeCases: [
    { params: { input_dim: 10_000, output_dim: 128 }, inputs: [[null, 200]], output: [null, 200, 128], paramCount: 1_280_000 },
    { params: { input_dim: 1000, output_dim: 64, mask_zero: true }, inputs: [[null, null]], output: [null, null, 64], paramCount: 64_000 },
    { params: { input_dim: 1000, output_dim: 64 }, inputs: [[null, 4, 12]], output: [null, 4, 12, 64], paramCount: 64_000 },
  ],
};

export const positionalEmbedding: LayerEntry = {
  name: 'positional_embedding',
  category: 'layer',
  arity: 'one',
  summary: 'Token embedding plus a learned position embedding, the input of a transformer.',
  docs:
    'Attention by itself ignores word order, so a transformer adds to every token vector a vector that ' +
    'encodes its position. This layer holds two tables: a token embedding (`vocab_size` × ' +
    '`output_dim`, as in `embedding`) and a learned position embedding (`max_length` × `output_dim`); ' +
    'the output at step t is token_embedding[id] + position_embedding[t]. Sequences may be at most ' +
    '`max_length` long. Follow it with `transformer_encoder` blocks.',
  params: [
    { name: 'vocab_size', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of token ids: ids must lie in 0…vocab_size − 1.' },
    { name: 'max_length', type: { kind: 'int', min: 1 }, required: true, doc: 'Longest sequence the position table covers.' },
    { name: 'output_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Length of each embedding vector (the model width d_model).' },
    { name: 'embeddings_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'random_uniform', doc: 'How both tables start.' },
  ],
  formulas: [
    {
      label: 'token + position',
      latex: 'y_{n,t,:} = E^{\\mathrm{tok}}_{x_{n,t},\\,:} + E^{\\mathrm{pos}}_{t,\\,:}',
      unicode: 'y[n,t,:] = E_tok[x[n,t], :] + E_pos[t, :]',
    },
  ],
  tfjs:
    'composed (tfjs has no single factory): tf.layers.embedding({inputDim: vocab_size, outputDim}) for the tokens, plus a ' +
    'trainable [max_length, output_dim] position table whose first L rows are added to every sample (a custom layer, as ' +
    'keras_nlp.layers.TokenAndPositionEmbedding)',
  aliases: ['token_and_position_embedding', 'position_embedding', 'positional_encoding'],
  onnx: {
    ops: 'Cast, Gather, Slice, Add',
    emit(e) {
      const x = e.input(0, 'keras');
      const length = e.inputShapes[0][1];
      if (length === null) return e.refuse('the sequence length must be known (give model.input a fixed length)');
      const tokens = e.weight('token_embeddings');
      const positions = e.weight('position_embeddings');
      const ids = e.op1('Cast', [x.name], { to: 7 });
      const emb = e.op1('Gather', [e.constant(tokens.data, tokens.shape), ids], { axis: 0 });
      const d = positions.shape[1];
      return e.value(e.op1('Add', [emb, e.constant(positions.data.subarray(0, length * d), [length, d])]), 3, 'keras');
    },
  },
  torch: torchPositionalEmbedding,
  shapeRule: '(N, L) → (N, L, output_dim) with L ≤ max_length; params = (vocab_size + max_length)·output_dim',
  infer([input], p) {
    if (input.length !== 2) return rankError('positional_embedding', 'a rank-2 input of token ids (batch, sequence_length)', input, tokenIdsFix(input));
    const max = p.max_length as number;
    const length = input[1];
    if (length !== null && length > max) {
      return fail('shape/sequence-too-long',
        `\`positional_embedding\` has positions for ${max} steps (max_length), but its input ${formatShape(input)} has ${length}.`,
        `set \`max_length: ${length}\`, or pad/truncate the sequences to ${max} in the pipeline`, 'max_length',
        { kind: 'set_param', param: 'max_length', value: length });
    }
    const out = p.output_dim as number;
    return withWeights([input[0], length, out], [tensor('token_embeddings', [p.vocab_size as number, out]), tensor('position_embeddings', [max, out])]);
  },
  shapeCases: [
    { params: { vocab_size: 20_000, max_length: 200, output_dim: 32 }, inputs: [[null, 200]], output: [null, 200, 32], paramCount: 646_400 },
    { params: { vocab_size: 1000, max_length: 64, output_dim: 16 }, inputs: [[null, null]], output: [null, null, 16], paramCount: 17_024 },
    { params: { vocab_size: 20_000, max_length: 200, output_dim: 32 }, inputs: [[null, 300]], error: 'shape/sequence-too-long' },
    { params: { vocab_size: 20_000, max_length: 200, output_dim: 32 }, inputs: [[null, 200, 1]], error: 'shape/rank' },
  ],
};
