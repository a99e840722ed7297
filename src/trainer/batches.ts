/**
 * Batches for the training loop: rows gathered into batch arrays (with seeded augmentation), the
 * training set resident on the device, and the evaluation of a whole part.
 */
import * as tf from './tf';
import type { Metrics } from '../core/protocol/trainer';
import type { Data } from './data/table';
import type { Metric } from './model/objectives';
import { gaussian, product } from './util';

/** Copies rows `idx[from…to)` of a part into batch tensors. */
export function batchOf(d: Data, idx: Int32Array, from: number, to: number): { x: Float32Array; y: Float32Array; n: number } {
  const k = product(d.shape);
  const ky = product(d.yShape);
  const n = to - from;
  const x = new Float32Array(n * k);
  const y = new Float32Array(n * ky);
  for (let i = 0; i < n; i++) {
    const j = idx[from + i];
    x.set(d.x.subarray(j * k, j * k + k), i * k);
    y.set(d.y.subarray(j * ky, j * ky + ky), i * ky);
  }
  return { x, y, n };
}

/** Random flips and noise on a training batch (seeded per epoch and batch). */
export function augmentBatch(x: Float32Array, n: number, shape: number[], aug: { flip: string; noise: number }, rng: () => number): void {
  const [h, w] = shape;
  const c = shape.length > 2 ? product(shape.slice(2)) : 1;
  const k = product(shape);
  for (let s = 0; s < n; s++) {
    const base = s * k;
    const flipH = (aug.flip === 'horizontal' || aug.flip === 'both') && rng() < 0.5;
    const flipV = (aug.flip === 'vertical' || aug.flip === 'both') && rng() < 0.5;
    if (flipH || flipV) {
      const copy = x.slice(base, base + k);
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const si = flipV ? h - 1 - i : i;
          const sj = flipH ? w - 1 - j : j;
          for (let q = 0; q < c; q++) x[base + (i * w + j) * c + q] = copy[(si * w + sj) * c + q];
        }
      }
    }
    if (aug.noise > 0) for (let i = 0; i < k; i++) x[base + i] += aug.noise * gaussian(rng);
  }
}

/** The training set as device tensors, batches gathered on the device in each epoch's order. */
export class ResidentData {
  /** Above this the set stays on the host and batches are uploaded one by one. */
  static readonly MAX_BYTES = 512 * 2 ** 20;
  private order?: tf.Tensor1D;

  private constructor(
    private readonly x: tf.Tensor,
    private readonly y: tf.Tensor,
    readonly bytes: number,
  ) {}

  static create(d: Data): ResidentData | undefined {
    const bytes = (d.x.length + d.y.length) * 4;
    if (bytes > ResidentData.MAX_BYTES) return undefined;
    return new ResidentData(tf.tensor(d.x, [d.n, ...d.shape]), tf.tensor(d.y, [d.n, ...d.yShape]), bytes);
  }

  shuffle(order: Int32Array): void {
    this.order?.dispose();
    this.order = tf.tensor1d(order, 'int32');
  }

  batch(from: number, to: number): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const idx = tf.slice(this.order!, from, to - from);
      return [tf.gather(this.x, idx), tf.gather(this.y, idx)];
    });
  }

  dispose(): void {
    tf.dispose([this.x, this.y, ...(this.order ? [this.order] : [])]);
  }
}

interface Evaluation {
  metrics: Metrics;
}

/** Loss and every metric over a whole part, predicting in batches. */
export async function evaluate(model: tf.LayersModel, d: Data, batchSize: number, loss: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor, metrics: Metric[]): Promise<Evaluation> {
  const idx = Int32Array.from({ length: d.n }, (_, i) => i);
  const preds: tf.Tensor[] = [];
  for (let from = 0; from < d.n; from += batchSize) {
    const b = batchOf(d, idx, from, Math.min(d.n, from + batchSize));
    preds.push(tf.tidy(() => model.predictOnBatch(tf.tensor(b.x, [b.n, ...d.shape])) as tf.Tensor));
  }
  const p = preds.length === 1 ? preds[0] : tf.concat(preds);
  if (preds.length > 1) tf.dispose(preds);
  const y = tf.tensor(d.y, [d.n, ...d.yShape]);
  const out: Metrics = {};
  const meanLoss = tf.tidy(() => tf.mean(loss(y, p)));
  out.loss = (await meanLoss.data())[0];
  meanLoss.dispose();
  if (metrics.length && tf.getBackend() === 'webgpu') {
    // The metrics read values synchronously, which webgpu cannot do in Node: compute them from
    // copies on the CPU backend (only tensors made there may be touched while it is active).
    const [pv, yv] = await Promise.all([p.data(), y.data()]);
    await tf.setBackend('cpu');
    const pc = tf.tensor(pv, p.shape);
    const yc = tf.tensor(yv, y.shape);
    try {
      for (const m of metrics) out[m.name] = m.whole(yc, pc);
    } finally {
      tf.dispose([pc, yc]);
      await tf.setBackend('webgpu');
    }
  } else {
    for (const m of metrics) out[m.name] = m.whole(y, p);
  }
  tf.dispose([p, y]);
  return { metrics: out };
}
