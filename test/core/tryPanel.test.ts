/**
 * The "Try the model" panel's pure parts: the form a run's preprocessing.json asks for (table,
 * text, image, MNIST-like flat values, what cannot be drawn), the raw record a filled-in form
 * becomes, and the validation of both directions' messages.
 */
import { describe, expect, it } from 'vitest';
import type { Preprocessing } from '../../src/core/protocol/preprocessing';
import { rawInputOf, tryFormOf, tryStateOf, validateTryFromWebview, validateTryToWebview, type TryForm } from '../../src/core/protocol/tryPanel';

const base = (input: Preprocessing['input'], steps: Preprocessing['steps'] = [], features = input.shape): Preprocessing => ({
  schemaVersion: 1, input, steps, features: { shape: features }, labels: { kind: 'one_hot', shape: [3], classes: 3 }, dataFingerprint: 'x',
});

describe('tryFormOf', () => {
  it('a table: a number field per column starting at the training mean, a choice for a label-encoded category', () => {
    const pre = base({ source: 'csv', kind: 'table', columns: ['area', 'rooms', 'city'], label: 'price', shape: [3] }, [
      { type: 'label_encode', params: { column: 'city' }, atInference: 'apply', fitted: { classes: ['Lyon', 'Paris'] } },
      { type: 'standardize', params: {}, atInference: 'apply', fitted: { mean: [81.23456, 3.5, 0.4], std: [1, 1, 1] } },
    ]);
    expect(tryFormOf(pre)).toEqual({
      kind: 'table',
      columns: [
        { name: 'area', type: 'number', initial: '81.23' },
        { name: 'rooms', type: 'number', initial: '3.5' },
        { name: 'city', type: 'category', options: ['Lyon', 'Paris'], initial: 'Lyon' },
      ],
    });
  });

  it('text, images, MNIST-like values (reshaped or flat), and values that are no picture', () => {
    expect(tryFormOf(base({ source: 'csv', kind: 'text', text: 'review', shape: [0] }, [], [100]))).toEqual({ kind: 'text', field: 'review' });
    expect(tryFormOf(base({ source: 'images', kind: 'image', shape: [32, 48, 3], imageSize: [32, 48], channels: 3 }))).toEqual({ kind: 'image', width: 48, height: 32, channels: 3, send: 'image', digits: false });
    expect(tryFormOf(base({ source: 'dataset', kind: 'values', shape: [784] }, [], [28, 28, 1]))).toEqual({ kind: 'image', width: 28, height: 28, channels: 1, send: 'values', digits: true });
    expect(tryFormOf(base({ source: 'dataset', kind: 'values', shape: [784] }))).toEqual({ kind: 'image', width: 28, height: 28, channels: 1, send: 'values', digits: true });
    expect(tryFormOf(base({ source: 'idx', kind: 'values', shape: [10] }))).toMatchObject({ kind: 'unsupported', reason: expect.stringContaining('modelyaml predict') });
  });
});

describe('rawInputOf', () => {
  const digits: TryForm = { kind: 'image', width: 2, height: 1, channels: 1, send: 'values', digits: true };
  it('pixels become flat values (grey from RGBA by luma) or an RGBA image; sizes must match', () => {
    expect(rawInputOf(digits, { kind: 'pixels', width: 2, height: 1, channels: 1, data: [0, 255] })).toEqual({ values: [0, 255] });
    expect(rawInputOf(digits, { kind: 'pixels', width: 2, height: 1, channels: 4, data: [255, 255, 255, 255, 255, 0, 0, 255] })).toEqual({ values: [255, 76] });
    expect(rawInputOf({ ...digits, send: 'image' }, { kind: 'pixels', width: 2, height: 1, channels: 1, data: [0, 9] })).toEqual({ image: { width: 2, height: 1, data: [0, 0, 0, 255, 9, 9, 9, 255] } });
    expect(rawInputOf(digits, { kind: 'pixels', width: 1, height: 2, channels: 1, data: [0, 1] })).toBe('the picture must be 2×1 pixels');
  });

  it('text goes under its field; a table needs every column; a mismatched kind is refused', () => {
    expect(rawInputOf({ kind: 'text', field: 'review' }, { kind: 'text', text: 'great' })).toEqual({ review: 'great' });
    const table: TryForm = { kind: 'table', columns: [{ name: 'a', type: 'number', initial: '' }, { name: 'b', type: 'number', initial: '' }] };
    expect(rawInputOf(table, { kind: 'table', values: { a: '1', b: '2', extra: 'x' } })).toEqual({ a: '1', b: '2' });
    expect(rawInputOf(table, { kind: 'table', values: { a: '1' } })).toBe('missing field b');
    expect(rawInputOf(table, { kind: 'text', text: 'x' })).toBe("a text input does not fit this run's table form");
  });
});

describe('messages', () => {
  it('the webview’s predict requests are checked: bytes, bounded sizes, known kinds', () => {
    expect(validateTryFromWebview({ type: 'predict', seq: 1, input: { kind: 'pixels', width: 1, height: 1, channels: 1, data: [255] } }).ok).toBe(true);
    expect(validateTryFromWebview({ type: 'predict', seq: 1, input: { kind: 'pixels', width: 1, height: 1, channels: 1, data: [256] } }).ok).toBe(false);
    expect(validateTryFromWebview({ type: 'predict', seq: 1, input: { kind: 'pixels', width: 5000, height: 1, channels: 1, data: [] } }).ok).toBe(false);
    expect(validateTryFromWebview({ type: 'predict', seq: -1, input: { kind: 'text', text: '' } }).ok).toBe(false);
    expect(validateTryFromWebview({ type: 'predict', seq: 1, input: { kind: 'table', values: { a: 1 } } }).ok).toBe(false);
    expect(validateTryFromWebview({ type: 'predict', seq: 1, input: { kind: 'script' } }).ok).toBe(false);
  });

  it('the host’s messages are checked by the webview; a kept state needs a run folder', () => {
    expect(validateTryToWebview({ type: 'prediction', seq: 2, ms: 3, output: { label: 'a', probabilities: [1], classes: ['a'] } }).ok).toBe(true);
    expect(validateTryToWebview({ type: 'prediction', seq: 2, ms: 3, output: { probabilities: ['x'] } }).ok).toBe(false);
    expect(validateTryToWebview({ type: 'form', run: { id: '/r', label: 'r', checkpoint: '/r/m', backend: 'wasm' }, form: { kind: 'image', width: 28, height: 28, channels: 1, send: 'values', digits: true } }).ok).toBe(true);
    expect(validateTryToWebview({ type: 'form', run: { id: '/r', label: 'r', checkpoint: '/r/m', backend: 'wasm' }, form: { kind: 'video' } }).ok).toBe(false);
    expect(tryStateOf({ runDir: '/r' })).toEqual({ runDir: '/r' });
    expect(tryStateOf({ runDir: 3 })).toBeUndefined();
  });
});
