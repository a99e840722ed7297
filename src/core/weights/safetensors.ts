/**
 * A reader for the safetensors format (Hugging Face): an 8-byte little-endian header length, a
 * JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }`, then the
 * raw little-endian tensors. Pure: the caller reads the bytes. F32, F16 and BF16 become float32.
 */

export interface SafeTensorInfo {
  dtype: string;
  shape: number[];
  /** Byte range within the data section (after the header). */
  begin: number;
  end: number;
}

export interface SafeTensorsHeader {
  tensors: Map<string, SafeTensorInfo>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

export interface Tensor32 {
  shape: number[];
  values: Float32Array;
}

/** A corrupt, truncated or unsupported safetensors file; the message says what is wrong. */
export class SafeTensorsError extends Error {}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** Headers past this are not a safetensors file (the format itself caps them at 100 MB). */
const MAX_HEADER = 100_000_000;

/** The header of a safetensors file; `bytes` may be just its start when `fileSize` is given. */
export function readSafeTensorsHeader(bytes: Uint8Array, fileSize = bytes.length): SafeTensorsHeader {
  if (bytes.length < 8) throw new SafeTensorsError(`The file is ${bytes.length} bytes long: too short for a safetensors header.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  if (length > MAX_HEADER || 8 + length > fileSize) throw new SafeTensorsError(`The header claims ${length} bytes, but the file holds ${fileSize - 8} after the length: truncated or not a safetensors file.`);
  if (8 + length > bytes.length) throw new SafeTensorsError(`Only ${bytes.length} bytes were read, but the header needs ${8 + length}.`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + length)));
  } catch (e) {
    throw new SafeTensorsError(`The header is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SafeTensorsError('The header is not a JSON object.');
  const dataStart = 8 + length;
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, SafeTensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    tensors.set(name, tensorInfo(name, raw, dataSize));
  }
  return { tensors, metadata, dataStart };
}

function tensorInfo(name: string, raw: unknown, dataSize: number): SafeTensorInfo {
  const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const bad = (why: string): SafeTensorsError => new SafeTensorsError(`Tensor \`${name}\`: ${why}.`);
  if (typeof r !== 'object' || r === null) throw bad('its header entry is not an object');
  if (typeof r.dtype !== 'string' || !(r.dtype in BYTES)) throw bad(`unknown dtype ${JSON.stringify(r.dtype)}`);
  if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad('its shape is not a list of sizes');
  const o = r.data_offsets;
  if (!Array.isArray(o) || o.length !== 2 || !o.every((d) => Number.isInteger(d) && d >= 0) || o[0] > o[1]) throw bad('its data_offsets are not [begin, end]');
  const [begin, end] = o as [number, number];
  const shape = r.shape as number[];
  const count = shape.reduce((a, b) => a * b, 1);
  if (end - begin !== count * BYTES[r.dtype]) throw bad(`shape [${shape.join(', ')}] of ${r.dtype} needs ${count * BYTES[r.dtype]} bytes, but data_offsets give ${end - begin}`);
  if (end > dataSize) throw bad(`its data ends at byte ${end}, past the end of the file's ${dataSize} data bytes (truncated file?)`);
  return { dtype: r.dtype, shape, begin, end };
}

function f16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** One tensor's values as float32 (F32, F16, BF16). */
export function readSafeTensor(bytes: Uint8Array, header: SafeTensorsHeader, name: string): Tensor32 {
  const info = header.tensors.get(name);
  if (!info) throw new SafeTensorsError(`The file has no tensor \`${name}\`.`);
  const start = header.dataStart + info.begin;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, info.end - info.begin);
  const n = info.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  if (info.dtype === 'F32') for (let i = 0; i < n; i++) values[i] = view.getFloat32(i * 4, true);
  else if (info.dtype === 'F16') for (let i = 0; i < n; i++) values[i] = f16(view.getUint16(i * 2, true));
  else if (info.dtype === 'BF16') {
    const word = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < n; i++) {
      word.setUint32(0, view.getUint16(i * 2, true) << 16);
      values[i] = word.getFloat32(0);
    }
  } else throw new SafeTensorsError(`Tensor \`${name}\` is ${info.dtype}; weights must be F32, F16 or BF16.`);
  return { shape: info.shape, values };
}

/** Every tensor of a whole file. */
export function readSafeTensors(bytes: Uint8Array): Map<string, Tensor32> {
  const header = readSafeTensorsHeader(bytes);
  const out = new Map<string, Tensor32>();
  for (const name of header.tensors.keys()) out.set(name, readSafeTensor(bytes, header, name));
  return out;
}

/** A safetensors file holding these float32 tensors (for tests and for writing weights back). */
export function writeSafeTensors(tensors: ReadonlyMap<string, Tensor32>, metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.values.length * 4] };
    offset += t.values.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors.values()) {
    for (let i = 0; i < t.values.length; i++) view.setFloat32(at + i * 4, t.values[i], true);
    at += t.values.length * 4;
  }
  return out;
}
