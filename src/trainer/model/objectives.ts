/**
 * Catalog losses, metrics, optimizers and learning-rate schedules as TensorFlow.js functions and
 * objects. Every catalog entry of these categories has a mapping (a test walks the catalog).
 */
import * as tf from '../tf';
import type { LabelKind } from '../../core/catalog';
import { catalogParams, defaulted } from '../catalogDefaults';
import { withGradientStep } from './gradientStep';
import type { ItemValue } from '../../core/spec';
import { fusedCategoricalAccuracy, fusedCrossEntropy, fusedLossesAvailable } from '../kernels/webgpu/losses';
import { fail } from '../util';

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

export interface TaskInfo {
  /** What the labels are once the pipeline is done. */
  labelKind: LabelKind | 'unknown';
  classes?: number;
}

const EPS = 1e-7;
/** A number parameter; the tables below get the catalog's defaults applied (`defaulted`). */
const num = (p: Record<string, unknown>, k: string) => p[k] as number;

/** Class-index labels ([N] or [N, 1]) as one-hot [N, K]. */
function sparseToOneHot(y: tf.Tensor, k: number): tf.Tensor {
  return tf.oneHot(tf.cast(tf.reshape(y, [-1]), 'int32'), k).toFloat();
}

/** Label smoothing over the K classes of the last axis: y(1−ε) + ε/K. */
function smoothed(y: tf.Tensor, p: tf.Tensor, smooth: number): tf.Tensor {
  return smooth > 0 ? tf.add(tf.mul(y, 1 - smooth), smooth / (p.shape[p.rank - 1] as number)) : y;
}

function crossEntropy(y: tf.Tensor, p: tf.Tensor, fromLogits: boolean): tf.Tensor {
  // On webgpu: one kernel forward and one backward instead of ~20 (kernels/webgpu/losses.ts).
  if (fusedLossesAvailable()) return fusedCrossEntropy(y, p, fromLogits);
  if (fromLogits) return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(p)), -1));
  const probs = tf.div(p, tf.sum(p, -1, true));
  return tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(probs, EPS, 1 - EPS))), -1));
}

export const LOSSES: Record<string, (p: Record<string, unknown>, task: TaskInfo) => LossFn> = defaulted<[TaskInfo], LossFn>('loss', {
  mean_squared_error: () => (y, p) => tf.mean(tf.square(tf.sub(p, y)), -1),
  mean_absolute_error: () => (y, p) => tf.mean(tf.abs(tf.sub(p, y)), -1),
  huber: (o) => {
    const delta = num(o, 'delta');
    return (y, p) => {
      const e = tf.abs(tf.sub(p, y));
      const quad = tf.minimum(e, delta);
      return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), tf.mul(delta, tf.sub(e, quad))), -1);
    };
  },
  log_cosh: () => (y, p) => {
    const x = tf.sub(p, y);
    return tf.mean(tf.sub(tf.add(x, tf.softplus(tf.mul(-2, x))), Math.log(2)), -1);
  },
  mean_squared_logarithmic_error: () => (y, p) =>
    tf.mean(tf.square(tf.sub(tf.log1p(tf.maximum(p, EPS)), tf.log1p(tf.maximum(y, EPS)))), -1),
  binary_crossentropy: (o) => {
    const fromLogits = o.from_logits === true;
    const smooth = num(o, 'label_smoothing');
    return (y0, p) => {
      const y = smooth > 0 ? tf.add(tf.mul(y0, 1 - smooth), smooth / 2) : y0;
      if (fromLogits) {
        // max(z, 0) − z·y + log(1 + e^−|z|)
        return tf.mean(tf.add(tf.sub(tf.relu(p), tf.mul(p, y)), tf.log1p(tf.exp(tf.neg(tf.abs(p))))), -1);
      }
      const q = tf.clipByValue(p, EPS, 1 - EPS);
      return tf.mean(tf.neg(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q))))), -1);
    };
  },
  categorical_crossentropy: (o) => {
    const fromLogits = o.from_logits === true;
    const smooth = num(o, 'label_smoothing');
    return (y, p) => crossEntropy(smoothed(y, p, smooth), p, fromLogits);
  },
  sparse_categorical_crossentropy: (o) => {
    const fromLogits = o.from_logits === true;
    const smooth = num(o, 'label_smoothing');
    return (y, p) => crossEntropy(smoothed(sparseToOneHot(y, p.shape[p.rank - 1] as number), p, smooth), p, fromLogits);
  },
  hinge: (_o, task) => (y, p) => {
    // 0/1 labels become −1/+1 (Keras does the same); −1/+1 labels pass unchanged.
    const s = task.labelKind === 'signed' ? y : tf.sub(tf.mul(y, 2), 1);
    return tf.mean(tf.relu(tf.sub(1, tf.mul(s, p))), -1);
  },
  squared_hinge: (_o, task) => (y, p) => {
    const s = task.labelKind === 'signed' ? y : tf.sub(tf.mul(y, 2), 1);
    return tf.mean(tf.square(tf.relu(tf.sub(1, tf.mul(s, p)))), -1);
  },
  kl_divergence: () => (y, p) => {
    const yc = tf.clipByValue(y, EPS, 1);
    return tf.sum(tf.mul(yc, tf.log(tf.div(yc, tf.clipByValue(p, EPS, 1)))), -1);
  },
  poisson: () => (y, p) => tf.mean(tf.sub(p, tf.mul(y, tf.log(tf.add(p, EPS)))), -1),
  cosine_similarity: () => (y, p) => tf.neg(tf.sum(tf.mul(tf.div(y, tf.add(tf.norm(y, 'euclidean', -1, true), EPS)), tf.div(p, tf.add(tf.norm(p, 'euclidean', -1, true), EPS))), -1)),
});

export function lossOf(item: ItemValue, task: TaskInfo): LossFn {
  const make = LOSSES[item.type];
  if (!make) return fail('train/unsupported', `The trainer has no TensorFlow.js mapping for the loss \`${item.type}\`.`);
  return make(item.params ?? {}, task);
}

// ─── Metrics ──────────────────────────────────────────────────────────────────────────────────

/** How predictions and labels line up, decided once from the loss and the output shape. */
export interface MetricContext extends TaskInfo {
  loss: string;
  /** Units of the model's last axis. */
  outputUnits: number;
}

export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
export interface Metric {
  name: string;
  /** A batch-mean tensor function (compiled into the train step), or none (computed over whole sets only). */
  fn?: MetricFn;
  /** Value over a whole set from its labels and predictions (validation and test). */
  whole: (yTrue: tf.Tensor, yPred: tf.Tensor) => number;
}

function layout(ctx: MetricContext): 'binary' | 'signed' | 'categorical' | 'sparse' {
  if (ctx.loss === 'hinge' || ctx.loss === 'squared_hinge') return 'signed';
  if (ctx.loss === 'sparse_categorical_crossentropy') return 'sparse';
  if (ctx.outputUnits === 1 || ctx.loss === 'binary_crossentropy') return 'binary';
  if (ctx.labelKind === 'class_index') return 'sparse';
  return 'categorical';
}

/** The predicted classes and the true classes as float tensors of shape [N]. */
function classesOf(y: tf.Tensor, p: tf.Tensor, ctx: MetricContext, threshold = 0.5): [tf.Tensor, tf.Tensor] {
  switch (layout(ctx)) {
    case 'binary':
      return [tf.reshape(tf.cast(tf.greater(y, 0.5), 'float32'), [-1]), tf.reshape(tf.cast(tf.greater(p, threshold), 'float32'), [-1])];
    case 'signed':
      return [tf.reshape(tf.cast(tf.greater(y, 0), 'float32'), [-1]), tf.reshape(tf.cast(tf.greater(p, 0), 'float32'), [-1])];
    case 'sparse':
      return [tf.reshape(tf.cast(y, 'float32'), [-1]), tf.cast(tf.argMax(p, -1), 'float32').reshape([-1])];
    default:
      return [tf.cast(tf.argMax(y, -1), 'float32').reshape([-1]), tf.cast(tf.argMax(p, -1), 'float32').reshape([-1])];
  }
}

const mean = (t: tf.Tensor) => tf.mean(t);
const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const whole = (fn: MetricFn) => (y: tf.Tensor, p: tf.Tensor) => scalar(tf.tidy(() => mean(fn(y, p))));

/** Binary confusion counts (positive class 1; one-hot labels count every unit). */
function confusion(y: tf.Tensor, p: tf.Tensor, ctx: MetricContext, threshold: number) {
  const l = layout(ctx);
  let truth: tf.Tensor;
  let pred: tf.Tensor;
  if (l === 'sparse') {
    const k = ctx.outputUnits;
    truth = sparseToOneHot(y, k);
    pred = tf.oneHot(tf.argMax(p, -1).reshape([-1]), k).toFloat();
  } else if (l === 'categorical') {
    truth = y;
    pred = tf.oneHot(tf.argMax(p, -1).reshape([-1]), ctx.outputUnits).toFloat().reshape(p.shape);
  } else if (l === 'signed') {
    truth = tf.cast(tf.greater(y, 0), 'float32');
    pred = tf.cast(tf.greater(p, 0), 'float32');
  } else {
    truth = y;
    pred = tf.cast(tf.greater(p, threshold), 'float32');
  }
  const tp = tf.sum(tf.mul(truth, pred));
  const fp = tf.sum(tf.mul(tf.sub(1, truth), pred));
  const fn = tf.sum(tf.mul(truth, tf.sub(1, pred)));
  return { tp, fp, fn };
}

/** Area under the ROC or PR curve from scores and 0/1 truth, trapezoidal over thresholds. */
export function aucOf(truth: Float32Array, scores: Float32Array, curve: 'roc' | 'pr', numThresholds: number): number {
  const pos = truth.reduce((a, b) => a + (b > 0.5 ? 1 : 0), 0);
  const neg = truth.length - pos;
  if (pos === 0 || (curve === 'roc' && neg === 0)) return NaN;
  const points: [number, number][] = [];
  for (let i = 0; i < numThresholds; i++) {
    // Thresholds spread over [0, 1] with ε nudges at the ends, as Keras does.
    const t = i === 0 ? -1e-7 : i === numThresholds - 1 ? 1 + 1e-7 : i / (numThresholds - 1);
    let tp = 0;
    let fp = 0;
    for (let j = 0; j < truth.length; j++) {
      if (scores[j] > t) {
        if (truth[j] > 0.5) tp++;
        else fp++;
      }
    }
    const fn = pos - tp;
    if (curve === 'roc') points.push([fp / neg, tp / pos]);
    else points.push([tp / (tp + fn), tp + fp === 0 ? 1 : tp / (tp + fp)]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let area = 0;
  for (let i = 1; i < points.length; i++) area += (points[i][0] - points[i - 1][0]) * (points[i][1] + points[i - 1][1]) / 2;
  return area;
}

export const METRICS: Record<string, (p: Record<string, unknown>, ctx: MetricContext) => Omit<Metric, 'name'>> = defaulted<[MetricContext], Omit<Metric, 'name'>>('metric', {
  accuracy: (_p, ctx) => {
    const fn: MetricFn = (y, p) => {
      if (layout(ctx) === 'categorical' && fusedLossesAvailable()) return fusedCategoricalAccuracy(y, p);
      const [a, b] = classesOf(y, p, ctx);
      return tf.cast(tf.equal(a, b), 'float32');
    };
    return { fn, whole: whole(fn) };
  },
  binary_accuracy: (p, ctx) => {
    const t = num(p, 'threshold');
    const fn: MetricFn = (y, q) => {
      const [a, b] = classesOf(y, q, { ...ctx, loss: 'binary_crossentropy', outputUnits: 1 }, t);
      return tf.cast(tf.equal(a, b), 'float32');
    };
    return { fn, whole: whole(fn) };
  },
  categorical_accuracy: () => {
    const fn: MetricFn = (y, p) => (fusedLossesAvailable() ? fusedCategoricalAccuracy(y, p) : tf.cast(tf.equal(tf.argMax(y, -1), tf.argMax(p, -1)), 'float32'));
    return { fn, whole: whole(fn) };
  },
  sparse_categorical_accuracy: () => {
    const fn: MetricFn = (y, p) => tf.cast(tf.equal(tf.cast(tf.reshape(y, [-1]), 'int32'), tf.argMax(p, -1).reshape([-1])), 'float32');
    return { fn, whole: whole(fn) };
  },
  top_k_categorical_accuracy: (o, ctx) => {
    const k = num(o, 'k');
    const fn: MetricFn = (y, p) => {
      const truth = layout(ctx) === 'sparse' ? sparseToOneHot(y, ctx.outputUnits) : y;
      const target = tf.sum(tf.mul(truth, p), -1, true);
      const better = tf.sum(tf.cast(tf.greater(p, target), 'float32'), -1);
      return tf.cast(tf.less(better, k), 'float32');
    };
    return { fn, whole: whole(fn) };
  },
  precision: (o, ctx) => {
    const fn: MetricFn = (y, p) => {
      const c = confusion(y, p, ctx, num(o, 'threshold'));
      return tf.divNoNan(c.tp, tf.add(c.tp, c.fp));
    };
    return { fn, whole: whole(fn) };
  },
  recall: (o, ctx) => {
    const fn: MetricFn = (y, p) => {
      const c = confusion(y, p, ctx, num(o, 'threshold'));
      return tf.divNoNan(c.tp, tf.add(c.tp, c.fn));
    };
    return { fn, whole: whole(fn) };
  },
  f1: (o, ctx) => {
    const fn: MetricFn = (y, p) => {
      const c = confusion(y, p, ctx, num(o, 'threshold'));
      return tf.divNoNan(tf.mul(2, c.tp), tf.add(tf.mul(2, c.tp), tf.add(c.fp, c.fn)));
    };
    return { fn, whole: whole(fn) };
  },
  auc: (o, ctx) => ({
    whole: (y, p) => {
      const curve = o.curve as 'roc' | 'pr';
      const n = num(o, 'num_thresholds');
      const l = layout(ctx);
      const [truth, scores] = tf.tidy(() => {
        if (l === 'binary' || l === 'signed') {
          const t = l === 'signed' ? tf.cast(tf.greater(y, 0), 'float32') : y;
          const s = l === 'signed' ? tf.sigmoid(p) : p;
          return [t.reshape([-1]), s.reshape([-1])];
        }
        // Multi-class: micro-averaged over the one-hot units.
        const t = l === 'sparse' ? sparseToOneHot(y, ctx.outputUnits) : y;
        return [t.reshape([-1]), p.reshape([-1])];
      });
      const v = aucOf(truth.dataSync() as Float32Array, scores.dataSync() as Float32Array, curve, n);
      tf.dispose([truth, scores]);
      return v;
    },
  }),
  mean_squared_error: () => {
    const fn: MetricFn = (y, p) => tf.mean(tf.square(tf.sub(p, y)), -1);
    return { fn, whole: whole(fn) };
  },
  mean_absolute_error: () => {
    const fn: MetricFn = (y, p) => tf.mean(tf.abs(tf.sub(p, y)), -1);
    return { fn, whole: whole(fn) };
  },
  r2: () => {
    const fn: MetricFn = (y, p) => {
      const ssRes = tf.sum(tf.square(tf.sub(y, p)));
      const ssTot = tf.sum(tf.square(tf.sub(y, tf.mean(y))));
      return tf.sub(1, tf.divNoNan(ssRes, ssTot));
    };
    return { fn, whole: whole(fn) };
  },
});

export function metricOf(item: ItemValue, ctx: MetricContext): Metric {
  const make = METRICS[item.type];
  if (!make) return fail('train/unsupported', `The trainer has no TensorFlow.js mapping for the metric \`${item.type}\`.`);
  return { name: item.type, ...make(item.params ?? {}, ctx) };
}

// ─── Optimizers ───────────────────────────────────────────────────────────────────────────────

export const OPTIMIZERS: Record<string, (p: Record<string, unknown>) => tf.Optimizer> = defaulted<[], tf.Optimizer>('optimizer', {
  sgd: (p) => {
    const lr = num(p, 'learning_rate');
    const m = num(p, 'momentum');
    return m > 0 ? tf.train.momentum(lr, m, p.nesterov === true) : tf.train.sgd(lr);
  },
  adam: (p) => tf.train.adam(num(p, 'learning_rate'), num(p, 'beta_1'), num(p, 'beta_2'), num(p, 'epsilon')),
  // Adam's update; the decoupled weight decay is applied before it by withGradientStep (optimizerOf).
  adamw: (p) => tf.train.adam(num(p, 'learning_rate'), num(p, 'beta_1'), num(p, 'beta_2'), num(p, 'epsilon')),
  adamax: (p) => tf.train.adamax(num(p, 'learning_rate'), num(p, 'beta_1'), num(p, 'beta_2'), num(p, 'epsilon')),
  rmsprop: (p) => {
    // tfjs's centred RMSprop divides by √(s − (ḡ² + ε)): NaN wherever s − ḡ² < ε (small gradients,
    // from the first step). Keras divides by √(s − ḡ² + ε); a negated ε gives exactly that.
    const centered = p.centered === true;
    const eps = num(p, 'epsilon');
    return tf.train.rmsprop(num(p, 'learning_rate'), num(p, 'rho'), num(p, 'momentum'), centered ? -eps : eps, centered);
  },
  adagrad: (p) => tf.train.adagrad(num(p, 'learning_rate'), num(p, 'initial_accumulator_value')),
  adadelta: (p) => tf.train.adadelta(num(p, 'learning_rate'), num(p, 'rho'), num(p, 'epsilon')),
});

/**
 * The spec's optimizer with its gradient step (clipping, AdamW's weight decay). `accelerate` runs on
 * the bare optimizer first (the fused webgpu updates replace its update), so the step wraps it.
 */
export function optimizerOf(item: ItemValue, accelerate?: (opt: tf.Optimizer) => void): tf.Optimizer {
  const make = OPTIMIZERS[item.type];
  if (!make) return fail('train/unsupported', `The trainer has no TensorFlow.js mapping for the optimizer \`${item.type}\`.`);
  const opt = make(item.params ?? {});
  accelerate?.(opt);
  return withGradientStep(opt, catalogParams('optimizer', item.type, item.params ?? {}));
}

export function learningRateOf(opt: tf.Optimizer): number {
  return (opt as unknown as { learningRate: number }).learningRate;
}

/** Sets the rate the next step uses (SGD and momentum cache it as a tensor: use their setter). */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

// Learning-rate schedules live in ./schedules; re-exported so callers keep one import.
export { SCHEDULES, scheduleOf, type Schedule } from './schedules';
