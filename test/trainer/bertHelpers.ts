/** Shared by the `bert` layer's parity tests (BERT and DistilBERT folders). */
import { expect } from 'vitest';
import { parseBertConfig, type BertConfig } from '../../src/core/weights/bertConfig';
import type { Tensor32 } from '../../src/core/weights/safetensors';
import { BertEncoder, type BertPooling } from '../../src/trainer/model/layers/bert';
import * as tf from '../../src/trainer/tf';

export function config(json: unknown): BertConfig {
  const c = parseBertConfig(json);
  if ('error' in c) throw new Error(c.error.message);
  return c;
}

/** The encoder for sequences of `L` tokens, built and started from `weights`. */
export function encoder(c: BertConfig, pooling: BertPooling, weights: Map<string, Tensor32>, L: number, trainable = true): BertEncoder {
  const layer = new BertEncoder({ config: c, pooling, trainable });
  layer.apply(tf.input({ shape: [L] }));
  layer.loadCheckpoint(weights);
  return layer;
}

type Nested = number[] | number[][] | number[][][];

export const maxAbsDiff = (a: Nested, b: Nested): number => {
  const x = (a as number[]).flat(2) as number[];
  const y = (b as number[]).flat(2) as number[];
  expect(x.length).toBe(y.length);
  return Math.max(...x.map((v, i) => Math.abs(v - y[i])));
};

/** The mean of each sequence's states over its unmasked tokens, from reference hidden states. */
export const meanOverMask = (hidden: number[][][], mask: number[][]): number[][] =>
  hidden.map((seq, i) => {
    const kept = seq.filter((_, t) => mask[i][t] === 1);
    return kept[0].map((_, h) => kept.reduce((s, v) => s + v[h], 0) / kept.length);
  });
