/** Cleaning: drop_missing, fill_missing, drop_duplicates, clip_outliers. */
import type { StepEntry } from '../types';
import { columnsParam, fail, requireNumbers, reviews, table } from './shared';

export const dropMissing: StepEntry = {
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

export const fillMissing: StepEntry = {
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

export const dropDuplicates: StepEntry = {
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

export const clipOutliers: StepEntry = {
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
