/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1 (node:http), serving the layout
 * `huggingface_hub` downloads from — `/{repo}/resolve/{revision}/{file}` — with the Hub's answers:
 * model.safetensors redirected (302) to a second server standing for the CDN, X-Error-Code on
 * refusals (EntryNotFound, RevisionNotFound, RepoNotFound, GatedRepo), and a few broken repositories.
 *
 * Repositories: `tiny/bert-small-random` (test/fixtures/hf-bert-small-random; no
 * special_tokens_map.json), `acme/gated-bert` (the same, for `Bearer hf_test_secret` only),
 * `old-name/bert` (a relative 307 to tiny's), `acme/torch-only` (pytorch_model.bin, no
 * model.safetensors), `acme/flaky` (the CDN drops the connection halfway through
 * model.safetensors), `acme/corrupt` (a truncated model.safetensors, served whole), `acme/stalled`
 * (the first time, the CDN sends half of model.safetensors, then nothing until the client goes:
 * `stalled` settles; after that, the file whole or the rest of it for a Range request),
 * `acme/expired` (the CDN refuses the redirected download with 403).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './run';

export const FIXTURE = join(ROOT, 'test', 'fixtures', 'hf-bert-small-random');
export const HUB_TOKEN = 'hf_test_secret';
const FILES = ['config.json', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'];

export interface HubRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  authorization: string | undefined;
  range: string | undefined;
}

export interface FakeHub {
  endpoint: string;
  requests: HubRequest[];
  /** Settles when the CDN has sent half of `acme/stalled`'s weights and waits. */
  stalled: Promise<void>;
  close(): Promise<void>;
}

const fixture = (file: string): Buffer => readFileSync(join(FIXTURE, file));

function refuse(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'x-error-code': code, 'x-error-message': code, 'content-type': 'text/plain' });
  res.end(code);
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The weights' ETag, as a CDN gives it (the LFS object's hash). */
export const WEIGHTS_ETAG = '"fixture-weights-v1"';

/** The weights, or the rest of them for `Range: bytes=N-` when If-Range names their ETag (206), as a CDN answers. */
function weights(req: IncomingMessage, res: ServerResponse, bytes: Buffer): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range && req.headers['if-range'] === WEIGHTS_ETAG) {
    const start = Number(range[1]);
    if (start >= bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
      return void res.end();
    }
    res.writeHead(206, { etag: WEIGHTS_ETAG, 'content-length': bytes.length - start, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    return void res.end(bytes.subarray(start));
  }
  res.writeHead(200, { etag: WEIGHTS_ETAG, 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function cdnAnswer(req: IncomingMessage, res: ServerResponse, stall: { once: boolean; onStall: () => void }): void {
  const bytes = fixture('model.safetensors');
  if (req.url === '/lfs/expired') {
    res.writeHead(403, { 'content-type': 'text/plain' });
    return void res.end('Request has expired');
  }
  if (req.url === '/lfs/stall' && stall.once) {
    stall.once = false;
    res.writeHead(200, { etag: WEIGHTS_ETAG, 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
    res.write(bytes.subarray(0, bytes.length >> 1), stall.onStall);
    return;
  }
  if (req.url === '/lfs/drop') {
    // Headers promise the whole file; half of it comes, then the connection goes.
    res.writeHead(200, { etag: WEIGHTS_ETAG, 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
    res.write(bytes.subarray(0, bytes.length >> 1), () => setImmediate(() => res.socket?.destroy()));
    return;
  }
  if (req.url === '/lfs/weights' || req.url === '/lfs/stall') return weights(req, res, bytes);
  const body = req.url === '/lfs/truncated' ? bytes.subarray(0, 2000) : Buffer.from('not really a pickle');
  res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function hubAnswer(req: IncomingMessage, res: ServerResponse, cdn: string): void {
  const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
  if (!m) return refuse(res, 404, 'EntryNotFound');
  const [, repo, revision, file] = m.map(decodeURIComponent);
  if (repo === 'old-name/bert') {
    res.writeHead(307, { location: `/tiny/bert-small-random/resolve/${m[2]}/${m[3]}` });
    return void res.end();
  }
  const known = ['tiny/bert-small-random', 'acme/gated-bert', 'acme/torch-only', 'acme/flaky', 'acme/corrupt', 'acme/stalled', 'acme/expired'];
  if (!known.includes(repo)) return refuse(res, 401, 'RepoNotFound');
  if (repo === 'acme/gated-bert' && req.headers.authorization !== `Bearer ${HUB_TOKEN}`) return refuse(res, req.headers.authorization ? 403 : 401, 'GatedRepo');
  if (revision !== 'main') return refuse(res, 404, 'RevisionNotFound');
  if (repo === 'acme/torch-only' && file === 'pytorch_model.bin') return redirect(res, `${cdn}/lfs/bin`);
  if (repo === 'acme/torch-only' && file === 'model.safetensors') return refuse(res, 404, 'EntryNotFound');
  if (!FILES.includes(file)) return refuse(res, 404, 'EntryNotFound');
  const lfs: Record<string, string> = { 'acme/flaky': 'drop', 'acme/corrupt': 'truncated', 'acme/stalled': 'stall', 'acme/expired': 'expired' };
  if (file === 'model.safetensors') return redirect(res, `${cdn}/lfs/${lfs[repo] ?? 'weights'}`);
  const body = fixture(file);
  res.writeHead(200, { 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location });
  res.end();
}

export async function startFakeHub(): Promise<FakeHub> {
  const requests: HubRequest[] = [];
  const stall = { once: true, onStall: (): void => undefined };
  const stalled = new Promise<void>((r) => (stall.onStall = r));
  const record = (server: HubRequest['server'], req: IncomingMessage) =>
    requests.push({ server, method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, range: req.headers.range });
  const cdn = await listen((req, res) => {
    record('cdn', req);
    cdnAnswer(req, res, stall);
  });
  const hub = await listen((req, res) => {
    record('hub', req);
    hubAnswer(req, res, cdn.origin);
  });
  return {
    endpoint: hub.origin,
    requests,
    stalled,
    close: async () => {
      for (const s of [hub.server, cdn.server]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}
