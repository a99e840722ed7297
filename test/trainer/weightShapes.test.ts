/**
 * The catalog's weight tensors (LayerInfo.weights, which the parameter counts add up) against the
 * real thing: the tensors TensorFlow.js builds for every layer entry that states them (names,
 * shapes, trainable), and the shapes Keras 3 saved in test/fixtures/keras-small.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { entries, withDefaults } from '../../src/core/catalog';
import { fileDataHost } from '../../src/node/dataHost';
import { hdf5 } from '../../src/node/pretrained';
import { buildModel } from '../../src/trainer/model/build';
import { ROOT } from './helpers';

/** One spec layer per case, after `input`; the layer under test is named `x`. */
const cases: { what: string; input: number[]; layer: string }[] = [
  { what: 'dense', input: [6], layer: 'dense: { units: 4 }' },
  { what: 'dense without bias', input: [3, 6], layer: 'dense: { units: 4, use_bias: false }' },
  { what: 'conv1d', input: [10, 3], layer: 'conv1d: { filters: 5, kernel_size: 3 }' },
  { what: 'conv2d', input: [8, 8, 3], layer: 'conv2d: { filters: 5, kernel_size: [3, 2] }' },
  { what: 'conv2d_transpose', input: [4, 4, 3], layer: 'conv2d_transpose: { filters: 5, kernel_size: 3 }' },
  { what: 'depthwise_conv2d', input: [8, 8, 3], layer: 'depthwise_conv2d: { kernel_size: 3, depth_multiplier: 2 }' },
  { what: 'depthwise_conv2d dilated (custom layer)', input: [9, 9, 3], layer: 'depthwise_conv2d: { kernel_size: 3, dilation_rate: 2 }' },
  { what: 'separable_conv2d', input: [8, 8, 3], layer: 'separable_conv2d: { filters: 4, kernel_size: 3, depth_multiplier: 2 }' },
  { what: 'separable_conv2d dilated (custom layer)', input: [9, 9, 3], layer: 'separable_conv2d: { filters: 4, kernel_size: 3, dilation_rate: 2, use_bias: false }' },
  { what: 'batch_norm', input: [5, 5, 3], layer: 'batch_norm: {}' },
  { what: 'batch_norm without γ', input: [7], layer: 'batch_norm: { scale: false }' },
  { what: 'layer_norm', input: [4, 6], layer: 'layer_norm: {}' },
  { what: 'layer_norm without β', input: [4, 6], layer: 'layer_norm: { center: false }' },
  { what: 'embedding', input: [7], layer: 'embedding: { input_dim: 20, output_dim: 4 }' },
  { what: 'positional_embedding', input: [7], layer: 'positional_embedding: { vocab_size: 20, max_length: 9, output_dim: 4 }' },
  { what: 'simple_rnn', input: [5, 3], layer: 'simple_rnn: { units: 4 }' },
  { what: 'lstm', input: [5, 3], layer: 'lstm: { units: 4 }' },
  { what: 'gru (reset_after, custom layer)', input: [5, 3], layer: 'gru: { units: 4 }' },
  { what: 'gru without reset_after', input: [5, 3], layer: 'gru: { units: 4, reset_after: false }' },
  { what: 'bidirectional lstm', input: [5, 3], layer: 'bidirectional: { layer: { lstm: { units: 4 } } }' },
  { what: 'bidirectional gru', input: [5, 3], layer: 'bidirectional: { layer: { gru: { units: 2, return_sequences: true } }, merge_mode: sum }' },
  { what: 'prelu', input: [4, 4, 3], layer: 'prelu: { shared_axes: [1, 2] }' },
];

const spec = (input: number[], layer: string) => `name: w
model:
  input: [${input.join(', ')}]
  layers:
    - ${layer}
      name: x
`;

/** A tfjs weight's name inside its layer: `x/kernel` → `kernel`, `x/forward_x_lstm/kernel` → `forward/kernel`. */
const localName = (name: string) => name.replace(/^x\//, '').replace(/^(forward|backward)_x_\w+\//, '$1/');

describe("the catalog's weight tensors are TensorFlow.js's", () => {
  for (const c of cases) {
    it(c.what, () => {
      const a = analyze(spec(c.input, c.layer));
      expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const info = a.model!.layers[0];
      expect(info.weights, 'the entry states its tensors').toBeDefined();
      const built = buildModel(a.spec, a.model!, 1).getLayer('x');
      expect(info.weights!.map((w) => ({ ...w }))).toEqual(built.weights.map((t) => ({ name: localName(t.originalName), shape: t.shape, trainable: t.trainable })));
      expect(info.params).toBe(built.countParams());
    });
  }

  it('every layer entry with parameters states its tensors, but the composite attention layers and bert', () => {
    const composite = ['multi_head_attention', 'transformer_encoder', 'bert'];
    const missing = entries('layer')
      .filter((e) => !composite.includes(e.name))
      .filter((e) => e.shapeCases.some((s) => {
        const out = e.infer(s.inputs, withDefaults(e.params, s.params ?? {}));
        return 'params' in out && out.params > 0 && !out.weights;
      }))
      .map((e) => e.name);
    expect(missing).toEqual([]);
  });
});

describe("the catalog's weight shapes are Keras 3's (test/fixtures/keras-small)", () => {
  const DIR = join(ROOT, 'test', 'fixtures', 'keras-small');
  const reference = JSON.parse(readFileSync(join(DIR, 'reference-outputs.json'), 'utf8')) as { models: Record<string, { layers: { name: string; class: string; weights: number[][] }[] }> };
  const covered = { small_cnn: 'Conv2D, BatchNormalization, Dense', small_rnn: 'Embedding, LSTM, GRU with reset_after, Dense' };
  for (const [model, classes] of Object.entries(covered)) {
    it(`${model}: ${classes}`, async () => {
      await hdf5();
      const a = analyze(readFileSync(join(DIR, `${model}.model.yaml`), 'utf8'), { host: fileDataHost(DIR) });
      const withWeights = reference.models[model].layers.filter((l) => l.weights.length > 0);
      expect(withWeights.length).toBe(4);
      for (const l of withWeights) {
        const info = a.model!.layers.find((i) => i.id === l.name)!;
        expect(info.weights?.map((w) => w.shape), `${l.class} ${l.name}`).toEqual(l.weights);
      }
    });
  }
});
