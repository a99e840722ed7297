/** The safetensors reader on hand-made files: F16 and BF16 values widen exactly, bad headers are named. */
import { describe, expect, it } from 'vitest';
import { readSafeTensors, readSafeTensorsHeader } from '../../src/core/weights/safetensors';

/** A file with one tensor `t` of `dtype` holding `data` (little-endian bytes). */
function file(dtype: string, shape: number[], data: number[], headerExtra = ''): Uint8Array {
  const json = `{"__metadata__":{"format":"pt"},"t":{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":[0,${data.length}]}${headerExtra}}`;
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

describe('safetensors', () => {
  it('widens F16 (normal, subnormal, infinity) and BF16 to float32', () => {
    // F16: 1.0 = 0x3c00, −2.5 = 0xc100, 2⁻²⁴ (smallest subnormal) = 0x0001, +∞ = 0x7c00.
    const f16 = readSafeTensors(file('F16', [2, 2], [0x00, 0x3c, 0x00, 0xc1, 0x01, 0x00, 0x00, 0x7c])).get('t')!;
    expect(f16.shape).toEqual([2, 2]);
    expect([...f16.values]).toEqual([1, -2.5, 2 ** -24, Infinity]);
    // BF16: the top half of a float32: 1.0 = 0x3f80, −0.15625 = 0xbe20.
    expect([...readSafeTensors(file('BF16', [2], [0x80, 0x3f, 0x20, 0xbe])).get('t')!.values]).toEqual([1, -0.15625]);
  });

  it('names what is wrong: a short file, a header past the end, offsets that disagree with the shape, a dtype it cannot widen', () => {
    expect(() => readSafeTensorsHeader(new Uint8Array(4))).toThrow(/too short/);
    const big = file('F32', [1], [0, 0, 128, 63]);
    new DataView(big.buffer).setBigUint64(0, 10_000n, true);
    expect(() => readSafeTensorsHeader(big)).toThrow(/claims 10000 bytes.*truncated/);
    expect(() => readSafeTensors(file('F32', [2], [0, 0, 128, 63]))).toThrow(/shape \[2\] of F32 needs 8 bytes, but data_offsets give 4/);
    expect(() => readSafeTensors(file('I32', [1], [1, 0, 0, 0]))).toThrow(/is I32; weights must be F32, F16 or BF16/);
    expect(() => readSafeTensors(file('Q4', [1], [1]))).toThrow(/unknown dtype "Q4"/);
  });
});
