/**
 * The data host of an analysis worker: the file system's answers (`fileDataHost`: only regular
 * files inside the workspace, bounded in bytes), each call announced to the main thread first
 * (`reading`) and when done (`read`), so the main thread can bound it in time — a read that
 * blocks (a stalled network drive) cannot be interrupted from inside the thread that makes it,
 * so the main thread stops the whole worker. Paths whose read timed out or brought a worker down
 * are not touched again: the host answers with the problem, which the core reports at the path.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataHost } from '../../src/core/catalog/types';
import type { RefusedPath } from '../../src/core/protocol/analysis';
import { env } from '../../src/node/config';
import { fileDataHost } from '../../src/node/dataHost';
import { hdf5, hdf5IfReady } from '../../src/node/pretrained';

// HDF5 (Keras weights) starts asynchronously: load it now so checks while typing can read .keras and .h5 files.
void hdf5().catch(() => undefined);

export interface ReadWatch {
  reading(uri: string, path: string): void;
  read(): void;
  /** A Keras weights file went unread because HDF5 is still loading: the check is worth repeating once it has. */
  hdf5Loading?(): void;
}

/** The test hook `MODELYAML_DATA_FAULT` (`hang:NAME`, `oom:NAME`, comma-separated): real faults in this thread, for the server's tests. */
function injectFault(path: string): void {
  const fault = (env.dataFault() ?? '')
    .split(',')
    .map((f) => /^(hang|oom):(.+)$/.exec(f.trim()))
    .find((m) => m && (path === m[2] || path.endsWith(`/${m[2]}`)));
  if (!fault) return;
  if (fault[1] === 'hang') {
    // Blocks this thread as a read on a dead mount would: no event, no timer wakes it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    return;
  }
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array(1 << 20).fill(hoard.length));
}

/** `fileDataHost` for the spec at `uri`, announced to `watch`, refusing `refused` paths. */
export function watchedDataHost(uri: string, workspaces: readonly string[], refused: readonly RefusedPath[], watch: ReadWatch): DataHost | undefined {
  if (!uri.startsWith('file:')) return undefined;
  let host: DataHost;
  try {
    host = fileDataHost(dirname(fileURLToPath(uri)), { workspaces });
  } catch {
    return undefined;
  }
  const refusal = (path: string) => refused.find((r) => r.uri === uri && r.path === path);
  function watched<A extends unknown[], R>(call: ((path: string, ...rest: A) => R) | undefined): ((path: string, ...rest: A) => R | undefined) | undefined {
    if (!call) return undefined;
    return (path, ...rest) => {
      if (refusal(path)) return undefined;
      watch.reading(uri, path);
      try {
        injectFault(path);
        return call(path, ...rest);
      } finally {
        watch.read();
      }
    };
  }
  const pathProblem = watched(host.pathProblem?.bind(host));
  const exists = watched(host.exists?.bind(host));
  const pretrained = watched(host.pretrained?.bind(host));
  return {
    // A refused path exists as far as the checks go: its problem is the one to report.
    exists: (path) => (refusal(path) ? true : exists?.(path)),
    pathProblem(path, expect) {
      const r = refusal(path);
      return r ? { code: r.code, message: r.message } : pathProblem?.(path, expect);
    },
    columns: watched(host.columns?.bind(host)),
    vocabulary: watched(host.vocabulary?.bind(host)),
    tableStats: watched(host.tableStats?.bind(host)),
    readJson: watched(host.readJson?.bind(host)),
    safeTensorShapes: watched(host.safeTensorShapes?.bind(host)),
    pretrained(path) {
      const answer = pretrained?.(path);
      if (answer === undefined && !refusal(path) && !hdf5IfReady()) watch.hdf5Loading?.();
      return answer;
    },
  };
}
