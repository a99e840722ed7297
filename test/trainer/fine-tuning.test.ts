/**
 * The fine-tuning essentials against their references: AdamW steps equal torch.optim.AdamW's, the
 * schedules' per-step rates equal PyTorch's schedulers or Keras's formulas, clipping scales a real
 * model's gradients exactly, and label smoothing gives the formula's loss (and PyTorch's).
 * References come from Debian's torch at /usr/bin/python3, run by the test.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipGradients } from '../../src/trainer/model/gradientStep';
import { LOSSES, optimizerOf, SCHEDULES } from '../../src/trainer/model/objectives';
import { ofType, train, workspace } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs Python with `input` as JSON on stdin; the script prints JSON. */
function torch<T>(script: string, input: unknown = null): T {
  const out = execFileSync('/usr/bin/python3', ['-c', `import json, sys, math\nimport torch\ninp = json.load(sys.stdin)\n${script}`], { input: JSON.stringify(input), encoding: 'utf8' });
  return JSON.parse(out) as T;
}

const rates = (type: string, params: Record<string, unknown>, base: number, steps: number) => {
  const s = SCHEDULES[type](params);
  return Array.from({ length: steps }, (_, t) => s.atStep!(t, base));
};

function expectClose(actual: number[], expected: number[], rel = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]), `step ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(rel * Math.max(1e-12, Math.abs(expected[i]))));
}

/** The per-step rates a torch scheduler gives (lr read before each step, as our step t uses). */
const torchRates = (make: string, base: number, steps: number) =>
  torch<number[]>(
    `p = torch.nn.Parameter(torch.zeros(1))\nopt = torch.optim.SGD([p], lr=${base})\nsched = ${make}\nout = []\nfor t in range(${steps}):\n    out.append(opt.param_groups[0]["lr"])\n    opt.step()\n    sched.step()\nprint(json.dumps(out))`,
  );

describe('learning-rate schedules equal PyTorch and Keras per step', () => {
  it('one_cycle equals torch OneCycleLR (cos and linear, default and custom factors)', () => {
    const total = 37;
    const ours = rates('one_cycle', { total_steps: total, max_lr: 0.1 }, 0.001, total);
    expectClose(ours, torchRates(`torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=${total}, cycle_momentum=False)`, 0.001, total));
    const lin = rates('one_cycle', { total_steps: total, pct_start: 0.25, anneal_strategy: 'linear', div_factor: 10, final_div_factor: 100 }, 0.05, total);
    expectClose(lin, torchRates(`torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=${total}, pct_start=0.25, anneal_strategy="linear", div_factor=10, final_div_factor=100, cycle_momentum=False)`, 0.05, total));
    expect(ours[0]).toBeCloseTo(0.1 / 25, 12); // starts at max_lr / div_factor, whatever the optimizer's rate
  });

  it('cosine_decay_restarts equals torch CosineAnnealingWarmRestarts where they coincide (m_mul 1, whole t_mul)', () => {
    const steps = 60;
    for (const tMul of [1, 2, 3]) {
      const ours = rates('cosine_decay_restarts', { first_decay_steps: 5, t_mul: tMul, alpha: 0.1 }, 0.2, steps);
      expectClose(ours, torchRates(`torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=${tMul}, eta_min=0.02)`, 0.2, steps), 1e-7);
    }
  });

  it('cosine_decay_restarts with m_mul and a fractional t_mul equals Keras\'s formula', () => {
    // Keras CosineDecayRestarts, written out: periods of 4, 6, 9, … steps, peaks 1, 0.5, 0.25, …
    const keras = (t: number) => {
      let f = t / 4;
      const i = Math.floor(Math.log(1 - f * (1 - 1.5)) / Math.log(1.5));
      f = (f - (1 - 1.5 ** i) / (1 - 1.5)) / 1.5 ** i;
      return 0.1 * ((1 - 0.05) * 0.5 * 0.5 ** i * (1 + Math.cos(Math.PI * f)) + 0.05);
    };
    const ours = rates('cosine_decay_restarts', { first_decay_steps: 4, t_mul: 1.5, m_mul: 0.5, alpha: 0.05 }, 0.1, 30);
    expectClose(ours, Array.from({ length: 30 }, (_, t) => keras(t)));
    expect(ours[4]).toBeCloseTo(0.1 * (0.05 + 0.95 * 0.5), 12); // the first restart, half as high
  });

  it('polynomial_decay (linear by default) equals torch PolynomialLR to 0 and holds at end_learning_rate', () => {
    expectClose(rates('polynomial_decay', { decay_steps: 20, end_learning_rate: 0 }, 0.3, 25), torchRates('torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=20, power=1.0)', 0.3, 25), 1e-7);
    expectClose(rates('polynomial_decay', { decay_steps: 20, end_learning_rate: 0, power: 2 }, 0.3, 25), torchRates('torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=20, power=2.0)', 0.3, 25), 1e-7);
    const held = rates('polynomial_decay', { decay_steps: 10 }, 0.01, 15);
    expect(held[5]).toBeCloseTo((0.01 - 0.0001) * 0.5 + 0.0001, 15);
    expect(held.slice(10)).toEqual([0.0001, 0.0001, 0.0001, 0.0001, 0.0001]);
  });

  it('warm-up: Keras CosineDecay(warmup_target, warmup_steps) and, without a target, from 0 to the base rate', () => {
    const [a0, target, W, T, alpha] = [0.001, 0.1, 10, 40, 0.1];
    // Keras 3 CosineDecay.__call__ with warmup_target set.
    const keras = (t: number) => (t < W ? a0 + ((target - a0) * t) / W : target * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t - W, T)) / T)) + alpha));
    expectClose(rates('cosine_decay', { decay_steps: T, alpha, warmup_steps: W, warmup_target: target }, a0, 60), Array.from({ length: 60 }, (_, t) => keras(t)));
    const linear = rates('polynomial_decay', { decay_steps: 10, end_learning_rate: 0, warmup_steps: 4 }, 0.02, 16);
    expectClose(linear, [0, 0.005, 0.01, 0.015, 0.02, 0.018, 0.016, 0.014, 0.012, 0.01, 0.008, 0.006, 0.004, 0.002, 0, 0], 1e-9);
  });
});

describe('reduce_on_plateau follows Keras ReduceLROnPlateau', () => {
  it('patience, min_delta, cooldown and min_lr, epoch by epoch (traced through Keras\'s on_epoch_end by hand)', () => {
    const s = SCHEDULES.reduce_on_plateau({ monitor: 'val_loss', factor: 0.5, patience: 2, min_delta: 0.01, cooldown: 1, min_lr: 0.02 });
    const losses = [1.0, 0.995, 0.98, 0.98, 0.975, 0.97, 0.97, 0.5, 0.5, 0.5, 0.5, 0.5];
    let lr = 0.1;
    const seen = losses.map((v) => {
      const next = s.afterEpoch!({ val_loss: v }, lr);
      if (next !== undefined) lr = next;
      return next;
    });
    const u = undefined;
    expect(seen).toEqual([u, u, u, u, 0.05, u, 0.025, u, u, 0.02, u, u]);
  });

  it('the defaults are Keras\'s (factor 0.1, patience 10, min_delta 1e-4) and accuracy-like monitors rise', () => {
    const s = SCHEDULES.reduce_on_plateau({ monitor: 'val_accuracy' });
    const seen = [0.5, ...Array(10).fill(0.50005)].map((v) => s.afterEpoch!({ val_accuracy: v }, 0.001));
    expect(seen.slice(0, 10).every((x) => x === undefined)).toBe(true);
    expect(seen[10]).toBeCloseTo(0.0001, 12);
  });
});

/** A Dense(3) model on 4 inputs with fixed weights, and a fixed batch. */
function fixedModel(): { model: tf.LayersModel; x: number[][]; y: number[][]; w: number[][]; b: number[] } {
  const w = [[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.7], [0.9, -0.1, 0.05]];
  const b = [0.1, -0.2, 0.3];
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
  model.setWeights([tf.tensor2d(w), tf.tensor1d(b)]);
  const x = [[1, 2, -1, 0.5], [0.3, -0.7, 2, 1], [-1.5, 0.2, 0.1, -0.4]];
  const y = [[1, 0, -1], [0.5, 2, 0], [-1, 1, 3]];
  return { model, x, y, w, b };
}

const TORCH_MODEL = `lin = torch.nn.Linear(4, 3)
with torch.no_grad():
    lin.weight.copy_(torch.tensor(inp["w"], dtype=torch.float64).T)
    lin.bias.copy_(torch.tensor(inp["b"], dtype=torch.float64))
lin = lin.double()
x = torch.tensor(inp["x"], dtype=torch.float64)
y = torch.tensor(inp["y"], dtype=torch.float64)
`;

describe('AdamW', () => {
  it('three steps of a real model equal torch.optim.AdamW with the same hyperparameters (eps equal)', async () => {
    const { model, x, y, w, b } = fixedModel();
    const hp = { learning_rate: 0.01, weight_decay: 0.1, beta_1: 0.8, beta_2: 0.95, epsilon: 1e-6 };
    model.compile({ optimizer: optimizerOf({ type: 'adamw', params: hp } as never), loss: 'meanSquaredError' });
    for (let i = 0; i < 3; i++) await model.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y));
    const [kw, kb] = model.getWeights().map((t) => Array.from(t.dataSync()));
    const ref = torch<{ w: number[]; b: number[] }>(
      `${TORCH_MODEL}opt = torch.optim.AdamW(lin.parameters(), lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)
for _ in range(3):
    opt.zero_grad()
    torch.nn.functional.mse_loss(lin(x), y).backward()
    opt.step()
print(json.dumps({"w": lin.weight.detach().T.flatten().tolist(), "b": lin.bias.detach().tolist()}))`,
      { w, b, x, y },
    );
    expectClose(kw, ref.w, 1e-5);
    expectClose(kb, ref.b, 1e-5);
    // Without the decay the weights differ: the decay is really applied.
    const plain = torch<{ w: number[] }>(`${TORCH_MODEL}opt = torch.optim.Adam(lin.parameters(), lr=0.01, betas=(0.8, 0.95), eps=1e-6)
for _ in range(3):
    opt.zero_grad()
    torch.nn.functional.mse_loss(lin(x), y).backward()
    opt.step()
print(json.dumps({"w": lin.weight.detach().T.flatten().tolist()}))`, { w, b, x, y });
    expect(Math.max(...kw.map((v, i) => Math.abs(v - plain.w[i])))).toBeGreaterThan(1e-4);
  });

  it('defaults are Keras\'s: weight_decay 0.004, epsilon 1e-7', () => {
    const opt = optimizerOf({ type: 'adamw', params: {} } as never);
    expect(opt.getConfig()).toMatchObject({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });
});

describe('gradient clipping', () => {
  /** The real gradients of the fixed model's MSE loss on the fixed batch. */
  function realGradients() {
    const { model, x, y } = fixedModel();
    const { grads } = tf.variableGrads(() => tf.losses.meanSquaredError(tf.tensor2d(y), model.predict(tf.tensor2d(x)) as tf.Tensor) as tf.Scalar);
    return { grads, model, x, y };
  }
  const norm = (t: tf.Tensor) => Math.sqrt(Array.from(t.dataSync()).reduce((s, v) => s + v * v, 0));

  it('clipnorm scales each tensor above the norm to exactly it, and leaves one below alone', () => {
    const { grads } = realGradients();
    const names = Object.keys(grads);
    const norms = names.map((n) => norm(grads[n]));
    const c = (Math.min(...norms) + Math.max(...norms)) / 2; // one gradient above, one below
    const clipped = clipGradients(grads, { clipnorm: c });
    names.forEach((n, i) => {
      const want = norms[i] > c ? c / norms[i] : 1;
      expectClose(Array.from(clipped[n].dataSync()), Array.from(grads[n].dataSync()).map((v) => v * want), 1e-6);
    });
    expect(norms.some((v) => v > c) && norms.some((v) => v < c)).toBe(true);
  });

  it('global_clipnorm scales all tensors by c/‖g‖ together; clipvalue clips elements', () => {
    const { grads } = realGradients();
    const names = Object.keys(grads);
    const total = Math.sqrt(names.reduce((s, n) => s + norm(grads[n]) ** 2, 0));
    const clipped = clipGradients(grads, { global_clipnorm: total / 4 });
    for (const n of names) expectClose(Array.from(clipped[n].dataSync()), Array.from(grads[n].dataSync()).map((v) => v / 4), 1e-6);
    const byValue = clipGradients(grads, { clipvalue: 0.5 });
    for (const n of names) expect(Array.from(byValue[n].dataSync())).toEqual(Array.from(grads[n].dataSync()).map((v) => Math.fround(Math.min(0.5, Math.max(-0.5, v)))));
  });

  it('an SGD step of a real model with clipnorm moves the weights by exactly −α·clipped gradient', async () => {
    const { grads, model, x, y } = realGradients();
    const kernelName = Object.keys(grads).find((n) => grads[n].rank === 2)!;
    const g = Array.from(grads[kernelName].dataSync());
    const before = Array.from(model.getWeights()[0].dataSync());
    const c = norm(grads[kernelName]) / 3;
    model.compile({ optimizer: optimizerOf({ type: 'sgd', params: { learning_rate: 0.1, clipnorm: c } } as never), loss: 'meanSquaredError' });
    await model.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y));
    const after = Array.from(model.getWeights()[0].dataSync());
    expectClose(after.map((v, i) => v - before[i]), g.map((v) => (-0.1 * v) / 3), 1e-5);
  });
});

describe('label smoothing', () => {
  const logits = [[2, -1, 0.5, 0], [-0.3, 0.8, 1.2, -2], [0, 0, 3, 1]];
  const classes = [0, 2, 3];
  const softmax = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((s, u) => s + Math.exp(u), 0));
  const eps = 0.2;
  /** −Σ ỹ log p with ỹ = y(1−ε) + ε/K, per sample. */
  const formula = logits.map((z, n) => {
    const p = softmax(z);
    return -p.reduce((s, pk, k) => s + ((k === classes[n] ? 1 : 0) * (1 - eps) + eps / 4) * Math.log(pk), 0);
  });

  it('categorical and sparse categorical cross-entropy equal the formula and torch CrossEntropyLoss(label_smoothing)', () => {
    const oneHot = tf.oneHot(classes, 4).toFloat();
    const cat = LOSSES.categorical_crossentropy({ label_smoothing: eps }, { labelKind: 'one_hot' })(oneHot, tf.softmax(tf.tensor2d(logits)));
    const sparse = LOSSES.sparse_categorical_crossentropy({ label_smoothing: eps, from_logits: true }, { labelKind: 'class_index' })(tf.tensor1d(classes), tf.tensor2d(logits));
    expectClose(Array.from(cat.dataSync()), formula, 1e-5);
    expectClose(Array.from(sparse.dataSync()), formula, 1e-5);
    const ref = torch<number[]>(`print(json.dumps(torch.nn.functional.cross_entropy(torch.tensor(inp["z"], dtype=torch.float64), torch.tensor(inp["c"]), reduction="none", label_smoothing=${eps}).tolist()))`, { z: logits, c: classes });
    expectClose(Array.from(sparse.dataSync()), ref, 1e-5);
  });

  it('binary cross-entropy pulls the labels toward ½ by ε/2', () => {
    const y = [[1], [0], [1]];
    const p = [[0.9], [0.2], [0.4]];
    const loss = LOSSES.binary_crossentropy({ label_smoothing: eps }, { labelKind: 'binary' })(tf.tensor2d(y), tf.tensor2d(p));
    const want = y.map(([t], i) => {
      const s = t * (1 - eps) + eps / 2;
      return -(s * Math.log(p[i][0]) + (1 - s) * Math.log(1 - p[i][0]));
    });
    expectClose(Array.from(loss.dataSync()), want, 1e-5);
  });
});

describe('a fine-tuning recipe trains through the real trainer', () => {
  it('adamw + global_clipnorm + linear decay with warm-up + label smoothing: the checker accepts it, the rates follow the schedule, the model learns', async () => {
    const spec = `version: 1
name: iris-recipe
seed: 3
data:
  source: { dataset: iris }
  pipeline: [standardize, { one_hot: 3 }]
  validation: { split: 0.2 }
model:
  input: [4]
  layers:
    - dense: { units: 16, activation: relu }
    - dense: { units: 3, activation: softmax }
train:
  loss: { categorical_crossentropy: { label_smoothing: 0.1 } }
  metrics: [accuracy]
  batch_size: 16
  epochs: 12
  optimizer: { adamw: { learning_rate: 0.05, weight_decay: 0.01, global_clipnorm: 1.0 } }
  lr_schedule: { polynomial_decay: { decay_steps: 100, end_learning_rate: 0, warmup_steps: 5 } }
`;
    const { result, events } = await train(join(workspace({ 's.model.yaml': spec }), 's.model.yaml'), { backend: 'cpu', batchEventEvery: 1 });
    expect(result.status).toBe('completed');
    const lrs = ofType(events, 'batch').map((b) => b.learningRate);
    const want = lrs.map((_, t) => (t < 5 ? (0.05 * t) / 5 : 0.05 * (1 - Math.min(t - 5, 100) / 100)));
    lrs.forEach((lr, t) => expect(lr, `step ${t}`).toBeCloseTo(want[t], 7));
    expect(ofType(events, 'epoch').at(-1)!.metrics.val_accuracy).toBeGreaterThanOrEqual(0.85);
  });
});
