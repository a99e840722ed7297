/**
 * UnsortedSegmentSum for the wasm backend (tfjs-backend-wasm 4.22 has none;
 * the gradient of Gather — Embedding layers — needs it).
 *
 *   out[s, ...] = sum_{i : ids[i] == s} x[i, ...],  out shape [numSegments, ...x.shape[ids.rank:]]
 *
 * Built on the backend's ScatterNd kernel (C++, which accumulates duplicate
 * indices): one linear pass over x, no [numSegments x N] one-hot matmul.
 * Ids outside [0, numSegments) are dropped, as in TensorFlow: they are sent to
 * an extra trash row that is cut off afterwards.
 */
import * as tf from '../../tf';
import { asTensor, slice2d } from './util';

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, segmentIds } = inputs as unknown as tf.UnsortedSegmentSumInputs;
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    return tf.tidy(() => {
      const xt = asTensor(x!);
      const idsT = asTensor(segmentIds!);
      const n = idsT.size;
      const rest = xt.shape.slice(idsT.rank);
      const outShape = [numSegments, ...rest];
      if (n === 0 || numSegments === 0) return tf.zeros(outShape, xt.dtype);
      let ids = tf.reshape(idsT.dtype === 'int32' ? idsT : tf.cast(idsT, 'int32'), [n]);
      const upd = tf.reshape(xt, [n, ...rest]);
      const vals = ids.dataSync();
      let allValid = true;
      for (let i = 0; i < n; i++) {
        const v = vals[i];
        if (v < 0 || v >= numSegments) {
          allValid = false;
          break;
        }
      }
      if (allValid) return tf.scatterND(tf.reshape(ids, [n, 1]), upd, outShape);
      const ok = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
      ids = tf.where(ok, ids, tf.fill([n], numSegments, 'int32'));
      const withTrash = tf.scatterND(tf.reshape(ids, [n, 1]), upd, [numSegments + 1, ...rest]);
      const inner = rest.reduce((p, q) => p * q, 1);
      return tf.reshape(slice2d(tf.reshape(withTrash, [numSegments + 1, inner]), 0, numSegments, 0, inner), outShape);
    });
  },
};
