/** Regularization by noise: dropout variants and Gaussian noise, all inactive at inference. */
import { identityAtInference } from '../onnx';
import type { LayerEntry, ParamSpec } from '../types';
import { identityRule, rankError } from './shared';
import { torchNoise } from '../torchModules';
import { pyFloat } from '../torch';

const rateParam = (doc: string): ParamSpec => ({ name: 'rate', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, required: true, doc });

export const dropout: LayerEntry = {
  name: 'dropout',
  category: 'layer',
  arity: 'one',
  summary: 'Randomly zeroes a fraction `rate` of the inputs during training, to fight overfitting.',
  docs:
    'During training, every input value is dropped (set to 0) with probability `rate` and the survivors ' +
    'are scaled by 1/(1 − rate) so the expected sum stays the same ("inverted dropout"). Units cannot ' +
    'rely on particular partners being present, which works like training an ensemble of thinned ' +
    'networks. At inference the layer does nothing. Typical rates: 0.2–0.5, after `dense` layers or ' +
    'between recurrent layers; write `dropout: 0.5` for short.',
  params: [rateParam('Fraction of the inputs to drop, in [0, 1).')],
  formulas: [
    {
      label: 'inverted dropout (training)',
      latex: 'm_i \\sim \\mathrm{Bernoulli}(1 - p), \\qquad y_i = \\frac{m_i\\, x_i}{1 - p}',
      unicode: 'mᵢ ~ Bernoulli(1 − p),  yᵢ = mᵢ·xᵢ / (1 − p)',
    },
    { label: 'inference', latex: 'y = x', unicode: 'y = x' },
  ],
  tfjs: 'tf.layers.dropout',
  primary: 'rate',
  onnx: identityAtInference,
  torch: { modules: 'nn.Dropout', layout: 'any', emit: (c) => ({ module: `nn.Dropout(${pyFloat(c.params.rate as number)})`, forward: '{m}(x)' }) },
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { rate: 0.5 }, inputs: [[null, 128]], output: [null, 128], paramCount: 0 },
    { params: { rate: 0.2 }, inputs: [[null, null, 10, 3]], output: [null, null, 10, 3], paramCount: 0 },
  ],
};

export const spatialDropout1d: LayerEntry = {
  name: 'spatial_dropout1d',
  category: 'layer',
  arity: 'one',
  summary: 'Dropout of whole channels of a sequence (N, steps, channels) during training.',
  docs:
    'Like `dropout`, but it drops entire feature channels: one Bernoulli draw per (sample, channel) ' +
    'zeroes that channel at every step. Neighbouring steps are strongly correlated, so dropping single ' +
    'values barely regularises a sequence model; dropping channels does. Use it after an `embedding` or ' +
    '`conv1d`. Inactive at inference.',
  params: [rateParam('Fraction of the channels to drop, in [0, 1).')],
  formulas: [
    {
      label: 'channel dropout (training)',
      latex: 'm_c \\sim \\mathrm{Bernoulli}(1 - p), \\qquad y_{t,c} = \\frac{m_c\\, x_{t,c}}{1 - p}',
      unicode: 'm_c ~ Bernoulli(1 − p),  y[t,c] = m_c·x[t,c] / (1 − p)',
    },
  ],
  tfjs: 'tf.layers.spatialDropout1d',
  aliases: ['spatial_dropout'],
  primary: 'rate',
  onnx: identityAtInference,
  torch: torchNoise('SpatialDropout1d', 'rate'),
  shapeRule: '(N, L, C) → (N, L, C); no params',
  infer([input]) {
    if (input.length !== 3) return rankError('spatial_dropout1d', 'a rank-3 input (batch, steps, channels)', input, 'use `dropout` for inputs that are not sequences');
    return { shape: input, params: 0 };
  },
  shapeCases: [
    { params: { rate: 0.2 }, inputs: [[null, 100, 64]], output: [null, 100, 64], paramCount: 0 },
    { params: { rate: 0.2 }, inputs: [[null, 64]], error: 'shape/rank' },
  ],
};

export const gaussianNoise: LayerEntry = {
  name: 'gaussian_noise',
  category: 'layer',
  arity: 'one',
  summary: 'Adds zero-mean Gaussian noise to its input during training (data augmentation inside the model).',
  docs:
    'During training, adds independent noise drawn from N(0, stddev²) to every value; at inference it ' +
    'passes the input through. It makes the network robust to small perturbations of real-valued ' +
    'inputs and acts as a regulariser. Choose `stddev` relative to the scale of the input (e.g. 0.1 for ' +
    'inputs scaled to [0, 1]).',
  params: [{ name: 'stddev', type: { kind: 'float', min: 0 }, required: true, doc: 'Standard deviation of the noise, in the units of the input.' }],
  formulas: [{ label: 'noise (training)', latex: 'y = x + \\varepsilon, \\quad \\varepsilon \\sim \\mathcal{N}(0, \\sigma^2)', unicode: 'y = x + ε,  ε ~ N(0, σ²)' }],
  tfjs: 'tf.layers.gaussianNoise',
  primary: 'stddev',
  onnx: identityAtInference,
  torch: torchNoise('GaussianNoise', 'stddev'),
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { stddev: 0.1 }, inputs: [[null, 20]], output: [null, 20], paramCount: 0 },
    { params: { stddev: 0.05 }, inputs: [[null, 28, 28, 1]], output: [null, 28, 28, 1], paramCount: 0 },
  ],
};

export const gaussianDropout: LayerEntry = {
  name: 'gaussian_dropout',
  category: 'layer',
  arity: 'one',
  summary: 'Multiplies its input by Gaussian noise centred on 1 during training.',
  docs:
    'A smooth variant of `dropout`: instead of zeroing values, it multiplies each by noise drawn from ' +
    'N(1, rate/(1 − rate)), which has the same mean and variance as inverted dropout with that `rate`. ' +
    'Inactive at inference.',
  params: [rateParam('Drop probability of the equivalent dropout, in [0, 1).')],
  formulas: [{ label: 'multiplicative noise (training)', latex: 'y = x \\cdot \\xi, \\quad \\xi \\sim \\mathcal{N}\\Big(1, \\frac{p}{1 - p}\\Big)', unicode: 'y = x·ξ,  ξ ~ N(1, p/(1 − p))' }],
  tfjs: 'tf.layers.gaussianDropout',
  primary: 'rate',
  onnx: identityAtInference,
  torch: torchNoise('GaussianDropout', 'rate'),
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { rate: 0.3 }, inputs: [[null, 64]], output: [null, 64], paramCount: 0 },
    { params: { rate: 0.1 }, inputs: [[null, 10, 8]], output: [null, 10, 8], paramCount: 0 },
  ],
};
