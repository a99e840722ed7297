/** What the per-sample file shows for each kind of input: PNGs that decode to the model's pixels, text decoded with the vocabulary, feature values. */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { Preprocessing } from '../../src/core/protocol/preprocessing';
import { displayOf, imageDataUrl, imageShape } from '../../src/trainer/evaluationSamples';

const decode = (url: string) => {
  expect(url).toMatch(/^data:image\/png;base64,/);
  return PNG.sync.read(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
};

type Pre = Pick<Preprocessing, 'input' | 'features' | 'steps'>;
const pre = (input: Partial<Preprocessing['input']>, shape: number[], steps: Preprocessing['steps'] = []): Pre => ({ input: { source: 'x', kind: 'values', shape, ...input }, features: { shape }, steps });

describe('evaluation samples: what each sample shows', () => {
  it('an image becomes a PNG of its pixels, contrast-stretched, that any decoder reads', () => {
    const x = Float32Array.from({ length: 28 * 28 }, (_, i) => (i % 7) / 6 - 0.5); // standardised-looking values
    const png = decode(imageDataUrl(x, [28, 28, 1]));
    expect([png.width, png.height]).toEqual([28, 28]);
    const [lo, hi] = [Math.min(...x), Math.max(...x)];
    expect(Array.from({ length: 784 }, (_, i) => png.data[i * 4])).toEqual(Array.from(x, (v) => Math.round(((v - lo) / (hi - lo)) * 255)));
    expect(new Set(Array.from({ length: 784 }, (_, i) => png.data[i * 4])).size).toBe(7);
    const rgb = decode(imageDataUrl(Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i), [2, 3, 3]));
    expect([rgb.width, rgb.height, ...rgb.data.subarray(0, 8)]).toEqual([3, 2, 0, 15, 30, 255, 45, 60, 75, 255]);
    // A large image is shrunk to at most 64 pixels a side.
    const big = decode(imageDataUrl(new Float32Array(200 * 120 * 3).fill(0.5), [200, 120, 3]));
    expect([big.width, big.height]).toEqual([30, 50]);
  });

  it('knows an image by its source or shape: MNIST’s flat 784 too, an iris row not', () => {
    expect(imageShape(pre({ kind: 'values' }, [784]))).toEqual([28, 28, 1]);
    expect(imageShape(pre({ kind: 'values' }, [28, 28, 1]))).toEqual([28, 28, 1]);
    expect(imageShape(pre({ kind: 'image' }, [32, 32, 3]))).toEqual([32, 32, 3]);
    expect(imageShape(pre({ kind: 'table', columns: ['a', 'b', 'c', 'd'] }, [4]))).toBeUndefined();
    expect(imageShape(pre({ kind: 'table' }, [64]))).toBeUndefined();
  });

  it('text is decoded from its token ids with the run’s vocabulary, padding dropped and unknown words marked', () => {
    const p = pre({ kind: 'text', text: 'text' }, [6], [{ type: 'tokenize', params: {}, atInference: 'apply', fitted: { vocabulary: ['good', 'movie', 'bad'] } }, { type: 'pad_sequences', params: { maxlen: 6 }, atInference: 'apply' }]);
    const d = displayOf({ shape: [6] }, p);
    expect(d.display).toBe('text');
    expect(d.show!(Float32Array.from([0, 0, 2, 3, 1, 4]))).toEqual({ text: 'good movie ⟨?⟩ bad' });
  });

  it('a table row shows its values under the feature names', () => {
    const d = displayOf({ shape: [2], columns: ['size', 'rooms'] }, pre({ kind: 'table', columns: ['size', 'rooms'] }, [2]));
    expect(d).toMatchObject({ display: 'values', columns: ['size', 'rooms'] });
    expect(d.show!(Float32Array.from([1.5, NaN]))).toEqual({ values: [1.5, null] });
  });
});
