/**
 * Loss functions. `labels`, `outputActivations` and `task` drive the checks that pair the last
 * layer and the data's labels with the loss ("softmax + binary_crossentropy", "sigmoid output
 * with categorical labels", "a metric that does not fit the task").
 *
 * `from_logits: true` means the last layer must output raw scores: the checker should expect
 * `linear` there instead of `outputActivations[0]`.
 */
import type { Formula, LossEntry, ParamSpec } from './types';

const fromLogits = (activation: string): ParamSpec => ({
  name: 'from_logits',
  type: { kind: 'bool' },
  default: false,
  doc: `Whether the model outputs raw scores (logits) instead of probabilities. With \`true\` the last layer should be \`linear\` and the loss applies ${activation} itself, which is numerically more stable.`,
});

/** Label smoothing (Szegedy et al.; Keras's and PyTorch's definition): the targets the loss then uses. */
const categoricalSmoothing: Formula = {
  label: 'label smoothing',
  latex: 'y_{n,k} \\leftarrow (1 - \\varepsilon)\\, y_{n,k} + \\frac{\\varepsilon}{K}',
  unicode: 'yₙₖ ← (1 − ε)·yₙₖ + ε/K',
};

const meanSquaredError: LossEntry = {
  name: 'mean_squared_error',
  category: 'loss',
  summary: 'Mean of the squared differences between targets and predictions.',
  docs:
    'The standard regression loss: large errors cost quadratically more than small ones, so a few outliers can dominate training ' +
    '(consider `huber` or `mean_absolute_error` then). The last layer is usually `linear` with one unit per target. It also trains ' +
    'on 0/1 or one-hot targets, but for classes `binary_crossentropy` / `categorical_crossentropy` learn faster and give calibrated probabilities.',
  params: [],
  formulas: [
    { label: 'loss', latex: 'L = \\frac{1}{n}\\sum_{i=1}^{n} (y_i - \\hat y_i)^2', unicode: 'L = (1/n) Σᵢ (yᵢ − ŷᵢ)²' },
    { label: 'gradient', latex: '\\frac{\\partial L}{\\partial \\hat y_i} = \\frac{2}{n}(\\hat y_i - y_i)', unicode: '∂L/∂ŷᵢ = (2/n)(ŷᵢ − yᵢ)' },
  ],
  tfjs: "loss: 'meanSquaredError'",
  aliases: ['mse', 'MSE', 'MSELoss', 'squared_error', 'l2_loss'],
  labels: ['continuous', 'binary', 'one_hot', 'signed'],
  outputActivations: ['linear', 'sigmoid', 'tanh', 'relu', 'softplus', 'softmax'],
  task: 'regression',
};

const meanAbsoluteError: LossEntry = {
  name: 'mean_absolute_error',
  category: 'loss',
  summary: 'Mean of the absolute differences between targets and predictions.',
  docs:
    'A regression loss that grows linearly with the error, so outliers weigh less than with `mean_squared_error`; it estimates the ' +
    'median rather than the mean. Its gradient has the same size for every error, which can make the final approach to the minimum ' +
    'jittery; `huber` combines both behaviours.',
  params: [],
  formulas: [
    { label: 'loss', latex: 'L = \\frac{1}{n}\\sum_{i=1}^{n} |y_i - \\hat y_i|', unicode: 'L = (1/n) Σᵢ |yᵢ − ŷᵢ|' },
    { label: 'gradient', latex: '\\frac{\\partial L}{\\partial \\hat y_i} = \\frac{1}{n}\\operatorname{sign}(\\hat y_i - y_i)', unicode: '∂L/∂ŷᵢ = (1/n)·sign(ŷᵢ − yᵢ)' },
  ],
  tfjs: "loss: 'meanAbsoluteError'",
  aliases: ['mae', 'MAE', 'L1Loss', 'l1_loss', 'absolute_error'],
  labels: ['continuous', 'binary', 'signed'],
  outputActivations: ['linear', 'sigmoid', 'tanh', 'relu', 'softplus'],
  task: 'regression',
};

const huber: LossEntry = {
  name: 'huber',
  category: 'loss',
  summary: 'Squared error for small errors, absolute error beyond δ: robust regression.',
  docs:
    'Quadratic like `mean_squared_error` while |error| ≤ δ and linear like `mean_absolute_error` beyond, so it is smooth near the ' +
    'minimum but not dominated by outliers. Choose δ around the size of an error you still consider "normal".',
  params: [{ name: 'delta', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 1, doc: 'The error size δ where the loss switches from quadratic to linear.' }],
  formulas: [
    {
      label: 'loss',
      latex: 'L_\\delta(e) = \\begin{cases} \\tfrac12 e^2 & |e| \\le \\delta \\\\ \\delta\\left(|e| - \\tfrac12 \\delta\\right) & |e| > \\delta \\end{cases},\\quad e = y - \\hat y',
      unicode: 'L_δ(e) = ½e² if |e| ≤ δ, else δ(|e| − ½δ);  e = y − ŷ',
    },
  ],
  tfjs: 'custom loss: (y, ŷ) => tf.losses.huberLoss(y, ŷ, undefined, delta)',
  aliases: ['huber_loss', 'HuberLoss', 'smooth_l1', 'SmoothL1Loss'],
  primary: 'delta',
  labels: ['continuous', 'binary', 'signed'],
  outputActivations: ['linear', 'sigmoid', 'tanh', 'relu', 'softplus'],
  task: 'regression',
};

const logCosh: LossEntry = {
  name: 'log_cosh',
  category: 'loss',
  summary: 'Logarithm of the hyperbolic cosine of the error: a smooth Huber.',
  docs:
    'Behaves like ½e² for small errors and like |e| − ln 2 for large ones, like `huber` with δ ≈ 1, but is twice differentiable everywhere.',
  params: [],
  formulas: [{ label: 'loss', latex: 'L = \\frac{1}{n}\\sum_{i=1}^{n} \\log\\cosh(\\hat y_i - y_i)', unicode: 'L = (1/n) Σᵢ log cosh(ŷᵢ − yᵢ)' }],
  tfjs: "loss: 'logcosh'",
  aliases: ['logcosh'],
  labels: ['continuous', 'binary', 'signed'],
  outputActivations: ['linear', 'sigmoid', 'tanh', 'relu', 'softplus'],
  task: 'regression',
};

const meanSquaredLogarithmicError: LossEntry = {
  name: 'mean_squared_logarithmic_error',
  category: 'loss',
  summary: 'Squared error between ln(1 + y) and ln(1 + ŷ): relative errors on positive targets.',
  docs:
    'For positive targets spanning orders of magnitude (prices, counts): being off by 10 % costs about the same for a small and a ' +
    'large target, and under-prediction costs more than over-prediction. Targets must not be negative; the last layer should ' +
    'output non-negative values (`relu` or `softplus`), since tfjs clips predictions at a tiny ε.',
  params: [],
  formulas: [
    { label: 'loss', latex: 'L = \\frac{1}{n}\\sum_{i=1}^{n} \\left(\\ln(1 + \\hat y_i) - \\ln(1 + y_i)\\right)^2', unicode: 'L = (1/n) Σᵢ (ln(1 + ŷᵢ) − ln(1 + yᵢ))²' },
  ],
  tfjs: "loss: 'meanSquaredLogarithmicError'",
  aliases: ['msle', 'MSLE'],
  labels: ['continuous'],
  outputActivations: ['softplus', 'relu', 'linear'],
  task: 'regression',
};

const binaryCrossentropy: LossEntry = {
  name: 'binary_crossentropy',
  category: 'loss',
  summary: 'Log loss for 0/1 labels and sigmoid outputs (binary or multi-label).',
  docs:
    'For yes/no classification: one `sigmoid` unit predicts the probability of class 1. It also serves multi-label problems, where a ' +
    'sample can have several of k labels: k sigmoid units and a 0/1 vector per sample. Never pair it with `softmax` (on one unit ' +
    'softmax always outputs 1), and for exactly one of several classes use `categorical_crossentropy` instead, or `accuracy` will be ' +
    'measured per unit and look far too good.',
  params: [
    fromLogits('a sigmoid'),
    { name: 'label_smoothing', type: { kind: 'float', min: 0, max: 1 }, default: 0, doc: 'Pulls the 0/1 labels toward ½: y ← y(1−ε) + ε/2.' },
  ],
  formulas: [
    {
      label: 'loss',
      latex: 'L = -\\frac{1}{N}\\sum_{n=1}^{N} \\left[ y_n \\log \\hat y_n + (1 - y_n) \\log(1 - \\hat y_n) \\right]',
      unicode: 'L = −(1/N) Σₙ [yₙ log ŷₙ + (1 − yₙ) log(1 − ŷₙ)]',
    },
    { label: 'label smoothing', latex: 'y_n \\leftarrow (1 - \\varepsilon)\\, y_n + \\frac{\\varepsilon}{2}', unicode: 'yₙ ← (1 − ε)·yₙ + ε/2' },
    { label: 'gradient through the sigmoid', latex: '\\frac{\\partial L}{\\partial z_n} = \\frac{1}{N}(\\hat y_n - y_n), \\quad \\hat y_n = \\sigma(z_n)', unicode: '∂L/∂zₙ = (1/N)(ŷₙ − yₙ),  ŷₙ = σ(zₙ)' },
  ],
  tfjs:
    "loss: 'binaryCrossentropy'; with from_logits or label_smoothing, a custom loss tf.losses.sigmoidCrossEntropy(y, logits, undefined, labelSmoothing), " +
    'where logits is the output itself (from_logits) or log(ŷ/(1 − ŷ))',
  aliases: ['bce', 'BCELoss', 'BCEWithLogitsLoss', 'log_loss', 'logloss', 'binary_cross_entropy'],
  labels: ['binary'],
  outputActivations: ['sigmoid'],
  task: 'classification',
};

const categoricalCrossentropy: LossEntry = {
  name: 'categorical_crossentropy',
  category: 'loss',
  summary: 'Cross-entropy between one-hot labels and predicted class probabilities.',
  docs: 'For multi-class classification with one-hot labels (use `one_hot` in the pipeline). The last layer should output probabilities: `softmax` with one unit per class.',
  params: [
    { name: 'label_smoothing', type: { kind: 'float', min: 0, max: 1 }, default: 0, doc: 'Mixes the one-hot labels with the uniform distribution: y ← y(1−ε) + ε/K.' },
    fromLogits('softmax'),
  ],
  formulas: [
    { label: 'loss', latex: 'L = -\\frac{1}{N}\\sum_{n=1}^{N}\\sum_{k=1}^{K} y_{n,k}\\log \\hat y_{n,k}', unicode: 'L = −(1/N) Σₙ Σₖ yₙₖ log ŷₙₖ' },
    categoricalSmoothing,
  ],
  tfjs: 'tf.losses.softmaxCrossEntropy / "categoricalCrossentropy"',
  aliases: ['cross_entropy', 'crossentropy', 'CrossEntropyLoss', 'cce'],
  labels: ['one_hot'],
  outputActivations: ['softmax'],
  task: 'classification',
};

const sparseCategoricalCrossentropy: LossEntry = {
  name: 'sparse_categorical_crossentropy',
  category: 'loss',
  summary: 'Categorical cross-entropy for integer class labels (no one-hot needed).',
  docs:
    'The same loss as `categorical_crossentropy`, but each label is the class index 0…K−1 itself rather than a one-hot vector: ' +
    'leave `one_hot` out of the pipeline. The last layer is `softmax` with K units. Saves memory when K is large.',
  params: [
    { name: 'label_smoothing', type: { kind: 'float', min: 0, max: 1 }, default: 0, doc: 'Mixes the one-hot form of the labels with the uniform distribution: y ← y(1−ε) + ε/K (PyTorch CrossEntropyLoss\'s label_smoothing).' },
    fromLogits('softmax'),
  ],
  formulas: [
    { label: 'loss', latex: 'L = -\\frac{1}{N}\\sum_{n=1}^{N} \\log \\hat y_{n,\\,y_n}', unicode: 'L = −(1/N) Σₙ log ŷₙ,yₙ' },
    categoricalSmoothing,
  ],
  tfjs: "loss: 'sparseCategoricalCrossentropy'; with from_logits, custom loss: (y, z) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, K), z)",
  aliases: ['sparse_cce', 'scce', 'NLLLoss'],
  labels: ['class_index'],
  outputActivations: ['softmax'],
  task: 'classification',
};

const hinge: LossEntry = {
  name: 'hinge',
  category: 'loss',
  summary: 'SVM margin loss max(0, 1 − y·ŷ) for −1/+1 labels.',
  docs:
    'Penalises predictions on the wrong side of the decision boundary, and correct ones closer than a margin of 1; beyond the margin ' +
    'the loss is zero. Labels are −1/+1 (`signed`); 0/1 labels are converted to −1/+1 first, as Keras does. The last layer is one ' +
    '`tanh` or `linear` unit; the predicted class is the sign of its output.',
  params: [],
  formulas: [
    { label: 'loss', latex: 'L = \\frac{1}{N}\\sum_{n=1}^{N} \\max(0,\\ 1 - y_n \\hat y_n), \\quad y_n \\in \\{-1, +1\\}', unicode: 'L = (1/N) Σₙ max(0, 1 − yₙŷₙ),  yₙ ∈ {−1, +1}' },
    { label: 'label conversion', latex: 'y \\leftarrow 2y - 1 \\quad \\text{for } y \\in \\{0, 1\\}', unicode: 'y ← 2y − 1  for y ∈ {0, 1}' },
  ],
  tfjs: "loss: 'hinge' (tfjs does not convert labels: the trainer maps 0/1 labels to −1/+1 before it)",
  aliases: ['hinge_loss', 'svm', 'HingeEmbeddingLoss'],
  labels: ['signed', 'binary'],
  outputActivations: ['tanh', 'linear'],
  task: 'classification',
};

const klDivergence: LossEntry = {
  name: 'kl_divergence',
  category: 'loss',
  summary: 'Kullback–Leibler divergence from the label distribution to the predicted one.',
  docs:
    'Measures how much information is lost when the predicted distribution ŷ stands in for the target distribution y. Used when ' +
    'targets are themselves probability vectors (soft labels, knowledge distillation). For one-hot targets it equals ' +
    '`categorical_crossentropy`. The last layer should be `softmax`.',
  params: [],
  formulas: [
    { label: 'loss', latex: 'L = \\frac{1}{N}\\sum_{n=1}^{N}\\sum_{k=1}^{K} y_{n,k} \\log\\frac{y_{n,k}}{\\hat y_{n,k}}', unicode: 'L = (1/N) Σₙ Σₖ yₙₖ log(yₙₖ / ŷₙₖ)' },
  ],
  tfjs: "loss: 'kullbackLeiblerDivergence'",
  aliases: ['kld', 'KLD', 'kullback_leibler_divergence', 'KLDivLoss', 'kl'],
  labels: ['one_hot'],
  outputActivations: ['softmax'],
  task: 'classification',
};

export const losses: readonly LossEntry[] = [
  meanSquaredError,
  meanAbsoluteError,
  huber,
  logCosh,
  meanSquaredLogarithmicError,
  binaryCrossentropy,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  hinge,
  klDivergence,
];
