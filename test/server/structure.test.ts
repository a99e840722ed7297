import { describe, expect, it } from 'vitest';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import { caret, example, service } from './helpers';

const ls = service();

const byName = (list: DocumentSymbol[] | undefined, name: string) => list?.find((s) => s.name === name);

describe('document symbols', () => {
  it('outlines data, pipeline steps, model, each layer with its shape, and train', () => {
    const symbols = ls.getDocumentSymbols(example('mnist-cnn.model.yaml'));
    expect(symbols.map((s) => s.name)).toEqual(['version', 'name', 'description', 'seed', 'data', 'model', 'train']);
    const data = byName(symbols, 'data')!;
    expect(byName(data.children, 'pipeline')!.children!.map((s) => s.name)).toEqual(['scale', 'reshape', 'one_hot']);
    const model = byName(symbols, 'model')!;
    expect(model.detail).toBe('93,322 params');
    const layers = byName(model.children, 'layers')!.children!;
    expect(layers.length).toBe(8);
    expect(layers[0]).toMatchObject({ name: 'conv2d', detail: '(None, 26, 26, 32) · 320 params', kind: SymbolKind.Class });
    expect(layers[5]).toMatchObject({ name: 'flatten', detail: '(None, 576) · 0 params' });
    const train = byName(symbols, 'train')!;
    expect(byName(train.children, 'loss')!.detail).toBe('categorical_crossentropy');
    expect(byName(train.children, 'optimizer')!.detail).toBe('adam');
    // Every selection range lies within its range.
    const check = (list: DocumentSymbol[]) => {
      for (const s of list) {
        const inside = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
        expect(inside(s.range.start, s.selectionRange.start) && inside(s.selectionRange.end, s.range.end)).toBe(true);
        if (s.children) check(s.children);
      }
    };
    check(symbols);
  });

  it('names named layers', () => {
    const model = byName(ls.getDocumentSymbols(example('residual-cnn.model.yaml')), 'model')!;
    const layers = byName(model.children, 'layers')!.children!;
    expect(layers.slice(0, 4).map((s) => s.name)).toEqual(['stem (conv2d)', 'block_conv1 (conv2d)', 'block_conv2 (conv2d)', 'residual (add)']);
  });

  it('flattens for clients without hierarchical symbols', () => {
    const flat = ls.getSymbolInformation(example('mnist-cnn.model.yaml'));
    expect(flat.find((s) => s.name === 'scale')!.containerName).toBe('pipeline');
  });
});

describe('folding ranges', () => {
  it('folds sections, lists and multi-line layers, and comment blocks', () => {
    const { document } = caret('# one\n# two\ndata:\n  source: { dataset: mnist }\n  pipeline:\n    - scale: 255\nmodel:\n  layers:\n    - dense:\n        units: 3\n|');
    expect(ls.getFoldingRanges(document)).toEqual([
      { startLine: 0, endLine: 1, kind: 'comment' },
      { startLine: 2, endLine: 5 },
      { startLine: 4, endLine: 5 },
      { startLine: 6, endLine: 9 },
      { startLine: 7, endLine: 9 },
      { startLine: 8, endLine: 9 },
    ]);
  });

  it('respects the range limit', () => {
    expect(ls.getFoldingRanges(example('mnist-cnn.model.yaml'), { rangeLimit: 2 }).length).toBe(2);
  });
});

describe('selection ranges', () => {
  it('grows from the word to the pair, the mapping, the item, the list, the section, the document', () => {
    const { document, position } = caret('model:\n  layers:\n    - dense: { units: 3| }\n');
    const [sel] = ls.getSelectionRanges(document, [position]);
    const chain: string[] = [];
    const text = document.getText();
    for (let s: typeof sel | undefined = sel; s; s = s.parent) chain.push(text.slice(document.offsetAt(s.range.start), document.offsetAt(s.range.end)));
    expect(chain.slice(0, 4)).toEqual(['3', 'units: 3', '{ units: 3 }', 'dense: { units: 3 }']);
    expect(chain[chain.length - 1]).toBe(text);
    for (let i = 1; i < chain.length; i++) expect(chain[i].length).toBeGreaterThan(chain[i - 1].length);
  });

  it('answers for every position, even outside any node', () => {
    const { document } = caret('|\n\n');
    const sel = ls.getSelectionRanges(document, [{ line: 0, character: 0 }, { line: 5, character: 3 }]);
    expect(sel.length).toBe(2);
  });
});
