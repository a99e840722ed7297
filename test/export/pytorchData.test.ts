/**
 * The exported package's data.py against the trainer's own data path (prepareData), in Debian's
 * torch: every built-in dataset, IDX files, an image folder (Pillow), with the trainer's split,
 * gives the samples and labels the trainer trains on, value for value; and the MNIST CNN example
 * trains a short epoch on its built-in data with the exported train.py.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { validateRunRecord } from '../../src/core/protocol/trainer';
import { exportPytorch } from '../../src/export/pytorch';
import { prepareData } from '../../src/trainer/data/pipeline';
import { idx, ROOT, tempDir, workspace } from '../trainer/helpers';
import { hasTorch, python } from './python';
import { example, maxAbsDiff, seeded } from './runs';

const spec = (data: string, input: string, head: string, loss: string) =>
  `version: 1\nname: data\nseed: 7\ndata:\n${data}\nmodel:\n  input: ${input}\n  layers:\n    - flatten\n    - ${head}\ntrain:\n  loss: ${loss}\n  optimizer: adam\n`;
const classifier = (data: string, input: string, k: number) => spec(data, input, `dense: { units: ${k}, activation: softmax }`, 'categorical_crossentropy');

/** A PNG of seeded noise, so resizing has something to interpolate. */
function png(w: number, h: number, seed: number): Buffer {
  const r = seeded(seed);
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256), 255], i * 4);
  return PNG.sync.write(p);
}

const images = (() => {
  const files: Record<string, Buffer> = {};
  [[5, 7], [8, 8], [3, 4], [9, 2]].forEach(([w, h], i) => (files[`pics/${i % 2 ? 'dog' : 'cat'}/${i}.png`] = png(w, h, i + 1)));
  return files;
})();

const BERT = join(ROOT, 'test', 'fixtures', 'hf-bert-small-random');

/** 20 rows of a text column with missing cells, a column mixing numbers and text, a number, and a 0/1 label. */
const COLORS = `color,shape,size,label\n${Array.from({ length: 20 }, (_, i) => `${i % 6 === 5 ? 'NA' : ['red', 'Green', 'blue', 'red'][i % 4]},${['1', 'round', '2', 'square', '10'][i % 5]},${i % 7 === 3 ? '' : (i * 7) % 5},${i % 2}`).join('\n')}\n`;

/** 12 rows of two numbers and a species name (capitalised once, so text order differs from case-blind order). */
const SPECIES = `a,b,species\n${Array.from({ length: 12 }, (_, i) => `${i},${i % 5},${['virginica', 'Setosa', 'versicolor'][i % 3]}`).join('\n')}\n`;

/** 24 rows of a, b, c and a 0/1 label, with missing cells of each kind the trainer reads as missing. */
const TABLE = `a,b,c,label\n${Array.from({ length: 24 }, (_, i) => {
  const cell = (v: number, j: number) => ((i + j) % 7 === 0 ? ['', 'NA', '?'][(i + j) % 3] : String(v));
  return `${cell((i * 37) % 11 + 0.25, 0)},${cell(i % 4, 1)},${cell((i * 13) % 9 - 3.5, 2)},${i % 2}`;
}).join('\n')}\n`;

/** A classifier over t.csv (`table`) with the given label column and pipeline; a quarter held out for validation unless `held` says otherwise. */
const csvCase = (table: string, label: string, pipeline: string, input: string, k: number, held = '\n  validation: { split: 0.25 }') => ({
  spec: classifier(`  source:\n    csv: { path: t.csv, label: ${label} }\n  pipeline: [${pipeline}]${held}`, input, k),
  files: { 't.csv': table },
});

const CASES: Record<string, { spec: string; files?: Record<string, string | Uint8Array> }> = {
  mnist: { spec: readFileSync(example('mnist-cnn'), 'utf8') },
  iris: { spec: classifier('  source: { dataset: iris }\n  pipeline: [standardize, { one_hot: 3 }]\n  validation: { split: 0.2 }', '[4]', 3) },
  xor: { spec: spec('  source: { dataset: { name: xor, samples: 300 } }\n  pipeline: [normalize]\n  validation: { split: 0.25 }\n  test: { split: 0.1 }', '[2]', 'dense: { units: 1, activation: sigmoid }', 'binary_crossentropy') },
  spirals: { spec: spec('  source: { dataset: { name: spirals, samples: 200, noise: 0.2 } }\n  validation: { split: 0.3 }', '[2]', 'dense: { units: 1, activation: sigmoid }', 'binary_crossentropy') },
  linear: { spec: spec('  source: { dataset: { name: linear, samples: 150 } }\n  pipeline: [{ standardize: { mean: [0.5], std: [2] } }]', '[1]', 'dense: { units: 1 }', 'mean_squared_error') },
  keep_labels: { spec: classifier('  source: { dataset: { name: mnist, samples: 600 } }\n  pipeline: [{ keep_labels: [7, 5, 9] }, { scale: 255 }, { one_hot: 3 }]\n  validation: { split: 0.2 }\n  test: { split: 0.1 }', '[784]', 3) },
  keep_labels_no_remap: { spec: classifier('  source: { dataset: iris }\n  pipeline: [{ keep_labels: { labels: [0, 2], remap: false } }, { one_hot: 3 }]\n  validation: { split: 0.2 }', '[4]', 3) },
  // label_encode as the trainer keys labels: text sorted as text; numbers (CSV cells, JSON strings or numbers) by value.
  label_encode_text: csvCase(SPECIES, 'species', 'label_encode, { one_hot: 3 }', '[2]', 3),
  // keep_labels by name: a source's own names (iris), text labels (no label_encode), encoded classes.
  keep_labels_names_iris: { spec: classifier('  source: { dataset: iris }\n  pipeline: [{ keep_labels: [virginica, setosa] }, { one_hot: 2 }]\n  validation: { split: 0.2 }', '[4]', 2) },
  keep_labels_text: csvCase(SPECIES, 'species', '{ keep_labels: [versicolor, Setosa] }, { one_hot: 2 }', '[2]', 2),
  keep_labels_encoded: csvCase(SPECIES, 'species', 'label_encode, { keep_labels: [virginica, Setosa] }, { one_hot: 2 }', '[2]', 2),
  label_encode_numbers: {
    spec: classifier('  source:\n    jsonl: { path: t.jsonl, features: [a], label: grade }\n  pipeline: [label_encode, { one_hot: 3 }]\n  validation: { split: 0.25 }', '[1]', 3),
    files: { 't.jsonl': `${Array.from({ length: 12 }, (_, i) => JSON.stringify({ a: i, grade: [10, '2', '33.0'][i % 3] })).join('\n')}\n` },
  },
  // Missing cells ('', NA, ?), selected columns, filled and dropped rows, with the trainer's statistics.
  table_select_fill_mean: csvCase(TABLE, 'label', '{ select: [c, a] }, { fill_missing: { strategy: mean } }, standardize, { one_hot: 2 }', '[2]', 2),
  table_drop_median_mode: csvCase(TABLE, 'label', '{ drop_missing: { columns: [b] } }, { fill_missing: { strategy: median, columns: [a] } }, { fill_missing: { strategy: most_frequent } }, { one_hot: 2 }', '[3]', 2),
  table_clip_dedupe: csvCase(TABLE, 'label', '{ drop_duplicates: { columns: [b] } }, { clip_outliers: { method: iqr, threshold: 0.5, columns: [a] } }, { clip_outliers: { method: zscore, threshold: 1 } }, { fill_missing: { strategy: mean } }, { one_hot: 2 }', '[3]', 2),
  table_dedupe_rows: csvCase(TABLE + TABLE.split('\n').slice(1, 9).join('\n') + '\n', 'label', 'drop_duplicates, { fill_missing: { strategy: constant, value: -1 } }, { one_hot: 2 }', '[3]', 2),
  table_shuffle: csvCase(TABLE, 'label', 'shuffle, { fill_missing: { strategy: mean } }, { shuffle: { seed: 5, buffer_size: 4 } }, { one_hot: 2 }', '[3]', 2, '\n  validation: { split: 0.25 }\n  test: { split: 0.25 }'),
  // A split step: the steps before it see every sample, the parts go through the rest.
  split_stratified: csvCase(TABLE, 'label', '{ select: [a, c] }, { fill_missing: { strategy: mean } }, { split: { validation: 0.25, test: 0.2, stratify: true } }, standardize, { one_hot: 2 }', '[2]', 2, ''),
  split_seeded: { spec: classifier('  source: { dataset: iris }\n  pipeline: [{ split: { validation: 0.3, seed: 9 } }, standardize, { one_hot: 3 }]', '[4]', 3) },
  // Text feature columns: filled with their most frequent text, encoded by label_encode: { column } (text sorted as text, a column of numbers by value).
  text_columns: csvCase(COLORS, 'label', '{ fill_missing: { strategy: most_frequent, columns: [color] } }, { label_encode: { column: color } }, { label_encode: { column: shape } }, { fill_missing: { strategy: mean } }, standardize, { one_hot: 2 }', '[3]', 2),
  text_rows: csvCase(COLORS, 'label', 'drop_duplicates, { drop_missing: { columns: [size] } }, { fill_missing: { strategy: most_frequent } }, { label_encode: { column: color } }, { select: [color, size] }, { one_hot: 2 }', '[2]', 2),
  table_drop_any: csvCase(TABLE.replace('label', 'kind').replace(/,(0|1)$/gm, (_m, v: string) => `,${v === '1' ? 'yes' : 'no'}`).replace(',yes\n', ',NA\n'), 'kind', 'drop_missing, label_encode, { one_hot: 2 }', '[3]', 2),
  idx: {
    spec: classifier('  source: { idx: { images: i.idx.gz, labels: l.idx, shape: [3, 2] } }\n  pipeline: [{ scale: 255 }, { reshape: [3, 2, 1] }, { one_hot: 4 }]\n  validation: { split: 0.34 }', '[3, 2, 1]', 4),
    files: { 'i.idx.gz': gzipSync(idx(0x08, [6, 6], Array.from({ length: 36 }, (_, i) => (i * 37) % 256))), 'l.idx': idx(0x08, [6], [0, 3, 1, 2, 3, 0]) },
  },
  images_gray: { spec: classifier('  source: { images: { path: pics, image_size: [4, 6], channels: 1 } }\n  pipeline: [{ scale: 255 }, { one_hot: 2 }]', '[4, 6, 1]', 2), files: images },
  // The nine tricky texts of the Hugging Face fixture (accents, punctuation, CJK, long words), tokenized from its folder.
  wordpiece: {
    spec: spec('  source:\n    jsonl: { path: t.jsonl, text: text, label: label, label_type: binary }\n  pipeline:\n    - wordpiece: { from: bert, max_length: 24 }\n  validation: { split: 0.34 }', '[24]', 'embedding: { input_dim: 179, output_dim: 2 }\n    - global_avg_pool1d\n    - dense: { units: 1, activation: sigmoid }', 'binary_crossentropy'),
    files: {
      't.jsonl': (JSON.parse(readFileSync(join(BERT, 'reference-outputs.json'), 'utf8')) as { texts: string[] }).texts.map((text, i) => JSON.stringify({ text, label: i % 2 })).join('\n') + '\n',
      ...Object.fromEntries(['config.json', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json'].map((f) => [`bert/${f}`, readFileSync(join(BERT, f))])),
    },
  },
  images_rgb: { spec: classifier('  source: { images: { path: pics, image_size: 5 } }\n  pipeline: [{ one_hot: 2 }]\n  validation: { split: 0.25 }', '[5, 5, 3]', 2), files: images },
};

const DUMP_PY = String.raw`
import json
from array import array
import data
out = {}
for name, part in data.parts().items():
    x, y = part.tensors
    open(f"{name}.x", "wb").write(array("f", x.flatten().tolist()).tobytes())
    open(f"{name}.y", "wb").write(array("f", y.flatten().tolist()).tobytes())
    out[name] = [list(x.shape), list(y.shape)]
print(json.dumps(out))
`;
const readF32 = (file: string) => new Float32Array(new Uint8Array(readFileSync(file)).buffer);

describe.skipIf(!hasTorch)('data.py reads what the trainer reads', () => {
  it.each(Object.keys(CASES))('%s: every split equals prepareData’s, sample for sample', async (name) => {
    const c = CASES[name];
    const dir = workspace({ 'spec.model.yaml': c.spec, ...(c.files ?? {}) });
    const out = join(tempDir('modelyaml-export-pytorch-data-'), 'pkg');
    exportPytorch(join(dir, 'spec.model.yaml'), { out });
    const p = await python(['-c', DUMP_PY], out, { ...process.env, MODELYAML_DATA_DIR: dir });
    expect(p.code, p.stderr).toBe(0);
    const shapes = JSON.parse(p.stdout) as Record<string, [number[], number[]]>;
    const a = analyze(c.spec);
    const prepared = await prepareData(a.spec, { specDir: dir, seed: a.spec.seed?.value ?? 42, workspace: dir });
    const names = Object.keys(prepared.parts).filter((k) => prepared.parts[k as keyof typeof prepared.parts]);
    expect(Object.keys(shapes).sort()).toEqual(names.sort());
    for (const part of names) {
      const t = prepared.parts[part as keyof typeof prepared.parts]!;
      expect(shapes[part][0]).toEqual([t.n, ...t.shape]);
      // Fitted from the spec, standardize's mean sums in another order: equal to the last float32 bit or two.
      const tolerance = name === 'iris' ? 1e-6 : 0;
      const dx = maxAbsDiff(readF32(join(out, `${part}.x`)), t.x);
      if (dx) console.log(`${name} ${part}: features max |Δ| ${dx.toExponential(2)}`);
      expect(dx, `${part} features`).toBeLessThanOrEqual(tolerance);
      expect(maxAbsDiff(readF32(join(out, `${part}.y`)), t.y), `${part} labels`).toBe(0);
    }
  }, 300_000);

  it('the MNIST CNN example trains a short epoch on its built-in data with the exported train.py', async () => {
    const out = join(tempDir('modelyaml-export-pytorch-data-'), 'pkg');
    exportPytorch(example('mnist-cnn'), { out });
    const p = await python(['train.py', '--epochs', '1', '--max-steps', '10', '--out', 'runs/one'], out, { ...process.env, OMP_NUM_THREADS: '2' });
    expect(p.code, p.stderr).toBe(0);
    const record = validateRunRecord(JSON.parse(readFileSync(join(out, 'runs', 'one', 'run.json'), 'utf8')));
    expect(record.ok && record.value.status).toBe('completed');
    const events = readFileSync(join(out, 'runs', 'one', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; metrics?: Record<string, number> });
    const epoch = events.find((e) => e.type === 'epoch');
    expect(epoch?.metrics?.loss).toBeGreaterThan(0);
    expect(epoch?.metrics?.loss).toBeLessThan(2.4);
  }, 600_000);
});
