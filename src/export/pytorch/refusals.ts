/**
 * Settings the generated PyTorch package does not carry yet, refused by name and spec line, so
 * neither `export --format pytorch` nor the PyTorch engine trains a silently different model
 * (`auto` then falls back to the embedded trainer with this message as its reason).
 */
import type { Analysis } from '../../core/analyze';
import type { Range } from '../../core/diagnostics';
import type { ItemNode } from '../../core/spec';
import { ExportError } from '../errors';

/** Schedules train.py's learning_rate() computes (reduce_on_plateau runs per epoch in objectives.py). */
const SCHEDULES = new Set(['exponential_decay', 'cosine_decay', 'piecewise_constant', 'reduce_on_plateau']);
const CLIPPING = ['clipnorm', 'global_clipnorm', 'clipvalue'];

/** Throws ExportError for the first setting the package would drop. */
export function refuseUncarried(a: Analysis, file: string): void {
  const at = (range: Range, what: string): never => {
    const p = a.lines.position(range.start);
    throw new ExportError('export/pytorch-unsupported', `${file}:${p.line + 1}:${p.character + 1}: ${what} is not carried by the PyTorch package yet (train it with the embedded trainer: --engine tfjs).`, { file, line: p.line + 1, column: p.character + 1 });
  };
  const given = (item: ItemNode | undefined, name: string) => item?.given.get(name);
  const t = a.spec.train;
  for (const name of CLIPPING) {
    const g = given(t?.optimizer, name);
    if (g && g.value !== null && g.value !== undefined) at(g.keyRange, `gradient clipping (\`${name}\`)`);
  }
  const smoothing = t?.loss?.type === 'sparse_categorical_crossentropy' ? given(t.loss, 'label_smoothing') : undefined;
  if (smoothing && smoothing.value !== 0) at(smoothing.keyRange, 'label smoothing on `sparse_categorical_crossentropy`');
  const schedule = t?.lrSchedule;
  if (schedule && !SCHEDULES.has(schedule.type)) at(schedule.typeRange, `the schedule \`${schedule.type}\``);
  for (const name of ['warmup_steps', 'warmup_target']) {
    const g = given(schedule, name);
    if (g && g.value !== 0 && g.value !== null) at(g.keyRange, `learning-rate warm-up (\`${name}\`)`);
  }
  if (t?.unfreeze) at(t.unfreeze.keyRange, '`train.unfreeze`');
  const m = a.spec.model;
  if (m?.weights) at(m.weights.keyRange, 'pretrained weights (`model.weights`)');
  for (const layer of m?.layers ?? []) if (layer.trainable?.value === false) at(layer.trainable.range, `a frozen layer (\`trainable: false\` on \`${layer.name?.value ?? layer.type}\`)`);
}
