/** Labels: label_encode, one_hot. */
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
