/**
 * `modelyaml export --format onnx` end to end: tiny real runs (every example, and one model per
 * layer family) trained with the built CLI (dist/, `npm run build` first), exported, and run in
 * onnxruntime-node on 100 of their samples: the outputs equal the trainer's (TensorFlow.js on the
 * same inputs, through `evaluate`'s samplesFile) within 1e-4, and Debian's ONNX checker accepts
 * every file. Layers that cannot be exported are refused with the spec line.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/node/trainerClient';
import { decodeModel } from '../../src/export/onnx/proto';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const TRAINER = join(ROOT, 'dist', 'trainer.js');
const PYTHON = '/usr/bin/python3';
const hasOnnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

/** Runs the built CLI without blocking the test worker. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } }, (e, out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }));
  });
}

const WORK = mkdtempSync(join(tmpdir(), 'modelyaml-onnx-'));
cpSync(join(ROOT, 'examples', 'data'), join(WORK, 'data'), { recursive: true });

/** Trains a spec text with the built CLI (asynchronously: the test worker keeps answering); returns the run folder. */
async function train(name: string, spec: string): Promise<string> {
  const file = join(WORK, `${name}.model.yaml`);
  writeFileSync(file, spec);
  const out = join(WORK, 'runs', name);
  const r = await cli('train', file, '--out', out, '--epochs', '1');
  expect(r.code, r.err).toBe(0);
  const [spec1] = readdirSync(out);
  const [time] = readdirSync(join(out, spec1));
  return join(out, spec1, time);
}

/** An example spec made small: fewer MNIST samples, so one epoch takes seconds. */
const example = (file: string) => readFileSync(join(ROOT, 'examples', file), 'utf8').replace(/dataset: mnist \}/, 'dataset: { name: mnist, samples: 400 } }');

const family = (name: string, input: string, source: string, pipeline: string, layers: string, loss = 'categorical_crossentropy') => `version: 1
name: ${name}
seed: 4
data:
  source: ${source}
  pipeline: ${pipeline}
  validation: { split: 0.2 }
model:
  input: ${input}
  layers:
${layers}
train:
  loss: ${loss}
  optimizer: adam
  epochs: 1
  batch_size: 32
`;
const MNIST = '{ dataset: { name: mnist, samples: 300 } }';
const IMAGE = '[{ scale: 255 }, { reshape: { shape: [28, 28, 1] } }, { one_hot: 10 }]';
const REVIEWS = '{ jsonl: { path: data/reviews.jsonl, text: text, label: positive, label_type: class } }';
const TEXT = '[{ tokenize: { num_words: 500 } }, { pad_sequences: { maxlen: 12 } }]';

const SPECS: Record<string, string> = {
  mlp: example('mlp.model.yaml'),
  'mnist-cnn': example('mnist-cnn.model.yaml'),
  'residual-cnn': example('residual-cnn.model.yaml'),
  // 120 rows: a smaller validation split leaves 100 training samples to compare on.
  'house-prices': example('house-prices.model.yaml').replace('validation: { split: 0.2 }', 'validation: { split: 0.15 }'),
  'lstm-sentiment': example('lstm-sentiment.model.yaml'),
  'transformer-text': example('transformer-text.model.yaml'),
  convolutions: family('convolutions', '[28, 28, 1]', MNIST, IMAGE, `    - conv2d: { filters: 4, kernel_size: 3, strides: 2, padding: same, activation: elu }
    - batch_norm
    - depthwise_conv2d: { kernel_size: 3, dilation_rate: 2, padding: same, depth_multiplier: 2 }
    - separable_conv2d: { filters: 6, kernel_size: 3, padding: same, activation: swish }
      name: sep
    - avg_pool2d: { pool_size: 3, strides: 2, padding: same }
    - conv2d_transpose: { filters: 4, kernel_size: 3, strides: 2, padding: same }
    - zero_padding2d: { padding: [1, 0, 2, 1] }
    - cropping2d: { cropping: [1, 1] }
    - upsampling2d: { size: 2, interpolation: bilinear }
    - max_pool2d: { pool_size: 2, padding: same }
    - conv2d_transpose: { filters: 3, kernel_size: 2, strides: 3 }
      name: up
    - concatenate:
      inputs: [up, up]
    - global_max_pool2d
    - dense: { units: 10, activation: softmax }`),
  sequences: family('sequences', '[12]', REVIEWS, TEXT, `    - embedding: { input_dim: 500, output_dim: 8 }
    - conv1d: { filters: 8, kernel_size: 3, dilation_rate: 2, padding: same, activation: relu }
    - max_pool1d: { pool_size: 2, padding: same }
    - lstm: { units: 6, return_sequences: true, go_backwards: true, recurrent_activation: hard_sigmoid }
    - gru: { units: 5, return_sequences: true, reset_after: false }
    - bidirectional: { layer: { gru: { units: 4, return_sequences: true } } }
    - bidirectional: { layer: { lstm: { units: 3, return_sequences: true } }, merge_mode: ave }
    - simple_rnn: { units: 4, return_sequences: true, activation: relu }
    - bidirectional: { layer: { simple_rnn: { units: 3 } }, merge_mode: mul }
    - dense: { units: 2, activation: softmax }`, 'sparse_categorical_crossentropy'),
  attention: family('attention', '[12]', REVIEWS, TEXT, `    - positional_embedding: { vocab_size: 500, max_length: 12, output_dim: 8 }
    - multi_head_attention: { num_heads: 2, key_dim: 3, value_dim: 2, output_shape: 6 }
    - transformer_encoder: { num_heads: 3, ff_dim: 8, key_dim: 2, activation: gelu }
    - layer_norm
    - prelu
    - permute: { dims: [2, 1] }
    - global_avg_pool1d
    - repeat_vector: 2
    - leaky_relu: { alpha: 0.1 }
    - activation: mish
    - spatial_dropout1d: 0.1
    - reshape: { target_shape: [-1] }
    - gaussian_noise: 0.1
    - dense: { units: 2, activation: softmax }`, 'sparse_categorical_crossentropy'),
  merges: family('merges', '[4]', '{ dataset: iris }', '[standardize, { one_hot: 3 }]', `    - dense: { units: 8, activation: selu }
      name: a
    - dense: { units: 8, activation: softplus }
      name: b
    - dense: { units: 1, activation: hard_sigmoid }
      name: c
    - multiply:
      inputs: [a, b]
      name: m
    - average:
      inputs: [a, m, c]
      name: v
    - maximum:
      inputs: [v, b]
      name: mx
    - minimum:
      inputs: [mx, a]
      name: mn
    - add:
      inputs: [mn, c]
    - reshape: { target_shape: [2, 4] }
    - dense: { units: 3, activation: softsign }
    - flatten
    - dense: { units: 3, activation: softmax }`),
};

const runs: Record<string, string> = {};

beforeAll(async () => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `npm run build` first').toBe(true);
  for (const [name, spec] of Object.entries(SPECS)) runs[name] = await train(name, spec);
}, 900_000);

/** The first 100 samples of the run's training split and the trainer's outputs for them. */
async function reference(runDir: string): Promise<{ x: Float32Array; shape: number[]; n: number; predictions: number[][] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'modelyaml-onnx-samples-')), 'samples.json');
  const r = await runEvaluation(runDir, { split: 'train', samplesFile: file, trainerPath: TRAINER });
  expect(r.evaluation, r.error?.message).toBeDefined();
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { n: number; shape: number[]; predictions: number[][] };
  const bytes = readFileSync(`${file}.bin`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const n = Math.min(100, doc.n);
  const size = doc.shape.reduce((a, b) => a * b, 1);
  return { x: all.subarray(0, n * size), shape: doc.shape, n, predictions: doc.predictions.slice(0, n) };
}

async function runOnnx(file: string, x: Float32Array, shape: number[], n: number): Promise<number[][]> {
  const session = await ort.InferenceSession.create(file);
  const input = session.inputNames[0];
  const out = (await session.run({ [input]: new ort.Tensor('float32', x, [n, ...shape]) })).output.data as Float32Array;
  await session.release();
  const w = out.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(out.subarray(i * w, (i + 1) * w)));
}

function checker(file: string): void {
  const r = spawnSync(PYTHON, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));

async function exportRun(runDir: string, ...flags: string[]): Promise<{ file: string; report: Record<string, unknown> }> {
  const file = join(mkdtempSync(join(tmpdir(), 'modelyaml-onnx-out-')), 'model.onnx');
  const r = await cli('export', runDir, '--format', 'onnx', '--out', file, ...flags);
  expect(r.code, r.err).toBe(0);
  return { file, report: JSON.parse(readFileSync(join(file, '..', 'export.json'), 'utf8')) };
}

describe('modelyaml export --format onnx', () => {
  for (const name of Object.keys(SPECS)) {
    it(`${name}: onnxruntime's outputs equal the trainer's on 100 samples within 1e-4; the ONNX checker accepts the file`, async () => {
      const { file, report } = await exportRun(runs[name]);
      const ref = await reference(runs[name]);
      expect(ref.n).toBe(100);
      const got = await runOnnx(file, ref.x, ref.shape, ref.n);
      expect(maxDiff(got, ref.predictions)).toBeLessThan(1e-4);
      expect(report.maxAbsDiffFloat32VsTrainer as number).toBeLessThan(1e-4);
      if (hasOnnxChecker) checker(file);
      else console.warn(`skipped the ONNX checker: ${PYTHON} has no onnx module (apt install python3-onnx)`);
    }, 120_000);
  }

  it('the model carries a dynamic batch axis, named input and output, and metadata: spec hash, class labels, preprocessing', async () => {
    const { file } = await exportRun(runs['mnist-cnn']);
    const m = decodeModel(readFileSync(file));
    expect(m.opset_import[0].version).toBe(17);
    const input = m.graph.input[0];
    expect(input.name).toBe('input');
    expect(input.type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 28 }, { dim_value: 28 }, { dim_value: 1 }]);
    expect(m.graph.output[0].name).toBe('output');
    const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
    const record = JSON.parse(readFileSync(join(runs['mnist-cnn'], 'run.json'), 'utf8')) as { specHash: string };
    expect(meta.spec_hash).toBe(record.specHash);
    expect(JSON.parse(meta.preprocessing).steps.map((s: { type: string }) => s.type)).toEqual(['scale', 'reshape', 'one_hot']);
    // NHWC handled once: one Transpose into the conv stack, one out before flatten.
    expect(m.graph.node.filter((n) => n.op_type === 'Transpose')).toHaveLength(2);
    expect(JSON.parse(meta.class_labels)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('--opset 21 (reductions take their axes as an input from 18 on) gives the same outputs in onnxruntime', async () => {
    for (const name of ['sequences', 'attention']) {
      const { file } = await exportRun(runs[name], '--opset', '21');
      expect(decodeModel(readFileSync(file)).opset_import[0].version).toBe(21);
      const ref = await reference(runs[name]);
      expect(maxDiff(await runOnnx(file, ref.x, ref.shape, ref.n), ref.predictions)).toBeLessThan(1e-4);
    }
  }, 120_000);

  it('--include-preprocessing folds scale, reshape and standardize: raw pixels and raw columns in, the same outputs', async () => {
    for (const name of ['mlp', 'mnist-cnn', 'house-prices']) {
      const { file, report } = await exportRun(runs[name], '--include-preprocessing');
      expect(report.maxAbsDiffFloat32VsTrainer as number).toBeLessThan(1e-4);
      if (hasOnnxChecker) checker(file);
    }
    const { file } = await exportRun(runs['mnist-cnn'], '--include-preprocessing');
    const ref = await reference(runs['mnist-cnn']);
    const raw = ref.x.map((v) => v * 255);
    expect(maxDiff(await runOnnx(file, raw, [784], ref.n), ref.predictions)).toBeLessThan(1e-4);
  });

  it('--quantize float16 halves the weights; --quantize int8 stores int8/uint8 weights and keeps the predictions close', async () => {
    const f16 = await exportRun(runs['mnist-cnn'], '--quantize', 'float16');
    const i8 = await exportRun(runs['mnist-cnn'], '--quantize', 'int8');
    for (const { file, report } of [f16, i8]) {
      expect(report.bytes as number).toBeLessThan(0.6 * (report.float32Bytes as number));
      expect(report.metric).toBe('accuracy');
      if (hasOnnxChecker) checker(file);
    }
    expect(readdirSync(join(i8.file, '..'))).toContain('export.json');
    const ops = decodeModel(readFileSync(i8.file)).graph.node.map((n) => n.op_type);
    expect(ops).toContain('MatMulInteger');
    expect(ops).toContain('ConvInteger');
    const ref = await reference(runs['mnist-cnn']);
    expect(maxDiff(await runOnnx(f16.file, ref.x, ref.shape, ref.n), ref.predictions)).toBeLessThan(1e-2);
    expect(maxDiff(await runOnnx(i8.file, ref.x, ref.shape, ref.n), ref.predictions)).toBeLessThan(0.1);
  });

  it('a layer that cannot be exported faithfully is refused with its spec line, never a stack trace', async () => {
    const masked = await train('masked', family('masked', '[12]', REVIEWS, TEXT, `    - embedding: { input_dim: 500, output_dim: 8, mask_zero: true }
    - lstm: { units: 4 }
    - dense: { units: 2, activation: softmax }`, 'sparse_categorical_crossentropy'));
    const r = await cli('export', masked, '--format', 'onnx');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spec\.snapshot\.yaml:\d+:\d+: Cannot export `mask_zero` of layer `embedding_1` \(embedding\) to ONNX/);
    expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const bad = await cli('export', masked, '--format', 'onnx', '--quantize', 'int4');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--quantize must be float16 or int8, not int4');
    expect((await cli('export', masked, '--opset', '9')).err).toContain('--opset 9 is not offered: the exporter writes operator sets 17–21');
  }, 120_000);
});
