// Training throughput of the bundled trainer (dist/trainer.js), the way the extension and the CLI
// run it: a forked process, typed events over IPC.
//
//   npm run bench:train            (builds first)
//   node bench/train.mjs [--quick] [--backends=wasm,cpu,webgpu] [--models=cnn,mlp,mlp-sgd] [--pytorch=cpu,cuda]
//
// For the MNIST CNN (Keras's simple convnet, 93,322 parameters) and the MNIST MLP (784-128-10),
// at batch 64 and 256, on the WebAssembly backend (and the plain-JS CPU backend for the MLP):
//   - steady-state samples/s: batches after the first few (warm-up), from the trainer's own
//     per-batch events;
//   - spawn to first batch: fork → the first `batch` event (process start, tfjs + wasm start,
//     loading and preparing 10,000 MNIST digits, building the model, the first step);
//   - peak RSS of the trainer process (VmHWM from /proc, Linux).
// WebGPU (Dawn, `webgpu` package) is measured when it starts: on a machine with only lavapipe
// (Mesa's software Vulkan) those figures are the software renderer's, and are marked so.
// PyTorch (--pytorch=cpu,cuda; none to skip): bench/train-pytorch.ts runs the CNN, MLP, LSTM and
// transformer examples' exported packages (one process on torch's default threads; two gloo ranks on the CPU), the
// PyTorch engine and the embedded trainer on the same batches, with a python that imports torch
// (MODELYAML_BENCH_PYTHON, else found as the engine finds one), three interleaved rounds (the
// median and min–max of each, with the load average); ratios to the plain package.
// Results go to bench/results/train.json.
import { execFileSync, fork } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
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
const pytorchDevices = (process.argv.find((a) => a.startsWith('--pytorch='))?.slice(10) ?? 'cpu,cuda').split(',');

const pipeline = {
  cnn: '[{ scale: 255 }, { reshape: [28, 28, 1] }, { one_hot: 10 }]',
  mlp: '[{ scale: 255 }, { one_hot: 10 }]',
  'mlp-sgd': '[{ scale: 255 }, { one_hot: 10 }]',
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
  // examples/mlp.model.yaml as written: dropout and SGD, batch 32 (the trainer issue's reference).
  'mlp-sgd': `
    - dense: { units: 128, activation: relu }
    - dropout: 0.2
    - dense: { units: 10, activation: softmax }`,
};
const optimizer = { cnn: 'adam', mlp: 'adam', 'mlp-sgd': '{ sgd: { learning_rate: 0.01 } }' };
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
  optimizer: ${optimizer[model]}
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
for (const m of ['cnn', 'mlp', 'mlp-sgd']) writeFileSync(join(dir, `${m}.model.yaml`), spec(m));

/** One run: resolves with the measurements. */
function run(model, backendLabel, batchSize, batches, eventEvery = 1, epochs) {
  // 'wasm-1t': the wasm backend with data-parallel training turned off (one thread);
  // 'wasm-xt': the threaded wasm build (XNNPACK on every core, at most 8), no data-parallel split.
  const backend = backendLabel.replace(/-(1t|xt)$/, '');
  const env = backendLabel.endsWith('-1t') ? { ...process.env, MODELYAML_PARALLEL: '0' }
    : backendLabel.endsWith('-xt') ? { ...process.env, MODELYAML_PARALLEL: '0', MODELYAML_WASM_THREADS: String(Math.min(8, availableParallelism())) }
    : process.env;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // MODELYAML_BENCH_PROF_DIR: a CPU profile of the trainer for the CNN at batch 64.
    const prof = process.env.MODELYAML_BENCH_PROF_DIR && model === 'cnn' && batchSize === 64 && epochs ? ['--cpu-prof', '--cpu-prof-dir', process.env.MODELYAML_BENCH_PROF_DIR] : [];
    const child = fork(trainer, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env, execArgv: [...process.execArgv, ...prof] });
    let threads = 1;
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const times = [];
    const epochRates = [];
    let first;
    let peak = 0;
    let started;
    child.on('message', (e) => {
      if (e.type === 'started') {
        started = e;
        // The threaded wasm build names its threads in the device: "(WebAssembly, SIMD, 2 threads)".
        const t = /, (\d+) threads\)/.exec(e.device ?? '');
        if (t) threads = Number(t[1]);
      }
      if (e.type === 'log' && /^data-parallel training: (\d+) threads/.test(e.message)) threads = Number(/(\d+) threads/.exec(e.message)[1]);
      if (e.type === 'batch') {
        const now = performance.now();
        first ??= now - t0;
        times.push({ t: now, n: e.batch });
        peak = Math.max(peak, peakRss(child.pid) ?? 0);
      }
      // Epochs after the first (shader compilation, buffer pools): samples over the epoch's time.
      if (e.type === 'epoch' && e.epoch > 1 && started) epochRates.push((started.samples.train * 1000) / e.durationMs);
      if (e.type === 'error') reject(new Error(`${model}/${backend}/${batchSize}: ${e.message}`));
    });
    child.on('exit', () => {
      const warm = Math.min(3, times.length - 2);
      const a = times[warm];
      const b = times.at(-1);
      const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
      const samplesPerSecond = epochRates.length
        ? median(epochRates)
        : b && a && b.n > a.n ? ((b.n - a.n) * batchSize * 1000) / (b.t - a.t) : undefined;
      if (!samplesPerSecond) return reject(new Error(`${model}/${backend}/${batchSize}: no steady-state batches (${stderr.slice(-300)})`));
      resolve({
        model,
        params: started?.params,
        backend: started?.backend ?? backend,
        threads,
        ...(backendLabel !== backend ? { variant: backendLabel } : {}),
        device: started?.device,
        batchSize,
        ...(epochRates.length
          ? { epochsTimed: epochRates.length, msPerStep: +((batchSize * 1000) / samplesPerSecond).toFixed(1) }
          : { batchesTimed: b.n - a.n, msPerStep: +((b.t - a.t) / (b.n - a.n)).toFixed(1) }),
        samplesPerSecond: Math.round(samplesPerSecond),
        spawnToFirstBatchMs: Math.round(first),
        peakRssMiB: peak ? Math.round(peak / 1048576) : undefined,
      });
    });
    child.send({
      type: 'start',
      specPath: join(dir, `${model}.model.yaml`),
      options: { backend, batchSize, maxBatchesPerEpoch: batches, out: join(dir, 'runs'), ...(eventEvery ? { batchEventEvery: eventEvery } : {}), ...(epochs ? { epochs } : {}) },
    });
  });
}

const only = process.argv.find((a) => a.startsWith('--backends='))?.slice(11).split(',');
const models = process.argv.find((a) => a.startsWith('--models='))?.slice(9).split(',');
const plan = [
  ['cnn', 'wasm', 64, quick ? 12 : 40],
  ['cnn', 'wasm', 256, quick ? 6 : 15],
  ['cnn', 'wasm-1t', 64, quick ? 12 : 40],
  ['cnn', 'wasm-1t', 256, quick ? 6 : 15],
  ['cnn', 'wasm-xt', 64, quick ? 12 : 40],
  ['cnn', 'wasm-xt', 256, quick ? 6 : 15],
  ['mlp', 'wasm-xt', 64, quick ? 40 : 150],
  ['mlp', 'wasm-xt', 256, quick ? 20 : 39],
  ['mlp-sgd', 'wasm', 32, quick ? 60 : 250],
  ['mlp', 'wasm', 64, quick ? 40 : 150],
  ['mlp', 'wasm', 256, quick ? 20 : 39],
  ['mlp', 'cpu', 64, quick ? 20 : 60],
  ['mlp', 'cpu', 256, quick ? 8 : 20],
  // First webgpu run short: on a software adapter (lavapipe) one CNN step takes seconds. On a
  // real GPU, four whole epochs of 10,000 digits with the trainer's own event cadence; the figure
  // is the median of epochs 2-4 (samples over the epoch's duration).
  ['cnn', 'webgpu', 64, 8],
  ['cnn', 'webgpu', 256, quick ? 6 : 15],
  ['mlp', 'webgpu', 64, quick ? 12 : 60],
  ['mlp', 'webgpu', 256, quick ? 8 : 30],
].filter(([m, b]) => (!only || only.includes(b.replace(/-(1t|xt)$/, ''))) && (!models || models.includes(m)));
const results = [];
const skipped = [];
const line = (r) => `${r.model.padEnd(4)} ${`${r.backend}${r.threads > 1 ? `×${r.threads}` : ''}`.padEnd(7)} batch ${String(r.batchSize).padEnd(4)} ${String(r.samplesPerSecond).padStart(6)} samples/s  ${String(r.msPerStep).padStart(7)} ms/step`;
try {
  let webgpuDown;
  for (const [model, backend, bs, n0] of plan) {
    if (backend === 'webgpu' && webgpuDown) continue;
    // A software adapter (lavapipe) runs ~40 CNN samples/s: a few batches say enough.
    const soft = backend === 'webgpu' && results.some((r) => r.backend === 'webgpu' && r.softwareAdapter);
    // MODELYAML_BENCH_WHOLE_EPOCHS=1: time whole epochs on any adapter (to try this path on lavapipe).
    const hard = backend === 'webgpu' && (process.env.MODELYAML_BENCH_WHOLE_EPOCHS === '1' || results.some((r) => r.backend === 'webgpu' && !r.softwareAdapter));
    const n = soft ? Math.min(n0, model === 'cnn' ? 6 : 12) : n0;
    let r;
    try {
      r = hard ? await run(model, backend, bs, undefined, 0, 4) : await run(model, backend, bs, n);
      // The first webgpu run found a real GPU: time it again over whole epochs.
      if (backend === 'webgpu' && !soft && !hard && !/software|llvmpipe|swiftshader/i.test(r.device ?? '') && r.backend === 'webgpu') r = await run(model, backend, bs, undefined, 0, 4);
    } catch (e) {
      if (backend !== 'webgpu') throw e;
      webgpuDown = e.message;
      skipped.push({ backend, reason: e.message });
      console.log(`webgpu: not measured (${e.message.slice(0, 300)})`);
      continue;
    }
    if (r.backend !== backend.replace(/-(1t|xt)$/, '')) {
      // The trainer fell back (a forced backend that cannot start): not this backend's figure.
      if (backend === 'webgpu') webgpuDown = `webgpu did not start; the trainer used ${r.backend}`;
      skipped.push({ backend, reason: `did not start; the trainer used ${r.backend}` });
      console.log(`${backend}: did not start (the trainer used ${r.backend})`);
      continue;
    }
    if (backend === 'webgpu') r.softwareAdapter = /software|llvmpipe|swiftshader/i.test(r.device ?? '');
    results.push(r);
    console.log(`${line(r)}  spawn→first batch ${r.spawnToFirstBatchMs} ms  peak RSS ${r.peakRssMiB ?? '?'} MiB${r.device ? `  [${r.device}]` : ''}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The PyTorch side: bench/train-pytorch.ts on the CNN, MLP, LSTM and transformer examples — the
 * spec's exported package as a user runs it, as two DDP ranks, through the PyTorch engine, and the
 * embedded trainer on the same batches — so every ratio compares the same model from one source.
 */
function pytorch() {
  const runs = {};
  for (const device of pytorchDevices.filter((d) => d === 'cpu' || d === 'cuda')) {
    const args = ['--import', 'tsx', join(root, 'bench', 'train-pytorch.ts'), '--device', device, ...(quick ? ['--quick'] : []), ...(process.env.MODELYAML_BENCH_PYTHON ? ['--python', process.env.MODELYAML_BENCH_PYTHON] : [])];
    try {
      runs[device] = JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 3_600_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop());
    } catch (e) {
      runs[device] = { error: e.message.slice(0, 500) };
    }
  }
  return runs;
}

let torch;
try {
  torch = pytorch();
} catch (e) {
  torch = { error: e.message };
}
const rate = (x) => (x?.samplesPerSecond ? `${x.samplesPerSecond} (${x.min}–${x.max})` : x?.errors ? 'failed' : '—');
const times = (x) => (x ? `${x.ofMedians}×, per round ${x.perRound.min}–${x.perRound.max}` : '—');
for (const [device, run] of Object.entries(torch)) {
  if (run.unavailable || run.error) console.log(`pytorch ${device}: ${run.unavailable ?? run.error}`);
  for (const r of run.results ?? []) {
    if (r.refused) {
      console.log(`${r.model.padEnd(11)} [${device}] package refused (${r.refused.replace(/^.*?: /, '')})`);
      continue;
    }
    console.log(`${r.model.padEnd(11)} [${device}] batch ${r.batchSize}, median (min–max) of ${run.runs} interleaved runs: package ${rate(r.package)} · engine ${rate(r.engine)} (${times(r.engineVsPackage)}) · tfjs ${rate(r.tfjs)} (${times(r.tfjsVsPackage)})${r.ddp2 ? ` · DDP 2×CPU ${rate(r.ddp2)} (${times(r.ddp2VsPackage)})` : ''} samples/s  [torch ${run.torch}, ${run.threads} threads, load ${run.loadavg?.start?.[0]}→${run.loadavg?.end?.[0]}]`);
  }
}
const gpuNote = torch.cuda?.results
  ? undefined
  : results.some((r) => r.backend === 'webgpu' && !r.softwareAdapter)
    ? 'no CUDA PyTorch in this run: no GPU ratios'
    : 'no NVIDIA GPU on this machine: webgpu figures (if any) are lavapipe, Mesa\'s software Vulkan on the CPU, and only show the GPU code path runs';
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const out = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  quick,
  results,
  skipped,
  pytorch: torch,
  ...(gpuNote ? { note: gpuNote } : {}),
};
writeFileSync(join(root, 'bench', 'results', 'train.json'), JSON.stringify(out, null, 2) + '\n');
console.log('→ bench/results/train.json');
