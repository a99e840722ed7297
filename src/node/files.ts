/**
 * File helpers shared by the trainer, the trainer client and the run-folder readers: hashes and
 * the shape of file-system errors.
 */
import { createHash } from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** True for the errors a full disk gives (ENOSPC, or EDQUOT for a quota). */
export const isDiskFull = (e: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes((e as NodeJS.ErrnoException)?.code ?? '');

/** Node's errors from write() itself (ENOSPC) carry no path: gives them the file's, for the message. */
export function withPath(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && !err.path) err.path = path;
  return e;
}
