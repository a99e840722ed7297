/**
 * `modelyaml serve <run-dir|model.onnx> [--port P] [--host H]`: an HTTP JSON API over a trained
 * run or an exported model.onnx (src/node/serve/app.ts), its predictions answered by a prediction
 * session in the trainer process (the run's checkpoint in tfjs, or the file in onnxruntime-node:
 * one server, one batcher, the same routes either way). Localhost unless --host says otherwise;
 * SIGTERM/SIGINT stop accepting, let the requests in flight finish, end the trainer and exit 0.
 * docs/deploying.md, "Serving". Loaded only when `serve` runs, so the other commands never load fastify.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
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

const fileHash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** What `target` is (a run folder or a model file), or why it cannot be served. */
function classify(target: string, s: ServeSettings): { kind: 'run' | 'onnx' } | { error: string } {
  if (!existsSync(target)) return { error: `${target} does not exist: name a run folder under .modelyaml/runs/<spec>/ (as \`modelyaml train\` prints) or a model.onnx (as \`modelyaml export --format onnx\` writes it).` };
  if (statSync(target).isFile()) {
    if (s.checkpoint) return { error: '--checkpoint chooses among a run folder\'s checkpoints; a model.onnx is one model already.' };
    return { kind: 'onnx' };
  }
  if (!statSync(target).isDirectory()) return { error: `${target} is neither a run folder nor a model.onnx file.` };
  if (!existsSync(join(target, RUN_FILE))) return { error: `${target} is not a run folder (it has no ${RUN_FILE}). Name a folder under .modelyaml/runs/<spec>/, as \`modelyaml train\` prints.` };
  return { kind: 'run' };
}

/** The served model's session and what GET /v1/metadata says of it, or a one-line reason it cannot serve. */
async function openModel(target: string, kind: 'run' | 'onnx', s: ServeSettings): Promise<{ session: PredictionSession; metadata: ServeMetadata } | { error: string }> {
  const onnx = kind === 'onnx';
  const session = onnx ? new PredictionSession(dirname(target), { onnx: target }) : new PredictionSession(target, s.checkpoint ? { checkpoint: s.checkpoint } : {});
  const failed = (error: string) => (session.close(), { error });
  let ready;
  try {
    ready = await session.ready;
  } catch (e) {
    return failed(e instanceof SessionError ? e.event.message : (e as Error).message);
  }
  let preprocessing;
  if (ready.preprocessing !== undefined) {
    const pre = validatePreprocessing(ready.preprocessing);
    if (!pre.ok) return failed(`the ${onnx ? 'model\'s preprocessing metadata' : 'run\'s preprocessing.json'} cannot be read: ${pre.error}`);
    preprocessing = pre.value;
  }
  const record = onnx ? undefined : readRunRecord(target);
  const specHash = onnx ? ready.onnx?.specHash : record?.specHash;
  const metadata: ServeMetadata = {
    spec: { name: (onnx ? ready.onnx?.specName ?? basename(target) : record?.specName) ?? '', ...(specHash ? { hash: specHash } : {}) },
    runDir: ready.runDir,
    checkpoint: ready.checkpoint,
    modelSha256: onnx ? fileHash(target) : modelHash(ready.checkpoint),
    backend: ready.backend,
    ...(preprocessing ? { preprocessing } : {}),
    ...(ready.onnx ? { onnx: ready.onnx } : {}),
  };
  return { session, metadata };
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
  const target = resolve(args[0]);
  const what = classify(target, s);
  const opened = 'error' in what ? what : await openModel(target, what.kind, s);
  if ('error' in opened) {
    io.err(`modelyaml serve: ${opened.error}\n`);
    return 1;
  }
  const { session, metadata } = opened;
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
  io.out(`modelyaml serve: ${metadata.spec.name} (${metadata.checkpoint}, ${metadata.backend}${metadata.onnx?.rawTensors ? ', tensors in and out: no ModelYAML metadata' : ''}) listening on ${address}; batching ${s.maxBatch > 1 ? `up to ${s.maxBatch} inputs within ${s.batchWaitMs} ms` : 'off'}\n`);
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
