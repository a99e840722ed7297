/** Builders of the image-resizing layers (catalog/layers/resize.ts). */
import * as tf from '@tensorflow/tfjs';
import { toTuple } from '../../../core/shape';
import { type Builder, single } from './shared';

const sides = (v: unknown, fallback: number): [[number, number], [number, number]] => {
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2) return [[v[0], v[0]], [v[1], v[1]]];
  if (Array.isArray(v) && v.length === 4) return [[v[0], v[1]], [v[2], v[3]]];
  return [[fallback, fallback], [fallback, fallback]];
};

export const resizeBuilders: Record<string, Builder> = {
  upsampling2d: single((p, ctx) => tf.layers.upSampling2d({ name: ctx.name, size: toTuple(p.size, 2, 2), interpolation: (p.interpolation as 'nearest') ?? 'nearest' })),
  zero_padding2d: single((p, ctx) => tf.layers.zeroPadding2d({ name: ctx.name, padding: sides(p.padding, 1) })),
  cropping2d: single((p, ctx) => tf.layers.cropping2D({ name: ctx.name, cropping: sides(p.cropping, 0) })),
};
