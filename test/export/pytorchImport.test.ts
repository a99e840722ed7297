/**
 * `modelyaml import`: a run trained by the exported package's train.py in Debian's torch comes back
 * as a ModelYAML run. On iris (a spec-only package: the trainer builds the topology and fits the
 * preprocessing) `predict`, `evaluate` and the exported ONNX model (in onnxruntime-node) answer as
 * the PyTorch model does on the same inputs; on a tiny MNIST CNN (conv OIHW ↔ HWIO, flatten order)
 * `evaluate` scores the validation split as PyTorch does. And the errors a user meets.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportPytorch } from '../../src/export/pytorch';
import { CLI, runCli } from '../cli/run';
import { irisSpec, train, workspace } from '../trainer/helpers';
import { hasTorch, python, PYTHON, type PythonResult } from './python';
import { example } from './runs';

const env = { ...process.env, OMP_NUM_THREADS: '1' };
const ok = (r: PythonResult) => expect(r.code, r.stderr).toBe(0);

/** The spec exported as a package, trained by its train.py for 2 epochs into `<dir>/torch-run`. */
async function trainedPackage(spec: string): Promise<{ dir: string; pkg: string; torchRun: string }> {
  const dir = workspace({ 'm.model.yaml': spec });
  const pkg = join(dir, 'pkg');
  exportPytorch(join(dir, 'm.model.yaml'), { out: pkg });
  const torchRun = join(dir, 'torch-run');
  ok(await python(['train.py', '--epochs', '2', '--out', torchRun], pkg, env));
  return { dir, pkg, torchRun };
}

/**
 * PyTorch's side, computed independently of the import: data.py's own fit and split, the package's
 * Model with the checkpoint's state_dict. Prints the raw inputs of `split`, their prepared form,
 * the model's outputs and the labels.
 */
const TORCH_OUTPUTS = `
import json, sys, torch, data
from model import Model
split, checkpoint = sys.argv[1], sys.argv[2]
x, y = data.read_source()
idx = data.split_indices(len(x))
_, _, learnt = data.apply_pipeline(data._take(x, idx["train"]), data._take(y, idx["train"]), data._fitted())
raw_x, raw_y = data._take(x, idx[split]), data._take(y, idx[split])
px, py, _ = data.apply_pipeline(raw_x, raw_y, [{"fitted": f} for f in learnt])
m = Model()
m.load_state_dict(torch.load(checkpoint, map_location="cpu")["model"])
m.eval()
with torch.no_grad():
    out = m(px)
print(json.dumps({"raw": torch.as_tensor(raw_x).tolist(), "prepared": px.tolist(), "outputs": out.tolist(), "labels": py.tolist()}))
`;

interface TorchOutputs {
  raw: number[][];
  prepared: number[][];
  outputs: number[][];
  labels: number[][];
}

async function torchOutputs(pkg: string, split: string, checkpoint: string): Promise<TorchOutputs> {
  const r = await python(['-c', TORCH_OUTPUTS, split, checkpoint], pkg, env);
  ok(r);
  return JSON.parse(r.stdout) as TorchOutputs;
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
const logLoss = (p: number[][], y: number[][]) => -p.reduce((s, row, i) => s + Math.log(Math.max(row[y[i].indexOf(1)], 1e-7)), 0) / p.length;

const IRIS = irisSpec({ name: 'iris-import', seed: 7, test: 0.2, epochs: 2 });
const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

describe.skipIf(!hasTorch)('modelyaml import of a train.py run', () => {
  let iris: { dir: string; pkg: string; torchRun: string };
  let imported: string;

  beforeAll(async () => {
    expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
    iris = await trainedPackage(IRIS);
    imported = join(iris.dir, 'imported');
    const r = await runCli(['import', iris.torchRun, '--out', imported, '--python', PYTHON], { cwd: iris.dir });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Imported');
  }, 300_000);

  it('writes a run folder marked as imported, with the metrics, spec snapshot and fitted preprocessing, listed by `modelyaml runs`', async () => {
    const record = JSON.parse(readFileSync(join(imported, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ status: 'completed', backend: 'pytorch', specName: 'iris-import', epochs: 2, imported: { from: iris.torchRun, package: iris.pkg, checkpoint: join(iris.torchRun, 'checkpoints', 'last.pt') } });
    expect(readFileSync(join(imported, 'metrics.jsonl'), 'utf8')).toBe(readFileSync(join(iris.torchRun, 'metrics.jsonl'), 'utf8'));
    expect(readFileSync(join(imported, 'spec.snapshot.yaml'), 'utf8')).toBe(IRIS);
    expect(JSON.parse(readFileSync(join(imported, 'preprocessing.json'), 'utf8')).steps[0]).toMatchObject({ type: 'standardize' });
    // Without --out: a new run folder of the spec under the working folder's .modelyaml/runs, listed like any run.
    const again = await runCli(['import', iris.torchRun, '--python', PYTHON], { cwd: iris.dir });
    expect(again.code, again.err).toBe(0);
    const runs = await runCli(['runs', iris.dir], { cwd: iris.dir });
    expect(runs.code, runs.err).toBe(0);
    expect(runs.out).toMatch(/completed .* pytorch/);
  });

  it('predict and evaluate answer as the PyTorch model does on the same inputs (within 1e-4)', async () => {
    const torch = await torchOutputs(iris.pkg, 'test', join(iris.torchRun, 'checkpoints', 'last.pt'));
    const evaluation = await runCli(['evaluate', imported, '--split', 'test', '--format', 'json'], { cwd: iris.dir });
    expect(evaluation.code, evaluation.err).toBe(0);
    const doc = JSON.parse(evaluation.out) as { n: number; classNames: string[]; metrics: { logLoss: number } };
    expect(doc.n).toBe(torch.outputs.length);
    expect(Math.abs(doc.metrics.logLoss - logLoss(torch.outputs, torch.labels))).toBeLessThan(1e-4);

    const csv = join(iris.dir, 'test.csv');
    writeFileSync(csv, [IRIS_COLUMNS.join(','), ...torch.raw.map((r) => r.join(','))].join('\n') + '\n');
    const predicted = await runCli(['predict', imported, '--input', csv], { cwd: iris.dir });
    expect(predicted.code, predicted.err).toBe(0);
    const rows = predicted.out.trim().split('\n').map((l) => JSON.parse(l) as { probabilities: Record<string, number> });
    expect(rows.length).toBe(torch.outputs.length);
    expect(maxDiff(rows.map((r) => doc.classNames.map((c) => r.probabilities[c])), torch.outputs)).toBeLessThan(1e-4);
  }, 120_000);

  it('exports to ONNX, which runs in onnxruntime-node with the PyTorch model\'s outputs', async () => {
    const file = join(iris.dir, 'iris.onnx');
    const r = await runCli(['export', imported, '--format', 'onnx', '--out', file], { cwd: iris.dir });
    expect(r.code, r.err).toBe(0);
    const torch = await torchOutputs(iris.pkg, 'test', join(iris.torchRun, 'checkpoints', 'last.pt'));
    const session = await ort.InferenceSession.create(file);
    const x = new ort.Tensor('float32', Float32Array.from(torch.prepared.flat()), [torch.prepared.length, 4]);
    const out = (await session.run({ [session.inputNames[0]]: x }))[session.outputNames[0]].data as Float32Array;
    const rows = torch.outputs.map((_, i) => Array.from(out.slice(3 * i, 3 * i + 3)));
    expect(maxDiff(rows, torch.outputs)).toBeLessThan(1e-4);
  }, 120_000);

  it('refuses a tensor of the wrong shape, naming it and both shapes', async () => {
    const bad = join(iris.dir, 'bad.pt');
    ok(await python(['-c', `import torch, sys\nsd = torch.load(sys.argv[1])["model"]\nk = next(iter(sd))\nsd[k] = torch.zeros(5, 5)\ntorch.save({"model": sd}, sys.argv[2])\nprint(k)`, join(iris.torchRun, 'checkpoints', 'last.pt'), bad], iris.pkg, env));
    const r = await runCli(['import', iris.torchRun, '--checkpoint', bad, '--out', join(iris.dir, 'bad-import'), '--python', PYTHON], { cwd: iris.dir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/tensor \S+ has shape \[5, 5\] in .*bad\.pt; the package's model .* needs \[\d+(, \d+)*\]/);
    expect(existsSync(join(iris.dir, 'bad-import'))).toBe(false);
  }, 120_000);

  it('says what is wrong with a folder that is no PyTorch run, a missing checkpoint and a Python without torch', async () => {
    const notRun = await runCli(['import', iris.pkg, '--python', PYTHON], { cwd: iris.dir });
    expect(notRun.code).toBe(1);
    expect(notRun.err).toContain('is not a PyTorch run folder: it has no run.json');
    const ours = await runCli(['import', imported, '--python', PYTHON], { cwd: iris.dir });
    expect(ours.err).toContain('it is a ModelYAML run imported already');

    // A run synced from another machine names a package path that is not here.
    const synced = join(iris.dir, 'synced');
    cpSync(iris.torchRun, synced, { recursive: true });
    const record = JSON.parse(readFileSync(join(synced, 'run.json'), 'utf8'));
    writeFileSync(join(synced, 'run.json'), JSON.stringify({ ...record, spec: '/scratch/job-17/pkg/spec.yaml' }));
    const noPackage = await runCli(['import', synced, '--python', PYTHON], { cwd: iris.dir });
    expect(noPackage.code).toBe(1);
    expect(noPackage.err).toContain('names the package /scratch/job-17/pkg, which is not here (a run trained on another machine): name its package folder with --package DIR.');
    const withPackage = await runCli(['import', synced, '--package', iris.pkg, '--out', join(iris.dir, 'synced-import'), '--python', PYTHON], { cwd: iris.dir });
    expect(withPackage.code, withPackage.err).toBe(0);

    const noBest = await runCli(['import', iris.torchRun, '--checkpoint', 'best', '--python', PYTHON], { cwd: iris.dir });
    expect(noBest.code).toBe(1);
    expect(noBest.err).toContain('has no best checkpoint (checkpoints/best.pt). It has a last one: use --checkpoint last.');

    const noTorch = await runCli(['import', iris.torchRun, '--python', process.execPath], { cwd: iris.dir });
    expect(noTorch.code).toBe(1);
    expect(noTorch.err).toContain('--python PATH (or MODELYAML_PYTHON)');
    expect(noTorch.err).not.toMatch(/\n\s+at /);
  }, 120_000);
});

describe.skipIf(!hasTorch)('modelyaml import of a package exported from a run', () => {
  it('keeps the run\'s topology and fitted preprocessing, and the run exports to TF.js and predicts as PyTorch does', async () => {
    const dir = workspace({ 'iris.model.yaml': irisSpec({ name: 'iris-from-run', seed: 4, test: 0.2, epochs: 1 }) });
    const trained = await train(join(dir, 'iris.model.yaml'));
    expect(trained.result.status, trained.result.error?.message).toBe('completed');
    const pkg = join(dir, 'pkg');
    exportPytorch(trained.result.runDir!, { out: pkg });
    const torchRun = join(dir, 'torch-run');
    ok(await python(['train.py', '--epochs', '2', '--out', torchRun], pkg, env));
    const imported = join(dir, 'imported');
    const r = await runCli(['import', torchRun, '--out', imported, '--python', PYTHON], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(imported, 'preprocessing.json'), 'utf8')).toBe(readFileSync(join(pkg, 'preprocessing.json'), 'utf8'));
    const topology = (d: string) => JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')).modelTopology;
    expect(topology(join(imported, 'model'))).toEqual(topology(join(pkg, 'tfjs')));

    const tfjs = await runCli(['export', imported, '--format', 'tfjs', '--out', join(dir, 'web')], { cwd: dir });
    expect(tfjs.code, tfjs.err).toBe(0);
    expect(existsSync(join(dir, 'web', 'model.json'))).toBe(true);

    const torch = await torchOutputs(pkg, 'test', join(torchRun, 'checkpoints', 'last.pt'));
    const csv = join(dir, 'test.csv');
    writeFileSync(csv, [IRIS_COLUMNS.join(','), ...torch.raw.map((row) => row.join(','))].join('\n') + '\n');
    const predicted = await runCli(['predict', imported, '--input', csv], { cwd: dir });
    expect(predicted.code, predicted.err).toBe(0);
    const classes = JSON.parse(readFileSync(join(imported, 'preprocessing.json'), 'utf8')).labels.names as string[] | undefined;
    const rows = predicted.out.trim().split('\n').map((l) => JSON.parse(l) as { probabilities: Record<string, number> });
    const names = classes ?? Object.keys(rows[0].probabilities);
    expect(maxDiff(rows.map((row) => names.map((c) => row.probabilities[c])), torch.outputs)).toBeLessThan(1e-4);
  }, 300_000);
});

const MNIST_TINY = readFileSync(example('mnist-cnn'), 'utf8')
  .replace('source: { dataset: mnist }', 'source: { dataset: { name: mnist, samples: 200 } }')
  .replace(/^ {2}early_stopping:.*$/m, '');

describe.skipIf(!hasTorch)('modelyaml import of a convolutional model', () => {
  it('scores the validation split as the PyTorch CNN does (conv kernels and flatten order converted)', async () => {
    expect(MNIST_TINY).toContain('samples: 200');
    const { dir, pkg, torchRun } = await trainedPackage(MNIST_TINY);
    const imported = join(dir, 'imported');
    const r = await runCli(['import', torchRun, '--out', imported, '--python', PYTHON], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    const torch = await torchOutputs(pkg, 'validation', join(torchRun, 'checkpoints', 'last.pt'));
    const evaluation = await runCli(['evaluate', imported, '--split', 'validation', '--format', 'json'], { cwd: dir });
    expect(evaluation.code, evaluation.err).toBe(0);
    const doc = JSON.parse(evaluation.out) as { n: number; metrics: { logLoss: number; accuracy: number } };
    expect(doc.n).toBe(torch.outputs.length);
    expect(Math.abs(doc.metrics.logLoss - logLoss(torch.outputs, torch.labels))).toBeLessThan(1e-4);
  }, 300_000);
});
