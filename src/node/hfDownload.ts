/**
 * Downloads a Hugging Face model repository's files into a folder, as `huggingface_hub` does:
 * `{HF_ENDPOINT}/{repo}/resolve/{revision}/{file}`, `HF_TOKEN` as a bearer token (never printed),
 * redirects followed (LFS files live on a CDN; the token is not sent to another origin). Only on
 * the user's request (`modelyaml download`, "ModelYAML: Download Hugging Face Model…"): the
 * product never downloads by itself.
 *
 * All or nothing: files land in a staging folder inside the target and are renamed into place
 * only when every one has arrived whole, so an interrupted download leaves no half-written
 * model.safetensors (and no config.json without its weights). A dropped or cancelled download
 * keeps its staging folder when part of a file has arrived, and the next download of the same
 * repository and revision asks for the rest (Range, with If-Range on the file's ETag so that the
 * two parts come from the same file).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { bertFolderConfig } from '../core/catalog/layers/bert';
import type { ShapeOutcome } from '../core/catalog/types';
import { bertParamCount, type BertConfig } from '../core/weights/bertConfig';
import { fileDataHost } from './dataHost';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** What the `bert` layer and the `wordpiece` step read; the optional ones may be absent from a repository. */
export const BERT_FILES: readonly { name: string; required: boolean }[] = [
  { name: 'config.json', required: true },
  { name: 'vocab.txt', required: false },
  { name: 'tokenizer.json', required: false },
  { name: 'tokenizer_config.json', required: false },
  { name: 'special_tokens_map.json', required: false },
  // Last: the big one, once the small ones have shown that the repository and revision exist.
  { name: 'model.safetensors', required: true },
];

export type HfErrorCode = 'hf/bad-request' | 'hf/auth' | 'hf/gated' | 'hf/not-found' | 'hf/no-safetensors' | 'hf/http' | 'hf/network' | 'hf/disk' | 'hf/cancelled';

/** A download that failed; the message says why and what to do, and never holds the token. */
export class HfDownloadError extends Error {
  /** Part of a file was kept: the same download again carries on from it. */
  resumable = false;
  constructor(
    readonly code: HfErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface HfDownloadProgress {
  file: string;
  /** Bytes of this file so far. */
  received: number;
  /** Its size when the server says it (Content-Length). */
  total: number | undefined;
}

export interface HfDownloadOptions {
  /** `owner/name` (or a legacy one-part name such as `bert-base-uncased`). */
  repo: string;
  revision?: string;
  /** The folder the files go into (created when missing). */
  out: string;
  /** Files to fetch, each required; default: BERT_FILES (the optional ones skipped when absent). */
  files?: readonly string[];
  /** Default: HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Default: HF_TOKEN (or HUGGING_FACE_HUB_TOKEN). */
  token?: string;
  signal?: AbortSignal;
  onProgress?: (p: HfDownloadProgress) => void;
  /** Called as each file has arrived whole (`bytes`) or was skipped as absent (undefined). */
  onFile?: (file: string, bytes: number | undefined) => void;
}

export interface HfDownloadResult {
  folder: string;
  files: { name: string; bytes: number }[];
  /** Optional files the repository does not have. */
  skipped: string[];
  endpoint: string;
  revision: string;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
const MAX_REDIRECTS = 10;

/** Why `repo` is not a Hugging Face model id, or undefined when it is one. */
export function repoIdProblem(repo: string): string | undefined {
  if (REPO_ID.test(repo) && !repo.includes('..') && !repo.endsWith('.git')) return undefined;
  return `'${repo}' is not a Hugging Face model id: write owner/name, e.g. prajjwal1/bert-tiny.`;
}

/** Why `file` cannot be fetched into the folder (absolute, `..`), or undefined. */
function fileNameProblem(file: string): string | undefined {
  const parts = file.split('/');
  if (!file || file.startsWith('/') || file.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) return `'${file}' is not a file path inside the repository.`;
  return undefined;
}

/** The endpoint and token the way `huggingface_hub` reads them from the environment. */
export function hfEnvironment(env: NodeJS.ProcessEnv = process.env): { endpoint: string; token: string | undefined } {
  const endpoint = (env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const token = env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim() || undefined;
  return { endpoint, token };
}

/** A size as the progress lines and messages show it: `662 bytes`, `91.9 KiB`, `417.7 MiB`. */
export function formatSize(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let u = 0;
  for (; n >= 1024 && u < units.length - 1; u++) n /= 1024;
  return u === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[u]}`;
}

/** The default folder for a repository: `models/<name>`. */
export const defaultModelFolder = (repo: string): string => join('models', basename(repo));

export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

export async function downloadHfModel(o: HfDownloadOptions): Promise<HfDownloadResult> {
  const env = hfEnvironment();
  const endpoint = (o.endpoint ?? env.endpoint).replace(/\/+$/, '');
  const token = o.token ?? env.token;
  const revision = o.revision || 'main';
  const idProblem = repoIdProblem(o.repo);
  if (idProblem) throw new HfDownloadError('hf/bad-request', idProblem);
  const wanted = o.files?.length ? o.files.map((name) => ({ name, required: true })) : BERT_FILES;
  const badName = wanted.map((f) => fileNameProblem(f.name)).find(Boolean);
  if (badName) throw new HfDownloadError('hf/bad-request', badName);
  if (!/^https?:\/\//.test(endpoint)) throw new HfDownloadError('hf/bad-request', `HF_ENDPOINT '${endpoint}' is not an http(s) address.`);

  const ctx: RequestContext = { endpoint, repo: o.repo, revision, token, signal: o.signal, out: o.out };
  const created = await makeFolder(o.out); // the first folder made, models/ of models/x, say
  // One staging folder per repository and revision, so that the next try finds what this one kept.
  const staging = join(o.out, `.download-${createHash('sha256').update(`${o.repo}\0${revision}`).digest('hex').slice(0, 12)}`);
  await makeFolder(staging);
  let keep = false;
  try {
    const files: HfDownloadResult['files'] = [];
    const skipped: string[] = [];
    for (const f of wanted) {
      const bytes = await fetchFile(ctx, f.name, join(staging, f.name), f.required, o.onProgress);
      if (bytes === undefined) skipped.push(f.name);
      else files.push({ name: f.name, bytes });
      o.onFile?.(f.name, bytes);
    }
    for (const f of files) {
      await makeFolder(dirname(join(o.out, f.name)));
      await diskStep(join(o.out, f.name), () => rename(join(staging, f.name), join(o.out, f.name)));
    }
    return { folder: o.out, files, skipped, endpoint, revision };
  } catch (e) {
    if (e instanceof HfDownloadError && (e.code === 'hf/network' || e.code === 'hf/cancelled')) {
      keep = e.resumable = await hasResumablePart(staging, wanted.map((f) => f.name));
    }
    throw e;
  } finally {
    if (!keep) await rm(staging, { recursive: true, force: true });
    if (created && !keep) await removeEmptyFolders(o.out, created);
  }
}

const partialOf = (dest: string): string => `${dest}.incomplete`;
const etagOf = (dest: string): string => `${dest}.incomplete.etag`;

/** Where a kept part of `dest` ends and the ETag it must match, when it can be resumed. */
async function resumePoint(dest: string): Promise<{ offset: number; etag: string } | undefined> {
  const size = await stat(partialOf(dest)).then(
    (s) => s.size,
    () => 0,
  );
  const etag = await readFile(etagOf(dest), 'utf8').catch(() => '');
  return size > 0 && etag ? { offset: size, etag } : undefined;
}

async function hasResumablePart(staging: string, files: string[]): Promise<boolean> {
  for (const f of files) if (await resumePoint(join(staging, f))) return true;
  return false;
}

interface RequestContext {
  endpoint: string;
  repo: string;
  revision: string;
  token: string | undefined;
  signal: AbortSignal | undefined;
  /** The target folder, for the conversion hint. */
  out: string;
}

/** Creates the folder and those above it that are missing; the first one it made, or undefined when it was there. */
async function makeFolder(folder: string): Promise<string | undefined> {
  const existed = await stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return existed ? undefined : diskStep(folder, () => mkdir(folder, { recursive: true }));
}

/** Removes `folder` and the folders above it up to `top`, each only while it is empty (nothing arrived). */
async function removeEmptyFolders(folder: string, top: string): Promise<void> {
  for (let d = resolve(folder); ; d = dirname(d)) {
    if (!(await rmdir(d).then(() => true, () => false)) || d === resolve(top) || d === dirname(d)) return;
  }
}

async function diskStep<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why: Record<string, string> = { ENOSPC: 'the disk is full', EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'the file system is read-only', ENOTDIR: 'a file stands where a folder is needed', EEXIST: 'a file stands where a folder is needed' };
    throw new HfDownloadError('hf/disk', `Cannot write ${path}: ${why[err.code ?? ''] ?? err.message}.`);
  }
}

/** GET (or HEAD) with redirects followed by hand, so the token goes only to the endpoint's origin; `from` is the origin that answered. */
async function request(ctx: RequestContext, url: string, method: 'GET' | 'HEAD', extra: Record<string, string> = {}): Promise<{ res: Response; from: string }> {
  const origin = new URL(ctx.endpoint).origin;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'modelyaml', ...extra };
    if (ctx.token && new URL(url).origin === origin) headers.authorization = `Bearer ${ctx.token}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, redirect: 'manual', signal: ctx.signal });
    } catch (e) {
      throw networkError(ctx, e, `Cannot reach ${new URL(url).origin}`);
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    return { res, from: new URL(url).origin };
  }
  throw new HfDownloadError('hf/http', `More than ${MAX_REDIRECTS} redirects fetching ${ctx.repo}: the server is misconfigured.`);
}

function networkError(ctx: RequestContext, e: unknown, what: string): HfDownloadError {
  if (ctx.signal?.aborted) return new HfDownloadError('hf/cancelled', 'The download was cancelled.');
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (e as Error).message;
  return new HfDownloadError('hf/network', `${what} (${detail}). Check the network connection${ctx.endpoint === DEFAULT_ENDPOINT ? ', or set HF_ENDPOINT to a mirror' : ` and HF_ENDPOINT (${ctx.endpoint})`}, and try again.`);
}

/** Fetches one file into `dest` (by way of `dest.incomplete`); its size, or undefined for an optional file the repository lacks. */
async function fetchFile(ctx: RequestContext, file: string, dest: string, required: boolean, onProgress: HfDownloadOptions['onProgress']): Promise<number | undefined> {
  const kept = await resumePoint(dest);
  const url = resolveUrl(ctx.endpoint, ctx.repo, ctx.revision, file);
  const { res, from } = await request(ctx, url, 'GET', kept ? { range: `bytes=${kept.offset}-`, 'if-range': kept.etag } : {});
  if (kept && res.status === 416) {
    // The kept part is not a beginning of the file as it is now: start again.
    await res.body?.cancel();
    await rm(partialOf(dest), { force: true });
    return fetchFile(ctx, file, dest, required, onProgress);
  }
  if (res.status === 404 && (res.headers.get('x-error-code') ?? 'EntryNotFound') === 'EntryNotFound' && !required) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    if (res.status === 404 && file === 'model.safetensors' && (await hasFile(ctx, 'pytorch_model.bin'))) {
      const folder = ctx.out.split('\\').join('/');
      throw new HfDownloadError(
        'hf/no-safetensors',
        `${ctx.repo} has pytorch_model.bin but no model.safetensors, and ModelYAML reads only safetensors (a pickle file can run code when loaded). ` +
          `Convert it once with Python (transformers): \`from transformers import AutoModel, AutoTokenizer; ` +
          `AutoModel.from_pretrained('${ctx.repo}').save_pretrained('${folder}', safe_serialization=True); AutoTokenizer.from_pretrained('${ctx.repo}').save_pretrained('${folder}')\` ` +
          '(or pick a revision or a copy of the model that has model.safetensors).',
      );
    }
    throw httpError(ctx, res, file, from);
  }
  const offset = kept && res.status === 206 && res.headers.get('content-range')?.startsWith(`bytes ${kept.offset}-`) ? kept.offset : 0;
  if (res.status === 206 && !offset) {
    await res.body.cancel();
    throw new HfDownloadError('hf/http', `${from} sent part of ${file} where the whole file was asked for: try again.`);
  }
  // A strong ETag lets a later try ask for the rest of this very file (If-Range).
  const etag = res.headers.get('etag');
  await makeFolder(dirname(dest));
  await diskStep(dest, () => (etag && !etag.startsWith('W/') ? writeFile(etagOf(dest), etag) : rm(etagOf(dest), { force: true })));
  const received = await writeBody(ctx, file, res.body, partialOf(dest), offset, res.headers.get('content-length'), onProgress);
  await diskStep(dest, () => rename(partialOf(dest), dest));
  await rm(etagOf(dest), { force: true });
  return received;
}

/** Streams a response body into `path` (appended after `offset` bytes already there); the file's size. */
async function writeBody(ctx: RequestContext, file: string, body: ReadableStream<Uint8Array>, path: string, offset: number, length: string | null, onProgress: HfDownloadOptions['onProgress']): Promise<number> {
  const total = length === null ? undefined : offset + Number(length);
  const handle = await diskStep(path, () => open(path, offset ? 'a' : 'w'));
  let received = offset;
  try {
    onProgress?.({ file, received, total });
    const reader = body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw networkError(ctx, e, `The connection dropped after ${received} of ${total ?? 'an unknown number of'} bytes of ${file}`);
      }
      if (chunk.done) break;
      await diskStep(path, () => handle.write(chunk.value));
      received += chunk.value.length;
      onProgress?.({ file, received, total });
    }
  } finally {
    await handle.close();
  }
  if (total !== undefined && received !== total) throw new HfDownloadError('hf/network', `${file} arrived with ${received} of its ${total} bytes: the connection dropped. Try again.`);
  return received;
}

async function hasFile(ctx: RequestContext, file: string): Promise<boolean> {
  const { res } = await request(ctx, resolveUrl(ctx.endpoint, ctx.repo, ctx.revision, file), 'HEAD');
  await res.body?.cancel();
  return res.ok;
}

/** What an HTTP refusal means, in the words of `huggingface_hub`'s errors (its X-Error-Code header first). */
function httpError(ctx: RequestContext, res: Response, file: string, from: string): HfDownloadError {
  // The Hub said yes and redirected; the file host (a CDN, whose signed links expire) said no.
  if (from !== new URL(ctx.endpoint).origin) return new HfDownloadError('hf/http', `${from}, where ${ctx.endpoint} sent the download of ${file}, answered HTTP ${res.status} ${res.statusText}: try again (its links expire).`);
  const code = res.headers.get('x-error-code');
  const page = `${ctx.endpoint}/${ctx.repo}`;
  const where = `${ctx.repo} (revision ${ctx.revision}) on ${ctx.endpoint}`;
  if (code === 'GatedRepo' || res.status === 403) {
    return new HfDownloadError(
      'hf/gated',
      `${ctx.repo} is gated or private (HTTP ${res.status}): accept its terms at ${page} while logged in, ${ctx.token ? 'and check that the token in HF_TOKEN belongs to that account and may read it' : 'then set HF_TOKEN to an access token of that account (https://huggingface.co/settings/tokens)'}.`,
    );
  }
  if (code === 'RepoNotFound' || res.status === 401) {
    return new HfDownloadError(
      res.status === 401 ? 'hf/auth' : 'hf/not-found',
      ctx.token
        ? `${ctx.repo} was not found on ${ctx.endpoint}, or the token in HF_TOKEN may not read it (HTTP ${res.status}). Check the id and the token.`
        : `${ctx.repo} was not found on ${ctx.endpoint} (HTTP ${res.status}): check the id; if the model is private or gated, set HF_TOKEN to an access token (https://huggingface.co/settings/tokens).`,
    );
  }
  if (code === 'RevisionNotFound') return new HfDownloadError('hf/not-found', `${ctx.repo} has no revision '${ctx.revision}' (HTTP 404): name a branch, tag or commit that exists.`);
  if (res.status === 404) return new HfDownloadError('hf/not-found', `${where} has no ${file} (HTTP 404): check the model id and the revision${file === 'config.json' ? '' : ', and the file name'}.`);
  if (res.status === 429) return new HfDownloadError('hf/http', `${ctx.endpoint} is rate-limiting requests (HTTP 429): wait a minute and try again${ctx.token ? '' : ', or set HF_TOKEN'}.`);
  return new HfDownloadError('hf/http', `${ctx.endpoint} answered HTTP ${res.status} ${res.statusText} for ${file} of ${ctx.repo}.`);
}

/** A downloaded folder as the `bert` layer and the `wordpiece` step will see it. */
export type BertFolderCheck =
  | { config: BertConfig; params: number; pooler: boolean; vocabulary: string | undefined }
  | { problem: string };

/**
 * The checks the `bert` layer runs on its `from:` folder while a spec is typed (config.json
 * parses and is a supported BERT config, model.safetensors' header is readable and holds every
 * tensor the config implies), and the file the `wordpiece` step would take its vocabulary from.
 */
export function checkBertFolder(folder: string): BertFolderCheck {
  const parent = dirname(resolve(folder));
  const name = basename(resolve(folder));
  const host = fileDataHost(parent, { workspaces: [parent] });
  let pooler = true;
  let config = bertFolderConfig(name, host, pooler);
  // Some checkpoints (sentence encoders) have no pooler: usable with `pooling: mean`.
  if (config && 'error' in config && /pooler\.dense/.test(problemOf(config.error))) {
    pooler = false;
    const withoutPooler = bertFolderConfig(name, host, pooler);
    if (withoutPooler && !('error' in withoutPooler)) config = withoutPooler;
  }
  if (config === undefined) return { problem: `${folder} could not be read.` };
  if ('error' in config) return { problem: problemOf(config.error) };
  const vocabulary = ['vocab.txt', 'tokenizer.json'].find((f) => host.exists?.(`${name}/${f}`));
  return { config, params: bertParamCount(config, pooler), pooler, vocabulary };
}

const problemOf = (o: ShapeOutcome): string => ('error' in o ? o.error.message : '');
