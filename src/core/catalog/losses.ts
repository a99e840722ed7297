import type { LossEntry } from './types';

const categoricalCrossentropy: LossEntry = {
  name: 'categorical_crossentropy',
  category: 'loss',
  summary: 'Cross-entropy between one-hot labels and predicted class probabilities.',
  docs: 'For multi-class classification with one-hot labels (use `one_hot` in the pipeline). The last layer should output probabilities: `softmax` with one unit per class.',
  params: [
    { name: 'label_smoothing', type: { kind: 'float', min: 0, max: 1 }, default: 0, doc: 'Mixes the one-hot labels with the uniform distribution: y ← y(1−ε) + ε/K.' },
  ],
  formulas: [
    { label: 'loss', latex: 'L = -\\frac{1}{N}\\sum_{n=1}^{N}\\sum_{k=1}^{K} y_{n,k}\\log \\hat y_{n,k}', unicode: 'L = −(1/N) Σₙ Σₖ yₙₖ log ŷₙₖ' },
  ],
  tfjs: 'tf.losses.softmaxCrossEntropy / "categoricalCrossentropy"',
  aliases: ['cross_entropy', 'crossentropy', 'CrossEntropyLoss'],
  labels: ['one_hot'],
  outputActivations: ['softmax'],
  task: 'classification',
};

export const losses: readonly LossEntry[] = [categoricalCrossentropy];
