/**
 * Pretrained sources load by order: each source layer's tensors go, in Keras order, to the names the
 * trainer's layer holds its weights under (src/trainer/model/pretrained.ts assigns `layer.weights`
 * by position). The package writes them under model.py's per-layer tfjs names (GeneratedModel's
 * `tfWeights`): for every layer family with weights, those are the trainer's names in its order.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { generateModel } from '../../src/export/pytorch/model';
import { buildModel } from '../../src/trainer/model/build';
import { tfLayerNames } from '../../src/trainer/model/pretrained';
import * as tf from '../../src/trainer/tf';
import { example, specText } from './runs';

const SEQ = '  source: { dataset: iris }\n  pipeline: [standardize, { reshape: [4, 1] }, { one_hot: 3 }]';
const IMG = '  source: { dataset: { name: mnist, samples: 50 } }\n  pipeline: [{ scale: 255 }, { reshape: { shape: [28, 28, 1] } }, { one_hot: 10 }]';
const TRAIN = '  loss: categorical_crossentropy\n  optimizer: adam';

const SPECS: Record<string, string> = {
  sequences: specText('seq', 1, SEQ, '[4, 1]', `    - dense: { units: 6, activation: tanh }
    - multi_head_attention: { num_heads: 2, key_dim: 3, value_dim: 2, output_shape: [2, 4] }
    - reshape: [4, 8]
    - layer_norm
    - transformer_encoder: { num_heads: 2, ff_dim: 8 }
    - bidirectional: { layer: { gru: { units: 2, return_sequences: true } } }
    - gru: { units: 3, reset_after: false, return_sequences: true }
    - simple_rnn: { units: 2, return_sequences: true }
    - conv1d: { filters: 3, kernel_size: 2 }
    - lstm: { units: 2 }
    - prelu
    - dense: { units: 3, activation: softmax }`, TRAIN),
  images: specText('img', 1, IMG, '[28, 28, 1]', `    - separable_conv2d: { filters: 4, kernel_size: 3, strides: 2, padding: same }
    - batch_norm
    - depthwise_conv2d: { kernel_size: 3 }
    - conv2d_transpose: { filters: 3, kernel_size: 3, strides: 2, padding: same }
    - conv2d: { filters: 2, kernel_size: 3 }
    - flatten
    - dense: { units: 10, activation: softmax }`, TRAIN),
};
for (const name of ['lstm-sentiment', 'transformer-text', 'residual-cnn']) SPECS[name] = readFileSync(example(name), 'utf8');

describe('the package names pretrained tensors as the trainer orders them', () => {
  it.each(Object.keys(SPECS))('%s: every layer’s tfjs weight names, in the trainer layer’s order', async (name) => {
    await tf.setBackend('cpu');
    const a = analyze(SPECS[name]);
    const model = buildModel(a.spec, a.model!, 1);
    const names = tfLayerNames.get(model)!;
    const generated = generateModel(a, `${name}.model.yaml`);
    let compared = 0;
    // Attention and the transformer block are several tfjs layers (`<name>_query`, …): neither the
    // trainer nor a source has one layer of that name, so they are never loaded from a source.
    const single = new Set(model.layers.map((l) => l.name));
    for (const layer of generated.layers.filter((l) => single.has(names.get(l.id)!))) {
      const tfLayer = model.getLayer(names.get(layer.id)!);
      expect(layer.tfWeights, layer.id).toEqual(tfLayer.weights.map((w) => w.originalName));
      compared += layer.tfWeights.length;
    }
    expect(compared).toBeGreaterThan(4);
    model.dispose();
  });
});
