/**
 * Spec → tf.LayersModel. Every catalog layer has one builder here (a test walks the catalog);
 * stacks and graphs are both built with the functional API in the order shape inference found.
 * Initializers get seeds derived from the spec's seed and the layer, so weights are reproducible.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelInfo } from '../../core/infer';
import { toTuple } from '../../core/shape';
import type { ItemValue, Spec } from '../../core/spec';
import { deriveSeed, fail, gaussian, mulberry32, product } from '../util';
import { registerFastGradients } from './gradients';
import { PositionalEmbedding, ScaledDotProductAttention, ScaledElu, type Initializer } from './custom';

type Sym = tf.SymbolicTensor;
type P = Readonly<Record<string, unknown>>;

const isItem = (v: unknown): v is ItemValue => typeof v === 'object' && v !== null && 'type' in v && typeof (v as ItemValue).type === 'string';

/** tfjs `activation:` identifiers for catalog activations that have one. */
const ACTIVATION_IDS: Record<string, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', selu: 'selu', sigmoid: 'sigmoid', hard_sigmoid: 'hardSigmoid', tanh: 'tanh',
  softmax: 'softmax', softplus: 'softplus', softsign: 'softsign', swish: 'swish', mish: 'mish', gelu: 'gelu', elu: 'elu',
};

/** An activation: a tfjs identifier, plus a layer to append where tfjs has no identifier for it. */
export function activationOf(v: unknown, where: string): { id: string; after?: (name: string) => tf.layers.Layer } {
  if (v === undefined || v === null) return { id: 'linear' };
  const a = isItem(v) ? v : { type: String(v), params: {} };
  const p = a.params ?? {};
  if (a.type === 'leaky_relu') return { id: 'linear', after: (name) => tf.layers.leakyReLU({ alpha: (p.alpha as number) ?? 0.3, name }) };
  if (a.type === 'elu' && p.alpha !== undefined && p.alpha !== 1) return { id: 'linear', after: (name) => new ScaledElu({ alpha: p.alpha as number, name }) };
  if (a.type === 'gelu' && p.approximate === true) return { id: 'gelu_new' };
  const id = ACTIVATION_IDS[a.type];
  if (!id) fail('model/unsupported', `The trainer has no TensorFlow.js mapping for the activation \`${a.type}\` (${where}).`);
  return { id };
}

/**
 * tfjs's orthogonal initializer runs a QR decomposition as hundreds of small tensor ops, which
 * takes tens of seconds for an LSTM's recurrent kernel on the JS backend. Same construction
 * (orthonormalised Gaussian matrix, signs fixed so R has a positive diagonal), in plain JS.
 */
function orthogonal(gain: number, seed: number): Initializer {
  const init = tf.initializers.orthogonal({ gain, seed });
  (init as unknown as { apply: (shape: number[], dtype?: tf.DataType) => tf.Tensor }).apply = (shape) => {
    const cols = shape[shape.length - 1];
    const rows = product(shape.slice(0, -1));
    const [m, n] = rows < cols ? [cols, rows] : [rows, cols];
    const rng = mulberry32(seed);
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
  };
  return init;
}

/** Catalog initializer → tfjs initializer with a seed. */
export function initializerOf(v: unknown, seed: number): Initializer | undefined {
  if (v === undefined || v === null) return undefined;
  const it = isItem(v) ? v : { type: String(v), params: {} as P };
  const p = it.params ?? {};
  const num = (k: string, d: number) => (typeof p[k] === 'number' ? (p[k] as number) : d);
  switch (it.type) {
    case 'zeros': return tf.initializers.zeros();
    case 'ones': return tf.initializers.ones();
    case 'constant': return tf.initializers.constant({ value: num('value', 0) });
    case 'random_normal': return tf.initializers.randomNormal({ mean: num('mean', 0), stddev: num('stddev', 0.05), seed });
    case 'random_uniform': return tf.initializers.randomUniform({ minval: num('minval', -0.05), maxval: num('maxval', 0.05), seed });
    case 'truncated_normal': return tf.initializers.truncatedNormal({ mean: num('mean', 0), stddev: num('stddev', 0.05), seed });
    case 'glorot_uniform': return tf.initializers.glorotUniform({ seed });
    case 'glorot_normal': return tf.initializers.glorotNormal({ seed });
    case 'he_uniform': return tf.initializers.heUniform({ seed });
    case 'he_normal': return tf.initializers.heNormal({ seed });
    case 'lecun_normal': return tf.initializers.leCunNormal({ seed });
    case 'lecun_uniform': return tf.initializers.leCunUniform({ seed });
    case 'orthogonal': return orthogonal(num('gain', 1), seed);
    case 'identity': return tf.initializers.identity({ gain: num('gain', 1) });
    case 'variance_scaling':
      return tf.initializers.varianceScaling({
        scale: num('scale', 1),
        mode: ((p.mode as string) ?? 'fan_in').replace('fan_avg', 'fanAvg').replace('fan_in', 'fanIn').replace('fan_out', 'fanOut') as 'fanIn',
        distribution: ((p.distribution as string) ?? 'normal') as 'normal',
        seed,
      });
    default:
      return fail('model/unsupported', `The trainer has no TensorFlow.js mapping for the initializer \`${it.type}\`.`);
  }
}

export function regularizerOf(v: unknown): ReturnType<typeof tf.regularizers.l1> | undefined {
  if (!isItem(v)) return undefined;
  const p = v.params ?? {};
  switch (v.type) {
    case 'l1': return tf.regularizers.l1({ l1: (p.l1 as number) ?? 0.01 });
    case 'l2': return tf.regularizers.l2({ l2: (p.l2 as number) ?? 0.01 });
    case 'l1_l2': return tf.regularizers.l1l2({ l1: (p.l1 as number) ?? 0.01, l2: (p.l2 as number) ?? 0.01 });
    default: return fail('model/unsupported', `The trainer has no TensorFlow.js mapping for the regularizer \`${v.type}\`.`);
  }
}

interface Ctx {
  /** The tfjs name of the layer's main tfjs layer; sub-layers append a suffix. */
  name: string;
  seed: (what: string) => number;
  where: string;
}

/** Seeded initializer of a parameter, or of a default when the parameter is absent. */
const init = (p: P, key: string, ctx: Ctx, fallback?: string) => initializerOf(p[key] ?? fallback, ctx.seed(key));
const reg = (p: P, key: string) => regularizerOf(p[key]);

/** Adds the appended activation layer (leaky_relu, elu with α ≠ 1) after a layer's output. */
function withActivation(p: P, ctx: Ctx, key = 'activation'): { activation: string; finish: (y: Sym) => Sym } {
  const a = activationOf(p[key], ctx.where);
  return { activation: a.id, finish: (y) => (a.after ? (a.after(`${ctx.name}_${key}`).apply(y) as Sym) : y) };
}

type Builder = (p: P, ctx: Ctx) => (inputs: Sym[]) => Sym;

const single = (make: (p: P, ctx: Ctx) => tf.layers.Layer): Builder => (p, ctx) => {
  const layer = make(p, ctx);
  return (xs) => layer.apply(xs[0]) as Sym;
};

function conv(kind: 'conv1d' | 'conv2d' | 'conv2dTranspose', rank: number): Builder {
  return (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers[kind]({
      name: ctx.name,
      filters: p.filters as number,
      kernelSize: toTuple(p.kernel_size, rank, 1),
      strides: toTuple(p.strides, rank, 1),
      padding: (p.padding as 'valid' | 'same') ?? 'valid',
      ...(kind !== 'conv2dTranspose' ? { dilationRate: toTuple(p.dilation_rate, rank, 1) as [number, number] } : {}),
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      kernelInitializer: init(p, 'kernel_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      kernelRegularizer: reg(p, 'kernel_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  };
}

function pool(kind: 'max' | 'avg', rank: 1 | 2): Builder {
  return single((p, ctx) => {
    const poolSize = toTuple(p.pool_size, rank, 2);
    const strides = p.strides === undefined || p.strides === null ? poolSize : toTuple(p.strides, rank, 1);
    const args = { name: ctx.name, poolSize: (rank === 1 ? poolSize[0] : poolSize) as [number, number], strides: (rank === 1 ? strides[0] : strides) as [number, number], padding: (p.padding as 'valid' | 'same') ?? 'valid' };
    if (rank === 1) return kind === 'max' ? tf.layers.maxPooling1d(args as never) : tf.layers.averagePooling1d(args as never);
    return kind === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
  });
}

function recurrentLayer(type: string, p: P, ctx: Ctx): tf.layers.Layer {
  const act = activationOf(p.activation ?? 'tanh', ctx.where);
  const rec = activationOf(p.recurrent_activation ?? 'sigmoid', ctx.where);
  if (act.after || rec.after) fail('model/unsupported', `\`${type}\` needs an activation TensorFlow.js recurrent layers accept (${ctx.where}).`);
  const common = {
    name: ctx.name,
    units: p.units as number,
    activation: act.id as 'tanh',
    useBias: p.use_bias !== false,
    returnSequences: p.return_sequences === true,
    goBackwards: p.go_backwards === true,
    dropout: (p.dropout as number) ?? 0,
    recurrentDropout: (p.recurrent_dropout as number) ?? 0,
    kernelInitializer: init(p, 'kernel_initializer', ctx, 'glorot_uniform'),
    recurrentInitializer: init(p, 'recurrent_initializer', ctx, 'orthogonal'),
    biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
    kernelRegularizer: reg(p, 'kernel_regularizer'),
    recurrentRegularizer: reg(p, 'recurrent_regularizer'),
    biasRegularizer: reg(p, 'bias_regularizer'),
  };
  switch (type) {
    case 'simple_rnn': return tf.layers.simpleRNN(common);
    case 'lstm': return tf.layers.lstm({ ...common, recurrentActivation: rec.id as 'sigmoid', unitForgetBias: p.unit_forget_bias !== false });
    case 'gru': return tf.layers.gru({ ...common, recurrentActivation: rec.id as 'sigmoid' });
    default: return fail('model/unsupported', `\`bidirectional\` wraps a recurrent layer (simple_rnn, lstm, gru), not \`${type}\` (${ctx.where}).`);
  }
}

const sides = (v: unknown, fallback: number): [[number, number], [number, number]] => {
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2) return [[v[0], v[0]], [v[1], v[1]]];
  if (Array.isArray(v) && v.length === 4) return [[v[0], v[1]], [v[2], v[3]]];
  return [[fallback, fallback], [fallback, fallback]];
};

function attention(p: { heads: number; keyDim: number; valueDim: number; out: number[]; bias: boolean; rate: number }, p0: P, ctx: Ctx, suffix = ''): (x: Sym) => Sym {
  const n = `${ctx.name}${suffix}`;
  const proj = (what: string, units: number) =>
    tf.layers.dense({
      name: `${n}_${what}`,
      units,
      useBias: p.bias,
      kernelInitializer: init(p0, 'kernel_initializer', { ...ctx, seed: (k) => ctx.seed(`${what}/${k}`) }, 'glorot_uniform'),
      biasInitializer: init(p0, 'bias_initializer', { ...ctx, seed: (k) => ctx.seed(`${what}/${k}`) }, 'zeros'),
      kernelRegularizer: reg(p0, 'kernel_regularizer'),
      biasRegularizer: reg(p0, 'bias_regularizer'),
    });
  const q = proj('query', p.heads * p.keyDim);
  const k = proj('key', p.heads * p.keyDim);
  const v = proj('value', p.heads * p.valueDim);
  const core = new ScaledDotProductAttention({ name: `${n}_attention`, numHeads: p.heads, keyDim: p.keyDim, valueDim: p.valueDim, rate: p.rate });
  const o = proj('output', product(p.out));
  return (x) => {
    const y = core.apply([q.apply(x) as Sym, k.apply(x) as Sym, v.apply(x) as Sym]) as Sym;
    const out = o.apply(y) as Sym;
    if (p.out.length === 1) return out;
    return tf.layers.reshape({ name: `${n}_reshape`, targetShape: [...(x.shape.slice(1, -1) as number[]), ...p.out] }).apply(out) as Sym;
  };
}

/** One builder per catalog layer. */
export const LAYER_BUILDERS: Record<string, Builder> = {
  dense: (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers.dense({
      name: ctx.name,
      units: p.units as number,
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      kernelInitializer: init(p, 'kernel_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      kernelRegularizer: reg(p, 'kernel_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  },
  activation: (p, ctx) => {
    const a = activationOf(p.activation, ctx.where);
    const layer = a.after ? a.after(ctx.name) : tf.layers.activation({ name: ctx.name, activation: a.id as 'relu' });
    return (xs) => layer.apply(xs[0]) as Sym;
  },
  dropout: single((p, ctx) => tf.layers.dropout({ name: ctx.name, rate: p.rate as number })),
  flatten: single((_p, ctx) => tf.layers.flatten({ name: ctx.name })),
  reshape: (p, ctx) => (xs) => {
    // tfjs leaves a -1 unknown until run time; work it out now when the input's size is known.
    const target = [...(p.target_shape as number[])];
    const dims = xs[0].shape.slice(1);
    const i = target.indexOf(-1);
    if (i >= 0 && dims.every((d) => d !== null)) target[i] = product(dims as number[]) / product(target.filter((d) => d !== -1));
    return tf.layers.reshape({ name: ctx.name, targetShape: target }).apply(xs[0]) as Sym;
  },
  permute: single((p, ctx) => tf.layers.permute({ name: ctx.name, dims: p.dims as number[] })),
  repeat_vector: single((p, ctx) => tf.layers.repeatVector({ name: ctx.name, n: p.n as number })),
  conv1d: conv('conv1d', 1),
  conv2d: conv('conv2d', 2),
  conv2d_transpose: conv('conv2dTranspose', 2),
  depthwise_conv2d: (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers.depthwiseConv2d({
      name: ctx.name,
      kernelSize: toTuple(p.kernel_size, 2, 1) as [number, number],
      depthMultiplier: (p.depth_multiplier as number) ?? 1,
      strides: toTuple(p.strides, 2, 1) as [number, number],
      padding: (p.padding as 'valid' | 'same') ?? 'valid',
      dilationRate: toTuple(p.dilation_rate, 2, 1) as [number, number],
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      depthwiseInitializer: init(p, 'depthwise_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      depthwiseRegularizer: reg(p, 'depthwise_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  },
  separable_conv2d: (p, ctx) => {
    const a = withActivation(p, ctx);
    const layer = tf.layers.separableConv2d({
      name: ctx.name,
      filters: p.filters as number,
      kernelSize: toTuple(p.kernel_size, 2, 1) as [number, number],
      depthMultiplier: (p.depth_multiplier as number) ?? 1,
      strides: toTuple(p.strides, 2, 1) as [number, number],
      padding: (p.padding as 'valid' | 'same') ?? 'valid',
      dilationRate: toTuple(p.dilation_rate, 2, 1) as [number, number],
      activation: a.activation as 'relu',
      useBias: p.use_bias !== false,
      depthwiseInitializer: init(p, 'depthwise_initializer', ctx, 'glorot_uniform'),
      pointwiseInitializer: init(p, 'pointwise_initializer', ctx, 'glorot_uniform'),
      biasInitializer: init(p, 'bias_initializer', ctx, 'zeros'),
      depthwiseRegularizer: reg(p, 'depthwise_regularizer'),
      pointwiseRegularizer: reg(p, 'pointwise_regularizer'),
      biasRegularizer: reg(p, 'bias_regularizer'),
    });
    return (xs) => a.finish(layer.apply(xs[0]) as Sym);
  },
  max_pool1d: pool('max', 1),
  avg_pool1d: pool('avg', 1),
  max_pool2d: pool('max', 2),
  avg_pool2d: pool('avg', 2),
  global_avg_pool1d: single((_p, ctx) => tf.layers.globalAveragePooling1d({ name: ctx.name })),
  global_max_pool1d: single((_p, ctx) => tf.layers.globalMaxPooling1d({ name: ctx.name })),
  global_avg_pool2d: single((_p, ctx) => tf.layers.globalAveragePooling2d({ name: ctx.name })),
  global_max_pool2d: single((_p, ctx) => tf.layers.globalMaxPooling2d({ name: ctx.name })),
  upsampling2d: single((p, ctx) => tf.layers.upSampling2d({ name: ctx.name, size: toTuple(p.size, 2, 2), interpolation: (p.interpolation as 'nearest') ?? 'nearest' })),
  zero_padding2d: single((p, ctx) => tf.layers.zeroPadding2d({ name: ctx.name, padding: sides(p.padding, 1) })),
  cropping2d: single((p, ctx) => tf.layers.cropping2D({ name: ctx.name, cropping: sides(p.cropping, 0) })),
  batch_norm: single((p, ctx) =>
    tf.layers.batchNormalization({
      name: ctx.name,
      axis: (p.axis as number) ?? -1,
      momentum: (p.momentum as number) ?? 0.99,
      epsilon: (p.epsilon as number) ?? 0.001,
      center: p.center !== false,
      scale: p.scale !== false,
    }),
  ),
  layer_norm: single((p, ctx) =>
    tf.layers.layerNormalization({ name: ctx.name, axis: (p.axis as number) ?? -1, epsilon: (p.epsilon as number) ?? 0.001, center: p.center !== false, scale: p.scale !== false }),
  ),
  spatial_dropout1d: single((p, ctx) => tf.layers.spatialDropout1d({ name: ctx.name, rate: p.rate as number })),
  gaussian_noise: single((p, ctx) => tf.layers.gaussianNoise({ name: ctx.name, stddev: p.stddev as number })),
  gaussian_dropout: single((p, ctx) => tf.layers.gaussianDropout({ name: ctx.name, rate: p.rate as number })),
  embedding: single((p, ctx) =>
    tf.layers.embedding({
      name: ctx.name,
      inputDim: p.input_dim as number,
      outputDim: p.output_dim as number,
      maskZero: p.mask_zero === true,
      embeddingsInitializer: init(p, 'embeddings_initializer', ctx, 'random_uniform'),
      embeddingsRegularizer: reg(p, 'embeddings_regularizer'),
    }),
  ),
  positional_embedding: single(
    (p, ctx) =>
      new PositionalEmbedding({
        name: ctx.name,
        vocabSize: p.vocab_size as number,
        maxLength: p.max_length as number,
        outputDim: p.output_dim as number,
        initializer: init(p, 'embeddings_initializer', ctx, 'random_uniform'),
      }),
  ),
  simple_rnn: single((p, ctx) => recurrentLayer('simple_rnn', p, ctx)),
  lstm: single((p, ctx) => recurrentLayer('lstm', p, ctx)),
  gru: single((p, ctx) => recurrentLayer('gru', p, ctx)),
  bidirectional: single((p, ctx) => {
    const inner = p.layer;
    if (!isItem(inner)) return fail('model/unsupported', `\`bidirectional\` needs a recurrent \`layer\` (${ctx.where}).`);
    const rnn = recurrentLayer(inner.type, inner.params, { ...ctx, name: `${ctx.name}_${inner.type}` }) as tf.RNN;
    return tf.layers.bidirectional({ name: ctx.name, layer: rnn, mergeMode: (p.merge_mode as 'concat') ?? 'concat' });
  }),
  multi_head_attention: (p, ctx) => (xs) => {
    const x = xs[0];
    const d = x.shape[x.shape.length - 1] as number;
    const keyDim = p.key_dim as number;
    const os = p.output_shape;
    const out = typeof os === 'number' ? [os] : Array.isArray(os) && os.length ? (os as number[]) : [d];
    return attention({ heads: p.num_heads as number, keyDim, valueDim: (p.value_dim as number) ?? keyDim, out, bias: p.use_bias !== false, rate: (p.dropout as number) ?? 0 }, p, ctx)(x);
  },
  transformer_encoder: (p, ctx) => (xs) => {
    const x = xs[0];
    const d = x.shape[2] as number;
    const heads = p.num_heads as number;
    const keyDim = typeof p.key_dim === 'number' ? p.key_dim : d / heads;
    const rate = (p.dropout as number) ?? 0;
    const eps = (p.epsilon as number) ?? 1e-5;
    const n = ctx.name;
    const att = attention({ heads, keyDim, valueDim: keyDim, out: [d], bias: true, rate }, {}, ctx, '_mha')(x);
    const a1 = tf.layers.dropout({ name: `${n}_dropout1`, rate }).apply(att) as Sym;
    const z = tf.layers.layerNormalization({ name: `${n}_norm1`, epsilon: eps }).apply(tf.layers.add({ name: `${n}_add1` }).apply([x, a1]) as Sym) as Sym;
    const a = withActivation(p, { ...ctx, name: `${n}_ffn1` });
    const f1 = a.finish(tf.layers.dense({ name: `${n}_ffn1`, units: p.ff_dim as number, activation: a.activation as 'relu', kernelInitializer: initializerOf('glorot_uniform', ctx.seed('ffn1')) }).apply(z) as Sym);
    const f2 = tf.layers.dense({ name: `${n}_ffn2`, units: d, kernelInitializer: initializerOf('glorot_uniform', ctx.seed('ffn2')) }).apply(f1) as Sym;
    const a2 = tf.layers.dropout({ name: `${n}_dropout2`, rate }).apply(f2) as Sym;
    return tf.layers.layerNormalization({ name: `${n}_norm2`, epsilon: eps }).apply(tf.layers.add({ name: `${n}_add2` }).apply([z, a2]) as Sym) as Sym;
  },
  add: (_p, ctx) => (xs) => tf.layers.add({ name: ctx.name }).apply(xs) as Sym,
  multiply: (_p, ctx) => (xs) => tf.layers.multiply({ name: ctx.name }).apply(xs) as Sym,
  average: (_p, ctx) => (xs) => tf.layers.average({ name: ctx.name }).apply(xs) as Sym,
  maximum: (_p, ctx) => (xs) => tf.layers.maximum({ name: ctx.name }).apply(xs) as Sym,
  minimum: (_p, ctx) => (xs) => tf.layers.minimum({ name: ctx.name }).apply(xs) as Sym,
  concatenate: (p, ctx) => (xs) => tf.layers.concatenate({ name: ctx.name, axis: (p.axis as number) ?? -1 }).apply(xs) as Sym,
  leaky_relu: single((p, ctx) => tf.layers.leakyReLU({ name: ctx.name, alpha: (p.alpha as number) ?? 0.3 })),
  prelu: single((p, ctx) =>
    tf.layers.prelu({ name: ctx.name, sharedAxes: p.shared_axes as number[] | undefined, alphaInitializer: init(p, 'alpha_initializer', ctx, 'zeros') }),
  ),
};

/** tfjs layer names allow letters, digits and `._-/`; keep the spec's names recognisable. */
export function tfName(id: string, used: Set<string>): string {
  let base = id.replace(/[^A-Za-z0-9._/-]/g, '_');
  if (!/^[A-Za-z0-9]/.test(base)) base = `l${base}`;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/**
 * Builds the model the spec describes. `info` is the core's shape inference of the same spec
 * (sources resolved, output chosen); a spec with errors never gets here.
 */
export function buildModel(spec: Spec, info: ModelInfo, seed: number): tf.LayersModel {
  registerFastGradients();
  if (info.output === null) return fail('model/empty', 'The model has no layers.');
  const used = new Set<string>();
  const inputs = new Map<string, Sym>();
  for (const [name, shape] of info.inputs) inputs.set(name, tf.input({ shape: shape.slice(1) as number[], name: tfName(name === 'input' ? 'input' : name, used) }));
  const outputs = new Map<number, Sym>();
  const building = new Set<number>();
  const visit = (i: number): Sym => {
    const done = outputs.get(i);
    if (done) return done;
    if (building.has(i)) return fail('model/cycle', 'The model has a cycle.');
    building.add(i);
    const li = info.layers[i];
    const l = li.layer;
    const builder = LAYER_BUILDERS[l.type];
    const where = `layer \`${li.id}\``;
    if (!builder) return fail('model/unsupported', `The trainer has no TensorFlow.js builder for the layer type \`${l.type}\` (${where}).`);
    const xs = li.sources.map((s) => ('input' in s ? inputs.get(s.input)! : visit(s.layer)));
    const ctx: Ctx = { name: tfName(li.id, used), seed: (what) => deriveSeed(seed, 'layer', i, li.id, what), where };
    const y = builder(l.params, ctx)(xs);
    outputs.set(i, y);
    return y;
  };
  const out = visit(info.output);
  return tf.model({ inputs: [...inputs.values()], outputs: out, name: (spec.name?.value ?? 'model').replace(/[^A-Za-z0-9._-]/g, '_') });
}
