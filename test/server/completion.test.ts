import { describe, expect, it } from 'vitest';
import { CompletionItemKind, InsertTextFormat } from 'vscode-languageserver-types';
import { entries } from '../../src/core/catalog';
import { analyze } from '../../src/core/analyze';
import { applyCompletion, caret, labels, service } from './helpers';

const ls = service();
const complete = (src: string) => {
  const { document, position } = caret(src);
  return { document, list: ls.doComplete(document, position) };
};
const names = (src: string) => labels(complete(src).list.items);

const MODEL = 'model:\n  input: [28, 28, 1]\n  layers:\n';

describe('completion: layer types', () => {
  it('offers every layer type after `- ` in layers', () => {
    const got = names(`${MODEL}    - conv2d: { filters: 8, kernel_size: 3 }\n    - |\n`);
    expect(got).toContain('conv2d');
    expect(got).toContain('dense');
    expect(got).toContain('flatten');
    expect(got.length).toBe(entries('layer').length);
  });

  it('completes a partial type mid-typing and replaces the word', () => {
    const { document, list } = complete(`${MODEL}    - de|\n`);
    const dense = list.items.find((i) => i.label === 'dense')!;
    expect(dense.kind).toBe(CompletionItemKind.Class);
    expect(dense.detail).toBeTruthy();
    expect(typeof dense.documentation === 'object' && dense.documentation.value).toContain('units');
    const edited = applyCompletion(document, dense);
    expect(edited).toContain('    - dense: { units: 64, activation: relu }\n');
    // The inserted layer parses and type-checks.
    expect(analyze(edited).diagnostics.filter((d) => d.code === 'name/unknown' || d.code.startsWith('param/'))).toEqual([]);
  });

  it('inserts whole-layer snippets with tab stops', () => {
    const item = complete(`${MODEL}    - |\n`).list.items.find((i) => i.label === 'conv2d')!;
    expect(item.insertTextFormat).toBe(InsertTextFormat.Snippet);
    expect((item.textEdit as { newText: string }).newText).toMatch(/^conv2d: \{ filters: \$\{1:32\}, kernel_size: \$\{2:3\}/);
  });

  it('inserts only the name when a `:` already follows', () => {
    const { list } = complete(`${MODEL}    - con|v2d: { filters: 8, kernel_size: 3 }\n`);
    const item = list.items.find((i) => i.label === 'conv2d')!;
    expect((item.textEdit as { newText: string }).newText).toBe('conv2d');
  });

  it('works with a compact list (dash at the key indentation)', () => {
    expect(names('model:\n  layers:\n  - |\n')).toContain('dense');
  });

  it('works in a flow list of layers', () => {
    const { list } = complete('model:\n  input: [4]\n  layers: [dense: { units: 3 }, |]\n');
    const flatten = list.items.find((i) => i.label === 'flatten')!;
    expect((flatten.textEdit as { newText: string }).newText).toBe('flatten');
    const dense = list.items.find((i) => i.label === 'dense')!;
    expect((dense.textEdit as { newText: string }).newText).toMatch(/^\{ dense: \{ units:/);
  });
});

describe('completion: parameters', () => {
  it('offers the parameters of the layer in a block mapping, minus those given', () => {
    const got = names(`${MODEL}    - conv2d:\n        filters: 8\n        |\n`);
    expect(got).toContain('kernel_size');
    expect(got).toContain('padding');
    expect(got).not.toContain('filters');
    expect(got).not.toContain('units');
  });

  it('puts required parameters first', () => {
    const items = complete(`${MODEL}    - conv2d:\n        |\n`).list.items;
    const sorted = [...items].sort((a, b) => a.sortText!.localeCompare(b.sortText!));
    expect(sorted.slice(0, 2).map((i) => i.label).sort()).toEqual(['filters', 'kernel_size']);
  });

  it('offers parameters mid-word on a half-typed line', () => {
    const { document, list } = complete(`${MODEL}    - conv2d:\n        filters: 8\n        ker|\n    - flatten\n`);
    const k = list.items.find((i) => i.label === 'kernel_size')!;
    expect(applyCompletion(document, k)).toContain('        kernel_size: \n');
  });

  it('offers parameters in a flow mapping', () => {
    const got = names(`${MODEL}    - dense: { units: 3, | }\n`);
    expect(got).toContain('activation');
    expect(got).not.toContain('units');
  });

  it('offers the parameters of an optimizer', () => {
    expect(names('train:\n  optimizer: { adam: { | } }\n')).toEqual(expect.arrayContaining(['learning_rate', 'beta_1', 'beta_2', 'epsilon']));
  });

  it('offers `name`, `inputs` and `trainable` next to a layer type', () => {
    const got = names(`${MODEL}    - dense: { units: 3 }\n      name: a\n    - dense: { units: 3 }\n      |\n`);
    expect(got).toEqual(['name', 'inputs', 'trainable']);
  });
});

describe('completion: values', () => {
  it('offers activations with their docs after `activation:`', () => {
    const { list } = complete(`${MODEL}    - dense: { units: 3, activation: | }\n`);
    const relu = list.items.find((i) => i.label === 'relu')!;
    expect(relu.kind).toBe(CompletionItemKind.Function);
    expect(relu.detail).toMatch(/\w/);
    expect(labels(list.items)).toEqual(entries('activation').map((e) => e.name));
  });

  it('offers activations in a block mapping, with a partial word', () => {
    const { document, list } = complete(`${MODEL}    - dense:\n        units: 3\n        activation: so|\n`);
    const softmax = list.items.find((i) => i.label === 'softmax')!;
    expect(applyCompletion(document, softmax)).toContain('activation: softmax\n');
  });

  it('offers losses, optimizers and metrics', () => {
    expect(names('train:\n  loss: |\n')).toEqual(entries('loss').map((e) => e.name));
    expect(names('train:\n  optimizer: |\n')).toEqual(entries('optimizer').map((e) => e.name));
    expect(names('train:\n  loss: mean_squared_error\n  metrics: [|]\n')).toEqual(entries('metric').map((e) => e.name));
    expect(names('train:\n  metrics:\n    - |\n')).toContain('accuracy');
  });

  it('offers enum values of a parameter, the default preselected', () => {
    const { list } = complete(`${MODEL}    - conv2d: { filters: 3, kernel_size: 3, padding: | }\n`);
    expect(labels(list.items)).toEqual(['valid', 'same']);
    expect(list.items.find((i) => i.label === 'valid')!.preselect).toBe(true);
  });

  it('offers enum values of a structure key', () => {
    expect(names('train:\n  device: |\n')).toEqual(['auto', 'gpu', 'cpu']);
    expect(names('train:\n  shuffle: |\n')).toEqual(['true', 'false']);
  });

  it('adds the space after a colon typed without one', () => {
    const { document, list } = complete('train:\n  loss:|\n');
    expect(applyCompletion(document, list.items[0])).toBe(`train:\n  loss: ${entries('loss')[0].name}\n`);
  });

  it('offers pipeline steps', () => {
    expect(names('data:\n  source: { dataset: mnist }\n  pipeline:\n    - |\n')).toEqual(entries('step').map((e) => e.name));
  });

  it('offers monitored quantities for early stopping', () => {
    expect(names('train:\n  metrics: [accuracy]\n  early_stopping: { monitor: | }\n')).toEqual(['val_loss', 'loss', 'val_accuracy', 'accuracy']);
  });
});

describe('completion: layer references', () => {
  const GRAPH = `${MODEL}    - conv2d: { filters: 8, kernel_size: 3, padding: same }\n      name: a\n    - conv2d: { filters: 8, kernel_size: 3, padding: same }\n      name: b\n`;

  it('offers earlier layer names inside `inputs`, nearest first, minus those listed', () => {
    const { list } = complete(`${GRAPH}    - add:\n      inputs: [a, |]\n`);
    expect(labels(list.items)).toEqual(['b', 'input']);
    expect(list.items[0].detail).toContain('(None, 28, 28, 8)');
  });

  it('offers names after `inputs:`', () => {
    const sorted = complete(`${GRAPH}    - add:\n      inputs: |\n`).list.items.sort((x, y) => x.sortText!.localeCompare(y.sortText!));
    expect(labels(sorted)).toEqual(['b', 'a', 'input']);
  });

  it('offers layer names for `model.output`', () => {
    expect(names(`${GRAPH}  output: |\n`)).toEqual(['a', 'b', 'input']);
  });
});

describe('completion: keys', () => {
  it('offers the keys of a section, minus those present, required first', () => {
    const items = complete('train:\n  epochs: 3\n  |\n').list.items;
    expect(labels(items)).not.toContain('epochs');
    const sorted = [...items].sort((a, b) => a.sortText!.localeCompare(b.sortText!));
    expect(sorted[0].label).toBe('loss');
  });

  it('offers top-level keys and the whole-spec snippet in an empty document', () => {
    const { document, list } = complete('|');
    expect(labels(list.items)).toEqual(['version', 'name', 'description', 'seed', 'data', 'model', 'train', 'search', 'spec']);
    const spec = list.items.find((i) => i.label === 'spec')!;
    expect(spec.insertTextFormat).toBe(InsertTextFormat.Snippet);
    const text = applyCompletion(document, spec);
    const a = analyze(text);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(a.model?.totalParams).toBeGreaterThan(0);
  });

  it('offers `output` under model after the layers', () => {
    expect(names(`${MODEL}    - dense: { units: 3 }\n  |\n`)).toEqual(['output', 'weights']);
  });

  it('returns plain text without snippets for clients that lack them', () => {
    const plain = service({ client: { snippets: false } });
    const { document, position } = caret(`${MODEL}    - |\n`);
    const dense = plain.doComplete(document, position).items.find((i) => i.label === 'dense')!;
    expect(dense.insertTextFormat).toBeUndefined();
    expect((dense.textEdit as { newText: string }).newText).toBe('dense: { units: 64, activation: relu }');
  });

  it('offers nothing inside comments and free text', () => {
    expect(names('# a comm|ent\n')).toEqual([]);
    expect(names('description: some fre|e text\n')).toEqual([]);
  });
});
