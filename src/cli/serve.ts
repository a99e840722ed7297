/**
 * `modelyaml serve <run-dir> [--port P] [--host H]`: an HTTP JSON API over a trained run
 * (src/node/serve/app.ts), its predictions answered by a prediction session in the trainer
 * process. Localhost unless --host says otherwise; SIGTERM/SIGINT stop accepting, let the
 * requests in flight finish, end the trainer and exit 0. docs/deploying.md, "Serving".
 * Loaded only when `serve` runs, so the other commands never load fastify.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { validatePreprocessing } from '../core/protocol/preprocessing';
import { PredictionSession, SessionError } from '../node/predictionSession';
import { readRunRecord, RUN_FILE } from '../node/runRecord';
import { buildApp, type ServeMetadata } from '../node/serve/app';
import { Batcher } from '../node/serve/batcher';
import { ServeMetrics } from '../node/serve/metrics';
import type { CliIO } from './main';

export interface ServeFlags {
  port?: string;
  host?: string;
  checkpoint?: string;
  topK?: string;
  maxBatch?: string;
  batchWaitMs?: string;
  noBatching?: boolean;
  bodyLimit?: string;
  maxInputs?: string;
}

export interface ServeSettings {
  port: number;
  host: string;
  checkpoint?: 'best' | 'last';
  topK: number;
  maxBatch: number;
  batchWaitMs: number;
  bodyLimit: number;
  maxInputs: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const whole = (s: string | undefined, min: number, fallback: number) => (s === undefined ? fallback : /^\d+$/.test(s) && Number(s) >= min ? Number(s) : NaN);

/** The flags as settings, or a message naming the bad one. */
export function parseServeFlags(f: ServeFlags): ServeSettings | { error: string } {
  const n = {
    port: whole(f.port, 0, 8080),
    topK: whole(f.topK, 1, 5),
    maxBatch: f.noBatching ? 1 : whole(f.maxBatch, 1, 64),
    batchWaitMs: whole(f.batchWaitMs, 0, 0),
    bodyLimit: whole(f.bodyLimit, 1, 1024 * 1024),
    maxInputs: whole(f.maxInputs, 1, 1024),
  };
  const flag = { port: '--port', topK: '--top-k', maxBatch: '--max-batch', batchWaitMs: '--batch-wait-ms', bodyLimit: '--body-limit', maxInputs: '--max-inputs' } as const;
  for (const [k, v] of Object.entries(n)) if (Number.isNaN(v)) return { error: `${flag[k as keyof typeof flag]} must be a whole number${k === 'port' || k === 'batchWaitMs' ? '' : ' of at least 1'}, not ${f[k as keyof ServeFlags] as string}` };
  if (n.port > 65535) return { error: `--port must be at most 65535, not ${n.port}` };
  if (f.checkpoint !== undefined && f.checkpoint !== 'best' && f.checkpoint !== 'last') return { error: `--checkpoint must be best or last, not ${f.checkpoint}` };
  return { ...n, host: f.host ?? '127.0.0.1', ...(f.checkpoint ? { checkpoint: f.checkpoint as 'best' | 'last' } : {}) };
}

/** SHA-256 over the model folder's files (model.json and its weights), in name order. */
function modelHash(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isFile()) h.update(name).update(readFileSync(p));
  }
  return h.digest('hex');
}

/** Why `target` cannot be served, or undefined when it is a run folder. */
function refuse(target: string): string | undefined {
  if (/\.onnx$/i.test(target)) {
    return `${target}: serving .onnx files is not available yet (the ONNX export and its metadata are still being built). Serve the run folder the model came from: modelyaml serve <run-dir>.`;
  }
  if (!existsSync(target) || !statSync(target).isDirectory()) return `${target} is not a folder: name a run folder under .modelyaml/runs/<spec>/, as \`modelyaml train\` prints.`;
  if (!existsSync(join(target, RUN_FILE))) return `${target} is not a run folder (it has no ${RUN_FILE}). Name a folder under .modelyaml/runs/<spec>/, as \`modelyaml train\` prints.`;
  return undefined;
}

export async function serveCommand(args: string[], flags: ServeFlags, io: CliIO): Promise<number> {
  if (args.length !== 1) {
    io.err('modelyaml serve: name exactly one run folder (or model.onnx).\n');
    return 2;
  }
  const s = parseServeFlags(flags);
  if ('error' in s) {
    io.err(`modelyaml serve: ${s.error}\n`);
    return 2;
  }
  const runDir = resolve(args[0]);
  const refusal = refuse(runDir);
  if (refusal) {
    io.err(`modelyaml serve: ${refusal}\n`);
    return 1;
  }
  const session = new PredictionSession(runDir, s.checkpoint ? { checkpoint: s.checkpoint } : {});
  let ready;
  try {
    ready = await session.ready;
  } catch (e) {
    io.err(`modelyaml serve: ${e instanceof SessionError ? e.event.message : (e as Error).message}\n`);
    session.close();
    return 1;
  }
  const pre = validatePreprocessing(ready.preprocessing);
  if (!pre.ok) {
    io.err(`modelyaml serve: the run's preprocessing.json cannot be read: ${pre.error}\n`);
    session.close();
    return 1;
  }
  const record = readRunRecord(runDir);
  const metadata: ServeMetadata = {
    spec: { name: record?.specName ?? '', ...(record?.specHash ? { hash: record.specHash } : {}) },
    runDir,
    checkpoint: ready.checkpoint,
    modelSha256: modelHash(ready.checkpoint),
    backend: ready.backend,
    preprocessing: pre.value,
  };
  const metrics = new ServeMetrics();
  const batcher = new Batcher((inputs, topK) => session.answer(inputs, topK), { maxBatch: s.maxBatch, maxWaitMs: s.batchWaitMs, onBatch: (n) => metrics.batch(n) });
  const app = buildApp({ metadata, batcher, metrics, bodyLimit: s.bodyLimit, maxInputs: s.maxInputs, topK: s.topK, alive: () => session.alive });
  let address: string;
  try {
    await app.listen({ port: s.port, host: s.host });
    // The address as asked for (fastify names 127.0.0.1 for 0.0.0.0), with the port chosen for --port 0.
    address = `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${(app.server.address() as AddressInfo).port}`;
  } catch (e) {
    io.err(`modelyaml serve: cannot listen on ${s.host}:${s.port}: ${(e as Error).message}\n`);
    session.close();
    return 1;
  }
  if (!LOOPBACK.has(s.host)) io.err(`modelyaml serve: warning: listening on ${s.host}, not only this machine: anyone who can reach it can use the model. There is no authentication; put a proxy with TLS and access control in front.\n`);
  io.out(`modelyaml serve: ${metadata.spec.name} (${ready.checkpoint}, ${ready.backend}) listening on ${address}; batching ${s.maxBatch > 1 ? `up to ${s.maxBatch} inputs within ${s.batchWaitMs} ms` : 'off'}\n`);
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      io.out(`modelyaml serve: ${signal}: finishing the requests in flight, then stopping\n`);
      // close() stops accepting and waits for the requests in flight (those waiting for a batch go
      // at once); then the trainer goes.
      const closing = app.close();
      batcher.drain();
      closing.then(
        () => {
          session.close();
          io.out('modelyaml serve: stopped\n');
          done(0);
        },
        (e: Error) => {
          io.err(`modelyaml serve: stopping failed: ${e.message}\n`);
          session.close();
          done(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
