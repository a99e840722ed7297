/**
 * The `bert` layer in the language: the checker reads the folder's config.json through the data
 * host, infers shapes and parameter counts from it, and reports a missing folder or an unsupported
 * config field at the `from` value.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { fileDataHost } from '../../src/node/dataHost';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const spec = (from: string, pooling = 'cls', extra = '') => `name: bert-check
model:
  input: [24]
  layers:
    - bert: { from: ${from}, pooling: ${pooling}${extra} }
    - dense: { units: 2, activation: softmax }
`;
const check = (text: string, dir = FIXTURES) => analyze(text, { host: fileDataHost(dir, { workspaces: [dir] }) });

describe('bert layer checking', () => {
  it('takes shapes and the parameter count from config.json', () => {
    const a = check(spec('hf-bert-small-random'));
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // 22 538 weights in the fixture's model.safetensors (pooler included), + the dense head 32·2 + 2.
    expect(a.model?.layers[0].outputShape).toEqual([null, 32]);
    expect(a.model?.totalParams).toBe(22538 + 66);
    const none = check(spec('hf-bert-small-random', 'none', ', trainable: false'));
    expect(none.model?.layers[0].outputShape).toEqual([null, 24, 32]);
    expect(none.model?.layers[0].params).toBe(22538 - 32 * 32 - 32);
    expect(none.model?.layers[0].nonTrainableParams).toBe(22538 - 32 * 32 - 32);
  });

  it('reports a missing folder, a folder without config.json and an unsupported field at `from`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bert-check-'));
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'relative'));
    writeFileSync(join(dir, 'relative', 'config.json'), JSON.stringify({ model_type: 'bert', vocab_size: 30, position_embedding_type: 'relative_key' }));
    writeFileSync(join(dir, 'relative', 'model.safetensors'), '');
    const fixture = (f: string) => readFileSync(join(FIXTURES, 'hf-bert-small-random', f));
    mkdirSync(join(dir, 'narrow'));
    writeFileSync(join(dir, 'narrow', 'config.json'), JSON.stringify({ ...JSON.parse(fixture('config.json').toString()), hidden_size: 16 }));
    writeFileSync(join(dir, 'narrow', 'model.safetensors'), fixture('model.safetensors'));
    mkdirSync(join(dir, 'truncated'));
    writeFileSync(join(dir, 'truncated', 'config.json'), fixture('config.json'));
    writeFileSync(join(dir, 'truncated', 'model.safetensors'), fixture('model.safetensors').subarray(0, 40_000));
    mkdirSync(join(dir, 'noweights'));
    writeFileSync(join(dir, 'noweights', 'config.json'), fixture('config.json'));
    for (const [folder, pattern] of [
      ['nope', /nope/],
      ['empty', /has no config\.json/],
      ['relative', /field `position_embedding_type`.*only "absolute"/],
      ['noweights', /has no model\.safetensors/],
      ['narrow', /narrow\/model\.safetensors: `embeddings\.word_embeddings\.weight` has shape \[179, 32\], but config\.json implies \[179, 16\]/],
      ['truncated', /truncated\/model\.safetensors`: Tensor `.*`: its data ends at byte \d+, past the end/],
    ] as const) {
      const text = spec(folder);
      const errors = check(text, dir).diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length, folder).toBe(1);
      expect(errors[0].message).toMatch(pattern);
      expect(text.slice(errors[0].range.start, errors[0].range.end)).toBe(folder);
    }
  });

  it('refuses sequences longer than max_position_embeddings', () => {
    const errors = check(spec('hf-bert-small-random').replace('input: [24]', 'input: [65]')).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual(['bert/too-long']);
  });
});

describe('wordpiece step checking', () => {
  const pipeline = (from: string) => `name: wp
data:
  source:
    jsonl: { path: r.jsonl, text: review, label: positive, label_type: binary }
  pipeline:
    - wordpiece: { from: ${from}, max_length: 24 }
model:
  input: [24]
  layers:
    - bert: { from: ${from} }
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: adam
  epochs: 1
`;
  it('gives [max_length] ids that the bert layer takes, and reports a folder without a vocabulary at `from`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wp-check-'));
    writeFileSync(join(dir, 'r.jsonl'), '{"review": "good", "positive": 1}\n');
    mkdirSync(join(dir, 'hf'));
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']) writeFileSync(join(dir, 'hf', f), readFileSync(join(FIXTURES, 'hf-bert-small-random', f)));
    mkdirSync(join(dir, 'novocab'));
    for (const f of ['config.json', 'model.safetensors']) writeFileSync(join(dir, 'novocab', f), readFileSync(join(FIXTURES, 'hf-bert-small-random', f)));
    expect(check(pipeline('hf'), dir).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = pipeline('novocab');
    const errors = check(text, dir).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual(['data/no-vocabulary']);
    expect(text.slice(0, errors[0].range.start)).toMatch(/wordpiece: \{ from: $/);
  });
});
