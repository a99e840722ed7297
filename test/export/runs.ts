/**
 * Tiny real runs for the export tests: each spec trained through the real trainer process for a
 * couple of batches, into a temp folder; and the trainer's own predictions of a run's checkpoint
 * (its custom layers included), to compare an export with.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadModel } from '../../src/trainer/checkpoint';
import * as tf from '../../src/trainer/tf';
import { mulberry32 } from '../../src/trainer/util';
import { ROOT, tempDir, train, workspace } from '../trainer/helpers';

/** Trains a spec file for `batches` batches of one epoch; returns its run folder. */
export async function tinyRun(specFile: string, batches = 2): Promise<string> {
  const { result } = await train(specFile, { out: tempDir('modelyaml-export-runs-'), epochs: 1, maxBatchesPerEpoch: batches });
  expect(result.status, result.error?.message ?? result.stderr).toBe('completed');
  return result.runDir!;
}

/** A spec's text from its parts (data, layers and train lines indented as the spec nests them). */
export const specText = (name: string, seed: number, data: string, input: string, layers: string, train: string) => `version: 1
name: ${name}
seed: ${seed}
data:
${data}
model:
  input: ${input}
  layers:
${layers}
train:
${train}
`;

export const example = (name: string) => join(ROOT, 'examples', `${name}.model.yaml`);

/** Writes a spec (and its data files) into a temp workspace and trains it. */
export async function tinyRunOf(spec: string, files: Record<string, string | Uint8Array> = {}, batches = 2): Promise<string> {
  const dir = workspace({ 'spec.model.yaml': spec, ...files });
  return tinyRun(join(dir, 'spec.model.yaml'), batches);
}

/** The trainer's predictions of the checkpoint folder `dir` (flattened, row-major). */
export async function trainerPredict(dir: string, x: ArrayLike<number>, shape: number[]): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const model = await loadModel(dir);
  const y = tf.tidy(() => model.predict(tf.tensor(Array.from(x), shape)) as tf.Tensor);
  const out = (await y.data()) as Float32Array;
  y.dispose();
  model.dispose();
  return out;
}

/** A seeded stream of numbers in [0, 1) (the trainer's PRNG). */
export const seeded = mulberry32;

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
