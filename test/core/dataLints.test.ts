/**
 * The data checks that read the data through the host (src/core/dataLints.ts): token ids against
 * the embedding's table, unscaled inputs, a label copied into the features, constant features,
 * imbalanced classes, a validation split smaller than a batch. A fake host answers here; the
 * last tests go through the real file host on real files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import type { ColumnStats, DataHost, TableStats } from '../../src/core/catalog/types';
import type { Diagnostic, Fix } from '../../src/core/diagnostics';
import { fileDataHost } from '../../src/node/dataHost';
import { at, check, codes, find } from './helpers';

/** Applies a `replace` fix to the text. */
function applied(text: string, fix: Fix): string {
  if (fix.kind !== 'replace') throw new Error(`not a replace fix: ${fix.kind}`);
  return text.slice(0, fix.range.start) + fix.text + text.slice(fix.range.end);
}

const numeric = (values: number[]): ColumnStats => ({
  values: values.length,
  numeric: values.length,
  min: Math.min(...values),
  max: Math.max(...values),
  distinct: new Set(values).size,
  counts: Object.fromEntries([...new Set(values)].map((v) => [String(v), values.filter((x) => x === v).length])),
});

function tableHost(columns: Record<string, number[]>, identical: string[][] = []): DataHost {
  const names = Object.keys(columns);
  const stats: TableStats = { rows: { count: columns[names[0]].length, complete: true }, columns: names.map((name) => ({ name, stats: numeric(columns[name]) })), identical };
  return { exists: () => true, columns: () => names, tableStats: () => stats };
}

const textSpec = (numWords: number, inputDim: number, layer = 'embedding') => `version: 1
name: t
data:
  source:
    jsonl: { path: r.jsonl, text: text, label: positive, label_type: binary }
  pipeline:
    - tokenize: { num_words: ${numWords} }
    - pad_sequences: { maxlen: 20 }
model:
  input: [20]
  layers:
    - ${layer === 'embedding' ? `embedding: { input_dim: ${inputDim}, output_dim: 8 }` : `positional_embedding: { vocab_size: ${inputDim}, max_length: 20, output_dim: 8 }`}
    - global_avg_pool1d
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: adam
`;

const vocabHost = (count: number, complete = true): DataHost => ({ exists: () => true, columns: () => ['text', 'positive'], vocabulary: () => ({ count, complete }) });

describe('token ids against the embedding table', () => {
  it('num_words larger than input_dim is an error at input_dim, naming both numbers', () => {
    const a = check(textSpec(1000, 50));
    const d = find(a, 'data/vocabulary-overflow');
    expect(d.severity).toBe('error');
    expect(at(a, d)).toBe('50');
    expect(d.message).toContain('`input_dim` is 50');
    expect(d.message).toContain('num_words: 1000 }` gives ids up to 999');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'input_dim', value: 1000 });
    expect(d.fixes?.[1]).toMatchObject({ kind: 'set_param', param: 'num_words', value: 50 });
  });

  it('the real vocabulary size from the host: 74 words give ids up to 75', () => {
    const a = check(textSpec(1000, 50), vocabHost(74));
    const d = find(a, 'data/vocabulary-overflow');
    expect(d.message).toContain('holds 74 distinct words');
    expect(d.message).toContain('ids up to 75');
    expect(d.message).toContain('Fix: set `input_dim: 76`');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'input_dim', value: 76 });
  });

  it('positional_embedding: vocab_size is checked the same way', () => {
    const a = check(textSpec(1000, 50, 'positional'), vocabHost(74));
    const d = find(a, 'data/vocabulary-overflow');
    expect(at(a, d)).toBe('50');
    expect(d.message).toContain('`vocab_size: 76`');
  });

  it('a vocabulary that fits is a warning about the headroom, not an error', () => {
    const a = check(textSpec(1000, 100), vocabHost(74));
    expect(codes(a)).not.toContain('data/vocabulary-overflow');
    const d = find(a, 'data/vocabulary-headroom');
    expect(d.severity).toBe('warning');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'num_words', value: 100 });
  });

  it('a lower bound from a partial read that fits says nothing: the num_words bound decides', () => {
    const d = find(check(textSpec(1000, 100), vocabHost(74, false)), 'data/vocabulary-overflow');
    expect(d.message).toContain('ids up to 999');
  });

  it('num_words within input_dim is clean', () => {
    expect(codes(check(textSpec(1000, 1000), vocabHost(5000)))).toEqual([]);
  });
});

describe('ids from table columns against the embedding table', () => {
  const text = (pipeline: string) => `version: 1
name: t
data:
  source:
    csv: { path: s.csv, label: next, label_type: class, classes: 3 }
  pipeline: [${pipeline}]
model:
  input: [3]
  layers:
    - embedding: { input_dim: 20, output_dim: 4 }
    - flatten
    - dense: { units: 3, activation: softmax }
train:
  loss: sparse_categorical_crossentropy
  optimizer: adam
`;
  const host = tableHost({ a: [0, 3, 7], b: [1, 24, 2], c: [5, 5, 6], next: [0, 1, 2] });

  it('a column holding id 24 into input_dim 20: an error with the fix', () => {
    const a = check(text('shuffle'), host);
    const d = find(a, 'data/vocabulary-overflow');
    expect(at(a, d)).toBe('20');
    expect(d.message).toContain('the feature `b` holds ids up to 24 in every row of `s.csv`');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'input_dim', value: 25 });
  });

  it('says nothing once a step changes the values, or when the ids fit', () => {
    expect(codes(check(text('standardize'), host))).not.toContain('data/vocabulary-overflow');
    expect(codes(check(text('shuffle'), tableHost({ a: [0, 3], b: [1, 19], c: [5, 6], next: [0, 1] })))).toEqual([]);
  });
});

const mnistSpec = (pipeline: string, firstLayer = '') => `version: 1
name: t
data:
  source: { dataset: mnist }
  pipeline:${pipeline}
  validation: { split: 0.1 }
model:
  input: [784]
  layers:${firstLayer}
    - dense: { units: 10, activation: softmax }
train:
  loss: sparse_categorical_crossentropy
  optimizer: adam
`;

describe('unscaled inputs', () => {
  it('raw 0–255 pixels into a dense layer: a warning whose fix adds `scale: 255`', () => {
    const text = mnistSpec('\n    - shuffle');
    const a = check(text);
    const d = find(a, 'data/unscaled-input');
    expect(d.severity).toBe('warning');
    expect(d.message).toContain('[0, 255]');
    const fixed = applied(text, d.fixes![0]);
    expect(fixed).toContain('    - shuffle\n    - scale: 255\n');
    expect(codes(check(fixed))).toEqual([]);
  });

  it('the fix works on a flow pipeline and on an empty one', () => {
    const flow = mnistSpec(' [shuffle]');
    const f1 = applied(flow, find(check(flow), 'data/unscaled-input').fixes![0]);
    expect(f1).toContain('pipeline: [shuffle, { scale: 255 }]');
    expect(codes(check(f1))).toEqual([]);
    const empty = mnistSpec(' []');
    const f2 = applied(empty, find(check(empty), 'data/unscaled-input').fixes![0]);
    expect(f2).toContain('pipeline: [{ scale: 255 }]');
    expect(codes(check(f2))).toEqual([]);
  });

  it('scaled pixels, or a batch_norm first, are clean', () => {
    expect(codes(check(mnistSpec('\n    - scale: 255')))).toEqual([]);
    expect(codes(check(mnistSpec(' []', '\n    - batch_norm')))).toEqual([]);
  });

  it('wide table columns without standardize: the fix adds it', () => {
    const text = `version: 1
name: t
data:
  source:
    csv: { path: h.csv, label: price, label_type: continuous }
  pipeline:
    - shuffle
model:
  input: [2]
  layers:
    - dense: { units: 1 }
train:
  loss: mean_squared_error
  optimizer: adam
`;
    const host = tableHost({ area: [40, 120, 300], rooms: [1, 2, 3], price: [100, 200, 400] });
    const d = find(check(text, host), 'data/unscaled-input');
    expect(d.message).toContain('`area` (40…300)');
    expect(d.message).not.toContain('rooms');
    const fixed = applied(text, d.fixes![0]);
    expect(fixed).toContain('    - shuffle\n    - standardize\n');
    expect(codes(check(fixed, host))).toEqual([]);
  });
});

const churn = (extra: { features?: string; metrics?: string; split?: string; batch?: string } = {}) => `version: 1
name: t
data:
  source:
    csv: { path: c.csv, label: churned, label_type: binary${extra.features ?? ''} }
  pipeline:
    - standardize
  validation: { split: ${extra.split ?? '0.2'} }
model:
  input: [2]
  layers:
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: adam
  metrics: [${extra.metrics ?? 'accuracy'}]
${extra.batch ?? '  batch_size: 4'}
`;

describe('feature columns', () => {
  const rows = 40;
  const balanced = Array.from({ length: rows }, (_, i) => i % 2);
  const varied = Array.from({ length: rows }, (_, i) => i / 10);

  it('a feature equal to the label in every row: a warning whose fix removes it', () => {
    const host = tableHost({ tenure: varied, left: balanced, churned: balanced }, [['left', 'churned']]);
    const a = check(churn(), host);
    const d = find(a, 'data/label-leak');
    expect(d.severity).toBe('warning');
    expect(d.message).toContain('`left` equals the label `churned` in every row of `c.csv`');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'features', value: ['tenure'] });
    expect(at(a, d)).toBe('csv');
  });

  it('the warning points at `features` when they are listed', () => {
    const host = tableHost({ tenure: varied, left: balanced, churned: balanced }, [['left', 'churned']]);
    const a = check(churn({ features: ', features: [tenure, left]' }), host);
    expect(at(a, find(a, 'data/label-leak'))).toBe('[tenure, left]');
  });

  it('a constant feature: a warning whose fix removes it', () => {
    const host = tableHost({ tenure: varied, country: Array(rows).fill(1), churned: balanced });
    const d = find(check(churn(), host), 'data/constant-feature');
    expect(d.message).toContain('`country` holds one value (1) in every row');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'features', value: ['tenure'] });
  });

  it('varied features are clean', () => {
    expect(codes(check(churn(), tableHost({ tenure: varied, age: varied.map((v) => v * 2), churned: balanced })))).toEqual([]);
  });
});

describe('class imbalance', () => {
  const labels = Array.from({ length: 100 }, (_, i) => (i < 92 ? 0 : 1));
  const host = tableHost({ tenure: labels.map((_, i) => i / 50), age: labels.map((_, i) => i % 7), churned: labels });

  it('92% / 8% with accuracy: a warning at the metric whose fixes use f1 or auc', () => {
    const text = churn();
    const a = check(text, host);
    const d = find(a, 'data/class-imbalance');
    expect(d.severity).toBe('warning');
    expect(at(a, d)).toBe('accuracy');
    expect(d.message).toContain('`churned` is 0 in 92% of the 100 rows read, 1 in only 8%');
    expect(d.fixes!.map((f) => f.title)).toEqual(['Use the metric `f1`', 'Use the metric `auc`']);
    expect(codes(check(applied(text, d.fixes![0]), host))).toEqual([]);
  });

  it('no warning once a metric for the rare class is tracked, or when the classes are balanced', () => {
    expect(codes(check(churn({ metrics: 'accuracy, auc' }), host))).toEqual([]);
    const even = tableHost({ tenure: labels.map((_, i) => i / 50), age: labels.map((_, i) => i % 7), churned: labels.map((_, i) => i % 2) });
    expect(codes(check(churn(), even))).toEqual([]);
  });
});

describe('validation split against the batch size', () => {
  it('iris with split 0.1 and batch 32: 15 samples, a warning with both fixes', () => {
    const text = `version: 1
name: t
data:
  source: { dataset: iris }
  pipeline: [standardize]
  validation: { split: 0.1 }
model:
  input: [4]
  layers:
    - dense: { units: 3, activation: softmax }
train:
  loss: sparse_categorical_crossentropy
  optimizer: adam
  batch_size: 32
`;
    const a = check(text);
    const d: Diagnostic = find(a, 'data/validation-too-small');
    expect(at(a, d)).toBe('0.1');
    expect(d.message).toContain('about 15 samples (0.1 of 150), fewer than one batch of 32');
    expect(d.fixes!.map((f) => f.title)).toEqual(['Set the validation split to 0.22', 'Set `batch_size` to 8']);
    for (const f of d.fixes!) expect(codes(check(applied(text, f)))).toEqual([]);
  });

  it('the default batch size counts, and the fix adds `batch_size`', () => {
    const text = churn({ batch: '', split: '0.2' });
    const labels = Array.from({ length: 60 }, (_, i) => i % 2);
    const host = tableHost({ tenure: labels.map((_, i) => i), age: labels.map((_, i) => i % 7), churned: labels });
    const d = find(check(text, host), 'data/validation-too-small');
    expect(d.message).toContain('about 12 samples (0.2 of 60), fewer than one batch of 32');
    // A split of 0.54 would leave too little to train on: only the batch size is offered.
    expect(d.fixes).toEqual([expect.objectContaining({ kind: 'add_key', key: 'batch_size', value: '8' })]);
  });

  it('a partial read says nothing about the sample count', () => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 2);
    const host = tableHost({ tenure: labels.map((_, i) => i), age: labels.map((_, i) => i % 7), churned: labels });
    const partial: DataHost = { ...host, tableStats: (...args) => ({ ...host.tableStats!(...args)!, rows: { count: 60, complete: false } }) };
    expect(codes(check(churn({ batch: '' }), partial))).not.toContain('data/validation-too-small');
  });
});

describe('through the real file host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-lints-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the vocabulary, a copied label, a constant column and the imbalance from real files', () => {
    const words = Array.from({ length: 74 }, (_, i) => `w${i}`);
    const reviews = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `${words.slice((i * 5) % 70, ((i * 5) % 70) + 5).join(' ')}, ${words[73 - (i % 4)]}!`, positive: i % 2 })).join('\n');
    writeFileSync(join(dir, 'r.jsonl'), `${reviews}\n`);
    const a = analyze(textSpec(1000, 50), { host: fileDataHost(dir) });
    const d = find(a, 'data/vocabulary-overflow');
    expect(d.message).toContain('holds 74 distinct words');
    expect(d.fixes?.[0]).toMatchObject({ param: 'input_dim', value: 76 });

    const rows = ['tenure,left,region,churned', ...Array.from({ length: 50 }, (_, i) => `${i % 13},${i < 46 ? 0 : 1},"north",${i < 46 ? 0 : 1}`)];
    writeFileSync(join(dir, 'c.csv'), `${rows.join('\n')}\n`);
    const b = analyze(churn().replace('input: [2]', 'input: [3]'), { host: fileDataHost(dir) });
    expect(codes(b).sort()).toEqual(['data/class-imbalance', 'data/constant-feature', 'data/label-leak']);
    expect(find(b, 'data/constant-feature').message).toContain('`region` holds one value (north)');
  });
});
