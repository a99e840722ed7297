/**
 * The `bert` encoder layer against Hugging Face `transformers`: on the fixture folder's ids, our
 * layer's hidden states and pooled output equal BertModel's (eval mode) within 1e-4; any other
 * config of the family builds with the shapes and parameter count config.json implies.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bertParamCount, bertWeightShapes, parseBertConfig } from '../../src/core/weights/bertConfig';
import { readSafeTensors, readSafeTensorsHeader, SafeTensorsError, writeSafeTensors, type Tensor32 } from '../../src/core/weights/safetensors';
import { BertEncoder } from '../../src/trainer/model/layers/bert';
import { bertBuilders } from '../../src/trainer/model/layers/bertBuilder';
import * as tf from '../../src/trainer/tf';
import { config, encoder, maxAbsDiff, meanOverMask } from './bertHelpers';
import { ROOT } from './helpers';

const dir = join(ROOT, 'test', 'fixtures', 'hf-bert-small-random');
const ref = JSON.parse(readFileSync(join(dir, 'reference-outputs.json'), 'utf8')) as {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  last_hidden_state: number[][][];
  pooler_output: number[][];
};

describe('bert encoder (Hugging Face parity)', () => {
  const c = config(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const weights = readSafeTensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  const L = ref.input_ids[0].length;
  const inputs = [tf.tensor2d(ref.input_ids, undefined, 'int32'), tf.tensor2d(ref.token_type_ids, undefined, 'int32'), tf.tensor2d(ref.attention_mask, undefined, 'int32')];

  it('gives BertModel last_hidden_state and pooler_output within 1e-4', () => {
    const hidden = encoder(c, 'none', weights, L).apply(inputs) as tf.Tensor;
    const pooled = encoder(c, 'cls', weights, L).apply(inputs) as tf.Tensor;
    const dh = maxAbsDiff(hidden.arraySync() as number[][][], ref.last_hidden_state);
    const dp = maxAbsDiff(pooled.arraySync() as number[][], ref.pooler_output);
    console.log(`bert parity: last_hidden_state max |diff| ${dh.toExponential(2)}, pooler_output ${dp.toExponential(2)}`);
    expect(dh).toBeLessThan(1e-4);
    expect(dp).toBeLessThan(1e-4);
  });

  it('trainable: false leaves no trainable weight (so training computes no gradient for the encoder)', () => {
    const frozen = new BertEncoder({ config: c, pooling: 'cls', trainable: false });
    frozen.apply(tf.input({ shape: [L] }));
    expect(frozen.trainableWeights.length).toBe(0);
    expect(frozen.nonTrainableWeights.length).toBe(frozen.weights.length);
    expect(frozen.countParams()).toBe(bertParamCount(c, true));
  });

  it('derives the mask from the padding id when given ids alone, and mean-pools over it', () => {
    const pooled = encoder(c, 'cls', weights, L).apply(inputs[0]) as tf.Tensor;
    expect(maxAbsDiff(pooled.arraySync() as number[][], ref.pooler_output)).toBeLessThan(1e-4);
    const mean = (encoder(c, 'mean', weights, L).apply(inputs) as tf.Tensor).arraySync() as number[][];
    expect(maxAbsDiff(mean, meanOverMask(ref.last_hidden_state, ref.attention_mask))).toBeLessThan(1e-4);
  });

  it('builds any config of the family: shapes and parameter count from config.json', () => {
    const other = config({ model_type: 'bert', vocab_size: 50, hidden_size: 24, num_hidden_layers: 3, num_attention_heads: 4, intermediate_size: 40, hidden_act: 'gelu_new', max_position_embeddings: 16, type_vocab_size: 1, layer_norm_eps: 1e-5 });
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 0.4 - 0.2;
    const tensors = new Map<string, Tensor32>();
    for (const [name, shape] of bertWeightShapes(other, true)) tensors.set(`bert.${name}`, { shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, random) });
    // Through the file format: written, read back (a task model's `bert.` prefix).
    const loaded = readSafeTensors(writeSafeTensors(tensors));
    for (const pooling of ['cls', 'mean', 'none'] as const) {
      const layer = encoder(other, pooling, loaded, 10);
      expect(layer.countParams()).toBe(bertParamCount(other, pooling === 'cls'));
      const y = layer.apply(tf.tensor2d([[2, 5, 9, 0, 0, 0, 0, 0, 0, 0]], undefined, 'int32')) as tf.Tensor;
      expect(y.shape).toEqual(pooling === 'none' ? [1, 10, 24] : [1, 24]);
      expect(Number.isFinite((y.sum().arraySync() as number))).toBe(true);
    }
    // 50·24 + 16·24 + 1·24 + 48 embeddings, 3 × (4·(24·24+24) + 24·40+40 + 40·24+24 + 4·24) layers, 24·24+24 pooler.
    expect(bertParamCount(other, true)).toBe(50 * 24 + 16 * 24 + 24 + 48 + 3 * (4 * (24 * 24 + 24) + 24 * 40 + 40 + 40 * 24 + 24 + 4 * 24) + 24 * 24 + 24);
  });

  it('builds the published small configs (bert-tiny, all-MiniLM-L6-v2) with their published parameter counts', () => {
    for (const [name, params, hidden] of [['bert-tiny', 4_385_920, 128], ['all-MiniLM-L6-v2', 22_713_216, 384]] as const) {
      const c = config(JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'hf-configs', `${name}.json`), 'utf8')));
      const layer = new BertEncoder({ config: c, pooling: 'cls' });
      const y = layer.apply(tf.input({ shape: [16], dtype: 'int32' })) as tf.SymbolicTensor;
      expect(layer.countParams(), name).toBe(params);
      expect(y.shape, name).toEqual([null, hidden]);
      tf.dispose(layer.weights.map((w) => w.read()));
    }
  });

  it('reports a truncated or corrupt file, an unsupported config field, a misshapen tensor', () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'model.safetensors')));
    expect(() => readSafeTensors(bytes.subarray(0, bytes.length - 100))).toThrow(/past the end of the file.*truncated/);
    expect(() => readSafeTensorsHeader(bytes.subarray(0, 5))).toThrow(SafeTensorsError);
    const corrupt = bytes.slice();
    corrupt[9] = 0x7b;
    corrupt[10] = 0x7b;
    expect(() => readSafeTensors(corrupt)).toThrow(/not valid JSON/);
    expect(parseBertConfig({ vocab_size: 10, position_embedding_type: 'relative_key' })).toEqual({ error: expect.objectContaining({ field: 'position_embedding_type' }) });
    expect(parseBertConfig({ vocab_size: 10, hidden_act: 'swish' })).toEqual({ error: expect.objectContaining({ field: 'hidden_act' }) });
    expect(parseBertConfig({ hidden_size: 32 })).toEqual({ error: expect.objectContaining({ field: 'vocab_size' }) });
    const small = config({ vocab_size: 179, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 64 });
    expect(() => encoder(small, 'cls', weights, 8)).toThrow(/`embeddings.word_embeddings.weight` has shape \[179, 32\], but config.json gives \[179, 16\]/);
  });

  it('names a missing config.json or model.safetensors as missing, not as bad JSON', () => {
    const folder = mkdtempSync(join(tmpdir(), 'modelyaml-bert-missing-'));
    const build = () => bertBuilders.bert({ from: folder, pooling: 'cls' }, { name: 'bert', seed: () => 1, where: 'spec.model.yaml:9:7' })([]);
    try {
      expect(build).toThrow(/cannot read .*config\.json \(ENOENT\)/);
      expect(build).not.toThrow(/not valid JSON/);
      copyFileSync(join(dir, 'config.json'), join(folder, 'config.json'));
      expect(build).toThrow(/cannot read .*model\.safetensors \(ENOENT\)/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
