/** Builders of the pooling layers (catalog/layers/pool.ts). */
import * as tf from '@tensorflow/tfjs';
import { toTuple } from '../../../core/shape';
import { type Builder, single } from './shared';

function pool(kind: 'max' | 'avg', rank: 1 | 2): Builder {
  return single((p, ctx) => {
    const poolSize = toTuple(p.pool_size, rank, 2);
    const strides = p.strides === undefined || p.strides === null ? poolSize : toTuple(p.strides, rank, 1);
    const args = { name: ctx.name, poolSize: (rank === 1 ? poolSize[0] : poolSize) as [number, number], strides: (rank === 1 ? strides[0] : strides) as [number, number], padding: (p.padding as 'valid' | 'same') ?? 'valid' };
    if (rank === 1) return kind === 'max' ? tf.layers.maxPooling1d(args as never) : tf.layers.averagePooling1d(args as never);
    return kind === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
  });
}

export const poolBuilders: Record<string, Builder> = {
  max_pool1d: pool('max', 1),
  avg_pool1d: pool('avg', 1),
  max_pool2d: pool('max', 2),
  avg_pool2d: pool('avg', 2),
  global_avg_pool1d: single((_p, ctx) => tf.layers.globalAveragePooling1d({ name: ctx.name })),
  global_max_pool1d: single((_p, ctx) => tf.layers.globalMaxPooling1d({ name: ctx.name })),
  global_avg_pool2d: single((_p, ctx) => tf.layers.globalAveragePooling2d({ name: ctx.name })),
  global_max_pool2d: single((_p, ctx) => tf.layers.globalMaxPooling2d({ name: ctx.name })),
};
