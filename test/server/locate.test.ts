import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { locateNode } from '../../src/core/locate';

function at(src: string) {
  const offset = src.indexOf('|');
  const text = src.slice(0, offset) + src.slice(offset + 1);
  const loc = locateNode(parseDocument(text), offset);
  return { keys: loc.steps.map((s) => s.key), onKey: loc.onKey, inNode: loc.inNode };
}

describe('locateNode', () => {
  it('finds keys, values and list items', () => {
    expect(at('model:\n  lay|ers:\n    - dense\n')).toEqual({ keys: ['model', 'layers'], onKey: true, inNode: true });
    expect(at('model:\n  layers:\n    - den|se\n')).toEqual({ keys: ['model', 'layers', 0], onKey: false, inNode: true });
    expect(at('model:\n  layers:\n    - dense: { units: 3| }\n')).toEqual({ keys: ['model', 'layers', 0, 'dense', 'units'], onKey: false, inNode: true });
    expect(at('a: [x, y|]\n')).toEqual({ keys: ['a', 1], onKey: false, inNode: true });
  });

  it('counts the end of a word as on it', () => {
    expect(at('train:\n  loss|: mse\n')).toEqual({ keys: ['train', 'loss'], onKey: true, inNode: true });
    expect(at('train:\n  loss: mse|\n')).toEqual({ keys: ['train', 'loss'], onKey: false, inNode: true });
  });

  it('stops at gaps between keys and values', () => {
    expect(at('train:\n  loss:|  mse\n')).toMatchObject({ keys: ['train', 'loss'], inNode: false });
  });

  it('is fast on long lists (binary search)', () => {
    const text = `layers:\n${Array.from({ length: 5000 }, (_, i) => `  - dense: { units: ${i} }`).join('\n')}\n`;
    const doc = parseDocument(text);
    const offset = text.lastIndexOf('units');
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) locateNode(doc, offset);
    expect((performance.now() - t0) / 1000).toBeLessThan(0.5);
    expect(locateNode(doc, offset).steps.map((s) => s.key)).toEqual(['layers', 4999, 'dense', 'units']);
  });

  it('answers for offsets outside the document and for empty documents', () => {
    expect(locateNode(parseDocument('a: 1\n'), 999)).toMatchObject({ steps: [], inNode: false });
    expect(locateNode(parseDocument(''), 0)).toMatchObject({ steps: [], inNode: false });
    expect(locateNode(undefined, 0)).toMatchObject({ steps: [], inNode: false });
  });
});
