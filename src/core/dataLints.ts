/**
 * Checks of the data against the model that need the data itself, through the host's bounded
 * reads: token ids that overflow an embedding (an error: training would crash), and the lints a
 * careful practitioner applies (warnings): unscaled inputs, a label leaked into the features,
 * constant features, imbalanced classes, a validation split smaller than one batch. Each comes
 * with the edit that fixes it.
 */
import type { DataHost, DataShape, TableReadOptions, TableStats } from './catalog/types';
import type { DiagnosticSink, Fix, Range } from './diagnostics';
import type { LayerInfo, ModelInfo } from './infer';
import type { ItemNode, Spec } from './spec';

export interface DataLintInput {
  spec: Spec;
  model: ModelInfo | undefined;
  /** What the pipeline yields, when it could be followed. */
  data: DataShape | undefined;
  host: DataHost;
  /** The spec's text (for edits that insert a pipeline step). */
  text: string;
  /** `train.batch_size` with its default applied; undefined when the spec cannot be trained. */
  batchSize: number | undefined;
}

export function lintData(input: DataLintInput, sink: DiagnosticSink): void {
  const table = tableSource(input.spec, input.host);
  checkVocabulary(input, sink);
  if (table?.stats) checkTableIds(input, table, sink);
  checkUnscaled(input, table, sink);
  if (table?.stats) {
    checkFeatureColumns(table, sink);
    checkImbalance(input, table, sink);
  }
  checkValidationSize(input, table, sink);
}

// ---------------------------------------------------------------------------------------------
// The source file, when it is a table the host can read.

interface TableSource {
  item: ItemNode;
  format: 'csv' | 'jsonl';
  path: string;
  read: TableReadOptions;
  label?: string;
  /** The feature columns (`features`, or every column but the label); undefined for text. */
  features?: string[];
  text?: string;
  stats?: TableStats;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

function tableSource(spec: Spec, host: DataHost): TableSource | undefined {
  const item = spec.data?.source;
  if (!item?.known || (item.type !== 'csv' && item.type !== 'jsonl')) return undefined;
  const p = item.params;
  if (typeof p.path !== 'string') return undefined;
  const read: TableReadOptions = item.type === 'csv' ? { delimiter: typeof p.delimiter === 'string' ? p.delimiter : undefined, header: p.header !== false } : {};
  const src: TableSource = { item, format: item.type, path: p.path, read };
  if (typeof p.label === 'string') src.label = p.label;
  if (typeof p.text === 'string') src.text = p.text;
  let stats: TableStats | undefined;
  try {
    stats = host.tableStats?.(p.path, item.type, read);
  } catch {
    stats = undefined; // a host that cannot read the file leaves the lints silent
  }
  if (stats) {
    // `columns` names the csv's columns itself (for a file without a header, or to rename).
    const names = Array.isArray(p.columns) ? p.columns.map(String) : undefined;
    if (names && names.length === stats.columns.length) {
      const rename = new Map(stats.columns.map((c, i) => [c.name, names[i]]));
      stats = { ...stats, columns: stats.columns.map((c, i) => ({ ...c, name: names[i] })), identical: stats.identical.map((g) => g.map((n) => rename.get(n) ?? n)) };
    }
    src.stats = stats;
  }
  if (!src.text) {
    const listed = Array.isArray(p.features) ? p.features.map(String) : typeof p.features === 'string' ? [p.features] : undefined;
    src.features = listed ?? stats?.columns.map((c) => c.name).filter((c) => c !== src.label);
  }
  return src;
}

// ---------------------------------------------------------------------------------------------
// Edits.

/** The step that is the pipeline's last item, with the text that appends `step` after it. */
function appendStepFix(input: DataLintInput, step: string, title: string): Fix | undefined {
  const data = input.spec.data;
  if (!data) return undefined;
  const { text } = input;
  const last = data.pipeline[data.pipeline.length - 1];
  if (last) {
    const lineStart = text.lastIndexOf('\n', last.range.start - 1) + 1;
    const prefix = text.slice(lineStart, last.range.start);
    if (/^\s*-\s+$/.test(prefix)) {
      let end = text.indexOf('\n', last.range.end);
      if (end < 0) end = text.length;
      return { kind: 'replace', range: { start: end, end }, text: `\n${prefix}${step}`, title };
    }
    return { kind: 'replace', range: { start: last.range.end, end: last.range.end }, text: `, { ${step} }`, title };
  }
  // No steps: `pipeline: []` gets one, a data section without `pipeline` gets the key.
  const empty = /\bpipeline\s*:\s*(\[\s*\])/.exec(text.slice(data.range.start, data.range.end));
  if (empty) {
    const start = data.range.start + empty.index + empty[0].length - empty[1].length;
    return { kind: 'replace', range: { start, end: start + empty[1].length }, text: `[{ ${step} }]`, title };
  }
  return { kind: 'add_key', parentRange: data.range, key: 'pipeline', value: `[{ ${step} }]`, title };
}

const paramRange = (item: ItemNode, param: string): Range => item.given.get(param)?.valueRange ?? item.typeRange;

function setFeaturesFix(table: TableSource, keep: string[], title: string): Fix[] {
  return keep.length ? [{ kind: 'set_param', itemRange: table.item.range, param: 'features', value: keep, title }] : [];
}

// ---------------------------------------------------------------------------------------------
// Token ids against the embedding's table.

/** Layers that look token ids up in a table, and the parameter that sizes it. */
const idTables: Record<string, string> = { embedding: 'input_dim', positional_embedding: 'vocab_size' };

function checkVocabulary(input: DataLintInput, sink: DiagnosticSink): void {
  const { spec, model, data } = input;
  const tokenize = spec.data?.pipeline.find((s) => s.known && s.type === 'tokenize');
  if (!tokenize || !model || !data?.valueRange) return;
  const numWords = tokenize.params.num_words as number;
  const staticMax = data.valueRange[1];
  const pad = spec.data?.pipeline.find((s) => s.known && s.type === 'pad_sequences');
  const padValue = typeof pad?.params.value === 'number' ? pad.params.value : 0;
  const source = spec.data?.source;
  const field = source?.known && source.type === 'jsonl' && typeof source.params.text === 'string' ? source.params.text : undefined;
  const path = source?.params.path;
  let words;
  try {
    words = field && typeof path === 'string' ? input.host.vocabulary?.(path, 'jsonl', field, { lowercase: tokenize.params.lowercase !== false, charLevel: tokenize.params.char_level === true }) : undefined;
  } catch {
    words = undefined;
  }
  // Ids from the words the text holds: 0 padding, 1 unknown words, 2… the words by frequency.
  const realMax = words ? Math.min(staticMax, Math.max(words.count + 1, padValue)) : undefined;
  for (const { layer, param, dim } of idLayers(model)) {
    if (staticMax >= dim) reportIdOverflow(input, { layer, param, dim, tokenize, numWords, staticMax, realMax, words, path: String(path) }, sink);
  }
}

/** Embedding layers fed the model input directly, with the size of their table. */
function idLayers(model: ModelInfo): { layer: LayerInfo; param: string; dim: number }[] {
  const out = [];
  for (const l of model.layers) {
    const param = idTables[l.layer.type];
    const dim = param ? l.layer.params[param] : undefined;
    if (param && l.layer.known && typeof dim === 'number' && l.sources.some((s) => 'input' in s)) out.push({ layer: l, param, dim });
  }
  return out;
}

/** Steps that leave the feature values as the file holds them. */
const KEEPS_VALUES = new Set(['shuffle', 'drop_missing', 'drop_duplicates', 'select', 'columns', 'one_hot', 'reshape', 'split']);

/** Integer ids read from table columns (no `tokenize`): the largest value read against the table. */
function checkTableIds(input: DataLintInput, table: TableSource, sink: DiagnosticSink): void {
  const { spec, model } = input;
  if (!model || !table.features || !spec.data!.pipeline.every((s) => KEEPS_VALUES.has(s.type))) return;
  const features = input.data?.columns ?? table.features;
  const columns = table.stats!.columns.filter((c) => features.includes(c.name) && c.stats.numeric);
  if (!columns.length) return;
  const top = columns.reduce((a, b) => (b.stats.max! > a.stats.max! ? b : a));
  const max = top.stats.max!;
  for (const { layer, param, dim } of idLayers(model)) {
    if (max < dim) continue;
    sink.error(
      'data/vocabulary-overflow',
      paramRange(layer.layer, param),
      `\`${param}\` is ${dim}, but the feature \`${top.name}\` holds ids up to ${max} in ${table.stats!.rows.complete ? 'every row' : 'the rows read'} of \`${table.path}\`: ids from ${dim} on have no row in the table, and training would fail. Fix: set \`${param}: ${Math.floor(max) + 1}\`.`,
      { fixes: [{ kind: 'set_param', itemRange: layer.layer.range, param, value: Math.floor(max) + 1, title: `Set \`${param}\` to ${Math.floor(max) + 1}` }] },
    );
  }
}

interface IdOverflow {
  layer: LayerInfo;
  param: string;
  dim: number;
  tokenize: ItemNode;
  numWords: number;
  staticMax: number;
  realMax: number | undefined;
  words: { count: number; complete: boolean } | undefined;
  path: string;
}

function reportIdOverflow(input: DataLintInput, o: IdOverflow, sink: DiagnosticSink): void {
  const { layer, param, dim, tokenize, numWords, realMax, words } = o;
  const range = paramRange(layer.layer, param);
  const related = [{ message: `\`tokenize\` (num_words ${numWords})`, range: tokenize.typeRange }];
  const shrink: Fix[] = dim >= 3 ? [{ kind: 'set_param', itemRange: tokenize.range, param: 'num_words', value: dim, title: `Set \`num_words\` to ${dim}` }] : [];
  const counted = words && `\`${o.path}\` holds ${words.complete ? '' : 'at least '}${plural(words.count, 'distinct word')}`;
  if (realMax !== undefined && realMax < dim && words?.complete) {
    sink.warning(
      'data/vocabulary-headroom',
      range,
      `\`${param}\` is ${dim}, but \`tokenize: { num_words: ${numWords} }\` allows ids up to ${numWords - 1}. This data fits (${counted}, so the ids reach ${realMax}), but more words would give ids with no row in the table and training would fail. Fix: set \`num_words: ${dim}\`.`,
      { fixes: shrink, related },
    );
    return;
  }
  const max = realMax !== undefined && realMax >= dim ? realMax : o.staticMax;
  const why = max === numWords - 1 ? `\`tokenize: { num_words: ${numWords} }\` gives ids up to ${max}` : `${counted}, so \`tokenize\` gives ids up to ${max} (0 is padding, 1 an unknown word)`;
  sink.error(
    'data/vocabulary-overflow',
    range,
    `\`${param}\` is ${dim}, but ${why}: ids from ${dim} on have no row in the table, and training would fail. Fix: set \`${param}: ${max + 1}\`${shrink.length ? `, or \`num_words: ${dim}\` to keep the ${dim - 2} most frequent words` : ''}.`,
    { fixes: [{ kind: 'set_param', itemRange: layer.layer.range, param, value: max + 1, title: `Set \`${param}\` to ${max + 1}` }, ...shrink], related },
  );
}

// ---------------------------------------------------------------------------------------------
// Unscaled inputs.

/** Inputs beyond this magnitude saturate activations and make gradients uneven. */
const SCALE_LIMIT = 100;
/** Steps and first layers that bring features to a small range. */
const SCALING_STEPS = new Set(['scale', 'normalize', 'standardize', 'tokenize']);
const SCALING_LAYERS = new Set(['batch_norm', 'layer_norm', 'embedding', 'positional_embedding']);

function checkUnscaled(input: DataLintInput, table: TableSource | undefined, sink: DiagnosticSink): void {
  const { spec, model, data } = input;
  const source = spec.data?.source;
  if (!source || !model || !data || data.text) return;
  if (spec.data!.pipeline.some((s) => SCALING_STEPS.has(s.type))) return;
  const first = model.layers.filter((l) => l.sources.some((s) => 'input' in s));
  if (!first.length || first.some((l) => SCALING_LAYERS.has(l.layer.type))) return;
  const related = spec.model?.inputs ? [{ message: '`model.input`', range: spec.model.inputs.range }] : undefined;
  if (data.valueRange) {
    const [lo, hi] = data.valueRange;
    const big = Math.max(Math.abs(lo), Math.abs(hi));
    if (big <= SCALE_LIMIT) return;
    const fixes = [appendStepFix(input, `scale: ${big}`, `Add \`scale: ${big}\` to the pipeline`), appendStepFix(input, 'normalize', 'Add `normalize` to the pipeline')];
    sink.warning('data/unscaled-input', source.typeRange, `The features reach the model as values in [${lo}, ${hi}] (raw pixels?): inputs this large saturate activations and slow or stall training. Fix: add \`scale: ${big}\` (to [${lo / big}, ${hi / big}]) or \`normalize\` to the pipeline.`, {
      fixes: fixes.filter((f): f is Fix => !!f),
      related,
    });
    return;
  }
  if (!table?.stats || !table.features) return;
  const wide = table.stats.columns.filter((c) => table.features!.includes(c.name) && c.stats.numeric && Math.max(Math.abs(c.stats.min!), Math.abs(c.stats.max!)) > SCALE_LIMIT);
  if (!wide.length) return;
  const shown = wide.slice(0, 3).map((c) => `\`${c.name}\` (${c.stats.min}…${c.stats.max})`).join(', ');
  const fix = appendStepFix(input, 'standardize', 'Add `standardize` to the pipeline');
  sink.warning('data/unscaled-input', source.typeRange, `Features reach the model unscaled: ${shown}${wide.length > 3 ? `, and ${wide.length - 3} more` : ''}. Large inputs saturate activations and let one feature dominate the gradients. Fix: add \`standardize\` (or \`normalize\`) to the pipeline.`, {
    fixes: fix ? [fix] : [],
    related,
  });
}

// ---------------------------------------------------------------------------------------------
// Feature columns: a copy of the label, constants.

function checkFeatureColumns(table: TableSource, sink: DiagnosticSink): void {
  const stats = table.stats!;
  const features = table.features;
  if (!features?.length) return;
  const range = paramRange(table.item, 'features');
  const rowsRead = stats.rows.complete ? `every row of \`${table.path}\`` : `the first ${plural(stats.rows.count, 'row')} of \`${table.path}\``;
  if (table.label && stats.rows.count >= 2) {
    const copies = stats.identical.find((g) => g.includes(table.label!))?.filter((c) => c !== table.label && features.includes(c)) ?? [];
    if (copies.length) {
      const keep = features.filter((f) => !copies.includes(f));
      sink.warning('data/label-leak', range, `The feature ${copies.map((c) => `\`${c}\``).join(', ')} equals the label \`${table.label}\` in ${rowsRead}: the model would be given the answer, and its scores would mean nothing. Fix: remove ${copies.length === 1 ? 'it' : 'them'} from \`features\`.`, {
        fixes: setFeaturesFix(table, keep, `Remove ${copies.map((c) => `\`${c}\``).join(', ')} from \`features\``),
      });
    }
  }
  const constant = stats.columns.filter((c) => features.includes(c.name) && c.stats.values >= 2 && c.stats.distinct === 1);
  if (!constant.length) return;
  const names = constant.map((c) => `\`${c.name}\``).join(', ');
  const values = constant.map((c) => Object.keys(c.stats.counts ?? {})[0]).join(', ');
  sink.warning('data/constant-feature', range, `${constant.length === 1 ? 'The feature' : 'The features'} ${names} ${constant.length === 1 ? 'holds' : 'hold'} one value (${values}) in ${rowsRead}: ${constant.length === 1 ? 'it carries' : 'they carry'} no information, and \`standardize\` would divide by a zero spread. Fix: remove ${constant.length === 1 ? 'it' : 'them'} from \`features\`.`, {
    fixes: setFeaturesFix(
      table,
      features.filter((f) => !constant.some((c) => c.name === f)),
      `Remove ${names} from \`features\``,
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// Class imbalance.

/** The minority class below 1/IMBALANCE of the majority counts as strongly imbalanced. */
const IMBALANCE = 5;
const ACCURACY_METRICS = new Set(['accuracy', 'binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy']);
const IMBALANCE_METRICS = new Set(['f1', 'auc', 'precision', 'recall']);

function checkImbalance(input: DataLintInput, table: TableSource, sink: DiagnosticSink): void {
  const { data, spec } = input;
  if (!table.label || !data || data.labelKind === 'continuous' || data.labelKind === 'unknown') return;
  const counts = table.stats!.columns.find((c) => c.name === table.label)?.stats.counts;
  if (!counts) return;
  const classes = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (classes.length < 2) return;
  const metrics = spec.train?.metrics ?? [];
  const accuracy = metrics.find((m) => m.known && ACCURACY_METRICS.has(m.type));
  if (!accuracy || metrics.some((m) => IMBALANCE_METRICS.has(m.type))) return;
  const total = classes.reduce((s, [, n]) => s + n, 0);
  const [major, majorN] = classes[0];
  const [minor, minorN] = classes[classes.length - 1];
  if (majorN < IMBALANCE * minorN) return;
  const pct = (n: number) => `${Math.round((100 * n) / total)}%`;
  sink.warning(
    'data/class-imbalance',
    accuracy.typeRange,
    `The classes are imbalanced: \`${table.label}\` is ${major} in ${pct(majorN)} of the ${plural(total, 'row')} read, ${minor} in only ${pct(minorN)}. Always answering ${major} already scores ${pct(majorN)} \`${accuracy.type}\`, so it hides a model that ignores the rare class. Fix: track \`f1\` or \`auc\`, which count the rare class's hits and misses.`,
    {
      fixes: ['f1', 'auc'].map((m) => ({ kind: 'replace', range: accuracy.typeRange, text: m, title: `Use the metric \`${m}\`` })),
      related: table.item.given.has('label') ? [{ message: 'the label column', range: paramRange(table.item, 'label') }] : undefined,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Validation split against the batch size.

/** Steps after which the source's sample count says nothing about the split's size. */
const ADDS_SAMPLES = new Set(['concat', 'augment']);

function checkValidationSize(input: DataLintInput, table: TableSource | undefined, sink: DiagnosticSink): void {
  const { spec, batchSize } = input;
  const split = spec.data?.validation?.split;
  if (!split || !batchSize || spec.data!.pipeline.some((s) => ADDS_SAMPLES.has(s.type))) return;
  const rows = table?.stats?.rows;
  const samples = input.data?.samples ?? (rows?.complete ? rows.count : undefined);
  if (samples === undefined) return;
  const validation = Math.round(samples * split.value);
  if (validation >= batchSize) return;
  const fixes: Fix[] = [];
  const wanted = Math.ceil((100 * batchSize) / samples) / 100;
  if (wanted <= 0.5) fixes.push({ kind: 'replace', range: split.range, text: String(wanted), title: `Set the validation split to ${wanted}` });
  const smaller = 2 ** Math.floor(Math.log2(Math.max(1, validation)));
  const bs = spec.train?.batchSize;
  if (bs) fixes.push({ kind: 'replace', range: bs.range, text: String(smaller), title: `Set \`batch_size\` to ${smaller}` });
  else if (spec.train) fixes.push({ kind: 'add_key', parentRange: spec.train.range, key: 'batch_size', value: String(smaller), title: `Set \`batch_size\` to ${smaller}` });
  sink.warning(
    'data/validation-too-small',
    split.range,
    `The validation split holds about ${plural(validation, 'sample')} (${split.value} of ${samples.toLocaleString('en-US')}), fewer than one batch of ${batchSize}: its metrics would swing with every sample. Fix: ${wanted <= 0.5 ? `set \`split: ${wanted}\`, or ` : ''}set \`batch_size: ${smaller}\`.`,
    { fixes, related: bs ? [{ message: '`batch_size`', range: bs.range }] : undefined },
  );
}
