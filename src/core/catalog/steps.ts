/**
 * Pipeline steps, applied in order to every sample. `apply` follows the per-sample shape.
 *
 * Steps that learn statistics from the data (fill_missing, clip_outliers, normalize, standardize,
 * tokenize, label_encode) learn them from the training samples only and apply them unchanged to
 * validation and test samples, so no information leaks from the held-out data.
 */
import { formatShape } from '../shape';
import { describeNestedSource, missingColumn, stringList } from './sources';
import type { DataOutcome, DataShape, ParamSpec, ShapeProblem, StepEntry, TokenOptions } from './types';
import { count } from '../plural';

// ---------------------------------------------------------------------------------------------
// Helpers.

function fail(code: string, message: string, extra: Partial<ShapeProblem> = {}): { error: ShapeProblem } {
  return { error: { code, message, ...extra } };
}

const shapeText = (features: DataShape['features']) => (features ? formatShape([null, ...features]) : 'unknown');

/** Numeric steps cannot run on raw text. */
function requireNumbers(step: string, input: DataShape): DataOutcome | undefined {
  if (!input.text) return undefined;
  return fail('data/not-numeric', `\`${step}\` works on numbers, but the features are still text.`, {
    fix: 'add `tokenize` and `pad_sequences` before this step',
  });
}

/** Column steps need a table: one value per column, features of rank 1. */
function requireTable(step: string, input: DataShape): DataOutcome | undefined {
  if (input.text) return fail('data/not-tabular', `\`${step}\` works on table columns, but the features are text.`);
  if (input.features && input.features.length !== 1) {
    return fail('data/not-tabular', `\`${step}\` works on table columns, but the samples have shape ${shapeText(input.features)}, not one value per column.`);
  }
  return undefined;
}

function withoutRange(input: DataShape): DataShape {
  const out = { ...input };
  delete out.valueRange;
  return out;
}

const columnsParam = (what: string): ParamSpec => ({
  name: 'columns',
  type: { kind: 'strings' },
  doc: `The columns to ${what} (default: all of them).`,
});

// Example data for the shape cases.
const table: DataShape = { features: [4], labels: [], labelKind: 'class_index', classes: 3, columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] };
const pixels: DataShape = { features: [784], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 255] };
const image: DataShape = { features: [28, 28, 1], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 1] };
const reviews: DataShape = { features: null, labels: [], labelKind: 'binary', classes: 2, text: true };
const tokens: DataShape = { features: [null], labels: [], labelKind: 'binary', classes: 2, valueRange: [0, 9999] };

// ---------------------------------------------------------------------------------------------
// Cleaning.

const dropMissing: StepEntry = {
  name: 'drop_missing',
  category: 'step',
  summary: 'Removes every sample with a missing value (empty cell, null, NaN).',
  docs:
    'The simplest way to deal with gaps: rows with a missing feature or label are dropped. Fine when few rows are affected; when ' +
    'many are, you lose data and may bias the sample (use `fill_missing` instead). Limit the check to some `columns` if others may be empty.',
  params: [columnsParam('check')],
  formulas: [{ label: 'filter', latex: "D' = \\{ (x, y) \\in D : \\text{no } x_j \\text{ or } y \\text{ is missing} \\}", unicode: 'D′ = {(x, y) ∈ D : no xⱼ or y is missing}' }],
  tfjs: 'rows filtered by the trainer before tensors are built (like tf.data.Dataset.filter)',
  aliases: ['dropna', 'drop_na', 'drop_nulls'],
  primary: 'columns',
  apply(input) {
    return { data: input };
  },
  shapeCases: [{ input: table, output: { features: [4], columns: table.columns } }],
};

const fillMissing: StepEntry = {
  name: 'fill_missing',
  category: 'step',
  summary: 'Replaces missing values with the column mean, median, most frequent value or a constant.',
  docs:
    'Imputation keeps rows that `drop_missing` would throw away. `mean` and `median` use each column\'s statistic over the training ' +
    'samples (median is robust to outliers); `most_frequent` suits categorical codes; `constant` writes `value`. The sample shape does not change.',
  params: [
    { name: 'strategy', type: { kind: 'enum', values: ['mean', 'median', 'most_frequent', 'constant'] }, default: 'mean', doc: 'What to put in place of a missing value.' },
    { name: 'value', type: { kind: 'float' }, doc: 'The constant used by `strategy: constant`.' },
    columnsParam('fill'),
  ],
  formulas: [
    {
      label: 'mean imputation',
      latex: "x'_{ij} = \\begin{cases} x_{ij} & x_{ij} \\text{ present} \\\\ \\bar x_j = \\frac{1}{|T_j|}\\sum_{k \\in T_j} x_{kj} & \\text{missing} \\end{cases}",
      unicode: 'x′ᵢⱼ = xᵢⱼ if present, else x̄ⱼ = (1/|Tⱼ|) Σₖ∈Tⱼ xₖⱼ  (Tⱼ: training rows where column j is present)',
    },
  ],
  tfjs: 'applied by the trainer to the parsed rows before tensors are built',
  aliases: ['fillna', 'impute', 'fill_na'],
  primary: 'strategy',
  apply(input, { params }) {
    const strategy = (params.strategy as string | undefined) ?? 'mean';
    if (strategy === 'constant' && typeof params.value !== 'number') {
      return fail('data/missing-param', '`fill_missing` with `strategy: constant` needs `value`, the number to fill in.', {
        param: 'value',
        action: { kind: 'set_param', param: 'value', value: 0 },
        fix: 'add `value: 0`',
      });
    }
    if (strategy === 'mean' || strategy === 'median') {
      const bad = requireNumbers('fill_missing', input);
      if (bad) return bad;
    }
    return { data: input };
  },
  shapeCases: [
    { params: { strategy: 'median' }, input: table, output: { features: [4] } },
    { params: { strategy: 'constant' }, input: table, error: 'data/missing-param' },
    { params: { strategy: 'constant', value: 0 }, input: table, output: { features: [4] } },
    { params: { strategy: 'mean' }, input: reviews, error: 'data/not-numeric' },
  ],
};

const dropDuplicates: StepEntry = {
  name: 'drop_duplicates',
  category: 'step',
  summary: 'Removes samples identical to an earlier one.',
  docs:
    'Keeps the first of every group of identical rows (compared on `columns`, default all, label included). Duplicates over-weight ' +
    'some samples and, worse, can land in both the training and the validation split, making validation scores too optimistic.',
  params: [columnsParam('compare')],
  formulas: [{ label: 'filter', latex: "D' = \\{ d_i \\in D : d_i \\ne d_k \\ \\forall k < i \\}", unicode: 'D′ = {dᵢ ∈ D : dᵢ ≠ dₖ for every k < i}' }],
  tfjs: 'rows filtered by the trainer before tensors are built',
  aliases: ['dedupe', 'deduplicate', 'drop_duplicate', 'unique'],
  primary: 'columns',
  apply(input) {
    return { data: input };
  },
  shapeCases: [{ input: table, output: { features: [4] } }],
};

const clipOutliers: StepEntry = {
  name: 'clip_outliers',
  category: 'step',
  summary: 'Clips extreme values to bounds from the z-score or the interquartile range.',
  docs:
    'Limits (winsorizes) values far from the rest instead of deleting their rows. `zscore` clips to mean ± threshold·σ ' +
    '(threshold default 3); `iqr` clips to [Q1 − k·IQR, Q3 + k·IQR] (Tukey\'s fences, k default 1.5). Bounds are computed per ' +
    'column on the training samples. Keeps a few wild values from dominating `mean_squared_error` or `normalize`.',
  params: [
    { name: 'method', type: { kind: 'enum', values: ['zscore', 'iqr'] }, default: 'zscore', doc: 'How the bounds are found.' },
    { name: 'threshold', type: { kind: 'float', min: 0, exclusiveMin: true, saneMin: 0.5, saneMax: 10 }, doc: 'How far out the bounds are: σ multiples for `zscore` (default 3), IQR multiples for `iqr` (default 1.5).' },
    columnsParam('clip'),
  ],
  formulas: [
    { label: 'z-score', latex: "x' = \\min(\\max(x,\\ \\mu - t\\sigma),\\ \\mu + t\\sigma)", unicode: 'x′ = min(max(x, μ − tσ), μ + tσ)' },
    { label: 'IQR', latex: "x' = \\min(\\max(x,\\ Q_1 - k\\,\\mathrm{IQR}),\\ Q_3 + k\\,\\mathrm{IQR}),\\quad \\mathrm{IQR} = Q_3 - Q_1", unicode: 'x′ = min(max(x, Q₁ − k·IQR), Q₃ + k·IQR),  IQR = Q₃ − Q₁' },
  ],
  tfjs: 'tf.clipByValue per column with bounds the trainer computes from the training samples',
  aliases: ['clip', 'winsorize', 'remove_outliers'],
  primary: 'method',
  apply(input) {
    const bad = requireNumbers('clip_outliers', input);
    if (bad) return bad;
    return { data: input };
  },
  shapeCases: [
    { params: { method: 'iqr' }, input: table, output: { features: [4] } },
    { input: reviews, error: 'data/not-numeric' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Integration and selection.

const select: StepEntry = {
  name: 'select',
  category: 'step',
  summary: 'Keeps only the listed feature columns, in the listed order.',
  docs:
    'Chooses which columns the model sees: the sample becomes a vector of `columns.length` values. Use it to drop identifiers and ' +
    'leaky columns, or to reorder columns. The label is kept separately and must not be listed.',
  params: [{ name: 'columns', type: { kind: 'strings' }, required: true, doc: 'The feature columns to keep, in order.' }],
  formulas: [{ label: 'projection', latex: "x' = (x_{c_1}, \\dots, x_{c_m})", unicode: 'x′ = (x_c₁, …, x_cₘ)' }],
  tfjs: 'columns picked by the trainer when it builds the feature tensor (like tf.gather on the column axis)',
  aliases: ['columns', 'select_columns', 'keep'],
  primary: 'columns',
  apply(input, { params }) {
    const bad = requireTable('select', input);
    if (bad) return bad;
    const wanted = stringList(params.columns) ?? [];
    if (input.columns) {
      for (const c of wanted) if (!input.columns.includes(c)) return { error: missingColumn('columns', c, input.columns, 'the features', params.columns) };
    }
    return { data: { ...input, features: [wanted.length], columns: wanted } };
  },
  shapeCases: [
    { params: { columns: ['petal_length', 'petal_width'] }, input: table, output: { features: [2], columns: ['petal_length', 'petal_width'] } },
    { params: { columns: ['petal_lenght'] }, input: table, error: 'data/missing-column' },
    { params: { columns: ['a', 'b', 'c'] }, input: { features: [10], labels: [], labelKind: 'continuous' }, output: { features: [3] } },
    { params: { columns: ['a'] }, input: image, error: 'data/not-tabular' },
  ],
};

const sourceParam: ParamSpec = {
  name: 'source',
  type: { kind: 'source' },
  required: true,
  doc: 'The other data source, written like `data.source`, e.g. `{ csv: { path: extra.csv } }`.',
};

/** Describes `join`/`concat`'s nested source; an error is reported on the `source` parameter. */
function describeOther(step: string, value: unknown, host: Parameters<StepEntry['apply']>[1]['host'], labelOptional: boolean): { data?: DataShape; error?: ShapeProblem } {
  const out = describeNestedSource(value, host, { labelOptional });
  if (!out) return {};
  if ('error' in out) return { error: { ...out.error, param: 'source', message: `In the \`${step}\` source: ${out.error.message}` } };
  return { data: out.data };
}

const join: StepEntry = {
  name: 'join',
  category: 'step',
  summary: 'Adds the columns of another table, matching rows on a key column.',
  docs:
    'Data integration: each sample is extended with the columns of the row of `source` whose `on` column has the same value ' +
    '(a database join). `inner` keeps only samples with a match; `left` keeps all and fills the added columns of unmatched ones ' +
    'as missing (follow with `fill_missing`). The key is an identifier, so it is dropped from the features; the other source\'s ' +
    'label, if it names one, is ignored. Both sides must be tables.',
  params: [
    sourceParam,
    { name: 'on', type: { kind: 'string' }, required: true, doc: 'The key column both tables share (e.g. `customer_id`).' },
    { name: 'how', type: { kind: 'enum', values: ['inner', 'left'] }, default: 'inner', doc: '`inner`: keep matched samples only; `left`: keep every sample.' },
  ],
  formulas: [
    {
      label: 'inner join',
      latex: "D' = \\{ (x \\Vert r_{\\setminus k},\\ y) : (x, y) \\in D,\\ r \\in R,\\ x_k = r_k \\}",
      unicode: 'D′ = {(x ‖ r without k, y) : (x, y) ∈ D, r ∈ R, x_k = r_k}',
    },
  ],
  tfjs: 'rows merged by the trainer (a hash join on the key) before tensors are built',
  aliases: ['merge', 'join_source'],
  apply(input, { params, host }) {
    const bad = requireTable('join', input);
    if (bad) return bad;
    const on = params.on as string;
    const other = describeOther('join', params.source, host, true);
    if (other.error) return { error: other.error };
    const right = other.data;
    if (right && (right.text || (right.features && right.features.length !== 1))) {
      return fail('data/not-tabular', `\`join\` needs a table on both sides, but the other source yields ${right.text ? 'text' : `samples of shape ${shapeText(right.features)}`}.`, { param: 'source' });
    }
    // The key is only checkable when the other source's columns came from its file (no `features`).
    const rightParams = (params.source as { params?: Record<string, unknown> } | undefined)?.params;
    if (right?.columns && rightParams?.features === undefined && !right.columns.includes(on)) {
      return { error: missingColumn('on', on, right.columns, 'the joined source') };
    }
    if (!input.columns || !right?.columns) {
      const data = { ...input, features: null };
      delete data.columns;
      return { data };
    }
    const left = input.columns.filter((c) => c !== on);
    const added = right.columns.filter((c) => c !== on);
    const clash = added.filter((c) => left.includes(c));
    if (clash.length) {
      return fail('data/join-collision', `Both tables have the column${clash.length > 1 ? 's' : ''} ${clash.map((c) => `\`${c}\``).join(', ')}.`, {
        param: 'source',
        fix: 'give the other source `features` without them, or `select` different columns first',
      });
    }
    const columns = [...left, ...added];
    return { data: { ...input, features: [columns.length], columns } };
  },
  shapeCases: [
    {
      params: { on: 'id', source: { type: 'csv', params: { path: 'prices.csv', features: ['id', 'price', 'stock'] } } },
      input: { features: [3], labels: [], labelKind: 'continuous', columns: ['id', 'size', 'rooms'] },
      output: { features: [4], columns: ['size', 'rooms', 'price', 'stock'], labelKind: 'continuous' },
    },
    {
      params: { on: 'id', source: { type: 'csv', params: { path: 'prices.csv' } } },
      input: { features: [3], labels: [], labelKind: 'continuous', columns: ['id', 'size', 'rooms'] },
      output: { features: null },
    },
    {
      params: { on: 'id', source: { type: 'csv', params: { path: 'prices.csv', features: ['id', 'size'] } } },
      input: { features: [3], labels: [], labelKind: 'continuous', columns: ['id', 'size', 'rooms'] },
      error: 'data/join-collision',
    },
    { params: { on: 'id', source: { type: 'dataset', params: { name: 'iris' } } }, input: image, error: 'data/not-tabular' },
  ],
};

const concat: StepEntry = {
  name: 'concat',
  category: 'step',
  summary: 'Appends the samples of another source with the same columns.',
  docs:
    'Data integration by rows: the samples of `source` (e.g. another month\'s file) follow those of the main source. Both must ' +
    'yield the same feature shape, the same columns and the same kind of label; the other source\'s samples go through the ' +
    'steps after this one too.',
  params: [sourceParam],
  formulas: [{ label: 'union', latex: "D' = D \\cup D_2", unicode: 'D′ = D ∪ D₂' }],
  tfjs: 'dataset.concatenate(other) (tf.data), or the trainer appends the rows before tensors are built',
  aliases: ['append', 'union', 'concatenate_source'],
  apply(input, { params, host }) {
    const other = describeOther('concat', params.source, host, false);
    if (other.error) return { error: other.error };
    const right = other.data;
    if (!right) return { data: input };
    const mismatch = (what: string) => fail('data/concat-mismatch', `\`concat\` needs matching sources, but ${what}.`, { param: 'source' });
    if (input.features && right.features && formatShape(input.features) !== formatShape(right.features)) {
      return mismatch(`the samples have shape ${shapeText(input.features)} here and ${shapeText(right.features)} in the other source`);
    }
    if (!!input.text !== !!right.text) return mismatch('one source yields text and the other numbers');
    if (input.columns && right.columns && input.columns.join('\u0000') !== right.columns.join('\u0000')) {
      const only = (a: string[], b: string[]) => a.filter((c) => !b.includes(c));
      const missing = only(input.columns, right.columns);
      const extra = only(right.columns, input.columns);
      const detail = missing.length || extra.length
        ? [missing.length ? `the other source lacks ${missing.map((c) => `\`${c}\``).join(', ')}` : '', extra.length ? `it adds ${extra.map((c) => `\`${c}\``).join(', ')}` : ''].filter(Boolean).join(' and ')
        : 'the columns are in a different order';
      return mismatch(detail);
    }
    if (input.labelKind !== 'unknown' && right.labelKind !== 'unknown' && input.labelKind !== right.labelKind) {
      return mismatch(`the labels are ${input.labelKind} here and ${right.labelKind} in the other source`);
    }
    const data: DataShape = {
      ...input,
      features: input.features ?? right.features,
      labels: input.labels ?? right.labels,
      labelKind: input.labelKind !== 'unknown' ? input.labelKind : right.labelKind,
    };
    const columns = input.columns ?? right.columns;
    if (columns) data.columns = columns;
    if (input.classes !== undefined && right.classes !== undefined) data.classes = Math.max(input.classes, right.classes);
    else delete data.classes;
    if (input.valueRange && right.valueRange) data.valueRange = [Math.min(input.valueRange[0], right.valueRange[0]), Math.max(input.valueRange[1], right.valueRange[1])];
    else delete data.valueRange;
    return { data };
  },
  shapeCases: [
    { params: { source: { type: 'dataset', params: { name: 'iris' } } }, input: { features: [4], labels: [], labelKind: 'class_index', classes: 3 }, output: { features: [4], classes: 3 } },
    { params: { source: { type: 'dataset', params: { name: 'iris' } } }, input: pixels, error: 'data/concat-mismatch' },
    { params: { source: { type: 'dataset', params: { name: 'linear' } } }, input: { features: [1], labels: [], labelKind: 'class_index' }, error: 'data/concat-mismatch' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Labels.

const labelEncode: StepEntry = {
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

const oneHot: StepEntry = {
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

// ---------------------------------------------------------------------------------------------
// Text.

/** Punctuation `tokenize` treats as a word break (Keras's Tokenizer `filters`). */
const TOKEN_BREAKS = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~\t\n]/g;

/** A text's tokens as `tokenize` splits it: words (or characters), optionally lower-cased. */
export function splitTokens(text: string, options: TokenOptions): string[] {
  const t = options.lowercase ? text.toLowerCase() : text;
  return options.charLevel ? [...t] : t.replace(TOKEN_BREAKS, ' ').split(/\s+/).filter(Boolean);
}

const tokenize: StepEntry = {
  name: 'tokenize',
  category: 'step',
  summary: 'Splits text into words and replaces each by its vocabulary index.',
  docs:
    'Builds a vocabulary from the training texts (most frequent first) and turns every text into a sequence of integers: 0 is ' +
    'reserved for padding, 1 for `oov_token` (any word outside the vocabulary), the most frequent word is 2, and so on up to ' +
    '`num_words − 1`. Sequences have different lengths, so follow with `pad_sequences`; then an `embedding` layer with ' +
    '`input_dim: num_words` turns the indices into vectors.',
  params: [
    { name: 'num_words', type: { kind: 'int', min: 3 }, default: 10000, doc: 'Vocabulary size including the padding and out-of-vocabulary indices: indices are < num_words.' },
    { name: 'lowercase', type: { kind: 'bool' }, default: true, doc: 'Lower-case the text before splitting.' },
    { name: 'oov_token', type: { kind: 'string' }, default: '<oov>', doc: 'The token that stands for out-of-vocabulary words (index 1).' },
    { name: 'char_level', type: { kind: 'bool' }, default: false, doc: 'Split into characters instead of words.' },
  ],
  formulas: [
    {
      label: 'indexing',
      latex: "t(w) = \\begin{cases} 2 + \\operatorname{rank}(w) & \\operatorname{rank}(w) < n - 2 \\\\ 1 & \\text{otherwise (OOV)} \\end{cases}, \\quad x' = (t(w_1), \\dots, t(w_L))",
      unicode: 't(w) = 2 + rank(w) if rank(w) < n − 2, else 1 (OOV);  x′ = (t(w₁), …, t(w_L))',
    },
  ],
  tfjs: 'a word index built by the trainer from the training texts (tfjs has no tokenizer); the sequences become int32 tensors',
  aliases: ['tokenizer', 'Tokenizer', 'text_to_sequence', 'texts_to_sequences'],
  primary: 'num_words',
  apply(input, { params }) {
    if (!input.text) {
      return fail('data/not-text', `\`tokenize\` works on text, but the features are ${input.features ? `numbers of shape ${shapeText(input.features)}` : 'not text'}.`, {
        fix: 'remove this step, or name the text field with `text:` on a jsonl source',
      });
    }
    const n = (params.num_words as number | undefined) ?? 10000;
    const data: DataShape = { ...input, features: [null], text: false, valueRange: [0, n - 1] };
    delete data.columns;
    return { data };
  },
  shapeCases: [
    { params: { num_words: 5000 }, input: reviews, output: { features: [null], text: false, valueRange: [0, 4999] } },
    { input: table, error: 'data/not-text' },
  ],
};

const padSequences: StepEntry = {
  name: 'pad_sequences',
  category: 'step',
  summary: 'Pads or truncates every sequence to the same length `maxlen`.',
  docs:
    'A batch is one tensor, so its sequences must have equal length. Shorter sequences are filled with `value` (0, the padding index) ' +
    'and longer ones are cut, at the start (`pre`, the Keras default, keeps the end of a text) or the end (`post`). Each sample ' +
    'becomes `[maxlen]` integers. Comes after `tokenize`.',
  params: [
    { name: 'maxlen', type: { kind: 'int', min: 1 }, required: true, doc: 'The length every sequence gets.' },
    { name: 'padding', type: { kind: 'enum', values: ['pre', 'post'] }, default: 'pre', doc: 'Pad at the start (`pre`) or the end (`post`).' },
    { name: 'truncating', type: { kind: 'enum', values: ['pre', 'post'] }, default: 'pre', doc: 'Cut long sequences at the start (`pre`) or the end (`post`).' },
    { name: 'value', type: { kind: 'int' }, default: 0, doc: 'The padding value.' },
  ],
  formulas: [
    {
      label: 'pre-padding',
      latex: "x' = (\\underbrace{v, \\dots, v}_{M - L}, x_1, \\dots, x_L) \\ (L < M), \\quad x' = (x_{L-M+1}, \\dots, x_L) \\ (L \\ge M)",
      unicode: 'x′ = (v, …, v [M−L times], x₁, …, x_L) if L < M;  x′ = (x_(L−M+1), …, x_L) if L ≥ M',
    },
  ],
  tfjs: 'sequences padded by the trainer into one int32 tensor of shape [n, maxlen]',
  aliases: ['pad', 'pad_sequence', 'padding'],
  primary: 'maxlen',
  apply(input, { params }) {
    if (input.text) {
      return fail('data/not-tokenized', '`pad_sequences` needs integer sequences, but the features are still text.', { fix: 'insert `tokenize` before this step' });
    }
    if (input.features && input.features.length !== 1) {
      return fail('data/not-sequence', `\`pad_sequences\` works on sequences (rank 1), but the samples have shape ${shapeText(input.features)}.`);
    }
    const maxlen = params.maxlen as number;
    const v = (params.value as number | undefined) ?? 0;
    const data: DataShape = { ...input, features: [maxlen] };
    if (input.valueRange) data.valueRange = [Math.min(input.valueRange[0], v), Math.max(input.valueRange[1], v)];
    delete data.columns;
    return { data };
  },
  shapeCases: [
    { params: { maxlen: 200 }, input: tokens, output: { features: [200], valueRange: [0, 9999] } },
    { params: { maxlen: 200 }, input: reviews, error: 'data/not-tokenized' },
    { params: { maxlen: 200 }, input: image, error: 'data/not-sequence' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Transformation and normalisation.

const scale: StepEntry = {
  name: 'scale',
  category: 'step',
  summary: 'Divides every feature by a constant (e.g. pixels by 255).',
  docs: 'The simplest normalisation: `x / divisor`. Pixels in [0, 255] become [0, 1].',
  params: [{ name: 'divisor', type: { kind: 'float', min: 0, exclusiveMin: true }, required: true, doc: 'The constant to divide by.' }],
  formulas: [{ label: 'scale', latex: "x' = \\frac{x}{d}", unicode: 'x′ = x / d' }],
  tfjs: 'tf.div',
  aliases: ['rescale', 'divide'],
  primary: 'divisor',
  apply(input, { params }) {
    const bad = requireNumbers('scale', input);
    if (bad) return bad;
    const d = params.divisor as number;
    return { data: { ...input, valueRange: input.valueRange && [input.valueRange[0] / d, input.valueRange[1] / d] } };
  },
  shapeCases: [
    { params: { divisor: 255 }, input: { features: [784], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 255] }, output: { features: [784], valueRange: [0, 1] } },
    { params: { divisor: 255 }, input: reviews, error: 'data/not-numeric' },
  ],
};

const rangeValues = ['zero_one', 'minus_one_one'] as const;

const normalize: StepEntry = {
  name: 'normalize',
  category: 'step',
  summary: 'Min-max scaling of every feature to [0, 1] or [−1, 1].',
  docs:
    'Maps each feature\'s minimum to 0 (or −1) and its maximum to 1, so features measured in different units weigh alike. The ' +
    'minimum and maximum are learned per feature from the training samples, unless `min`/`max` fix them (e.g. 0 and 255 for pixels). ' +
    'Sensitive to outliers (one huge value squashes the rest; see `clip_outliers`); `standardize` is the alternative.',
  params: [
    { name: 'range', type: { kind: 'enum', values: rangeValues }, default: 'zero_one', doc: '`zero_one`: to [0, 1]; `minus_one_one`: to [−1, 1].' },
    { name: 'min', type: { kind: 'float' }, doc: 'A fixed minimum for every feature instead of the learned ones.' },
    { name: 'max', type: { kind: 'float' }, doc: 'A fixed maximum for every feature instead of the learned ones.' },
  ],
  formulas: [
    { label: 'min-max to [0, 1]', latex: "x' = \\frac{x - x_{min}}{x_{max} - x_{min}}", unicode: 'x′ = (x − x_min) / (x_max − x_min)' },
    { label: 'min-max to [−1, 1]', latex: "x' = 2\\,\\frac{x - x_{min}}{x_{max} - x_{min}} - 1", unicode: 'x′ = 2(x − x_min)/(x_max − x_min) − 1' },
  ],
  tfjs: 'tf.sub / tf.div with per-feature tf.min / tf.max of the training tensor',
  aliases: ['min_max', 'minmax', 'MinMaxScaler', 'min_max_scale', 'normalise'],
  primary: 'range',
  apply(input, { params }) {
    const bad = requireNumbers('normalize', input);
    if (bad) return bad;
    const { min, max } = params;
    if (typeof min === 'number' && typeof max === 'number' && !(min < max)) {
      return fail('data/bad-range', `\`normalize\` needs min < max, but min is ${min} and max is ${max}.`, { param: 'max' });
    }
    return { data: { ...input, valueRange: params.range === 'minus_one_one' ? [-1, 1] : [0, 1] } };
  },
  shapeCases: [
    { input: pixels, output: { features: [784], valueRange: [0, 1] } },
    { params: { range: 'minus_one_one' }, input: table, output: { features: [4], valueRange: [-1, 1] } },
    { params: { min: 1, max: 0 }, input: table, error: 'data/bad-range' },
    { input: reviews, error: 'data/not-numeric' },
  ],
};

const standardize: StepEntry = {
  name: 'standardize',
  category: 'step',
  summary: 'Z-score: subtracts the mean and divides by the standard deviation.',
  docs:
    'Centres every feature on 0 with unit variance, which gradient descent converges fastest on and what `selu` and most ' +
    'optimizers assume. The statistics are per entry of the last axis (per column of a table, per channel of an image), learned ' +
    'from the training samples unless `mean` and `std` give them (one value, or one per entry of the last axis). Outputs are unbounded.',
  params: [
    { name: 'mean', type: { kind: 'floats' }, doc: 'Fixed means μ (one, or one per entry of the last axis) instead of learned ones.' },
    { name: 'std', type: { kind: 'floats' }, doc: 'Fixed standard deviations σ > 0 (one, or one per entry of the last axis).' },
  ],
  formulas: [
    { label: 'z-score', latex: "z = \\frac{x - \\mu}{\\sigma}", unicode: 'z = (x − μ) / σ' },
    {
      label: 'statistics',
      latex: '\\mu = \\frac{1}{N}\\sum_{n} x_n, \\quad \\sigma = \\sqrt{\\frac{1}{N}\\sum_{n} (x_n - \\mu)^2}',
      unicode: 'μ = (1/N) Σₙ xₙ,  σ = √((1/N) Σₙ (xₙ − μ)²)',
    },
  ],
  tfjs: 'tf.sub / tf.div with tf.moments of the training tensor over all axes but the last',
  aliases: ['zscore', 'z_score', 'StandardScaler', 'standard_scale', 'standardise'],
  apply(input, { params }) {
    const bad = requireNumbers('standardize', input);
    if (bad) return bad;
    const last = input.features?.length ? input.features[input.features.length - 1] : null;
    for (const name of ['mean', 'std'] as const) {
      const v = params[name];
      if (!Array.isArray(v)) continue;
      if (last !== null && v.length !== 1 && v.length !== last) {
        return fail('data/stat-length', `\`${name}\` has ${v.length} values, but the last axis of the samples ${shapeText(input.features)} has ${last} entries.`, {
          param: name,
          fix: `give 1 or ${last} values`,
        });
      }
      if (name === 'std' && v.some((s) => typeof s === 'number' && s <= 0)) {
        return fail('data/bad-std', 'Every `std` must be greater than 0.', { param: 'std' });
      }
    }
    return { data: withoutRange(input) };
  },
  shapeCases: [
    { input: table, output: { features: [4] } },
    { params: { mean: [0.5, 0.4], std: [0.2, 0.2] }, input: { features: [32, 32, 3], labels: [], labelKind: 'class_index' }, error: 'data/stat-length' },
    { params: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.2, 0.2] }, input: { features: [32, 32, 3], labels: [], labelKind: 'class_index' }, output: { features: [32, 32, 3] } },
  ],
};

const reshape: StepEntry = {
  name: 'reshape',
  category: 'step',
  summary: 'Rearranges each sample\'s values into a new shape with the same count.',
  docs:
    'Reads the values in order and lays them out in `shape`, e.g. 784 pixels into `[28, 28, 1]` for a `conv2d` network. The ' +
    'number of values must not change; one entry may be −1, meaning "whatever makes the count match".',
  params: [{ name: 'shape', type: { kind: 'ints', minLength: 1, min: -1 }, required: true, doc: 'The new per-sample shape (no batch axis); at most one −1.' }],
  formulas: [{ label: 'element count', latex: "\\prod_i d'_i = \\prod_j d_j", unicode: '∏ d′ᵢ = ∏ dⱼ' }],
  tfjs: 'tf.reshape(x, [-1, ...shape])',
  aliases: ['view', 'Reshape'],
  primary: 'shape',
  apply(input, { params }) {
    const bad = requireNumbers('reshape', input);
    if (bad) return bad;
    const shape = (params.shape as number[]) ?? [];
    if (shape.some((d) => d === 0 || d < -1) || shape.filter((d) => d === -1).length > 1) {
      return fail('data/reshape-shape', `\`reshape\` needs positive sizes and at most one −1, but shape is ${JSON.stringify(shape)}.`, { param: 'shape' });
    }
    const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const count = input.features && input.features.every((d) => d !== null) ? (input.features as number[]).reduce((a, b) => a * b, 1) : null;
    if (count === null) return { data: { ...input, features: shape.map((d) => (d === -1 ? null : d)) } };
    const hasWild = shape.includes(-1);
    if (hasWild ? count % known !== 0 : known !== count) {
      return fail(
        'data/reshape-size',
        `\`reshape\` to ${JSON.stringify(shape)} needs ${hasWild ? `a multiple of ${known}` : known} values per sample, but the samples ${shapeText(input.features)} have ${count}.`,
        { param: 'shape' },
      );
    }
    const features = shape.map((d) => (d === -1 ? count / known : d));
    const data: DataShape = { ...input, features };
    if (features.length !== 1) delete data.columns;
    return { data };
  },
  shapeCases: [
    { params: { shape: [28, 28, 1] }, input: pixels, output: { features: [28, 28, 1] } },
    { params: { shape: [-1] }, input: image, output: { features: [784] } },
    { params: { shape: [28, -1] }, input: pixels, output: { features: [28, 28] } },
    { params: { shape: [28, 28, 3] }, input: pixels, error: 'data/reshape-size' },
    { params: { shape: [10, 10] }, input: { features: null, labels: [], labelKind: 'unknown' }, output: { features: [10, 10] } },
  ],
};

// ---------------------------------------------------------------------------------------------
// Order, augmentation and splitting.

const shuffle: StepEntry = {
  name: 'shuffle',
  category: 'step',
  summary: 'Puts the samples in a random (seeded) order.',
  docs:
    'Files are often sorted (by class, by date); training on sorted data lets each batch see only one kind of sample. Shuffling ' +
    'with the spec\'s `seed` keeps runs reproducible. `buffer_size` shuffles within a sliding window instead of the whole dataset ' +
    '(less memory, less random). The trainer also reshuffles the training samples every epoch.',
  params: [
    { name: 'buffer_size', type: { kind: 'int', min: 1 }, doc: 'Size of the shuffle window (default: the whole dataset, a perfect shuffle).' },
    { name: 'seed', type: { kind: 'int', min: 0 }, doc: 'Seed of this shuffle (default: the spec\'s `seed`).' },
  ],
  formulas: [{ label: 'permutation', latex: "x'_i = x_{\\pi(i)}, \\quad \\pi \\sim \\mathcal{U}(S_N)", unicode: 'x′ᵢ = x_π(i),  π a uniformly random permutation of 1…N' }],
  tfjs: 'tf.data.Dataset.shuffle(bufferSize, seed), or tf.util.shuffle on the sample indices with a seeded generator',
  aliases: ['shuffled', 'permute'],
  primary: 'buffer_size',
  apply(input) {
    return { data: input };
  },
  shapeCases: [{ params: { seed: 7 }, input: pixels, output: { features: [784], valueRange: [0, 255] } }],
};

const augment: StepEntry = {
  name: 'augment',
  category: 'step',
  summary: 'Random flips and Gaussian noise on training images, a fresh draw each epoch.',
  docs:
    'Data augmentation shows the model slightly different versions of each training image every epoch, so it learns what does not ' +
    'change under a flip or a little noise instead of memorising pixels. Only training samples are augmented; validation and test ' +
    'samples pass unchanged. Flips need image-shaped samples `[height, width]` or `[height, width, channels]` (add `reshape` first); ' +
    'choose flips that keep the label true (a vertical flip turns a 6 into a 9).',
  params: [
    { name: 'flip', type: { kind: 'enum', values: ['none', 'horizontal', 'vertical', 'both'] }, default: 'none', doc: 'Mirror each image with probability ½ along this axis (`both`: each axis independently).' },
    { name: 'noise', type: { kind: 'float', min: 0, saneMax: 1 }, default: 0, doc: 'Standard deviation σ of Gaussian noise added to every value (in the units of the values at this point).' },
  ],
  formulas: [
    { label: 'horizontal flip', latex: "x'_{i,j,c} = x_{i,\\,W-1-j,\\,c}", unicode: 'x′ᵢ,ⱼ,c = xᵢ,W−1−j,c' },
    { label: 'noise', latex: "x' = x + \\varepsilon, \\quad \\varepsilon \\sim \\mathcal{N}(0, \\sigma^2)", unicode: 'x′ = x + ε,  ε ~ N(0, σ²)' },
  ],
  tfjs: 'tf.image.flipLeftRight / tf.reverse along the height axis, and tf.randomNormal added, per training batch',
  aliases: ['augmentation', 'data_augmentation', 'random_flip', 'noise'],
  primary: 'flip',
  apply(input, { params }) {
    const bad = requireNumbers('augment', input);
    if (bad) return bad;
    const flip = (params.flip as string | undefined) ?? 'none';
    if (flip !== 'none' && input.features && input.features.length < 2) {
      return fail('data/not-image', `\`augment\` flips images, but the samples have shape ${shapeText(input.features)}.`, {
        param: 'flip',
        fix: 'add `reshape: { shape: [height, width, channels] }` before this step',
      });
    }
    const noise = (params.noise as number | undefined) ?? 0;
    return { data: noise > 0 ? withoutRange(input) : input };
  },
  shapeCases: [
    { params: { flip: 'horizontal' }, input: image, output: { features: [28, 28, 1], valueRange: [0, 1] } },
    { params: { flip: 'horizontal' }, input: pixels, error: 'data/not-image' },
    { params: { noise: 0.1 }, input: table, output: { features: [4] } },
  ],
};

const split: StepEntry = {
  name: 'split',
  category: 'step',
  summary: 'Holds out fractions of the samples for validation and testing at this point of the pipeline.',
  docs:
    'Divides the samples (after a seeded shuffle) into training, validation and test parts. Steps before `split` see all samples; ' +
    'steps after it that learn statistics (`fill_missing`, `normalize`, `standardize`, `tokenize`, …) learn them from the training ' +
    'part only, so nothing about the held-out samples leaks into training. Without a `split` step, `data.validation: { split }` and ' +
    '`data.test: { split }` split the samples right after the source, before the pipeline. Use one or the other. `stratify` keeps ' +
    'the class proportions equal in every part.',
  params: [
    { name: 'validation', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0.1, doc: 'Fraction of the samples held out for validation (reported every epoch, used by early stopping).' },
    { name: 'test', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0, doc: 'Fraction held out for a final test, evaluated once after training.' },
    { name: 'stratify', type: { kind: 'bool' }, default: false, doc: 'Split each class separately so every part has the same class proportions.' },
    { name: 'seed', type: { kind: 'int', min: 0 }, doc: 'Seed of the split (default: the spec\'s `seed`).' },
  ],
  formulas: [
    {
      label: 'sizes',
      latex: 'N_{val} = \\lfloor v N \\rfloor, \\quad N_{test} = \\lfloor t N \\rfloor, \\quad N_{train} = N - N_{val} - N_{test}',
      unicode: 'N_val = ⌊vN⌋,  N_test = ⌊tN⌋,  N_train = N − N_val − N_test',
    },
  ],
  tfjs: 'sample indices shuffled with the seed and sliced by the trainer; the validation part goes to model.fit as validationData',
  aliases: ['train_test_split', 'holdout', 'validation_split'],
  primary: 'validation',
  apply(input, { params }) {
    const v = (params.validation as number | undefined) ?? 0.1;
    const t = (params.test as number | undefined) ?? 0;
    if (v + t >= 1) {
      return fail('data/split-fractions', `\`split\` holds out ${v} + ${t} = ${+(v + t).toFixed(6)} of the samples, leaving none for training.`, {
        param: 'validation',
        fix: 'make validation + test less than 1 (e.g. 0.1 and 0.1)',
      });
    }
    return { data: input };
  },
  shapeCases: [
    { params: { validation: 0.2, test: 0.1 }, input: table, output: { features: [4] } },
    { params: { validation: 0.6, test: 0.5 }, input: table, error: 'data/split-fractions' },
  ],
};

export const steps: readonly StepEntry[] = [
  dropMissing,
  fillMissing,
  dropDuplicates,
  clipOutliers,
  select,
  join,
  concat,
  labelEncode,
  oneHot,
  tokenize,
  padSequences,
  scale,
  normalize,
  standardize,
  reshape,
  shuffle,
  augment,
  split,
];
