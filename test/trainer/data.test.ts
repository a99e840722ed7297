/**
 * Data sources and pipeline steps, in process: every reader on files the test writes, every
 * step's semantics (statistics learned on the training part only), and the errors for corrupt or
 * truncated files, which name the file and the row or byte offset.
 */
import { encode as encodeJpeg } from 'jpeg-js';
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { lookup, type Category } from '../../src/core/catalog';
import { applyFitted } from '../../src/trainer/data/fitted';
import { prepareData } from '../../src/trainer/data/pipeline';
import { loadSource, parseIdx, type SourceContext } from '../../src/trainer/data/sources';
import { STEP_IMPLS, type StepContext } from '../../src/trainer/data/steps';
import type { Parts } from '../../src/trainer/data/table';
import { TrainerError } from '../../src/trainer/util';
import { failure, idx, workspace } from './helpers';

const ctx = (dir: string): SourceContext => ({ specDir: dir, seed: 1, files: [] });

function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(p);
}

/** Prepares the data of a spec written to a temp folder (with extra files). */
async function prepare(yaml: string, files: Record<string, string | Uint8Array> = {}) {
  const dir = workspace({ 's.model.yaml': yaml, ...files });
  const a = analyze(yaml);
  const errors = a.diagnostics.filter((d) => d.severity === 'error' && !d.code.startsWith('data/input') && !d.code.startsWith('shape/') && !d.code.startsWith('loss/'));
  expect(errors.map((d) => d.message)).toEqual([]);
  return prepareData(a.spec, { specDir: dir, seed: 7 });
}

const spec = (source: string, pipeline: string[] = [], extra = '') => `version: 1
name: t
seed: 7
data:
  source: ${source}
  pipeline: [${pipeline.join(', ')}]
${extra}
model:
  input: [2]
  layers: [{ dense: { units: 1 } }]
train: { loss: mean_squared_error }
`;

afterEach(() => {
  delete process.env.MODELYAML_MAX_DATA_MB;
});

describe('sources', () => {
  it('csv: header, features, label, types, missing values', async () => {
    const dir = workspace({ 'a.csv': 'x,y,colour,label\n1,2,red,0\n3,,blue,1\n5,6,red,1\n' });
    const d = await loadSource({ type: 'csv', params: { path: 'a.csv', label: 'label', header: true, delimiter: ',' } }, ctx(dir));
    expect(d.n).toBe(3);
    expect(d.columns).toEqual(['x', 'y', 'colour']);
    expect(Array.from(d.y)).toEqual([0, 1, 1]);
    expect(d.x[0]).toBe(1);
    expect(Number.isNaN(d.x[4])).toBe(true);
    expect(d.strCols?.get('colour')).toEqual(['red', 'blue', 'red']);
  });

  it('csv: a ragged row names the file and the line', async () => {
    const dir = workspace({ 'a.csv': 'x,y,label\n1,2,0\n3,4\n' });
    const e = await failure(loadSource({ type: 'csv', params: { path: 'a.csv', label: 'label' } }, ctx(dir)));
    expect(e.code).toBe('data/csv-ragged');
    expect(e.message).toMatch(/a\.csv:3: this row has 2 fields, but the header has 3 columns/);
    expect(e.where.row).toBe(3);
  });

  it('csv without a header, other delimiter', async () => {
    const dir = workspace({ 'a.tsv': '1;2;0\n3;4;1\n' });
    const d = await loadSource({ type: 'csv', params: { path: 'a.tsv', label: 'col2', header: false, delimiter: ';' } }, ctx(dir));
    expect(d.columns).toEqual(['col0', 'col1']);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4]);
  });

  it('jsonl: numeric fields, text field, bad line', async () => {
    const dir = workspace({ 'a.jsonl': '{"a":1,"b":2,"l":1}\n{"a":3,"b":4,"l":0}\n', 't.jsonl': '{"t":"hi there","l":1}\n', 'bad.jsonl': '{"a":1}\n{"a":\n' });
    const d = await loadSource({ type: 'jsonl', params: { path: 'a.jsonl', label: 'l' } }, ctx(dir));
    expect(d.columns).toEqual(['a', 'b']);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4]);
    const t = await loadSource({ type: 'jsonl', params: { path: 't.jsonl', label: 'l', text: 't' } }, ctx(dir));
    expect(t.text).toEqual(['hi there']);
    const e = await failure(loadSource({ type: 'jsonl', params: { path: 'bad.jsonl', label: 'a' } }, ctx(dir)));
    expect(e.code).toBe('data/jsonl-syntax');
    expect(e.message).toMatch(/bad\.jsonl:2:/);
  });

  it('idx, plain and gzipped', async () => {
    const images = idx(0x08, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 255]);
    const labels = idx(0x08, [2], [3, 7]);
    const dir = workspace({ 'i.idx': images, 'l.idx.gz': gzipSync(labels) });
    const d = await loadSource({ type: 'idx', params: { images: 'i.idx', labels: 'l.idx.gz' } }, ctx(dir));
    expect(d.shape).toEqual([2, 2]);
    expect(Array.from(d.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 255]);
    expect(Array.from(d.y)).toEqual([3, 7]);
  });

  it('idx: a header that lies about the size gives the offset', () => {
    const lying = idx(0x08, [1000, 28, 28], [1, 2, 3]);
    const e = (() => {
      try {
        parseIdx('x.idx', lying);
      } catch (err) {
        return err as TrainerError;
      }
    })()!;
    expect(e.code).toBe('data/idx-truncated');
    expect(e.message).toMatch(/1000 × 28 × 28/);
    expect(e.where.offset).toBe(lying.length);
  });

  it('idx: a truncated gzip file is named', async () => {
    const gz = gzipSync(idx(0x08, [4], [1, 2, 3, 4]));
    const dir = workspace({ 'i.gz': gz.subarray(0, gz.length - 6), 'l.idx': idx(0x08, [4], [0, 1, 0, 1]) });
    const e = await failure(loadSource({ type: 'idx', params: { images: 'i.gz', labels: 'l.idx' } }, ctx(dir)));
    expect(e.code).toBe('data/gzip');
    expect(e.message).toMatch(/i\.gz/);
  });

  it('images: a folder per class, PNG and JPEG, resized', async () => {
    const jpeg = encodeJpeg({ data: Buffer.alloc(8 * 8 * 4, 200), width: 8, height: 8 }, 90).data;
    const dir = workspace({ 'img/cat/a.png': png(4, 4, [255, 0, 0]), 'img/cat/b.jpg': jpeg, 'img/dog/c.png': png(6, 3, [0, 0, 255]) });
    const d = await loadSource({ type: 'images', params: { path: 'img', image_size: [2, 2], channels: 3 } }, ctx(dir));
    expect(d.n).toBe(3);
    expect(d.shape).toEqual([2, 2, 3]);
    expect(Array.from(d.y)).toEqual([0, 0, 1]);
    expect(Array.from(d.x.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Math.abs(d.x[12] - 200)).toBeLessThan(3);
    const g = await loadSource({ type: 'images', params: { path: 'img', image_size: 2, channels: 1 } }, ctx(dir));
    expect(g.shape).toEqual([2, 2, 1]);
  });

  it('images: a .png that is not one is named', async () => {
    const dir = workspace({ 'img/a/ok.png': png(2, 2, [1, 2, 3]), 'img/a/fake.png': 'not a png at all' });
    const e = await failure(loadSource({ type: 'images', params: { path: 'img', image_size: 2 } }, ctx(dir)));
    expect(e.code).toBe('data/image-corrupt');
    expect(e.message).toMatch(/fake\.png.*not a PNG/);
    expect(e.where.offset).toBe(0);
  });

  it('built-in datasets: mnist, iris and the seeded synthetic ones', async () => {
    const m = await loadSource({ type: 'dataset', params: { name: 'mnist', samples: 20 } }, ctx('.'));
    expect(m.n).toBe(20);
    expect(m.shape).toEqual([784]);
    expect(Array.from(m.y.subarray(0, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Math.max(...m.x)).toBeLessThanOrEqual(255);
    expect(Math.max(...m.x)).toBeGreaterThan(200);
    const iris = await loadSource({ type: 'dataset', params: { name: 'iris' } }, ctx('.'));
    expect(iris.n).toBe(150);
    for (const name of ['xor', 'spirals', 'linear']) {
      const a = await loadSource({ type: 'dataset', params: { name, samples: 50, noise: 0.1 } }, ctx('.'));
      const b = await loadSource({ type: 'dataset', params: { name, samples: 50, noise: 0.1 } }, ctx('.'));
      expect(a.n).toBe(50);
      expect(Array.from(a.x)).toEqual(Array.from(b.x));
    }
  });

  it('a file over the memory budget is refused with a clear error', async () => {
    process.env.MODELYAML_MAX_DATA_MB = '0.001';
    const rows = Array.from({ length: 400 }, (_, i) => `${i},${i},${i % 2}`).join('\n');
    const dir = workspace({ 'big.csv': `a,b,l\n${rows}\n` });
    const e = await failure(loadSource({ type: 'csv', params: { path: 'big.csv', label: 'l' } }, ctx(dir)));
    expect(e.code).toBe('data/too-large');
    expect(e.message).toMatch(/big\.csv/);
    expect(e.message).toMatch(/MODELYAML_MAX_DATA_MB/);
  });
});

describe('sources: what is read, and how', () => {
  afterEach(() => {
    delete process.env.MODELYAML_MAX_RECORD_BYTES;
  });

  it('csv: quoted fields with line breaks, delimiters and spaces are read as written, rows named by their first line', async () => {
    const text = 'note,a,label\n"two\nlines",1, cat\n" padded ",2,"  dog "\n\n"x, y",3,cat\n';
    const dir = workspace({ 'q.csv': text });
    const d = await loadSource({ type: 'csv', params: { path: 'q.csv', label: 'label' } }, ctx(dir));
    expect(d.n).toBe(3);
    expect(d.strCols?.get('note')).toEqual(['two\nlines', ' padded ', 'x, y']);
    expect(d.yStr).toEqual(['cat', '  dog ', 'cat']);
    expect([0, 1, 2].map((i) => d.origin!(i))).toEqual([`${dir}/q.csv:2`, `${dir}/q.csv:4`, `${dir}/q.csv:6`]);
  });

  it('csv: the row after a multi-line field is named by its own line', async () => {
    const dir = workspace({ 'r.csv': 'a,b,l\n"1\n\n",2,0\n3\n' });
    const e = await failure(loadSource({ type: 'csv', params: { path: 'r.csv', label: 'l' } }, ctx(dir)));
    expect(e.message).toContain('r.csv:5: this row has 1 field, but the header has 3 columns');
  });

  it('csv: an unclosed quote names the file and line', async () => {
    const dir = workspace({ 'u.csv': 'a,b,l\n1,2,0\n3,"4,1\n' });
    const e = await failure(loadSource({ type: 'csv', params: { path: 'u.csv', label: 'l' } }, ctx(dir)));
    expect(e.code).toBe('data/csv-syntax');
    expect(e.message).toMatch(/u\.csv:\d+: .*[Qq]uote/);
  });

  it.each([
    ['csv', 'd.csv', (rows: string[]) => `a,b,l\n${rows.join('\n')}\n`],
    ['jsonl', 'd.jsonl', (rows: string[]) => rows.map((r) => JSON.stringify({ a: r })).join('\n') + '\n'],
  ])('%s: a row longer than the limit names the file and line, before it is held in memory', async (type, file, write) => {
    process.env.MODELYAML_MAX_RECORD_BYTES = '1000';
    const rows = ['1,2,0', '3,4,1', `${'9'.repeat(5000)},5,0`, '6,7,1'];
    const dir = workspace({ [file]: write(rows) });
    const e = await failure(loadSource({ type, params: { path: file, label: 'l' } }, ctx(dir)));
    expect(e.code).toBe('data/row-too-long');
    expect(e.message).toContain(`${file}:${type === 'csv' ? 4 : 3}: this row is longer than 1000 B`);
  });

  it('jsonl: lines split across read chunks, CRLF and a BOM are read whole', async () => {
    const long = 'w'.repeat(200_000);
    const dir = workspace({ 'c.jsonl': `\uFEFF{"t":"${long}","l":1}\r\n{"t":"b","l":0}` });
    const d = await loadSource({ type: 'jsonl', params: { path: 'c.jsonl', label: 'l', text: 't' } }, ctx(dir));
    expect(d.text).toEqual([long, 'b']);
    expect(d.origin!(1)).toBe(`${dir}/c.jsonl:2`);
  });

  it('a folder, a FIFO, or a file outside the workspace is a user error, not an internal one', async () => {
    const outer = workspace({ 'secret.csv': 'a,l\n1,0\n', 'ws/d.csv/x': '' });
    const dir = join(outer, 'ws');
    execFileSync('mkfifo', [join(dir, 'p.csv')]);
    const cases: [string, string, string][] = [
      ['d.csv', 'data/not-a-file', '`d.csv` is a folder, not a file.'],
      ['p.csv', 'data/not-a-file', '`p.csv` is not a regular file'],
      ['../secret.csv', 'data/outside-workspace', '`../secret.csv` is outside the workspace'],
    ];
    for (const [path, code, message] of cases) {
      const e = await failure(loadSource({ type: 'csv', params: { path, label: 'l' } }, ctx(dir)));
      expect(e).toMatchObject({ code, message: expect.stringContaining(message) });
    }
    const img = await failure(loadSource({ type: 'images', params: { path: 'p.csv', image_size: 2 } }, ctx(dir)));
    expect(img).toMatchObject({ code: 'data/not-a-folder', message: expect.stringContaining('`p.csv` is a named pipe (FIFO), not a folder') });
  });

  it('images: a FIFO or a link out of the workspace inside the folder is refused', async () => {
    const outer = workspace({ 'ws/img/a/ok.png': png(2, 2, [1, 2, 3]), 'far.png': png(2, 2, [1, 2, 3]) });
    const dir = join(outer, 'ws');
    symlinkSync(join(outer, 'far.png'), join(dir, 'img/a/link.png'));
    const e = await failure(loadSource({ type: 'images', params: { path: 'img', image_size: 2 } }, ctx(dir)));
    expect(e).toMatchObject({ code: 'data/outside-workspace', message: expect.stringContaining('link.png') });
    rmSync(join(dir, 'img/a/link.png'));
    execFileSync('mkfifo', [join(dir, 'img/a/pipe.png')]);
    const f = await failure(loadSource({ type: 'images', params: { path: 'img', image_size: 2 } }, ctx(dir)));
    expect(f).toMatchObject({ code: 'data/not-a-file', message: expect.stringContaining('pipe.png') });
  });
});

describe('cells that are not numbers', () => {
  const rows = (bad: string) => ['a,b,l', ...Array.from({ length: 14 }, (_, i) => (i === 10 ? `1,${bad},0` : `${i},${i + 2},1`))].join('\n') + '\n';

  it.each([
    ['abc', 'Column `b` holds text (e.g. "abc" at '],
    ['Infinity', 'Column `b` holds Infinity at '],
    ['1e999', 'Column `b` holds 1e999 at '],
    ['-4e38', 'Column `b` holds -4e38 at '],
  ])('%s at line 12 of d.csv is named with its row', async (bad, start) => {
    const e = await failure(prepare(spec('{ csv: { path: d.csv, label: l } }'), { 'd.csv': rows(bad) }));
    expect(e.code).toBe('data/not-numeric');
    expect(e.message).toContain(start);
    expect(e.message).toMatch(/ at \S*d\.csv:12[,:)]/);
  });

  it('labels: the first text label is named, not a number before it', async () => {
    const e = await failure(prepare(spec('{ csv: { path: d.csv, label: b, features: [a, l] } }'), { 'd.csv': rows('abc') }));
    expect(e.code).toBe('data/labels-not-numeric');
    expect(e.message).toMatch(/The labels are text \(e\.g\. "abc" at \S*d\.csv:12\)/);
  });

  it('jsonl: 1e999 is reported, not read as a missing value', async () => {
    const lines = ['{"a":1,"b":2,"l":0}', '{"a":1,"b":1e999,"l":0}'].join('\n');
    const e = await failure(prepare(spec('{ jsonl: { path: d.jsonl, label: l } }'), { 'd.jsonl': lines }));
    expect(e.message).toMatch(/Column `b` holds Infinity at \S*d\.jsonl:2, a number too large for a float32/);
  });
});

describe('pipeline', () => {
  it('validation/test split right after the source; standardize learns from training only', async () => {
    const p = await prepare(spec('{ dataset: { name: linear, samples: 100 } }', ['standardize'], '  validation: { split: 0.2 }\n  test: { split: 0.1 }'));
    expect(p.parts.train.n).toBe(70);
    expect(p.parts.validation!.n).toBe(20);
    expect(p.parts.test!.n).toBe(10);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(p.parts.train.x))).toBeLessThan(1e-5);
    expect(Math.abs(mean(p.parts.validation!.x))).toBeGreaterThan(1e-5);
  });

  it('validation and test from separate sources go through the same (fitted) pipeline', async () => {
    const files = { 'train.csv': 'a,l\n0,0\n10,1\n', 'val.csv': 'a,l\n5,1\n', 'test.csv': 'a,l\n20,0\n' };
    const yaml = spec('{ csv: { path: train.csv, label: l } }', ['normalize'], '  validation: { source: { csv: { path: val.csv, label: l } } }\n  test: { source: { csv: { path: test.csv, label: l } } }');
    const q = await prepare(yaml, files);
    expect(Array.from(q.parts.train.x)).toEqual([0, 1]);
    expect(Array.from(q.parts.validation!.x)).toEqual([0.5]);
    expect(Array.from(q.parts.test!.x)).toEqual([2]);
  });

  it('is deterministic from the seed', async () => {
    const y = spec('{ dataset: { name: spirals, samples: 60 } }', ['shuffle', '{ split: { validation: 0.25, stratify: true } }', 'normalize']);
    const a = await prepare(y);
    const b = await prepare(y);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(Array.from(a.parts.train.x)).toEqual(Array.from(b.parts.train.x));
    const positives = Array.from(a.parts.validation!.y).filter((v) => v === 1).length;
    expect(positives).toBe(a.parts.validation!.n / 2);
  });

  it('cleans tables: drop_missing, fill_missing, drop_duplicates, clip_outliers, select, label_encode', async () => {
    const csv = 'a,b,c,kind,label\n1,10,x,p,cat\n1,10,x,p,cat\n2,,y,q,dog\n3,30,,p,cat\n100,40,x,q,dog\n4,50,y,,bird\n';
    const base = (steps: string[]) => prepare(spec('{ csv: { path: d.csv, label: label } }', steps), { 'd.csv': csv });
    const p = await base(['drop_duplicates', '{ fill_missing: { strategy: median, columns: [b] } }', '{ fill_missing: { strategy: most_frequent, columns: [c, kind] } }', '{ clip_outliers: { method: iqr, columns: [a] } }', '{ label_encode: { column: c } }', '{ label_encode: { column: kind } }', 'label_encode', '{ select: [a, b, kind] }']);
    const t = p.parts.train;
    expect(t.n).toBe(5);
    expect(t.columns).toEqual(['a', 'b', 'kind']);
    expect(p.meta.classNames).toEqual(['bird', 'cat', 'dog']);
    expect(Array.from(t.y)).toEqual([1, 2, 1, 2, 0]);
    expect(t.x[3 * 3]).toBeLessThan(100); // clipped
    expect(t.x[1 * 3 + 1]).toBe(35); // median of 10, 30, 40, 50
    const dropped = await base(['drop_missing', '{ label_encode: { column: c } }', '{ label_encode: { column: kind } }', 'label_encode']);
    expect(dropped.parts.train.n).toBe(3);
  });

  it('text columns left unencoded are refused, naming the column', async () => {
    const e = await failure(prepare(spec('{ csv: { path: d.csv, label: l } }'), { 'd.csv': 'a,b,l\n1,x,0\n2,y,1\n' }));
    expect(e.code).toBe('data/not-numeric');
    expect(e.message).toMatch(/Column `b`.*d\.csv:2/);
  });

  it('join and concat integrate other sources', async () => {
    const files = { 'a.csv': 'id,size,price\n1,10,100\n2,20,200\n3,30,300\n', 'b.csv': 'id,rooms\n1,3\n3,5\n', 'c.csv': 'id,size,price\n4,40,400\n' };
    const p = await prepare(spec('{ csv: { path: a.csv, label: price } }', ['{ concat: { source: { csv: { path: c.csv, label: price } } } }', '{ join: { source: { csv: { path: b.csv } }, on: id, how: left } }', '{ fill_missing: { strategy: constant, value: 0 } }']), files);
    expect(p.parts.train.columns).toEqual(['size', 'rooms']);
    expect(p.parts.train.n).toBe(4);
    expect(Array.from(p.parts.train.x)).toEqual([10, 3, 20, 0, 30, 5, 40, 0]);
  });

  it('text: tokenize + pad_sequences, vocabulary from the training texts', async () => {
    const lines = ['good good movie', 'bad movie', 'good film', 'terrible bad film'].map((t, i) => JSON.stringify({ t, l: i % 2 })).join('\n');
    const p = await prepare(spec('{ jsonl: { path: r.jsonl, text: t, label: l, label_type: binary } }', ['{ tokenize: { num_words: 5 } }', '{ pad_sequences: { maxlen: 4 } }']), { 'r.jsonl': lines });
    const t = p.parts.train;
    expect(t.shape).toEqual([4]);
    // good (3×) → 2, movie/bad/film (2×) → 3, 4, ...; index ≥ num_words becomes 1 (out of vocabulary)
    expect(Array.from(t.x.subarray(0, 4))).toEqual([0, 2, 2, 3]);
    expect(Math.max(...t.x)).toBeLessThan(5);
  });

  it('one_hot, reshape, scale and augment', async () => {
    const p = await prepare(spec('{ dataset: { name: mnist, samples: 30 } }', ['{ scale: 255 }', '{ reshape: [28, 28, 1] }', '{ one_hot: 10 }', '{ augment: { flip: horizontal, noise: 0.1 } }']));
    expect(p.featureShape).toEqual([28, 28, 1]);
    expect(p.labelShape).toEqual([10]);
    expect(p.meta.augment).toEqual({ flip: 'horizontal', noise: 0.1 });
    expect(Math.max(...p.parts.train.x)).toBeLessThanOrEqual(1);
  });

  it('keep_labels keeps the listed digits in every part, renumbered in their order, and names them; evaluating renumbers without dropping', async () => {
    const yaml = spec('{ dataset: { name: mnist, samples: 400 } }', ['{ keep_labels: [7, 5, 9] }', '{ scale: 255 }'], '  validation: { split: 0.2 }\n  test: { split: 0.1 }');
    const all = await prepare(spec('{ dataset: { name: mnist, samples: 400 } }', [], '  validation: { split: 0.2 }\n  test: { split: 0.1 }'));
    const p = await prepare(yaml);
    for (const part of ['train', 'validation', 'test'] as const) {
      const before = all.parts[part]!;
      const wanted = Array.from(before.y).map((v, i) => [v, i]).filter(([v]) => [7, 5, 9].includes(v));
      const after = p.parts[part]!;
      expect(after.n).toBe(wanted.length);
      expect(Array.from(after.y)).toEqual(wanted.map(([v]) => [7, 5, 9].indexOf(v)));
      // The pixels travel with their label: sample 0's first row equals the source's.
      const [, i] = wanted[0];
      expect(Array.from(after.x.subarray(0, 784))).toEqual(Array.from(before.x.subarray(i * 784, i * 784 + 784), (v) => Math.fround(v / 255)));
    }
    expect(p.meta).toMatchObject({ classes: 3, classNames: ['7', '5', '9'], labelKind: 'class_index' });
    expect(p.preprocessing.labels).toMatchObject({ classes: 3, names: ['7', '5', '9'] });
    expect(p.preprocessing.steps[0]).toMatchObject({ type: 'keep_labels', atInference: 'labels', fitted: { names: ['7', '5', '9'] } });
    const ev = await applyFitted(p.preprocessing, [{ values: new Array(784).fill(0), label: 9 }, { values: new Array(784).fill(255), label: 7 }], { labels: true });
    expect(Array.from(ev.y!)).toEqual([2, 0]);
    expect(Array.from((await applyFitted(p.preprocessing, [{ values: new Array(784).fill(0) }])).x).length).toBe(784);
    const e = await failure(applyFitted(p.preprocessing, [{ values: new Array(784).fill(0), label: 3 }], { labels: true }));
    expect(e.message).toBe('input record 1: label 3 is not one of the classes the run was trained on (`keep_labels`: 7, 5, 9).');
    const none = await failure(prepare(spec('{ csv: { path: d.csv, label: l } }', ['{ keep_labels: [4] }']), { 'd.csv': 'a,b,l\n1,2,0\n3,4,1\n' }));
    expect(none.message).toBe('No training sample has one of the labels 4 that `keep_labels` keeps.');
  });

  it('keep_labels by name: text labels (no label_encode needed), encoded classes (after label_encode), a source\'s own names (iris); evaluating replays each', async () => {
    const kinds = ['cat', 'dog', 'bird'];
    const csv = `a,b,kind\n${Array.from({ length: 12 }, (_, i) => `${i},${i % 3},${kinds[i % 3]}`).join('\n')}\n`;
    // Text labels, before any label_encode: kept by name and encoded in the list's order.
    const text = await prepare(spec('{ csv: { path: d.csv, label: kind } }', ['{ keep_labels: [dog, cat] }']), { 'd.csv': csv });
    expect(text.meta).toMatchObject({ classes: 2, classNames: ['dog', 'cat'], labelKind: 'class_index' });
    expect(Array.from(text.parts.train.y)).toEqual(Array.from({ length: 12 }, (_, i) => kinds[i % 3]).filter((k) => k !== 'bird').map((k) => (k === 'dog' ? 0 : 1)));
    expect(text.parts.train.yStr).toBeUndefined();
    expect(Array.from((await applyFitted(text.preprocessing, [{ a: 1, b: 2, kind: 'cat' }, { a: 3, b: 4, kind: 'dog' }], { labels: true })).y!)).toEqual([1, 0]);
    expect((await failure(applyFitted(text.preprocessing, [{ a: 1, b: 2, kind: 'bird' }], { labels: true }))).message).toBe('input record 1: label "bird" is not one of the classes the run was trained on (`keep_labels`: dog, cat).');
    // Encoded classes (label_encode sorts them: bird 0, cat 1, dog 2): the names resolve to indices when fitted.
    const encoded = await prepare(spec('{ csv: { path: d.csv, label: kind } }', ['label_encode', '{ keep_labels: [dog, bird] }']), { 'd.csv': csv });
    expect(encoded.preprocessing.steps[1].fitted).toEqual({ names: ['dog', 'bird'], indices: [2, 0] });
    expect(Array.from(encoded.parts.train.y)).toEqual(Array.from({ length: 12 }, (_, i) => kinds[i % 3]).filter((k) => k !== 'cat').map((k) => (k === 'dog' ? 0 : 1)));
    expect(Array.from((await applyFitted(encoded.preprocessing, [{ a: 1, b: 2, kind: 'bird' }], { labels: true })).y!)).toEqual([1]);
    // The source's own names.
    const iris = await prepare(spec('{ dataset: iris }', ['{ keep_labels: [virginica, setosa] }']));
    expect(iris.meta.classNames).toEqual(['virginica', 'setosa']);
    expect(iris.parts.train.n).toBe(100);
    const flower = { sepal_length: 5, sepal_width: 3, petal_length: 1.4, petal_width: 0.2 };
    expect(Array.from((await applyFitted(iris.preprocessing, [{ ...flower, label: 'setosa' }, { ...flower, label: 'virginica' }], { labels: true })).y!)).toEqual([1, 0]);
    // One name alone is a list of one.
    expect((await prepare(spec('{ dataset: iris }', ['{ keep_labels: { labels: versicolor, remap: false } }']))).parts.train.y.every((v) => v === 1)).toBe(true);
    const unknown = await failure(prepare(spec('{ dataset: iris }', ['{ keep_labels: [rose] }'])));
    expect(unknown.message).toBe('`keep_labels` keeps class "rose", but the classes are "setosa", "versicolor", "virginica".');
    const unnamed = await failure(prepare(spec('{ csv: { path: d.csv, label: b } }', ['{ keep_labels: [one] }']), { 'd.csv': csv }));
    expect(unnamed.message).toBe('`keep_labels` names classes (one), but the labels are class indices without names: list their indices instead.');
  });

  it('one_hot refuses a label outside its classes, naming the sample', async () => {
    const e = await failure(prepare(spec('{ csv: { path: d.csv, label: l, label_type: class, classes: 2 } }', ['{ one_hot: 2 }']), { 'd.csv': 'a,b,l\n1,2,0\n3,4,5\n' }));
    expect(e.message).toMatch(/d\.csv:3: label 5/);
  });
});

describe('defaults come from the catalog (issue 15, item 18: none written again in the trainer)', () => {
  /** Runs `body` with the catalog's default of `category`/`entry`.`param` set to `value`. */
  async function withCatalogDefault(category: Category, entry: string, param: string, value: unknown, body: () => Promise<void>): Promise<void> {
    const spec = lookup(category, entry)!.params.find((p) => p.name === param)!;
    const saved = spec.default;
    (spec as { default?: unknown }).default = value;
    try {
      await body();
    } finally {
      (spec as { default?: unknown }).default = saved;
    }
  }

  it('pipeline steps given only what a spec writes: tokenize num_words, pad_sequences value, split validation', async () => {
    // The reader fills defaults into a spec; a step's own table must not need it (preprocessing.json replays, nested sources).
    const lines = ['good good movie', 'bad movie', 'good film', 'terrible bad film', 'fine film', 'bad bad plot'].map((t, i) => JSON.stringify({ t, l: i % 2 })).join('\n');
    const dir = workspace({ 'r.jsonl': lines });
    const sctx: StepContext = { ...ctx(dir), meta: { labelKind: 'binary', classes: 2, splitDone: false } };
    await withCatalogDefault('step', 'tokenize', 'num_words', 3, () =>
      withCatalogDefault('step', 'pad_sequences', 'value', 7, () =>
        withCatalogDefault('step', 'split', 'validation', 0.5, async () => {
          let parts: Parts = { train: await loadSource({ type: 'jsonl', params: { path: 'r.jsonl', text: 't', label: 'l' } }, sctx) };
          for (const [step, params] of [['tokenize', {}], ['pad_sequences', { maxlen: 4 }], ['split', {}]] as const) parts = await STEP_IMPLS[step](parts, params, sctx);
          const ids = [...parts.train.x, ...parts.validation!.x];
          // num_words 3: only 0 (padding), 1 (out of vocabulary) and 2; the padding value is 7.
          expect(new Set(ids)).toEqual(new Set([1, 2, 7]));
          expect([parts.train.n, parts.validation!.n]).toEqual([3, 3]);
        }),
      ),
    );
  });

  it('sources: images channels, a synthetic dataset\'s noise', async () => {
    const dir = workspace({ 'img/cat/a.png': png(4, 4, [255, 0, 0]), 'img/dog/c.png': png(4, 4, [0, 0, 255]) });
    await withCatalogDefault('source', 'images', 'channels', 1, async () => {
      expect((await loadSource({ type: 'images', params: { path: 'img', image_size: 2 } }, ctx(dir))).shape).toEqual([2, 2, 1]);
    });
    await withCatalogDefault('source', 'dataset', 'noise', 0, async () => {
      // Without noise, every xor point sits on a corner of the unit square.
      const xor = await loadSource({ type: 'dataset', params: { name: 'xor', samples: 20 } }, ctx('.'));
      expect(new Set(xor.x)).toEqual(new Set([0, 1]));
    });
  });
});
