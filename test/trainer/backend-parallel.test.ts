/**
 * The two ways the wasm backend uses a second core.
 * - Data-parallel training (src/trainer/parallel.ts): a worker thread computes half of each
 *   batch's gradients. Same spec, same seed: the same curve as one thread (to float rounding), and
 *   bit-identical between two parallel runs (deterministic for a fixed thread count).
 * - The threaded wasm build (src/trainer/backend/wasm.ts, MODELYAML_WASM_THREADS): XNNPACK
 *   splits each operation between pthread workers; each output element is still computed by one
 *   thread in one order, so the curve is the single-threaded one exactly.
 */
import { describe, expect, it } from 'vitest';
import { inferenceWasmThreadsFor, limitThreads, macsPerSample, wasmThreadsFor } from '../../src/trainer/parallel';
import { privateCacheDir } from '../../src/trainer/backend/wasm';
import { analyze } from '../../src/core/analyze';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ofType, train, workspace } from './helpers';

function spec(): string {
  const rows: string[] = [];
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < 96; i++) {
    const label = i % 3;
    rows.push(`${label},` + Array.from({ length: 64 }, (_, j) => ((j % 3 === label ? 0.6 : 0) + r() * 0.4).toFixed(3)).join(','));
  }
  return workspace({
    'data/train.csv': 'label,' + Array.from({ length: 64 }, (_, i) => `p${i}`).join(',') + '\n' + rows.join('\n') + '\n',
    'par.model.yaml': `version: 1
name: parallel
seed: 5
data:
  source:
    csv: { path: data/train.csv, label: label }
  pipeline:
    - reshape: [8, 8, 1]
    - one_hot: 3
model:
  input: [8, 8, 1]
  layers:
    - conv2d: { filters: 6, kernel_size: 3, activation: relu, padding: same }
    - max_pool2d: { pool_size: 2 }
    - dropout: 0.1
    - flatten
    - dense: { units: 3, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.01 } }
  metrics: [accuracy]
  epochs: 3
  batch_size: 32
  shuffle: true
`,
  }) + '/par.model.yaml';
}

async function run(file: string, parallel: '0' | '1', env: Record<string, string> = {}) {
  const { result, events } = await train(file, { backend: 'wasm', env: { MODELYAML_PARALLEL: parallel, ...env } });
  expect(result.status, JSON.stringify(events.filter((e) => e.type === 'error'))).toBe('completed');
  const logs = ofType(events, 'log').map((e) => e.message).join('\n');
  return { epochs: ofType(events, 'epoch').map((e) => e.metrics), logs, device: ofType(events, 'started')[0]?.device };
}

describe('data-parallel training (wasm, 2 threads)', () => {
  it('matches one thread, and repeats exactly', async () => {
    const file = spec();
    const one = await run(file, '0');
    const a = await run(file, '1');
    const b = await run(file, '1');
    expect(one.logs).toMatch(/data-parallel training off: turned off/);
    expect(a.logs).toMatch(/data-parallel training: 2 threads/);
    expect(a.epochs).toEqual(b.epochs);
    expect(a.epochs).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      // Dropout draws differ between the layouts, so the curves agree loosely; without dropout
      // they agree to float rounding (see the next test).
      expect(Number.isFinite(a.epochs[i].loss)).toBe(true);
    }
    expect(a.epochs[2].loss).toBeLessThan(a.epochs[0].loss);
  }, 180_000);

  it('without dropout: the same losses as one thread, to float rounding', async () => {
    const file = spec();
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    - dropout: 0.1\n', ''));
    const one = await run(file, '0');
    const two = await run(file, '1');
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(two.epochs[i].loss - one.epochs[i].loss) / one.epochs[i].loss).toBeLessThan(1e-4);
      expect(two.epochs[i].accuracy).toBeCloseTo(one.epochs[i].accuracy, 5);
    }
  }, 180_000);

  it('estimates the work per sample', async () => {
    await tf.setBackend('cpu');
    const m = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })] });
    expect(macsPerSample(m)).toBe(26 * 26 * 9 * 32 + 26 * 26 * 32 * 10);
    m.dispose();
  });
});

describe('the threaded wasm build (XNNPACK on pthread workers)', () => {
  it('keeps its worker script where only this user can write', async () => {
    const { chmodSync, mkdtempSync, rmSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'modelyaml-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = root;
    try {
      const own = join(root, `modelyaml-wasm-${process.getuid?.() ?? 'user'}`);
      expect(privateCacheDir()).toBe(own);
      expect(statSync(own).mode & 0o777).toBe(0o700);
      // A folder others can write to (someone may have planted a script there) is not used.
      chmodSync(own, 0o777);
      const fresh = privateCacheDir();
      expect(fresh).not.toBe(own);
      expect(statSync(fresh).mode & 0o077).toBe(0);
    } finally {
      process.env.TMPDIR = saved;
      if (saved === undefined) delete process.env.TMPDIR;
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('starts with the threads asked for and trains exactly as one thread does', async () => {
    const file = spec();
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    - dropout: 0.1\n', ''));
    const one = await run(file, '0');
    const two = await run(file, '0', { MODELYAML_WASM_THREADS: '2' });
    expect(one.device).toMatch(/\(WebAssembly, SIMD\)$/);
    expect(two.device).toMatch(/\(WebAssembly, SIMD, 2 threads\)$/);
    // The data-parallel split stays off: the cores are already XNNPACK's.
    const forced = await run(file, '1', { MODELYAML_WASM_THREADS: '2' });
    expect(forced.logs).toMatch(/data-parallel training off: the wasm backend already runs 2 threads/);
    expect(two.epochs).toHaveLength(3);
    expect(two.epochs).toEqual(one.epochs);
    expect(forced.epochs).toEqual(one.epochs);
  }, 180_000);
});

describe('which wasm build: wasmThreadsFor', () => {
  const layersOf = (file: string) => analyze(readFileSync(join(__dirname, '../../examples', file), 'utf8')).model!.layers;
  it('threads the conv net on a many-core machine, never the small MLP or a 2-core machine', () => {
    const cnn = layersOf('mnist-cnn.model.yaml');
    const mlp = layersOf('mlp.model.yaml');
    expect(wasmThreadsFor(cnn, 64, 16)).toMatchObject({ threads: 8 });
    expect(wasmThreadsFor(cnn, 64, 12)).toMatchObject({ threads: 6 });
    expect(wasmThreadsFor(cnn, 64, 64)).toMatchObject({ threads: 8 });
    expect(wasmThreadsFor(cnn, 64, 2).threads).toBe(1);
    expect(wasmThreadsFor(cnn, 64, 2).why).toMatch(/2 logical cores/);
    expect(wasmThreadsFor(mlp, 64, 16).threads).toBe(1);
    expect(wasmThreadsFor(mlp, 64, 16).why).toMatch(/too little work per step/);
    // Small batches of the CNN are small steps too.
    expect(wasmThreadsFor(cnn, 8, 16).threads).toBe(1);
  });

  it('a run\'s maxThreads (one per parallel search trial) caps even MODELYAML_WASM_THREADS', () => {
    const cnn = layersOf('mnist-cnn.model.yaml');
    const before = process.env.MODELYAML_WASM_THREADS;
    process.env.MODELYAML_WASM_THREADS = '4';
    try {
      expect(wasmThreadsFor(cnn, 64, 16)).toEqual({ threads: 4, why: 'set by MODELYAML_WASM_THREADS' });
      limitThreads(1);
      expect(wasmThreadsFor(cnn, 64, 16)).toEqual({ threads: 1, why: 'set by MODELYAML_WASM_THREADS, capped by maxThreads 1' });
    } finally {
      limitThreads(undefined);
      if (before === undefined) delete process.env.MODELYAML_WASM_THREADS;
      else process.env.MODELYAML_WASM_THREADS = before;
    }
  });

  it('inference threads the conv net on every core from two on (no data-parallel split to prefer), never the MLP, an LSTM or a batch of one', () => {
    const cnn = layersOf('mnist-cnn.model.yaml');
    const mlp = layersOf('mlp.model.yaml');
    expect(inferenceWasmThreadsFor(cnn, 256, 2)).toMatchObject({ threads: 2 });
    expect(inferenceWasmThreadsFor(cnn, 256, 16)).toMatchObject({ threads: 8 });
    expect(inferenceWasmThreadsFor(cnn, 256, 1).threads).toBe(1);
    expect(inferenceWasmThreadsFor(cnn, 1, 16).why).toMatch(/too little work per batch/);
    expect(inferenceWasmThreadsFor(mlp, 256, 16).threads).toBe(1);
    expect(inferenceWasmThreadsFor(layersOf('lstm-sentiment.model.yaml'), 256, 16)).toMatchObject({ threads: 1, why: expect.stringMatching(/recurrent/) });
  });
});
