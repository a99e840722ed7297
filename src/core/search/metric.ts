/** Which quantities a spec logs per epoch, and which way each is better: what `search.metric` may name. */
import type { Spec } from '../spec';
import type { Goal } from './types';

/** Accuracies, AUC, precision, recall, F1 and R² grow as a model improves; losses and errors shrink. The trainer's rule too. */
export const higherIsBetter = (name: string): boolean => /acc|auc|precision|recall|f1|r2/.test(name);

export function inferGoal(metric: string): Goal {
  return higherIsBetter(metric) ? 'maximize' : 'minimize';
}

/** Whether the spec holds validation data (a split or a source): only then are `val_…` values logged. */
export function hasValidation(spec: Spec): boolean {
  const v = spec.data?.validation;
  return !!(v && (v.split || v.source));
}

/** Every name the trainer logs per epoch for this spec: `loss`, each metric, and their `val_` forms with validation data. */
export function loggedMetrics(spec: Spec): string[] {
  const plain = ['loss', ...(spec.train?.metrics ?? []).map((m) => m.type)];
  return hasValidation(spec) ? [...plain.map((m) => `val_${m}`), ...plain] : plain;
}

/** `search.metric` when it is left out: the validation loss, or the training loss without validation data. */
export function defaultMetric(spec: Spec): string {
  return hasValidation(spec) ? 'val_loss' : 'loss';
}
