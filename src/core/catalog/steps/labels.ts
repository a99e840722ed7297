/** Labels: label_encode, one_hot, keep_labels. */
import { count } from '../../plural';
import { missingColumn } from '../sources';
import type { DataShape, StepEntry } from '../types';
import { fail, table } from './shared';

export const labelEncode: StepEntry = {
  name: 'label_encode',
  category: 'step',
  summary: 'Maps string categories (e.g. "setosa") to integer class indices 0…K−1.',
  docs:
    'Collects the distinct values of the label over the training samples, sorts them, and replaces each by its position, so ' +
    '"setosa", "versicolor", "virginica" become 0, 1, 2 (class indices, for `sparse_categorical_crossentropy` or, after `one_hot`, ' +
    '`categorical_crossentropy`). Two values become binary 0/1 labels when the source declared them binary. With `column`, a feature ' +
    'column is encoded instead (the sample shape does not change). Values not seen in training are an error at run time.',
  params: [
    { name: 'column', type: { kind: 'string' }, doc: 'A feature column to encode instead of the label.' },
    { name: 'classes', type: { kind: 'int', min: 2 }, doc: 'How many distinct values to expect (default: what the source declares; otherwise unknown until the data is read).' },
  ],
  formulas: [{ label: 'encoding', latex: "y' = |\\{ v \\in V : v < y \\}|, \\quad V = \\text{sorted distinct training labels}", unicode: 'y′ = |{v ∈ V : v < y}|,  V = the sorted distinct training labels' }],
  tfjs: 'a lookup table built by the trainer from the training rows, applied before tensors are built',
  aliases: ['LabelEncoder', 'encode_labels', 'factorize'],
  primary: 'column',
  apply(input, { params }) {
    const column = typeof params.column === 'string' ? params.column : undefined;
    if (column !== undefined) {
      if (input.columns && !input.columns.includes(column)) return { error: missingColumn('column', column, input.columns, 'the features') };
      return { data: input };
    }
    if (input.labelKind === 'one_hot') return fail('data/already-encoded', 'The labels are already one-hot vectors; `label_encode` works on single category values. Remove this step.');
    if (input.labelKind === 'continuous') {
      return fail('data/not-categorical', '`label_encode` maps categories to class indices, but the labels are continuous values.', {
        fix: 'remove this step, or set `label_type: class` on the source if the label is a category',
      });
    }
    const classes = (params.classes as number | undefined) ?? input.classes;
    const two = input.labelKind === 'binary' || input.labelKind === 'signed';
    if (!two && classes !== undefined && input.classes !== undefined && classes !== input.classes) {
      return fail('data/classes-mismatch', `\`label_encode\` expects ${count(classes, 'class')}, but the source declares ${input.classes}.`, {
        param: 'classes',
        action: { kind: 'set_param', param: 'classes', value: input.classes },
        fix: `set classes to ${input.classes}`,
      });
    }
    const data: DataShape = { ...input, labels: [], labelKind: two ? 'binary' : 'class_index' };
    if (two) data.classes = 2;
    else if (classes !== undefined) data.classes = classes;
    return { data };
  },
  shapeCases: [
    { params: { classes: 3 }, input: { features: [4], labels: [], labelKind: 'unknown' }, output: { labels: [], labelKind: 'class_index', classes: 3 } },
    { input: { features: [4], labels: [], labelKind: 'binary', classes: 2 }, output: { labelKind: 'binary', classes: 2 } },
    { input: { features: [4], labels: [], labelKind: 'continuous' }, error: 'data/not-categorical' },
    { params: { column: 'colour' }, input: table, error: 'data/missing-column' },
    { params: { column: 'sepal_width' }, input: table, output: { features: [4], labelKind: 'class_index' } },
  ],
};

export const oneHot: StepEntry = {
  name: 'one_hot',
  category: 'step',
  summary: 'Turns a class-index label into a one-hot vector.',
  docs: 'Label `k` becomes a vector of `classes` zeros with a one at position k, the form `categorical_crossentropy` expects.',
  params: [{ name: 'classes', type: { kind: 'int', min: 2 }, doc: 'Number of classes (default: the number the source declares).' }],
  formulas: [{ label: 'one-hot', latex: 'e_k = (0, \\dots, 0, \\underbrace{1}_{k}, 0, \\dots, 0) \\in \\{0,1\\}^K', unicode: 'eₖ = (0, …, 1 at k, …, 0) ∈ {0,1}ᴷ' }],
  tfjs: 'tf.oneHot',
  aliases: ['onehot', 'to_categorical', 'one_hot_encode'],
  primary: 'classes',
  apply(input, { params }) {
    const classes = (params.classes as number | undefined) ?? input.classes;
    if (input.labelKind === 'one_hot') {
      return { error: { code: 'data/already-one-hot', message: 'The labels are already one-hot; remove this step.' } };
    }
    if (input.labelKind === 'continuous') {
      return { error: { code: 'data/not-categorical', message: '`one_hot` needs class labels, but the labels are continuous values.' } };
    }
    if (classes === undefined) {
      return { error: { code: 'data/classes-unknown', param: 'classes', message: '`one_hot` needs `classes`: the source does not say how many classes there are.' } };
    }
    if (input.classes !== undefined && input.classes !== classes) {
      return {
        error: {
          code: 'data/classes-mismatch',
          param: 'classes',
          message: `\`one_hot\` has classes: ${classes}, but the labels have ${count(input.classes, 'class')}.`,
          action: { kind: 'set_param', param: 'classes', value: input.classes },
          fix: `set classes to ${input.classes}`,
        },
      };
    }
    return { data: { ...input, labels: [classes], labelKind: 'one_hot', classes } };
  },
  shapeCases: [
    { params: { classes: 10 }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10 }, output: { labels: [10], labelKind: 'one_hot' } },
    { params: { classes: 5 }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10 }, error: 'data/classes-mismatch' },
  ],
};

export const keepLabels: StepEntry = {
  name: 'keep_labels',
  category: 'step',
  summary: 'Keeps only the samples whose class is in a list (e.g. digits 5–9), renumbered 0…k−1 by default.',
  docs:
    'Selects a subset of the classes, as `ds.filter(lambda x, y: tf.reduce_any(y == labels))` would in tf.data: samples whose class ' +
    'is not in `labels` are dropped from every part (training, validation, test). Classes are named by index, or by name: the text ' +
    'labels themselves (before `label_encode`, which the step then makes unnecessary), or the names of encoded classes (after ' +
    "`label_encode`, or a source that names its classes: iris's species, an image folder's subfolders). With `remap: true` (the default) the kept " +
    'classes are renumbered in the order listed, so `labels: [5, 6, 7, 8, 9]` gives classes 0…4 for a 5-unit head, and the run keeps ' +
    'the original labels as the class names, so `predict` answers "7", not 2. With `remap: false` the labels and the class count stay ' +
    'as they were. Put it before `one_hot`. When evaluating with labels, the same rows are kept and renumbered; predicting without ' +
    'labels keeps every input.',
  params: [
    { name: 'labels', type: { kind: 'one_of', types: [{ kind: 'ints', minLength: 1, min: 0 }, { kind: 'strings' }] }, required: true, doc: 'The classes to keep, by index or by name (in this order when remapped).' },
    { name: 'remap', type: { kind: 'bool' }, default: true, doc: 'Renumber the kept classes 0…k−1 in the order of `labels` (false: keep their indices and the class count).' },
  ],
  formulas: [
    { label: 'filter', latex: "D' = \\{ (x, y) \\in D : y \\in L \\}, \\quad L = (l_0, \\dots, l_{k-1})", unicode: 'D′ = {(x, y) ∈ D : y ∈ L},  L = (l₀, …, l_{k−1})' },
    { label: 'remap', latex: "y' = i \\text{ where } l_i = y", unicode: 'y′ = i where lᵢ = y' },
  ],
  tfjs: 'rows filtered (and labels renumbered) by the trainer before tensors are built (like tf.data.Dataset.filter)',
  aliases: ['filter_labels', 'keep_classes', 'select_classes', 'filter_classes', 'subset_classes'],
  primary: 'labels',
  apply(input, { params }) {
    const given = Array.isArray(params.labels) ? (params.labels as unknown[]) : params.labels === undefined ? [] : [params.labels];
    const labels = given.filter((v): v is number => typeof v === 'number');
    if (input.labelKind === 'one_hot') {
      return fail('data/already-one-hot', '`keep_labels` selects class indices, but the labels are already one-hot vectors: put it before `one_hot`.');
    }
    if (input.labelKind === 'continuous' || input.labelKind === 'signed') {
      return fail('data/not-categorical', `\`keep_labels\` keeps some class indices, but the labels are ${input.labelKind === 'signed' ? '−1/+1 values' : 'continuous values'}.`);
    }
    const twice = given.find((v, i) => given.indexOf(v) !== i) as number | string | undefined;
    if (twice !== undefined) return fail('data/duplicate-label', `\`keep_labels\` lists ${twice} twice.`, { param: 'labels', fix: `remove the second ${twice}` });
    const outside = input.classes === undefined ? undefined : labels.find((v) => v >= input.classes!);
    if (outside !== undefined) {
      return fail('data/label-range', `\`keep_labels\` keeps class ${outside}, but the labels are class indices 0…${input.classes! - 1}.`, { param: 'labels', fix: `keep class indices in 0…${input.classes! - 1}` });
    }
    const data: DataShape = { ...input };
    delete data.samples;
    if (params.remap !== false && given.length > 0) {
      data.classes = given.length;
      if (input.labelKind === 'unknown' || given.length !== 2) data.labelKind = 'class_index';
    }
    return { data };
  },
  shapeCases: [
    { params: { labels: [5, 6, 7, 8, 9] }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10 }, output: { features: [784], labels: [], labelKind: 'class_index', classes: 5 } },
    { params: { labels: [0, 1], remap: false }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10 }, output: { classes: 10 } },
    { params: { labels: [3, 10] }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10 }, error: 'data/label-range' },
    { params: { labels: [1, 1] }, input: { features: [4], labels: [], labelKind: 'class_index', classes: 3 }, error: 'data/duplicate-label' },
    { params: { labels: ['setosa', 'virginica'] }, input: { features: [4], labels: [], labelKind: 'class_index', classes: 3 }, output: { labelKind: 'class_index', classes: 2 } },
    { params: { labels: ['cat', 'cat'] }, input: { features: [4], labels: [], labelKind: 'unknown' }, error: 'data/duplicate-label' },
    { params: { labels: [1] }, input: { features: [784], labels: [10], labelKind: 'one_hot', classes: 10 }, error: 'data/already-one-hot' },
    { params: { labels: [1] }, input: { features: [1], labels: [], labelKind: 'continuous' }, error: 'data/not-categorical' },
  ],
};
