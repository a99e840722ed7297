import { describe, expect, it } from 'vitest';
import { architectureGraph } from '../../src/core/graph';
import { at, check, codes, find, spec } from './helpers';

describe('structural checks', () => {
  it('accepts a minimal valid spec without findings', () => {
    const a = check(spec({}));
    expect(a.diagnostics).toEqual([]);
    expect(a.model?.totalParams).toBe(7850);
  });

  it('reports YAML syntax errors at their position', () => {
    const a = check('model:\n  input: [28, 28\n  layers: []\n');
    expect(a.diagnostics.some((d) => d.code.startsWith('yaml/'))).toBe(true);
  });

  it('reports duplicate keys', () => {
    const a = check(spec({}) + 'train:\n  loss: mse\n');
    expect(codes(a)).toContain('yaml/duplicate-key');
  });

  it('flags an unknown top-level key with a suggestion and a replace fix', () => {
    const a = check(spec({}) + 'trian_extra: 1\nmodle: {}\n');
    const d = a.diagnostics.find((x) => x.code === 'key/unknown' && at(a, x) === 'modle')!;
    expect(d.message).toContain('Did you mean `model`?');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'replace', text: 'model' });
  });

  it('flags an unknown layer type with did-you-mean, pointing at the name', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - desne: { units: 10, activation: softmax }' }));
    const d = find(a, 'name/unknown');
    expect(at(a, d)).toBe('desne');
    expect(d.message).toBe('Unknown layer type `desne`. Did you mean `dense`?');
  });

  it('resolves Keras spellings as suggestions', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - Dense: { units: 10, activation: softmax }' }));
    expect(find(a, 'name/unknown').message).toContain('Did you mean `dense`?');
  });

  it('flags unknown parameters with did-you-mean', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: { unit: 10, activation: softmax }' }));
    const d = find(a, 'param/unknown');
    expect(at(a, d)).toBe('unit');
    expect(d.message).toContain('Did you mean `units`?');
    expect(codes(a)).toContain('param/missing');
  });

  it('checks types and ranges with exact value ranges', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: { units: 0, activation: softmax }\n    - dense: { units: "ten" }' }));
    const r = find(a, 'value/range');
    expect(at(a, r)).toBe('0');
    expect(r.message).toBe('`dense.units` must be an integer ≥ 1, but is 0.');
    const t = find(a, 'type/mismatch');
    expect(at(a, t)).toBe('"ten"');
  });

  it('suggests a fix for a quoted number', () => {
    const a = check(spec({ train: 'train:\n  loss: categorical_crossentropy\n  epochs: "5"' }));
    expect(find(a, 'type/mismatch').message).toContain('Remove the quotes');
  });

  it('suggests enum values', () => {
    const a = check(spec({ model: 'model:\n  input: [28, 28, 1]\n  layers:\n    - conv2d: { filters: 4, kernel_size: 3, padding: sme }\n    - flatten\n    - dense: { units: 10, activation: softmax }', data: 'data:\n  source: { dataset: mnist }' }));
    const d = find(a, 'value/unknown');
    expect(at(a, d)).toBe('sme');
    expect(d.message).toContain('Did you mean `same`?');
  });

  it('warns on an unusual learning rate', () => {
    const a = check(spec({ train: 'train:\n  loss: categorical_crossentropy\n  optimizer: { adam: { learning_rate: 5 } }' }));
    expect(find(a, 'value/unusual').severity).toBe('warning');
  });

  it('reports a missing required key on the parent key', () => {
    const a = check('version: 1\nmodel:\n  layers:\n    - dense: 10\ntrain:\n  loss: mean_squared_error\n');
    const d = find(a, 'key/missing');
    expect(at(a, d)).toBe('model');
    expect(d.message).toContain('`input`');
  });

  it('reports a missing required parameter on the type name with an add fix', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: { activation: softmax }' }));
    const d = find(a, 'param/missing');
    expect(at(a, d)).toBe('dense');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'units' });
  });

  it('accepts the primary-parameter shorthand', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: 10\n' }));
    expect(codes(a).filter((c) => c !== 'loss/activation-mismatch')).toEqual([]);
    expect(a.model?.layers[0].params).toBe(7850);
  });
});

describe('shape inference', () => {
  it('explains dense after a conv without flatten and offers the fix', () => {
    const a = check(
      spec({
        data: 'data:\n  source: { dataset: mnist }\n  pipeline:\n    - one_hot: 10',
        model: 'model:\n  input: [28, 28, 1]\n  layers:\n    - conv2d: { filters: 32, kernel_size: 3, activation: relu }\n    - dense: { units: 10, activation: softmax }',
      }),
    );
    const d = find(a, 'shape/output-mismatch');
    expect(at(a, d)).toBe('dense');
    expect(d.message).toContain('(None, 26, 26, 10)');
    expect(d.message).toContain('(None, 10)');
    expect(d.message).toContain('insert `flatten`');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'insert_layer_before', layerIndex: 1, layer: 'flatten' });
  });

  it('reports a kernel larger than its input at kernel_size', () => {
    const a = check(spec({ model: 'model:\n  input: [4, 4, 1]\n  layers:\n    - conv2d: { filters: 2, kernel_size: 5 }\n    - flatten\n    - dense: { units: 10, activation: softmax }' }));
    const d = find(a, 'shape/kernel-too-large');
    expect(at(a, d)).toBe('5');
    expect(d.message).toContain('(None, 4, 4, 1)');
  });

  it('reports a conv fed a flat input with a fix suggestion', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - conv2d: { filters: 2, kernel_size: 3 }' }));
    const d = find(a, 'shape/rank');
    expect(d.message).toContain('(None, 784)');
    expect(d.message).toContain('reshape');
  });

  it('reports units that do not match the classes, with a set_param fix', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: { units: 5, activation: softmax }' }));
    const d = find(a, 'shape/units-mismatch');
    expect(at(a, d)).toBe('5');
    expect(d.message).toContain('10 classes');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'set_param', param: 'units', value: 10 });
  });

  it('reports a pipeline shape that differs from model.input', () => {
    const a = check(spec({ model: 'model:\n  input: [28, 28, 1]\n  layers:\n    - flatten\n    - dense: { units: 10, activation: softmax }' }));
    const d = find(a, 'data/input-mismatch');
    expect(at(a, d)).toBe('[28, 28, 1]');
    expect(d.message).toContain('(None, 784)');
    expect(d.message).toContain('reshape');
  });

  it('keep_labels: the kept classes set the class count, and a label the data lacks is an error at `labels`', () => {
    const five = 'data:\n  source: { dataset: mnist }\n  pipeline:\n    - keep_labels: { labels: [5, 6, 7, 8, 9] }\n    - scale: 255\n    - one_hot: 5';
    const head = (k: number) => `model:\n  input: [784]\n  layers:\n    - dense: { units: ${k}, activation: softmax }`;
    expect(codes(check(spec({ data: five, model: head(5) })))).toEqual([]);
    // The old 10-way head no longer fits the 5 kept classes.
    expect(codes(check(spec({ data: five, model: head(10) })))).toContain('shape/units-mismatch');
    const bad = check(spec({ data: five.replace('[5, 6, 7, 8, 9]', '[5, 10]').replace('one_hot: 5', 'one_hot: 2'), model: head(2) }));
    const d = find(bad, 'data/label-range');
    expect(at(bad, d)).toBe('[5, 10]');
    expect(d.message).toBe('`keep_labels` keeps class 10, but the labels are class indices 0…9. Fix: keep class indices in 0…9.');
    const twice = check(spec({ data: five.replace('[5, 6, 7, 8, 9]', '[5, 5]').replace('one_hot: 5', 'one_hot: 2'), model: head(2) }));
    expect(at(twice, find(twice, 'data/duplicate-label'))).toBe('[5, 5]');
    const late = check(spec({ data: 'data:\n  source: { dataset: mnist }\n  pipeline:\n    - one_hot: 10\n    - keep_labels: [1, 2]' }));
    expect(find(late, 'data/already-one-hot').message).toContain('put it before `one_hot`');
  });

  it('reports unknown references with a suggestion, and cycles', () => {
    const a = check(
      spec({
        model:
          'model:\n  input: [784]\n  layers:\n    - dense: 10\n      name: a\n      inputs: [c]\n    - dense: 10\n      name: b\n      inputs: [a]\n    - dense: 10\n      name: c\n      inputs: [b]\n    - dense: { units: 10, activation: softmax }\n      inputs: [bb]',
      }),
    );
    expect(find(a, 'ref/unknown').message).toContain('Did you mean `b`?');
    const cyc = a.diagnostics.filter((d) => d.code === 'ref/cycle');
    expect(cyc.length).toBe(3);
    expect(cyc[0].message).toContain('`a` → `b` → `c`');
  });

  it('an unreadable layer item does not shift the references of the layers after it', () => {
    // Shape inference works on the layers it could read; `inputs` and the default "previous layer"
    // refer to those, not to YAML list positions (which once made `b → a` look like a cycle).
    const a = check(
      spec({
        model:
          'model:\n  input: [784]\n  layers:\n    - { name: broken }\n    - dense: 16\n      name: a\n    - dense: 12\n      name: b\n      inputs: [a]\n    - dense: { units: 10, activation: softmax }\n      inputs: [b]',
      }),
    );
    expect(codes(a)).toEqual(['item/missing-type']);
    expect(find(a, 'item/missing-type').message).toBe('This entry names no layer type. Write e.g. `dense`.');
    expect(a.model?.layers.map((l) => l.outputShape)).toEqual([[null, 16], [null, 12], [null, 10]]);
    // The graph's edges join the YAML items they came from (items 1 → 2 → 3).
    expect(architectureGraph(a).edges.map((e) => `${e.from}->${e.to}`)).toEqual(['in_input->L1', 'L1->L2', 'L2->L3']);
  });

  it('reports a layer that reads itself', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: 10\n      name: a\n      inputs: a' }));
    expect(codes(a)).toContain('ref/cycle');
  });

  it('reports duplicate names with related information', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: 10\n      name: a\n    - dense: 10\n      name: a' }));
    const d = find(a, 'ref/duplicate-name');
    expect(d.related?.[0].message).toBe('first named here');
  });
});

describe('compatibility', () => {
  it('flags categorical_crossentropy on class-index labels and suggests the sparse loss', () => {
    const a = check(spec({ data: 'data:\n  source: { dataset: mnist }' }));
    const d = find(a, 'loss/labels-mismatch');
    expect(at(a, d)).toBe('categorical_crossentropy');
    expect(d.message).toContain('one_hot');
  });

  it('warns about a last activation that does not fit the loss, offering both swaps', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: { units: 10, activation: relu }' }));
    const d = find(a, 'loss/activation-mismatch');
    expect(at(a, d)).toBe('relu');
    expect(d.fixes?.[0]).toMatchObject({ kind: 'replace', text: 'softmax' });
  });
});

describe('robustness of the reader', () => {
  it.each([
    ['empty', ''],
    ['comment only', '# nothing\n'],
    ['scalar', '42'],
    ['list', '- a\n- b'],
    ['tabs', 'model:\n\tinput: [1]'],
    ['binary', '\u0000\u0001\u0002garbage'],
    ['deep flow', '['.repeat(5000) + ']'.repeat(5000)],
    ['alias bomb', 'a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nmodel:\n  input: *d\n  layers: [*d]'],
    ['wrong types everywhere', 'version: x\nseed: -1\ndata: 3\nmodel: [1]\ntrain: "no"'],
    ['layers not a list', 'model:\n  input: [1]\n  layers: dense'],
    ['null layer', 'model:\n  input: [1]\n  layers:\n    -\n    - ~'],
  ])('%s: diagnostics, no throw', (_, text) => {
    const a = check(text);
    expect(Array.isArray(a.diagnostics)).toBe(true);
    for (const d of a.diagnostics) {
      expect(d.range.start).toBeGreaterThanOrEqual(0);
      expect(d.range.end).toBeLessThanOrEqual(Math.max(text.length, 1));
      expect(d.message.length).toBeGreaterThan(0);
    }
  });
});

describe('numbers that are not finite, and models too large for memory', () => {
  it.each([
    ['.nan', '.nan'],
    ['.inf', '.inf'],
    ['-.Inf', '-.Inf'],
    ['1e309', '1e309'],
  ])('names %s as written, not as null', (written, shown) => {
    const a = check(spec({ model: `model:\n  input: [784]\n  layers:\n    - dense: { units: ${written}, activation: softmax }` }));
    const d = a.diagnostics.find((x) => x.code === 'type/mismatch')!;
    expect(d.message).toBe(`\`dense.units\` must be an integer ≥ 1, but is ${shown} (not a finite number).`);
    expect(at(a, d)).toBe(written);
  });

  it('names non-finite numbers in integer-or-list parameters and in shapes', () => {
    const a = check(spec({ model: 'model:\n  input: [28, .inf]\n  layers:\n    - conv2d: { filters: 4, kernel_size: 1e3093 }\n    - max_pool2d: { pool_size: [2, .nan] }' }));
    const messages = a.diagnostics.map((d) => d.message).join('\n');
    expect(messages).toContain('`conv2d.kernel_size` must be an integer or a list of 2 integers, but is 1e3093.');
    expect(messages).toContain('`max_pool2d.pool_size` must be an integer or a list of 2 integers, but is [2,.nan].');
    expect(messages).toContain('but is [28,.inf].');
    expect(messages).not.toContain('null');
  });

  it('names a non-finite learning rate as written', () => {
    const a = check(spec({ train: 'train:\n  loss: categorical_crossentropy\n  optimizer: { adam: { learning_rate: .inf } }' }));
    expect(a.diagnostics.map((d) => d.message)).toContain('`adam.learning_rate` must be a number > 0, but is .inf (not a finite number).');
  });

  it('warns on the layer whose weights cannot fit in memory, naming the size', () => {
    const a = check(spec({ model: 'model:\n  input: [784]\n  layers:\n    - dense: { units: 1e10 }\n    - dense: { units: 10, activation: softmax }' }));
    const d = a.diagnostics.find((x) => x.code === 'model/too-large')!;
    expect(d.severity).toBe('warning');
    expect(at(a, d)).toBe('dense');
    expect(d.message).toBe('`dense_1` has 7.85e12 parameters (28.6 TiB of float32 weights): more than 2.15e9 parameters (8.0 GiB), which no device can train. Check its sizes.');
  });

  it('warns on `model` when only the layers together are too large', () => {
    const layer = '    - dense: { units: 40000 }\n';
    const a = check(spec({ model: 'model:\n  input: [40000]\n  layers:\n' + layer.repeat(2) + '    - dense: { units: 10, activation: softmax }' }));
    const d = a.diagnostics.filter((x) => x.code === 'model/too-large');
    expect(d).toHaveLength(1);
    expect(at(a, d[0])).toBe('model');
    expect(d[0].message).toMatch(/^The model has 3\.20e9 parameters \(11\.9 GiB of float32 weights\)/);
  });

  it('says nothing about the size of an ordinary model', () => {
    expect(check(spec({})).diagnostics).toEqual([]);
  });
});
