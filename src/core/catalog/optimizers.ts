import type { OptimizerEntry, ParamSpec } from './types';

const learningRate = (def: number): ParamSpec => ({
  name: 'learning_rate',
  type: { kind: 'float', min: 0, exclusiveMin: true, saneMin: 1e-7, saneMax: 1 },
  default: def,
  doc: 'Step size α. Too large diverges, too small crawls.',
});

const adam: OptimizerEntry = {
  name: 'adam',
  category: 'optimizer',
  summary: 'Adam: adaptive moment estimation with bias correction.',
  docs: 'Keeps running averages of the gradient (first moment) and its square (second moment), corrects their bias toward zero at the start, and scales each parameter\'s step by them. A robust default.',
  params: [
    learningRate(0.001),
    { name: 'beta_1', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0.9, doc: 'Decay rate of the first-moment estimate.' },
    { name: 'beta_2', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0.999, doc: 'Decay rate of the second-moment estimate.' },
    { name: 'epsilon', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 1e-7, doc: 'Added to the denominator for numerical stability.' },
  ],
  formulas: [
    { label: 'moments', latex: 'm_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t, \\quad v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2', unicode: 'mₜ = β₁mₜ₋₁ + (1−β₁)gₜ,  vₜ = β₂vₜ₋₁ + (1−β₂)gₜ²' },
    { label: 'bias correction', latex: '\\hat m_t = \\frac{m_t}{1-\\beta_1^t}, \\quad \\hat v_t = \\frac{v_t}{1-\\beta_2^t}', unicode: 'm̂ₜ = mₜ/(1−β₁ᵗ),  v̂ₜ = vₜ/(1−β₂ᵗ)' },
    { label: 'update', latex: '\\theta_t = \\theta_{t-1} - \\alpha \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}', unicode: 'θₜ = θₜ₋₁ − α·m̂ₜ/(√v̂ₜ + ε)' },
  ],
  tfjs: 'tf.train.adam(learningRate, beta1, beta2, epsilon)',
  aliases: ['Adam'],
  primary: 'learning_rate',
};

export const optimizers: readonly OptimizerEntry[] = [adam];
