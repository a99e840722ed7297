/**
 * The per-sample file of a classification evaluation (`evaluation-samples.jsonl`, schema in
 * src/core/evaluate/samples.ts): each sample's true and predicted class, its confidence and what
 * to show for it, so the evaluation panel can list a confusion cell's samples. What is shown is
 * made from the features the model saw, since the raw records are gone after the pipeline: images
 * as small grey or RGB PNGs (contrast stretched per image, so scaled and standardised pixels look
 * alike), text decoded from its token ids with the run's vocabulary, table rows as their values.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { PNG } from 'pngjs';
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
  const png = new PNG({ width: ow, height: oh, colorType: c === 1 ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const at = (i * step * w + j * step) * c;
      const byte = (k: number) => Math.round(((x[at + Math.min(k, c - 1)] - lo) / span) * 255);
      const o = (i * ow + j) * 4;
      png.data[o] = byte(0);
      png.data[o + 1] = c === 1 ? byte(0) : byte(1);
      png.data[o + 2] = c === 1 ? byte(0) : byte(2);
      png.data[o + 3] = 255;
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png, { colorType: c === 1 ? 0 : 2 }).toString('base64')}`;
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
