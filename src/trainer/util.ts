/**
 * Small helpers shared across the trainer: seeded random numbers, hashing, errors with a code and
 * a place (file, row, byte offset) that travel to the parent as `error` events.
 */
import { writeFileSync } from 'node:fs';
import { isDiskFull, sha256, withPath } from '../node/files';

export { isDiskFull, sha256, withPath };

/** mulberry32: a tiny, fast, seedable PRNG with a 2^32 period; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent 32-bit seed from a base seed and labels ("shuffle", epoch 3, …). */
export function deriveSeed(base: number, ...labels: (string | number)[]): number {
  let h = 2166136261 ^ Math.floor(base * 1000003);
  for (const l of labels) {
    const s = String(l);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 0x9e3779b9, 16777619);
  }
  return h >>> 0;
}

export type Rng = () => number;

/** Standard normal from a uniform generator (Box–Muller). */
export function gaussian(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Fisher–Yates permutation of 0…n−1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** A failure the user can act on: a stable code, and where in which file. */
export class TrainerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly where: { file?: string; row?: number; offset?: number; diagnostics?: string[] } = {},
  ) {
    super(message);
  }
}

export function fail(code: string, message: string, where: TrainerError['where'] = {}): never {
  throw new TrainerError(code, message, where);
}

export const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** Yields to the event loop so IPC messages (cancel) are handled between batches. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

const FREE_SPACE = ' Free some space, or train into another folder (`--out`), and start again.';

/** What the file system's refusals mean to the user: a code and a plain reason, by errno. */
const FS_REFUSALS: Record<string, [code: string, why: string, hint: string]> = {
  ENOSPC: ['trainer/disk-full', 'the disk is full', FREE_SPACE],
  EDQUOT: ['trainer/disk-full', 'the disk quota is used up', FREE_SPACE],
  EIO: ['trainer/disk-error', 'the disk reported an input/output error', ' Check the disk.'],
  EROFS: ['trainer/read-only', 'the file system is read-only', ' Train into a writable folder (`--out`).'],
  EACCES: ['trainer/permission-denied', 'permission denied', ''],
  EPERM: ['trainer/permission-denied', 'the operation is not permitted', ''],
  ENAMETOOLONG: ['trainer/name-too-long', 'a file name in the path is too long', ' Use a shorter `name:` or a shorter folder.'],
  EISDIR: ['trainer/is-a-folder', 'a folder was given where a file is needed', ''],
  ENOTDIR: ['trainer/not-a-folder', 'a file was given where a folder is needed', ''],
  ENOENT: ['trainer/not-found', 'no such file or folder', ''],
  EMFILE: ['trainer/too-many-files', 'too many files are open', ''],
  ENFILE: ['trainer/too-many-files', 'too many files are open', ''],
};

/** A file-system error as a user-facing failure (disk full, permission, name too long…), or undefined. */
export function fsFailure(e: unknown): TrainerError | undefined {
  const err = e as NodeJS.ErrnoException;
  const hit = typeof err?.code === 'string' ? FS_REFUSALS[err.code] : undefined;
  if (!hit) return undefined;
  const [code, why, hint] = hit;
  const reason = why[0].toUpperCase() + why.slice(1);
  return new TrainerError(code, `${reason}${err.path ? `: ${err.path}` : ''} (${err.code}).${hint}`, err.path ? { file: err.path } : {});
}

/** writeFileSync whose failure names the file. */
export function writeFileNamed(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw withPath(e, path);
  }
}
