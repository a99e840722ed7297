/** `modelyaml summary`: Keras's totals (trainable / non-trainable), the JSON form, and counted nouns. */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { formatSummary, summarize } from '../../src/core/summary';
import { check, find, spec } from './helpers';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cnn = spec({
  model: [
    'model:',
    '  input: [28, 28, 1]',
    '  layers:',
    '    - conv2d: { filters: 8, kernel_size: 3 }',
    '    - batch_norm',
    '    - flatten',
    '    - dense: { units: 10, activation: softmax }',
  ].join('\n'),
  data: 'data:\n  source: { dataset: mnist }\n  pipeline:\n    - scale: 255\n    - reshape: { shape: [28, 28, 1] }\n    - one_hot: 10',
});

describe('summary', () => {
  it('splits the parameters as Keras does: batch norm\'s moving mean and variance are not trainable', () => {
    const s = summarize(check(cnn));
    // conv 80, batch norm 4·8 = 32 (16 of them moving statistics), dense 26·26·8·10 + 10 = 54,090
    expect(s.totalParams).toBe(80 + 32 + 54_090);
    expect(s.nonTrainableParams).toBe(16);
    expect(s.trainableParams).toBe(80 + 16 + 54_090);
    expect(s.rows.map((r) => r.nonTrainableParams)).toEqual([0, 16, 0, 0]);
    const text = formatSummary(s, false);
    expect(text).toContain('Total params: 54,202 (211.73 KB)');
    expect(text).toContain('Trainable params: 54,186 (211.66 KB)');
    expect(text).toContain('Non-trainable params: 16 (64.00 B)');
  });

  it('modelyaml summary --format json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-summary-'));
    const file = join(dir, 'cnn.model.yaml');
    writeFileSync(file, cnn);
    let out = '';
    const code = await main(['summary', file, '--format', 'json'], { out: (s) => (out += s), err: () => undefined });
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ totalParams: 54_202, trainableParams: 54_186, nonTrainableParams: 16 });
    expect(json.layers[1]).toEqual({ name: 'batch_norm_2', type: 'batch_norm', outputShape: [null, 26, 26, 8], params: 32, nonTrainableParams: 16, inputs: ['conv2d_1'] });
    let err = '';
    expect(await main(['summary', file, '--format', 'yaml'], { out: () => undefined, err: (s) => (err += s) })).toBe(2);
    expect(err).toContain('--format must be text or json');
  });

  it('counts nouns in the right number: "the labels have 1 class"', () => {
    const a = check(spec({
      data: 'data:\n  source:\n    csv: { path: d.csv, label: y, label_type: binary }',
      model: 'model:\n  input: [4]\n  layers:\n    - dense: { units: 3, activation: sigmoid }',
      train: 'train:\n  loss: binary_crossentropy\n  optimizer: adam',
    }));
    expect(find(a, 'shape/units-mismatch').message).toContain('The last layer has 3 outputs, but the labels have 1 class (');
  });
});
