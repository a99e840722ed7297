/**
 * `keep_labels`: keeps the samples whose class is in a list (by index, or by name: text labels, or
 * the names of encoded classes) and, with `remap`, renumbers them 0…k−1 in the list's order. What
 * it learns is the kept classes' original names (and indices), so a run's predictions name the
 * original labels. On new inputs with labels (evaluate) no row is dropped: the labels are
 * renumbered, and one outside the list is refused by name.
 */
import { fail, product } from '../util';
import { mapParts, take, type Data, type Parts } from './table';

export interface KeepLabelsState {
  /** The kept classes' names, in the order of `labels` (the source's names, or the indices as text). */
  names: string[];
  /** Their class indices (when named, resolved at fit time); absent in runs from before names, whose labels are indices. */
  indices?: number[];
}

const at = (d: Data, i: number) => d.origin?.(i) ?? `sample ${i + 1}`;

function checkLabels(d: Data): void {
  if (d.yStr) fail('data/not-encoded', 'The labels are text (class names): name the classes to keep (`keep_labels: [cat, dog]`), or add `label_encode` before `keep_labels`.');
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

/** Class names → the indices of encoded classes (`label_encode`'s, or the source's own names); unknown ones are an error. */
export function classIndices(names: string[], classNames: string[] | undefined): number[] {
  if (!classNames) fail('data/not-encoded', `\`keep_labels\` names classes (${names.join(', ')}), but the labels are class indices without names: list their indices instead.`);
  return names.map((name) => {
    const i = classNames.indexOf(name);
    if (i < 0) fail('data/label-range', `\`keep_labels\` keeps class ${JSON.stringify(name)}, but the classes are ${classNames.slice(0, 12).map((c) => JSON.stringify(c)).join(', ')}${classNames.length > 12 ? ', …' : ''}.`);
    return i;
  });
}

/** Text labels (before label_encode): the rows whose label is one of `names`; with remap, encoded in their order. */
export function keepTextLabelRows(parts: Parts, names: string[], remap: boolean): Parts {
  const index = new Map(names.map((v, i) => [v, i]));
  return mapParts(parts, (d, name) => {
    const labels = textLabels(d);
    const rows: number[] = [];
    for (let i = 0; i < d.n; i++) if (labels[i] !== null && index.has(labels[i]!)) rows.push(i);
    if (name === 'train' && rows.length === 0) fail('data/empty', `No training sample has one of the labels ${names.join(', ')} that \`keep_labels\` keeps.`);
    const kept = rows.length === d.n ? d : take(d, rows);
    return remap ? encodedBy(kept, index) : kept;
  });
}

/**
 * New inputs with text labels (evaluate): every row kept, a label outside the list an error; with
 * remap, encoded in the list's order; without, the kept classes' `indices` when they were encoded
 * ones, else left as text (for a later label_encode).
 */
export function renumberTextLabels(d: Data, names: string[], remap: boolean, indices?: number[]): Data {
  const index = new Map(names.map((v, i) => [v, i]));
  const labels = textLabels(d);
  for (let i = 0; i < d.n; i++) {
    if (labels[i] !== null && !index.has(labels[i]!)) fail('data/label-range', `${at(d, i)}: label ${JSON.stringify(labels[i])} is not one of the classes the run was trained on (\`keep_labels\`: ${names.join(', ')}).`);
  }
  if (remap) return encodedBy(d, index);
  return indices ? encodedBy(d, new Map(names.map((v, i) => [v, indices[i]]))) : d;
}

/** A part's labels as text: a part whose labels all read as numbers (a split of numeric-looking names) has them in y. */
const textLabels = (d: Data): (string | null)[] => d.yStr ?? Array.from(d.y, (v) => (Number.isNaN(v) ? null : String(v)));

function encodedBy(d: Data, index: Map<string, number>): Data {
  const labels = textLabels(d);
  const out: Data = { ...d, y: Float32Array.from(labels, (s) => (s === null ? NaN : index.get(s)!)), yShape: [] };
  delete out.yStr;
  return out;
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
