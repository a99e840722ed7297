/**
 * The weight encodings against references nobody here wrote: float16 against numpy's
 * `astype(float16)` (Debian's python3-numpy, round to nearest even, subnormals, overflow), and
 * every quantized shard decoded back by tfjs-core's own `io.decodeWeights`, as tf.loadLayersModel does.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { StoredWeight } from '../../src/export/checkpoint';
import { toFloat16, weightShards, SHARD_BYTES } from '../../src/export/tfjs/weights';
import * as tf from '../../src/trainer/tf';
import { mulberry32 } from '../../src/trainer/util';

/** Values across float16's range: normal, subnormal, halfway cases, overflow, zeros, NaN, ±∞. */
function probeValues(): Float32Array {
  const r = mulberry32(11);
  const v: number[] = [0, -0, 1, -2, 65504, 65519.99, 65520, 1e6, 6e-8, 2.98e-8, 2.99e-8, 1e-8, 6.1e-5, 6.09e-5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, NaN, Infinity, -Infinity];
  for (let i = 0; i < 20000; i++) v.push((r() - 0.5) * 2 ** Math.floor(r() * 50 - 30));
  // Exact halfway points between neighbouring halves: ties go to the even one.
  for (let i = 0; i < 2000; i++) v.push((1 + (2 * Math.floor(r() * 1024) + 1) * 2 ** -11) * 2 ** Math.floor(r() * 20 - 10));
  return Float32Array.from(v);
}

describe('weight encodings', () => {
  it('float16 bits equal numpy’s astype(float16) for 22,000 values', () => {
    const values = probeValues();
    const py = spawnSync('/usr/bin/python3', ['-c', 'import sys, numpy as np; sys.stdout.buffer.write(np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).astype(np.float16).tobytes())'], { input: Buffer.from(values.buffer) });
    expect(py.status, `python3 with numpy is needed (apt-get install python3-numpy): ${py.stderr}`).toBe(0);
    const expected = new Uint16Array(py.stdout.buffer.slice(py.stdout.byteOffset, py.stdout.byteOffset + py.stdout.byteLength));
    const ours = Uint16Array.from(values, toFloat16);
    const differ = [...ours.keys()].filter((i) => ours[i] !== expected[i] && !(Number.isNaN(values[i]) && (ours[i] & 0x7c00) === 0x7c00 && ours[i] & 0x3ff));
    expect(differ.map((i) => `${values[i]}: ${ours[i].toString(16)} vs ${expected[i].toString(16)}`)).toEqual([]);
  });

  it('tfjs-core decodes the shards back: float16 within 2⁻¹¹ relative, uint8 within scale/2, shards joined', async () => {
    await tf.setBackend('cpu');
    const r = mulberry32(5);
    // A weight larger than a shard, one all equal, one all positive, one that spans zero.
    const weights: StoredWeight[] = [
      { name: 'big/kernel', shape: [1100, 1000], dtype: 'float32', values: Float32Array.from({ length: 1_100_000 }, () => (r() - 0.3) * 0.4) },
      { name: 'same/bias', shape: [7], dtype: 'float32', values: new Float32Array(7).fill(0.25) },
      { name: 'pos/gamma', shape: [50], dtype: 'float32', values: Float32Array.from({ length: 50 }, () => 1 + r()) },
      { name: 'small/kernel', shape: [3, 4], dtype: 'float32', values: Float32Array.from({ length: 12 }, () => r() * 2 - 1) },
    ];
    for (const q of [undefined, 'float16', 'uint8'] as const) {
      const { files, manifest } = weightShards(weights, q);
      expect(manifest[0].paths).toEqual([...files.keys()]);
      expect([...files.values()].slice(0, -1).every((b) => b.length === SHARD_BYTES)).toBe(true);
      const joined = tf.io.concatenateArrayBuffers([...files.values()].map((b) => b.slice().buffer as ArrayBuffer));
      const decoded = tf.io.decodeWeights(joined, manifest[0].weights);
      for (const [i, w] of weights.entries()) {
        const back = decoded[w.name].dataSync();
        const entry = manifest[0].weights[i];
        const bound = (x: number) => (q === undefined ? 0 : q === 'float16' ? Math.abs(x) * 2 ** -11 + 1e-7 : (entry.quantization as { scale: number }).scale / 2 + 1e-7);
        const worst = Array.from(w.values as ArrayLike<number>).reduce((m: number, x: number, k: number) => Math.max(m, Math.abs(back[k] - x) - bound(x)), -Infinity);
        expect(worst, `${q ?? 'float32'} ${w.name}`).toBeLessThanOrEqual(0);
      }
      tf.dispose(Object.values(decoded));
    }
  });
});
