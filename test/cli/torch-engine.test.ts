/**
 * The PyTorch engine end to end through the built CLI (dist/, `node esbuild.mjs` first) and
 * Debian's torch at /usr/bin/python3: real runs of iris and of a tiny CNN stream the trainer's
 * events, write a complete run folder that learns, record the engine and why, and leave a model
 * that `evaluate` and `predict` read; Ctrl-C mid-run keeps a checkpoint that `--resume` carries
 * on from; with `auto`, a spec with a layer PyTorch cannot run falls back to the embedded trainer,
 * saying which layer. The suite pins MODELYAML_ENGINE=tfjs (vitest.config.ts): these ask for pytorch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, TrainerEvent } from '../../src/core/protocol/trainer';
import { validateTrainerEvent } from '../../src/core/protocol/trainer';
import { irisSpec, tempDir } from '../trainer/helpers';
import { CLI, runCli } from './run';

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.warn(`test/cli/torch-engine.test.ts skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);

const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** 8×8 images of a horizontal (0) or vertical (1) bar with noise, as a CSV of 64 pixels and a label. */
function barsCsv(n: number): string {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rows = [[...Array.from({ length: 64 }, (_, i) => `p${i}`), 'label'].join(',')];
  for (let k = 0; k < n; k++) {
    const label = k % 2;
    const at = Math.floor(rand() * 8);
    const px = Array.from({ length: 64 }, (_, i) => ((label ? i % 8 : Math.floor(i / 8)) === at ? 0.9 : 0.1) + rand() * 0.2);
    rows.push([...px.map((v) => v.toFixed(3)), String(label)].join(','));
  }
  return rows.join('\n') + '\n';
}

const CNN_SPEC = `version: 1
name: bars-cnn
seed: 4
data:
  source:
    csv: { path: bars.csv, label: label, label_type: class }
  pipeline:
    - reshape: { shape: [8, 8, 1] }
    - one_hot: 2
  validation: { split: 0.25 }
model:
  input: [8, 8, 1]
  layers:
    - conv2d: { filters: 4, kernel_size: 3, padding: same, activation: relu }
    - max_pool2d: { pool_size: 2 }
    - flatten
    - dense: { units: 2, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.01 } }
  metrics: [accuracy]
  epochs: 4
  batch_size: 16
`;

let dir: string;
const torchArgs = ['--engine', 'pytorch', '--python', PYTHON];

/** The one run folder under `out`. */
function runIn(out: string): string {
  const [name] = readdirSync(out);
  const times = readdirSync(join(out, name)).sort();
  return join(out, name, times[times.length - 1]);
}

const readRecord = (run: string) => JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as RunRecord;
const readEvents = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TrainerEvent);

beforeAll(() => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
  dir = tempDir('modelyaml-torch-engine-');
  writeFileSync(join(dir, 'iris.model.yaml'), irisSpec({ name: 'iris-torch', seed: 5, test: 0.2, epochs: 6 }));
  writeFileSync(join(dir, 'bars.csv'), barsCsv(240));
  writeFileSync(join(dir, 'bars.model.yaml'), CNN_SPEC);
});

describe.skipIf(!hasTorch)('the PyTorch engine through the CLI', () => {
  it('trains iris: events, a complete run folder that learns, the engine recorded; evaluate and predict read it', async () => {
    const out = join(dir, 'iris-runs');
    const r = await runCli(['train', join(dir, 'iris.model.yaml'), '--out', out, ...torchArgs], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/training iris-torch: 131 parameters on pytorch \(cpu\)/);
    expect(r.out).toMatch(/engine: pytorch \(asked for\): torch 1\.13\S* found at \/usr\/bin\/python3 \(setting\), CUDA not available/);
    expect(r.out).toMatch(/epoch 6\/6 /);
    const run = runIn(out);
    for (const f of ['run.json', 'metrics.jsonl', 'spec.snapshot.yaml', 'preprocessing.json', 'model/model.json', 'checkpoints/last.pt']) expect(existsSync(join(run, f)), f).toBe(true);
    expect(existsSync(join(run, 'pytorch', 'data')), 'the prepared splits are removed after training').toBe(false);
    const record = readRecord(run);
    expect(record).toMatchObject({ status: 'completed', backend: 'pytorch', engine: 'pytorch', epochs: 6 });
    expect(record.test?.accuracy, 'the test split scored at the end').toBeGreaterThan(0.6);
    expect(existsSync(join(run, 'evaluation.json')), 'the test split\'s evaluation, as the embedded trainer writes it').toBe(true);
    expect(r.out).toMatch(/^test: loss \d\.\d{4} · acc \d\.\d{4}$/m);
    expect(record.engineReason).toMatch(/^pytorch \(asked for\): torch .* found at \/usr\/bin\/python3/);
    // Every recorded event is one the trainer's schema accepts, in the trainer's order.
    const events = readEvents(run);
    for (const e of events) expect(validateTrainerEvent(e).ok, JSON.stringify(e)).toBe(true);
    expect(events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1])).toEqual(expect.arrayContaining(['started', 'batch', 'epoch', 'checkpoint', 'done']));
    const epochs = events.filter((e): e is Extract<TrainerEvent, { type: 'epoch' }> => e.type === 'epoch');
    expect(epochs).toHaveLength(6);
    // Three classes: chance is 1/3.
    expect(epochs[5].metrics.val_accuracy).toBeGreaterThan(0.7);
    expect(epochs[5].metrics.loss).toBeLessThan(epochs[0].metrics.loss);

    const evaluated = await runCli(['evaluate', run, '--format', 'json'], { cwd: dir });
    expect(evaluated.code, evaluated.err).toBe(0);
    const evaluation = JSON.parse(evaluated.out) as { metrics: { accuracy: number } };
    expect(evaluation.metrics.accuracy).toBeGreaterThan(0.6);

    const csv = join(dir, 'flowers.csv');
    writeFileSync(csv, `${IRIS_COLUMNS.join(',')}\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n`);
    const predicted = await runCli(['predict', run, '--input', csv], { cwd: dir });
    expect(predicted.code, predicted.err).toBe(0);
    const labels = predicted.out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { label: string }).label);
    expect(labels).toEqual(['setosa', 'virginica']);
  }, 240_000);

  it('trains a tiny CNN (conv2d, max pooling, flatten) above chance, on at most MODELYAML_THREADS threads', async () => {
    const out = join(dir, 'cnn-runs');
    // torch's default of two threads (OMP_NUM_THREADS), capped at one by MODELYAML_THREADS as the embedded trainer is.
    const r = await runCli(['train', join(dir, 'bars.model.yaml'), '--out', out, ...torchArgs], { cwd: dir, env: { OMP_NUM_THREADS: '2', MODELYAML_THREADS: '1' } });
    expect(r.code, r.err).toBe(0);
    const run = runIn(out);
    expect(readRecord(run)).toMatchObject({ status: 'completed', engine: 'pytorch', threads: 1 });
    const last = readEvents(run).filter((e): e is Extract<TrainerEvent, { type: 'epoch' }> => e.type === 'epoch').pop()!;
    // Two classes: chance is 1/2.
    expect(last.metrics.val_accuracy).toBeGreaterThan(0.75);
    const evaluated = await runCli(['evaluate', run, '--split', 'validation', '--format', 'json'], { cwd: dir });
    expect(evaluated.code, evaluated.err).toBe(0);
    expect((JSON.parse(evaluated.out) as { metrics: { accuracy: number } }).metrics.accuracy).toBeCloseTo(last.metrics.val_accuracy, 5);
  }, 240_000);

  it('cancels on Ctrl-C keeping the last epoch\'s checkpoint, and --resume carries on from it', async () => {
    writeFileSync(join(dir, 'long.model.yaml'), irisSpec({ name: 'iris-long', seed: 6, epochs: 2000 }));
    const out = join(dir, 'long-runs');
    let interrupted = false;
    const r = await runCli(['train', join(dir, 'long.model.yaml'), '--out', out, ...torchArgs], {
      cwd: dir,
      // After the second epoch's line: the run is in Python's loop, with a checkpoint on disk.
      onStdout: (soFar, child) => {
        if (!interrupted && /epoch 2\/2000/.test(soFar)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(r.code, r.out + r.err).toBe(130);
    const run = runIn(out);
    const record = readRecord(run);
    expect(record.status).toBe('cancelled');
    expect(record.reason).toMatch(/cancelled \(SIGINT\)/);
    expect(existsSync(join(run, 'checkpoints', 'last.pt'))).toBe(true);
    expect(existsSync(join(run, 'model', 'model.json')), 'the weights at the stop, for evaluate').toBe(true);
    const kept = readEvents(run).filter((e): e is Extract<TrainerEvent, { type: 'checkpoint' }> => e.type === 'checkpoint').pop()!;
    expect(kept.epoch).toBeGreaterThanOrEqual(2);

    const resumed = await runCli(['train', join(dir, 'long.model.yaml'), '--out', out, '--resume', run, '--epochs', String(kept.epoch + 2), ...torchArgs], { cwd: dir });
    expect(resumed.code, resumed.err).toBe(0);
    const next = runIn(out);
    expect(next).not.toBe(run);
    expect(readRecord(next)).toMatchObject({ status: 'completed', resumedFrom: run, epochs: kept.epoch + 2 });
    const started = readEvents(next).find((e): e is Extract<TrainerEvent, { type: 'started' }> => e.type === 'started')!;
    expect(started.initialEpoch).toBe(kept.epoch + 1);
  }, 240_000);

  it('auto falls back to the embedded trainer for a layer without a PyTorch mapping, naming it', async () => {
    // Bilinear upsampling has no faithful PyTorch equivalent (docs/cluster.md); pick another refused layer if it gains one.
    writeFileSync(
      join(dir, 'normed.model.yaml'),
      irisSpec({ name: 'iris-normed', epochs: 1 }).replace('    - dense: { units: 16, activation: relu }', '    - dense: { units: 16, activation: relu }\n    - reshape: [4, 4, 1]\n    - upsampling2d: { size: 2, interpolation: bilinear }\n    - flatten'),
    );
    const out = join(dir, 'normed-runs');
    const r = await runCli(['train', join(dir, 'normed.model.yaml'), '--out', out, '--python', PYTHON], { cwd: dir, env: { MODELYAML_ENGINE: 'auto' } });
    expect(r.code, r.err).toBe(0);
    const record = readRecord(runIn(out));
    expect(record.engine).toBe('tfjs');
    expect(record.backend).not.toBe('pytorch');
    expect(record.engineReason).toMatch(/^auto: tfjs because .*upsampling2d/);
    expect(record.engineReason).toMatch(/normed\.model\.yaml:\d+/);
  }, 240_000);

  it('trains a search trial’s values, not the file’s: the trial spec travels as text', async () => {
    const text = `${irisSpec({ name: 'iris-trials', epochs: 1 })}\nsearch:\n  metric: val_loss\n  trials: 2\n  sampler: grid\n  space:\n    model.layers[0].dense.units: { grid: [3, 9] }\n`;
    writeFileSync(join(dir, 'trials.model.yaml'), text);
    const r = await runCli(['search', join(dir, 'trials.model.yaml')], { cwd: dir, env: { MODELYAML_ENGINE: 'pytorch', MODELYAML_PYTHON: PYTHON } });
    expect(r.code, r.err + r.out).toBe(0);
    const root = join(dir, '.modelyaml', 'runs', 'iris-trials');
    const trials = readdirSync(root).map((t) => readRecord(join(root, t)));
    const seen = trials.map((x) => [x.engine, x.search?.params['model.layers[0].dense.units'], x.params]).sort((a, b) => Number(a[1]) - Number(b[1]));
    // dense 4 → u → 3: 4u + u + 3u + 3 parameters.
    expect(seen).toEqual([
      ['pytorch', 3, 8 * 3 + 3],
      ['pytorch', 9, 8 * 9 + 3],
    ]);
  }, 300_000);
});
