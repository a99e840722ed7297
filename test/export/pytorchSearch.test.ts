/**
 * search.py, the PyTorch package's Optuna study (issue 21 item 8), in the real runtime: Debian's
 * torch and optuna at /usr/bin/python3. A tiny spec's search runs 3 trials into a SQLite study;
 * each trial must have trained the model its sampled values describe (its parameter count, its
 * activation), reported its epochs to Optuna, and a second worker must join the same study.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchSettings } from '../../src/core/search/types';
import { exportPytorch, ExportError } from '../../src/export/pytorch';
import { runCli } from '../cli/run';
import { ROOT, tempDir } from '../trainer/helpers';

const PYTHON = '/usr/bin/python3';
const ready = spawnSync(PYTHON, ['-c', 'import torch, optuna'], { encoding: 'utf8' }).status === 0;
if (!ready) console.warn(`test/export/pytorchSearch.test.ts skipped: ${PYTHON} cannot import torch and optuna (npm run setup:test)`);

const SPEC = `version: 1
name: tiny
seed: 3
data:
  source:
    csv: { path: data/houses.csv, features: [size_m2], label: price_k, label_type: continuous }
  pipeline:
    - standardize
  validation: { split: 0.2 }
model:
  input: [1]
  layers:
    - dense: { units: 8, activation: relu }   # the searched layer
      name: hidden
    - dropout: { rate: 0.25 }
    - dense: { units: 1 }
train:
  loss: mean_squared_error
  optimizer: { adam: { learning_rate: 0.01 } }
  batch_size: 16
  epochs: 3
`;

const SEARCH: SearchSettings = {
  metric: 'val_loss',
  goal: 'minimize',
  trials: 3,
  parallel: 1,
  sampler: 'tpe',
  pruner: { kind: 'median', startupTrials: 1, warmupEpochs: 0 },
  seed: 3,
  space: [
    { path: 'model.layers.hidden.units', dist: { kind: 'int', low: 4, high: 32, step: 4 } },
    { path: 'model.layers.hidden.activation', dist: { kind: 'choice', values: ['relu', 'tanh'] } },
    { path: 'model.layers[1].dropout.rate', dist: { kind: 'uniform', low: 0.1, high: 0.5 } },
    { path: 'train.optimizer.adam.learning_rate', dist: { kind: 'loguniform', low: 1e-3, high: 1e-1 } },
    { path: 'train.batch_size', dist: { kind: 'choice', values: [8, 16, 32] } },
  ],
};

/** SPEC on a 2×2 image through a named conv2d: flatten gives the dense layer 4 · filters inputs. */
const convSpec = () =>
  SPEC.replace(/csv: \{[^}]*\}/, 'dataset: iris')
    .replace('- standardize', '- standardize\n    - { reshape: [2, 2, 1] }')
    .replace('input: [1]', 'input: [2, 2, 1]')
    .replace('- dense: { units: 8, activation: relu }   # the searched layer', '- conv2d: { filters: 3, kernel_size: 1 }')
    .replace('name: hidden', 'name: conv')
    .replace('- dropout: { rate: 0.25 }', '- flatten')
    .replace('- dense: { units: 1 }', '- dense: { units: 3, activation: softmax }')
    .replace('loss: mean_squared_error', 'loss: sparse_categorical_crossentropy');

function writeSpec(text: string): string {
  const dir = tempDir('modelyaml-export-search-');
  const file = join(dir, 'tiny.model.yaml');
  writeFileSync(file, text);
  return file;
}

function python(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const env = { ...process.env, MODELYAML_DATA: join(ROOT, 'examples', 'data', 'houses.csv'), OMP_NUM_THREADS: '1' };
  return new Promise((resolve) => {
    const p = spawn(PYTHON, args, { cwd, env });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

interface StudyTrial {
  number: number;
  state: string;
  params: Record<string, number | string>;
  intermediate: Record<string, number>;
}

function readStudy(cwd: string): StudyTrial[] {
  const script = `import json, optuna
s = optuna.load_study(study_name="tiny", storage="sqlite:///study.db")
print(json.dumps([{"number": t.number, "state": t.state.name, "params": t.params, "intermediate": t.intermediate_values} for t in s.trials]))`;
  const r = spawnSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as StudyTrial[];
}

describe('search.py templates', () => {
  it("carries the spec's own search section unless told not to", () => {
    const withSection = `${SPEC}search:
  metric: val_loss
  trials: 5
  sampler: random
  pruner: { asha: { min_epochs: 1, reduction: 2 } }
  space:
    model.layers.hidden.units: { int: [4, 32, 4] }
    train.optimizer.adam.learning_rate: { loguniform: [1.0e-3, 1.0e-1] }
`;
    const out = join(tempDir('modelyaml-export-search-'), 'pkg');
    expect(exportPytorch(writeSpec(withSection), { out }).files).toContain('search.py');
    const py = readFileSync(join(out, 'search.py'), 'utf8');
    expect(py).toContain('\\"sampler\\":\\"random\\"');
    expect(py).toContain('\\"reduction\\":2');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('random sampler, asha pruner, 5 trials on `val_loss`, minimize');
    const none = join(tempDir('modelyaml-export-search-'), 'pkg');
    expect(exportPytorch(writeSpec(withSection), { out: none, search: false }).files).not.toContain('search.py');
    expect(exportPytorch(writeSpec(SPEC), { out: none }).files).not.toContain('search.py');
  });

  it('carries a choice of optimizer whose code holds a searched learning rate, and a switch', () => {
    // Export checks every value of each parameter against freshly generated files: no throw means
    // each optimizer's line, with the learning rate inside Adam's, renders as generated.
    const settings: SearchSettings = {
      ...SEARCH,
      space: [
        { path: 'train.optimizer', dist: { kind: 'choice', values: ['adam', 'sgd', 'rmsprop'] } },
        { path: 'train.optimizer.adam.learning_rate', dist: { kind: 'loguniform', low: 1e-3, high: 1e-1 } },
        { path: 'model.layers.hidden.use_bias', dist: { kind: 'choice', values: [true, false] } },
      ],
    };
    const out = join(tempDir('modelyaml-export-search-'), 'pkg');
    expect(exportPytorch(writeSpec(SPEC), { out, search: settings }).files).toContain('search.py');
  });

  it('refuses a parameter the generated code uses other than as its value, by name', () => {
    // A 2×2 image: flatten gives the dense layer 4 · filters inputs, a number computed from the value.
    const conv = convSpec();
    const settings: SearchSettings = { ...SEARCH, space: [{ path: 'model.layers.conv.filters', dist: { kind: 'int', low: 2, high: 8, step: 1 } }] };
    const out = join(tempDir('modelyaml-export-search-'), 'pkg');
    expect(() => exportPytorch(writeSpec(conv), { out, search: settings })).toThrow(ExportError);
    expect(() => exportPytorch(writeSpec(conv), { out, search: settings })).toThrow(/search\.py cannot carry `model\.layers\.conv\.filters`: model\.py uses it other than as its value/);
  });

  it("refuses a grid over a continuous parameter (Optuna's GridSampler needs values)", () => {
    const out = join(tempDir('modelyaml-export-search-'), 'pkg');
    expect(() => exportPytorch(writeSpec(SPEC), { out, search: { ...SEARCH, sampler: 'grid' } })).toThrow(
      "search.py runs `sampler: grid` with Optuna's GridSampler, which needs every parameter discrete: `model.layers[1].dropout.rate` is uniform",
    );
  });
});

describe('modelyaml export --format pytorch with a search section search.py cannot carry', () => {
  it('fails naming the parameter and --no-search; with --no-search the package is written without search.py', async () => {
    const spec = writeSpec(`${convSpec()}\nsearch:\n  metric: val_loss\n  trials: 4\n  space:\n    model.layers.conv.filters: { int: [2, 8] }\n`);
    const out = join(tempDir('modelyaml-export-search-'), 'pkg');
    const refused = await runCli(['export', spec, '--format', 'pytorch', '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/search\.py cannot carry `model\.layers\.conv\.filters`.*\(--no-search writes the package without search\.py\)/);
    const written = await runCli(['export', spec, '--format', 'pytorch', '--out', out, '--no-search']);
    expect(written.code, written.err).toBe(0);
    expect(readdirSync(out)).toContain('model.py');
    expect(readdirSync(out)).not.toContain('search.py');
    const misplaced = await runCli(['export', spec, '--format', 'onnx', '--no-search']);
    expect(misplaced.code).toBe(2);
  }, 120_000);
});

describe.skipIf(!ready)('search.py in Debian’s torch and optuna', () => {
  it('runs 3 trials into a SQLite study, each training its own values; a second worker joins the study', async () => {
    const out = join(tempDir('modelyaml-export-search-'), 'pkg');
    const { files } = exportPytorch(writeSpec(SPEC), { out, search: SEARCH });
    expect(files).toContain('search.py');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('--storage sqlite:///study.db');
    const first = await python(['search.py', '--storage', 'sqlite:///study.db'], out);
    expect(first.code, first.stderr).toBe(0);
    const trials = readStudy(out);
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2]);
    expect(trials.every((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toBe(true);
    expect(trials[0].state).toBe('COMPLETE');
    for (const t of trials) {
      const units = t.params['model.layers.hidden.units'] as number;
      expect(units % 4 === 0 && units >= 4 && units <= 32, `units ${units}`).toBe(true);
      expect(['relu', 'tanh']).toContain(t.params['model.layers.hidden.activation']);
      expect([8, 16, 32]).toContain(t.params['train.batch_size']);
      const trialDir = join(out, 'runs', 'search', `trial-${t.number}`);
      // The model it trained is the one its values describe: 1→units→1 dense has 3·units + 1 parameters.
      const record = JSON.parse(readFileSync(join(trialDir, 'run', 'run.json'), 'utf8')) as { params: number };
      expect(record.params).toBe(3 * units + 1);
      const model = readFileSync(join(trialDir, 'model.py'), 'utf8');
      expect(model).toContain(`torch.${t.params['model.layers.hidden.activation']}(self.hidden(x))`);
      expect(model).toContain(`nn.Dropout(${t.params['model.layers[1].dropout.rate']})`);
      // Its epochs were reported to the trial, up to the one it was pruned at (train.py may have
      // finished another before it was stopped).
      const epochs = readFileSync(join(trialDir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; epoch: number; metrics: Record<string, number> }).filter((e) => e.type === 'epoch');
      const reported = Object.keys(t.intermediate).length;
      expect(reported).toBe(t.state === 'COMPLETE' ? 3 : reported || 1);
      expect(Object.fromEntries(epochs.slice(0, reported).map((e) => [String(e.epoch), e.metrics.val_loss]))).toEqual(t.intermediate);
    }
    // A second worker on the same storage adds the fourth trial of a study capped at 4.
    const second = await python(['search.py', '--storage', 'sqlite:///study.db', '--trials', '4'], out);
    expect(second.code, second.stderr).toBe(0);
    expect(readStudy(out).map((t) => t.number)).toEqual([0, 1, 2, 3]);
  }, 300_000);
});
