/**
 * The whole data path of a spec: source → split (by `data.validation`/`data.test` or a `split`
 * step) → every pipeline step in order → checked, dense parts ready for batching. Deterministic
 * from the seed; the fingerprint hashes what the model will see.
 */
import { createHash } from 'node:crypto';
import { builtinDatasets } from '../../core/catalog';
import { fileExcerpt } from '../../core/catalog/sources';
import type { LabelKind } from '../../core/catalog/types';
import type { ItemNode, ItemValue, Spec } from '../../core/spec';
import { dataRoots } from '../../node/dataPaths';
import { deriveSeed, fail, product } from '../util';
import { PREPROCESSING_SCHEMA_VERSION, type FittedStep, type Preprocessing } from '../../core/protocol/preprocessing';
import { describeInput, loadSource, type SourceContext } from './sources';
import { atInference, splitData, STEP_IMPLS, type StepContext } from './steps';
import { allParts, PART_NAMES, toFloat32, type Data, type Meta, type Parts } from './table';

export interface Prepared {
  parts: Parts;
  meta: Meta;
  featureShape: number[];
  labelShape: number[];
  fingerprint: string;
  files: string[];
  /** The fitted state of the source and every step: the run folder's preprocessing.json. */
  preprocessing: Preprocessing;
}

const itemValue = (n: ItemNode): ItemValue => ({ type: n.type, params: n.params });

function initialMeta(source: ItemValue, loaded: Data): Meta {
  const p = source.params as Record<string, unknown>;
  const classes = typeof p.classes === 'number' ? p.classes : undefined;
  const kinds: Record<string, LabelKind> = { class: 'class_index', binary: 'binary', signed: 'signed', continuous: 'continuous' };
  switch (source.type) {
    case 'dataset': {
      const d = builtinDatasets[p.name as string]?.data;
      return { labelKind: d?.labelKind ?? 'unknown', classes: d?.classes, ...(loaded.labelNames ? { classNames: loaded.labelNames } : {}), splitDone: false };
    }
    case 'images':
      return { labelKind: 'class_index', classes: classes ?? loaded.y.reduce((a, v) => Math.max(a, v), 0) + 1, classNames: loaded.labelNames, splitDone: false };
    case 'idx':
      return { labelKind: 'class_index', classes, splitDone: false };
    default: {
      const kind = kinds[p.label_type as string] ?? (classes !== undefined ? 'class_index' : 'unknown');
      return { labelKind: kind, classes: kind === 'binary' || kind === 'signed' ? 2 : classes, splitDone: false };
    }
  }
}

/**
 * The first cell of a text column that is really text: a column with one text cell keeps all its
 * cells as strings, the numbers among them too ("2"), which are no example of the problem.
 */
function firstText(v: readonly (string | null)[]): number {
  const i = v.findIndex((s) => s !== null && toFloat32(s) === undefined);
  return i >= 0 ? i : v.findIndex((s) => s !== null);
}

/** For a cell that is a number too large for a float32 (`Infinity`, `1e999`), the rest of the message. */
function tooBig(s: string, where: string, steps: string): string | undefined {
  if (Number.isNaN(Number(s)) || s.trim() === '') return undefined;
  return `${fileExcerpt(s)} at ${where}, a number too large for a float32 (at most ±3.4e38): write a smaller value, or leave the cell empty and add ${steps} to the pipeline.`;
}

/** Fails on anything a tensor cannot hold: text left, sequences not padded, missing values. */
export function finalize(d: Data, part: string, meta: Meta): void {
  const at = (i: number) => d.origin?.(i) ?? `${part} sample ${i + 1}`;
  if (d.text) fail('data/text-features', 'The features are still text: add `tokenize` and `pad_sequences` to the pipeline.');
  if (d.seqs) fail('data/not-padded', 'The token sequences have different lengths: add `pad_sequences` after `tokenize`.');
  if (d.strCols?.size) {
    const [c, v] = [...d.strCols][0];
    const i = firstText(v);
    const big = tooBig(v[i]!, at(i), `\`fill_missing\` or \`drop_missing\``);
    if (big) fail('data/not-numeric', `Column \`${c}\` holds ${big}`);
    fail('data/not-numeric', `Column \`${c}\` holds text (e.g. "${fileExcerpt(v[i]!)}" at ${at(i)}): add \`label_encode: { column: ${c} }\` to the pipeline, or leave it out of \`features\`.`);
  }
  if (d.yStr) {
    const i = firstText(d.yStr);
    const big = tooBig(d.yStr[i]!, at(i), '`drop_missing`');
    if (big) fail('data/labels-not-numeric', `The label holds ${big}`);
    fail('data/labels-not-numeric', `The labels are text (e.g. "${fileExcerpt(d.yStr[i]!)}" at ${at(i)}): add \`label_encode\` to the pipeline.`);
  }
  const k = product(d.shape);
  for (let i = 0; i < d.x.length; i++) {
    if (Number.isNaN(d.x[i])) {
      const row = Math.floor(i / k);
      const col = d.columns?.[i % k];
      fail('data/missing-values', `${at(row)}: a missing value${col ? ` in column \`${col}\`` : ''}. Add \`drop_missing\` or \`fill_missing\` to the pipeline.`);
    }
  }
  const ky = product(d.yShape);
  for (let i = 0; i < d.y.length; i++) {
    if (Number.isNaN(d.y[i])) fail('data/missing-values', `${at(Math.floor(i / ky))}: the label is missing. Add \`drop_missing\` to the pipeline.`);
  }
  if (meta.labelKind === 'signed') for (let i = 0; i < d.y.length; i++) if (d.y[i] !== 1 && d.y[i] !== -1) fail('data/label-range', `${at(i)}: label ${d.y[i]} is not −1 or +1 (label_type: signed).`);
  if (meta.labelKind === 'binary') for (let i = 0; i < d.y.length; i++) if (d.y[i] !== 0 && d.y[i] !== 1) fail('data/label-range', `${at(i)}: label ${d.y[i]} is not 0 or 1 (label_type: binary).`);
  if (meta.labelKind === 'class_index') {
    for (let i = 0; i < d.y.length; i++) {
      const v = d.y[i];
      if (!Number.isInteger(v) || v < 0 || (meta.classes !== undefined && v >= meta.classes)) {
        fail('data/label-range', `${at(i)}: label ${v} is not a class index${meta.classes !== undefined ? ` in 0…${meta.classes - 1}` : ''}.`);
      }
    }
  }
}

function inferLabelKind(parts: Parts, meta: Meta): void {
  if (meta.labelKind !== 'unknown') return;
  const y = parts.train.y;
  if (product(parts.train.yShape) !== 1 && parts.train.yShape.length) return;
  const values = Array.from(y);
  if (values.every((v) => v === 0 || v === 1)) {
    meta.labelKind = 'binary';
    meta.classes = 2;
  } else if (values.every((v) => Number.isInteger(v) && v >= 0)) {
    meta.labelKind = 'class_index';
    meta.classes = values.reduce((a, b) => Math.max(a, b), 0) + 1;
  }
  else meta.labelKind = 'continuous';
}

export interface PrepareOptions {
  specDir: string;
  seed: number;
  /** The workspace folder (the CLI's working folder, the extension's workspace): data is read only inside it, its git repository, or MODELYAML_DATA_PATHS. */
  workspace?: string;
  /** Called as each phase starts (progress for the parent). */
  progress?: (message: string) => void;
}

export async function prepareData(spec: Spec, o: PrepareOptions): Promise<Prepared> {
  const data = spec.data;
  if (!data?.source) return fail('data/no-source', 'The spec has no `data.source`.');
  const sctx: SourceContext = { specDir: o.specDir, roots: dataRoots(o.specDir, [o.workspace ?? process.cwd()]), seed: o.seed, files: [] };
  const source = itemValue(data.source);
  o.progress?.(`loading ${source.type} data`);
  const loaded = await loadSource(source, sctx);
  const meta = initialMeta(source, loaded);
  const ctx: StepContext = { ...sctx, meta };
  const hasSplitStep = data.pipeline.some((s) => s.type === 'split');
  let parts: Parts;
  const vFrac = data.validation?.split?.value ?? 0;
  const tFrac = data.test?.split?.value ?? 0;
  if (hasSplitStep || (vFrac === 0 && tFrac === 0)) parts = { train: loaded };
  else {
    parts = splitData(loaded, vFrac, tFrac, deriveSeed(o.seed, 'split'), false);
    meta.splitDone = true;
  }
  if (data.validation?.source) parts.validation = await loadSource(itemValue(data.validation.source), sctx);
  if (data.test?.source) parts.test = await loadSource(itemValue(data.test.source), sctx);
  const steps: FittedStep[] = [];
  for (const step of data.pipeline) {
    const impl = STEP_IMPLS[step.type];
    if (!impl) fail('data/unsupported', `The trainer has no implementation of the pipeline step \`${step.type}\`.`);
    o.progress?.(`pipeline: ${step.type}`);
    const params = step.params as Record<string, unknown>;
    ctx.fitted = {};
    parts = await impl(parts, params, ctx);
    steps.push({ type: step.type, params, atInference: atInference(step.type, params), ...(ctx.fitted.learned ? { fitted: ctx.fitted.learned } : {}) });
  }
  delete ctx.fitted;
  for (const name of PART_NAMES) {
    const d = parts[name];
    if (d && d.n === 0) {
      if (name === 'train') fail('data/empty', 'No training samples are left after the pipeline.');
      delete parts[name];
    }
  }
  inferLabelKind(parts, meta);
  for (const name of PART_NAMES) if (parts[name]) finalize(parts[name]!, name, meta);
  // A scalar label becomes a vector of one: the model's output is (N, 1), and tfjs would
  // otherwise broadcast (N,) against (N, 1) to (N, N) in every loss and metric.
  for (const d of allParts(parts)) if (d.yShape.length === 0) d.yShape = [1];
  const t = parts.train;
  for (const d of allParts(parts)) {
    if (d.shape.join() !== t.shape.join()) fail('data/shape-mismatch', `The ${d === parts.validation ? 'validation' : 'test'} samples have shape [${d.shape}] but the training samples [${t.shape}].`);
  }
  o.progress?.('fingerprinting the data');
  const fingerprint = fingerprintOf(parts);
  const preprocessing: Preprocessing = {
    schemaVersion: PREPROCESSING_SCHEMA_VERSION,
    input: describeInput(source, loaded),
    steps,
    features: { shape: [...t.shape] },
    labels: { kind: meta.labelKind, shape: [...t.yShape], ...(meta.classes !== undefined ? { classes: meta.classes } : {}), ...(meta.classNames ? { names: [...meta.classNames] } : {}) },
    dataFingerprint: fingerprint,
  };
  return { parts, meta, featureShape: t.shape, labelShape: t.yShape, fingerprint, files: sctx.files, preprocessing };
}

/** Hashes what the model will see, part by part. */
function fingerprintOf(parts: Parts): string {
  const h = createHash('sha256');
  for (const name of PART_NAMES) {
    const d = parts[name];
    if (!d) continue;
    h.update(`${name}:${d.n}:${d.shape}:${d.yShape};`);
    h.update(new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength));
    h.update(new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}
