/**
 * Models Keras 3 builds and trains, which the checker used to refuse (issue 15, item 4): the shape
 * rules are in the catalog's shape cases (catalog.test.ts, layers.test.ts); here, whole specs.
 */
import { describe, expect, it } from 'vitest';
import { check, spec } from './helpers';

const errors = (text: string) => check(text).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);

describe('specs Keras accepts', () => {
  it('binary labels with a 2-unit softmax and sparse_categorical_crossentropy (the standard binary set-up)', () => {
    const text = spec({
      data: 'data:\n  source:\n    csv: { path: data.csv, label: y, label_type: binary }',
      model: 'model:\n  input: [4]\n  layers:\n    - dense: { units: 2, activation: softmax }',
      train: 'train:\n  loss: sparse_categorical_crossentropy\n  optimizer: adam\n  metrics: [accuracy]',
    });
    expect(errors(text)).toEqual([]);
    // Still refused: binary labels into a one-hot loss, and three classes for 0/1 labels.
    expect(errors(text.replace('sparse_categorical_crossentropy', 'categorical_crossentropy')).some((e) => e.startsWith('loss/labels-mismatch'))).toBe(true);
    expect(errors(text.replace('units: 2', 'units: 3')).some((e) => e.startsWith('shape/units-mismatch'))).toBe(true);
  });

  it('flatten of a flat input, a broadcasting add, a merge of one input, an embedding of 2-D ids', () => {
    const shapes = (model: string) => {
      const a = check(spec({ model, data: 'data:\n  source: { csv: { path: d.csv, label: y, classes: 10 } }', train: 'train:\n  loss: sparse_categorical_crossentropy\n  optimizer: adam' }));
      expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      return (a.model?.layers ?? []).map((l) => l.outputShape);
    };
    const graph = [
      'model:',
      '  input: [4, 8]',
      '  layers:',
      '    - global_avg_pool1d: {}',
      '      name: pooled',
      '    - add: {}',
      '      name: sum',
      '      inputs: [input, pooled]',
      '    - average: {}', // one input: passed through (the checker warns; Keras builds it)
      '      inputs: [sum]',
      '    - flatten',
      '    - flatten',
      '    - dense: { units: 10, activation: softmax }',
    ].join('\n');
    expect(shapes(graph)).toEqual([[null, 8], [null, 4, 8], [null, 4, 8], [null, 32], [null, 32], [null, 10]]);
    const ids = 'model:\n  input: [3, 5]\n  layers:\n    - embedding: { input_dim: 20, output_dim: 8 }\n    - flatten\n    - dense: { units: 10, activation: softmax }';
    expect(shapes(ids)).toEqual([[null, 3, 5, 8], [null, 120], [null, 10]]);
  });
});

describe('the fix for a merge whose channels differ', () => {
  // Issue 15, item 10: a convolution branch is repaired with a 1×1 convolution or its filters, not `dense`.
  const mergeOf = (input: string, a: string, b: string) => check(spec({
    data: 'data:\n  source: { csv: { path: d.csv, label: y, classes: 10 } }',
    model: `model:\n  input: ${input}\n  layers:\n    - ${a}\n      name: a\n    - ${b}\n      name: b\n      inputs: [a]\n    - add:\n      inputs: [a, b]`,
    train: 'train:\n  loss: sparse_categorical_crossentropy\n  optimizer: adam',
  })).diagnostics.find((d) => d.code === 'shape/merge-mismatch');

  it('suggests a 1×1 conv2d or changing filters on images', () => {
    const d = mergeOf('[8, 8, 3]', 'conv2d: { filters: 16, kernel_size: 1 }', 'conv2d: { filters: 8, kernel_size: 1 }');
    expect(d?.message).toContain('conv2d: { filters: 16, kernel_size: 1 }');
    expect(d?.message).toContain('`filters` to 16');
    expect(d?.message).not.toContain('dense');
  });

  it('suggests conv1d on sequences and dense on flat features', () => {
    expect(mergeOf('[10, 4]', 'conv1d: { filters: 6, kernel_size: 1 }', 'conv1d: { filters: 5, kernel_size: 1 }')?.message).toContain('conv1d: { filters: 6, kernel_size: 1 }');
    expect(mergeOf('[4]', 'dense: { units: 6 }', 'dense: { units: 5 }')?.message).toContain('dense: { units: 6 }');
  });
});
