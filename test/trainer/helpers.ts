/**
 * Shared by the trainer tests: a trainer bundle built from the current sources (once per source
 * state, shared by the test files), temporary spec folders, and a helper that trains a spec
 * through the real client and collects its events.
 */
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TrainerEvent } from '../../src/core/protocol/trainer';
import { startTraining, type StartOptions, type TrainingResult } from '../../src/node/trainerClient';
import { TrainerError } from '../../src/trainer/util';

export const ROOT = resolve(__dirname, '..', '..');

function newestMtime(dir: string): number {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return m;
}

let bundle: Promise<string> | undefined;

/** dist-like folder with trainer.js and the .wasm files, rebuilt when src/ changed. */
export function trainerBundle(): Promise<string> {
  bundle ??= (async () => {
    const stamp = Math.floor(newestMtime(join(ROOT, 'src')));
    const dir = join(ROOT, 'test-artifacts', `trainer-${stamp}`);
    const file = join(dir, 'trainer.js');
    if (existsSync(file)) return file;
    // Bundles of older sources, unused for an hour, go.
    const artifacts = join(ROOT, 'test-artifacts');
    if (existsSync(artifacts)) {
      for (const e of readdirSync(artifacts)) {
        const p = join(artifacts, e);
        if (e.startsWith('trainer-') && Date.now() - statSync(p).mtimeMs > 3600_000) rmSync(p, { recursive: true, force: true });
      }
    }
    const tmp = `${dir}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    await build({
      entryPoints: [join(ROOT, 'src/trainer/main.ts')],
      outfile: join(tmp, 'trainer.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      // As esbuild.mjs: the native backends and onnxruntime-node (serving a model.onnx) load at run time.
      external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', 'onnxruntime-node'],
      // As esbuild.mjs: h5wasm makes its `require` from import.meta.url.
      define: { 'import.meta.url': 'importMetaUrl' },
      banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    });
    const wasm = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      if (existsSync(join(wasm, f))) cpSync(join(wasm, f), join(tmp, f));
    }
    // The threaded build's glue, loaded by its worker threads from a file (as esbuild.mjs copies it).
    cpSync(join(wasm, '..', 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'), join(tmp, 'tfjs-backend-wasm-threaded-simd.js'));
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another test file won the race
    }
    return file;
  })();
  return bundle;
}

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export function tempDir(prefix = 'modelyaml-trainer-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Writes files (name → content) into a new temp folder; returns it. */
export function workspace(files: Record<string, string | Uint8Array>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

export interface Trained {
  result: TrainingResult;
  events: TrainerEvent[];
}

/** Trains through the real client and trainer process; resolves when the process is gone. */
export async function train(spec: string, options: Partial<StartOptions> = {}, onEvent?: (e: TrainerEvent, cancel: () => void, kill: (s: NodeJS.Signals) => void) => void): Promise<Trained> {
  const events: TrainerEvent[] = [];
  const trainerPath = await trainerBundle();
  const handle = startTraining(spec, { trainerPath, out: join(spec, '..', 'runs'), ...options }, (e) => {
    events.push(e);
    onEvent?.(e, () => handle.cancel(), (s) => handle.kill(s));
  });
  const result = await handle.done;
  return { result, events };
}

export const ofType = <T extends TrainerEvent['type']>(events: TrainerEvent[], type: T) => events.filter((e): e is Extract<TrainerEvent, { type: T }> => e.type === type);

/** A small iris classifier (4 → units → 3) with a validation split, and a test split when `test` is set. */
export const irisSpec = ({ epochs = 4, name = 'iris', units = 16, optimizer = '{ adam: { learning_rate: 0.05 } }', metrics = '[accuracy]', seed = 3, test = 0 } = {}) => `version: 1
name: ${name}
seed: ${seed}
data:
  source: { dataset: iris }
  pipeline: [standardize, { one_hot: 3 }]
  validation: { split: 0.2 }${test ? `\n  test: { split: ${test} }` : ''}
model:
  input: [4]
  layers:
    - dense: { units: ${units}, activation: relu }
    - dense: { units: 3, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: ${optimizer}
  metrics: ${metrics}
  epochs: ${epochs}
  batch_size: 16
`;

/** A small binary classifier on the seeded XOR dataset (2 → 8 → 1 sigmoid), with a test split when `test` is set. */
export const xorSpec = ({ name = 'xor', epochs = 3, samples = 200, batchSize = 8, test = 0 } = {}) => `version: 1
name: ${name}
seed: 2
data:
  source: { dataset: { name: xor, samples: ${samples} } }
  validation: { split: 0.2 }${test ? `\n  test: { split: ${test} }` : ''}
model:
  input: [2]
  layers:
    - dense: { units: 8, activation: tanh }
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: { adam: { learning_rate: 0.05 } }
  metrics: [accuracy]
  epochs: ${epochs}
  batch_size: ${batchSize}
`;

/** An MLP on MNIST: 51k parameters, 200 KB of weights. */
export const mnistMlpSpec = ({ samples = 2000, epochs = 50, batchSize = 4, optimizer = 'adam' } = {}) => `version: 1
name: mlp
seed: 1
data:
  source: { dataset: { name: mnist, samples: ${samples} } }
  pipeline: [{ scale: 255 }, { one_hot: 10 }]
model:
  input: [784]
  layers: [{ dense: { units: 64, activation: relu } }, { dense: { units: 10, activation: softmax } }]
train:
  loss: categorical_crossentropy
  optimizer: ${optimizer}
  epochs: ${epochs}
  batch_size: ${batchSize}
`;
/** The TrainerError a call or promise fails with (fails the test when it succeeds or throws anything else). */
export async function failure(p: Promise<unknown> | (() => unknown)): Promise<TrainerError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof TrainerError) return e;
    throw e;
  }
  throw new Error('expected a TrainerError');
}

/** A classifier of an image folder (`img/<class>/…`): grey images scaled to [0, 1], one dense softmax layer. */
export const imageFolderSpec = ({ name = 'images', seed = 5, size = 4, classes = 2, epochs = 1, optimizer = 'adam', test = 0 } = {}) => `version: 1
name: ${name}
seed: ${seed}
data:
  source: { images: { path: img, image_size: [${size}, ${size}], channels: 1 } }
  pipeline: [{ scale: 255 }]${test ? `\n  test: { split: ${test} }` : ''}
model:
  input: [${size}, ${size}, 1]
  layers:
    - flatten
    - dense: { units: ${classes}, activation: softmax }
train:
  loss: sparse_categorical_crossentropy
  optimizer: ${optimizer}
  batch_size: 4
  epochs: ${epochs}
`;
const COLORS = ['red', 'green', 'blue'];
const SPECIES = ['virginica', 'setosa', 'versicolor'];

/**
 * A table with a missing value, a category feature and class names as labels: fill_missing,
 * label_encode of a feature and of the label, standardize, normalize, one_hot (the fitted
 * preprocessing's example, also what the TF.js page's form is tested on).
 */
export const TABLE = {
  COLORS,
  SPECIES,
  csv: ['a,b,color,species', ...Array.from({ length: 40 }, (_, i) => `${i % 13 === 5 ? '' : i * 1.5 + (i % 3)},${(i * 7) % 11},${COLORS[(i * 2) % 3]},${SPECIES[i % 3]}`)].join('\n') + '\n',
  spec: `version: 1
name: table
seed: 5
data:
  source: { csv: { path: t.csv, features: [a, b, color], label: species } }
  pipeline: [fill_missing, { label_encode: { column: color } }, standardize, { normalize: { range: minus_one_one } }, label_encode, { one_hot: 3 }]
  validation: { split: 0.25 }
model:
  input: [3]
  layers:
    - dense: { units: 3, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: adam
  batch_size: 8
  epochs: 1
`,
};

/** An IDX file (MNIST's format) of one-byte values: type byte, dimensions, values. */
export function idx(type: number, dims: number[], values: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length + values.length);
  b[2] = type;
  b[3] = dims.length;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  values.forEach((v, i) => (b[4 + 4 * dims.length + i] = v));
  return b;
}
