/**
 * Settings the generated PyTorch package does not carry, refused by name and spec line, so
 * neither `export --format pytorch` nor the PyTorch engine trains a silently different model
 * (`auto` then falls back to the embedded trainer with this message as its reason). Clipping,
 * label smoothing, warm-up, frozen layers, pretrained weights and unfreezing are all carried
 * (fine_tuning.py); what is left is a schedule fine_tuning.py does not compute.
 */
import type { Analysis } from '../../core/analyze';
import { ExportError } from '../errors';

/** Schedules fine_tuning.learning_rate computes per step (reduce_on_plateau runs per epoch in objectives.py). */
const SCHEDULES = new Set(['exponential_decay', 'cosine_decay', 'cosine_decay_restarts', 'polynomial_decay', 'piecewise_constant', 'one_cycle', 'reduce_on_plateau']);

/** Throws ExportError for the first setting the package would drop. */
export function refuseUncarried(a: Analysis, file: string): void {
  const schedule = a.spec.train?.lrSchedule;
  if (schedule && !SCHEDULES.has(schedule.type)) {
    const p = a.lines.position(schedule.typeRange.start);
    throw new ExportError('export/pytorch-unsupported', `${file}:${p.line + 1}:${p.character + 1}: the schedule \`${schedule.type}\` is not carried by the PyTorch package yet (train it with the embedded trainer: --engine tfjs).`, { file, line: p.line + 1, column: p.character + 1 });
  }
}
