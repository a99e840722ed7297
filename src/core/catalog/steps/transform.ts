/** Transformation and normalisation: scale, normalize, standardize, reshape. */
import type { DataShape, StepEntry } from '../types';
import { fail, image, pixels, requireNumbers, reviews, shapeText, table, withoutRange } from './shared';

export const scale: StepEntry = {
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

export const normalize: StepEntry = {
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

export const standardize: StepEntry = {
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

export const reshape: StepEntry = {
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
