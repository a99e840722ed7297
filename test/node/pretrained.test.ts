/**
 * Pretrained-weights readers on the Keras 3 reference files (test/fixtures/keras-small/README.md):
 * the .keras and .h5 of each model hold the same layers, shapes and values, as Keras listed them.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestRunsAbove, PretrainedError, pretrainedShapes, readPretrained, hdf5, resolveLatestRun } from '../../src/node/pretrained';

const DIR = join(__dirname, '..', 'fixtures', 'keras-small');
const reference = JSON.parse(readFileSync(join(DIR, 'reference-outputs.json'), 'utf8')) as {
  models: Record<string, { layers: { name: string; class: string; weights: number[][] }[] }>;
};

describe('Keras readers', () => {
  for (const [model, ref] of Object.entries(reference.models)) {
    for (const ext of ['keras', 'h5']) {
      it(`${model}.${ext}: every layer with Keras's class and weight shapes`, async () => {
        const source = await readPretrained(join(DIR, `${model}.${ext}`));
        expect(source.layers.map((l) => ({ name: l.name, class: l.className, weights: l.weights.map((w) => w.shape) }))).toEqual(ref.layers.map((l) => ({ name: l.name, class: l.class, weights: l.weights })));
      });
    }
    it(`${model}: .keras and .h5 hold the same values`, async () => {
      const a = await readPretrained(join(DIR, `${model}.keras`));
      const b = await readPretrained(join(DIR, `${model}.h5`));
      for (const [i, l] of a.layers.entries()) for (const [j, w] of l.weights.entries()) expect(w.values).toEqual(b.layers[i].weights[j].values);
      expect(a.layers.some((l) => l.weights.some((w) => w.values.some((v) => v !== 0)))).toBe(true);
    });
  }

  it('shapes without values, synchronously once h5wasm has loaded', async () => {
    await hdf5();
    const s = pretrainedShapes(join(DIR, 'small_rnn.keras'))!;
    expect(s.layers.find((l) => l.name === 'gru1')!.weights.map((w) => w.shape)).toEqual([[6, 15], [5, 15], [2, 15]]);
  });

  it('a truncated or corrupt file is an error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pretrained-'));
    for (const name of ['small_cnn.keras', 'small_cnn.h5']) {
      const bytes = readFileSync(join(DIR, name));
      const cut = join(dir, name);
      writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const err = await readPretrained(cut).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PretrainedError);
      expect((err as Error).message).toContain(cut);
    }
    writeFileSync(join(dir, 'junk.keras'), 'not a zip');
    await expect(readPretrained(join(dir, 'junk.keras'))).rejects.toThrow(/junk\.keras is not a readable \.keras file/);
    await expect(readPretrained(join(dir, 'missing.h5'))).rejects.toThrow(/missing\.h5 does not exist/);
    copyFileSync(join(DIR, 'small_cnn.h5'), join(dir, 'ok.h5'));
    expect((await readPretrained(join(dir, 'ok.h5'))).layers.length).toBe(7);
  });
});

describe('`latest`: a spec\'s newest run with a checkpoint', () => {
  /** A run folder holding a one-tensor TF.js checkpoint whose value is `v`. */
  const run = (runs: string, name: string, v?: number) => {
    const dir = join(runs, name, 'checkpoints', 'last');
    mkdirSync(dir, { recursive: true });
    if (v === undefined) return;
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'conv1/bias', shape: [1], dtype: 'float32' }] }] }));
    writeFileSync(join(dir, 'w.bin'), Buffer.from(new Float32Array([v]).buffer));
  };

  it('resolves to the newest run folder that holds a model, skipping one without', async () => {
    const runs = join(mkdtempSync(join(tmpdir(), 'modelyaml-latest-')), 'runs', 'digits-0-4');
    run(runs, '2026-01-01T00-00-00-000Z', 1);
    run(runs, '2026-01-02T00-00-00-000Z', 2);
    run(runs, '2026-01-03T00-00-00-000Z');
    expect(resolveLatestRun(join(runs, 'latest'))).toBe(join(runs, '2026-01-02T00-00-00-000Z'));
    expect(Array.from((await readPretrained(join(runs, 'latest'))).layers[0].weights[0].values)).toEqual([2]);
    expect(pretrainedShapes(join(runs, 'latest'))!.layers[0].weights[0].shape).toEqual([1]);
  });

  it('a spec\'s `.modelyaml/runs/<spec>/latest` is also found in a folder above it (the workspace\'s runs), the nearest first', () => {
    const root = mkdtempSync(join(tmpdir(), 'modelyaml-latest-'));
    const specDir = join(root, 'examples', 'transfer');
    mkdirSync(specDir, { recursive: true });
    const given = join(specDir, '.modelyaml', 'runs', 'digits-0-4', 'latest');
    run(join(root, '.modelyaml', 'runs', 'digits-0-4'), '2026-01-01T00-00-00-000Z', 1);
    expect(resolveLatestRun(given)).toBe(join(root, '.modelyaml', 'runs', 'digits-0-4', '2026-01-01T00-00-00-000Z'));
    run(join(root, 'examples', '.modelyaml', 'runs', 'digits-0-4'), '2026-01-01T00-00-00-000Z', 2);
    expect(resolveLatestRun(given)).toBe(join(root, 'examples', '.modelyaml', 'runs', 'digits-0-4', '2026-01-01T00-00-00-000Z'));
    // The spec's own folder comes first; other paths are never moved.
    run(join(specDir, '.modelyaml', 'runs', 'digits-0-4'), '2026-01-01T00-00-00-000Z', 3);
    expect(resolveLatestRun(given)).toBe(join(specDir, '.modelyaml', 'runs', 'digits-0-4', '2026-01-01T00-00-00-000Z'));
    expect(latestRunsAbove(join(specDir, 'runs', 'digits-0-4', 'latest'))).toBe(join(specDir, 'runs', 'digits-0-4', 'latest'));
  });

  it('shapes are read once while the source file is unchanged, and again when it changes', () => {
    const runs = join(mkdtempSync(join(tmpdir(), 'modelyaml-latest-')), 'runs', 'digits-0-4');
    run(runs, '2026-01-01T00-00-00-000Z', 1);
    const dir = join(runs, '2026-01-01T00-00-00-000Z');
    const first = pretrainedShapes(dir);
    expect(pretrainedShapes(dir)).toBe(first);
    // The checkpoint rewritten with another shape: read anew.
    writeFileSync(join(dir, 'checkpoints', 'last', 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'conv1/bias', shape: [1, 1], dtype: 'float32' }] }] }));
    expect(pretrainedShapes(dir)!.layers[0].weights[0].shape).toEqual([1, 1]);
  });

  it('a spec with no run yet is a PretrainedError saying to train it first', () => {
    const runs = join(mkdtempSync(join(tmpdir(), 'modelyaml-latest-')), 'runs', 'digits-0-4');
    expect(() => resolveLatestRun(join(runs, 'latest'))).toThrow(`${join(runs, 'latest')}: ${runs} does not exist yet, here or in a folder above: train that spec first (\`latest\` is its newest run).`);
    run(runs, '2026-01-03T00-00-00-000Z');
    expect(() => resolveLatestRun(join(runs, 'latest'))).toThrow(PretrainedError);
    expect(() => resolveLatestRun(join(runs, 'latest'))).toThrow('holds no run with a checkpoint yet');
  });
});
