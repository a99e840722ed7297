/**
 * The exported train.py's event cadence and step timing, in Debian's torch, on the tiny MNIST CNN
 * (160 training digits: 40 batches of 4 an epoch, each a few milliseconds): with --events (the PyTorch engine),
 * batch events come at most one per 0.1 s plus each epoch's last, each line on stdout also in
 * metrics.jsonl; --event-every N (the engine's batchEventEvery) gives that fixed cadence instead;
 * --step-times (bench/train-pytorch.ts) records every step, with its epoch and samples; --max-threads
 * caps torch's thread count (the engine's maxThreads) without raising it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../../src/core/protocol/trainer';
import { validateTrainerEvent } from '../../src/core/protocol/trainer';
import { exportPytorch } from '../../src/export/pytorch';
import { workspace } from '../trainer/helpers';
import { hasTorch, python, type PythonResult } from './python';
import { example } from './runs';

const MNIST_TINY = readFileSync(example('mnist-cnn'), 'utf8')
  .replace('source: { dataset: mnist }', 'source: { dataset: { name: mnist, samples: 200 } }')
  .replace(/^ {2}early_stopping:.*$/m, '');

type Batch = Extract<TrainerEvent, { type: 'batch' }>;
const env = { ...process.env, OMP_NUM_THREADS: '1' };
const ok = (r: PythonResult) => expect(r.code, r.stderr).toBe(0);
const lines = (text: string) => text.split('\n').filter(Boolean);
const batchesOf = (events: TrainerEvent[]) => events.filter((e): e is Batch => e.type === 'batch');

function mnistPackage(): string {
  const dir = workspace({ 'mnist.model.yaml': MNIST_TINY });
  const out = join(dir, 'pkg');
  exportPytorch(join(dir, 'mnist.model.yaml'), { out });
  return out;
}

describe.skipIf(!hasTorch)('train.py events and step times', () => {
  it('--events: at most one batch event per 0.1 s and each epoch\'s last; stdout and metrics.jsonl hold the same valid events', async () => {
    const pkg = mnistPackage();
    const r = await python(['train.py', '--events', '--epochs', '2', '--batch-size', '4', '--threads', '1', '--out', 'runs/events'], pkg, env);
    ok(r);
    const streamed = lines(r.stdout).map((l) => JSON.parse(l) as TrainerEvent);
    for (const e of streamed) expect(validateTrainerEvent(e).ok, JSON.stringify(e)).toBe(true);
    expect(lines(readFileSync(join(pkg, 'runs', 'events', 'metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l))).toEqual(streamed);
    const batches = batchesOf(streamed);
    for (const epoch of [1, 2]) {
      const mine = batches.filter((b) => b.epoch === epoch);
      expect(mine[mine.length - 1].batch, 'the epoch\'s last batch is reported').toBe(mine[0].batches);
      // Between throttled events (the last one is always sent): ≥ 100 ms, less a millisecond of the times' rounding.
      for (let i = 1; i < mine.length - 1; i++) expect(mine[i].time - mine[i - 1].time, `epoch ${epoch}, events ${i - 1} and ${i}`).toBeGreaterThanOrEqual(99);
    }
  }, 300_000);

  it('--event-every 1 reports every batch; --step-times records every step with its epoch and samples', async () => {
    const pkg = mnistPackage();
    const times = join(pkg, 'steps.json');
    const r = await python(['train.py', '--events', '--event-every', '1', '--step-times', times, '--epochs', '2', '--batch-size', '7', '--threads', '1', '--out', 'runs/every'], pkg, env);
    ok(r);
    const events = lines(r.stdout).map((l) => JSON.parse(l) as TrainerEvent);
    const started = events.find((e): e is Extract<TrainerEvent, { type: 'started' }> => e.type === 'started')!;
    const perEpoch = started.batchesPerEpoch;
    expect(batchesOf(events).map((b) => `${b.epoch}:${b.batch}`)).toEqual([1, 2].flatMap((ep) => Array.from({ length: perEpoch }, (_, i) => `${ep}:${i + 1}`)));
    const { steps } = JSON.parse(readFileSync(times, 'utf8')) as { steps: [number, number, number][] };
    expect(steps).toHaveLength(2 * perEpoch);
    for (const epoch of [1, 2]) expect(steps.filter((s) => s[0] === epoch).reduce((n, s) => n + s[2], 0)).toBe(started.samples.train);
    for (let i = 1; i < steps.length; i++) expect(steps[i][1]).toBeGreaterThan(steps[i - 1][1]);
  }, 300_000);

  it('--max-threads caps torch\'s default and never raises it; --threads sets it; run.json records the count', async () => {
    const pkg = mnistPackage();
    const threadsOf = async (args: string[], ompThreads: string, out: string) => {
      const r = await python(['train.py', '--epochs', '1', '--max-steps', '1', ...args, '--out', out], pkg, { ...process.env, OMP_NUM_THREADS: ompThreads });
      ok(r);
      return (JSON.parse(readFileSync(join(pkg, out, 'run.json'), 'utf8')) as { threads?: number }).threads;
    };
    // OMP_NUM_THREADS is torch's default here.
    expect(await threadsOf(['--max-threads', '1'], '2', 'runs/capped')).toBe(1);
    expect(await threadsOf(['--max-threads', '2'], '1', 'runs/not-raised')).toBe(1);
    expect(await threadsOf(['--threads', '2'], '1', 'runs/set')).toBe(2);
    expect(await threadsOf([], '2', 'runs/default')).toBe(2);
  }, 300_000);
});
