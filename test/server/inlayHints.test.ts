import { describe, expect, it } from 'vitest';
import { doc, example, service } from './helpers';

const ls = service();

describe('inlay hints', () => {
  it('shows output shape and parameters after each layer, and the total on `model:`', () => {
    const d = example('mnist-cnn.model.yaml');
    const hints = ls.getInlayHints(d);
    const lines = d.getText().split('\n');
    const firstConv = lines.findIndex((l) => l.includes('- conv2d'));
    const h = hints.find((x) => x.position.line === firstConv)!;
    expect(h.label).toBe('→ (None, 26, 26, 32) · 320 params');
    expect(h.paddingLeft).toBe(true);
    // After the layer's text, before any trailing comment.
    expect(h.position.character).toBe(lines[firstConv].replace(/\s*#.*$/, '').trimEnd().length);
    const modelLine = lines.findIndex((l) => l.startsWith('model:'));
    expect(hints.find((x) => x.position.line === modelLine)!.label).toBe('Σ 93,322 params · output (None, 10)');
    expect(hints.length).toBe(1 + 8);
  });

  it('uses fixture layers', () => {
    const d = doc('model:\n  input: [28, 28, 1]\n  layers:\n    - conv2d: { filters: 32, kernel_size: 3 }  # first\n    - flatten\n    - dense: { units: 10 }\n');
    expect(ls.getInlayHints(d).map((h) => [h.position.line, h.label])).toEqual([
      [0, 'Σ 216,650 params · output (None, 10)'],
      [3, '→ (None, 26, 26, 32) · 320 params'],
      [4, '→ (None, 21632)'], // no parameters: no count
      [5, '→ (None, 10) · 216,330 params'],
    ]);
    expect(ls.getInlayHints(d)[1].position.character).toBe('    - conv2d: { filters: 32, kernel_size: 3 }'.length);
  });

  it('places hints after each layer of a one-line flow list', () => {
    const text = 'model:\n  input: [4]\n  layers: [dense: { units: 3 }, dense: { units: 1 }]\n';
    const d = doc(text);
    const hints = ls.getInlayHints(d).slice(1);
    expect(hints.map((h) => h.label)).toEqual(['→ (None, 3) · 15 params', '→ (None, 1) · 4 params']);
    expect(hints[0].position.character).toBe(text.split('\n')[2].indexOf(', dense'));
  });

  it('returns only the hints in the requested range', () => {
    const d = example('mnist-cnn.model.yaml');
    const lines = d.getText().split('\n');
    const last = lines.findIndex((l) => l.includes('units: 10'));
    const hints = ls.getInlayHints(d, { start: { line: last, character: 0 }, end: { line: last + 1, character: 0 } });
    expect(hints.map((h) => h.label)).toEqual(['→ (None, 10) · 650 params']);
  });

  it('skips layers whose shape is unknown', () => {
    const d = doc('model:\n  input: [4]\n  layers:\n    - conv2d: { filters: 2, kernel_size: 3 }\n    - dense: { units: 2 }\n');
    expect(ls.getInlayHints(d).map((h) => h.label)).toEqual([]);
  });

  it('can be turned off', () => {
    const off = service({ settings: { inlayHints: { enabled: false } } });
    expect(off.getInlayHints(example('mnist-cnn.model.yaml'))).toEqual([]);
    off.configure({ inlayHints: { enabled: true } });
    expect(off.getInlayHints(example('mnist-cnn.model.yaml')).length).toBe(9);
  });
});
