/**
 * Text reports: classification in the layout of scikit-learn's `classification_report` (same
 * columns, widths, digits and rounding), and a short regression table.
 */
import type { ClassificationMetrics } from './classification';
import type { MultiLabelMetrics } from './multilabel';
import type { AveragedScores, ClassScores } from './prf';
import { formatFixed } from './pyformat';
import type { RegressionMetrics } from './regression';

const HEADERS = ['precision', 'recall', 'f1-score', 'support'];

interface ReportRows {
  rows: { name: string; scores: ClassScores }[];
  averages: { heading: string; scores: AveragedScores }[];
}

/** The per-class table of classification_report(digits), character for character. */
function scoreTable({ rows, averages }: ReportRows, digits: number): string {
  const width = Math.max(...rows.map((r) => r.name.length), 'weighted avg'.length, digits);
  const cell = (x: number) => ` ${formatFixed(x, digits).padStart(9)}`;
  const line = (name: string, s: AveragedScores) => `${name.padStart(width)} ${cell(s.precision)}${cell(s.recall)}${cell(s.f1)} ${String(s.support).padStart(9)}\n`;
  let out = `${''.padStart(width)} ${HEADERS.map((h) => ` ${h.padStart(9)}`).join('')}\n\n`;
  for (const r of rows) out += line(r.name, r.scores);
  out += '\n';
  for (const a of averages) {
    out += a.heading === 'accuracy'
      ? `${a.heading.padStart(width)} ${' '.repeat(20)}${cell(a.scores.f1)} ${String(a.scores.support).padStart(9)}\n`
      : line(a.heading, a.scores);
  }
  return out;
}

/** Exactly what `classification_report(y, argmax(p), labels=range(k), target_names=names, digits)` prints. */
export function classificationReport(m: ClassificationMetrics, digits = 2): string {
  const support = m.macro.support;
  return scoreTable({
    rows: m.perClass.map((c) => ({ name: c.name, scores: c })),
    averages: [
      { heading: m.microIsAccuracy ? 'accuracy' : 'micro avg', scores: m.micro },
      { heading: 'macro avg', scores: { ...m.macro, support } },
      { heading: 'weighted avg', scores: { ...m.weighted, support } },
    ],
  }, digits);
}

/** Exactly what `classification_report(Y, P >= threshold, target_names=names, digits)` prints for indicator matrices. */
export function multiLabelReport(m: MultiLabelMetrics, digits = 2): string {
  const support = m.macro.support;
  return scoreTable({
    rows: m.perLabel.map((l) => ({ name: l.name, scores: l })),
    averages: (['micro', 'macro', 'weighted', 'samples'] as const).map((a) => ({ heading: `${a} avg`, scores: { ...m[a], support } })),
  }, digits);
}

const fixedOrDash = (x: number | null, digits: number) => (x === null ? '-' : formatFixed(x, digits));

/** The classification report followed by the summary numbers scikit-learn's report leaves out. */
export function classificationSummary(m: ClassificationMetrics, digits = 4): string {
  const lines = [
    classificationReport(m, digits),
    `log loss          ${formatFixed(m.logLoss, digits)}`,
    ...m.topK.map((t) => `top-${t.k} accuracy    ${formatFixed(t.accuracy, digits)}`),
    `ROC AUC           ${fixedOrDash(m.rocAuc.macro, digits)}${m.perClass.length > 2 ? ' (one-vs-rest, macro)' : ''}`,
    `average precision ${formatFixed(m.averagePrecision.macro, digits)}${m.perClass.length > 2 ? ' (macro)' : ''}`,
    `calibration error ${formatFixed(m.calibration.expectedCalibrationError, digits)} (ECE, ${m.calibration.bins.length} bins, ${m.calibration.kind})`,
  ];
  if (m.thresholds) lines.push(`best F1 ${formatFixed(m.thresholds.bestF1.f1, digits)} at threshold ${formatFixed(m.thresholds.bestF1.threshold, digits)}`);
  return [...lines, ...m.warnings.map((w) => `warning: ${w}`)].join('\n') + '\n';
}

/** The multi-label report followed by subset accuracy, Hamming loss and the curve areas. */
export function multiLabelSummary(m: MultiLabelMetrics, digits = 4): string {
  const lines = [
    multiLabelReport(m, digits),
    `subset accuracy   ${formatFixed(m.subsetAccuracy, digits)}`,
    `Hamming loss      ${formatFixed(m.hammingLoss, digits)}`,
    `ROC AUC           ${fixedOrDash(m.rocAuc.macro, digits)} (macro over labels)`,
    `average precision ${formatFixed(m.averagePrecision.macro, digits)} (macro over labels)`,
    `threshold         ${formatFixed(m.threshold, digits)}`,
  ];
  return [...lines, ...m.warnings.map((w) => `warning: ${w}`)].join('\n') + '\n';
}

export function regressionReport(m: RegressionMetrics, digits = 4): string {
  const rows = m.outputs.map((o) => [o.name, o.mae, o.mse, o.rmse, o.r2] as const);
  if (m.outputs.length > 1) rows.push(['average', m.mae, m.mse, m.rmse, m.r2]);
  const width = Math.max(...rows.map((r) => r[0].length), 'output'.length);
  const head = `${'output'.padStart(width)} ${['MAE', 'MSE', 'RMSE', 'R²'].map((h) => ` ${h.padStart(12)}`).join('')}\n\n`;
  const body = rows.map(([name, ...v]) => `${name.padStart(width)} ${v.map((x) => ` ${formatFixed(x, digits).padStart(12)}`).join('')}\n`).join('');
  return head + body + m.warnings.map((w) => `warning: ${w}\n`).join('') + `\nn = ${m.n}\n`;
}
