/**
 * The static shape rules and parameter counts of the layer catalog, checked against real
 * TensorFlow.js (cpu backend): every shape case of every layer is built as a tfjs layer, applied to
 * symbolic inputs of the case's shapes, and tfjs's output shape and model.countParams() must equal
 * what the catalog's `infer` says; the model is then run on zeros and the concrete output shape
 * checked too. Error cases must fail in tfjs as well (unless listed in STRICTER_THAN_TFJS). This is
 * the guarantee that the counts shown in the editor are the counts of the model that trains.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { camelCase, entries, lookup, tfjsFactory, tfjsLayerArgs, withDefaults } from '../../src/core/catalog';
import type { LayerEntry, Params, ShapeCase } from '../../src/core/catalog';
import type { Shape } from '../../src/core/shape';
import { toTuple } from '../../src/core/shape';
import { DilatedDepthwiseConv2D, ResetAfterGRU } from '../../src/trainer/model/custom';

/**
 * Layers without a single tf.layers factory, skipped in the per-layer tfjs comparison: tfjs 4.x does
 * not export MultiHeadAttention (its internal nlp class exists but is not in the Node bundle, and
 * does not report its sub-layers' weights to countParams), and transformer_encoder /
 * positional_embedding are compositions. Their counts are checked below against the sum of their
 * parts built from public tfjs layers instead. (The multi_head_attention and transformer_encoder
 * cases were also checked once, outside the suite, against the sub-layers of that internal
 * MultiHeadAttention class: all equal.)
 */
// `bert` is built from a Hugging Face folder: test/trainer/bert.test.ts checks its parameter count against the checkpoint and its outputs against transformers.
const COMPOSED = new Set(['multi_head_attention', 'transformer_encoder', 'positional_embedding', 'bert']);

/**
 * Error cases where the catalog is deliberately stricter than tfjs (tfjs builds a layer that is
 * wrong for the task or only fails at training time), so tfjs is not expected to refuse them.
 */
const STRICTER_THAN_TFJS: Record<string, string> = {
  'bidirectional:shape/bidirectional-layer': 'tfjs wraps any layer, but running a dense layer "backwards" means nothing',
};

/** The tf.layers factory named by an entry's `tfjs` mapping ("tf.layers.conv2d" → tf.layers.conv2d). */
function factory(entry: LayerEntry): (args: Record<string, unknown>) => tf.layers.Layer {
  const name = tfjsFactory(entry);
  const f = name ? (tf.layers as unknown as Record<string, unknown>)[name] : undefined;
  if (typeof f !== 'function') throw new Error(`${entry.name}: tfjs mapping "${entry.tfjs}" is not a tf.layers factory`);
  return f as (args: Record<string, unknown>) => tf.layers.Layer;
}

/**
 * Catalog params → tfjs layer args through the catalog's own mapping (the trainer's too), with
 * references resolved for shapes only: initializers do not change shapes or counts (zeros keeps
 * big orthogonal matrices fast), regularizers neither.
 */
function tfjsArgs(entry: LayerEntry, params: Params): Record<string, unknown> {
  return tfjsLayerArgs(entry, params, (spec, value) => {
    if (spec.type.kind === 'layer') {
      const nested = value as { type: string; params: Record<string, unknown> };
      const inner = lookup('layer', nested.type);
      if (!inner) throw new Error(`unknown nested layer ${nested.type}`);
      return build(inner, withDefaults(inner.params, nested.params));
    }
    if (spec.type.category === 'initializer') return 'zeros';
    if (spec.type.category === 'activation' && typeof value === 'string') return camelCase(value);
    return undefined;
  });
}

function build(entry: LayerEntry, params: Params): tf.layers.Layer {
  // tfjs's GRUCell refuses Keras 3's default reset_after: the trainer's custom layer stands in.
  if (entry.name === 'gru' && params.reset_after === true) return new ResetAfterGRU(tfjsArgs(entry, params) as never);
  // tfjs cannot combine strides with dilation in a depthwise convolution (nor train a dilated one): the trainer's layer.
  const dilated = (entry.name === 'depthwise_conv2d' || entry.name === 'separable_conv2d') && toTuple(params.dilation_rate, 2, 1).some((d) => d > 1);
  if (dilated) return new DilatedDepthwiseConv2D(tfjsArgs(entry, params) as never);
  return factory(entry)(tfjsArgs(entry, params));
}

type Built = { shape: (number | null)[]; params: number; run(): number[] };
type TfjsOutcome = Built | { thrown: string };

/**
 * Concrete input shapes for a run: batch 2; a symbolic axis takes the size another input has on
 * that axis (so merges of (None, 10, None) and (None, 10, 4) line up), else 12.
 */
function concrete(inputs: readonly Shape[]): number[][] {
  return inputs.map((s) => s.map((d, a) => (a === 0 ? 2 : (d ?? inputs.find((t) => t[a] !== null && t[a] !== undefined)?.[a] ?? 12))));
}

/** Builds the layer in tfjs on symbolic inputs of the case's shapes (the batch axis is implicit). */
function inTfjs(entry: LayerEntry, c: ShapeCase): TfjsOutcome {
  try {
    const inputs = c.inputs.map((s) => tf.input({ shape: s.slice(1) as (number | null)[] }));
    const layer = build(entry, withDefaults(entry.params, c.params));
    const y = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor;
    const model = tf.model({ inputs, outputs: y });
    const run = (): number[] =>
      tf.tidy(() => {
        const xs = concrete(c.inputs).map((shape) => tf.zeros(shape));
        return (model.predict(xs.length === 1 ? xs[0] : xs) as tf.Tensor).shape;
      });
    return { shape: y.shape, params: model.countParams(), run };
  } catch (e) {
    return { thrown: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Cases Keras builds but tf.layers refuses, which the trainer builds itself (flatten of a flat
 * input and a merge of one input as identity layers): test/trainer/model.test.ts builds every
 * shape case with the trainer's builders and checks shapes and counts there.
 */
const beyondTfjs = (entry: LayerEntry, c: ShapeCase): boolean =>
  (entry.name === 'flatten' && c.inputs[0].length === 2) || (entry.arity === 'many' && c.inputs.length === 1);

function throws(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch {
    return true;
  }
}

/**
 * tfjs's symbolic shape is sometimes less precise than the catalog's: Reshape gives None for a -1
 * axis, Cropping2D computes None − 2 = −2. There the run on concrete tensors decides.
 */
const agrees = (tfjsDim: number | null, ours: number | null): boolean => tfjsDim === ours || tfjsDim === null || tfjsDim < 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('layer catalog agrees with TensorFlow.js', () => {
  for (const entry of entries('layer')) {
    if (COMPOSED.has(entry.name)) continue;
    describe(entry.name, () => {
      it('maps to a tf.layers factory', () => {
        expect(() => factory(entry)).not.toThrow();
      });
      entry.shapeCases.forEach((c, i) => {
        const label = `case ${i + 1}: ${JSON.stringify(c.params ?? {})} on ${c.inputs.map((s) => JSON.stringify(s)).join(', ')}`;
        if (c.error) {
          const key = `${entry.name}:${c.error}`;
          it(`${label} fails in tfjs too (${c.error})`, () => {
            const got = inTfjs(entry, c);
            if (STRICTER_THAN_TFJS[key]) return; // documented above
            // tfjs refuses the layer, computes an impossible (empty) output, or fails when it runs.
            const refused = 'thrown' in got || got.shape.some((d) => d !== null && d <= 0) || throws(() => got.run());
            expect(refused, JSON.stringify(got)).toBe(true);
          });
        } else {
          it(`${label} builds and runs with the same shape and parameter count`, () => {
            if (beyondTfjs(entry, c)) return;
            const ours = entry.infer(c.inputs, withDefaults(entry.params, c.params));
            expect(ours).toHaveProperty('shape');
            if (!('shape' in ours)) return;
            const got = inTfjs(entry, c);
            expect(got).not.toHaveProperty('thrown');
            if ('thrown' in got) return;
            const symbolic = `tfjs ${JSON.stringify(got.shape)} vs catalog ${JSON.stringify(ours.shape)}`;
            expect(got.shape.length, symbolic).toBe(ours.shape.length);
            expect(got.shape.every((d, a) => agrees(d, ours.shape[a])), symbolic).toBe(true);
            expect(got.params).toBe(ours.params);
            const ran = got.run();
            ours.shape.forEach((d, a) => {
              if (a > 0 && d !== null) expect(ran[a], `run: tfjs ${JSON.stringify(ran)} vs catalog ${JSON.stringify(ours.shape)}`).toBe(d);
            });
          });
        }
      });
    });
  }
});

/** Runs a stack of catalog layers through their `infer`, as the checker does. */
function chain(input: Shape, stack: [string, Record<string, unknown>?][]): { shape: Shape; params: number } {
  let shape = input;
  let params = 0;
  for (const [name, given] of stack) {
    const entry = lookup('layer', name)!;
    const out = entry.infer([shape], withDefaults(entry.params, given));
    if ('error' in out) throw new Error(`${name}: ${out.error.message}`);
    shape = out.shape;
    params += out.params;
  }
  return { shape, params };
}

describe('classic models', () => {
  it('the Keras MNIST CNN has 93,322 parameters', () => {
    const stack: [string, Record<string, unknown>?][] = [
      ['conv2d', { filters: 32, kernel_size: 3, activation: 'relu' }],
      ['max_pool2d', { pool_size: 2 }],
      ['conv2d', { filters: 64, kernel_size: 3, activation: 'relu' }],
      ['max_pool2d', { pool_size: 2 }],
      ['conv2d', { filters: 64, kernel_size: 3, activation: 'relu' }],
      ['flatten'],
      ['dense', { units: 64, activation: 'relu' }],
      ['dense', { units: 10, activation: 'softmax' }],
    ];
    const ours = chain([null, 28, 28, 1], stack);
    expect(ours).toEqual({ shape: [null, 10], params: 93_322 });
    const model = tf.sequential();
    model.add(tf.layers.inputLayer({ inputShape: [28, 28, 1] }));
    for (const [name, given] of stack) {
      const entry = lookup('layer', name)!;
      model.add(build(entry, withDefaults(entry.params, given)));
    }
    expect(model.countParams()).toBe(93_322);
    expect(model.outputs[0].shape).toEqual([null, 10]);
  });

  it('the IMDB LSTM classifier (embedding → lstm → lstm → dense) counts as in tfjs', () => {
    const stack: [string, Record<string, unknown>?][] = [
      ['embedding', { input_dim: 10_000, output_dim: 128 }],
      ['lstm', { units: 128, return_sequences: true }],
      ['lstm', { units: 128 }],
      ['dense', { units: 1, activation: 'sigmoid' }],
    ];
    const ours = chain([null, 200], stack);
    // 1,280,000 (embedding) + 131,584 + 131,584 (LSTMs) + 129 (dense)
    expect(ours).toEqual({ shape: [null, 1], params: 1_543_297 });
    const model = tf.sequential();
    model.add(tf.layers.inputLayer({ inputShape: [200] }));
    for (const [name, given] of stack) {
      const entry = lookup('layer', name)!;
      model.add(build(entry, withDefaults(entry.params, given)));
    }
    expect(model.countParams()).toBe(1_543_297);
  });
});

/**
 * Composed layers: not compared with a single tfjs layer (there is none), but their counts must
 * equal the sum of the public tfjs layers they are made of.
 */
describe('composed layers equal the sum of their tfjs parts', () => {
  /** Parameters of a tfjs layer applied to a symbolic input of `shape` (batch axis implicit). */
  const count = (layer: tf.layers.Layer, shape: (number | null)[]): number => {
    const x = tf.input({ shape });
    return tf.model({ inputs: x, outputs: layer.apply(x) as tf.SymbolicTensor }).countParams();
  };
  const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  /** MultiHeadAttention as Keras defines it: dense projections to heads·key_dim (q, k), heads·value_dim (v), and back to `out`. */
  const mha = (t: number | null, d: number, heads: number, keyDim: number, valueDim: number, out: number, useBias = true): number =>
    2 * count(tf.layers.dense({ units: heads * keyDim, useBias, ...zeros }), [t, d]) +
    count(tf.layers.dense({ units: heads * valueDim, useBias, ...zeros }), [t, d]) +
    count(tf.layers.dense({ units: out, useBias, ...zeros }), [t, heads * valueDim]);

  it('multi_head_attention', () => {
    const entry = lookup('layer', 'multi_head_attention')!;
    for (const c of entry.shapeCases) {
      if (c.error) continue;
      const p = withDefaults(entry.params, c.params);
      const input = c.inputs[0];
      const d = input[input.length - 1] as number;
      const keyDim = p.key_dim as number;
      const out = (p.output_shape as number | undefined) ?? d;
      const expected = mha(input[1], d, p.num_heads as number, keyDim, (p.value_dim as number | undefined) ?? keyDim, out, p.use_bias as boolean);
      const ours = entry.infer(c.inputs, p);
      expect('shape' in ours && ours.params, JSON.stringify(c)).toBe(expected);
    }
  });

  it('transformer_encoder', () => {
    const entry = lookup('layer', 'transformer_encoder')!;
    for (const c of entry.shapeCases) {
      if (c.error) continue;
      const p = withDefaults(entry.params, c.params);
      const [, t, d] = c.inputs[0] as [null, number | null, number];
      const heads = p.num_heads as number;
      const keyDim = (p.key_dim as number | undefined) ?? d / heads;
      const ff = p.ff_dim as number;
      const expected =
        mha(t, d, heads, keyDim, keyDim, d) +
        2 * count(tf.layers.layerNormalization({}), [t, d]) +
        count(tf.layers.dense({ units: ff, ...zeros }), [t, d]) +
        count(tf.layers.dense({ units: d, ...zeros }), [t, ff]);
      const ours = entry.infer(c.inputs, p);
      expect('shape' in ours && ours.params, JSON.stringify(c)).toBe(expected);
    }
  });

  it('positional_embedding', () => {
    const entry = lookup('layer', 'positional_embedding')!;
    for (const c of entry.shapeCases) {
      if (c.error) continue;
      const p = withDefaults(entry.params, c.params);
      const out = p.output_dim as number;
      const tokens = count(tf.layers.embedding({ inputDim: p.vocab_size as number, outputDim: out, embeddingsInitializer: 'zeros' }), [c.inputs[0][1]]);
      const positions = count(tf.layers.embedding({ inputDim: p.max_length as number, outputDim: out, embeddingsInitializer: 'zeros' }), [c.inputs[0][1]]);
      const ours = entry.infer(c.inputs, p);
      expect('shape' in ours && ours.params, JSON.stringify(c)).toBe(tokens + positions);
      if ('shape' in ours) expect(ours.shape).toEqual([null, c.inputs[0][1], out]);
    }
  });
});

describe('infer never throws', () => {
  const dim = fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 64 }));
  const shape = fc.array(dim, { minLength: 0, maxLength: 4 }).map((rest): Shape => [null, ...rest]);
  for (const entry of entries('layer')) {
    it(`${entry.name}: any input shape with any of its cases' params gives a shape or a 'shape/…' problem`, () => {
      // Parameters as the checker passes them: type-checked, required ones present.
      const paramSets = entry.shapeCases.map((c) => c.params ?? {});
      const inputs = entry.arity === 'many' ? fc.array(shape, { minLength: 1, maxLength: 3 }) : shape.map((s) => [s]);
      fc.assert(
        fc.property(inputs, fc.constantFrom(...paramSets), (xs, given) => {
          const out = entry.infer(xs, withDefaults(entry.params, given));
          if ('error' in out) {
            expect(out.error.code).toMatch(/^shape\//);
            expect(out.error.message.length).toBeGreaterThan(10);
          } else {
            expect(Number.isInteger(out.params) && out.params >= 0).toBe(true);
            expect(out.shape[0]).toBe(xs[0][0]);
            for (const d of out.shape) expect(d === null || (Number.isInteger(d) && d > 0)).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
