/**
 * The shipped fine-tuning example, examples/bert-sentiment.model.yaml, through the real trainer:
 * it learns the reviews (validation accuracy far above chance) with its AdamW + warm-up + linear
 * decay recipe, and the trained run labels raw reviews it never saw with the BERT folder gone
 * (the run's preprocessing.json carries the vocabulary). The same spec pointed at another BERT
 * folder, the `transformers`-written random-weight fixture, trains too: `from:` is all a user
 * changes to start from a downloaded checkpoint.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bertParamCount, parseBertConfig, type BertConfig } from '../../src/core/weights/bertConfig';
import { encode, parseVocabTxt, tokenizeText, wordPieceOptions } from '../../src/core/text/wordpiece';
import { exportOnnx, loadRun } from '../../src/export/onnx/export';
import { loadRunModel } from '../../src/trainer/inference';
import { ofType, ROOT, tempDir, train, trainerBundle, workspace } from './helpers';

beforeAll(() => trainerBundle(), 180_000);

const EXAMPLE = join(ROOT, 'examples', 'bert-sentiment.model.yaml');
const exampleText = readFileSync(EXAMPLE, 'utf8');

/** A throw-away copy of the example with its data (reviews.jsonl) and its BERT folder, laid out as in examples/. */
function exampleWorkspace(specText = exampleText): string {
  const dir = workspace({ 'bert-sentiment.model.yaml': specText });
  cpSync(join(ROOT, 'examples', 'data', 'reviews.jsonl'), join(dir, 'data', 'reviews.jsonl'));
  cpSync(join(ROOT, 'examples', 'data', 'bert-reviews'), join(dir, 'data', 'bert-reviews'), { recursive: true });
  return dir;
}

const FOLDER = join(ROOT, 'examples', 'data', 'bert-reviews');

describe('examples/data/bert-reviews, the example\'s BERT folder', () => {
  it('is what examples/data/make-bert-reviews.mjs writes, byte for byte', () => {
    const out = tempDir();
    execFileSync(process.execPath, [join(ROOT, 'examples', 'data', 'make-bert-reviews.mjs'), out]);
    const files = readdirSync(FOLDER).sort();
    expect(files).toEqual(['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
    expect(readdirSync(out).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(FOLDER, f))), f).toBe(true);
  });

  it('has every word of the reviews whole (no [UNK], no pieces), and each review fits max_length 32', () => {
    const vocab = { ids: parseVocabTxt(readFileSync(join(FOLDER, 'vocab.txt'), 'utf8')), options: wordPieceOptions(JSON.parse(readFileSync(join(FOLDER, 'tokenizer_config.json'), 'utf8'))) };
    const texts = readFileSync(join(ROOT, 'examples', 'data', 'reviews.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { text: string }).text);
    for (const text of texts) {
      const tokens = tokenizeText(text, vocab);
      expect(tokens.filter((t) => t === '[UNK]' || t.startsWith('##')), text).toEqual([]);
      expect(encode(vocab, text, 32).attentionMask.at(-1), text).toBe(0);
    }
    // A word it has not seen still gets pieces, not [UNK].
    expect(tokenizeText('Zyxt', vocab)).toEqual(['z', '##y', '##x', '##t']);
  });
});

describe('examples/bert-sentiment.model.yaml', () => {
  it('learns the reviews with warm-up then linear decay, and labels raw reviews with the folder gone', async () => {
    expect(exampleText).toContain('from: data/bert-reviews');
    const dir = exampleWorkspace();
    const { result, events } = await train(join(dir, 'bert-sentiment.model.yaml'), { out: workspace({}), batchEventEvery: 1 });
    expect(result.status, result.error?.message).toBe('completed');

    const epochs = ofType(events, 'epoch');
    const accuracies = epochs.map((e) => e.metrics.val_accuracy);
    console.log('bert-sentiment val_accuracy by epoch', accuracies.map((a) => a.toFixed(3)).join(' '));
    expect(epochs.length).toBe(4);
    // Chance is about 0.52 (the majority label); the templated reviews are learned almost perfectly.
    expect(accuracies.at(-1)!).toBeGreaterThan(0.9);

    // The recipe: 12 warm-up steps from 0 to 0.001, then linear decay towards 0 over the other 108.
    const rates = ofType(events, 'batch').map((b) => b.learningRate);
    expect(rates.length).toBe(120);
    expect(rates[0]).toBeCloseTo(0, 9);
    expect(rates[12]).toBeCloseTo(0.001, 9);
    expect(rates[66]).toBeCloseTo(0.0005, 9);
    expect(rates[119]).toBeLessThan(0.00002);

    // ONNX refuses the encoder by name (the folder gives the shapes after it, so the head checks).
    expect(() => exportOnnx(loadRun(result.runDir!), join(result.runDir!, 'model'))).toThrow(/layer `bert_1` \(bert\) to ONNX: the ONNX export does not write BERT encoders yet/);

    // predict tokenizes raw text with the vocabulary stored in the run, not the folder.
    rmSync(join(dir, 'data', 'bert-reviews'), { recursive: true });
    const model = await loadRunModel(result.runDir!, { backend: 'cpu' });
    try {
      const reviews = [
        { text: 'What a SUPERB film! I loved it, highly recommended.', want: '1' },
        { text: 'The camera was broken and annoying... avoid it.', want: '0' },
        { text: 'Frankly, a wonderful and delightful book; worth every minute', want: '1' },
        { text: 'This restaurant was awful: dull, poor and a waste of time', want: '0' },
      ];
      const out = await model.predict(reviews.map((r) => ({ text: r.text })));
      expect(out.map((o) => (o as unknown as { label: string }).label)).toEqual(reviews.map((r) => r.want));
    } finally {
      model.dispose();
    }
  }, 300_000);

  it('trains from the transformers-written fixture folder by changing `from:` alone', async () => {
    const fixture = join(ROOT, 'test', 'fixtures', 'hf-bert-small-random');
    const spec = exampleText.replaceAll('from: data/bert-reviews', 'from: data/hf-bert');
    expect(spec.match(/from: data\/hf-bert\b/g)).toHaveLength(2); // the wordpiece step and the bert layer
    const dir = exampleWorkspace(spec);
    cpSync(fixture, join(dir, 'data', 'hf-bert'), { recursive: true });
    const { result, events } = await train(join(dir, 'bert-sentiment.model.yaml'), { out: workspace({}), epochs: 1, maxBatchesPerEpoch: 4, batchEventEvery: 1 });
    expect(result.status, result.error?.message).toBe('completed');

    // The encoder is the fixture's (vocabulary 179, intermediate 37), with the example's head (32 + 1).
    const config = parseBertConfig(JSON.parse(readFileSync(join(fixture, 'config.json'), 'utf8'))) as BertConfig;
    expect(ofType(events, 'started')[0].params).toBe(bertParamCount(config, true) + 33);
    const losses = ofType(events, 'batch').map((b) => b.loss);
    expect(losses.length).toBe(4);
    expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    expect(Number.isFinite(ofType(events, 'epoch')[0].metrics.val_accuracy)).toBe(true);
  }, 300_000);
});
