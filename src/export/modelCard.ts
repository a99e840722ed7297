/**
 * `MODEL_CARD.md` for an export: what the model is (the spec's name and description), its
 * architecture with parameter counts (the core's Keras-style summary), its data (source as the
 * spec wrote it, the pipeline, the data fingerprint), how it was trained (resolved settings and
 * final metrics), how it scored (evaluation.json: metrics and the confusion matrix), and headings
 * for the team to fill in. Read from the run folder only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type Analysis } from '../core/analyze';
import { evaluationJsonProblem, type EvaluationJson } from '../core/evaluate';
import type { ClassificationEvaluation, RegressionEvaluation } from '../core/evaluate/schema';
import { parsePreprocessing, PREPROCESSING_FILE, type Preprocessing } from '../core/protocol/preprocessing';
import type { RunRecord } from '../core/protocol/trainer';
import { formatSummary, summarize } from '../core/summary';
import type { TrainSettings } from '../core/spec';
import { readRunRecord, readSpecSnapshot } from '../node/runRecord';
import { ExportError } from './errors';

export const MODEL_CARD_FILE = 'MODEL_CARD.md';

/** Evaluations a run may hold, the test split's first. */
const EVALUATIONS = ['evaluation.json', 'evaluation-validation.json', 'evaluation-data.json', 'evaluation-train.json'];

const readJson = (file: string): unknown => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toFixed(digits)).toString());
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (head: string[], rows: string[][]) => [`| ${head.map(cell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
/** An item of the spec exactly as written (`csv: { path: …, label: … }`). */
const written = (a: Analysis, range?: { start: number; end: number }) => (range ? a.text.slice(range.start, range.end).replace(/\s+/g, ' ').trim() : '—');
const item = (v: { type: string; params: Record<string, unknown> } | undefined) => (v ? `${v.type}${Object.keys(v.params).length ? ` ${JSON.stringify(v.params)}` : ''}` : '—');

function overview(a: Analysis, record: RunRecord | undefined, runDir: string): string[] {
  const rows: string[][] = [
    ['Spec', `\`${record?.spec ?? '?'}\``],
    ['Spec hash (sha256)', record ? `\`${record.specHash}\`` : '—'],
    ['Run', `\`${runDir}\` (${record?.reason ?? record?.status ?? 'no run.json'})`],
    ['Trained', record ? `${record.startedAt}${record.durationMs !== undefined ? `, ${(record.durationMs / 1000).toFixed(1)} s` : ''}` : '—'],
  ];
  const description = a.spec.description?.value;
  return [`# Model card: ${a.spec.name?.value ?? record?.specName ?? 'model'}`, '', description ?? '_The spec has no `description`._', '', table(['', ''], rows)];
}

function architecture(a: Analysis): string[] {
  return ['## Architecture', '', '```text', formatSummary(summarize(a), a.model?.isGraph ?? false).trimEnd(), '```'];
}

function data(a: Analysis, record: RunRecord | undefined, pre: Preprocessing | undefined): string[] {
  const d = a.spec.data;
  const split = (s?: { split?: { value: number } }) => (s?.split ? `${s.split.value}` : '—');
  const rows: string[][] = [
    ['Source', `\`${written(a, d?.source?.range)}\``],
    ['Pipeline', d?.pipeline.length ? d.pipeline.map((s) => `\`${written(a, s.range)}\``).join(', ') : '—'],
    ['Validation split', split(d?.validation)],
    ['Test split', split(d?.test)],
    ['Data fingerprint', record?.dataFingerprint ? `\`${record.dataFingerprint}\`` : '—'],
  ];
  if (pre) {
    const input = pre.input;
    rows.push(['Raw input', `${input.kind}${input.columns ? `: ${input.columns.join(', ')}` : ''}${input.text ? `: the \`${input.text}\` field` : ''}${input.imageSize ? `: ${input.imageSize.join('×')} × ${input.channels} channel(s)` : ''}`]);
    rows.push(['Model input', `[${pre.features.shape.join(', ')}] per sample`]);
    rows.push(['Labels', `${pre.labels.kind}${pre.labels.classes ? `, ${pre.labels.classes} classes` : ''}${pre.labels.names ? `: ${pre.labels.names.join(', ')}` : ''}`]);
  }
  return ['## Data', '', table(['', ''], rows), '', 'The fitted preprocessing (statistics, vocabulary, class names) is in the run\'s `preprocessing.json`; apply it to raw inputs before the model.'];
}

function training(runDir: string, record: RunRecord | undefined): string[] {
  const resolved = readJson(join(runDir, 'resolved.json')) as { settings?: TrainSettings } | undefined;
  const s = resolved?.settings;
  const rows: string[][] = s
    ? [
        ['Loss', item(s.loss)],
        ['Optimizer', item(s.optimizer)],
        ['Metrics', s.metrics.map((m) => m.type).join(', ') || '—'],
        ['Epochs', `${record?.epochs ?? '?'} run of ${s.epochs}`],
        ['Batch size', `${s.batchSize}`],
        ['Seed', `${s.seed}`],
        ['Early stopping', s.earlyStopping ? `${s.earlyStopping.monitor}, patience ${s.earlyStopping.patience}` : '—'],
        ['Learning-rate schedule', item(s.lrSchedule)],
      ]
    : [['Settings', '_resolved.json is missing_']];
  if (record) rows.push(['Backend', `${record.backend ?? '?'}${record.device ? ` (${record.device})` : ''}`], ['Versions', Object.entries(record.versions).map(([k, v]) => `${k} ${v}`).join(', ')], ['Parameters', record.params?.toLocaleString('en-US') ?? '—']);
  const final = Object.entries(record?.final ?? {});
  const out = ['## Training', '', table(['setting', 'value'], rows)];
  if (final.length) out.push('', 'Metrics of the last epoch:', '', table(['metric', 'value'], final.map(([k, v]) => [k, num(v)])));
  return out;
}

function classification(e: ClassificationEvaluation): string[] {
  const m = e.metrics;
  const summary = table(['metric', 'value'], [
    ['accuracy', num(m.accuracy)],
    ['log loss', num(m.logLoss)],
    ['macro F1', num(m.macro.f1)],
    ['weighted F1', num(m.weighted.f1)],
    ['ROC AUC (macro)', num(m.rocAuc.macro)],
    ['expected calibration error', num(m.expectedCalibrationError)],
  ]);
  const perClass = table(['class', 'precision', 'recall', 'F1', 'support'], e.perClass.map((c) => [c.name, num(c.precision), num(c.recall), num(c.f1), `${c.support}`]));
  const confusion = table(['true \\ predicted', ...e.classNames], e.confusionMatrix.map((row, i) => [e.classNames[i], ...row.map(String)]));
  return [summary, '', perClass, '', 'Confusion matrix (rows: true class, columns: predicted class):', '', confusion];
}

function regression(e: RegressionEvaluation): string[] {
  return [table(['output', 'MAE', 'MSE', 'RMSE', 'R²'], [...e.perOutput.map((o) => [o.name, num(o.mae), num(o.mse), num(o.rmse), num(o.r2)]), ['average', num(e.metrics.mae), num(e.metrics.mse), num(e.metrics.rmse), num(e.metrics.r2)]])];
}

function evaluation(runDir: string, record: RunRecord | undefined): string[] {
  const head = ['## Evaluation', ''];
  for (const name of EVALUATIONS) {
    const e = readJson(join(runDir, name));
    if (e === undefined || evaluationJsonProblem(e) !== null) continue;
    const ev = e as EvaluationJson;
    const what = `\`${name}\`: the ${ev.split} split${ev.data ? ` (${ev.data})` : ''}, ${ev.n} samples, ${ev.checkpoint ? `the ${ev.checkpoint} checkpoint` : 'the final model'}${ev.createdAt ? `, ${ev.createdAt}` : ''}.`;
    const body = ev.task === 'regression' ? regression(ev) : ev.task === 'multilabel' ? [table(['metric', 'value'], [['subset accuracy', num(ev.metrics.subsetAccuracy)], ['Hamming loss', num(ev.metrics.hammingLoss)], ['macro F1', num(ev.metrics.macro.f1)]])] : classification(ev);
    const warnings = ev.warnings.length ? ['', ...ev.warnings.map((w) => `- ⚠ ${w}`)] : [];
    return [...head, what, '', ...body, ...warnings, '', 'How each number is computed: docs/evaluation.md (each equals scikit-learn\'s).'];
  }
  const test = Object.entries(record?.test ?? {});
  if (test.length) return [...head, 'The trainer\'s metrics on the test split (no evaluation.json: run `modelyaml evaluate` for the full report):', '', table(['metric', 'value'], test.map(([k, v]) => [k, num(v)]))];
  return [...head, `_Not evaluated: the run has no test split and no evaluation file. Run \`modelyaml evaluate ${runDir} --split validation\` (or \`--data FILE\`) and export again._`];
}

const TO_FILL = [
  '## Intended use',
  '',
  '_To be filled in by the team: the task and users this model is for, and the uses it is not meant for._',
  '',
  '## Limitations',
  '',
  '_To be filled in by the team: where the data under-represents inputs, known failure cases, what the evaluation above does not cover (data drift, other populations), and the risks of misuse._',
];

/** What an export wrote, for the card's "Exported files" section. */
export interface ExportedFiles {
  /** `tfjs`, `onnx`, … */
  format: string;
  /** Which of the run's models (`checkpoints/best`, `checkpoints/last`, `model`). */
  checkpoint: string;
  quantize?: string;
  files: string[];
  /** Layers rewritten on the way, one line each. */
  notes?: string[];
}

function exported(e: ExportedFiles): string[] {
  const rows = [['Format', e.format], ['From', `\`${e.checkpoint}\``], ['Weights', e.quantize ?? 'float32'], ['Files', e.files.map((f) => `\`${f}\``).join(', ')]];
  return ['## Exported files', '', table(['', ''], rows), ...(e.notes?.length ? ['', ...e.notes.map((n) => `- ${n}`)] : [])];
}

/** The model card of a run folder, as Markdown; with `exportedFiles`, a section on what the export wrote. */
export function modelCard(runDir: string, exportedFiles?: ExportedFiles): string {
  const text = readSpecSnapshot(runDir);
  if (text === undefined) throw new ExportError('export/not-a-run', `${runDir} has no spec snapshot (spec.snapshot.yaml): name a run folder, as \`modelyaml train\` prints it.`);
  const a = analyze(text);
  const record = readRunRecord(runDir);
  const preFile = join(runDir, PREPROCESSING_FILE);
  const parsed = existsSync(preFile) ? parsePreprocessing(readFileSync(preFile, 'utf8')) : undefined;
  const pre = parsed?.ok ? parsed.value : undefined;
  const sections = [overview(a, record, runDir), ...(exportedFiles ? [exported(exportedFiles)] : []), architecture(a), data(a, record, pre), training(runDir, record), evaluation(runDir, record), TO_FILL];
  return sections.map((s) => s.join('\n')).join('\n\n') + '\n';
}
