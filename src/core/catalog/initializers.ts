import type { InitializerEntry } from './types';

const glorotUniform: InitializerEntry = {
  name: 'glorot_uniform',
  category: 'initializer',
  summary: 'Uniform in ±√(6/(fan_in + fan_out)) (Xavier).',
  docs: 'Keeps the variance of activations and gradients about equal across layers with tanh/sigmoid; the Keras default.',
  params: [],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{U}\\left(-\\sqrt{\\tfrac{6}{n_{in}+n_{out}}},\\ \\sqrt{\\tfrac{6}{n_{in}+n_{out}}}\\right)', unicode: 'W ~ U(−√(6/(n_in+n_out)), √(6/(n_in+n_out)))' }],
  tfjs: "kernelInitializer: 'glorotUniform'",
  aliases: ['xavier_uniform'],
};

export const initializers: readonly InitializerEntry[] = [glorotUniform];
