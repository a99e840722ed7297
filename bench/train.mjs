// Training throughput of the bundled trainer (dist/trainer.js), the way the extension and the CLI
// run it: a forked process, typed events over IPC.
//
//   npm run bench:train            (builds first)
//   node bench/train.mjs [--quick]
//
// For the MNIST CNN (Keras's simple convnet, 93,322 parameters) and the MNIST MLP (784-128-10),
// at batch 64 and 256, on the WebAssembly backend (and the plain-JS CPU backend for the MLP):
//   - steady-state samples/s: batches after the first few (warm-up), from the trainer's own
//     per-batch events;
//   - spawn to first batch: fork → the first `batch` event (process start, tfjs + wasm start,
//     loading and preparing 10,000 MNIST digits, building the model, the first step);
//   - peak RSS of the trainer process (VmHWM from /proc, Linux).
// Results go to bench/results/train.json.
import { fork } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const trainer = join(root, 'dist', 'trainer.js');
if (!existsSync(trainer)) {
  console.error('dist/trainer.js is missing: run `node esbuild.mjs` (or `npm run bench:train`).');
  process.exit(1);
}
const quick = process.argv.includes('--quick');

const pipeline = {
  cnn: '[{ scale: 255 }, { reshape: [28, 28, 1] }, { one_hot: 10 }]',
  mlp: '[{ scale: 255 }, { one_hot: 10 }]',
};
const layers = {
  cnn: `
    - conv2d: { filters: 32, kernel_size: 3, activation: relu }
    - max_pool2d: { pool_size: 2 }
    - conv2d: { filters: 64, kernel_size: 3, activation: relu }
    - max_pool2d: { pool_size: 2 }
    - conv2d: { filters: 64, kernel_size: 3, activation: relu }
    - flatten
    - dense: { units: 64, activation: relu }
    - dense: { units: 10, activation: softmax }`,
  mlp: `
    - dense: { units: 128, activation: relu }
    - dense: { units: 10, activation: softmax }`,
};
const spec = (model) => `version: 1
name: bench-${model}
seed: 1
data:
  source: { dataset: mnist }
  pipeline: ${pipeline[model]}
model:
  input: ${model === 'cnn' ? '[28, 28, 1]' : '[784]'}
  layers:${layers[model]}
train:
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
`;

function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'modelyaml-train-bench-'));
for (const m of ['cnn', 'mlp']) writeFileSync(join(dir, `${m}.model.yaml`), spec(m));

/** One run: resolves with the measurements. */
function run(model, backend, batchSize, batches) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = fork(trainer, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const times = [];
    let first;
    let peak = 0;
    let started;
    child.on('message', (e) => {
      if (e.type === 'started') started = e;
      if (e.type === 'batch') {
        const now = performance.now();
        first ??= now - t0;
        times.push({ t: now, n: e.batch });
        peak = Math.max(peak, peakRss(child.pid) ?? 0);
      }
      if (e.type === 'error') reject(new Error(`${model}/${backend}/${batchSize}: ${e.message}`));
    });
    child.on('exit', () => {
      const warm = Math.min(3, times.length - 2);
      const a = times[warm];
      const b = times.at(-1);
      const samplesPerSecond = b && a && b.n > a.n ? ((b.n - a.n) * batchSize * 1000) / (b.t - a.t) : undefined;
      if (!samplesPerSecond) return reject(new Error(`${model}/${backend}/${batchSize}: no steady-state batches (${stderr.slice(-300)})`));
      resolve({
        model,
        params: started?.params,
        backend: started?.backend ?? backend,
        device: started?.device,
        batchSize,
        batchesTimed: b.n - a.n,
        samplesPerSecond: Math.round(samplesPerSecond),
        msPerStep: +((b.t - a.t) / (b.n - a.n)).toFixed(1),
        spawnToFirstBatchMs: Math.round(first),
        peakRssMiB: peak ? Math.round(peak / 1048576) : undefined,
      });
    });
    child.send({
      type: 'start',
      specPath: join(dir, `${model}.model.yaml`),
      options: { backend, batchSize, maxBatchesPerEpoch: batches, batchEventEvery: 1, out: join(dir, 'runs') },
    });
  });
}

const plan = [
  ['cnn', 'wasm', 64, quick ? 12 : 40],
  ['cnn', 'wasm', 256, quick ? 6 : 15],
  ['mlp', 'wasm', 64, quick ? 40 : 150],
  ['mlp', 'wasm', 256, quick ? 20 : 39],
  ['mlp', 'cpu', 64, quick ? 20 : 60],
  ['mlp', 'cpu', 256, quick ? 8 : 20],
];
const results = [];
try {
  for (const [model, backend, bs, n] of plan) {
    const r = await run(model, backend, bs, n);
    results.push(r);
    console.log(`${model.padEnd(4)} ${r.backend.padEnd(5)} batch ${String(bs).padEnd(4)} ${String(r.samplesPerSecond).padStart(6)} samples/s  ${String(r.msPerStep).padStart(6)} ms/step  spawn→first batch ${r.spawnToFirstBatchMs} ms  peak RSS ${r.peakRssMiB ?? '?'} MiB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const out = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  quick,
  results,
};
writeFileSync(join(root, 'bench', 'results', 'train.json'), JSON.stringify(out, null, 2) + '\n');
console.log('→ bench/results/train.json');
