import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { diffSpecTexts, formatDiffText, diffJson, DIFF_FORMAT_VERSION, type SpecDiff } from '../../src/core/diff';
import { align } from '../../src/core/diff/align';

const example = (f: string) => readFileSync(join(__dirname, '../../examples', f), 'utf8');
const cnn = example('mnist-cnn.model.yaml');
const mlp = example('mlp.model.yaml');

function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

const diff = (a: string, b: string): SpecDiff => diffSpecTexts({ text: a, label: 'old' }, { text: b, label: 'new' });
/** The analysis' own parameter count of a layer, by its summary id. */
const paramsOf = (text: string, id: string) => analyze(text).model!.layers.find((l) => l.id === id)!.params!;
const totalOf = (text: string) => analyze(text).model!.totalParams!;

describe('align', () => {
  it('pairs around an insertion instead of shifting everything after it', () => {
    expect(align(['a', 'b', 'c'], ['a', 'x', 'b', 'c'], (x, y) => (x === y ? 1 : 0))).toEqual([
      { before: 0, after: 0 }, { after: 1 }, { before: 1, after: 2 }, { before: 2, after: 3 },
    ]);
  });
  it('pairs identical ends directly and aligns only the middle', () => {
    const a = ['a', 'b', 'c', 'd', 'e'];
    const b = ['a', 'b', 'x', 'c', 'e', 'e'];
    const eq = (x: string, y: string) => (x === y ? 1 : 0);
    expect(align(a, b, eq, (x, y) => x === y)).toEqual([
      { before: 0, after: 0 }, { before: 1, after: 1 }, { after: 2 }, { before: 2, after: 3 }, { before: 3 }, { after: 4 }, { before: 4, after: 5 },
    ]);
  });
  it('keeps unmatched items on both sides', () => {
    expect(align(['a', 'b'], ['c'], () => 0)).toEqual([{ before: 0 }, { before: 1 }, { after: 0 }]);
  });
});

describe('diff of two specs', () => {
  it('an identical spec has no differences', () => {
    const d = diff(cnn, cnn);
    expect(d.summary).toEqual({ added: 0, removed: 0, changed: 0, affected: 0, unchanged: 8, identical: true });
    expect(formatDiffText(d)).toContain('No differences');
  });

  it('an inserted conv2d is one added layer; the layers after it pair with their old selves', () => {
    const b = edit(cnn, '    - max_pool2d: { pool_size: 2 }\n    - conv2d: { filters: 64',
      '    - max_pool2d: { pool_size: 2 }\n    - conv2d: { filters: 64, kernel_size: 3, activation: relu, padding: same }\n      name: conv3\n    - conv2d: { filters: 64');
    const d = diff(cnn, b);
    expect(d.summary).toMatchObject({ added: 1, removed: 0, changed: 0 });
    const added = d.layers.find((l) => l.status === 'added')!;
    expect(added.after).toMatchObject({ id: 'conv3', type: 'conv2d', index: 2, outputShape: [null, 13, 13, 64] });
    // 3·3·32·64 + 64, and the analysis agrees.
    expect(added.paramDelta).toBe(18_496);
    expect(added.paramDelta).toBe(paramsOf(b, 'conv3'));
    // The conv after it now reads 64 channels, not 32: written the same, more parameters.
    const next = d.layers[d.layers.indexOf(added) + 1];
    expect(next.status).toBe('affected');
    expect(next.paramDelta).toBe(paramsOf(b, 'conv2d_4') - paramsOf(cnn, 'conv2d_3'));
    expect(d.totals).toEqual({ before: 93_322, after: totalOf(b), delta: totalOf(b) - 93_322 });
    expect(d.layers.reduce((s, l) => s + (l.paramDelta ?? 0), 0)).toBe(d.totals.delta);
    expect(formatDiffText(d)).toContain('+1 conv2d `conv3` (18,496 params), output (None, 13, 13, 64)');
  });

  it('a wider dense reports units old → new, its parameter delta and the shape change', () => {
    const b = edit(cnn, 'dense: { units: 64, activation: relu }', 'dense: { units: 128, activation: relu }');
    const d = diff(cnn, b);
    const dense = d.layers.find((l) => l.status === 'changed')!;
    expect(dense.changes).toEqual([{ key: 'units', before: 64, after: 128 }]);
    expect(dense.paramDelta).toBe(paramsOf(b, 'dense_7') - paramsOf(cnn, 'dense_7'));
    expect(dense.paramDelta).toBe(36_928);
    const head = d.layers.find((l) => l.status === 'affected')!;
    expect(head.after!.id).toBe('dense_8');
    expect(head.paramDelta).toBe(640);
    expect(d.totals.delta).toBe(37_568);
    expect(d.totals.after).toBe(totalOf(b));
    const text = formatDiffText(d);
    expect(text).toContain('dense `dense_7`: units 64 → 128: +36,928 params (36,928 → 73,856), output (None, 64) → (None, 128)');
    expect(text).toContain('Total: 93,322 → 130,890 params (+37,568)');
    expect(text).toContain('Output: (None, 10) (unchanged)');
  });

  it('a learning rate change is a training change, not a layer change', () => {
    const d = diff(cnn, edit(cnn, 'learning_rate: 0.001', 'learning_rate: 0.0003'));
    expect(d.layers.every((l) => l.status === 'unchanged')).toBe(true);
    expect(d.train).toEqual([{ path: 'train.optimizer.learning_rate', kind: 'changed', before: 0.001, after: 0.0003 }]);
    expect(formatDiffText(d)).toContain('train.optimizer.learning_rate: 0.001 → 0.0003');
    expect(d.summary.identical).toBe(false);
  });

  it('a removed dropout is one removed layer with 0 params and the same total', () => {
    const d = diff(mlp, edit(mlp, '    - dropout: 0.2\n', ''));
    expect(d.summary).toMatchObject({ added: 0, removed: 1, changed: 0, affected: 0, unchanged: 2 });
    expect(d.layers[1]).toMatchObject({ status: 'removed', paramDelta: -0, before: { type: 'dropout', id: 'dropout_2', params: { rate: 0.2 } } });
    expect(d.totals.delta).toBe(0);
    expect(formatDiffText(d)).toContain('−1 dropout `dropout_2` (0 params), output (None, 128)');
  });

  it('a renamed layer is one changed layer, not a removal and an addition', () => {
    const res = example('residual-cnn.model.yaml');
    const b = edit(edit(res, 'name: block_conv2', 'name: block_out'), 'inputs: [stem, block_conv2]', 'inputs: [stem, block_out]');
    const d = diff(res, b);
    expect(d.summary).toMatchObject({ added: 0, removed: 0, changed: 2 });
    const renamed = d.layers.find((l) => l.changes.some((c) => c.key === 'name'))!;
    expect(renamed.changes).toEqual([{ key: 'name', before: 'block_conv2', after: 'block_out' }]);
    expect(renamed.paramDelta).toBe(0);
    const add = d.layers.find((l) => l.after?.id === 'residual')!;
    expect(add.changes).toEqual([{ key: 'inputs', before: ['stem', 'block_conv2'], after: ['stem', 'block_out'] }]);
    expect(formatDiffText(d)).toContain('conv2d `block_out`: renamed from `block_conv2`: params unchanged, output unchanged');
  });

  it('data source, pipeline steps and training settings are listed by their YAML paths', () => {
    let b = edit(mlp, 'scale: 255', 'scale: 256');
    b = edit(b, '    - one_hot: 10\n', '    - one_hot: 10\n    - reshape: { shape: [784] }\n');
    b = edit(b, 'optimizer: { sgd: { learning_rate: 0.01 } }', 'optimizer: adam');
    b = edit(b, 'batch_size: 32', 'batch_size: 64');
    b = edit(b, 'seed: 7', 'seed: 8');
    b = edit(b, 'source: { dataset: mnist }', 'source: { dataset: fashion_mnist }');
    const d = diff(mlp, b);
    expect(d.data).toEqual(expect.arrayContaining([
      { path: 'data.source.name', kind: 'changed', before: 'mnist', after: 'fashion_mnist' },
      { path: 'data.pipeline[0].scale.divisor', kind: 'changed', before: 255, after: 256 },
      { path: 'data.pipeline[2]', kind: 'added', after: { type: 'reshape', params: { shape: [784] } } },
    ]));
    // mnist's synthetic-noise default has no counterpart in fashion_mnist.
    expect(d.data).toContainEqual({ path: 'data.source.noise', kind: 'removed', before: 0.1 });
    expect(d.data).toHaveLength(4);
    expect(d.train).toEqual(expect.arrayContaining([
      { path: 'seed', kind: 'changed', before: 7, after: 8 },
      { path: 'train.optimizer', kind: 'changed', before: 'sgd', after: 'adam' },
      { path: 'train.batch_size', kind: 'changed', before: 32, after: 64 },
    ]));
    const text = formatDiffText(d);
    expect(text).toContain('+ data.pipeline[2]: reshape(shape=[784])');
    expect(text).toContain('train.optimizer: sgd → adam');
  });

  it('a spec that does not check still diffs what can be read, with its errors noted', () => {
    const broken = edit(cnn, 'dense: { units: 64, activation: relu }', 'dense: { units: 64, activation: relu }\n    - desne: 5');
    const d = diff(cnn, broken);
    expect(d.after.errors).toEqual([expect.stringMatching(/^27:7: Unknown layer type `desne`/)]);
    expect(d.layers.find((l) => l.status === 'added')!.after).toMatchObject({ type: 'desne', params: {} });
    expect(formatDiffText(d)).toContain('note: the new spec (new) has 1 error');
    // Its total is unknown: no delta, and not "unchanged".
    expect(d.totals).toEqual({ before: 93_322, after: null, delta: null });
    expect(formatDiffText(d)).toContain('Total: 93,322 → ? params\n');
  });

  it('has a versioned JSON form that round-trips', () => {
    const d = diff(cnn, edit(cnn, 'epochs: 10', 'epochs: 12'));
    const json = JSON.parse(diffJson(d));
    expect(json.formatVersion).toBe(DIFF_FORMAT_VERSION);
    expect(json.train).toEqual([{ path: 'train.epochs', kind: 'changed', before: 10, after: 12 }]);
    expect(json.layers[0]).toMatchObject({ status: 'unchanged', before: { id: 'conv2d_1', paramCount: 320, outputShapeText: '(None, 26, 26, 32)' } });
  });
});
