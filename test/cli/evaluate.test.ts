/**
 * `modelyaml evaluate` end to end: tiny real runs trained with the built CLI (dist/, `npm run
 * build` first), then evaluated with it. The numbers must equal the trainer's own metrics for the
 * same model and split, the JSON must follow docs/evaluation.md, and bad inputs get a message and
 * an exit code, never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { evaluationJsonProblem, evaluationJsonSchema, type EvaluationJson } from '../../src/core/evaluate';
import type { ClassificationEvaluation, RegressionEvaluation } from '../../src/core/evaluate/schema';
import type { RunRecord } from '../../src/core/protocol/trainer';
import { PNG } from 'pngjs';
import { imageFolderSpec, irisSpec } from '../trainer/helpers';

import { CLI, ROOT, runCli, type CliResult } from './run';

const cliWith = (env: Record<string, string>, ...args: string[]) => runCli(args, { env });
const cli = (...args: string[]) => runCli(args);

const IRIS = irisSpec({ name: 'iris-eval', seed: 5, test: 0.2, epochs: 3 });

/** Trains a spec with the built CLI into a fresh folder; returns the run folder and its record. */
async function trainRun(spec: string, ...flags: string[]): Promise<{ runDir: string; record: RunRecord }> {
  const out = mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-'));
  const r = await cli('train', spec, '--out', out, ...flags);
  expect(r.code, r.err).toBe(0);
  const [name] = readdirSync(out);
  const [time] = readdirSync(join(out, name));
  const runDir = join(out, name, time);
  return { runDir, record: JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord };
}

/** A copy of a run folder to break. */
function copyRun(runDir: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-copy-')), 'run');
  cpSync(runDir, dir, { recursive: true });
  return dir;
}

const schema = new Ajv({ allErrors: true }).compile(evaluationJsonSchema());

/** The JSON a successful `evaluate --format json` printed, checked against the schema and the task. */
function printed<T extends 'binary' | 'multiclass' | 'regression'>(r: CliResult, task: T): T extends 'regression' ? RegressionEvaluation : ClassificationEvaluation {
  expect(r.code, r.err).toBe(0);
  const e = JSON.parse(r.out) as EvaluationJson;
  expect(evaluationJsonProblem(e)).toBeNull();
  expect(schema(e) ? null : schema.errors, 'evaluation.json schema').toBeNull();
  expect(e.task).toBe(task);
  return e as T extends 'regression' ? RegressionEvaluation : ClassificationEvaluation;
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

let iris: { runDir: string; record: RunRecord };
let house: { runDir: string; record: RunRecord };

beforeAll(async () => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `npm run build` first').toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-spec-'));
  writeFileSync(join(dir, 'iris.model.yaml'), IRIS);
  iris = await trainRun(join(dir, 'iris.model.yaml'));
  house = await trainRun(join(ROOT, 'examples', 'house-prices.model.yaml'), '--epochs', '4');
}, 240_000);

describe('modelyaml evaluate', () => {
  it('training evaluates the test split by itself: evaluation.json of the final model', async () => {
    const e = JSON.parse(readFileSync(join(iris.runDir, 'evaluation.json'), 'utf8')) as EvaluationJson;
    expect(evaluationJsonProblem(e)).toBeNull();
    if (e.task !== 'multiclass') throw new Error(`task ${e.task}`);
    expect(e).toMatchObject({ split: 'test', n: 30 });
    expect(e.checkpoint).toBeUndefined();
    expect(e.metrics.accuracy).toBeCloseTo(iris.record.test!.accuracy, 6);
    // No test split, no evaluation.
    expect(existsSync(join(house.runDir, 'evaluation.json'))).toBe(false);
  });

  it('classification: the test split with the final model equals the trainer’s test metrics, in the documented schema', async () => {
    const r = await cli('evaluate', iris.runDir, '--checkpoint', 'last', '--format', 'json');
    const e = printed(r, 'multiclass');
    expect(e).toMatchObject({ split: 'test', checkpoint: 'last', n: 30 });
    // The trainer scored the same model (its last epoch, no early stopping) on the same split.
    expect(e.metrics.accuracy).toBeCloseTo(iris.record.test!.accuracy, 6);
    expect(e.metrics.logLoss).toBeCloseTo(iris.record.test!.loss, 4);
    // Recomputed here from the per-sample predictions and the confusion matrix.
    const s = e.samples!;
    expect(s.actual.filter((a, i) => a === s.predicted[i]).length / e.n).toBeCloseTo(e.metrics.accuracy, 12);
    expect(e.confusionMatrix.reduce((a, row, i) => a + row[i], 0) / e.n).toBeCloseTo(e.metrics.accuracy, 12);
    const written = JSON.parse(readFileSync(join(iris.runDir, 'evaluation.json'), 'utf8')) as EvaluationJson;
    expect(written.metrics).toEqual(e.metrics);
  });

  it('classification: the validation split with the last checkpoint equals the last epoch’s val_accuracy', async () => {
    const r = await cli('evaluate', iris.runDir, '--split', 'validation', '--checkpoint', 'last', '--format', 'json');
    const e = printed(r, 'multiclass');
    expect(e.metrics.accuracy).toBeCloseTo(iris.record.final!.val_accuracy, 6);
    expect(existsSync(join(iris.runDir, 'evaluation-validation.json'))).toBe(true);
  });

  it('prints scikit-learn’s classification report by default (the best checkpoint, the test split)', async () => {
    const r = await cli('evaluate', iris.runDir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {14}precision {4}recall {2}f1-score {3}support$/m);
    expect(r.out).toMatch(/^ {4}accuracy {20,}\d\.\d{4} {8}30$/m);
    expect(r.out).toMatch(/^weighted avg /m);
    expect(r.out).toContain('checkpoints/best');
    expect(r.out).toContain('evaluation.json');
  });

  it('regression: MSE and MAE on the validation split equal the trainer’s val_loss and val_mean_absolute_error', async () => {
    const r = await cli('evaluate', house.runDir, '--split', 'validation', '--checkpoint', 'last', '--format', 'json');
    const e = printed(r, 'regression');
    expect(e.metrics.mse / house.record.final!.val_loss).toBeCloseTo(1, 5);
    expect(e.metrics.mae / house.record.final!.val_mean_absolute_error).toBeCloseTo(1, 5);
    const text = await cli('evaluate', house.runDir, '--split', 'validation');
    expect(text.out).toMatch(/output +MAE +MSE +RMSE +R²/);
  });

  it('--data scores a labelled CSV through the run’s fitted preprocessing: the whole file is the train and validation splits together', async () => {
    const score = async (...flags: string[]) => printed(await cli('evaluate', house.runDir, '--checkpoint', 'last', '--format', 'json', ...flags), 'regression');
    const file = join(ROOT, 'examples', 'data', 'houses.csv');
    const all = await score('--data', file);
    const parts = [await score('--split', 'train'), await score('--split', 'validation')];
    expect(all).toMatchObject({ split: 'data', data: file, outputNames: ['price_k'] });
    expect(all.n).toBe(parts[0].n + parts[1].n);
    expect(all.metrics.mse).toBeCloseTo((parts[0].metrics.mse * parts[0].n + parts[1].metrics.mse * parts[1].n) / all.n, 6);
    expect(existsSync(join(house.runDir, 'evaluation-data.json'))).toBe(true);
  });

  it('--data: a file that is not CSV or JSONL, a missing label column, and --split beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-data-'));
    writeFileSync(join(dir, 'nolabel.csv'), 'size_m2\n12\n');
    const r1 = await cli('evaluate', house.runDir, '--data', join(ROOT, 'README.md'));
    expect(r1.code).toBe(1);
    expect(r1.err).toContain('--data reads a CSV file (.csv, with a header row) or JSON Lines (.jsonl)');
    const r2 = await cli('evaluate', house.runDir, '--data', join(dir, 'nolabel.csv'));
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('nolabel.csv:2: no `price_k` field.');
    const r3 = await cli('evaluate', house.runDir, '--data', join(dir, 'nolabel.csv'), '--split', 'test');
    expect(r3.code).toBe(2);
    expect(r3.err).toContain('--data and --split cannot be used together');
    for (const r of [r1, r2, r3]) noStack(r.err);
  });

  it('a FIFO as --data is refused up front instead of blocking on a pipe nobody writes', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-fifo-')), 'houses.csv');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = await cli('evaluate', house.runDir, '--data', fifo);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--data ${fifo} is not a regular file (a pipe, device or socket)`);
    noStack(r.err);
  });

  it('an evaluation past MODELYAML_EVALUATE_TIMEOUT is stopped with a clear error', async () => {
    const r = await cliWith({ MODELYAML_EVALUATE_TIMEOUT: '0.05' }, 'evaluate', iris.runDir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('The evaluation did not finish within 0.05 s, so its trainer process was stopped.');
    expect(r.err).toContain('MODELYAML_EVALUATE_TIMEOUT');
    noStack(r.err);
  });

  it('a split the run does not have: says which it has', async () => {
    const r = await cli('evaluate', house.runDir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('has no test split (it has train, validation). Use --split validation');
    noStack(r.err);
  });

  it('bad inputs get a message and an exit code, no stack trace', async () => {
    const notRun = await cli('evaluate', ROOT);
    expect(notRun.code).toBe(1);
    expect(notRun.err).toContain('is not a run folder (it has no run.json)');
    const missing = await cli('evaluate', join(ROOT, 'no-such-run'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('is not a folder');
    const split = await cli('evaluate', iris.runDir, '--split', 'holdout');
    expect(split.code).toBe(2);
    expect(split.err).toContain('--split must be test, validation or train, not holdout');
    const checkpoint = await cli('evaluate', iris.runDir, '--checkpoint', 'first');
    expect(checkpoint.code).toBe(2);
    expect(checkpoint.err).toContain('--checkpoint must be best or last');
    expect((await cli('evaluate')).code).toBe(2);
    for (const r of [notRun, missing, split, checkpoint]) noStack(r.err);
  });

  it('a run without the checkpoint asked for, or without any model, or without preprocessing.json', async () => {
    const noBest = copyRun(iris.runDir);
    rmSync(join(noBest, 'checkpoints', 'best'), { recursive: true });
    const r1 = await cli('evaluate', noBest, '--checkpoint', 'best');
    expect(r1.code).toBe(1);
    expect(r1.err).toContain('has no best checkpoint');
    expect(r1.err).toContain('use --checkpoint last');
    rmSync(join(noBest, 'checkpoints'), { recursive: true });
    rmSync(join(noBest, 'model'), { recursive: true });
    const r2 = await cli('evaluate', noBest);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('holds no trained model');
    const noPre = copyRun(iris.runDir);
    rmSync(join(noPre, 'preprocessing.json'));
    const r3 = await cli('evaluate', noPre);
    expect(r3.code).toBe(1);
    expect(r3.err).toContain('has no preprocessing.json');
    expect(r3.err).toContain('Train the spec again, or pass --refit to `modelyaml evaluate`');
    for (const r of [r1, r2, r3]) noStack(r.err);
  });

  it('--refit: a run without preprocessing.json gets the same file back, byte for byte, and the same metrics', async () => {
    const original = readFileSync(join(iris.runDir, 'preprocessing.json'), 'utf8');
    const before = printed(await cli('evaluate', iris.runDir, '--checkpoint', 'last', '--format', 'json'), 'multiclass');
    const old = copyRun(iris.runDir);
    rmSync(join(old, 'preprocessing.json'));
    const refused = await cli('evaluate', old, '--checkpoint', 'last', '--format', 'json');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('has no preprocessing.json');
    expect(existsSync(join(old, 'preprocessing.json'))).toBe(false);
    const after = printed(await cli('evaluate', old, '--checkpoint', 'last', '--format', 'json', '--refit'), 'multiclass');
    expect(readFileSync(join(old, 'preprocessing.json'), 'utf8')).toBe(original);
    expect(after.metrics).toEqual(before.metrics);
    expect(after.confusionMatrix).toEqual(before.confusionMatrix);
    expect(after.samples).toEqual(before.samples);
    // A readable file is kept: --refit on a complete run changes nothing.
    const again = printed(await cli('evaluate', old, '--checkpoint', 'last', '--format', 'json', '--refit'), 'multiclass');
    expect(again.metrics).toEqual(before.metrics);
  });
});

describe('modelyaml evaluate on a binary text classifier', () => {
  it('the LSTM sentiment example: validation accuracy equals the trainer’s, with the binary threshold table', async () => {
    const lstm = await trainRun(join(ROOT, 'examples', 'lstm-sentiment.model.yaml'), '--epochs', '1');
    const r = await cli('evaluate', lstm.runDir, '--split', 'validation', '--checkpoint', 'last', '--format', 'json');
    const e = printed(r, 'binary');
    expect(e.metrics.accuracy).toBeCloseTo(lstm.record.final!.val_accuracy, 6);
    expect(e.thresholds?.bestF1.f1).toBeGreaterThanOrEqual(0);
    const text = await cli('evaluate', lstm.runDir, '--split', 'validation');
    expect(text.out).toMatch(/^best F1 \d\.\d{4} at threshold \d\.\d{4}$/m);
  }, 120_000);
});

/** A grey PNG of w×h pixels around `level`, with a little seeded texture. */
function greyPng(w: number, h: number, level: number, seed: number): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) {
    const v = Math.max(0, Math.min(255, level + ((i * 31 + seed * 17) % 41) - 20));
    p.data.set([v, v, v, 255], i * 4);
  }
  return PNG.sync.write(p);
}

/** A folder with a subfolder per class of 12 images each, dark and light, of varying sizes. */
function imageFolder(dir: string, classes: Record<string, number>): string {
  for (const [name, level] of Object.entries(classes)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < 12; i++) writeFileSync(join(dir, name, `${i}.png`), greyPng(6 + (i % 3), 6, level, i));
  }
  return dir;
}

const IMAGES = imageFolderSpec({ name: 'shades', seed: 4, size: 6, epochs: 3, optimizer: '{ adam: { learning_rate: 0.05 } }', test: 0.25 });

describe('modelyaml evaluate --data on an image model', () => {
  it('a folder of class subfolders goes through the fitted preprocessing: the whole folder scores as its train and test splits together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-images-'));
    imageFolder(join(dir, 'img'), { dark: 50, light: 200 });
    writeFileSync(join(dir, 'shades.model.yaml'), IMAGES);
    const { runDir } = await trainRun(join(dir, 'shades.model.yaml'));
    const score = async (...flags: string[]) => printed(await cli('evaluate', runDir, '--checkpoint', 'last', '--format', 'json', ...flags), 'binary');
    const all = await score('--data', join(dir, 'img'));
    const [train, test] = [await score('--split', 'train'), await score('--split', 'test')];
    expect(all).toMatchObject({ split: 'data', n: 24, classNames: ['dark', 'light'] });
    expect(train.n + test.n).toBe(24);
    // Same model, same pixels: each confusion cell of the folder is the sum of the splits' cells.
    expect(all.confusionMatrix).toEqual(train.confusionMatrix.map((row, i) => row.map((c, j) => c + test.confusionMatrix[i][j])));

    // A class the run never saw, and a folder for a table model.
    const other = imageFolder(join(dir, 'other'), { dark: 50, grey: 128 });
    const unseen = await cli('evaluate', runDir, '--data', other);
    expect(unseen.code).toBe(1);
    expect(unseen.err).toMatch(/grey\/0\.png: label "grey" is not one of the trained classes \(dark, light\)/);
    const table = await cli('evaluate', house.runDir, '--data', join(dir, 'img'));
    expect(table.code).toBe(1);
    expect(table.err).toContain('is a folder, but the run was trained on csv data');
    for (const r of [unseen, table]) noStack(r.err);
  }, 120_000);
});

describe('modelyaml evaluate on signed (−1/+1) labels', () => {
  it('a tanh unit trained with hinge: a binary evaluation of classes -1 and +1, accuracy equal to the trainer’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-evaluate-signed-'));
    const rows = Array.from({ length: 80 }, (_, i) => {
      const [a, b] = [Math.sin(i * 1.7), Math.cos(i * 2.3)];
      return `${a.toFixed(3)},${b.toFixed(3)},${a + 0.5 * b + 0.3 * Math.sin(i * 5.1) > 0 ? 1 : -1}`;
    });
    writeFileSync(join(dir, 'points.csv'), ['x1,x2,y', ...rows].join('\n') + '\n');
    writeFileSync(join(dir, 'svm.model.yaml'), `version: 1
name: svm
seed: 2
data:
  source: { csv: { path: points.csv, label: y, label_type: signed } }
  test: { split: 0.25 }
model:
  input: [2]
  layers: [{ dense: { units: 1, activation: tanh } }]
train:
  loss: hinge
  optimizer: { adam: { learning_rate: 0.05 } }
  metrics: [accuracy]
  epochs: 4
  batch_size: 8
`);
    const run = await trainRun(join(dir, 'svm.model.yaml'));
    // Training evaluated its test split by itself: signed labels are scored now.
    expect(existsSync(join(run.runDir, 'evaluation.json'))).toBe(true);
    const e = printed(await cli('evaluate', run.runDir, '--checkpoint', 'last', '--format', 'json'), 'binary');
    expect(e.classNames).toEqual(['-1', '+1']);
    expect(e.n).toBe(20);
    expect(e.metrics.accuracy).toBeCloseTo(run.record.test!.accuracy, 6);
    const text = await cli('evaluate', run.runDir);
    expect(text.out).toMatch(/^ {10}-1 +\d\.\d{4}/m);
    expect(text.out).toMatch(/^ {10}\+1 +\d\.\d{4}/m);
  }, 120_000);
});
