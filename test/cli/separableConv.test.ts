/**
 * A run with separable_conv2d and depth_multiplier > 1 loads again: tfjs's SeparableConv2D leaves
 * depthMultiplier out of its config, so the saved model.json rebuilt a depthwise kernel of the
 * wrong shape and evaluate/predict failed. Trains with the built CLI (dist/, `node esbuild.mjs`).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irisSpec } from '../trainer/helpers';
import { runCli } from './run';

/** Iris features as a 2×2 image through a separable convolution with two filters per channel. */
const SPEC = irisSpec({ name: 'separable', epochs: 1, test: 0.2 }).replace(
  '    - dense: { units: 16, activation: relu }',
  '    - reshape: { target_shape: [2, 2, 1] }\n    - separable_conv2d: { filters: 4, kernel_size: 2, depth_multiplier: 2, padding: same, activation: relu }\n    - flatten',
);

describe('separable_conv2d with depth_multiplier 2', () => {
  it('trains, then evaluate and predict load the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-separable-'));
    const spec = join(dir, 'separable.model.yaml');
    writeFileSync(spec, SPEC);
    const out = join(dir, 'runs');
    const trained = await runCli(['train', spec, '--out', out]);
    expect(trained.code, trained.err).toBe(0);
    const [name] = readdirSync(out);
    const [time] = readdirSync(join(out, name));
    const runDir = join(out, name, time);
    const config = readFileSync(join(runDir, 'model', 'model.json'), 'utf8');
    expect(config).toContain('"depth_multiplier":2');

    const evaluated = await runCli(['evaluate', runDir, '--format', 'json']);
    expect(evaluated.code, evaluated.err).toBe(0);
    expect((JSON.parse(evaluated.out) as { task: string }).task).toBe('multiclass');

    const input = join(dir, 'rows.csv');
    writeFileSync(input, 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n');
    const predicted = await runCli(['predict', runDir, '--input', input, '--format', 'csv']);
    expect(predicted.code, predicted.err).toBe(0);
  }, 300_000);
});
