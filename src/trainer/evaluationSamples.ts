/**
 * The per-sample file of a classification evaluation (`evaluation-samples.jsonl`, schema in
 * src/core/evaluate/samples.ts): each sample's true and predicted class, its confidence and what
 * to show for it, so the evaluation panel can list a confusion cell's samples. What is shown is
 * made from the features the model saw, since the raw records are gone after the pipeline: images
 * as small grey or RGB PNGs (contrast stretched per image, so scaled and standardised pixels look
 * alike), text decoded from its token ids with the run's vocabulary, table rows as their values.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { EVALUATION_SAMPLES_VERSION, samplesFileOf, serializeSamples, type EvaluationJson, type EvaluationSample, type EvaluationSamplesHeader } from '../core/evaluate';
import type { Preprocessing } from '../core/protocol/preprocessing';
import type { Data } from './data/table';
import { product } from './util';

/** Samples past this many are listed without a picture, text or values (keeps the file small). */
const MAX_SHOWN = 20_000;
/** Images are shrunk to at most this many pixels a side. */
const MAX_SIDE = 64;

/** [height, width, channels] when the features are an image: an image source, an [h, w(, c)] shape, or a flat square (MNIST's 784). */
export function imageShape(pre: Pick<Preprocessing, 'input' | 'features'>): [number, number, number] | undefined {
  const s = pre.features.shape;
  if (s.length === 3 && [1, 3, 4].includes(s[2])) return [s[0], s[1], s[2]];
  if (s.length === 2 && (pre.input.kind === 'image' || pre.input.kind === 'values')) return [s[0], s[1], 1];
  if (s.length === 1 && (pre.input.kind === 'image' || pre.input.kind === 'values')) {
    const side = Math.round(Math.sqrt(s[0]));
    if (side >= 8 && side * side === s[0]) return [side, side, 1];
  }
  return undefined;
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A zlib stream of stored (uncompressed) deflate blocks, with its Adler-32. */
function storedZlib(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out.set([0x78, 0x01]);
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const part = raw.subarray(b * 65535, (b + 1) * 65535);
    out[o] = b === blocks - 1 ? 1 : 0;
    out.set([part.length & 0xff, part.length >>> 8, ~part.length & 0xff, (~part.length >>> 8) & 0xff], o + 1);
    out.set(part, o + 5);
    o += 5 + part.length;
  }
  let a = 1;
  let s = 0;
  for (const v of raw) {
    a = (a + v) % 65521;
    s = (s + a) % 65521;
  }
  new DataView(out.buffer).setUint32(o, ((s << 16) | a) >>> 0);
  return out;
}

/**
 * A PNG of 8-bit grey (1 channel) or RGB (3) rows, uncompressed (stored deflate blocks: 0.9 KB for
 * a 28×28 digit). Compression costs: pngjs took 20 s and zlib's deflate 2 s for 10,000 digits,
 * against a 10 s budget for evaluating them; this takes a few microseconds an image.
 */
export function encodePng(width: number, height: number, channels: 1 | 3, pixels: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 1 ? 0 : 2, 0, 0, 0], 8);
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', storedZlib(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** A PNG data URL of one sample's pixels, contrast stretched to 0…255, nearest-neighbour shrunk to MAX_SIDE. */
export function imageDataUrl(x: Float32Array, [h, w, c]: [number, number, number]): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  const step = Math.max(1, Math.ceil(Math.max(h, w) / MAX_SIDE));
  const [oh, ow] = [Math.ceil(h / step), Math.ceil(w / step)];
  const oc = c === 1 ? 1 : 3;
  const pixels = new Uint8Array(oh * ow * oc);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const at = (i * step * w + j * step) * c;
      for (let k = 0; k < oc; k++) pixels[(i * ow + j) * oc + k] = Math.round(((x[at + k] - lo) / span) * 255);
    }
  }
  return `data:image/png;base64,${encodePng(ow, oh, oc, pixels).toString('base64')}`;
}

/** The run's vocabulary (token id → word), when its pipeline tokenized text. */
function vocabularyOf(pre: Pick<Preprocessing, 'steps'>): string[] | undefined {
  const step = pre.steps.find((s) => s.type === 'tokenize');
  const v = (step?.fitted as { vocabulary?: unknown } | undefined)?.vocabulary;
  return Array.isArray(v) ? (v as string[]) : undefined;
}

type Display = Pick<EvaluationSamplesHeader, 'display' | 'columns' | 'note'> & { show?: (x: Float32Array) => Partial<EvaluationSample> };

/** What a sample line shows, by the kind of input the run was trained on. */
export function displayOf(d: Pick<Data, 'shape' | 'columns'>, pre: Pick<Preprocessing, 'input' | 'features' | 'steps'>): Display {
  const image = imageShape(pre);
  if (image) return { display: 'image', show: (x) => ({ image: imageDataUrl(x, image) }) };
  const vocabulary = vocabularyOf(pre);
  if (pre.input.kind === 'text' && vocabulary) {
    const chars = pre.steps.some((s) => s.type === 'tokenize' && s.params.char_level === true);
    const word = (id: number) => (id >= 2 ? vocabulary[id - 2] ?? '⟨?⟩' : id === 1 ? '⟨?⟩' : '');
    return {
      display: 'text',
      note: 'the text as the model saw it: decoded from its token ids, words outside the vocabulary as ⟨?⟩',
      show: (x) => ({ text: Array.from(x, word).filter(Boolean).join(chars ? '' : ' ') }),
    };
  }
  if (d.shape.length === 1) {
    const columns = d.columns?.length === d.shape[0] ? [...d.columns] : Array.from({ length: d.shape[0] }, (_, i) => `x${i}`);
    return { display: 'values', columns, note: 'the feature values after the pipeline (scaled as the model saw them)', show: (x) => ({ values: Array.from(x, (v) => (Number.isFinite(v) ? v : null) as number) }) };
  }
  return { display: 'none' };
}

/**
 * Writes the samples file beside a classification evaluation's file; returns its path, or
 * undefined for an evaluation without per-sample results (regression, multi-label).
 */
export function writeEvaluationSamples(evaluationFile: string, e: EvaluationJson, d: Data, pre: Pick<Preprocessing, 'input' | 'features' | 'steps'>): string | undefined {
  if (e.task !== 'binary' && e.task !== 'multiclass') return undefined;
  if (!e.samples) return undefined;
  const { display, columns, note, show } = displayOf(d, pre);
  const k = product(d.shape);
  const samples = e.samples.actual.map((actual, i): EvaluationSample => ({
    index: i,
    actual,
    predicted: e.samples!.predicted[i],
    confidence: e.samples!.confidence[i],
    ...(d.origin ? { origin: d.origin(i) } : {}),
    ...(show && i < MAX_SHOWN ? show(d.x.subarray(i * k, (i + 1) * k)) : {}),
  }));
  const header: EvaluationSamplesHeader = { schemaVersion: EVALUATION_SAMPLES_VERSION, split: e.split, n: e.n, display, ...(columns ? { columns } : {}), ...(note ? { note } : {}) };
  const file = samplesFileOf(evaluationFile);
  writeFileSync(`${file}.tmp`, serializeSamples(header, samples));
  renameSync(`${file}.tmp`, file);
  return file;
}
