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

/** The pipeline steps data.py computes as the trainer does (src/export/pytorch/data.ts). */
/** Steps that compute on every numeric column (a text column is NaN to them in the trainer). */
const NUMERIC_STEPS = new Set(['scale', 'standardize', 'normalize', 'clip_outliers']);
const DATA_PY_STEPS = new Set(['drop_missing', 'fill_missing', 'drop_duplicates', 'clip_outliers', 'select', 'shuffle', 'split', 'scale', 'standardize', 'normalize', 'label_encode', 'one_hot', 'keep_labels', 'tokenize', 'pad_sequences', 'wordpiece', 'reshape']);

/**
 * Throws ExportError for the first pipeline step the package's data.py does not compute, so a
 * cluster run never fails on it (or, worse, trains on other data). The PyTorch engine is not
 * refused: it feeds the package the trainer's own prepared splits.
 */
export function refuseUnreadSteps(a: Analysis, file: string): void {
  const at = (range: { start: number }) => {
    const p = a.lines.position(range.start);
    return { file, line: p.line + 1, column: p.character + 1 };
  };
  const refuse = (where: ReturnType<typeof at>, message: string): never => {
    throw new ExportError('export/pytorch-unsupported', `${file}:${where.line}:${where.column}: ${message}`, where);
  };
  let numeric: { type: string; line: number } | undefined;
  for (const step of a.spec.data?.pipeline ?? []) {
    const where = at(step.typeRange);
    if (!DATA_PY_STEPS.has(step.type)) {
      const trains = step.type === 'augment' ? 'The embedded trainer trains it (it augments each batch)' : "The PyTorch engine trains it (`--engine pytorch`: it hands the package the trainer's prepared data)";
      refuse(where, `the pipeline step \`${step.type}\` is not in the package's data.py yet, so the package could not read this spec's data. ${trains}; a cluster cannot yet.`);
    }
    // data.py holds a text column as codes until it is encoded: numeric steps must come after.
    if (step.type === 'label_encode' && typeof step.params.column === 'string' && numeric) {
      refuse(where, `this \`label_encode\` encodes a column after \`${numeric.type}\` (line ${numeric.line}); the package's data.py encodes text columns before numeric steps, so it cannot reproduce that order yet. The PyTorch engine trains it (\`--engine pytorch\`); a cluster cannot yet.`);
    }
    if (!numeric && NUMERIC_STEPS.has(step.type)) numeric = { type: step.type, line: where.line };
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
