/**
 * Regression metrics per output, as scikit-learn's mean_absolute_error, mean_squared_error and
 * r2_score compute them, with residuals and a bounded predicted-vs-actual sample for a panel.
 */
import { checkFiniteRow, fail } from './validate';

export interface RegressionInput {
  /** One row per sample: a target value per output (a single-output model has rows of one). */
  actual: readonly (readonly number[])[];
  predicted: readonly (readonly number[])[];
  outputNames: readonly string[];
}

export interface RegressionOptions {
  /** At most this many predicted-vs-actual points per output (evenly spaced samples). Default 1000. */
  maxPoints?: number;
  /** Bins of the residual histogram. Default 20. */
  residualBins?: number;
}

export interface ResidualHistogram {
  /** bins + 1 edges, from the smallest to the largest residual. */
  edges: number[];
  counts: number[];
}

export interface OutputMetrics {
  name: string;
  mae: number;
  mse: number;
  rmse: number;
  /** r2_score: 1 − SSres/SStot; a constant target gives 1 when predicted exactly, else 0. */
  r2: number;
  /** The target has a single value in the split, so R² carries no information. */
  constantTarget: boolean;
  meanResidual: number;
  residualHistogram: ResidualHistogram;
  /** Residual = actual − predicted. `index` is the sample's row in the split. */
  points: { index: number; actual: number; predicted: number; residual: number }[];
}

export interface RegressionMetrics {
  n: number;
  outputs: OutputMetrics[];
  /** Means over outputs (scikit-learn's multioutput="uniform_average"). */
  mae: number;
  mse: number;
  rmse: number;
  r2: number;
  warnings: string[];
}

function checkInput(input: RegressionInput): void {
  const width = input.outputNames.length;
  if (width < 1) fail('a regression needs at least 1 output name');
  if (input.actual.length === 0) fail('no samples to evaluate');
  if (input.actual.length !== input.predicted.length) {
    fail(`${input.actual.length} target rows for ${input.predicted.length} prediction rows; the counts must match`);
  }
  input.actual.forEach((row, i) => checkFiniteRow(row, width, 'target', i));
  input.predicted.forEach((row, i) => checkFiniteRow(row, width, 'prediction', i));
}

/** Indices 0 … n−1 thinned to at most `max`, evenly spaced and deterministic. */
export function evenSample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}

function histogram(values: readonly number[], bins: number): ResidualHistogram {
  const lo = values.reduce((a, b) => Math.min(a, b), Infinity);
  const hi = values.reduce((a, b) => Math.max(a, b), -Infinity);
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[width === 0 ? 0 : Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  return { edges, counts };
}

/** As r2_score: 1 − SSres/SStot, with SStot = 0 giving 1 (exact fit) or 0 (otherwise). */
export function r2Score(actual: readonly number[], predicted: readonly number[]): { r2: number; constantTarget: boolean } {
  const mean = actual.reduce((a, b) => a + b, 0) / actual.length;
  let ssRes = 0;
  let ssTot = 0;
  actual.forEach((y, i) => {
    ssRes += (y - predicted[i]) ** 2;
    ssTot += (y - mean) ** 2;
  });
  // An exactly constant target: numpy's mean may round off it, but the variance is 0 all the same.
  const constantTarget = actual.every((y) => y === actual[0]);
  if (constantTarget || ssTot === 0) return { r2: ssRes === 0 ? 1 : 0, constantTarget: true };
  return { r2: ssRes === 0 ? 1 : 1 - ssRes / ssTot, constantTarget: false };
}

function outputMetrics(name: string, actual: number[], predicted: number[], options: RegressionOptions): OutputMetrics {
  const n = actual.length;
  const residuals = actual.map((y, i) => y - predicted[i]);
  const mae = residuals.reduce((a, r) => a + Math.abs(r), 0) / n;
  const mse = residuals.reduce((a, r) => a + r * r, 0) / n;
  const { r2, constantTarget } = r2Score(actual, predicted);
  const points = evenSample(n, options.maxPoints ?? 1000).map((index) => ({ index, actual: actual[index], predicted: predicted[index], residual: residuals[index] }));
  return {
    name,
    mae,
    mse,
    rmse: Math.sqrt(mse),
    r2,
    constantTarget,
    meanResidual: residuals.reduce((a, b) => a + b, 0) / n,
    residualHistogram: histogram(residuals, options.residualBins ?? 20),
    points,
  };
}

export function evaluateRegression(input: RegressionInput, options: RegressionOptions = {}): RegressionMetrics {
  checkInput(input);
  const outputs = input.outputNames.map((name, j) =>
    outputMetrics(name, input.actual.map((r) => r[j]), input.predicted.map((r) => r[j]), options),
  );
  const mean = (pick: (o: OutputMetrics) => number) => outputs.reduce((a, o) => a + pick(o), 0) / outputs.length;
  const warnings = outputs.filter((o) => o.constantTarget).map((o) => `output "${o.name}": the target is constant in this split, so R² is ${o.r2} by convention`);
  return { n: input.actual.length, outputs, mae: mean((o) => o.mae), mse: mean((o) => o.mse), rmse: mean((o) => o.rmse), r2: mean((o) => o.r2), warnings };
}
