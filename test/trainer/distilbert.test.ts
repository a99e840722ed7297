/**
 * The `bert` layer on a DistilBERT folder against a PyTorch re-implementation of transformers'
 * DistilBertModel (test/fixtures/hf-distilbert-small-random/make_distilbert.py): on the bert
 * fixture's ids, our hidden states equal the reference's within 1e-4, with the padding mask and
 * with HF's default all-ones mask; `pooling: cls` is the `[CLS]` state.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bertParamCount, bertWeightShapes, fixedParamCount, parseBertConfig } from '../../src/core/weights/bertConfig';
import { readSafeTensors, writeSafeTensors } from '../../src/core/weights/safetensors';
import * as tf from '../../src/trainer/tf';
import { config, encoder, maxAbsDiff, meanOverMask } from './bertHelpers';
import { ROOT } from './helpers';

const dir = join(ROOT, 'test', 'fixtures', 'hf-distilbert-small-random');
const ref = JSON.parse(readFileSync(join(dir, 'reference-outputs.json'), 'utf8')) as {
  input_ids: number[][];
  attention_mask: number[][];
  last_hidden_state: number[][][];
  last_hidden_state_without_mask: number[][][];
};

describe('bert layer on a DistilBERT folder (parity with DistilBertModel)', () => {
  const c = config(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const weights = readSafeTensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  const L = ref.input_ids[0].length;
  const ids = tf.tensor2d(ref.input_ids, undefined, 'int32');
  const types = tf.zerosLike(ids);

  it('reads config.json: DistilBERT sizes, no token types, no pooler', () => {
    expect(c).toMatchObject({ modelType: 'distilbert', hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 37, typeVocabSize: 0, layerNormEps: 1e-12 });
    // Every tensor of the file, and nothing more: the layer's names are DistilBertModel's.
    expect([...bertWeightShapes(c, true).keys()].sort()).toEqual([...weights.keys()].sort());
    expect(bertParamCount(c, true)).toBe(21418);
  });

  it('gives DistilBertModel last_hidden_state within 1e-4, masked and unmasked, and cls = the [CLS] state', () => {
    const hidden = encoder(c, 'none', weights, L);
    const masked = (hidden.apply([ids, types, tf.tensor2d(ref.attention_mask, undefined, 'int32')]) as tf.Tensor).arraySync() as number[][][];
    const unmasked = (hidden.apply([ids, types, tf.onesLike(ids)]) as tf.Tensor).arraySync() as number[][][];
    const fromIds = (hidden.apply(ids) as tf.Tensor).arraySync() as number[][][];
    const dm = maxAbsDiff(masked, ref.last_hidden_state);
    const du = maxAbsDiff(unmasked, ref.last_hidden_state_without_mask);
    console.log(`distilbert parity: last_hidden_state max |diff| ${dm.toExponential(2)} (padding masked), ${du.toExponential(2)} (no mask)`);
    expect(dm).toBeLessThan(1e-4);
    expect(du).toBeLessThan(1e-4);
    // The mask matters (the two references differ) and ids alone mask the padding id.
    expect(maxAbsDiff(ref.last_hidden_state, ref.last_hidden_state_without_mask)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(fromIds, ref.last_hidden_state)).toBeLessThan(1e-4);
    const cls = (encoder(c, 'cls', weights, L).apply(ids) as tf.Tensor).arraySync() as number[][];
    expect(maxAbsDiff(cls, ref.last_hidden_state.map((seq) => seq[0]))).toBeLessThan(1e-4);
    const mean = (encoder(c, 'mean', weights, L).apply(ids) as tf.Tensor).arraySync() as number[][];
    expect(maxAbsDiff(mean, meanOverMask(ref.last_hidden_state, ref.attention_mask))).toBeLessThan(1e-4);
  });

  it("loads a task model's `distilbert.`-prefixed weights and keeps a sinusoidal position table frozen", () => {
    const sinusoidal = config({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), sinusoidal_pos_embds: true });
    const prefixed = new Map([...weights].map(([k, v]) => [`distilbert.${k}`, v]));
    prefixed.set('pre_classifier.weight', { shape: [32, 32], values: new Float32Array(32 * 32) });
    const loaded = readSafeTensors(writeSafeTensors(prefixed));
    const layer = encoder(sinusoidal, 'none', loaded, L);
    const hidden = (layer.apply(ids) as tf.Tensor).arraySync() as number[][][];
    expect(maxAbsDiff(hidden, ref.last_hidden_state)).toBeLessThan(1e-4);
    const position = 'embeddings.position_embeddings.weight';
    expect(layer.nonTrainableWeights.map((w) => w.originalName.split('/').pop())).toEqual([position]);
    expect(layer.countParams() - layer.trainableWeights.reduce((n, w) => n + w.read().size, 0)).toBe(fixedParamCount(sinusoidal));
    const frozen = encoder(sinusoidal, 'cls', loaded, L, false);
    expect(frozen.trainableWeights).toEqual([]);
    expect(frozen.countParams()).toBe(bertParamCount(sinusoidal, true));
  });

  it('reports unsupported or malformed DistilBERT config fields by name', () => {
    const base = { model_type: 'distilbert', vocab_size: 30 };
    expect(parseBertConfig({ ...base, activation: 'swish' })).toEqual({ error: expect.objectContaining({ field: 'activation' }) });
    expect(parseBertConfig({ ...base, dim: 30, n_heads: 4 })).toEqual({ error: expect.objectContaining({ field: 'n_heads' }) });
    expect(parseBertConfig({ ...base, hidden_dim: 0 })).toEqual({ error: expect.objectContaining({ field: 'hidden_dim' }) });
    expect(parseBertConfig({ ...base, sinusoidal_pos_embds: 'yes' })).toEqual({ error: expect.objectContaining({ field: 'sinusoidal_pos_embds' }) });
    expect(parseBertConfig({ model_type: 'roberta', vocab_size: 30 })).toEqual({ error: expect.objectContaining({ field: 'model_type', message: expect.stringContaining('"distilbert"') }) });
  });
});
