/**
 * What happens between the gradients and the optimizer's update, as Keras 3's optimizer `apply`
 * does it: gradient clipping (`clipnorm`, else `global_clipnorm`, else `clipvalue`), then AdamW's
 * decoupled weight decay (θ ← θ − α·λ·θ with the current rate α), then the optimizer's own update.
 * Installed over the optimizer's `applyGradients`, after any fused webgpu update, so both the
 * fused and tfjs's own updates see clipped gradients and decayed weights.
 */
import * as tf from '../tf';

type Gradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];

export interface GradientStepOptions {
  clipnorm?: number;
  global_clipnorm?: number;
  clipvalue?: number;
  /** AdamW's λ; 0 or absent: no decay. */
  weight_decay?: number;
}

const positive = (v: unknown): v is number => typeof v === 'number' && v > 0;

/** The gradients clipped by Keras's rule (the same tensors where no clip is set). */
export function clipGradients(grads: tf.NamedTensorMap, o: GradientStepOptions): tf.NamedTensorMap {
  const names = Object.keys(grads);
  const each = (f: (g: tf.Tensor) => tf.Tensor) => Object.fromEntries(names.map((n) => [n, f(grads[n])]));
  if (positive(o.clipnorm)) {
    const c = o.clipnorm;
    return each((g) => tf.div(tf.mul(g, c), tf.maximum(tf.sqrt(tf.sum(tf.square(g))), c)));
  }
  if (positive(o.global_clipnorm)) {
    const c = o.global_clipnorm;
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.div(c, tf.maximum(norm, c));
    return each((g) => tf.mul(g, scale));
  }
  if (positive(o.clipvalue)) {
    const c = o.clipvalue;
    return each((g) => tf.clipByValue(g, -c, c));
  }
  return grads;
}

const asMap = (g: Gradients): tf.NamedTensorMap => (Array.isArray(g) ? Object.fromEntries(g.map((x) => [x.name, x.tensor])) : g);

/** Wraps `opt.applyGradients` with clipping and weight decay where the options ask for them. */
export function withGradientStep(opt: tf.Optimizer, o: GradientStepOptions): tf.Optimizer {
  const clips = positive(o.clipnorm) || positive(o.global_clipnorm) || positive(o.clipvalue);
  const decay = positive(o.weight_decay) ? o.weight_decay : 0;
  if (!clips && !decay) return opt;
  const target = opt as unknown as { applyGradients(g: Gradients): void; learningRate: number };
  const update = target.applyGradients.bind(opt);
  target.applyGradients = (given: Gradients) => {
    tf.tidy(() => {
      const grads = clipGradients(asMap(given), o);
      if (decay) {
        const keep = 1 - target.learningRate * decay;
        for (const name of Object.keys(grads)) {
          const v = tf.engine().registeredVariables[name];
          if (v?.trainable) v.assign(tf.mul(v, keep));
        }
      }
      update(grads);
    });
  };
  return opt;
}
