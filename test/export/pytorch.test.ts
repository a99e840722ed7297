/**
 * `exportPytorch` end to end, in the real runtime (Debian's torch at /usr/bin/python3): tiny real
 * runs of the examples and of one small model per layer family, exported with their checkpoints;
 * the package's model on converted weights must (a) predict what the trainer predicts, (b) move
 * its weights as the trainer does in one optimizer step on the same batch, and (d) convert back to
 * the very bytes it came from. Layers without a faithful equivalent are refused with their line.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, trainSettings } from '../../src/core/analyze';
import { validateRunRecord, validateTrainerEvent } from '../../src/core/protocol/trainer';
import { exportPytorch, ExportError } from '../../src/export/pytorch';
import { readStoredModel } from '../../src/export/checkpoint';
import { loadModel } from '../../src/trainer/checkpoint';
import { lossOf, optimizerOf } from '../../src/trainer/model/objectives';
import * as tf from '../../src/trainer/tf';
import { ROOT, tempDir, workspace } from '../trainer/helpers';
import { hasTorch, PYTHON, python } from './python';
import { example, maxAbsDiff, seeded, specText, tinyRun, tinyRunOf, trainerPredict } from './runs';

if (!hasTorch) console.warn(`test/export/pytorch.test.ts skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);

const spec = specText;
const MNIST_IMG = '  source: { dataset: { name: mnist, samples: 200 } }\n  pipeline: [{ scale: 255 }, { reshape: { shape: [28, 28, 1] } }, { one_hot: 10 }]\n  validation: { split: 0.2 }';
const XOR = '  source: { dataset: { name: xor, samples: 200 } }\n  validation: { split: 0.2 }';
const IRIS_SEQ = '  source: { dataset: iris }\n  pipeline: [standardize, { reshape: [4, 1] }, { one_hot: 3 }]\n  validation: { split: 0.2 }';

/** One small model per layer family, each with a different optimizer (Keras semantics: RMSprop centred, Adagrad, Adamax, SGD momentum…). */
const FAMILIES: Record<string, string> = {
  // Strided `same` convolution (explicit pads), batch norm (momentum 0.99 ↔ 0.01, ε 1e-3), average and global pooling, depthwise, l2.
  conv: spec('conv', 5, MNIST_IMG, '[28, 28, 1]', `    - conv2d: { filters: 4, kernel_size: 3, strides: 2, padding: same, kernel_regularizer: { l2: 0.01 } }
    - batch_norm
    - activation: relu
    - depthwise_conv2d: { kernel_size: 3, padding: same, activation: relu6 }
    - avg_pool2d: { pool_size: 2 }
    - max_pool2d: { pool_size: 3, strides: 2, padding: same }
    - conv2d: { filters: 6, kernel_size: 1, activation: elu }
    - global_avg_pool2d
    - dense: { units: 10, activation: softmax }`, '  loss: categorical_crossentropy\n  optimizer: { rmsprop: { learning_rate: 0.01, centered: true, momentum: 0.5 } }\n  batch_size: 16'),
  gru: spec('gru', 2, IRIS_SEQ, '[4, 1]', '    - gru: { units: 4, return_sequences: true }\n    - conv1d: { filters: 3, kernel_size: 2, activation: tanh }\n    - global_max_pool1d\n    - dense: { units: 3, activation: softmax }',
    '  loss: categorical_crossentropy\n  optimizer: { adagrad: { learning_rate: 0.1 } }\n  batch_size: 16'),
  rnn: spec('rnn', 3, IRIS_SEQ, '[4, 1]', '    - simple_rnn: { units: 5, return_sequences: true }\n    - gru: { units: 3, reset_after: false, return_sequences: true }\n    - lstm: { units: 4, go_backwards: true }\n    - dense: { units: 3, activation: softmax }',
    '  loss: categorical_crossentropy\n  optimizer: { adamax: { learning_rate: 0.05 } }\n  batch_size: 16'),
  dense: spec('dense', 4, '  source: { dataset: iris }\n  pipeline: [standardize, { one_hot: 3 }]\n  validation: { split: 0.2 }', '[4]',
    `    - dense: { units: 8, activation: leaky_relu, kernel_initializer: he_normal, bias_regularizer: { l1: 0.01 } }
      name: first
    - dense: { units: 8, activation: gelu }
      name: side
    - concatenate:
      name: joined
      inputs: [first, side]
    - dense: { units: 3, activation: softmax }`, '  loss: categorical_crossentropy\n  optimizer: { sgd: { learning_rate: 0.1, momentum: 0.9, nesterov: true } }\n  batch_size: 16'),
  // SGD: an adaptive step (Adam) turns the float noise of gradients that are zero in exact arithmetic
  // (the key projection's bias: softmax ignores a shift per query) into steps of ±lr.
  // Self-attention with value_dim and a multi-axis output_shape, layer norm (Keras ε 1e-3), a transformer block with GELU.
  attention: spec('attention', 6, IRIS_SEQ, '[4, 1]', `    - dense: { units: 6, activation: tanh }
    - multi_head_attention: { num_heads: 2, key_dim: 3, value_dim: 2, output_shape: [2, 4] }
    - reshape: [4, 8]
    - layer_norm
    - transformer_encoder: { num_heads: 2, ff_dim: 8, activation: gelu }
    - global_avg_pool1d
    - dense: { units: 3, activation: softmax }`, '  loss: categorical_crossentropy\n  optimizer: { sgd: { learning_rate: 0.1 } }\n  batch_size: 16'),
  // Every merge mode; LSTM, the trainer's reset-after GRU and a simple RNN in both directions; PReLU.
  bidirectional: spec('bidirectional', 7, IRIS_SEQ, '[4, 1]', `    - bidirectional: { layer: { lstm: { units: 3, return_sequences: true } } }
    - bidirectional: { layer: { simple_rnn: { units: 3, return_sequences: true } }, merge_mode: mul }
    - bidirectional: { layer: { gru: { units: 2, return_sequences: true } }, merge_mode: ave }
    - bidirectional: { layer: { lstm: { units: 2 } }, merge_mode: sum }
    - prelu: { alpha_initializer: { constant: { value: 0.2 } } }
    - dense: { units: 3, activation: softmax }`, '  loss: categorical_crossentropy\n  optimizer: { rmsprop: { learning_rate: 0.01 } }\n  batch_size: 16'),
  // Separable (strided; dilated with a depth multiplier: tfjs's SeparableConv2D does not save depthMultiplier in its config, so the trainer could not load a plain one back), transposed convolutions (odd same pads, k < s), the trainer's dilated strided depthwise layer, crop/pad, PReLU per channel.
  separable: spec('separable', 8, MNIST_IMG, '[28, 28, 1]', `    - separable_conv2d: { filters: 4, kernel_size: 3, strides: 2, padding: same, pointwise_regularizer: { l2: 0.01 } }
    - conv2d_transpose: { filters: 3, kernel_size: 3, strides: 2, padding: same, activation: relu }
    - cropping2d: [2, 3]
    - max_pool2d: { pool_size: 2 }
    - depthwise_conv2d: { kernel_size: 3, depth_multiplier: 2, dilation_rate: 2, strides: 2, padding: same }
    - conv2d_transpose: { filters: 2, kernel_size: 2, strides: 3 }
    - zero_padding2d: [1, 2, 0, 1]
    - prelu: { shared_axes: [1, 2], alpha_initializer: { constant: { value: 0.1 } } }
    - separable_conv2d: { filters: 3, kernel_size: 3, padding: same, dilation_rate: 2, depth_multiplier: 2 }
    - conv2d_transpose: { filters: 2, kernel_size: 4, strides: 2, padding: same }
    - global_avg_pool2d
    - dense: { units: 10, activation: softmax }`, '  loss: categorical_crossentropy\n  optimizer: { sgd: { learning_rate: 0.05, momentum: 0.9 } }\n  batch_size: 16'),
  // Nearest upsampling, forward only: tfjs's gradient of upSampling2d is wrong for inputs with
  // several channels (its resizeNearestNeighbor backprop; PyTorch's is the true gradient), so the
  // trainer's step is not the reference there.
  upsampling: spec('upsampling', 10, MNIST_IMG, '[28, 28, 1]', `    - conv2d: { filters: 3, kernel_size: 3, strides: 3 }
    - upsampling2d: { size: [2, 3] }
    - conv2d: { filters: 2, kernel_size: 3, strides: 2 }
    - global_avg_pool2d
    - dense: { units: 10, activation: softmax }`, '  loss: categorical_crossentropy\n  optimizer: sgd\n  batch_size: 16'),
  // The hinge loss on 0/1 labels (the trainer maps them to ±1).
  hinge: spec('hinge', 11, XOR, '[2]', '    - dense: { units: 4, activation: tanh }\n    - dense: { units: 1, activation: tanh }', '  loss: hinge\n  optimizer: { sgd: { learning_rate: 0.1 } }\n  batch_size: 16'),
  // Layers that only add noise while training: identity at inference (no step comparison).
  noise: spec('noise', 9, IRIS_SEQ, '[4, 1]', `    - spatial_dropout1d: 0.2
    - gaussian_noise: 0.1
    - lstm: { units: 3 }
    - gaussian_dropout: 0.1
    - dense: { units: 3, activation: softmax }`, '  loss: categorical_crossentropy\n  optimizer: adam\n  batch_size: 16'),
};

// The `bert` layer on the Hugging Face fixture folder (copied next to the spec), fed by its `wordpiece` step.
// SGD, as for attention above: the key projections' biases get gradients that are zero in exact arithmetic.
const BERT_DIR = join(ROOT, 'test', 'fixtures', 'hf-bert-small-random');
const BERT_FILES: Record<string, string | Uint8Array> = Object.fromEntries(['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json'].map((f) => [`bert-folder/${f}`, readFileSync(join(BERT_DIR, f))]));
const REVIEWS = Array.from({ length: 40 }, (_, i) => JSON.stringify({ review: ['really good movie', 'the worst film ever', 'i love this story', 'boring and slow'][i % 4], positive: (i + 1) % 2 })).join('\n');
FAMILIES.bert = spec('bert', 12, '  source:\n    jsonl: { path: reviews.jsonl, text: review, label: positive, label_type: binary }\n  pipeline:\n    - wordpiece: { from: bert-folder, max_length: 10 }', '[10]',
  '    - bert: { from: bert-folder, pooling: cls }\n    - dense: { units: 1, activation: sigmoid }', '  loss: binary_crossentropy\n  optimizer: { sgd: { learning_rate: 0.1, momentum: 0.9 } }\n  batch_size: 8');
const FILES: Record<string, Record<string, string | Uint8Array>> = { bert: { ...BERT_FILES, 'reviews.jsonl': `${REVIEWS}\n` } };

const EXAMPLES = ['house-prices', 'mlp', 'mnist-cnn', 'residual-cnn', 'lstm-sentiment', 'transformer-text'] as const;
const CASES = [...EXAMPLES, ...Object.keys(FAMILIES)];
/** Noise layers draw different noise in each framework; tfjs's upsampling gradient is wrong (above): no step comparison. */
const NO_STEP = new Set(['noise', 'upsampling']);
/** Dropout draws different masks in each framework: their step runs with every dropout rate at 0 on both sides. */
const DROPOUT = new Set(['mlp', 'transformer-text', 'bert']);
const runs: Record<string, string> = {};

/** MODELYAML_TEST_RUNS=attention,mlp trains only those runs (with `-t` naming their tests: a quicker loop while working on a mapping). */
const only = process.env.MODELYAML_TEST_RUNS?.split(',');
beforeAll(async () => {
  if (!hasTorch) return;
  for (const name of EXAMPLES) if (!only || only.includes(name)) runs[name] = await tinyRun(example(name));
  for (const [name, text] of Object.entries(FAMILIES)) if (!only || only.includes(name)) runs[name] = await tinyRunOf(text, FILES[name]);
}, 900_000);

const f32 = (xs: ArrayLike<number>) => Buffer.from(new Float32Array(Array.from(xs)).buffer);
const readF32 = (file: string) => new Float32Array(new Uint8Array(readFileSync(file)).buffer);

/** Inputs of the model's shape (token ids for an embedding) and labels the loss takes. */
function batchFor(run: string, n: number) {
  const pre = JSON.parse(readFileSync(join(runs[run], 'preprocessing.json'), 'utf8')) as { features: { shape: number[] }; labels: { kind: string; shape: number[]; classes?: number } };
  const xShape = [n, ...pre.features.shape];
  const r = seeded(run.length * 7919 + 1);
  const ids = run.startsWith('lstm') || run === 'bert';
  const vocab = run === 'bert' ? 179 : 10000;
  // BERT's rows end in padding (id 0) after a random length, so the attention mask matters.
  const x = Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, (_, i) => (!ids ? r() : run === 'bert' && i % xShape[1] > 3 + (Math.floor(i / xShape[1]) % 5) ? 0 : Math.floor(r() * vocab)));
  const k = pre.labels.classes ?? 1;
  const yShape = [n, ...pre.labels.shape];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * k);
    if (pre.labels.kind === 'one_hot') for (let j = 0; j < k; j++) y.push(j === c ? 1 : 0);
    else if (pre.labels.kind === 'binary') y.push(r() < 0.5 ? 0 : 1);
    else y.push(pre.labels.kind === 'class_index' ? c : r() * 2 - 1);
  }
  return { x, xShape, y, yShape };
}

const PARITY_PY = String.raw`
import json, sys
from array import array
import torch
import objectives, train, weights
from model import Model

cfg = json.load(open(sys.argv[1]))
def load(path, shape):
    a = array("f"); a.frombytes(open(path, "rb").read()); return torch.tensor(a).reshape(shape)
model = Model()
model.load_state_dict(weights.tfjs_to_state_dict("tfjs", model))
weights.state_dict_to_tfjs(model.state_dict(), "tfjs", cfg["roundTrip"])
x = load(cfg["x"], cfg["xShape"])
model.eval()
with torch.no_grad():
    out = model(x)
open(cfg["out"], "wb").write(array("f", out.flatten().tolist()).tobytes())
if cfg.get("y"):
    y = load(cfg["y"], cfg["yShape"])
    model.train()
    if cfg.get("noDropout"):
        for m in model.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
    opt = train.make_optimizer([p for p in model.parameters() if p.requires_grad])
    loss = train.LOSS(y, model(x)).mean() + objectives.regularization(model)
    opt.zero_grad(); loss.backward(); opt.step()
    weights.state_dict_to_tfjs(model.state_dict(), "tfjs", cfg["stepped"])
`;

/** Exports a run and runs the parity script in its package. */
async function exportAndRun(run: string, withStep: boolean) {
  const out = join(tempDir('modelyaml-export-pytorch-'), 'pkg');
  exportPytorch(runs[run], { out });
  const b = batchFor(run, run.startsWith('lstm') ? 4 : 8);
  const cfg = { noDropout: DROPOUT.has(run), x: join(out, 'x.bin'), xShape: b.xShape, y: withStep ? join(out, 'y.bin') : undefined, yShape: b.yShape, out: join(out, 'out.bin'), roundTrip: join(out, 'rt', 'model'), stepped: join(out, 'step', 'model') };
  writeFileSync(cfg.x, f32(b.x));
  writeFileSync(join(out, 'y.bin'), f32(b.y));
  writeFileSync(join(out, 'cfg.json'), JSON.stringify(cfg));
  writeFileSync(join(out, 'parity.py'), PARITY_PY);
  const p = await python(['parity.py', 'cfg.json'], out);
  expect(p.code, p.stderr).toBe(0);
  return { out, cfg, b };
}

/** A copy of the checkpoint folder whose layers (dropout, attention) all have rate 0: the step is then deterministic in both frameworks. */
function withoutDropout(dir: string): string {
  const copy = tempDir('modelyaml-export-nodropout-');
  for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(copy, f));
  const zero = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(zero);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, (k === 'rate' || k.endsWith('dropout_prob')) && typeof x === 'number' ? 0 : zero(x)]));
  };
  writeFileSync(join(copy, 'model.json'), JSON.stringify(zero(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')))));
  return copy;
}

/** The trainer's weights after one step of the spec's optimizer and loss on the batch, by tfjs name. */
async function trainerStep(run: string, b: ReturnType<typeof batchFor>): Promise<Map<string, Float32Array>> {
  await tf.setBackend('cpu');
  const stored = readStoredModel(runs[run]);
  const model = await loadModel(DROPOUT.has(run) ? withoutDropout(stored.dir) : stored.dir);
  const a = analyze(readFileSync(join(runs[run], 'spec.snapshot.yaml'), 'utf8'));
  const s = trainSettings(a.spec)!;
  const pre = JSON.parse(readFileSync(join(runs[run], 'preprocessing.json'), 'utf8')) as { labels: { kind: 'one_hot'; classes?: number } };
  // trainOnBatch checks targets against the output's shape: class indices go in one-hot, with the
  // categorical loss, which is what the sparse loss computes (it one-hots them itself).
  const sparse = s.loss.type === 'sparse_categorical_crossentropy';
  const loss = sparse ? { ...s.loss, type: 'categorical_crossentropy' } : s.loss;
  const k = (model.outputs[0].shape as number[]).at(-1)!;
  const y = sparse ? tf.oneHot(tf.tensor(b.y, [b.y.length], 'int32'), k) : tf.tensor(b.y, b.yShape);
  model.compile({ optimizer: optimizerOf(s.optimizer), loss: lossOf(loss, { labelKind: sparse ? 'one_hot' : pre.labels.kind, classes: pre.labels.classes }) });
  await model.trainOnBatch(tf.tensor(b.x, b.xShape), y);
  const names = stored.weights.map((w) => w.name);
  const values = model.getWeights();
  const out = new Map<string, Float32Array>();
  // model.getWeights() follows model.weights, the order the checkpoint's manifest was written in.
  values.forEach((v, i) => out.set(names[i], v.dataSync() as Float32Array));
  model.dispose();
  return out;
}

describe.skipIf(!hasTorch)('exportPytorch: the package in Debian’s torch', () => {
  it.each(CASES)('%s: (a) forward equals the trainer’s within 1e-4, (d) tfjs → PyTorch → tfjs is byte-exact, (b) one step moves the weights as the trainer’s', async (run) => {
    const withStep = !NO_STEP.has(run);
    const { cfg, b } = await exportAndRun(run, withStep);
    const stored = readStoredModel(runs[run]);
    const torchY = readF32(cfg.out);
    const trainerY = await trainerPredict(stored.dir, b.x, b.xShape);
    expect(torchY.every(Number.isFinite)).toBe(true);
    const forwardDiff = maxAbsDiff(torchY, trainerY);
    expect(forwardDiff).toBeLessThan(1e-4);
    // (d): every weight back, bit for bit.
    const back = readStoredModel(join(cfg.roundTrip, '..'));
    expect(back.weights.map((w) => w.name)).toEqual(stored.weights.map((w) => w.name));
    back.weights.forEach((w, i) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(stored.weights[i].values.buffer)), w.name).toBe(true));
    if (!withStep) return console.log(`${run}: forward max |Δ| ${forwardDiff.toExponential(2)}`);
    const stepped = readStoredModel(join(cfg.stepped, '..'));
    const trainer = await trainerStep(run, b);
    const diffs = stepped.weights.map((w) => [w.name, maxAbsDiff(w.values, trainer.get(w.name)!)] as const);
    const worst = diffs.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`${run}: forward max |Δ| ${forwardDiff.toExponential(2)}, step max |Δ| ${worst[1].toExponential(2)} (${worst[0]})`);
    if (worst[1] >= 1e-4) console.log(diffs.filter((d) => d[1] > 1e-6).map((d) => `${d[0]} ${d[1].toExponential(2)}`).join('\n'));
    expect(worst[1], worst[0]).toBeLessThan(1e-4);
  }, 600_000);

  it('(c) two DDP processes on CPU (gloo), global batch 16, equal one process after 20 steps; both write a ModelYAML run folder', async () => {
    const out = join(tempDir('modelyaml-export-pytorch-'), 'pkg');
    exportPytorch(runs['house-prices'], { out });
    const env = { ...process.env, MODELYAML_DATA: join(ROOT, 'examples', 'data', 'houses.csv'), OMP_NUM_THREADS: '1' };
    const common = ['train.py', '--epochs', '50', '--max-steps', '20', '--no-shuffle'];
    const one = await python([...common, '--out', 'runs/one'], out, env);
    expect(one.code, one.stderr).toBe(0);
    // The two ranks as torchrun starts them (its environment: env:// rendezvous). Debian's torchrun
    // 1.13 itself fails under Python 3.12 before starting a worker (Std.from_str returns None).
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const ranks = [0, 1].map((rank) => python([...common, '--out', 'runs/two'], out, { ...env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port }));
    for (const r of await Promise.all(ranks)) expect(r.code, r.stderr).toBe(0);
    const start = readStoredModel(runs['house-prices']).weights;
    const a = readStoredModel(join(out, 'runs', 'one')).weights;
    const b = readStoredModel(join(out, 'runs', 'two')).weights;
    expect(a.map((w) => w.name)).toEqual(b.map((w) => w.name));
    a.forEach((w, i) => expect(maxAbsDiff(w.values, b[i].values), w.name).toBeLessThan(1e-4));
    // The 20 steps moved the weights (from the run's checkpoint, train.py's default start).
    expect(Math.max(...a.map((w, i) => maxAbsDiff(w.values, start[i].values)))).toBeGreaterThan(1e-3);
    for (const run of ['one', 'two']) {
      const record = validateRunRecord(JSON.parse(readFileSync(join(out, 'runs', run, 'run.json'), 'utf8')));
      expect(record.ok && record.value.status).toBe('completed');
      const events = readFileSync(join(out, 'runs', run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => validateTrainerEvent(JSON.parse(l)));
      expect(events.every((e) => e.ok)).toBe(true);
      expect(events.map((e) => e.ok && e.value.type)).toEqual(expect.arrayContaining(['started', 'batch', 'epoch', 'checkpoint', 'done']));
    }
  }, 300_000);

  it('--resume carries on from the last epoch checkpoint: 2 epochs, then 2 more, equal 4 straight', async () => {
    const out = join(tempDir('modelyaml-export-pytorch-'), 'pkg');
    exportPytorch(runs['house-prices'], { out });
    const env = { ...process.env, MODELYAML_DATA: join(ROOT, 'examples', 'data', 'houses.csv'), OMP_NUM_THREADS: '1' };
    const run = async (...args: string[]) => {
      const p = await python(['train.py', '--no-shuffle', ...args], out, env);
      expect(p.code, p.stderr).toBe(0);
    };
    await run('--epochs', '4', '--out', 'runs/straight');
    await run('--epochs', '2', '--out', 'runs/resumed');
    await run('--epochs', '4', '--out', 'runs/resumed', '--resume');
    const a = readStoredModel(join(out, 'runs', 'straight')).weights;
    const b = readStoredModel(join(out, 'runs', 'resumed')).weights;
    a.forEach((w, i) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(b[i].values.buffer)), w.name).toBe(true));
    const record = JSON.parse(readFileSync(join(out, 'runs', 'resumed', 'run.json'), 'utf8')) as { epochs: number; resumedFrom?: string };
    expect(record.epochs).toBe(4);
    expect(record.resumedFrom).toContain('last.pt');
  }, 300_000);

  it.each(EXAMPLES)('%s exported from its spec file: the model builds with the spec’s parameter count', async (name) => {
    const out = join(tempDir('modelyaml-export-pytorch-'), 'pkg');
    exportPytorch(example(name), { out });
    const script = 'import model\nm = model.Model()\nprint(sum(p.numel() for p in m.parameters() if p.requires_grad) + sum(b.numel() for b in m.buffers() if b.dtype.is_floating_point))';
    const p = await python(['-c', script], out);
    expect(p.code, p.stderr).toBe(0);
    expect(Number(p.stdout.trim())).toBe(analyze(readFileSync(example(name), 'utf8')).model!.totalParams);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('torchrun --nnodes=2');
  });

  it('refuses a layer without a faithful PyTorch equivalent, naming it and its spec line', () => {
    const dir = workspace({ 'spec.model.yaml': spec('refused', 1, MNIST_IMG, '[28, 28, 1]', '    - upsampling2d: { size: 2, interpolation: bilinear }\n    - flatten\n    - dense: { units: 10, activation: softmax }', '  loss: categorical_crossentropy\n  optimizer: adam') });
    const call = () => exportPytorch(join(dir, 'spec.model.yaml'), { out: join(dir, 'pkg') });
    expect(call).toThrow(ExportError);
    expect(call).toThrow(/spec\.model\.yaml:11:7: layer `upsampling2d_1` \(upsampling2d\), `interpolation` has no faithful PyTorch equivalent/);
  });

  it('refuses a pipeline step data.py lacks, naming it and its spec line, except for the engine (prepared data)', () => {
    const table = 'a,b,label\n1,2,x\n,4,y\n5,6,x\n7,8,y\n';
    const text = (steps: string) => spec('steps', 1, `  source:\n    csv: { path: t.csv, label: label }\n  pipeline:\n${steps}    - label_encode\n`, '[2]', '    - dense: { units: 2, activation: softmax }', '  loss: sparse_categorical_crossentropy\n  optimizer: adam');
    const cases: [string, string][] = [
      ['    - augment: { noise: 0.1 }\n', "spec.model.yaml:8:7: the pipeline step `augment` is not in the package's data.py yet"],
      ['    - standardize\n    - label_encode: { column: b }\n', 'spec.model.yaml:9:7: this `label_encode` encodes a column after `standardize` (line 8)'],
    ];
    for (const [steps, message] of cases) {
      const dir = workspace({ 'spec.model.yaml': text(steps), 't.csv': table });
      const call = () => exportPytorch(join(dir, 'spec.model.yaml'), { out: join(dir, 'pkg') });
      expect(call).toThrow(ExportError);
      expect(call).toThrow(message);
      // The engine hands the package the trainer's prepared splits: nothing to refuse.
      expect(() => exportPytorch(join(dir, 'spec.model.yaml'), { out: join(dir, 'engine'), prepared: true })).not.toThrow();
    }
  });
});
