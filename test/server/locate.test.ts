import { describe, expect, it } from 'vitest';
import { parseDocument, type YAMLSeq } from 'yaml';
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

  it('finds an item of a long list by binary search, reading a few items rather than all', () => {
    const text = `layers:\n${Array.from({ length: 5000 }, (_, i) => `  - dense: { units: ${i} }`).join('\n')}\n`;
    const doc = parseDocument(text);
    const layers = doc.get('layers') as YAMLSeq;
    let reads = 0;
    layers.items = new Proxy(layers.items, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const offset = text.lastIndexOf('units');
    expect(locateNode(doc, offset).steps.map((s) => s.key)).toEqual(['layers', 4999, 'dense', 'units']);
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThan(4 * Math.log2(5000));
  });

  it('answers for offsets outside the document and for empty documents', () => {
    expect(locateNode(parseDocument('a: 1\n'), 999)).toMatchObject({ steps: [], inNode: false });
    expect(locateNode(parseDocument(''), 0)).toMatchObject({ steps: [], inNode: false });
    expect(locateNode(undefined, 0)).toMatchObject({ steps: [], inNode: false });
  });
});
