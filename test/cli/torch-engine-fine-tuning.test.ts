/**
 * A fine-tuning spec through the built CLI (dist/, `node esbuild.mjs` first) on the PyTorch engine
 * and on the embedded trainer: pretrained weights from a TF.js run (the engine's package loads them
 * over its initial weights), a frozen layer unfrozen after an epoch at a lower rate, AdamW with
 * global clipping and warm-up. One batch per epoch (the engine shuffles with torch's generator, so
 * the only batch is the whole split in both): both runs end with the same weights within 1e-4.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, readStoredModel } from '../../src/export/checkpoint';
import { maxAbsDiff, specText, tinyRunOf } from '../export/runs';
import { workspace } from '../trainer/helpers';
import { CLI, runCli } from './run';

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const DATA = '  source: { dataset: iris }\n  pipeline: [standardize]\n  validation: { split: 0.2 }';
const LAYERS = '    - dense: { units: 8, activation: relu }\n      name: hidden\n    - dense: { units: 3, activation: softmax }\n      name: head';

let dir: string;
beforeAll(async () => {
  if (!hasTorch) return;
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
  const source = readStoredModel(await tinyRunOf(specText('iris-src', 7, DATA, '[4]', LAYERS, '  loss: sparse_categorical_crossentropy\n  optimizer: { adam: { learning_rate: 0.05 } }\n  batch_size: 16'))).dir;
  const tuned = specText('iris-tuned', 7, DATA, '[4]\n  weights: { from: source, trainable: false }', LAYERS.replace('name: head', 'name: head\n      trainable: true'),
    '  loss: { sparse_categorical_crossentropy: { label_smoothing: 0.1 } }\n  optimizer: { adamw: { learning_rate: 0.02, weight_decay: 0.1, global_clipnorm: 0.5 } }\n  lr_schedule: { cosine_decay: { decay_steps: 4, warmup_steps: 2 } }\n  unfreeze: { after_epochs: 1, learning_rate_multiplier: 0.5 }\n  epochs: 4\n  batch_size: 120');
  dir = workspace({ 'tuned.model.yaml': tuned, ...Object.fromEntries(readdirSync(source).map((f) => [`source/${f}`, readFileSync(join(source, f))])) });
}, 300_000);

/** The one run folder under `out`. */
function runIn(out: string): string {
  const [name] = readdirSync(out);
  const times = readdirSync(join(out, name)).sort();
  return join(out, name, times[times.length - 1]);
}

describe.skipIf(!hasTorch)('a fine-tuning spec on the PyTorch engine', () => {
  it('trains as the embedded trainer does: same final weights within 1e-4, the frozen layer unfrozen after epoch 1', async () => {
    const spec = join(dir, 'tuned.model.yaml');
    const torch = await runCli(['train', spec, '--out', join(dir, 'torch'), '--engine', 'pytorch', '--python', PYTHON], { cwd: dir });
    expect(torch.code, torch.err).toBe(0);
    expect(torch.out).toMatch(/engine: pytorch/);
    const tfjs = await runCli(['train', spec, '--out', join(dir, 'tfjs'), '--engine', 'tfjs'], { cwd: dir });
    expect(tfjs.code, tfjs.err).toBe(0);
    const weights = (folder: string) => new Map(readCheckpoint(folder).weights.map((w) => [w.name, w.values]));
    const a = weights(join(runIn(join(dir, 'torch')), 'model'));
    const b = weights(join(runIn(join(dir, 'tfjs')), 'model'));
    const source = weights(join(dir, 'source'));
    let worst = 0;
    for (const [name, v] of b) worst = Math.max(worst, maxAbsDiff(a.get(name)!, v));
    console.log(`fine-tuning spec, PyTorch engine vs embedded trainer after 4 epochs: max |Δ| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    // The frozen layer did train once unfrozen (and the comparison could fail).
    expect(maxAbsDiff(b.get('hidden/kernel')!, source.get('hidden/kernel')!)).toBeGreaterThan(1e-4);
  }, 600_000);
});
