/** Recurrent layers: simple_rnn, lstm, gru and the bidirectional wrapper. */
import { type Dim, type Shape } from '../../shape';
import type { LayerEntry, Params, ParamSpec, ShapeOutcome } from '../types';
import { bidirectionalOnnx, recurrentDefaults, recurrentOnnx } from './recurrentOnnx';
import { activationParam, dropoutRate, fail, isRecord, num, rankError, scale, tensor, unknownDim, useBiasParam, withDefaults, withWeights } from './shared';
import { torchBidirectional, torchRecurrent } from '../torchSequence';

function recurrentParams(kind: 'simple_rnn' | 'lstm' | 'gru'): ParamSpec[] {
  return [
    { name: 'units', type: { kind: 'int', min: 1 }, required: true, doc: 'Size of the hidden state, i.e. of the output at each step.' },
    activationParam('tanh'),
    ...(kind === 'simple_rnn'
      ? []
      : [{ name: 'recurrent_activation', type: { kind: 'ref', category: 'activation' }, default: 'sigmoid', doc: 'Activation of the gates (σ in the formulas). Keras\' default; pass it explicitly to tfjs, whose own default is hard_sigmoid.' } as ParamSpec]),
    useBiasParam,
    { name: 'return_sequences', type: { kind: 'bool' }, default: false, doc: 'Output the hidden state at every step (N, T, units) instead of only the last one (N, units). Needed when another recurrent layer follows.' },
    { name: 'go_backwards', type: { kind: 'bool' }, default: false, doc: 'Read the sequence from the last step to the first.' },
    dropoutRate('dropout', 'Fraction of the inputs xₜ dropped during training.'),
    dropoutRate('recurrent_dropout', 'Fraction of the recurrent state hₜ₋₁ dropped during training.'),
    ...(kind === 'gru'
      ? [{
          name: 'reset_after',
          type: { kind: 'bool' },
          default: true,
          doc: 'Apply the reset gate after the recurrent product, with a second bias vector (Keras 3\'s default, and cuDNN\'s); `false`: before it, with one bias (the original GRU).',
        } as ParamSpec]
      : []),
    ...(kind === 'lstm'
      ? [{ name: 'unit_forget_bias', type: { kind: 'bool' }, default: true, doc: 'Start the forget-gate bias at 1, so the cell remembers by default early in training.' } as ParamSpec]
      : []),
    { name: 'kernel_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'glorot_uniform', doc: 'How the input weights W start.' },
    { name: 'recurrent_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'orthogonal', doc: 'How the recurrent weights U start.' },
    { name: 'bias_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'zeros', doc: 'How the bias starts.' },
    { name: 'kernel_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the input weights W added to the loss.' },
    { name: 'recurrent_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the recurrent weights U added to the loss.' },
    { name: 'bias_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the bias added to the loss.' },
  ];
}

/** Shared shape rule of simple_rnn (1 block), gru (3: update, reset, candidate) and lstm (4: input, forget, cell, output). */
function recurrent(layer: string, blocks: number, input: Shape, p: Params): ShapeOutcome {
  if (input.length !== 3) {
    let fix: string | undefined;
    if (input.length === 2) fix = 'add an `embedding` (for token ids) or a `reshape` (e.g. to [timesteps, features]) before it';
    else if (input.length === 4) {
      const [, h, w, c] = input;
      fix = h !== null && w !== null && c !== null
        ? `add a \`reshape: [${h}, ${w * c}]\` before it, to read the rows as ${h} steps of ${w * c} features`
        : 'add a `reshape` to [steps, features] before it';
    }
    return rankError(layer, 'a rank-3 input (batch, timesteps, features)', input, fix);
  }
  const d = input[2];
  if (d === null) return unknownDim(layer, 'feature axis (the last)', input);
  const u = num(p.units, 1);
  const shape: Dim[] = p.return_sequences ? [input[0], input[1], u] : [input[0], u];
  // GRU with reset_after has two bias vectors per gate: one for the input, one for the recurrent product.
  const bias = p.use_bias === false ? [] : [tensor('bias', p.reset_after === true ? [2, blocks * u] : [blocks * u])];
  return withWeights(shape, [tensor('kernel', [d, blocks * u]), tensor('recurrent_kernel', [u, blocks * u]), ...bias]);
}

const sequenceRule = (blocks: string): string =>
  `(N, T, d) → (N, units), or (N, T, units) with return_sequences; params = ${blocks}(units·(d + units) + units)`;

export const simpleRnn: LayerEntry = {
  name: 'simple_rnn',
  category: 'layer',
  arity: 'one',
  summary: 'Fully connected recurrent layer (Elman RNN): hₜ = tanh(W xₜ + U hₜ₋₁ + b).',
  docs:
    'Reads a sequence (N, timesteps, features) one step at a time and keeps a hidden state of `units` ' +
    'numbers that mixes the current input with the previous state. It is the simplest recurrent layer ' +
    'and good for teaching, but gradients through many steps vanish or explode, so it forgets after a ' +
    'few dozen steps; use `lstm` or `gru` for real sequences. Returns the last state, or every state ' +
    'with `return_sequences: true`.',
  params: recurrentParams('simple_rnn'),
  formulas: [
    { label: 'recurrence', latex: 'h_t = \\tanh(W x_t + U h_{t-1} + b)', unicode: 'hₜ = tanh(W xₜ + U hₜ₋₁ + b)' },
  ],
  tfjs: 'tf.layers.simpleRNN',
  primary: 'units',
  aliases: ['rnn', 'simplernn', 'elman'],
  onnx: recurrentOnnx('simple_rnn'),
  torch: torchRecurrent('simple_rnn'),
  shapeRule: sequenceRule(''),
  infer: ([input], p) => recurrent('simple_rnn', 1, input, p),
  shapeCases: [
    { params: { units: 32 }, inputs: [[null, 10, 8]], output: [null, 32], paramCount: 1_312 },
    { params: { units: 16, return_sequences: true }, inputs: [[null, null, 4]], output: [null, null, 16], paramCount: 336 },
    { params: { units: 32 }, inputs: [[null, 8]], error: 'shape/rank' },
  ],
};

export const lstm: LayerEntry = {
  name: 'lstm',
  category: 'layer',
  arity: 'one',
  summary: 'Long short-term memory: a recurrent layer with gated cell state that remembers over long spans.',
  docs:
    'Reads a sequence (N, timesteps, features) step by step. Besides the hidden state h it keeps a cell ' +
    'state c that is changed only through gates: the forget gate decides what to erase, the input gate ' +
    'what to write, the output gate what to expose. Because c is updated additively, gradients survive ' +
    'hundreds of steps. Returns the last h (for classifying a sequence), or every h with ' +
    '`return_sequences: true` (to stack another `lstm` or label every step). Usually preceded by an ' +
    '`embedding` for text.',
  params: recurrentParams('lstm'),
  formulas: [
    {
      label: 'gates',
      latex: 'i_t = \\sigma(W_i x_t + U_i h_{t-1} + b_i), \\quad f_t = \\sigma(W_f x_t + U_f h_{t-1} + b_f), \\quad o_t = \\sigma(W_o x_t + U_o h_{t-1} + b_o)',
      unicode: 'iₜ = σ(Wᵢxₜ + Uᵢhₜ₋₁ + bᵢ),  fₜ = σ(W_f xₜ + U_f hₜ₋₁ + b_f),  oₜ = σ(W_o xₜ + U_o hₜ₋₁ + b_o)',
    },
    {
      label: 'cell and hidden state',
      latex: '\\tilde{c}_t = \\tanh(W_c x_t + U_c h_{t-1} + b_c), \\quad c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde{c}_t, \\quad h_t = o_t \\odot \\tanh(c_t)',
      unicode: 'c̃ₜ = tanh(W_c xₜ + U_c hₜ₋₁ + b_c),  cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ c̃ₜ,  hₜ = oₜ ⊙ tanh(cₜ)',
    },
  ],
  tfjs: 'tf.layers.lstm',
  primary: 'units',
  aliases: ['long_short_term_memory', 'cudnn_lstm'],
  onnx: recurrentOnnx('lstm'),
  torch: torchRecurrent('lstm'),
  shapeRule: sequenceRule('4·'),
  infer: ([input], p) => recurrent('lstm', 4, input, p),
  shapeCases: [
    { params: { units: 128, return_sequences: true }, inputs: [[null, 200, 128]], output: [null, 200, 128], paramCount: 131_584 },
    { params: { units: 128 }, inputs: [[null, 200, 128]], output: [null, 128], paramCount: 131_584 },
    { params: { units: 64, use_bias: false }, inputs: [[null, null, 10]], output: [null, 64], paramCount: 18_944 },
    { params: { units: 64 }, inputs: [[null, 100]], error: 'shape/rank' },
    { params: { units: 64 }, inputs: [[null, 28, 28, 1]], error: 'shape/rank' },
    { params: { units: 8 }, inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
  ],
};

export const gru: LayerEntry = {
  name: 'gru',
  category: 'layer',
  arity: 'one',
  summary: 'Gated recurrent unit: a lighter LSTM with an update and a reset gate.',
  docs:
    'Reads a sequence (N, timesteps, features) step by step, like `lstm`, but merges the cell and ' +
    'hidden state and uses two gates: the update gate z blends the old state with a candidate, the ' +
    'reset gate r decides how much of the old state the candidate sees. It has 3/4 of an LSTM\'s ' +
    'weights and often trains as well. As in Keras 3 (and cuDNN), the reset gate is applied after the ' +
    'recurrent product by default (`reset_after: true`), with a second bias vector for that product: ' +
    '3·(u·(d + u) + 2u) parameters. `reset_after: false` is the original formulation (reset gate before ' +
    'the product, one bias): 3·(u·(d + u) + u), the default of standalone Keras up to 2.3 and of ' +
    'TensorFlow 1\'s tf.keras (tf.keras in TensorFlow 2 already defaults to `true`), and what tfjs\'s own GRU computes.',
  params: recurrentParams('gru'),
  formulas: [
    {
      label: 'gates',
      latex: "z_t = \\sigma(W_z x_t + b_z + U_z h_{t-1} + b'_z), \\quad r_t = \\sigma(W_r x_t + b_r + U_r h_{t-1} + b'_r)",
      unicode: 'zₜ = σ(W_z xₜ + b_z + U_z hₜ₋₁ + b′_z),  rₜ = σ(W_r xₜ + b_r + U_r hₜ₋₁ + b′_r)',
    },
    {
      label: 'candidate and state (reset_after: true, the default)',
      latex: "\\tilde{h}_t = \\tanh\\big(W_h x_t + b_h + r_t \\odot (U_h h_{t-1} + b'_h)\\big), \\quad h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde{h}_t",
      unicode: 'h̃ₜ = tanh(W_h xₜ + b_h + rₜ ⊙ (U_h hₜ₋₁ + b′_h)),  hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ',
    },
    {
      label: 'candidate (reset_after: false; no b′)',
      latex: '\\tilde{h}_t = \\tanh\\big(W_h x_t + U_h (r_t \\odot h_{t-1}) + b_h\\big), \\quad h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde{h}_t',
      unicode: 'h̃ₜ = tanh(W_h xₜ + U_h (rₜ ⊙ hₜ₋₁) + b_h),  hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ',
    },
  ],
  tfjs:
    'tf.layers.gru with reset_after: false; with reset_after: true (the default), which tfjs\'s GRUCell refuses, a custom ' +
    'RNN layer (ModelYamlResetAfterGRU) whose cell has Keras 3\'s weights (kernel [d, 3u], recurrent_kernel [u, 3u], bias [2, 3u]) and math',
  primary: 'units',
  aliases: ['gated_recurrent_unit', 'cudnn_gru'],
  onnx: recurrentOnnx('gru'),
  torch: torchRecurrent('gru'),
  shapeRule: '(N, T, d) → (N, units), or (N, T, units) with return_sequences; params = 3·(units·(d + units) + 2·units), or 3·(units·(d + units) + units) with reset_after: false',
  infer: ([input], p) => recurrent('gru', 3, input, p),
  shapeCases: [
    // Keras 3: GRU(16) on 5 features has 1,104 parameters; GRU(64) on 32, 18,816.
    { params: { units: 16 }, inputs: [[null, 10, 5]], output: [null, 16], paramCount: 1_104 },
    { params: { units: 64 }, inputs: [[null, 50, 32]], output: [null, 64], paramCount: 18_816 },
    { params: { units: 64, reset_after: false }, inputs: [[null, 50, 32]], output: [null, 64], paramCount: 18_624 },
    { params: { units: 32, return_sequences: true }, inputs: [[null, null, 8]], output: [null, null, 32], paramCount: 4_032 },
    { params: { units: 8, use_bias: false }, inputs: [[null, 10, 4]], output: [null, 8], paramCount: 288 },
    { params: { units: 32 }, inputs: [[null, 8]], error: 'shape/rank' },
  ],
};

/** The layers `bidirectional` can wrap (resolved at call time, so declaration order does not matter). */
const wrappable = (): Record<string, LayerEntry> => ({ simple_rnn: simpleRnn, lstm, gru });

export const bidirectional: LayerEntry = {
  name: 'bidirectional',
  category: 'layer',
  arity: 'one',
  summary: 'Runs a recurrent layer forwards and backwards over the sequence and merges both outputs.',
  docs:
    'Wraps an `lstm`, `gru` or `simple_rnn` (the `layer` parameter, written like a layer item: ' +
    '`layer: { lstm: { units: 64 } }`). One copy reads the sequence from start to end, an independent ' +
    'copy (its own weights, so twice the parameters) reads it from end to start, and `merge_mode` ' +
    'combines their outputs: `concat` (default) doubles the output size, `sum`, `mul` and `ave` keep ' +
    'it. Each step then sees context from both sides, which helps tagging and classification whenever ' +
    'the whole sequence is available at once (not for predicting the future).',
  params: [
    { name: 'layer', type: { kind: 'layer' }, required: true, doc: 'The recurrent layer to run in both directions, e.g. `{ lstm: { units: 64 } }`.' },
    { name: 'merge_mode', type: { kind: 'enum', values: ['concat', 'sum', 'mul', 'ave'] }, default: 'concat', doc: 'How to combine the forward and backward outputs: concatenate, add, multiply or average them.' },
  ],
  formulas: [
    {
      label: 'both directions',
      latex: '\\overrightarrow{h}_t = \\mathrm{RNN}_{\\rightarrow}(x_1, \\dots, x_t), \\quad \\overleftarrow{h}_t = \\mathrm{RNN}_{\\leftarrow}(x_T, \\dots, x_t), \\quad h_t = [\\overrightarrow{h}_t ; \\overleftarrow{h}_t]',
      unicode: '→hₜ = RNN→(x₁, …, xₜ),  ←hₜ = RNN←(x_T, …, xₜ),  hₜ = [→hₜ ; ←hₜ]  (concat)',
    },
  ],
  tfjs: 'tf.layers.bidirectional({layer: tf.layers.lstm(…), mergeMode})',
  aliases: ['bi', 'birnn', 'bilstm'],
  onnx: bidirectionalOnnx,
  torch: torchBidirectional((kind, given) => recurrentDefaults.lookupParams(kind, given)),
  shapeRule: 'as the wrapped layer, with the last axis doubled for merge_mode concat; params = 2 × the wrapped layer\'s',
  infer([input], p) {
    const inner = isRecord(p.layer) ? p.layer : {};
    const type = typeof inner.type === 'string' ? inner.type : undefined;
    const entry = type ? wrappable()[type] : undefined;
    if (!entry) {
      return fail('shape/bidirectional-layer',
        `\`bidirectional\` wraps a recurrent layer (simple_rnn, lstm or gru), but it got ${type ? `\`${type}\`` : 'no layer'}.`,
        'wrap a recurrent layer, e.g. `layer: { lstm: { units: 64 } }`', 'layer');
    }
    const out = entry.infer([input], withDefaults(entry.params, isRecord(inner.params) ? inner.params : {}));
    if ('error' in out) {
      const e = out.error;
      return fail(e.code, `Inside \`bidirectional\`: ${e.message}`, e.fix, e.param ? 'layer' : undefined);
    }
    const last = out.shape[out.shape.length - 1];
    const shape = p.merge_mode === 'concat' ? [...out.shape.slice(0, -1), scale(last, 2)] : out.shape;
    // Two copies of the wrapped layer's weights, the forward one's first (Keras's and TF.js's order).
    const copy = (direction: string) => (out.weights ?? []).map((w) => tensor(`${direction}/${w.name}`, w.shape, w.trainable));
    return withWeights(shape, [...copy('forward'), ...copy('backward')]);
  },
  shapeCases: [
    { params: { layer: { type: 'lstm', params: { units: 64 } } }, inputs: [[null, 100, 128]], output: [null, 128], paramCount: 98_816 },
    { params: { layer: { type: 'gru', params: { units: 32, return_sequences: true } }, merge_mode: 'sum' }, inputs: [[null, 20, 16]], output: [null, 20, 32], paramCount: 9_600 },
    { params: { layer: { type: 'simple_rnn', params: { units: 8, return_sequences: true } } }, inputs: [[null, null, 4]], output: [null, null, 16], paramCount: 208 },
    { params: { layer: { type: 'dense', params: { units: 8 } } }, inputs: [[null, 10, 4]], error: 'shape/bidirectional-layer' },
    { params: { layer: { type: 'lstm', params: { units: 8 } } }, inputs: [[null, 16]], error: 'shape/rank' },
  ],
};

recurrentDefaults.lookupParams = (kind, given) => withDefaults(wrappable()[kind].params, given);
