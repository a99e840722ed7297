import type { RegularizerEntry } from './types';

const l2: RegularizerEntry = {
  name: 'l2',
  category: 'regularizer',
  summary: 'Weight decay: adds λ·Σw² to the loss.',
  docs: 'Penalises large weights quadratically, pulling them toward zero without making them exactly zero.',
  params: [{ name: 'l2', type: { kind: 'float', min: 0, saneMax: 1 }, default: 0.01, doc: 'The penalty factor λ.' }],
  formulas: [{ label: 'penalty', latex: 'L\' = L + \\lambda \\sum_i w_i^2', unicode: 'L′ = L + λ Σ wᵢ²' }],
  tfjs: 'tf.regularizers.l2({l2})',
  primary: 'l2',
};

export const regularizers: readonly RegularizerEntry[] = [l2];
