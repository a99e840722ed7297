/**
 * Reliability bins as `sklearn.calibration.calibration_curve(strategy="uniform")` forms them, plus
 * the expected calibration error over the same bins.
 */

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin (null when empty). */
  meanPredicted: number | null;
  /** Fraction of positives in the bin (null when empty). */
  fractionPositive: number | null;
}

export interface Calibration {
  bins: CalibrationBin[];
  /** Σ count/n · |fractionPositive − meanPredicted| over the bins. */
  expectedCalibrationError: number;
}

/**
 * Bin i holds probabilities p with edge[i] < p ≤ edge[i+1] (the first also holds 0), as numpy's
 * `searchsorted(edges[1:-1], p)` assigns them; edges are i·(1/nBins) as `np.linspace` computes them.
 */
export function calibrationBins(positive: readonly boolean[], probabilities: readonly number[], nBins = 10): Calibration {
  const step = 1 / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? 1 : i * step));
  const sums = new Array<number>(nBins).fill(0);
  const hits = new Array<number>(nBins).fill(0);
  const counts = new Array<number>(nBins).fill(0);
  probabilities.forEach((p, i) => {
    let bin = 0;
    while (bin < nBins - 1 && edges[bin + 1] < p) bin++;
    sums[bin] += p;
    hits[bin] += positive[i] ? 1 : 0;
    counts[bin]++;
  });
  const n = probabilities.length;
  let ece = 0;
  const bins = counts.map((count, i): CalibrationBin => {
    const meanPredicted = count ? sums[i] / count : null;
    const fractionPositive = count ? hits[i] / count : null;
    if (count) ece += (count / n) * Math.abs(fractionPositive! - meanPredicted!);
    return { lower: edges[i], upper: edges[i + 1], count, meanPredicted, fractionPositive };
  });
  return { bins, expectedCalibrationError: ece };
}
