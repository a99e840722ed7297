// One process of bench/predict.mjs: a trained run's model on the trainer's wasm backend with a
// given number of XNNPACK threads, inference samples/s at each batch size, the way
// `modelyaml evaluate` predicts (src/trainer/evaluateRun.ts: predictOnBatch on a batch tensor made
// from a Float32Array, then the outputs read back).
//
//   node --import tsx bench/predict-ours.ts --spec FILE --model DIR [--threads N] [--seconds 0.5]
//       [--inputs-out FILE] [--outputs-out FILE] [--check 256]
//
// Prints a JSON line (backend, threads) when ready, then, for each batch size read from a line of
// stdin, times one repetition of about --seconds (the first one at a size after a warm-up) and
// prints {batchSize, calls, samplesPerSecond}.
//
// The samples are the spec's test split, prepared by the trainer's own pipeline (the run's spec:
// seed and data as trained). --inputs-out writes them (float32, the model's input layout) for
// the PyTorch side; --outputs-out writes the model's outputs for the first --check samples.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
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

  const wasmThreads = /, (\d+) threads\)/.exec(choice.device);
  console.log(JSON.stringify({ backend: choice.backend, device: choice.device, threads: wasmThreads ? Number(wasmThreads[1]) : 1, params: model.countParams(), samples: test.n }));
  // One timed repetition per batch size read from stdin, so that the bench can interleave the
  // repetitions of every side (a shared machine's load drifts within minutes).
  const calls = new Map<number, number>();
  for await (const line of createInterface({ input: process.stdin })) {
    const batch = Number(line);
    const starts = Math.floor(test.n / batch);
    const once = (i: number) => predict((i % starts) * batch, batch);
    let t0 = performance.now();
    if (!calls.has(batch)) {
      // Warm-up, and how many calls make about --seconds.
      let n = 0;
      while (performance.now() - t0 < 300 || n < 3) await once(n++);
      calls.set(batch, Math.max(1, Math.round((seconds * 1000 * n) / (performance.now() - t0))));
    }
    const n = calls.get(batch)!;
    t0 = performance.now();
    for (let i = 0; i < n; i++) await once(i);
    console.log(JSON.stringify({ batchSize: batch, calls: n, samplesPerSecond: (n * batch * 1000) / (performance.now() - t0) }));
  }
  model.dispose();
  process.exit(0);
}

void main();
