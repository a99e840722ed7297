/**
 * Training end to end through the real client and trainer process (a bundle of the current
 * sources): learning, run records, determinism, resume, checkpoints, early stopping, schedules,
 * NaN guard, refused specs, corrupt data, cancel, and every way a trainer can die.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../../src/core/protocol/trainer';
import { loadModel } from '../../src/trainer/checkpoint';
import { readEvents, readRunRecord } from '../../src/node/runRecord';
import { mnistMlpSpec, ofType, ROOT, train, trainerBundle, workspace } from './helpers';

beforeAll(async () => {
  await trainerBundle();
  await tf.setBackend('cpu');
}, 120_000);

const iris = (extra: { train?: string; layers?: string; pipeline?: string; name?: string } = {}) => `version: 1
name: ${extra.name ?? 'iris'}
seed: 3
data:
  source: { dataset: iris }
  pipeline: [${extra.pipeline ?? 'standardize, { one_hot: 3 }'}]
  validation: { split: 0.2 }
  test: { split: 0.1 }
model:
  input: [4]
  layers:
${extra.layers ?? '    - dense: { units: 16, activation: relu }\n    - dropout: 0.2\n    - dense: { units: 3, activation: softmax }'}
train:
  loss: categorical_crossentropy
  metrics: [accuracy, auc]
  batch_size: 16
${extra.train ?? '  optimizer: { adam: { learning_rate: 0.05 } }\n  epochs: 4'}
`;

const specIn = (yaml: string, files: Record<string, string> = {}) => join(workspace({ 's.model.yaml': yaml, ...files }), 's.model.yaml');

/** Batch and epoch values without times, speeds and paths. */
const values = (events: TrainerEvent[]) =>
  events
    .filter((e) => e.type === 'batch' || e.type === 'epoch' || e.type === 'done')
    .map((e) => {
      const o = { ...e } as Record<string, unknown>;
      for (const k of ['time', 'durationMs', 'samplesPerSecond', 'runDir']) delete o[k];
      return o;
    });

describe('training', () => {
  it('trains iris: the loss falls, the run record is complete and the model loads', async () => {
    const { result, events } = await train(specIn(iris()));
    expect(result.status).toBe('completed');
    expect(events[0]).toMatchObject({ type: 'log', runDir: result.runDir, message: expect.stringMatching(/backend: wasm on CPU: .* \(train\.device is auto: /) });
    const started = ofType(events, 'started')[0];
    expect(started).toMatchObject({ backend: 'wasm', params: 131, samples: { train: 105, validation: 30, test: 15 } });
    expect(started.device).toMatch(/CPU/);
    expect(started.reason).toMatch(/auto/);
    const epochs = ofType(events, 'epoch');
    expect(epochs).toHaveLength(4);
    expect(epochs[3].metrics.loss).toBeLessThan(epochs[0].metrics.loss);
    expect(epochs[3].metrics.val_accuracy).toBeGreaterThan(0.7);
    expect(epochs[0].metrics).toHaveProperty('val_auc');
    const done = ofType(events, 'done')[0];
    expect(done.test).toHaveProperty('accuracy');

    const dir = result.runDir!;
    const rec = readRunRecord(dir)!;
    expect(rec).toMatchObject({ status: 'completed', backend: 'wasm', seed: 3, params: 131, epochs: 4 });
    expect(rec.device).toBeTruthy();
    expect(rec.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rec.dataFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(rec.versions['tfjs-core']).toBe('4.22.0');
    expect(rec.final?.loss).toBe(epochs[3].metrics.loss);
    expect(rec.test?.accuracy).toBeDefined();
    expect(readFileSync(join(dir, 'spec.snapshot.yaml'), 'utf8')).toContain('name: iris');
    expect(JSON.parse(readFileSync(join(dir, 'resolved.json'), 'utf8')).settings.epochs).toBe(4);
    const lines = readEvents(dir);
    expect(lines.map((e) => e.type)).toEqual(events.map((e) => e.type));
    for (const kind of ['best', 'last']) expect(existsSync(join(dir, 'checkpoints', kind, 'model.json'))).toBe(true);
    const model = await loadModel(join(dir, 'model'));
    expect(model.countParams()).toBe(131);
    const p = model.predict(tf.zeros([2, 4])) as tf.Tensor;
    expect(p.shape).toEqual([2, 3]);
  });

  it('scalar labels against a one-unit output: XOR and a regression both fit (no (N,) vs (N, 1) broadcast)', async () => {
    const xor = `version: 1
name: xor
seed: 1
data:
  source: { dataset: { name: xor, samples: 2000 } }
  validation: { split: 0.2 }
model:
  input: [2]
  layers:
    - dense: { units: 16, activation: relu }
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: { adam: { learning_rate: 0.01 } }
  metrics: [accuracy]
  epochs: 6
  batch_size: 16
`;
    const a = ofType((await train(specIn(xor))).events, 'epoch');
    // A broadcast loss sits at ln 2 ≈ 0.693 whatever the model does.
    expect(a[a.length - 1].metrics.val_loss).toBeLessThan(0.2);
    expect(a[a.length - 1].metrics.val_accuracy).toBeGreaterThan(0.95);
    const linear = xor.replace('name: xor', 'name: linear').replace('{ name: xor, samples: 2000 }', '{ name: linear, samples: 2000 }').replace('input: [2]', 'input: [1]')
      .replace("    - dense: { units: 16, activation: relu }\n    - dense: { units: 1, activation: sigmoid }", '    - dense: { units: 1 }')
      .replace('binary_crossentropy', 'mean_squared_error').replace('metrics: [accuracy]', 'metrics: [mean_absolute_error]');
    const b = ofType((await train(specIn(linear))).events, 'epoch');
    // y = 3x + 2 + N(0, 0.1²): a fitted line leaves about the noise.
    expect(b[b.length - 1].metrics.val_loss).toBeLessThan(0.05);
  });

  it('binary labels into a 2-unit softmax with sparse_categorical_crossentropy (the standard Keras set-up) learn', async () => {
    // Issue 15, item 4: the checker used to refuse it (loss/labels-mismatch); Keras trains it, so must we.
    const rows = Array.from({ length: 400 }, (_, i) => {
      const a = Math.sin(i * 12.9898) * 2;
      const b = Math.cos(i * 78.233) * 2;
      return `${a.toFixed(4)},${b.toFixed(4)},${a + b > 0 ? 1 : 0}`;
    });
    const yaml = `version: 1
name: binary-softmax
seed: 2
data:
  source: { csv: { path: d.csv, label: y, label_type: binary } }
  validation: { split: 0.25 }
model:
  input: [2]
  layers:
    - dense: { units: 8, activation: relu }
    - dense: { units: 2, activation: softmax }
train:
  loss: sparse_categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.05 } }
  metrics: [accuracy]
  epochs: 8
  batch_size: 16
`;
    const { result, events } = await train(specIn(yaml, { 'd.csv': `a,b,y\n${rows.join('\n')}\n` }));
    expect(result.error, JSON.stringify(result.error)).toBeUndefined();
    const last = ofType(events, 'epoch').at(-1)!.metrics;
    // Chance is about 0.5; a linear boundary is learnt almost exactly.
    expect(last.val_accuracy, JSON.stringify(last)).toBeGreaterThan(0.9);
    expect(last.val_loss, JSON.stringify(last)).toBeLessThan(0.35);
  });

  it('batch events carry the loss and every metric alike: means over the epoch so far, ending at the epoch\'s own', async () => {
    // Issue 15, item 14: the per-batch accuracy was a running mean and the loss raw; the curves panel reads both the same way.
    // (auc is an epoch metric: computed over the whole split, not per batch.)
    const { events } = await train(specIn(iris({ train: '  optimizer: { adam: { learning_rate: 0.05 } }\n  epochs: 2' })), { batchEventEvery: 1 });
    for (const epoch of ofType(events, 'epoch')) {
      const batches = ofType(events, 'batch').filter((b) => b.epoch === epoch.epoch);
      expect(batches.length).toBe(batches[0].batches);
      const last = batches.at(-1)!;
      for (const name of ['loss', 'accuracy']) expect(last.metrics[name], `${name}, epoch ${epoch.epoch}`).toBeCloseTo(epoch.metrics[name], 5);
      // The first batch's mean is that batch's own loss.
      expect(batches[0].metrics.loss).toBeCloseTo(batches[0].loss, 5);
    }
  });

  it('same spec, same seed, same CPU backend: identical metrics (dropout included)', async () => {
    for (const backend of ['cpu', 'wasm']) {
      const spec = specIn(iris({ train: '  optimizer: { adam: { learning_rate: 0.05 } }\n  epochs: 2' }));
      const a = await train(spec, { backend });
      const b = await train(spec, { backend });
      expect(a.result.status).toBe('completed');
      expect(ofType(a.events, 'started')[0].backend).toBe(backend);
      expect(values(readEvents(a.result.runDir!))).toEqual(values(readEvents(b.result.runDir!)));
      expect(readRunRecord(a.result.runDir!)!.dataFingerprint).toBe(readRunRecord(b.result.runDir!)!.dataFingerprint);
    }
    // A different seed changes the run.
    const c = await train(specIn(iris({ train: '  optimizer: { adam: { learning_rate: 0.05 } }\n  epochs: 2' }).replace('seed: 3', 'seed: 4')), { backend: 'cpu' });
    const d = await train(specIn(iris({ train: '  optimizer: { adam: { learning_rate: 0.05 } }\n  epochs: 2' })), { backend: 'cpu' });
    expect(values(c.events)).not.toEqual(values(d.events));
  });

  it('resumes from a checkpoint and carries on where it stopped', async () => {
    const spec = specIn(iris({ train: '  optimizer: { sgd: { learning_rate: 0.05, momentum: 0.9 } }\n  epochs: 4' }));
    const whole = await train(spec, { backend: 'cpu' });
    const first = await train(spec, { backend: 'cpu', epochs: 2 });
    const rest = await train(spec, { backend: 'cpu', resume: first.result.runDir });
    expect(rest.result.status).toBe('completed');
    expect(ofType(rest.events, 'started')[0].initialEpoch).toBe(3);
    expect(readRunRecord(rest.result.runDir!)!.resumedFrom).toBe(first.result.runDir);
    const last = (t: typeof whole) => ofType(t.events, 'epoch').at(-1)!;
    expect(last(rest).epoch).toBe(4);
    // Same weights, optimizer state and data order: the resumed run ends where the whole run did.
    expect(last(rest).metrics.val_loss).toBeCloseTo(last(whole).metrics.val_loss, 4);
  });

  it('early stopping, a learning-rate schedule and checkpoints', async () => {
    const { result, events } = await train(
      specIn(iris({ train: '  optimizer: { sgd: { learning_rate: 0.1 } }\n  epochs: 20\n  early_stopping: { monitor: val_loss, patience: 2, min_delta: 100 }\n  lr_schedule: { exponential_decay: { decay_steps: 1, decay_rate: 0.5 } }' })),
      { backend: 'cpu', batchEventEvery: 1 },
    );
    expect(result.status).toBe('completed');
    expect(ofType(events, 'epoch')).toHaveLength(3);
    expect(ofType(events, 'done')[0].reason).toMatch(/early stopping: val_loss did not improve for 2 epochs/);
    const lrs = ofType(events, 'batch').map((b) => b.learningRate);
    expect(lrs[0]).toBeCloseTo(0.1, 6);
    expect(lrs[1]).toBeCloseTo(0.05, 6);
    const cps = ofType(events, 'checkpoint');
    expect(cps.filter((c) => c.kind === 'last')).toHaveLength(3);
    expect(cps.filter((c) => c.kind === 'best')[0]).toMatchObject({ monitor: 'val_loss', epoch: 1 });
  });

  it('a NaN or infinite loss stops the run naming the epoch and batch', async () => {
    const spec = specIn(`version: 1
name: diverge
data:
  source: { dataset: { name: linear, samples: 64 } }
model:
  input: [1]
  layers: [{ dense: { units: 1 } }]
train:
  loss: mean_squared_error
  optimizer: { sgd: { learning_rate: 1000000 } }
  epochs: 3
  batch_size: 8
`);
    const { result, events } = await train(spec, { backend: 'cpu' });
    expect(result.status).toBe('failed');
    const err = ofType(events, 'error')[0];
    expect(err.code).toBe('train/nan-loss');
    expect(err.message).toMatch(/at epoch 1, batch \d+/);
    expect(readRunRecord(result.runDir!)).toMatchObject({ status: 'failed', error: { code: 'train/nan-loss' } });
  });

  it('a spec with errors is refused with the core diagnostics, before any run folder', async () => {
    const spec = specIn(iris().replace('units: 3, activation: softmax', 'units: 3, activaton: softmax'));
    const { result, events } = await train(spec);
    expect(result.status).toBe('failed');
    const err = ofType(events, 'error')[0];
    expect(err.code).toBe('spec/invalid');
    expect(err.diagnostics?.[0]).toMatch(/s\.model\.yaml:\d+:\d+: error\[param\/unknown\]/);
    expect(result.runDir).toBeUndefined();
    expect(existsSync(join(spec, '..', 'runs'))).toBe(false);
  });

  it('corrupt data: the error names the file and row, and the record says failed', async () => {
    const spec = specIn(
      `version: 1
name: houses
data:
  source: { csv: { path: h.csv, features: [size], label: price, label_type: continuous } }
model:
  input: [1]
  layers: [{ dense: { units: 1 } }]
train: { loss: mean_squared_error }
`,
      { 'h.csv': 'size,price\n1,2\n3,4\n5\n' },
    );
    const { result, events } = await train(spec);
    expect(result.status).toBe('failed');
    const err = ofType(events, 'error')[0];
    expect(err).toMatchObject({ code: 'data/csv-ragged', row: 4 });
    expect(err.file).toMatch(/h\.csv$/);
    expect(readRunRecord(result.runDir!)).toMatchObject({ status: 'failed', error: { code: 'data/csv-ragged', row: 4 } });
  });
});

const mnistMlp = mnistMlpSpec();

describe('process control', () => {
  it('cancel mid-epoch stops at the next batch and keeps the record', async () => {
    let cancelled = false;
    const { result, events } = await train(specIn(mnistMlp), { batchEventEvery: 1 }, (e, cancel) => {
      if (e.type === 'batch' && e.batch === 5 && !cancelled) {
        cancelled = true;
        cancel();
      }
    });
    expect(result.status).toBe('cancelled');
    // Measured in work, not time: the batch running when the cancel arrived may finish, no other.
    expect(Math.max(...ofType(events, 'batch').map((e) => e.batch))).toBeLessThanOrEqual(6);
    expect(ofType(events, 'done')[0].reason).toMatch(/cancelled in epoch 1/);
    expect(readRunRecord(result.runDir!)!.status).toBe('cancelled');
    expect(readEvents(result.runDir!).some((e) => e.type === 'batch')).toBe(true);
  });

  it('survives SIGKILL: reports it and marks the record failed', async () => {
    const { result, events } = await train(specIn(mnistMlp), { batchEventEvery: 1 }, (e, _c, kill) => e.type === 'batch' && e.batch === 3 && kill('SIGKILL'));
    expect(result).toMatchObject({ status: 'failed', signal: 'SIGKILL' });
    expect(ofType(events, 'error')[0]).toMatchObject({ code: 'trainer/crashed', message: expect.stringMatching(/killed by SIGKILL/) });
    const rec = readRunRecord(result.runDir!)!;
    expect(rec).toMatchObject({ status: 'failed', error: { code: 'trainer/crashed' } });
    expect(readEvents(result.runDir!).filter((e) => e.type === 'batch').length).toBeGreaterThanOrEqual(3);
  });

  it('reports a trainer that aborts', async () => {
    const { result, events } = await train(specIn(mnistMlp), { env: { MODELYAML_TRAINER_FAULT: 'crash@2' }, batchEventEvery: 1 });
    expect(result.status).toBe('failed');
    expect(ofType(events, 'error')[0].code).toBe('trainer/crashed');
    expect(readRunRecord(result.runDir!)!.status).toBe('failed');
  });

  it('reports a trainer that runs out of memory', async () => {
    const { result, events } = await train(specIn(mnistMlp), { env: { MODELYAML_TRAINER_FAULT: 'oom@1' }, execArgv: ['--max-old-space-size=200'], batchEventEvery: 1 });
    expect(result.status).toBe('failed');
    expect(ofType(events, 'error')[0]).toMatchObject({ code: 'trainer/out-of-memory', message: expect.stringMatching(/ran out of memory/) });
    expect(readRunRecord(result.runDir!)).toMatchObject({ status: 'failed', error: { code: 'trainer/out-of-memory' } });
  });

  it('kills a trainer that hangs, and a cancel escalates to SIGKILL', async () => {
    const hung = await train(specIn(mnistMlp), { env: { MODELYAML_TRAINER_FAULT: 'hang@1' }, stallTimeoutMs: 4000, batchEventEvery: 1 });
    expect(hung.result).toMatchObject({ status: 'failed', signal: 'SIGKILL' });
    expect(ofType(hung.events, 'error')[0].code).toBe('trainer/hung');
    expect(readRunRecord(hung.result.runDir!)!.status).toBe('failed');

    let asked = false;
    const stuck = await train(specIn(mnistMlp), { env: { MODELYAML_TRAINER_FAULT: 'hang@1' }, cancelGraceMs: 300, batchEventEvery: 1 }, (e, cancel) => {
      if (e.type === 'batch' && !asked) {
        asked = true;
        cancel();
      }
    });
    // The hung trainer cannot answer the cancel: only the escalation to SIGKILL ends it.
    expect(stuck.result).toMatchObject({ status: 'cancelled', signal: 'SIGKILL' });
    expect(readRunRecord(stuck.result.runDir!)!.status).toBe('cancelled');
  });
});

describe('examples train on WebAssembly', () => {
  const dir = join(ROOT, 'examples');
  const specs = readdirSync(dir).filter((f) => f.endsWith('.model.yaml'));
  it.each(specs)('%s', async (f) => {
    const out = workspace({});
    const { result, events } = await train(join(dir, f), { epochs: 1, maxBatchesPerEpoch: 6, batchEventEvery: 1, out });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('completed');
    const started = ofType(events, 'started')[0];
    expect(started.backend).toBe('wasm');
    const batches = ofType(events, 'batch');
    expect(batches).toHaveLength(6);
    for (const b of batches) expect(Number.isFinite(b.loss)).toBe(true);
    if (f === 'mnist-cnn.model.yaml') expect(batches[5].loss).toBeLessThan(batches[0].loss);
  });
});
