/** Integration and selection: select, join, concat. */
import { formatShape } from '../../shape';
import { describeNestedSource, missingColumn, stringList } from '../sources';
import type { DataShape, ParamSpec, ShapeProblem, StepEntry } from '../types';
import { fail, image, pixels, requireTable, shapeText, table } from './shared';

export const select: StepEntry = {
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

export const join: StepEntry = {
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

export const concat: StepEntry = {
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
