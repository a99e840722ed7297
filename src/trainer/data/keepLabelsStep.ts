/**
 * `keep_labels`: keeps the samples whose class index is in a list and, with `remap`, renumbers
 * them 0…k−1 in the list's order. What it learns is the kept classes' original names, so a run's
 * predictions name the original labels. On new inputs with labels (evaluate) no row is dropped:
 * the labels are renumbered, and one outside the list is refused by name.
 */
import { fail, product } from '../util';
import { mapParts, take, type Data, type Parts } from './table';

export interface KeepLabelsState {
  /** The kept classes' names, in the order of `labels` (the source's names, or the indices as text). */
  names: string[];
}

const at = (d: Data, i: number) => d.origin?.(i) ?? `sample ${i + 1}`;

function checkLabels(d: Data): void {
  if (d.yStr) fail('data/not-encoded', 'The labels are text (class names): add `label_encode` before `keep_labels`, which keeps class indices.');
  if (product(d.yShape) > 1) fail('data/already-one-hot', 'The labels are already vectors: put `keep_labels` before `one_hot`.');
}

/** Training: every part keeps the listed classes. */
export function keepLabelRows(parts: Parts, labels: number[], remap: boolean): Parts {
  checkLabels(parts.train);
  const index = new Map(labels.map((v, i) => [v, i]));
  return mapParts(parts, (d, name) => {
    checkLabels(d);
    const rows: number[] = [];
    for (let i = 0; i < d.n; i++) if (index.has(d.y[i])) rows.push(i);
    if (name === 'train' && rows.length === 0) fail('data/empty', `No training sample has one of the labels ${labels.join(', ')} that \`keep_labels\` keeps.`);
    const kept = rows.length === d.n ? d : take(d, rows);
    return remap ? { ...kept, y: Float32Array.from(kept.y, (v) => index.get(v)!) } : kept;
  });
}

/** New inputs with labels (evaluate): the same renumbering, every row kept; a label outside the list is an error. */
export function renumberLabels(d: Data, labels: number[], remap: boolean): Data {
  checkLabels(d);
  const index = new Map(labels.map((v, i) => [v, i]));
  for (let i = 0; i < d.n; i++) {
    if (!Number.isNaN(d.y[i]) && !index.has(d.y[i])) fail('data/label-range', `${at(d, i)}: label ${d.y[i]} is not one of the classes the run was trained on (\`keep_labels\`: ${labels.join(', ')}).`);
  }
  return remap ? { ...d, y: Float32Array.from(d.y, (v) => (Number.isNaN(v) ? v : index.get(v)!)) } : d;
}
