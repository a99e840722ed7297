/**
 * Fine-tuning from a Hugging Face folder end to end: `wordpiece` + `bert` + a dense head train on
 * a tiny sentiment set (the loss falls), the run stores the tokenizer, and the run's model
 * answers raw text (predict tokenizes it with the stored vocabulary, the folder gone).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPreprocessing } from '../../src/trainer/data/fitted';
import { loadRunModel } from '../../src/trainer/inference';
import { ofType, ROOT, train, trainerBundle, workspace } from './helpers';

beforeAll(() => trainerBundle(), 180_000);

const good = ['really good movie', 'great fun film', 'excellent story', 'i love this film', 'the best acting ever', 'good ending, happy'];
const bad = ['awful boring movie', 'terrible plot', 'the worst film ever', 'i hate this story', 'bad acting, sad', 'boring and slow'];
const rows = Array.from({ length: 48 }, (_, i) => JSON.stringify({ review: (i % 2 ? bad : good)[Math.floor(i / 2) % 6], positive: i % 2 ? 0 : 1 })).join('\n');

const sentimentSpec = `version: 1
name: bert-sentiment
seed: 4
data:
  source:
    jsonl: { path: reviews.jsonl, text: review, label: positive, label_type: binary }
  pipeline:
    - wordpiece: { from: bert-folder, max_length: 12 }
model:
  input: [12]
  layers:
    - bert: { from: bert-folder, pooling: cls }
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: { adam: { learning_rate: 0.002 } }
  epochs: 6
  batch_size: 8
`;

describe('fine-tuning a BERT folder into a sentiment classifier', () => {
  // DistilBERT goes through the same layer: its run's saved model must rebuild DistilBERT's names.
  it.each(['hf-bert-small-random', 'hf-distilbert-small-random'])('%s: trains (the loss falls), stores the tokenizer, and predicts from raw text without the folder', async (fixture) => {
    const dir = workspace({ 's.model.yaml': sentimentSpec, 'reviews.jsonl': `${rows}\n` });
    cpSync(join(ROOT, 'test', 'fixtures', fixture), join(dir, 'bert-folder'), { recursive: true });
    const { result, events } = await train(join(dir, 's.model.yaml'), { out: workspace({}) });
    expect(result.status, result.error?.message).toBe('completed');
    const losses = ofType(events, 'epoch').map((e) => e.metrics.loss);
    console.log(`${fixture} fine-tuning losses`, losses.map((l) => l.toFixed(3)).join(' '));
    expect(losses.length).toBe(6);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.8);

    const pre = readPreprocessing(result.runDir!);
    const step = pre.steps.find((s) => s.type === 'wordpiece')!;
    expect((step.fitted as { tokens: string[] }).tokens.slice(0, 3)).toEqual(['[PAD]', '[UNK]', '[CLS]']);

    rmSync(join(dir, 'bert-folder'), { recursive: true });
    const rm = await loadRunModel(result.runDir!, { backend: 'cpu' });
    try {
      const out = await rm.predict([{ review: 'really good movie' }, { review: 'terrible plot' }]);
      // Texts it trained on: the fine-tuned encoder + head separate them.
      expect(out.map((o) => (o as unknown as { label: string }).label)).toEqual(['1', '0']);
    } finally {
      rm.dispose();
    }
  }, 300_000);

  it('refuses a truncated model.safetensors before training, at `from`, naming the file and tensor', async () => {
    const dir = workspace({ 's.model.yaml': sentimentSpec, 'reviews.jsonl': `${rows}\n` });
    cpSync(join(ROOT, 'test', 'fixtures', 'hf-bert-small-random'), join(dir, 'bert-folder'), { recursive: true });
    const weights = join(dir, 'bert-folder', 'model.safetensors');
    writeFileSync(weights, readFileSync(weights).subarray(0, 50_000));
    const { result, events } = await train(join(dir, 's.model.yaml'), { out: workspace({}) });
    expect(result.status).toBe('failed');
    const err = ofType(events, 'error')[0];
    expect(err.code).toBe('spec/invalid');
    expect(err.diagnostics?.[0]).toMatch(/s\.model\.yaml:12:21: error\[bert\/bad-weights\]: `bert-folder\/model\.safetensors`: Tensor `.*`: its data ends at byte \d+, past the end of the file's \d+ data bytes \(truncated file\?\)/);
    expect(JSON.stringify(events)).not.toMatch(/\n\s+at /);
  }, 300_000);
});
