/**
 * The evaluation panel's messages (the handshake, exports and logs as in ./webview.ts): the host
 * sends a run's `evaluation.json` and, when a confusion cell is opened, that cell's samples from
 * `evaluation-samples.jsonl`; the webview asks for another run or a cell's samples. Both sides
 * validate what they receive. Pure TypeScript.
 */
import { evaluationJsonProblem, type ClassificationEvaluation, type EvaluationJson, type RegressionEvaluation } from '../evaluate/schema';
import type { EvaluationSample, EvaluationSamplesHeader, SampleDisplayKind } from '../evaluate/samples';
import { arrayOf, bool, byType, type Check, checkFields, type Fields, finite, int, intFrom, isObj, oneOf, opt, shape, stringMax, type Validated } from './check';
import { sharedFields, type ExportedMessage, type ExportMessage, type LogMessage, type ReadyMessage } from './webview';

/** At most this many samples of one cell travel to the webview (the count says how many there are). */
export const MAX_CELL_SAMPLES = 500;

/** An evaluated run the panel can switch to. `id` is opaque to the webview; the host maps it to a file. */
export interface EvaluatedRun {
  id: string;
  /** "iris · 2026-12-06 14:03:11 · test". */
  label: string;
}

/** What the samples file says about how to show a sample (its header, less the version). */
export type SamplesInfo = Pick<EvaluationSamplesHeader, 'display' | 'columns' | 'note'>;

export type EvaluationToWebview =
  /** The evaluation to show (absent with a `message` saying why), the other evaluated runs, and whether per-sample results exist. */
  | { type: 'init'; runs: EvaluatedRun[]; current?: string; evaluation?: EvaluationJson; samples?: SamplesInfo; message?: string }
  /** The samples whose true class is `actual` and predicted class `predicted` (the first MAX_CELL_SAMPLES, by confidence, highest first), and how many there are. */
  | { type: 'cellSamples'; actual: number; predicted: number; total: number; samples: EvaluationSample[]; message?: string }
  | ExportedMessage;

export type EvaluationFromWebview =
  | ReadyMessage
  /** Show another evaluated run (an id from `init.runs`). */
  | { type: 'selectRun'; runId: string }
  /** List the samples of a confusion-matrix cell. */
  | { type: 'cellSamples'; actual: number; predicted: number }
  | ExportMessage<'csv' | 'png' | 'svg'>
  | LogMessage;

/** Sortable columns of the per-class table. */
export const CLASS_TABLE_KEYS = ['name', 'precision', 'recall', 'f1', 'support', 'rocAuc', 'averagePrecision'] as const;
export type ClassTableKey = (typeof CLASS_TABLE_KEYS)[number];

/** What the evaluation webview persists (`setState`), and what the serializer restores from. */
export interface EvaluationViewState {
  v: 1;
  runId?: string;
  /** The confusion matrix's colours and numbers: counts, or each true class's row as fractions. */
  normalize: boolean;
  sort: { key: ClassTableKey; descending: boolean };
}

export const defaultEvaluationState = (): EvaluationViewState => ({ v: 1, normalize: false, sort: { key: 'name', descending: false } });

const str = (max = 10_000): Check => stringMax(max);
const index = intFrom(0);

const fromWebview: Record<EvaluationFromWebview['type'], Fields> = {
  ready: sharedFields.ready,
  selectRun: { runId: str(4096) },
  cellSamples: { actual: index, predicted: index },
  export: sharedFields.exportOf('csv', 'png', 'svg'),
  log: sharedFields.log,
};

export function validateEvaluationFromWebview(v: unknown): Validated<EvaluationFromWebview> {
  return byType('evaluation webview message', v, fromWebview);
}

const displayKinds: SampleDisplayKind[] = ['image', 'text', 'values', 'none'];
const sample: Check = shape({
  index,
  actual: index,
  predicted: index,
  confidence: finite,
  origin: opt(str()),
  image: opt((v) => typeof v === 'string' && v.startsWith('data:image/png;base64,') && v.length < 1_000_000),
  text: opt(str(100_000)),
  values: opt(arrayOf((x) => x === null || finite(x), 100_000)),
});

const toWebview: Record<EvaluationToWebview['type'], Fields> = {
  init: {
    runs: arrayOf(shape({ id: str(4096), label: str() }), 10_000),
    current: opt(str(4096)),
    evaluation: opt((v) => evaluationJsonProblem(v) === null),
    samples: opt(shape({ display: oneOf(...displayKinds), columns: opt(arrayOf(str(1000), 100_000)), note: opt(str()) })),
    message: opt(str()),
  },
  cellSamples: { actual: index, predicted: index, total: int, samples: arrayOf(sample, MAX_CELL_SAMPLES), message: opt(str()) },
  exported: sharedFields.exported,
};

export function validateEvaluationToWebview(v: unknown): Validated<EvaluationToWebview> {
  return byType('evaluation host message', v, toWebview);
}

export function evaluationStateOrDefault(v: unknown): EvaluationViewState {
  if (!isObj(v)) return defaultEvaluationState();
  const r = checkFields<EvaluationViewState>('evaluation panel state', { ...defaultEvaluationState(), ...v }, {
    v: oneOf(1),
    runId: opt(str(4096)),
    normalize: bool,
    sort: shape({ key: oneOf(...CLASS_TABLE_KEYS), descending: bool }),
  });
  return r.ok ? r.value : defaultEvaluationState();
}

/** Re-exported for the webview, which may import only the protocol. */
export type { ClassificationEvaluation, EvaluationJson, EvaluationSample, RegressionEvaluation };
