/** Normalization: batch and layer normalization. */
import type { Shape } from '../../shape';
import { layerNormOnnx } from '../onnx';
import type { LayerEntry, Params, ParamSpec, ShapeOutcome } from '../types';
import { axisError, rankError, resolveAxis, tensor, unknownDim, withWeights } from './shared';
import { torchBatchNorm, torchLayerNorm } from '../torchModules';

const axisParam = (doc: string): ParamSpec => ({ name: 'axis', type: { kind: 'int' }, default: -1, doc });
const centerParam: ParamSpec = { name: 'center', type: { kind: 'bool' }, default: true, doc: 'Whether to learn an offset β added after normalising.' };
const scaleParam: ParamSpec = { name: 'scale', type: { kind: 'bool' }, default: true, doc: 'Whether to learn a factor γ applied after normalising.' };
const epsilonParam: ParamSpec = {
  name: 'epsilon',
  type: { kind: 'float', min: 0, exclusiveMin: true },
  default: 0.001,
  doc: 'Small constant added to the variance to avoid dividing by zero.',
};

/** The size of the normalised axis, or the problem. */
function featureAxis(layer: string, input: Shape, axis: unknown): number | ShapeOutcome {
  if (input.length < 2) return rankError(layer, 'at least rank 2 (batch, features)', input);
  const a = resolveAxis(axis, input.length);
  if (a === null) return axisError(layer, axis, input);
  const c = input[a];
  if (c === null) return unknownDim(layer, `size on axis ${a} (the normalised axis)`, input);
  return c;
}

/** γ (`scale`) then β (`center`), Keras's order. */
const scaleAndOffset = (p: Params, n: number) => [...(p.scale ? [tensor('gamma', [n])] : []), ...(p.center ? [tensor('beta', [n])] : [])];

export const batchNorm: LayerEntry = {
  name: 'batch_norm',
  category: 'layer',
  arity: 'one',
  summary: 'Batch normalization: normalises each feature over the batch, then scales and shifts it.',
  docs:
    'During training, standardises every feature (every channel, for images) with the mean and ' +
    'variance of the current batch, then applies a learned scale γ and offset β. It also keeps moving ' +
    'averages of the mean and variance, which replace the batch statistics at inference. This keeps ' +
    'the inputs of the next layer in a stable range, allows higher learning rates and regularises ' +
    'slightly. Put it between a `conv2d`/`dense` and its activation, or right after. It has 4 ' +
    'parameters per feature: γ and β are trained; the moving mean and variance are not, but they are ' +
    'part of the model and counted.',
  params: [
    axisParam('The feature axis to normalise (-1: the last, i.e. the channels).'),
    { name: 'momentum', type: { kind: 'float', min: 0, max: 1 }, default: 0.99, doc: 'Decay of the moving averages: closer to 1 means slower, smoother statistics.' },
    epsilonParam,
    centerParam,
    scaleParam,
  ],
  formulas: [
    {
      label: 'normalise (training)',
      latex: '\\mu_B = \\frac{1}{m} \\sum_{i=1}^{m} x_i, \\quad \\sigma_B^2 = \\frac{1}{m} \\sum_{i=1}^{m} (x_i - \\mu_B)^2, \\quad \\hat{x}_i = \\frac{x_i - \\mu_B}{\\sqrt{\\sigma_B^2 + \\varepsilon}}',
      unicode: 'μ_B = (1/m) Σᵢ xᵢ,  σ²_B = (1/m) Σᵢ (xᵢ − μ_B)²,  x̂ᵢ = (xᵢ − μ_B) / √(σ²_B + ε)',
    },
    { label: 'scale and shift', latex: 'y_i = \\gamma\\, \\hat{x}_i + \\beta', unicode: 'yᵢ = γ·x̂ᵢ + β' },
    {
      label: 'moving averages (used at inference)',
      latex: '\\hat{\\mu} \\leftarrow \\rho\\, \\hat{\\mu} + (1 - \\rho)\\, \\mu_B, \\quad \\hat{\\sigma}^2 \\leftarrow \\rho\\, \\hat{\\sigma}^2 + (1 - \\rho)\\, \\sigma_B^2',
      unicode: 'μ̂ ← ρ·μ̂ + (1 − ρ)·μ_B,  σ̂² ← ρ·σ̂² + (1 − ρ)·σ²_B  (ρ = momentum)',
    },
  ],
  tfjs: 'tf.layers.batchNormalization',
  aliases: ['batch_normalization', 'batchnorm', 'bn', 'batchnorm2d'],
  onnx: {
    ops: 'Mul, Add (the moving statistics, γ and β folded into one scale and shift)',
    emit(e) {
      const x = e.input(0, 'any');
      const rank = x.rank;
      const axis = resolveAxis(e.params.axis, rank)!;
      if (axis !== rank - 1) return e.refuse('only the last (channel) axis is exported', 'axis');
      const mean = e.weight('moving_mean').data;
      const variance = e.weight('moving_variance').data;
      const gamma = e.hasWeight('gamma') ? e.weight('gamma').data : undefined;
      const beta = e.hasWeight('beta') ? e.weight('beta').data : undefined;
      const eps = e.params.epsilon as number;
      const scale = mean.map((_, c) => (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + eps));
      const shift = mean.map((m, c) => (beta ? beta[c] : 0) - m * scale[c]);
      // Per channel: on the last axis in Keras's layout, on axis 1 in channels-first.
      const shape = x.layout === 'channels_first' && rank > 2 ? [mean.length, ...Array.from({ length: rank - 2 }, () => 1)] : [mean.length];
      const y = e.op1('Add', [e.op1('Mul', [x.name, e.constant(scale, shape)]), e.constant(shift, shape)]);
      return e.value(y, rank, x.layout);
    },
  },
  torch: torchBatchNorm,
  shapeRule: '(N, …, C) → (N, …, C); params = 4·C (γ, β trained; moving mean and variance not trained) — 3·C or 2·C without scale/center',
  infer([input], p) {
    const c = featureAxis('batch_norm', input, p.axis);
    if (typeof c !== 'number') return c;
    // The moving mean and variance are weights the optimizer never updates (Keras: non-trainable).
    return withWeights(input, [...scaleAndOffset(p, c), tensor('moving_mean', [c], false), tensor('moving_variance', [c], false)]);
  },
  shapeCases: [
    { inputs: [[null, 26, 26, 32]], output: [null, 26, 26, 32], paramCount: 128 },
    { inputs: [[null, 64]], output: [null, 64], paramCount: 256 },
    { params: { center: false, scale: false }, inputs: [[null, 10]], output: [null, 10], paramCount: 20 },
    { params: { axis: 1 }, inputs: [[null, 3, 32, 32]], output: [null, 3, 32, 32], paramCount: 12 },
    { inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
    { params: { axis: 3 }, inputs: [[null, 10]], error: 'shape/axis' },
  ],
};

export const layerNorm: LayerEntry = {
  name: 'layer_norm',
  category: 'layer',
  arity: 'one',
  summary: 'Layer normalization: normalises each sample over its features, then scales and shifts.',
  docs:
    'Standardises the features of each sample on its own (mean 0, variance 1 over the last axis), then ' +
    'applies a learned scale γ and offset β per feature. Unlike `batch_norm` it does not depend on the ' +
    'batch, behaves the same in training and inference, and works for any batch size or sequence ' +
    'length, which is why transformers and recurrent networks use it.',
  params: [axisParam('The axis to normalise over (-1: the last, i.e. the features).'), epsilonParam, centerParam, scaleParam],
  formulas: [
    {
      label: 'normalise',
      latex: '\\mu = \\frac{1}{d} \\sum_{i=1}^{d} x_i, \\quad \\sigma^2 = \\frac{1}{d} \\sum_{i=1}^{d} (x_i - \\mu)^2, \\quad y_i = \\gamma_i \\frac{x_i - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}} + \\beta_i',
      unicode: 'μ = (1/d) Σᵢ xᵢ,  σ² = (1/d) Σᵢ (xᵢ − μ)²,  yᵢ = γᵢ·(xᵢ − μ)/√(σ² + ε) + βᵢ',
    },
  ],
  tfjs: 'tf.layers.layerNormalization',
  aliases: ['layer_normalization', 'layernorm', 'ln'],
  onnx: {
    ops: 'LayerNormalization',
    emit(e) {
      const x = e.input(0, 'keras');
      if (resolveAxis(e.params.axis, x.rank) !== x.rank - 1) return e.refuse('only the last axis is exported', 'axis');
      return e.value(layerNormOnnx(e, x.name, '', e.params.epsilon as number, e.inputShapes[0][x.rank - 1] as number), x.rank, 'keras');
    },
  },
  torch: torchLayerNorm,
  shapeRule: '(N, …, d) → (N, …, d); params = 2·d (γ, β)',
  infer([input], p) {
    const d = featureAxis('layer_norm', input, p.axis);
    if (typeof d !== 'number') return d;
    return withWeights(input, scaleAndOffset(p, d));
  },
  shapeCases: [
    { inputs: [[null, 10, 64]], output: [null, 10, 64], paramCount: 128 },
    { params: { scale: false }, inputs: [[null, 32]], output: [null, 32], paramCount: 32 },
    { inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
  ],
};
