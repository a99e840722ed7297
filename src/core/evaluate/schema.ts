/**
 * `evaluation.json`: the versioned file `modelyaml evaluate --format json` prints and each run
 * folder keeps, which the evaluation panel reads. Documented in docs/evaluation.md; a change that
 * is not a pure addition raises EVALUATION_SCHEMA_VERSION. NaN (a rate with no samples under it)
 * travels as null.
 */
import type { ThresholdRow } from './binary';
import type { CalibrationBin } from './calibration';
import type { ClassificationMetrics } from './classification';
import type { OneVsRest } from './curves';
import type { MultiLabelMetrics } from './multilabel';
import type { AveragedScores, ClassScores } from './prf';
import { evenSample, type RegressionMetrics, type ResidualHistogram } from './regression';

export const EVALUATION_SCHEMA_VERSION = 1;

export type EvaluationTask = 'binary' | 'multiclass' | 'multilabel' | 'regression';
type Num = number | null;

export interface EvaluationContext {
  /** "test", "validation", "train", or "data" for a file given with --data. */
  split: string;
  run?: string;
  checkpoint?: 'best' | 'last';
  /** The --data file, when one was given. */
  data?: string;
  /** ISO 8601 time of the evaluation. */
  createdAt?: string;
}

export interface JsonOptions {
  /** At most this many points per curve and threshold table (evenly thinned, last point kept). Default 1000. */
  maxCurvePoints?: number;
  /** Keep each sample's true class, predicted class and confidence (the panel lists a confusion cell's samples). Default true. */
  includeSamples?: boolean;
}

interface EvaluationBase extends EvaluationContext {
  schemaVersion: typeof EVALUATION_SCHEMA_VERSION;
  task: EvaluationTask;
  n: number;
  warnings: string[];
}

export interface ClassRow extends ClassScores {
  name: string;
  rocAuc: Num;
  averagePrecision: number;
}

export interface CurveSet {
  roc: { name: string; fpr: Num[]; tpr: Num[]; thresholds: number[] }[];
  pr: { name: string; precision: number[]; recall: number[]; thresholds: number[] }[];
}

interface ScoreSummary {
  micro: AveragedScores;
  macro: AveragedScores;
  weighted: AveragedScores;
  rocAuc: { macro: Num; weighted: Num };
  averagePrecision: { macro: number; weighted: number };
}

export interface ClassificationEvaluation extends EvaluationBase {
  task: 'binary' | 'multiclass';
  classNames: string[];
  metrics: ScoreSummary & {
    accuracy: number;
    logLoss: number;
    topK: { k: number; accuracy: number }[];
    expectedCalibrationError: number;
    microIsAccuracy: boolean;
  };
  perClass: ClassRow[];
  /** confusionMatrix[true][predicted]. */
  confusionMatrix: number[][];
  curves: CurveSet;
  calibration: { kind: 'positive-class' | 'top-label'; bins: CalibrationBin[]; expectedCalibrationError: number };
  /** Binary only. */
  thresholds: { rows: ThresholdRow[]; bestF1: ThresholdRow } | null;
  samples?: { actual: number[]; predicted: number[]; confidence: number[] };
}

export interface MultiLabelEvaluation extends EvaluationBase {
  task: 'multilabel';
  labelNames: string[];
  threshold: number;
  metrics: ScoreSummary & { subsetAccuracy: number; hammingLoss: number; samples: AveragedScores };
  perLabel: ClassRow[];
  curves: CurveSet;
}

export interface RegressionEvaluation extends EvaluationBase {
  task: 'regression';
  outputNames: string[];
  metrics: { mae: number; mse: number; rmse: number; r2: number };
  perOutput: { name: string; mae: number; mse: number; rmse: number; r2: number; constantTarget: boolean; meanResidual: number; residualHistogram: ResidualHistogram }[];
  /** Predicted vs actual per output, a bounded even sample; residual = actual − predicted. */
  points: { name: string; index: number[]; actual: number[]; predicted: number[]; residual: number[] }[];
}

export type EvaluationJson = ClassificationEvaluation | MultiLabelEvaluation | RegressionEvaluation;

const finiteOrNull = (v: readonly number[]): Num[] => v.map((x) => (Number.isFinite(x) ? x : null));

/** Indices of at most `max` evenly spaced points of `n`, always keeping the last. */
function thinned(n: number, max: number): number[] {
  const picked = evenSample(n, max);
  if (picked.length && picked[picked.length - 1] !== n - 1) picked[picked.length - 1] = n - 1;
  return picked;
}

const pick = <T>(v: readonly T[], idx: readonly number[]) => idx.map((i) => v[i]);

function curveSet(rows: readonly (OneVsRest & { name: string })[], max: number): CurveSet {
  return {
    roc: rows.map(({ name, roc }) => {
      const idx = thinned(roc.fpr.length, max);
      return { name, fpr: finiteOrNull(pick(roc.fpr, idx)), tpr: finiteOrNull(pick(roc.tpr, idx)), thresholds: pick(roc.thresholds, idx) };
    }),
    pr: rows.map(({ name, pr }) => {
      // precision/recall carry one more point than thresholds (the final recall 0); keep it.
      const idx = thinned(pr.precision.length, max);
      return { name, precision: pick(pr.precision, idx), recall: pick(pr.recall, idx), thresholds: idx.filter((i) => i < pr.thresholds.length).map((i) => pr.thresholds[i]) };
    }),
  };
}

const classRow = ({ name, precision, recall, f1, support, undefinedMetrics, rocAuc, averagePrecision }: ClassRow): ClassRow =>
  ({ name, precision, recall, f1, support, undefinedMetrics, rocAuc, averagePrecision });

const header = <T extends EvaluationTask>(task: T, n: number, warnings: string[], ctx: EvaluationContext) =>
  ({ schemaVersion: EVALUATION_SCHEMA_VERSION as typeof EVALUATION_SCHEMA_VERSION, task, ...ctx, n, warnings: [...warnings] });

export function classificationJson(m: ClassificationMetrics, ctx: EvaluationContext, options: JsonOptions = {}): ClassificationEvaluation {
  const max = options.maxCurvePoints ?? 1000;
  const { micro, macro, weighted, rocAuc, averagePrecision, accuracy, logLoss, topK, microIsAccuracy } = m;
  const sweep = m.thresholds;
  return {
    ...header<'binary' | 'multiclass'>(m.classNames.length === 2 ? 'binary' : 'multiclass', m.n, m.warnings, ctx),
    classNames: [...m.classNames],
    metrics: { accuracy, logLoss, topK, micro, macro, weighted, rocAuc, averagePrecision, expectedCalibrationError: m.calibration.expectedCalibrationError, microIsAccuracy },
    perClass: m.perClass.map(classRow),
    confusionMatrix: m.confusionMatrix,
    curves: curveSet(m.perClass, max),
    calibration: m.calibration,
    thresholds: sweep && { rows: pick(sweep.rows, thinned(sweep.rows.length, max)), bestF1: sweep.bestF1 },
    ...(options.includeSamples === false ? {} : { samples: { actual: [...m.labels], predicted: m.predicted, confidence: m.confidence } }),
  };
}

export function multiLabelJson(m: MultiLabelMetrics, ctx: EvaluationContext, options: JsonOptions = {}): MultiLabelEvaluation {
  const { micro, macro, weighted, samples, rocAuc, averagePrecision, subsetAccuracy, hammingLoss } = m;
  return {
    ...header('multilabel', m.n, m.warnings, ctx),
    labelNames: [...m.labelNames],
    threshold: m.threshold,
    metrics: { subsetAccuracy, hammingLoss, micro, macro, weighted, samples, rocAuc, averagePrecision },
    perLabel: m.perLabel.map(classRow),
    curves: curveSet(m.perLabel, options.maxCurvePoints ?? 1000),
  };
}

export function regressionJson(m: RegressionMetrics, ctx: EvaluationContext): RegressionEvaluation {
  return {
    ...header('regression', m.n, m.warnings, ctx),
    outputNames: m.outputs.map((o) => o.name),
    metrics: { mae: m.mae, mse: m.mse, rmse: m.rmse, r2: m.r2 },
    perOutput: m.outputs.map(({ name, mae, mse, rmse, r2, constantTarget, meanResidual, residualHistogram }) => ({ name, mae, mse, rmse, r2, constantTarget, meanResidual, residualHistogram })),
    points: m.outputs.map((o) => ({
      name: o.name,
      index: o.points.map((p) => p.index),
      actual: o.points.map((p) => p.actual),
      predicted: o.points.map((p) => p.predicted),
      residual: o.points.map((p) => p.residual),
    })),
  };
}

const FIELDS: Record<EvaluationTask, string[]> = {
  binary: ['classNames', 'metrics', 'perClass', 'confusionMatrix', 'curves', 'calibration'],
  multiclass: ['classNames', 'metrics', 'perClass', 'confusionMatrix', 'curves', 'calibration'],
  multilabel: ['labelNames', 'metrics', 'perLabel', 'curves'],
  regression: ['outputNames', 'metrics', 'perOutput', 'points'],
};

/**
 * Checks what a reader gets (a file, a message) before it is used: the version, the task and the
 * task's top-level fields. Returns a message naming what is wrong, or null.
 */
export function evaluationJsonProblem(value: unknown): string | null {
  if (!value || typeof value !== 'object') return 'an evaluation must be a JSON object';
  const v = value as Record<string, unknown>;
  if (v.schemaVersion !== EVALUATION_SCHEMA_VERSION) {
    return `evaluation schemaVersion ${JSON.stringify(v.schemaVersion)} is not supported (expected ${EVALUATION_SCHEMA_VERSION}); evaluate the run again`;
  }
  const task = v.task as EvaluationTask;
  if (!(typeof task === 'string' && task in FIELDS)) return `evaluation task ${JSON.stringify(v.task)} is not one of ${Object.keys(FIELDS).join(', ')}`;
  if (typeof v.n !== 'number' || typeof v.split !== 'string') return 'an evaluation needs "n" (a number) and "split" (a string)';
  const missing = FIELDS[task].filter((f) => !(f in v));
  return missing.length ? `a ${task} evaluation lacks ${missing.map((f) => `"${f}"`).join(', ')}` : null;
}
