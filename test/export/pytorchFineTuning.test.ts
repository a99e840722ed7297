/**
 * The fine-tuning settings in the PyTorch package, against the embedded trainer (Debian's torch at
 * /usr/bin/python3): specs that start from a TF.js run's weights (`model.weights`) train a few
 * steps in both, with the same batches, and end with the same weights within 1e-4 — AdamW with
 * clipnorm, warm-up and sparse label smoothing; global_clipnorm with cosine restarts; clipvalue
 * with one-cycle; frozen layers, rate multipliers and the unfreeze. Every schedule's per-step rate
 * equals the trainer's; a frozen layer stays bit-identical without a .grad; pretrained weights from
 * a TF.js run and from Keras's own files give the trainer's (and Keras's) outputs.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { readCheckpoint, readStoredModel } from '../../src/export/checkpoint';
import { exportPytorch, exportPytorchWithWeights } from '../../src/export/pytorch';
import { trainSetup } from '../../src/export/pytorch/train';
import { SCHEDULES } from '../../src/trainer/model/objectives';
import { ROOT, tempDir, train, workspace } from '../trainer/helpers';
import { hasTorch, PYTHON, python } from './python';
import { maxAbsDiff, seeded, specText, tinyRunOf, trainerPredict } from './runs';

if (!hasTorch) console.warn(`test/export/pytorchFineTuning.test.ts skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);

const LAYERS = `    - dense: { units: 8, activation: relu }
      name: hidden
    - dense: { units: 6, activation: tanh }
      name: mid
    - dense: { units: 3, activation: softmax }
      name: head`;

/** Iris with class-index labels (sparse cross-entropy); `weights`, layer lines and train lines vary. */
const irisSpec = (o: { weights?: string; layers?: string; train: string }) => `version: 1
name: iris-tune
seed: 7
data:
  source: { dataset: iris }
  pipeline: [standardize]
  validation: { split: 0.2 }
model:
  input: [4]${o.weights ? `\n  weights: ${o.weights}` : ''}
  layers:
${o.layers ?? LAYERS}
train:
${o.train}
  batch_size: 16
  shuffle: false
`;

const env = { ...process.env, OMP_NUM_THREADS: '1' };
let source: string;

beforeAll(async () => {
  if (!hasTorch) return;
  source = await tinyRunOf(irisSpec({ train: '  loss: sparse_categorical_crossentropy\n  optimizer: { adam: { learning_rate: 0.05 } }' }));
}, 300_000);

const EPOCHS = 2;
const BATCHES = 3;

/** A workspace with the spec as tune.model.yaml and the source run's checkpoint as source/ (the trainer reads files only from inside it). */
function withSource(text: string): string {
  const model = join(source, 'model');
  return workspace({ 'tune.model.yaml': text, ...Object.fromEntries(readdirSync(model).map((f) => [`source/${f}`, readFileSync(join(model, f))])) });
}

/** Trains the spec in the trainer and in its exported package for EPOCHS × BATCHES steps; both runs' final weights by tfjs name. */
async function trainBoth(text: string) {
  const dir = withSource(text);
  const spec = join(dir, 'tune.model.yaml');
  const trained = await train(spec, { out: tempDir('modelyaml-tune-runs-'), epochs: EPOCHS, maxBatchesPerEpoch: BATCHES });
  expect(trained.result.status, trained.result.error?.message).toBe('completed');
  const trainerDir = join(trained.result.runDir!, 'model');
  const pkg = join(dir, 'pkg');
  exportPytorch(spec, { out: pkg });
  const run = await python(['train.py', '--no-shuffle', '--threads', '1', '--epochs', String(EPOCHS), '--max-batches-per-epoch', String(BATCHES), '--out', 'runs/t'], pkg, env);
  expect(run.code, run.stderr).toBe(0);
  const back = await python(['weights.py', 'to-tfjs', 'runs/t/model.pt', trainerDir, 'back'], pkg, env);
  expect(back.code, back.stderr).toBe(0);
  const byName = (d: string) => new Map(readCheckpoint(d).weights.map((w) => [w.name, w.values]));
  return { trainer: byName(trainerDir), torch: byName(join(pkg, 'back')), source: byName(join(source, 'model')), pkg, events: trained.events, run: trained.result.runDir! };
}

/** The largest |Δ| over all weights, and the weight it is in. */
function worst(a: Map<string, ArrayLike<number>>, b: Map<string, ArrayLike<number>>): [string, number] {
  let w: [string, number] = ['', 0];
  for (const [name, v] of a) {
    const d = maxAbsDiff(v, b.get(name)!);
    if (d >= w[1]) w = [name, d];
  }
  return w;
}

const from = () => '{ from: source }';
const bytes = (v: Float32Array | Int32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe.skipIf(!hasTorch)('fine-tuning settings: the package steps as the trainer steps', () => {
  const cases: [string, () => string][] = [
    ['adamw + clipnorm + polynomial_decay with warm-up + sparse label smoothing', () => irisSpec({ weights: from(), train: '  loss: { sparse_categorical_crossentropy: { label_smoothing: 0.2 } }\n  optimizer: { adamw: { learning_rate: 0.02, weight_decay: 0.5, clipnorm: 0.05 } }\n  lr_schedule: { polynomial_decay: { decay_steps: 4, end_learning_rate: 0.001, warmup_steps: 2 } }' })],
    ['sgd momentum + global_clipnorm + cosine_decay_restarts with warm-up to a target', () => irisSpec({ weights: from(), train: '  loss: sparse_categorical_crossentropy\n  optimizer: { sgd: { learning_rate: 0.05, momentum: 0.9, global_clipnorm: 0.1 } }\n  lr_schedule: { cosine_decay_restarts: { first_decay_steps: 2, t_mul: 2, m_mul: 0.5, alpha: 0.1, warmup_steps: 1, warmup_target: 0.2 } }' })],
    ['rmsprop + clipvalue + one_cycle', () => irisSpec({ weights: from(), train: '  loss: sparse_categorical_crossentropy\n  optimizer: { rmsprop: { learning_rate: 0.01, clipvalue: 0.02 } }\n  lr_schedule: { one_cycle: { total_steps: 6, max_lr: 0.05 } }' })],
    ['frozen pretrained layers × 0.5, a trainable head, unfrozen after 1 epoch at × 0.1 (adam)', () => irisSpec({
      weights: '{ from: source, trainable: false, learning_rate_multiplier: 0.5 }',
      layers: LAYERS.replace('      name: head', '      name: head\n      trainable: true'),
      train: '  loss: sparse_categorical_crossentropy\n  optimizer: { adam: { learning_rate: 0.02 } }\n  unfreeze: { after_epochs: 1, learning_rate_multiplier: 0.1 }',
    })],
  ];
  it.each(cases)('%s: the same weights within 1e-4', async (_what, text) => {
    const r = await trainBoth(text());
    const [name, diff] = worst(r.trainer, r.torch);
    const [, moved] = worst(r.trainer, r.source);
    console.log(`${_what}: max |Δ| trainer vs package ${diff.toExponential(2)} (${name}); moved from the source by ${moved.toExponential(2)}`);
    expect(diff, name).toBeLessThan(1e-4);
    expect(moved, 'the steps moved the weights').toBeGreaterThan(1e-3);
    if (!_what.includes('unfrozen')) return;
    // The unfrozen layers trained in epoch 2 (Adam bias-corrected with the global step count, as tfjs does), and both say so.
    expect(maxAbsDiff(r.trainer.get('hidden/kernel')!, r.source.get('hidden/kernel')!)).toBeGreaterThan(1e-4);
    const message = 'unfroze hidden, mid before epoch 2 (learning rate × 0.1)';
    expect(r.events.some((e) => e.type === 'log' && e.message === message)).toBe(true);
    const logged = readFileSync(join(r.pkg, 'runs', 't', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; message?: string });
    expect(logged.some((e) => e.type === 'log' && e.message === message)).toBe(true);
    // Exported from the trainer's run, train.py keeps the spec's fine-tuning (the loaded layers from the source's names).
    const fromRun = join(tempDir('modelyaml-tune-run-pkg-'), 'pkg');
    exportPytorch(r.run, { out: fromRun });
    const config = readFileSync(join(fromRun, 'train.py'), 'utf8');
    expect(config.replace(/\s+/g, ' ')).toContain('"fine_tuning": { "frozen": [ "hidden", "mid" ], "loaded": [ "hidden", "mid", "head" ], "loaded_multiplier": 0.5,');
  }, 600_000);

  it('a frozen batch norm runs in inference mode in both (its moving statistics unchanged), the rest trains alike', async () => {
    const layers = LAYERS.replace('      name: mid', '      name: mid\n    - batch_norm: {}\n      name: bn\n      trainable: false');
    const r = await trainBoth(irisSpec({ weights: from(), layers, train: '  loss: sparse_categorical_crossentropy\n  optimizer: { adam: { learning_rate: 0.02 } }' }));
    const [name, diff] = worst(r.trainer, r.torch);
    expect(diff, name).toBeLessThan(1e-4);
    for (const [w, start] of [['bn/moving_mean', 0], ['bn/moving_variance', 1]] as const) {
      expect([...r.torch.get(w)!].every((v) => v === start), `package ${w}`).toBe(true);
      expect([...r.trainer.get(w)!].every((v) => v === start), `trainer ${w}`).toBe(true);
    }
  }, 600_000);

  it('a frozen layer stays bit-identical in both, gets no .grad and is not in the optimizer', async () => {
    const r = await trainBoth(irisSpec({ weights: from(), layers: LAYERS.replace('      name: hidden', '      name: hidden\n      trainable: false'), train: '  loss: sparse_categorical_crossentropy\n  optimizer: { adamw: { learning_rate: 0.02 } }' }));
    for (const w of ['hidden/kernel', 'hidden/bias']) {
      expect(bytes(r.torch.get(w)!).equals(bytes(r.source.get(w)!)), `package ${w}`).toBe(true);
      expect(bytes(r.trainer.get(w)!).equals(bytes(r.source.get(w)!)), `trainer ${w}`).toBe(true);
    }
    expect(worst(r.trainer, r.torch)[1]).toBeLessThan(1e-4);
    const script = String.raw`
import json, torch, train, weights, fine_tuning
from model import Model
model = Model()
assert weights.load_pretrained(model)
fine = fine_tuning.FineTuning(model, train.CONFIG["fine_tuning"])
opt = train.make_optimizer([p for p in model.parameters() if p.requires_grad])
frozen = fine.params_of(["hidden"])
before = [p.detach().clone() for p in frozen]
x, y = torch.randn(8, 4), torch.randint(0, 3, (8, 1)).float()
hidden_out = model.hidden(x)
loss = train.LOSS(y, model(x)).mean()
opt.zero_grad()
loss.backward()
fine.step(opt.step)
in_opt = {id(q) for g in opt.param_groups for q in g["params"]}
print(json.dumps({"n": len(frozen), "noGrad": all(p.grad is None for p in frozen), "same": all(torch.equal(p, b) for p, b in zip(frozen, before)),
                  "inOptimizer": any(id(p) in in_opt for p in frozen), "graph": hidden_out.requires_grad, "headGrad": model.head.weight.grad is not None}))
`;
    const p = await python(['-c', script], r.pkg, env);
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout)).toEqual({ n: 2, noGrad: true, same: true, inOptimizer: false, graph: false, headGrad: true });
  }, 600_000);
});

describe.skipIf(!hasTorch)('train.py --resume across the unfreeze', () => {
  it('2 epochs (unfrozen before the 2nd), then --resume to 3, equal 3 straight, bit for bit', async () => {
    const text = irisSpec({ weights: '{ from: source, layers: [hidden, mid], trainable: false }', train: '  loss: sparse_categorical_crossentropy\n  optimizer: { adamw: { learning_rate: 0.02, clipnorm: 0.5 } }\n  lr_schedule: { cosine_decay: { decay_steps: 9, warmup_steps: 2 } }\n  unfreeze: { after_epochs: 1, learning_rate_multiplier: 0.3 }' });
    const dir = withSource(text);
    const pkg = join(dir, 'pkg');
    exportPytorch(join(dir, 'tune.model.yaml'), { out: pkg });
    const args = ['train.py', '--no-shuffle', '--threads', '1', '--max-batches-per-epoch', '3'];
    for (const extra of [['--epochs', '3', '--out', 'runs/straight'], ['--epochs', '2', '--out', 'runs/split'], ['--epochs', '3', '--out', 'runs/split', '--resume']]) {
      const p = await python([...args, ...extra], pkg, env);
      expect(p.code, p.stderr).toBe(0);
    }
    const script = 'import json, torch\na, b = torch.load("runs/straight/model.pt"), torch.load("runs/split/model.pt")\nprint(json.dumps(all(torch.equal(a[k], b[k]) for k in a)))';
    const p = await python(['-c', script], pkg, env);
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout)).toBe(true);
  }, 300_000);
});

describe.skipIf(!hasTorch)('schedules: train.py’s per-step rates are the trainer’s', () => {
  it('every step schedule, with and without warm-up, through the config train.py is written with', async () => {
    const schedules = [
      '{ exponential_decay: { decay_steps: 7, decay_rate: 0.5, warmup_steps: 5 } }',
      '{ exponential_decay: { decay_steps: 7, decay_rate: 0.5, staircase: true } }',
      '{ cosine_decay: { decay_steps: 30, alpha: 0.1, warmup_steps: 10, warmup_target: 0.3 } }',
      '{ cosine_decay_restarts: { first_decay_steps: 6, t_mul: 1.5, m_mul: 0.7, alpha: 0.05, warmup_steps: 4 } }',
      '{ cosine_decay_restarts: { first_decay_steps: 5 } }',
      '{ polynomial_decay: { decay_steps: 20, end_learning_rate: 0, power: 2, cycle: true, warmup_steps: 3 } }',
      '{ polynomial_decay: { decay_steps: 20, end_learning_rate: 0, warmup_steps: 6 } }',
      '{ one_cycle: { total_steps: 50 } }',
      '{ one_cycle: { total_steps: 37, max_lr: 0.2, pct_start: 0.25, anneal_strategy: linear, div_factor: 10, final_div_factor: 100 } }',
      '{ piecewise_constant: { boundaries: [5, 12], values: [0.1, 0.05, 0.01] } }',
    ];
    const base = 0.01;
    const steps = 60;
    const configs = schedules.map((s) => trainSetup(analyze(irisSpec({ train: `  loss: sparse_categorical_crossentropy\n  optimizer: { sgd: { learning_rate: ${base} } }\n  lr_schedule: ${s}` }))).config.schedule as { type: string; params: Record<string, unknown> });
    const trainer = configs.map((c) => Array.from({ length: steps }, (_, t) => SCHEDULES[c.type](c.params).atStep!(t, base)));
    const dir = workspace({ 'tune.model.yaml': irisSpec({ train: '  loss: sparse_categorical_crossentropy\n  optimizer: sgd' }) });
    exportPytorch(join(dir, 'tune.model.yaml'), { out: join(dir, 'pkg') });
    writeFileSync(join(dir, 'pkg', 'configs.json'), JSON.stringify(configs));
    const p = await python(['-c', `import json, fine_tuning\nprint(json.dumps([[fine_tuning.learning_rate(c, t, ${base}) for t in range(${steps})] for c in json.load(open("configs.json"))]))`], join(dir, 'pkg'), env);
    expect(p.code, p.stderr).toBe(0);
    const torch = JSON.parse(p.stdout) as number[][];
    configs.forEach((c, i) => trainer[i].forEach((r, t) => expect(Math.abs(torch[i][t] - r), `${c.type} step ${t}: ${torch[i][t]} vs ${r}`).toBeLessThanOrEqual(1e-12 * Math.abs(r))));
    expect(new Set(trainer.flat()).size).toBeGreaterThan(steps); // the schedules do change the rate
  }, 120_000);
});

/** Runs model.py on the package's pretrained weights (pretrained/) and returns its outputs. */
async function packageForward(pkg: string, x: number[], shape: number[], dtype: 'float32' | 'int32'): Promise<number[]> {
  writeFileSync(join(pkg, 'x.json'), JSON.stringify({ x, shape, dtype }));
  const script = `import json, torch, weights\nfrom model import Model\nc = json.load(open("x.json"))\nmodel = Model()\nassert weights.load_pretrained(model)\nmodel.eval()\nx = torch.tensor(c["x"], dtype=torch.float32 if c["dtype"] == "float32" else torch.int64).reshape(c["shape"])\nwith torch.no_grad():\n    print(json.dumps(model(x).flatten().tolist()))`;
  const p = await python(['-c', script], pkg, env);
  expect(p.code, p.stderr).toBe(0);
  return JSON.parse(p.stdout) as number[];
}

describe.skipIf(!hasTorch)('model.weights: the package starts from the pretrained weights', () => {
  /** A source spec trained with Adam: a few batches make its weights the pretrained ones. */
  const sourceSpec = (name: string, data: string, input: string, layers: string) => specText(name, 5, data, input, layers, '  loss: categorical_crossentropy\n  optimizer: { adam: { learning_rate: 0.01 } }\n  batch_size: 16');
  const CONV = sourceSpec('conv-src', '  source: { dataset: { name: mnist, samples: 100 } }\n  pipeline: [{ scale: 255 }, { reshape: { shape: [28, 28, 1] } }, { one_hot: 10 }]', '[28, 28, 1]', `    - conv2d: { filters: 4, kernel_size: 3, strides: 2, padding: same }
      name: conv1
    - batch_norm: {}
      name: bn
    - depthwise_conv2d: { kernel_size: 3, activation: relu }
      name: dw
    - flatten
    - dense: { units: 10, activation: softmax }
      name: head`);
  const RNN = sourceSpec('rnn-src', '  source: { dataset: iris }\n  pipeline: [standardize, { reshape: [4, 1] }, { one_hot: 3 }]', '[4, 1]', `    - gru: { units: 4, return_sequences: true }
      name: gru1
    - bidirectional: { layer: { lstm: { units: 3 } } }
      name: bi
    - dense: { units: 3, activation: softmax }
      name: head`);
  it.each([['conv + batch norm + depthwise + dense', CONV, [28, 28, 1]], ['GRU + bidirectional LSTM + dense', RNN, [4, 1]]] as const)('from a TF.js run (%s): model.py outputs equal the trainer’s within 1e-4', async (_what, text, shape) => {
    const run = await tinyRunOf(text);
    const dir = workspace({ 'tuned.model.yaml': text.replace('  layers:', `  weights: { from: ${run} }\n  layers:`) });
    const pkg = join(dir, 'pkg');
    const { files } = exportPytorch(join(dir, 'tuned.model.yaml'), { out: pkg });
    expect(files).toEqual(expect.arrayContaining(['pretrained/model.json', 'pretrained/weights.bin']));
    const meta = JSON.parse(readFileSync(join(pkg, 'pretrained', 'model.json'), 'utf8')) as { layers: string[] };
    expect(meta.layers.sort()).toEqual(text.includes('gru1') ? ['bi', 'gru1', 'head'] : ['bn', 'conv1', 'dw', 'head']);
    const r = seeded(17);
    const x = Array.from({ length: 3 * shape.reduce((a: number, b: number) => a * b, 1) }, () => r());
    const ours = await packageForward(pkg, x, [3, ...shape], 'float32');
    const theirs = await trainerPredict(readStoredModel(run).dir, x, [3, ...shape]);
    const diff = maxAbsDiff(ours, theirs);
    console.log(`${_what} from a TF.js run: max |Δ| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  }, 300_000);

  const KERAS = join(ROOT, 'test', 'fixtures', 'keras-small');
  const reference = JSON.parse(readFileSync(join(KERAS, 'reference-outputs.json'), 'utf8')) as { models: Record<string, { input: number[][]; output: number[][] }> };
  it.each([['small_cnn', 'small_cnn.keras', 'float32'], ['small_cnn', 'small_cnn.h5', 'float32'], ['small_rnn', 'small_rnn.keras', 'int32'], ['small_rnn', 'small_rnn.h5', 'int32']] as const)('%s from Keras’s %s: model.py gives Keras’s outputs within 1e-4', async (model, file, dtype) => {
    const specFile = join(KERAS, `${model}.model.yaml`);
    const text = readFileSync(specFile, 'utf8').replace(/from: \S+\.(keras|h5)/, `from: ${join(KERAS, file)}`);
    const pkg = join(tempDir('modelyaml-keras-pkg-'), 'pkg');
    const dir = workspace({ 'k.model.yaml': text, ...(model === 'small_rnn' ? { 'reviews.jsonl': readFileSync(join(KERAS, 'reviews.jsonl'), 'utf8') } : {}) });
    await exportPytorchWithWeights(join(dir, 'k.model.yaml'), { out: pkg });
    const ref = reference.models[model];
    const input = ref.input.flat(3) as number[];
    const shape = [ref.input.length, ...(model === 'small_cnn' ? [28, 28, 1] : [12])];
    const ours = await packageForward(pkg, input, shape, dtype);
    const diff = maxAbsDiff(ours, ref.output.flat());
    console.log(`${model} from ${file}: max |Δ| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  }, 300_000);
});
