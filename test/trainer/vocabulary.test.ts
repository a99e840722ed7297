/**
 * An embedding smaller than the token ids the pipeline produces: the trainer refuses the spec
 * with the checker's error at `input_dim`, naming both numbers, instead of failing mid-training
 * with tfjs's `GatherV2: the index value 67 is not in [0, 49]` and a stack trace.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ofType, train, trainerBundle, workspace } from './helpers';

beforeAll(async () => {
  await trainerBundle();
}, 120_000);

/** 74 distinct words, so `tokenize` gives ids up to 75. */
const words = Array.from({ length: 74 }, (_, i) => `w${i}`);
const reviews = Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: [words[(2 * i) % 74], words[(2 * i + 1) % 74], words[(5 * i) % 74]].join(' '), positive: i % 2 })).join('\n');

const spec = (inputDim: number) => `version: 1
name: vocab
data:
  source:
    jsonl: { path: r.jsonl, text: text, label: positive, label_type: binary }
  pipeline:
    - tokenize: { num_words: 1000 }
    - pad_sequences: { maxlen: 8 }
model:
  input: [8]
  layers:
    - embedding: { input_dim: ${inputDim}, output_dim: 4 }
    - global_avg_pool1d
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 8
`;

describe('token ids past the embedding table', () => {
  it('is refused before training with the checker\'s error, not a tfjs stack trace', async () => {
    const dir = workspace({ 's.model.yaml': spec(50), 'r.jsonl': `${reviews}\n` });
    const { result, events } = await train(join(dir, 's.model.yaml'), { out: workspace({}) });
    expect(result.status).toBe('failed');
    const err = ofType(events, 'error')[0];
    expect(err.code).toBe('spec/invalid');
    expect(err.diagnostics?.[0]).toMatch(/s\.model\.yaml:12:31: error\[data\/vocabulary-overflow\]: `input_dim` is 50, but .*74 distinct words.* ids up to 75/);
    expect(JSON.stringify(events)).not.toMatch(/GatherV2|\n\s+at /);
  });

  it('trains once input_dim covers the ids', async () => {
    const dir = workspace({ 's.model.yaml': spec(76), 'r.jsonl': `${reviews}\n` });
    const { result } = await train(join(dir, 's.model.yaml'), { out: workspace({}) });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('completed');
  });
});
