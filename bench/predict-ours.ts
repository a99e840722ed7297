// One process of bench/predict.mjs: a trained run's model on the trainer's wasm backend with a
// given number of XNNPACK threads, inference samples/s at each batch size, the way
// `modelyaml evaluate` predicts (src/trainer/evaluateRun.ts: predictOnBatch on a batch tensor made
// from a Float32Array, then the outputs read back). Prints one JSON object on stdout.
//
//   node --import tsx bench/predict-ours.ts --spec FILE --model DIR [--threads N] [--batches 1,256]
//       [--reps 7] [--seconds 0.5] [--inputs-out FILE] [--outputs-out FILE] [--check 256]
//
// The samples are the spec's test split, prepared by the trainer's own pipeline (the run's spec:
// seed and data as trained). --inputs-out writes them (float32, the model's input layout) for
// the PyTorch side; --outputs-out writes the model's outputs for the first --check samples.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analyze } from '../src/core/analyze';
import { fileDataHost } from '../src/node/dataHost';
import { loadModel } from '../src/trainer/checkpoint';
import { prepareData } from '../src/trainer/data/pipeline';
import { chooseBackend } from '../src/trainer/device';
import * as tf from '../src/trainer/tf';

const arg = (name: string, def?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  if (def === undefined) throw new Error(`--${name} is required`);
  return def;
};
const threads = Number(arg('threads', '1'));
const batches = arg('batches', '1,256').split(',').map(Number);
const reps = Number(arg('reps', '7'));
const seconds = Number(arg('seconds', '0.5'));
const check = Number(arg('check', '256'));

async function main(): Promise<void> {
  const choice = await chooseBackend({ device: 'cpu', backend: 'wasm', wasmThreads: threads, searchFrom: [] });

  const specPath = resolve(arg('spec'));
  const analysis = analyze(readFileSync(specPath, 'utf8'), { host: fileDataHost(dirname(specPath)) });
  if (!analysis.spec.data) throw new Error(`${specPath} has no data section`);
  const prepared = await prepareData(analysis.spec, { specDir: dirname(specPath), seed: analysis.spec.seed?.value ?? 0 });
  const test = prepared.parts.test;
  if (!test) throw new Error(`${specPath} has no test split`);
  const perSample = test.x.length / test.n;
  const inputsOut = arg('inputs-out', '');
  if (inputsOut) writeFileSync(inputsOut, new Uint8Array(test.x.buffer, test.x.byteOffset, test.x.byteLength));

  const model = await loadModel(resolve(arg('model')));

  /** The model's outputs for samples [from, from + n), as evaluate computes them. */
  async function predict(from: number, n: number): Promise<Float32Array> {
    const x = test!.x.subarray(from * perSample, (from + n) * perSample);
    const p = tf.tidy(() => model.predictOnBatch(tf.tensor(x, [n, ...test!.shape])) as tf.Tensor);
    const v = (await p.data()) as Float32Array;
    p.dispose();
    return v;
  }

  const outputsOut = arg('outputs-out', '');
  if (outputsOut) {
    const v = await predict(0, Math.min(check, test.n));
    writeFileSync(outputsOut, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }

  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

  /** Samples/s over `reps` timed repetitions of about `seconds` each, cycling through the split. */
  async function rate(batch: number) {
    const starts = Math.floor(test!.n / batch);
    const once = (i: number) => predict((i % starts) * batch, batch);
    let t0 = performance.now();
    let calls = 0;
    while (performance.now() - t0 < 300 || calls < 3) await once(calls++); // warm-up
    const perCall = (performance.now() - t0) / calls;
    calls = Math.max(1, Math.round((seconds * 1000) / perCall));
    const rates: number[] = [];
    for (let r = 0; r < reps; r++) {
      t0 = performance.now();
      for (let i = 0; i < calls; i++) await once(i);
      rates.push((calls * batch * 1000) / (performance.now() - t0));
    }
    const m = median(rates);
    return { batchSize: batch, callsPerRep: calls, reps, samplesPerSecond: Math.round(m), min: Math.round(Math.min(...rates)), max: Math.round(Math.max(...rates)), msPerBatch: +((1000 * batch) / m).toFixed(3) };
  }

  const results = [];
  for (const b of batches) results.push(await rate(b));
  const wasmThreads = /, (\d+) threads\)/.exec(choice.device);
  console.log(JSON.stringify({ backend: choice.backend, device: choice.device, threads: wasmThreads ? Number(wasmThreads[1]) : 1, params: model.countParams(), samples: test.n, results }));
  model.dispose();
  process.exit(0);
}

void main();
