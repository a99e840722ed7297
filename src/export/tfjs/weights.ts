/**
 * Weight files in TensorFlow.js's format: one group of shards (`group1-shardNofM.bin`, 4 MiB each,
 * as tfjs-converter writes them), and its weight quantization: float16 halves, or uint8 with a
 * per-weight affine map `value = q · scale + min` where zero is exactly representable (the
 * converter's `quantize_weights`). tfjs-core's `io.decodeWeights` reads both back on load.
 */
import type { StoredWeight } from '../checkpoint';

export type Quantization = 'float16' | 'uint8';

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'float16' } | { dtype: 'uint8'; min: number; scale: number };
}

export const SHARD_BYTES = 4 * 1024 * 1024;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half of a float32, rounded to nearest even (overflow → ±∞, NaN kept). */
export function toFloat16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): the implicit 1 joins the mantissa, shifted right by 14 − e.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa steps the exponent, up to ∞: what rounding should do.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** uint8 affine parameters for values in [lo, hi], nudged so 0 maps to an integer (tfjs-converter's rule). */
export function uint8Range(lo: number, hi: number): { min: number; scale: number } {
  if (lo === hi) return { min: lo, scale: 1 };
  const scale = (hi - lo) / 255;
  // Values past the nudged range are clipped to it: off by at most scale / 2, as rounding is.
  return { min: lo <= 0 && hi >= 0 ? Math.round(lo / scale) * scale : lo, scale };
}

/** One weight's manifest entry and bytes. int32 weights (none in a float model) stay as they are. */
export function encodeWeight(w: StoredWeight, q?: Quantization): { entry: ManifestEntry; bytes: Uint8Array } {
  const base = { name: w.name, shape: w.shape, dtype: w.dtype };
  const raw = (a: Float32Array | Int32Array | Uint16Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (!q || w.dtype !== 'float32') return { entry: base, bytes: raw(w.values) };
  const v = w.values as Float32Array;
  if (q === 'float16') return { entry: { ...base, quantization: { dtype: 'float16' } }, bytes: raw(Uint16Array.from(v, toFloat16)) };
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (v.length === 0) lo = hi = 0;
  const { min, scale } = uint8Range(lo, hi);
  const bytes = Uint8Array.from(v, (x) => Math.min(255, Math.max(0, Math.round((x - min) / scale))));
  return { entry: { ...base, quantization: { dtype: 'uint8', min, scale } }, bytes };
}

/** The weights as shard files (name → bytes) and the weightsManifest that lists them. */
export function weightShards(weights: StoredWeight[], q?: Quantization): { files: Map<string, Uint8Array>; manifest: { paths: string[]; weights: ManifestEntry[] }[] } {
  const encoded = weights.map((w) => encodeWeight(w, q));
  const total = encoded.reduce((a, e) => a + e.bytes.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const e of encoded) {
    all.set(e.bytes, o);
    o += e.bytes.length;
  }
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) files.set(`group1-shard${i + 1}of${count}.bin`, all.subarray(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)));
  return { files, manifest: [{ paths: [...files.keys()], weights: encoded.map((e) => e.entry) }] };
}
