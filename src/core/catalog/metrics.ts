import type { MetricEntry } from './types';

const accuracy: MetricEntry = {
  name: 'accuracy',
  category: 'metric',
  summary: 'Fraction of samples whose predicted class is the true class.',
  docs: 'For one-hot or class-index labels the predicted class is the arg-max of the output; for a single sigmoid unit it is the output rounded at 0.5.',
  params: [],
  formulas: [{ label: 'definition', latex: '\\mathrm{acc} = \\frac{1}{N}\\sum_{n} [\\arg\\max_k \\hat y_{n,k} = y_n]', unicode: 'acc = (1/N) Σₙ [argmax ŷₙ = yₙ]' }],
  tfjs: "metrics: ['accuracy']",
  aliases: ['acc'],
  task: 'classification',
};

export const metrics: readonly MetricEntry[] = [accuracy];
