/**
 * The model builder against the catalog: every entry of every category the trainer maps has a
 * mapping, every layer's worked shape cases build with the catalog's output shape and parameter
 * count, and every example spec builds with the core's static parameter count.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { entries, lookup } from '../../src/core/catalog';
import { fileDataHost } from '../../src/node/dataHost';
import { SOURCE_LOADERS } from '../../src/trainer/data/sources';
import { STEP_IMPLS } from '../../src/trainer/data/steps';
import { buildModel } from '../../src/trainer/model/build';
import { LAYER_BUILDERS } from '../../src/trainer/model/layers';
import { activationOf, initializerOf, regularizerOf } from '../../src/trainer/model/layers/shared';
import { LOSSES, METRICS, OPTIMIZERS, SCHEDULES } from '../../src/trainer/model/objectives';
import { ROOT } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('every catalog entry has a trainer mapping', () => {
  it.each([
    ['layer', LAYER_BUILDERS],
    ['loss', LOSSES],
    ['metric', METRICS],
    ['optimizer', OPTIMIZERS],
    ['schedule', SCHEDULES],
    ['source', SOURCE_LOADERS],
    ['step', STEP_IMPLS],
  ] as const)('%s', (category, table) => {
    const missing = entries(category).map((e) => e.name).filter((n) => !(n in table));
    expect(missing).toEqual([]);
  });

  it('activations, initializers and regularizers', () => {
    for (const e of entries('activation')) expect(() => activationOf({ type: e.name, params: {} }, 'test')).not.toThrow();
    for (const e of entries('initializer')) {
      const params = Object.fromEntries(e.params.filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
      expect(initializerOf({ type: e.name, params }, 1), e.name).toBeDefined();
    }
    for (const e of entries('regularizer')) expect(regularizerOf({ type: e.name, params: {} }), e.name).toBeDefined();
  });
});

describe('layer shape cases build with the catalog shape and parameter count', () => {
  const cases = entries('layer').flatMap((e) =>
    e.shapeCases
      .filter((c) => !c.error && c.paramCount !== undefined)
      // tfjs computes static shapes of cropping with an unknown size as negative numbers.
      .filter((c) => !(e.name === 'cropping2d' && c.inputs.some((s) => s.slice(1).includes(null))))
      .map((c, i) => [`${e.name} #${i + 1}`, e, c] as const),
  );
  it.each(cases)('%s', (_label, e, c) => {
    const params: Record<string, unknown> = {};
    for (const p of e.params) if (p.default !== undefined) params[p.name] = p.default;
    Object.assign(params, structuredClone(c.params ?? {}));
    for (const p of e.params) if (p.type.kind === 'ref' && typeof params[p.name] === 'string') params[p.name] = { type: params[p.name], params: {} };
    const inputs = c.inputs.map((s) => tf.input({ shape: s.slice(1) as number[] }));
    const out = LAYER_BUILDERS[e.name](params, { name: 'layer', seed: () => 1, where: e.name })(inputs);
    const model = tf.model({ inputs, outputs: out });
    expect(out.shape).toEqual(c.output);
    expect(model.countParams()).toBe(c.paramCount);
    model.dispose();
  });
});

describe('examples', () => {
  const dir = join(ROOT, 'examples');
  const specs = readdirSync(dir).filter((f) => f.endsWith('.model.yaml'));
  it('there are examples', () => expect(specs.length).toBeGreaterThanOrEqual(6));
  it.each(specs)('%s builds with the static parameter count', (f) => {
    const a = analyze(readFileSync(join(dir, f), 'utf8'), { host: fileDataHost(dir) });
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const model = buildModel(a.spec, a.model!, 42, dir);
    expect(model.countParams()).toBe(a.model!.totalParams);
    model.dispose();
  });
});

describe('optimizers, losses and regularizers carry their parameters', () => {
  it('optimizers', () => {
    expect(OPTIMIZERS.sgd({ learning_rate: 0.1, momentum: 0, nesterov: false }).getClassName()).toBe('SGD');
    expect(OPTIMIZERS.sgd({ learning_rate: 0.1, momentum: 0.9, nesterov: true }).getConfig()).toMatchObject({ learningRate: 0.1, momentum: 0.9, useNesterov: true });
    expect(OPTIMIZERS.adam({ learning_rate: 0.002, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-6 }).getConfig()).toMatchObject({ learningRate: 0.002, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
    expect(OPTIMIZERS.rmsprop({ learning_rate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-6, centered: true }).getConfig()).toMatchObject({ learningRate: 0.01, decay: 0.8, momentum: 0.5, centered: true });
    expect(OPTIMIZERS.adagrad({ learning_rate: 0.01, initial_accumulator_value: 0.2 }).getConfig()).toMatchObject({ initialAccumulatorValue: 0.2 });
    expect(OPTIMIZERS.adadelta({ learning_rate: 1, rho: 0.9, epsilon: 1e-6 }).getConfig()).toMatchObject({ learningRate: 1, rho: 0.9 });
  });

  it('an optimizer without parameters gets the catalog defaults (the trainer repeats none)', () => {
    for (const e of entries('optimizer')) {
      const lr = e.params.find((p) => p.name === 'learning_rate')!.default;
      expect((OPTIMIZERS[e.name]({}) as unknown as { learningRate: number }).learningRate, e.name).toBe(lr);
    }
    const bn = lookup('layer', 'batch_norm')!;
    const x = tf.input({ shape: [4] });
    const model = tf.model({ inputs: x, outputs: LAYER_BUILDERS.batch_norm({}, { name: 'bn', seed: () => 1, where: 'test' })([x]) });
    const config = model.getLayer('bn').getConfig();
    expect(config.momentum).toBe(bn.params.find((p) => p.name === 'momentum')!.default);
    expect(config.epsilon).toBe(bn.params.find((p) => p.name === 'epsilon')!.default);
  });

  it('centred RMSprop divides by √(s − ḡ² + ε) as Keras does, so small gradients do not give NaN', () => {
    // One step from zero state: s = 0.1·g², ḡ = 0.1·g, so s − ḡ² = 0.09·g², below ε for |g| < 1e-3.
    const w = tf.variable(tf.tensor1d([1, 1]));
    const opt = OPTIMIZERS.rmsprop({ learning_rate: 0.01, centered: true });
    opt.minimize(() => tf.sum(tf.mul(w, tf.tensor1d([1e-4, 1]))) as tf.Scalar, false, [w]);
    const v = Array.from(w.dataSync());
    expect(v.every(Number.isFinite)).toBe(true);
    // Keras: Δ = lr·g / √(0.09·g² + ε)
    const keras = (g: number) => 1 - (0.01 * g) / Math.sqrt(0.09 * g * g + 1e-7);
    expect(v[0]).toBeCloseTo(keras(1e-4), 5);
    expect(v[1]).toBeCloseTo(keras(1), 5);
    w.dispose();
  });

  it('losses match their formulas on a small example', () => {
    const y = tf.tensor2d([[0, 1], [1, 0]]);
    const p = tf.tensor2d([[0.2, 0.8], [0.6, 0.4]]);
    const v = (name: string, params: Record<string, unknown> = {}) => tf.mean(LOSSES[name](params, { labelKind: 'one_hot' })(y, p)).dataSync()[0];
    expect(v('mean_squared_error')).toBeCloseTo((0.04 * 2 + 0.16 * 2) / 4, 6);
    expect(v('mean_absolute_error')).toBeCloseTo((0.2 * 2 + 0.4 * 2) / 4, 6);
    expect(v('categorical_crossentropy')).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 5);
    expect(v('kl_divergence')).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 4);
    const sparse = tf.mean(LOSSES.sparse_categorical_crossentropy({}, { labelKind: 'class_index' })(tf.tensor1d([1, 0]), p)).dataSync()[0];
    expect(sparse).toBeCloseTo(v('categorical_crossentropy'), 6);
    const logits = tf.tensor2d([[1, 3], [2, 0]]);
    const fromLogits = tf.mean(LOSSES.categorical_crossentropy({ from_logits: true }, { labelKind: 'one_hot' })(y, logits)).dataSync()[0];
    expect(fromLogits).toBeCloseTo(tf.mean(LOSSES.categorical_crossentropy({}, { labelKind: 'one_hot' })(y, tf.softmax(logits))).dataSync()[0], 5);
    const hinge = tf.mean(LOSSES.hinge({}, { labelKind: 'binary' })(tf.tensor2d([[1], [0]]), tf.tensor2d([[0.5], [-2]]))).dataSync()[0];
    expect(hinge).toBeCloseTo((0.5 + 0) / 2, 6);
  });

  it('a kernel regularizer adds its penalty to the training loss', async () => {
    const build = (reg?: string) => {
      const x = tf.input({ shape: [3] });
      const d = LAYER_BUILDERS.dense({ units: 2, use_bias: true, kernel_initializer: { type: 'ones', params: {} }, ...(reg ? { kernel_regularizer: { type: reg, params: { l2: 0.5, l1: 0.5 } } } : {}) }, { name: 'd', seed: () => 1, where: 'test' })([x]);
      const m = tf.model({ inputs: x, outputs: d });
      m.compile({ optimizer: tf.train.sgd(0), loss: LOSSES.mean_squared_error({}, { labelKind: 'continuous' }) });
      const step = (m as unknown as { makeTrainFunction(): (d: tf.Tensor[]) => tf.Tensor[] }).makeTrainFunction();
      return step([tf.zeros([1, 3]), tf.zeros([1, 2])])[0].dataSync()[0];
    };
    expect(build()).toBeCloseTo(0, 6);
    expect(build('l2')).toBeCloseTo(0.5 * 6, 5); // λ Σ w² over six weights of 1
    expect(build('l1_l2')).toBeCloseTo(0.5 * 6 + 0.5 * 6, 5);
  });
});

describe('gru is Keras 3\'s GRU (reset_after: true by default)', () => {
  const ctx = { name: 'gru', seed: () => 7, where: 'test' };
  const gruModel = (params: Record<string, unknown>, shape: number[]) => {
    const x = tf.input({ shape });
    return tf.model({ inputs: x, outputs: LAYER_BUILDERS.gru(params, ctx)([x]) });
  };

  it('has Keras\'s parameter count and weight shapes: 1,104 for 16 units on 5 features (1,056 with reset_after: false)', () => {
    const model = gruModel({ units: 16 }, [10, 5]);
    expect(model.countParams()).toBe(1_104);
    expect(model.getLayer('gru').getWeights().map((w) => w.shape)).toEqual([[5, 48], [16, 48], [2, 48]]);
    expect(gruModel({ units: 16, reset_after: false }, [10, 5]).countParams()).toBe(1_056);
  });

  it('computes Keras\'s reset-after recurrence', () => {
    const [t, d, u] = [3, 2, 3];
    const model = gruModel({ units: u }, [t, d]);
    const rand = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + k) * 0.8);
    const W = rand(d * 3 * u, 1);
    const U = rand(u * 3 * u, 2);
    const B = rand(2 * 3 * u, 3);
    model.getLayer('gru').setWeights([tf.tensor2d(W, [d, 3 * u]), tf.tensor2d(U, [u, 3 * u]), tf.tensor2d(B, [2, 3 * u])]);
    const xs = rand(t * d, 4);
    const got = Array.from((model.predict(tf.tensor3d(xs, [1, t, d])) as tf.Tensor).dataSync());
    // Keras 3 GRUCell.call, implementation 2, reset_after=True, written out in plain numbers.
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    let h = new Array<number>(u).fill(0);
    for (let s = 0; s < t; s++) {
      const mx = Array.from({ length: 3 * u }, (_, j) => B[j] + xs.slice(s * d, s * d + d).reduce((a, xv, i) => a + xv * W[i * 3 * u + j], 0));
      const mi = Array.from({ length: 3 * u }, (_, j) => B[3 * u + j] + h.reduce((a, hv, i) => a + hv * U[i * 3 * u + j], 0));
      h = h.map((hv, k) => {
        const z = sig(mx[k] + mi[k]);
        const r = sig(mx[u + k] + mi[u + k]);
        const candidate = Math.tanh(mx[2 * u + k] + r * mi[2 * u + k]);
        return z * hv + (1 - z) * candidate;
      });
    }
    got.forEach((v, k) => expect(v).toBeCloseTo(h[k], 5));
  });

  it('learns a small sequence task (is the running sum positive at the end?), also inside bidirectional', async () => {
    const n = 128;
    const xs = tf.tidy(() => tf.randomUniform([n, 8, 1], -1, 1, 'float32', 3));
    const ys = tf.tidy(() => tf.cast(tf.greater(tf.sum(xs, [1, 2]), 0), 'float32').reshape([n, 1]));
    for (const rnn of [{ type: 'gru', p: { units: 8 } }, { type: 'bidirectional', p: { layer: { type: 'gru', params: { units: 4 } } } }]) {
      const x = tf.input({ shape: [8, 1] });
      const h = LAYER_BUILDERS[rnn.type](rnn.p, { ...ctx, name: rnn.type })([x]);
      const y = LAYER_BUILDERS.dense({ units: 1, activation: 'sigmoid' }, { ...ctx, name: 'out' })([h]);
      const model = tf.model({ inputs: x, outputs: y });
      model.compile({ optimizer: OPTIMIZERS.adam({ learning_rate: 0.02 }), loss: 'binaryCrossentropy' });
      const history = await model.fit(xs, ys, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0 });
      const loss = history.history.loss as number[];
      expect(loss[loss.length - 1], `${rnn.type}: ${loss.join(', ')}`).toBeLessThan(loss[0] * 0.7);
      model.dispose();
    }
  });
});

describe('what Keras builds and trains, tfjs does not by itself', () => {
  const ctx = (name: string) => ({ name, seed: (what: string) => what.length + name.length, where: name });
  const layer = (type: string, p: Record<string, unknown>, name: string, xs: tf.SymbolicTensor[]) => LAYER_BUILDERS[type](p, ctx(name))(xs);
  /** Fits a few epochs on a fixed random regression target; the loss must fall. */
  async function learns(inputs: tf.SymbolicTensor, out: tf.SymbolicTensor, x: tf.Tensor): Promise<void> {
    const model = tf.model({ inputs, outputs: out });
    const y = tf.tidy(() => tf.randomUniform([x.shape[0], 1], 0, 1, 'float32', 5));
    model.compile({ optimizer: OPTIMIZERS.adam({ learning_rate: 0.01 }), loss: 'meanSquaredError' });
    const history = await model.fit(x, y, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss.every(Number.isFinite), loss.join(', ')).toBe(true);
    expect(loss[loss.length - 1], loss.join(', ')).toBeLessThan(loss[0]);
    model.dispose();
  }

  it('depthwise and separable convolutions with strides and dilation both > 1 equal the dilated convolution, subsampled, and train', async () => {
    const x = tf.randomNormal([2, 15, 15, 3], 0, 1, 'float32', 1);
    for (const padding of ['valid', 'same'] as const) {
      const input = tf.input({ shape: [15, 15, 3] });
      const y = layer('depthwise_conv2d', { kernel_size: 3, strides: 2, dilation_rate: 2, padding, depth_multiplier: 2, bias_initializer: 'ones' }, 'dw', [input]);
      const model = tf.model({ inputs: input, outputs: y });
      const [kernel, bias] = model.getLayer('dw').getWeights();
      // tfjs's own forward pass at stride 1 (it allows dilation there), on TensorFlow's `same` padding for stride 2, then every second row and column.
      const eff = 5;
      const out = Math.ceil(15 / 2);
      const total = padding === 'same' ? Math.max((out - 1) * 2 + eff - 15, 0) : 0;
      const padded = tf.pad(x, [[0, 0], [Math.floor(total / 2), total - Math.floor(total / 2)], [Math.floor(total / 2), total - Math.floor(total / 2)], [0, 0]]) as tf.Tensor4D;
      const full = tf.add(tf.depthwiseConv2d(padded, kernel as tf.Tensor4D, 1, 'valid', 'NHWC', 2), bias) as tf.Tensor4D;
      const expected = tf.stridedSlice(full, [0, 0, 0, 0], full.shape, [1, 2, 2, 1]);
      const got = model.predict(x) as tf.Tensor;
      expect(got.shape).toEqual(expected.shape);
      expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-5);
    }
    const input = tf.input({ shape: [15, 15, 3] });
    const a = layer('depthwise_conv2d', { kernel_size: 3, strides: 2, dilation_rate: 2, activation: 'relu' }, 'dw', [input]);
    const b = layer('separable_conv2d', { filters: 4, kernel_size: 2, strides: 2, dilation_rate: 2, padding: 'same' }, 'sep', [a]);
    await learns(input, layer('dense', { units: 1 }, 'out', [layer('flatten', {}, 'flat', [b])]), tf.randomNormal([32, 15, 15, 3], 0, 1, 'float32', 2));
  });

  it('conv1d and conv2d with dilation_rate > 1 compute tfjs\'s dilated convolution, and train (tfjs has no gradient for it)', async () => {
    for (const [type, shape, factory] of [
      ['conv1d', [12, 3], (w: tf.Tensor[]) => tf.layers.conv1d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', weights: w })],
      ['conv2d', [9, 9, 3], (w: tf.Tensor[]) => tf.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', weights: w })],
    ] as const) {
      const input = tf.input({ shape: [...shape] });
      const y = layer(type, { filters: 4, kernel_size: 3, dilation_rate: 2, padding: 'same', bias_initializer: 'ones' }, type, [input]);
      const model = tf.model({ inputs: input, outputs: y });
      const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', 6);
      const reference = factory(model.getLayer(type).getWeights()).apply(x) as tf.Tensor;
      const got = model.predict(x) as tf.Tensor;
      expect(got.shape).toEqual(reference.shape);
      expect(tf.max(tf.abs(tf.sub(got, reference))).dataSync()[0], type).toBeLessThan(1e-5);
      const flat = layer('flatten', {}, `${type}_flat`, [y]);
      await learns(input, layer('dense', { units: 1 }, `${type}_out`, [flat]), tf.randomNormal([32, ...shape], 0, 1, 'float32', 7));
    }
  });

  it('broadcasting add and multiply, a merge of one input, flatten of a flat tensor, and embedding of 2-D ids train', async () => {
    const seq = tf.input({ shape: [4, 8] });
    const pooled = layer('global_avg_pool1d', {}, 'pool', [seq]); // (N, 8)
    const sum = layer('add', {}, 'sum', [seq, pooled]); // (N, 4, 8) + (N, 8)
    expect(sum.shape).toEqual([null, 4, 8]);
    const gated = layer('multiply', {}, 'gate', [sum, layer('dense', { units: 1, activation: 'sigmoid' }, 'g', [seq])]); // × (N, 4, 1)
    const flat = layer('flatten', {}, 'flat', [gated]);
    const again = layer('flatten', {}, 'flat2', [layer('average', {}, 'single', [flat])]);
    expect(again.shape).toEqual([null, 32]);
    await learns(seq, layer('dense', { units: 1 }, 'out', [again]), tf.randomNormal([32, 4, 8], 0, 1, 'float32', 3));

    const ids = tf.input({ shape: [3, 5] });
    const vectors = layer('embedding', { input_dim: 20, output_dim: 4 }, 'emb', [ids]);
    expect(vectors.shape).toEqual([null, 3, 5, 4]);
    await learns(ids, layer('dense', { units: 1 }, 'out2', [layer('flatten', {}, 'flat3', [vectors])]), tf.floor(tf.randomUniform([32, 3, 5], 0, 20, 'float32', 4)));
  });
});

describe('the custom layers survive a checkpoint (tfjs layers format)', () => {
  it('gru (reset_after), bidirectional gru and dilated convolutions save and load with the same outputs', async () => {
    const ctx = (name: string) => ({ name, seed: () => 3, where: name });
    const seq = tf.input({ shape: [6, 4] });
    const conv = LAYER_BUILDERS.conv1d({ filters: 3, kernel_size: 2, dilation_rate: 2, padding: 'same' }, ctx('conv'))([seq]);
    const dw = LAYER_BUILDERS.reshape({ target_shape: [6, 3, 1] }, ctx('r'))([conv]);
    const sep = LAYER_BUILDERS.separable_conv2d({ filters: 2, kernel_size: 2, dilation_rate: 2, strides: 2, padding: 'same' }, ctx('sep'))([dw]);
    const back = LAYER_BUILDERS.reshape({ target_shape: [3, 4] }, ctx('r2'))([sep]);
    const g = LAYER_BUILDERS.gru({ units: 3, return_sequences: true }, ctx('gru'))([back]);
    const out = LAYER_BUILDERS.bidirectional({ layer: { type: 'gru', params: { units: 2 } } }, ctx('bi'))([g]);
    const model = tf.model({ inputs: seq, outputs: out });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.randomNormal([2, 6, 4], 0, 1, 'float32', 8);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(loaded.countParams()).toBe(model.countParams());
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
