// What bench/train-pytorch.ts and bench/finetune.ts share: steady-state samples/s from batch
// times, the trainer's `prepare` (prepared splits, initial model, the spec's package), running
// the interpreter, and the batch events a package run records in its metrics.jsonl.
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreparedEvent, TrainerEvent } from '../src/core/protocol/trainer';

export type Timed = { t: number; n: number };

/** Samples/s between the first timed batch after warm-up and the last. */
export function steady(times: Timed[], batchSize: number): number | undefined {
  if (times.length < 2) return undefined;
  const a = times[Math.min(times.length - 2, Math.max(1, Math.floor(times.length / 4)))];
  const b = times[times.length - 1];
  return b.n > a.n ? Math.round(((b.n - a.n) * batchSize * 1000) / (b.t - a.t)) : undefined;
}

/** The trainer's `prepare`: the run's prepared splits, initial model and the package (or the refusal). */
export function prepare(trainerPath: string, spec: string, engineDevice: string, batchSize: number, out: string): Promise<PreparedEvent | { error: string }> {
  const child = fork(trainerPath, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
  return new Promise((done) => {
    child.on('message', (m: TrainerEvent) => {
      if (m.type === 'prepared') done(m);
      if (m.type === 'error') done({ error: m.message });
    });
    child.on('close', (code) => done({ error: `the trainer exited with ${code}` }));
    child.send({ type: 'prepare', specPath: spec, options: { batchSize, out, workspace: out }, engine: { engine: 'pytorch', reason: 'bench', device: engineDevice } });
  });
}

/** Runs the interpreter; `onStart` gets its pid (to sample its memory). */
export function python(py: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, onStart?: (pid: number) => void): Promise<{ code: number | null; err: string }> {
  const child = spawn(py, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  if (child.pid !== undefined) onStart?.(child.pid);
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  return new Promise((done) => child.on('close', (code) => done({ code, err })));
}

/** Batch events of a run folder's metrics.jsonl (the package writes one every 20 batches). */
export function recordedBatches(runDir: string): Timed[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TrainerEvent & { time: number })
    .filter((e): e is Extract<TrainerEvent, { type: 'batch' }> & { time: number } => e.type === 'batch').map((e) => ({ t: e.time, n: e.batch }));
}
