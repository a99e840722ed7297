/**
 * What the layer builders share: catalog activations, initializers and regularizers as tfjs
 * objects, seeded; the builder signature and context.
 */
import * as tf from '../../tf';
import { fail, gaussian, mulberry32, product } from '../../util';
import { lookup, withDefaults, type Category, type Params } from '../../../core/catalog';
import type { ItemValue } from '../../../core/spec';
import { ScaledElu, type Initializer } from '../custom';

export type Sym = tf.SymbolicTensor;
export type P = Readonly<Record<string, unknown>>;

export const isItem = (v: unknown): v is ItemValue => typeof v === 'object' && v !== null && 'type' in v && typeof (v as ItemValue).type === 'string';

/** A reference as an item: `relu` and `{ type: relu, params: {} }` alike. */
const itemOf = (v: unknown): ItemValue => (isItem(v) ? v : { type: String(v), params: {} });

/** A referenced entry's parameters, the catalog's defaults under the given ones. */
export function catalogParams(category: Category, item: ItemValue): Params {
  return withDefaults(lookup(category, item.type)?.params ?? [], item.params ?? {});
}

/** tfjs `activation:` identifiers for catalog activations that have one. */
const ACTIVATION_IDS: Record<string, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', selu: 'selu', sigmoid: 'sigmoid', hard_sigmoid: 'hardSigmoid', tanh: 'tanh',
  softmax: 'softmax', softplus: 'softplus', softsign: 'softsign', swish: 'swish', mish: 'mish', gelu: 'gelu', elu: 'elu',
};

/** An activation: a tfjs identifier, plus a layer to append where tfjs has no identifier for it. */
export function activationOf(v: unknown, where: string): { id: string; after?: (name: string) => tf.layers.Layer } {
  if (v === undefined || v === null) return { id: 'linear' };
  const a = itemOf(v);
  const p = catalogParams('activation', a);
  if (a.type === 'leaky_relu') return { id: 'linear', after: (name) => tf.layers.leakyReLU({ alpha: p.alpha as number, name }) };
  if (a.type === 'elu' && p.alpha !== 1) return { id: 'linear', after: (name) => new ScaledElu({ alpha: p.alpha as number, name }) };
  if (a.type === 'gelu' && p.approximate === true) return { id: 'gelu_new' };
  const id = ACTIVATION_IDS[a.type];
  if (!id) fail('model/unsupported', `The trainer has no TensorFlow.js mapping for the activation \`${a.type}\` (${where}).`);
  return { id };
}

type OrthogonalInstance = ReturnType<typeof tf.initializers.orthogonal>;
/** tfjs-layers exports the factory, not the class. */
const TfjsOrthogonal = Object.getPrototypeOf(tf.initializers.orthogonal({})).constructor as new (args: { gain?: number; seed?: number }) => OrthogonalInstance;

/**
 * tfjs's orthogonal initializer runs a QR decomposition as hundreds of small tensor ops, which
 * takes tens of seconds for an LSTM's recurrent kernel on the JS backend. Same construction
 * (orthonormalised Gaussian matrix, signs fixed so R has a positive diagonal), in plain JS.
 * Registered under tfjs's own class name, so the copies tfjs makes from a config (the backward
 * layer of `bidirectional`) are fast too.
 */
class FastOrthogonal extends TfjsOrthogonal {
  static className = 'Orthogonal';

  override apply(shape: number[]): tf.Tensor {
    const { gain, seed } = this as unknown as { gain: number; seed?: number };
    const cols = shape[shape.length - 1];
    const rows = product(shape.slice(0, -1));
    const [m, n] = rows < cols ? [cols, rows] : [rows, cols];
    const rng = mulberry32(seed ?? Math.floor(Math.random() * 2 ** 31));
    const q = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => gaussian(rng)));
    for (let j = 0; j < n; j++) {
      const v = q[j];
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let k = 0; k < m; k++) dot += q[i][k] * v[k];
        for (let k = 0; k < m; k++) v[k] -= dot * q[i][k];
      }
      let norm = 0;
      for (let k = 0; k < m; k++) norm += v[k] * v[k];
      norm = Math.sqrt(norm) || 1;
      for (let k = 0; k < m; k++) v[k] /= norm;
    }
    // q holds n orthonormal columns of an m × n matrix; lay it out as rows × cols.
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows < cols ? q[r][c] : q[c][r]);
    return tf.tensor(out, shape);
  }
}
tf.serialization.registerClass(FastOrthogonal as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

const orthogonal = (gain: number, seed: number): Initializer => new FastOrthogonal({ gain, seed });

/** Catalog initializer → tfjs initializer with a seed. */
export function initializerOf(v: unknown, seed: number): Initializer | undefined {
  if (v === undefined || v === null) return undefined;
  const it = itemOf(v);
  const p = catalogParams('initializer', it);
  const num = (k: string) => p[k] as number;
  switch (it.type) {
    case 'zeros': return tf.initializers.zeros();
    case 'ones': return tf.initializers.ones();
    case 'constant': return tf.initializers.constant({ value: num('value') });
    case 'random_normal': return tf.initializers.randomNormal({ mean: num('mean'), stddev: num('stddev'), seed });
    case 'random_uniform': return tf.initializers.randomUniform({ minval: num('minval'), maxval: num('maxval'), seed });
    case 'truncated_normal': return tf.initializers.truncatedNormal({ mean: num('mean'), stddev: num('stddev'), seed });
    case 'glorot_uniform': return tf.initializers.glorotUniform({ seed });
    case 'glorot_normal': return tf.initializers.glorotNormal({ seed });
    case 'he_uniform': return tf.initializers.heUniform({ seed });
    case 'he_normal': return tf.initializers.heNormal({ seed });
    case 'lecun_normal': return tf.initializers.leCunNormal({ seed });
    case 'lecun_uniform': return tf.initializers.leCunUniform({ seed });
    case 'orthogonal': return orthogonal(num('gain'), seed);
    default:
      return fail('model/unsupported', `The trainer has no TensorFlow.js mapping for the initializer \`${it.type}\`.`);
  }
}

export function regularizerOf(v: unknown): ReturnType<typeof tf.regularizers.l1> | undefined {
  if (v === undefined || v === null) return undefined;
  const it = itemOf(v);
  const p = catalogParams('regularizer', it);
  switch (it.type) {
    case 'l1': return tf.regularizers.l1({ l1: p.l1 as number });
    case 'l2': return tf.regularizers.l2({ l2: p.l2 as number });
    case 'l1_l2': return tf.regularizers.l1l2({ l1: p.l1 as number, l2: p.l2 as number });
    default: return fail('model/unsupported', `The trainer has no TensorFlow.js mapping for the regularizer \`${it.type}\`.`);
  }
}

export interface Ctx {
  /** The tfjs name of the layer's main tfjs layer; sub-layers append a suffix. */
  name: string;
  seed: (what: string) => number;
  where: string;
  /** The spec's folder: layers built from files (`bert: { from }`) resolve their paths against it. */
  specDir?: string;
}

/** Seeded initializer of a parameter, or of `fallback` for parts with no parameter of their own. */
export const init = (p: P, key: string, ctx: Ctx, fallback?: string) => initializerOf(p[key] ?? fallback, ctx.seed(key));
export const reg = (p: P, key: string) => regularizerOf(p[key]);

/** Adds the appended activation layer (leaky_relu, elu with α ≠ 1) after a layer's output. */
export function withActivation(p: P, ctx: Ctx, key = 'activation'): { activation: string; finish: (y: Sym) => Sym } {
  const a = activationOf(p[key], ctx.where);
  return { activation: a.id, finish: (y) => (a.after ? (a.after(`${ctx.name}_${key}`).apply(y) as Sym) : y) };
}

export type Builder = (p: P, ctx: Ctx) => (inputs: Sym[]) => Sym;

/** A layer that passes its input through (Keras's no-ops tfjs refuses: flatten of (N, d), a merge of one input). */
export const identityLayer = (name: string): tf.layers.Layer => tf.layers.activation({ name, activation: 'linear' });

export const single = (make: (p: P, ctx: Ctx) => tf.layers.Layer): Builder => (p, ctx) => {
  const layer = make(p, ctx);
  return (xs) => layer.apply(xs[0]) as Sym;
};
