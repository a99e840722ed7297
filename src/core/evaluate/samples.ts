/**
 * `evaluation-samples.jsonl`: one line per evaluated sample of a classification split (its true
 * and predicted class, the confidence and something to show: a small PNG, the text, or the
 * feature values), after a header line. The evaluation panel lists a confusion cell's samples
 * from it. Documented in docs/evaluation.md; a change that is not a pure addition raises
 * EVALUATION_SAMPLES_VERSION. Pure: the trainer writes it, the extension reads it.
 */

export const EVALUATION_SAMPLES_VERSION = 1;

/** What each sample line carries to show: `image` (PNG data URL), `text`, or `values` (feature → value). */
export type SampleDisplayKind = 'image' | 'text' | 'values' | 'none';

export interface EvaluationSamplesHeader {
  schemaVersion: typeof EVALUATION_SAMPLES_VERSION;
  /** The split of the evaluation these samples belong to ("test", "validation", "train", "data"). */
  split: string;
  n: number;
  display: SampleDisplayKind;
  /** values: the feature names, in the model's order. */
  columns?: string[];
  /** text: what the model saw, decoded from its token ids (out-of-vocabulary words show as ⟨?⟩). */
  note?: string;
}

export interface EvaluationSample {
  /** The sample's row in the split (as in evaluation.json's `samples`). */
  index: number;
  actual: number;
  predicted: number;
  confidence: number;
  /** Where it came from: "houses.csv:12", "mnist sample 431". */
  origin?: string;
  /** image: `data:image/png;base64,…`. */
  image?: string;
  text?: string;
  /** values: one number per header column. */
  values?: number[];
}

/** The file of an evaluation file: evaluation.json → evaluation-samples.jsonl, evaluation-validation.json → evaluation-validation-samples.jsonl. */
export function samplesFileOf(evaluationFile: string): string {
  return evaluationFile.replace(/\.json$/i, '-samples.jsonl');
}

export function serializeSamples(header: EvaluationSamplesHeader, samples: readonly EvaluationSample[]): string {
  return [header, ...samples].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

export class SamplesFileError extends Error {}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkSample(v: unknown, line: number, header: EvaluationSamplesHeader): EvaluationSample {
  const s = v as Record<string, unknown>;
  const bad = (what: string) => new SamplesFileError(`line ${line}: ${what}`);
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw bad('not a JSON object');
  for (const k of ['index', 'actual', 'predicted'] as const) if (!Number.isInteger(s[k]) || (s[k] as number) < 0) throw bad(`"${k}" must be a whole number ≥ 0`);
  if (!isNum(s.confidence)) throw bad('"confidence" must be a number');
  if (s.image !== undefined && !(typeof s.image === 'string' && s.image.startsWith('data:image/png;base64,'))) throw bad('"image" must be a PNG data URL');
  if (s.text !== undefined && typeof s.text !== 'string') throw bad('"text" must be a string');
  if (s.values !== undefined && !(Array.isArray(s.values) && s.values.length === (header.columns?.length ?? -1) && s.values.every((x) => x === null || typeof x === 'number'))) {
    throw bad('"values" must hold one number per header column');
  }
  if (s.origin !== undefined && typeof s.origin !== 'string') throw bad('"origin" must be a string');
  return s as unknown as EvaluationSample;
}

/** Reads the file's text; throws SamplesFileError naming the line for anything that is not as documented. */
export function parseSamples(text: string): { header: EvaluationSamplesHeader; samples: EvaluationSample[] } {
  const lines = text.split('\n');
  const parse = (l: string, i: number): unknown => {
    try {
      return JSON.parse(l);
    } catch {
      throw new SamplesFileError(`line ${i + 1}: not JSON`);
    }
  };
  const header = parse(lines[0] ?? '', 0) as EvaluationSamplesHeader;
  if (!header || typeof header !== 'object') throw new SamplesFileError('line 1: the header must be a JSON object');
  if (header.schemaVersion !== EVALUATION_SAMPLES_VERSION) throw new SamplesFileError(`line 1: schemaVersion ${JSON.stringify(header.schemaVersion)} is not supported (expected ${EVALUATION_SAMPLES_VERSION}); evaluate the run again`);
  if (!['image', 'text', 'values', 'none'].includes(header.display)) throw new SamplesFileError(`line 1: "display" ${JSON.stringify(header.display)} is not image, text, values or none`);
  const samples: EvaluationSample[] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i].trim()) samples.push(checkSample(parse(lines[i], i), i + 1, header));
  return { header, samples };
}
