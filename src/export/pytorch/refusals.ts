/**
 * Settings the generated PyTorch package does not carry, refused by name and spec line, so
 * neither `export --format pytorch` nor the PyTorch engine trains a silently different model
 * (`auto` then falls back to the embedded trainer with this message as its reason). Clipping,
 * label smoothing, warm-up, frozen layers, pretrained weights and unfreezing are all carried
 * (fine_tuning.py); what is left is a schedule fine_tuning.py does not compute, and a pipeline step
 * data.py does not compute (not refused for the engine, which hands the package prepared data).
 */
import type { Analysis } from '../../core/analyze';
import { ExportError } from '../errors';

/** Schedules fine_tuning.learning_rate computes per step (reduce_on_plateau runs per epoch in objectives.py). */
const SCHEDULES = new Set(['exponential_decay', 'cosine_decay', 'cosine_decay_restarts', 'polynomial_decay', 'piecewise_constant', 'one_cycle', 'reduce_on_plateau']);

/** The pipeline steps data.py computes as the trainer does (src/export/pytorch/data.ts); `label_encode` on the labels only. */
const DATA_PY_STEPS = new Set(['drop_missing', 'fill_missing', 'drop_duplicates', 'clip_outliers', 'select', 'shuffle', 'split', 'scale', 'standardize', 'normalize', 'label_encode', 'one_hot', 'keep_labels', 'tokenize', 'pad_sequences', 'wordpiece', 'reshape']);

/**
 * Throws ExportError for the first pipeline step the package's data.py does not compute, so a
 * cluster run never fails on it (or, worse, trains on other data). The PyTorch engine is not
 * refused: it feeds the package the trainer's own prepared splits.
 */
export function refuseUnreadSteps(a: Analysis, file: string): void {
  for (const step of a.spec.data?.pipeline ?? []) {
    const column = step.type === 'label_encode' && typeof step.params.column === 'string';
    if (DATA_PY_STEPS.has(step.type) && !column) continue;
    const p = a.lines.position(step.typeRange.start);
    const what = column ? '`label_encode` on a feature column (`column`)' : `the pipeline step \`${step.type}\``;
    throw new ExportError(
      'export/pytorch-unsupported',
      `${file}:${p.line + 1}:${p.character + 1}: ${what} is not in the package's data.py yet, so the package could not read this spec's data. ${step.type === 'augment' ? 'The embedded trainer trains it (it augments each batch)' : "The PyTorch engine trains it (`--engine pytorch`: it hands the package the trainer's prepared data)"}; a cluster cannot yet.`,
      { file, line: p.line + 1, column: p.character + 1 },
    );
  }
}

/** Throws ExportError for the first setting the package would drop. */
export function refuseUncarried(a: Analysis, file: string): void {
  const schedule = a.spec.train?.lrSchedule;
  if (schedule && !SCHEDULES.has(schedule.type)) {
    const p = a.lines.position(schedule.typeRange.start);
    throw new ExportError('export/pytorch-unsupported', `${file}:${p.line + 1}:${p.character + 1}: the schedule \`${schedule.type}\` is not carried by the PyTorch package yet (train it with the embedded trainer: --engine tfjs).`, { file, line: p.line + 1, column: p.character + 1 });
  }
}
