/**
 * The `search:` section through the real server (dist/server.js): findings at the path's exact
 * range with their quick fix, completion of the spec's own paths and of the space forms, and
 * hovers on a path (its value now and its space) and on the section's keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CompletionItem, CompletionList, Diagnostic, Hover } from 'vscode-languageserver-protocol';
import type { LspClient } from './lspClient';
import { lineOf, open, start } from './serverProcess';
import { searchBase } from '../core/searchSpec';

const SPEC = `${searchBase}search:
  metric: val_accuracy
  pruner: { asha: { min_epochs: 1, reduction: 3 } }
  space:
    model.layers.hiden.units: { choice: [32, 64, 128] }
    train.optimizer.adam.learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
`;

let c: LspClient;
let n = 0;
beforeAll(async () => {
  c = await start();
});
afterAll(async () => {
  expect(c.stderr()).toBe('');
  await c.stop();
});

/** Opens `text` with `|` marking the cursor; resolves once its diagnostics are published. */
async function openAt(src: string) {
  const offset = src.indexOf('|');
  const text = offset < 0 ? src : src.slice(0, offset) + src.slice(offset + 1);
  const before = text.slice(0, Math.max(0, offset));
  const position = { line: before.split('\n').length - 1, character: before.length - before.lastIndexOf('\n') - 1 };
  const { uri, diags } = open(c, `search-${++n}.model.yaml`, text);
  return { uri, text, position, diagnostics: (await diags).diagnostics as Diagnostic[] };
}

const completion = async (src: string) => {
  const { uri, position } = await openAt(src);
  const r = (await c.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position })) as CompletionList | CompletionItem[];
  return Array.isArray(r) ? r : r.items;
};
const hover = async (src: string) => {
  const { uri, position } = await openAt(src);
  return (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position })) as Hover | null;
};
const hoverText = (h: Hover | null) => (h?.contents as { value: string } | undefined)?.value ?? '';

describe('search: through the language server', () => {
  it('reports a path naming nothing at its exact range, with did-you-mean and a quick fix', async () => {
    const { uri, text, diagnostics } = await openAt(SPEC);
    const d = diagnostics.find((x) => x.code === 'search/unknown-path')!;
    const line = lineOf(text, 'hiden');
    const col = text.split('\n')[line].indexOf('hiden');
    expect(d.range).toEqual({ start: { line, character: col }, end: { line, character: col + 'hiden'.length } });
    expect(d.message).toBe('No layer is named `hiden`. Did you mean `hidden`?');
    const actions = (await c.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(["Change to 'hidden'"]);
    expect(actions[0].edit!.changes![uri]).toEqual([{ range: d.range, newText: 'hidden' }]);
  });

  it('offers to raise trials when the grid is larger, also when trials is left at its default', async () => {
    const { uri, text, diagnostics } = await openAt(`${SPEC.replace('hiden', 'hidden')}    train.batch_size: { grid: [8, 16, 32, 64, 128] }\n    model.layers[1].rate: { grid: [0.1, 0.2, 0.3, 0.4, 0.5] }\n`);
    const d = diagnostics.find((x) => x.code === 'search/grid-too-large')!;
    expect(d.message).toContain('The grid has 25 combinations, but `search.trials` is 20 (the default)');
    const actions = (await c.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(['Set trials to 25']);
    const [edit] = actions[0].edit!.changes![uri];
    const lines = text.split('\n');
    // After the section's last line, at its keys' indentation.
    expect(edit).toEqual({ range: { start: { line: lines.length - 2, character: lines[lines.length - 2].length }, end: { line: lines.length - 2, character: lines[lines.length - 2].length } }, newText: '\n  trials: 25' });
  });

  it('completes the spec’s own parameter paths inside `space:`, leaving out those already searched', async () => {
    const items = await completion(SPEC.replace('    model.layers.hiden.units', '    model.layers.hidden.units') + '    |');
    const labels = items.map((i) => i.label);
    expect(labels).toContain('model.layers.hidden.activation');
    expect(labels).toContain('model.layers[1].rate');
    expect(labels).toContain('model.layers[2].units');
    expect(labels).toContain('train.batch_size');
    expect(labels).toContain('train.optimizer.adam.beta_1');
    expect(labels).not.toContain('model.layers.hidden.units');
    expect(labels).not.toContain('train.optimizer.adam.learning_rate');
    expect(items.find((i) => i.label === 'model.layers[1].rate')!.detail).toBe('rate of layer dropout_2 (dropout) = 0.2');
  });

  it('replaces a half-typed path with brackets whole', async () => {
    const src = SPEC + '    model.layers[2|';
    const items = await completion(src);
    const item = items.find((i) => i.label === 'model.layers[2].units')!;
    const line = src.split('\n').length - 1;
    expect((item.textEdit as { range: unknown }).range).toEqual({ start: { line, character: 4 }, end: { line, character: 'model.layers[2'.length + 4 } });
  });

  it('completes the space forms that fit the parameter', async () => {
    const floats = await completion(SPEC + '    model.layers[1].rate: |');
    expect(floats.map((i) => i.label)).toEqual(['uniform', 'loguniform', 'int', 'choice', 'grid']);
    const ints = await completion(SPEC + '    train.batch_size: |');
    expect(ints.map((i) => i.label)).toEqual(['int', 'choice', 'grid']);
    expect(ints[0].textEdit!.newText).toBe('{ int: [${1:16}, ${2:64}] }');
    const names = await completion(SPEC + '    model.layers.hidden.activation: |');
    expect(names.map((i) => i.label)).toEqual(['choice', 'grid']);
    const activations = await completion(SPEC + '    model.layers.hidden.activation: { choice: [relu, |] }');
    expect(activations.map((i) => i.label)).toEqual(expect.arrayContaining(['tanh', 'sigmoid', 'softmax']));
    expect(activations.find((i) => i.label === 'relu')!.detail).toBe('now');
    const switches = await completion(SPEC + '    model.layers[2].use_bias: { grid: [|] }');
    expect(switches.map((i) => i.label)).toEqual(['true', 'false']);
    const metrics = await completion(SPEC.replace('metric: val_accuracy', 'metric: |'));
    expect(metrics.map((i) => i.label)).toEqual(['val_loss', 'val_accuracy', 'loss', 'accuracy']);
  });

  it('hovers a path with its value now and its space, and the section’s keys with their docs', async () => {
    const path = hoverText(await hover(SPEC.replace('train.optimizer.adam.learning_rate', 'train.optimizer.adam.learn|ing_rate')));
    expect(path).toContain('**train.optimizer.adam.learning_rate** — `learning_rate` of the optimizer `adam`');
    expect(path).toContain('now `0.001` · searched: `loguniform 0.0001 … 0.01`');
    const pruner = hoverText(await hover(SPEC.replace('  pruner:', '  pru|ner:')));
    expect(pruner).toContain('**search.pruner**');
    expect(pruner).toContain('asynchronous successive halving');
    const asha = hoverText(await hover(SPEC.replace('asha:', 'as|ha:')));
    expect(asha).toContain('Asynchronous successive halving: at epochs `min_epochs · reduction^k`');
  });
});
