/**
 * `modelyaml export` through the built CLI (dist/cli.js, `node esbuild.mjs` first): a tiny real
 * iris run trained with the CLI, exported to ONNX and to TF.js; the TF.js folder is loaded with
 * stock TensorFlow.js and must predict what the trainer's checkpoint predicts; refusals and bad
 * flags get a message and an exit code, never a stack trace.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/trainer/tf';
import { trainerPredict } from '../export/runs';
import { irisSpec } from '../trainer/helpers';
import { runCli } from './run';

const cli = (...args: string[]) => runCli(args);
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

let runDir: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-export-cli-'));
  writeFileSync(join(dir, 'iris.model.yaml'), irisSpec({ name: 'iris-export', seed: 5, test: 0.2, epochs: 2 }));
  const r = await cli('train', join(dir, 'iris.model.yaml'), '--out', join(dir, 'runs'));
  expect(r.code, r.err).toBe(0);
  const [name] = readdirSync(join(dir, 'runs'));
  const [time] = readdirSync(join(dir, 'runs', name));
  runDir = join(dir, 'runs', name, time);
}, 300_000);

/** Stock tf.loadLayersModel on the exported folder's files (no custom layers registered: a stock model). */
async function loadExported(out: string): Promise<tf.LayersModel> {
  const m = json(join(out, 'model.json'));
  const specs = m.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const bytes = Buffer.concat(m.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(out, p)))));
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelTopology, weightSpecs: specs, weightData: data }));
}

const SAMPLES = [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5];

describe('modelyaml export', () => {
  it('--format onnx writes the model, export.json and MODEL_CARD.md beside it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'modelyaml-export-onnx-')), 'iris.onnx');
    const r = await cli('export', runDir, '--format', 'onnx', '--out', out);
    expect(r.code, r.err).toBe(0);
    const doc = json(join(out, '..', 'export.json'));
    expect(doc).toMatchObject({ format: 'onnx', file: out, quantize: 'none' });
    expect(existsSync(join(runDir, doc.checkpoint, 'model.json'))).toBe(true);
    const card = readFileSync(join(out, '..', 'MODEL_CARD.md'), 'utf8');
    expect(card).toMatch(/^# Model card: iris-export/);
    expect(card).toContain('| Format | ONNX opset 17 |');
    expect(card).toContain(`| From | \`${doc.checkpoint}\` |`);
    expect(card).toContain('`iris.onnx`, `export.json`, `MODEL_CARD.md`');
  }, 300_000);

  it('--format tfjs writes a stock layers model that predicts as the checkpoint does; uint8 shrinks its weights', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'modelyaml-export-tfjs-')), 'web');
    const r = await cli('export', runDir, '--format', 'tfjs', '--out', out, '--checkpoint', 'best');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('TF.js layers model from checkpoints/best');
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['MODEL_CARD.md', 'export.json', 'index.html', 'model.json', 'tf.min.js']));
    const doc = json(join(out, 'export.json'));
    expect(doc).toMatchObject({ format: 'tfjs', quantize: 'none', checkpoint: 'checkpoints/best', page: true });
    expect(doc.bytes).toBe(doc.float32Bytes);
    expect(readFileSync(join(out, 'MODEL_CARD.md'), 'utf8')).toContain('| From | `checkpoints/best` |');

    await tf.setBackend('cpu');
    const model = await loadExported(out);
    const y = model.predict(tf.tensor(SAMPLES, [3, 4])) as tf.Tensor;
    const exported = await y.data();
    const trainer = await trainerPredict(join(runDir, 'checkpoints', 'best'), SAMPLES, [3, 4]);
    expect(Math.max(...Array.from(exported, (v, i) => Math.abs(v - trainer[i])))).toBeLessThan(1e-6);

    const u8 = await cli('export', runDir, '--format', 'tfjs', '--quantize', 'uint8', '--out', `${out}-u8`);
    expect(u8.code, u8.err).toBe(0);
    const small = json(join(`${out}-u8`, 'export.json'));
    expect(small.quantize).toBe('uint8');
    expect(small.bytes).toBeLessThan(doc.bytes / 3);
  }, 300_000);

  it('refuses a checkpoint the run lacks and a folder that is not a run, without a stack trace', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'modelyaml-export-copy-')), 'run');
    cpSync(runDir, copy, { recursive: true });
    rmSync(join(copy, 'checkpoints', 'last'), { recursive: true, force: true });
    const r = await cli('export', copy, '--format', 'tfjs', '--checkpoint', 'last');
    expect(r.code).toBe(1);
    expect(r.err).toContain('has no last checkpoint (checkpoints/last/model.json)');
    noStack(r.err);
    const notRun = await cli('export', mkdtempSync(join(tmpdir(), 'modelyaml-export-empty-')), '--format', 'tfjs');
    expect(notRun.code).toBe(1);
    expect(notRun.err).toMatch(/is not a run folder \(no run\.json\)/);
    noStack(notRun.err);
  }, 120_000);

  it('bad flags: each format names its own quantizations', async () => {
    const cases: [string[], string][] = [
      [['--format', 'keras'], '--format must be onnx, tfjs or pytorch, not keras'],
      [['--format', 'tfjs', '--quantize', 'int8'], '--quantize for --format tfjs must be float16 or uint8, not int8 (that is an ONNX quantization)'],
      [['--format', 'onnx', '--quantize', 'uint8'], '--quantize must be float16 or int8, not uint8 (that is a TF.js quantization: add --format tfjs)'],
      [['--format', 'tfjs', '--opset', '18'], '--opset is an ONNX option; --format tfjs takes --out, --quantize and --checkpoint'],
      [['--checkpoint', 'newest'], '--checkpoint must be best or last, not newest'],
    ];
    for (const [flags, message] of cases) {
      const r = await cli('export', runDir, ...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err).toContain(message);
      noStack(r.err);
    }
  }, 120_000);

  it('--format pytorch writes a package from a run (its weights beside it) or a spec; Python imports its model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'modelyaml-export-pt-'));
    const r = await cli('export', runDir, '--format', 'pytorch', '--out', join(out, 'run'));
    expect(r.code, r.err).toBe(0);
    for (const f of ['model.py', 'train.py', 'data.py', 'README.md', 'tfjs/model.json']) expect(existsSync(join(out, 'run', f)), f).toBe(true);
    const spec = await cli('export', join(__dirname, '..', '..', 'examples', 'house-prices.model.yaml'), '--format', 'pytorch', '--out', join(out, 'spec'));
    expect(spec.code, spec.err).toBe(0);
    expect(readFileSync(join(out, 'spec', 'model.py'), 'utf8')).toMatch(/class \w+\(nn\.Module\)/);
    const noOut = await cli('export', runDir, '--format', 'pytorch');
    expect(noOut.code).toBe(2);
    expect(noOut.err).toContain('--out');
    const quantized = await cli('export', runDir, '--format', 'pytorch', '--out', join(out, 'q'), '--quantize', 'int8');
    expect(quantized.code).toBe(2);
    noStack(quantized.err);
    rmSync(out, { recursive: true, force: true });
  });
});
