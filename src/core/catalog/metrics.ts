/**
 * Metrics: reported during training, never optimised. `task` lets the checker flag a metric that
 * does not fit the loss (accuracy on a regression, mean_absolute_error on classes).
 *
 * tfjs-layers 4.22 compiles only a few metric names ('accuracy', 'binaryAccuracy',
 * 'categoricalAccuracy', 'precision', 'mse', 'mae', …); the rest are custom metric functions the
 * trainer passes to `model.compile`, and a few (auc) are computed by the trainer on the
 * validation set after each epoch because they are not averages over batches.
 */
import type { MetricEntry, ParamSpec } from './types';

const threshold: ParamSpec = {
  name: 'threshold',
  type: { kind: 'float', min: 0, max: 1 },
  default: 0.5,
  doc: 'A sigmoid output above this counts as a prediction of the positive class.',
};

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

const binaryAccuracy: MetricEntry = {
  name: 'binary_accuracy',
  category: 'metric',
  summary: 'Fraction of 0/1 labels predicted correctly after thresholding the output.',
  docs:
    'Rounds each output at `threshold` and compares it with the 0/1 label; with several sigmoid units (multi-label) every unit ' +
    'counts separately. What `accuracy` means for `binary_crossentropy`. On one-hot labels it is misleading: with 10 classes, ' +
    'predicting all zeros already scores 90 %.',
  params: [threshold],
  formulas: [{ label: 'definition', latex: '\\mathrm{acc} = \\frac{1}{N}\\sum_{n} [\\,[\\hat y_n > t] = y_n\\,]', unicode: 'acc = (1/N) Σₙ [(ŷₙ > t) = yₙ]' }],
  tfjs: "metrics: ['binaryAccuracy'] (threshold 0.5); other thresholds: a custom metric comparing tf.greater(ŷ, t) with y",
  aliases: ['binary_acc'],
  task: 'classification',
};

const categoricalAccuracy: MetricEntry = {
  name: 'categorical_accuracy',
  category: 'metric',
  summary: 'Fraction of samples whose arg-max output matches the one-hot label.',
  docs: 'Accuracy for one-hot labels and a softmax output: the predicted class is the unit with the largest output. What `accuracy` means for `categorical_crossentropy`.',
  params: [],
  formulas: [{ label: 'definition', latex: '\\mathrm{acc} = \\frac{1}{N}\\sum_{n} [\\arg\\max_k \\hat y_{n,k} = \\arg\\max_k y_{n,k}]', unicode: 'acc = (1/N) Σₙ [argmax ŷₙ = argmax yₙ]' }],
  tfjs: "metrics: ['categoricalAccuracy']",
  aliases: ['categorical_acc'],
  task: 'classification',
};

const sparseCategoricalAccuracy: MetricEntry = {
  name: 'sparse_categorical_accuracy',
  category: 'metric',
  summary: 'Fraction of samples whose arg-max output equals the class-index label.',
  docs: 'Accuracy for class-index labels (0…K−1) and a softmax output. What `accuracy` means for `sparse_categorical_crossentropy`.',
  params: [],
  formulas: [{ label: 'definition', latex: '\\mathrm{acc} = \\frac{1}{N}\\sum_{n} [\\arg\\max_k \\hat y_{n,k} = y_n]', unicode: 'acc = (1/N) Σₙ [argmax ŷₙ = yₙ]' }],
  tfjs: 'custom metric: tf.metrics.sparseCategoricalAccuracy (not compilable by name in tfjs)',
  aliases: ['sparse_categorical_acc'],
  task: 'classification',
};

const topKCategoricalAccuracy: MetricEntry = {
  name: 'top_k_categorical_accuracy',
  category: 'metric',
  summary: 'Fraction of samples whose true class is among the k highest outputs.',
  docs:
    'Counts a prediction as correct when the true class is among the `k` classes with the largest outputs; "top-5 accuracy" on ' +
    'ImageNet. Useful when many classes are similar. Works with one-hot or class-index labels.',
  params: [{ name: 'k', type: { kind: 'int', min: 1 }, default: 5, doc: 'How many of the highest-scoring classes count as a hit.' }],
  formulas: [{ label: 'definition', latex: '\\mathrm{acc}_k = \\frac{1}{N}\\sum_{n} [\\,y_n \\in \\operatorname{top}_k(\\hat y_n)\\,]', unicode: 'accₖ = (1/N) Σₙ [yₙ ∈ topₖ(ŷₙ)]' }],
  tfjs: 'custom metric built on tf.topk(ŷ, k).indices (tfjs-layers\' topKCategoricalAccuracy is not implemented)',
  aliases: ['top_k_accuracy', 'top_k', 'top5_accuracy'],
  primary: 'k',
  task: 'classification',
};

const precision: MetricEntry = {
  name: 'precision',
  category: 'metric',
  summary: 'Of the samples predicted positive, the fraction that really are.',
  docs:
    'TP / (TP + FP): how far you can trust a positive prediction. For binary (sigmoid) outputs, thresholded at `threshold`. ' +
    'Matters when false alarms are costly; read it together with `recall`, since predicting positive rarely raises precision and lowers recall.',
  params: [threshold],
  formulas: [{ label: 'definition', latex: '\\mathrm{precision} = \\frac{TP}{TP + FP}', unicode: 'precision = TP / (TP + FP)' }],
  tfjs: 'custom metric: tf.metrics.precision(y, tf.cast(tf.greater(ŷ, threshold), "float32")) (tfjs counts only outputs exactly equal to 1, so the trainer thresholds first)',
  aliases: ['Precision', 'ppv'],
  task: 'classification',
};

const recall: MetricEntry = {
  name: 'recall',
  category: 'metric',
  summary: 'Of the really positive samples, the fraction predicted positive.',
  docs:
    'TP / (TP + FN), also called sensitivity or true-positive rate: how many of the positives the model finds. For binary (sigmoid) ' +
    'outputs, thresholded at `threshold`. Matters when missing a positive is costly (screening); read it together with `precision`.',
  params: [threshold],
  formulas: [{ label: 'definition', latex: '\\mathrm{recall} = \\frac{TP}{TP + FN}', unicode: 'recall = TP / (TP + FN)' }],
  tfjs: 'custom metric: tf.metrics.recall(y, tf.cast(tf.greater(ŷ, threshold), "float32")) (thresholded first, as for precision)',
  aliases: ['Recall', 'sensitivity', 'tpr', 'true_positive_rate'],
  task: 'classification',
};

const f1: MetricEntry = {
  name: 'f1',
  category: 'metric',
  summary: 'Harmonic mean of precision and recall.',
  docs:
    'One number that is high only when both precision and recall are: a better summary than accuracy when the positive class is ' +
    'rare (with 1 % positives, always predicting negative is 99 % accurate but has F1 = 0). Outputs are thresholded at `threshold`.',
  params: [threshold],
  formulas: [
    { label: 'definition', latex: 'F_1 = 2\\cdot\\frac{\\mathrm{precision}\\cdot\\mathrm{recall}}{\\mathrm{precision} + \\mathrm{recall}} = \\frac{2\\,TP}{2\\,TP + FP + FN}', unicode: 'F₁ = 2·precision·recall / (precision + recall) = 2TP / (2TP + FP + FN)' },
  ],
  tfjs: 'custom metric computing 2TP / (2TP + FP + FN) from tf.greater(ŷ, threshold) (tfjs has no F1)',
  aliases: ['f1_score', 'F1Score', 'f_score', 'fscore'],
  task: 'classification',
};

const auc: MetricEntry = {
  name: 'auc',
  category: 'metric',
  summary: 'Area under the ROC (or precision–recall) curve: ranking quality over all thresholds.',
  docs:
    'The probability that a random positive sample scores higher than a random negative one (ROC), independent of any threshold; ' +
    '0.5 is chance, 1 perfect. `curve: pr` gives the area under the precision–recall curve, more informative when positives are rare. ' +
    'For binary (sigmoid) outputs.',
  params: [
    { name: 'curve', type: { kind: 'enum', values: ['roc', 'pr'] }, default: 'roc', doc: '`roc`: true-positive rate against false-positive rate; `pr`: precision against recall.' },
    { name: 'num_thresholds', type: { kind: 'int', min: 2 }, default: 200, doc: 'Number of thresholds the curve is sampled at (trapezoidal rule between them).' },
  ],
  formulas: [
    { label: 'ROC AUC', latex: '\\mathrm{AUC} = \\int_0^1 \\mathrm{TPR}\\; d\\,\\mathrm{FPR} = P(\\hat y^{+} > \\hat y^{-})', unicode: 'AUC = ∫₀¹ TPR d(FPR) = P(ŷ⁺ > ŷ⁻)' },
    { label: 'rates', latex: '\\mathrm{TPR} = \\frac{TP}{TP + FN}, \\quad \\mathrm{FPR} = \\frac{FP}{FP + TN}', unicode: 'TPR = TP/(TP + FN),  FPR = FP/(FP + TN)' },
  ],
  tfjs: 'computed by the trainer on the validation predictions after each epoch (trapezoidal rule over num_thresholds); tfjs has no AUC metric',
  aliases: ['AUC', 'roc_auc', 'auroc'],
  task: 'classification',
};

const meanSquaredError: MetricEntry = {
  name: 'mean_squared_error',
  category: 'metric',
  summary: 'Mean of the squared prediction errors (regression).',
  docs: 'The same quantity as the `mean_squared_error` loss, reported as a metric. In the squared units of the target; take the root (RMSE) to read it in the target\'s own units.',
  params: [],
  formulas: [{ label: 'definition', latex: '\\mathrm{MSE} = \\frac{1}{n}\\sum_{i=1}^{n} (y_i - \\hat y_i)^2', unicode: 'MSE = (1/n) Σᵢ (yᵢ − ŷᵢ)²' }],
  tfjs: "metrics: ['mse']",
  aliases: ['mse', 'MSE'],
  task: 'regression',
};

const meanAbsoluteError: MetricEntry = {
  name: 'mean_absolute_error',
  category: 'metric',
  summary: 'Mean of the absolute prediction errors (regression).',
  docs: 'The average distance between prediction and target, in the target\'s own units: the easiest regression metric to explain.',
  params: [],
  formulas: [{ label: 'definition', latex: '\\mathrm{MAE} = \\frac{1}{n}\\sum_{i=1}^{n} |y_i - \\hat y_i|', unicode: 'MAE = (1/n) Σᵢ |yᵢ − ŷᵢ|' }],
  tfjs: "metrics: ['mae']",
  aliases: ['mae', 'MAE'],
  task: 'regression',
};

const r2: MetricEntry = {
  name: 'r2',
  category: 'metric',
  summary: 'Coefficient of determination: fraction of the target\'s variance explained.',
  docs:
    '1 means perfect predictions, 0 means no better than always predicting the mean of the targets, and it can be negative for a ' +
    'model worse than that. Unit-free, so comparable across targets.',
  params: [],
  formulas: [{ label: 'definition', latex: 'R^2 = 1 - \\frac{\\sum_i (y_i - \\hat y_i)^2}{\\sum_i (y_i - \\bar y)^2}', unicode: 'R² = 1 − Σᵢ(yᵢ − ŷᵢ)² / Σᵢ(yᵢ − ȳ)²' }],
  tfjs: 'custom metric: tf.metrics.r2Score (tfjs averages it over batches, so it approximates the value over the whole set)',
  aliases: ['r2_score', 'r_squared', 'R2Score'],
  task: 'regression',
};

export const metrics: readonly MetricEntry[] = [
  accuracy,
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  topKCategoricalAccuracy,
  precision,
  recall,
  f1,
  auc,
  meanSquaredError,
  meanAbsoluteError,
  r2,
];
