/**
 * Builders of the attention layers (catalog/layers/attention.ts): tfjs 4.x exports no
 * MultiHeadAttention, so both are composed of dense projections and a custom attention core.
 */
import * as tf from '../../tf';
import { product } from '../../util';
import { ScaledDotProductAttention } from '../custom';
import { type Builder, type Ctx, init, initializerOf, type P, reg, type Sym, withActivation } from './shared';

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

export const attentionBuilders: Record<string, Builder> = {
  multi_head_attention: (p, ctx) => (xs) => {
    const x = xs[0];
    const d = x.shape[x.shape.length - 1] as number;
    const keyDim = p.key_dim as number;
    const os = p.output_shape;
    const out = typeof os === 'number' ? [os] : Array.isArray(os) && os.length ? (os as number[]) : [d];
    return attention({ heads: p.num_heads as number, keyDim, valueDim: (p.value_dim as number) ?? keyDim, out, bias: p.use_bias !== false, rate: p.dropout as number }, p, ctx)(x);
  },
  transformer_encoder: (p, ctx) => (xs) => {
    const x = xs[0];
    const d = x.shape[2] as number;
    const heads = p.num_heads as number;
    const keyDim = typeof p.key_dim === 'number' ? p.key_dim : d / heads;
    const rate = p.dropout as number;
    const eps = p.epsilon as number;
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
};
