import type { ActivationEntry } from './types';

const relu: ActivationEntry = {
  name: 'relu',
  category: 'activation',
  summary: 'Rectified linear unit: max(0, z).',
  docs: 'Passes positive inputs through and zeroes negative ones. The default choice for hidden layers: cheap, and its gradient does not vanish for positive inputs.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{relu}(z) = \\max(0, z)', unicode: 'relu(z) = max(0, z)' },
    { label: 'derivative', latex: '\\mathrm{relu}\'(z) = \\begin{cases} 1 & z > 0 \\\\ 0 & z \\le 0 \\end{cases}', unicode: 'relu′(z) = 1 if z > 0, else 0' },
  ],
  tfjs: "activation: 'relu'",
  range: 'positive',
};

export const activations: readonly ActivationEntry[] = [relu];
