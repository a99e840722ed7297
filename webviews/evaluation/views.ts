/**
 * What the plots show, from an evaluation.json (pure: no DOM): ROC and precision–recall per class
 * with their areas, the reliability diagram with its calibration error, the binary threshold
 * sweep, and for regression predicted-vs-actual and residuals per output.
 */
import type { ClassificationEvaluation, RegressionEvaluation } from '../../src/core/protocol/evaluationWebview';
import type { PlotTheme, XYSeries, XYSpec } from './plots';
import { fmt } from './table';

const UNIT: [number, number] = [0, 1];

export function classificationPlots(e: ClassificationEvaluation, palette: readonly string[], theme: PlotTheme, guide: string): XYSpec[] {
  // Binary: the positive class's curves only (the negative's mirror them).
  const shown = e.task === 'binary' ? [1] : e.classNames.map((_, i) => i);
  const color = (i: number) => palette[i % palette.length];
  const diag = (label: string): XYSeries => ({ label, color: guide, xs: [0, 1], ys: [0, 1], dash: [4, 4], width: 1, guide: true });
  const roc: XYSpec = {
    id: 'roc',
    title: 'ROC',
    summary: `ROC AUC: macro ${fmt(e.metrics.rocAuc.macro)}, weighted ${fmt(e.metrics.rocAuc.weighted)}`,
    xLabel: 'false positive rate',
    yLabel: 'true positive rate',
    xRange: UNIT,
    yRange: UNIT,
    theme,
    series: [diag('chance'), ...shown.map((i) => ({ label: `${e.classNames[i]} (AUC ${fmt(e.perClass[i].rocAuc)})`, color: color(i), xs: e.curves.roc[i].fpr.map((v) => v ?? NaN), ys: e.curves.roc[i].tpr }))],
  };
  const pr: XYSpec = {
    id: 'pr',
    title: 'Precision–recall',
    summary: `Average precision: macro ${fmt(e.metrics.averagePrecision.macro)}, weighted ${fmt(e.metrics.averagePrecision.weighted)}`,
    xLabel: 'recall',
    yLabel: 'precision',
    xRange: UNIT,
    yRange: UNIT,
    theme,
    series: shown.map((i) => ({ label: `${e.classNames[i]} (AP ${fmt(e.perClass[i].averagePrecision)})`, color: color(i), xs: e.curves.pr[i].recall, ys: e.curves.pr[i].precision })),
  };
  const bins = e.calibration.bins.filter((b) => b.count > 0 && b.meanPredicted !== null);
  const calibration: XYSpec = {
    id: 'calibration',
    title: 'Calibration',
    summary: `Expected calibration error ${fmt(e.calibration.expectedCalibrationError)} (${e.calibration.kind === 'top-label' ? 'confidence of the predicted class' : 'probability of the positive class'}, ${e.calibration.bins.length} bins)`,
    xLabel: e.calibration.kind === 'top-label' ? 'mean confidence' : 'mean predicted probability',
    yLabel: e.calibration.kind === 'top-label' ? 'accuracy' : 'fraction positive',
    xRange: UNIT,
    yRange: UNIT,
    theme,
    series: [diag('perfectly calibrated'), { label: `model (${bins.reduce((a, b) => a + b.count, 0)} samples in ${bins.length} bins)`, color: color(0), xs: bins.map((b) => b.meanPredicted as number), ys: bins.map((b) => b.fractionPositive) }],
  };
  const plots = [roc, pr, calibration];
  if (e.thresholds) {
    const rows = e.thresholds.rows;
    const best = e.thresholds.bestF1;
    const xs = rows.map((r) => r.threshold);
    plots.push({
      id: 'thresholds',
      title: 'Thresholds',
      summary: `Best F1 ${fmt(best.f1)} at threshold ${fmt(best.threshold)} (precision ${fmt(best.precision)}, recall ${fmt(best.recall)})`,
      xLabel: `threshold on p(${e.classNames[1]})`,
      yLabel: 'score',
      yRange: UNIT,
      theme,
      series: [
        { label: 'precision', color: color(0), xs, ys: rows.map((r) => r.precision) },
        { label: 'recall', color: color(1), xs, ys: rows.map((r) => r.recall) },
        { label: 'F1', color: color(2), xs, ys: rows.map((r) => r.f1) },
        { label: 'best F1', color: guide, xs: [best.threshold, best.threshold], ys: [0, 1], dash: [4, 4], width: 1 },
      ],
    });
  }
  return plots;
}

export function regressionPlots(e: RegressionEvaluation, palette: readonly string[], theme: PlotTheme, guide: string): XYSpec[] {
  return e.points.flatMap((p, o) => {
    const m = e.perOutput[o];
    const lo = Math.min(...p.actual, ...p.predicted);
    const hi = Math.max(...p.actual, ...p.predicted);
    const suffix = e.points.length > 1 ? ` · ${p.name}` : '';
    const errors = `MAE ${fmt(m.mae)} · RMSE ${fmt(m.rmse)} · R² ${fmt(m.r2)}`;
    const shownOf = `${p.actual.length} of ${e.n} samples`;
    return [
      {
        id: `scatter-${o}`,
        title: `Predicted vs actual${suffix}`,
        summary: `${errors} (${shownOf})`,
        xLabel: `actual ${p.name}`,
        yLabel: `predicted ${p.name}`,
        theme,
        series: [
          { label: 'predicted = actual', color: guide, xs: [lo, hi], ys: [lo, hi], dash: [4, 4], width: 1, guide: true },
          { label: 'samples', color: palette[0], xs: p.actual, ys: p.predicted, points: true },
        ],
      },
      {
        id: `residuals-${o}`,
        title: `Residuals${suffix}`,
        summary: `residual = actual − predicted; mean ${fmt(m.meanResidual)} (${shownOf})`,
        xLabel: `predicted ${p.name}`,
        yLabel: 'residual',
        theme,
        series: [
          { label: 'zero', color: guide, xs: [Math.min(...p.predicted), Math.max(...p.predicted)], ys: [0, 0], dash: [4, 4], width: 1, guide: true },
          { label: 'samples', color: palette[1 % palette.length], xs: p.predicted, ys: p.residual, points: true },
        ],
      },
    ];
  });
}

/** One row a class: its scores and the confusion matrix's row (how many were predicted as each class). */
export function classificationCsv(e: ClassificationEvaluation): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ['class', 'precision', 'recall', 'f1', 'support', 'roc_auc', 'average_precision', ...e.classNames.map((n) => `predicted:${n}`)];
  const rows = e.perClass.map((r, i) => [q(r.name), r.precision, r.recall, r.f1, r.support, r.rocAuc ?? '', r.averagePrecision, ...e.confusionMatrix[i]].join(','));
  return [head.map(q).join(','), ...rows].join('\n') + '\n';
}

/** One row a plotted sample: its index in the split, then actual, predicted and residual per output. */
export function regressionCsv(e: RegressionEvaluation): string {
  const head = ['index', ...e.points.flatMap((p) => [`actual:${p.name}`, `predicted:${p.name}`, `residual:${p.name}`])];
  const rows = e.points[0].index.map((idx, i) => [idx, ...e.points.flatMap((p) => [p.actual[i], p.predicted[i], p.residual[i]])].join(','));
  return [head.join(','), ...rows].join('\n') + '\n';
}
