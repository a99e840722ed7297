import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { architectureGraph, toMermaid } from '../../src/core/graph';
import { formatSummary, summarize } from '../../src/core/summary';
import { fileDataHost } from '../../src/node/dataHost';

const dir = join(__dirname, '../../examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.model.yaml'));

function load(file: string) {
  return analyze(readFileSync(join(dir, file), 'utf8'), { host: fileDataHost(dir) });
}

describe('example specs', () => {
  it('there are the six classic examples and the BERT fine-tuning one', () => {
    expect(files.sort()).toEqual([
      'bert-sentiment.model.yaml',
      'house-prices.model.yaml',
      'lstm-sentiment.model.yaml',
      'mlp.model.yaml',
      'mnist-cnn.model.yaml',
      'residual-cnn.model.yaml',
      'transformer-text.model.yaml',
    ]);
  });

  it.each(files)('%s checks clean and every layer has a shape', (file) => {
    const a = load(file);
    expect(a.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    for (const l of a.model!.layers) {
      expect(l.outputShape, l.id).not.toBeNull();
      expect(l.params, l.id).not.toBeNull();
    }
    expect(a.model!.totalParams).toBeGreaterThan(0);
  });

  it('the transfer pair (examples/transfer/) checks clean but for the first stage\'s run, which a clean clone does not have', () => {
    const transfer = join(dir, 'transfer');
    const check = (file: string) => analyze(readFileSync(join(transfer, file), 'utf8'), { host: fileDataHost(transfer, { workspaces: [transfer] }) });
    for (const file of ['digits-0-4.model.yaml', 'digits-5-9-scratch.model.yaml']) expect(check(file).diagnostics, file).toEqual([]);
    // test/trainer/transfer-example.test.ts trains stage 1 first and checks stage 2 clean then
    // (as here, once someone has trained the example in place).
    const trained = existsSync(join(transfer, '.modelyaml', 'runs', 'digits-0-4'));
    expect(check('digits-5-9.model.yaml').diagnostics.map((d) => d.code)).toEqual(trained ? [] : ['weights/source']);
  });

  it('the MNIST CNN has Keras\'s 93,322 parameters and shapes', () => {
    const a = load('mnist-cnn.model.yaml');
    expect(a.model!.totalParams).toBe(93_322);
    const shapes = a.model!.layers.map((l) => l.outputShape);
    expect(shapes).toEqual([
      [null, 26, 26, 32],
      [null, 13, 13, 32],
      [null, 11, 11, 64],
      [null, 5, 5, 64],
      [null, 3, 3, 64],
      [null, 576],
      [null, 64],
      [null, 10],
    ]);
    const table = formatSummary(summarize(a), false);
    expect(table).toContain('Total params: 93,322');
    expect(table).toContain('conv2d_1 (conv2d)');
  });

  it('the BERT example reads its folder\'s config.json: a 32-wide pooled encoder of 39,264 parameters', () => {
    const a = load('bert-sentiment.model.yaml');
    expect(a.model!.layers.map((l) => [l.outputShape, l.params])).toEqual([
      [[null, 32], 39_264],
      [[null, 32], 0],
      [[null, 1], 33],
    ]);
  });

  it('the MLP has 101,770 parameters', () => {
    expect(load('mlp.model.yaml').model!.totalParams).toBe(101_770);
  });

  it('the residual CNN is a graph whose add reads the stem and the block', () => {
    const a = load('residual-cnn.model.yaml');
    expect(a.model!.isGraph).toBe(true);
    const g = architectureGraph(a);
    const add = g.nodes.find((n) => n.name === 'residual')!;
    expect(g.edges.filter((e) => e.to === add.id).map((e) => g.nodes.find((n) => n.id === e.from)!.name).sort()).toEqual(['block_conv2', 'stem']);
    const mmd = toMermaid(g);
    expect(mmd).toMatch(/^flowchart TB\n/);
    expect(mmd).toContain('residual · add');
  });
});
