/**
 * Normalization without a learned offset or scale (`center: false` / `scale: false`): tfjs-layers
 * passes a null β or γ to core's batchNorm, whose tape node then has an undefined input and
 * tfjs's gradient crashed ("Cannot read properties of undefined (reading 'id')"); batch norm
 * also read the absent γ/β. The trainer's own subclasses (model/normalization.ts) use plain ops.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irisSpec, ofType, train, workspace } from './helpers';

/** The iris classifier with `norm` between its two dense layers. */
function specWith(norm: string, name: string): string {
  return irisSpec({ epochs: 6, name }).replace('    - dense: { units: 3, activation: softmax }', `    - ${norm}\n    - dense: { units: 3, activation: softmax }`);
}

/** The names of the weights the run saved for its final model. */
function savedWeights(runDir: string): string[] {
  const model = JSON.parse(readFileSync(join(runDir, 'model', 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string }[] }[] };
  return model.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
}

describe('normalization with center or scale off trains', () => {
  for (const [norm, kept] of [
    ['layer_norm: { center: false }', ['gamma']],
    ['layer_norm: { scale: false }', ['beta']],
    ['batch_norm: { center: false }', ['gamma', 'moving_mean', 'moving_variance']],
    ['batch_norm: { scale: false, center: false }', ['moving_mean', 'moving_variance']],
  ] as const) {
    it(norm, async () => {
      const spec = join(workspace({ 'norm.model.yaml': specWith(norm, 'norm') }), 'norm.model.yaml');
      const { result, events } = await train(spec);
      expect(result.status, result.error?.message ?? result.stderr).toBe('completed');
      const losses = ofType(events, 'epoch').map((e) => e.metrics.loss);
      expect(losses.length).toBe(6);
      expect(losses[5], losses.join(', ')).toBeLessThan(losses[0]);
      const normWeights = savedWeights(result.runDir!).filter((n) => !n.includes('dense')).map((n) => n.split('/').pop());
      expect(normWeights.sort()).toEqual([...kept].sort());
    }, 120_000);
  }
});
