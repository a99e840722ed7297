/**
 * Weight penalties for `kernel_regularizer` / `bias_regularizer`: a term added to the loss.
 */
import type { ParamSpec, RegularizerEntry } from './types';

const factor = (name: 'l1' | 'l2', def: number, doc: string): ParamSpec => ({
  name,
  type: { kind: 'float', min: 0, saneMax: 1 },
  default: def,
  doc,
});

const l1: RegularizerEntry = {
  name: 'l1',
  category: 'regularizer',
  summary: 'Lasso penalty: adds λ·Σ|w| to the loss.',
  docs:
    'Penalises the absolute size of the weights. Unlike `l2` its pull toward zero does not weaken as a weight shrinks, so it drives ' +
    'many weights to exactly zero: a sparse layer that effectively selects its inputs.',
  params: [factor('l1', 0.01, 'The penalty factor λ.')],
  formulas: [
    { label: 'penalty', latex: 'L\' = L + \\lambda \\sum_i |w_i|', unicode: 'L′ = L + λ Σ |wᵢ|' },
    { label: 'gradient', latex: '\\frac{\\partial L\'}{\\partial w_i} = \\frac{\\partial L}{\\partial w_i} + \\lambda \\operatorname{sign}(w_i)', unicode: '∂L′/∂wᵢ = ∂L/∂wᵢ + λ·sign(wᵢ)' },
  ],
  tfjs: 'tf.regularizers.l1({l1})',
  aliases: ['lasso', 'L1'],
  primary: 'l1',
};

const l2: RegularizerEntry = {
  name: 'l2',
  category: 'regularizer',
  summary: 'Weight decay: adds λ·Σw² to the loss.',
  docs: 'Penalises large weights quadratically, pulling them toward zero without making them exactly zero.',
  params: [{ name: 'l2', type: { kind: 'float', min: 0, saneMax: 1 }, default: 0.01, doc: 'The penalty factor λ.' }],
  formulas: [{ label: 'penalty', latex: 'L\' = L + \\lambda \\sum_i w_i^2', unicode: 'L′ = L + λ Σ wᵢ²' }],
  tfjs: 'tf.regularizers.l2({l2})',
  aliases: ['ridge', 'weight_decay', 'L2'],
  primary: 'l2',
};

const l1L2: RegularizerEntry = {
  name: 'l1_l2',
  category: 'regularizer',
  summary: 'Elastic net: adds λ₁·Σ|w| + λ₂·Σw² to the loss.',
  docs:
    'Both penalties at once: the L1 term makes weights sparse, the L2 term keeps the surviving ones small and spreads weight over ' +
    'correlated inputs instead of picking one arbitrarily. Set either factor to 0 to get the other alone.',
  params: [factor('l1', 0.01, 'The L1 factor λ₁.'), factor('l2', 0.01, 'The L2 factor λ₂.')],
  formulas: [{ label: 'penalty', latex: 'L\' = L + \\lambda_1 \\sum_i |w_i| + \\lambda_2 \\sum_i w_i^2', unicode: 'L′ = L + λ₁ Σ |wᵢ| + λ₂ Σ wᵢ²' }],
  tfjs: 'tf.regularizers.l1l2({l1, l2})',
  aliases: ['elastic_net', 'l1l2', 'L1L2'],
};

export const regularizers: readonly RegularizerEntry[] = [l1, l2, l1L2];
