/**
 * Which paths a spec may read as data, for the checker's host and the trainer alike: regular
 * files (folders for `images`) inside the spec's workspace, judged after symlinks are resolved.
 * A spec is untrusted input (a contributed spec checked in CI): without this, `path:
 * /proc/self/environ` would put the job's secrets into a message, and a FIFO would hang the reader.
 *
 * The workspace is every given workspace folder that holds the spec (the server's workspace
 * folders, the CLI's working folder, the extension's workspace) and the git repository that
 * holds it; with neither, the spec's own folder. Folders named in MODELYAML_DATA_PATHS (or the
 * CLI's `--allow-data-path`) are allowed besides.
 */
import { constants, fstatSync, openSync, readSync, closeSync, realpathSync, statSync, type Stats } from 'node:fs';
import { delimiter as listDelimiter, dirname, isAbsolute, parse as parsePath, relative, resolve } from 'node:path';
import { VARIABLES } from './config';

export const DATA_PATHS_ENV = VARIABLES.dataPaths.name;

/** A path the host refuses, with a stable code; the message names the path as the spec wrote it. */
export interface DataPathProblem {
  code: 'data/outside-workspace' | 'data/not-a-file' | 'data/not-a-folder' | 'data/unreadable';
  message: string;
}

export type DataPathAnswer = { real: string } | { missing: true } | { problem: DataPathProblem };

/** The folders of MODELYAML_DATA_PATHS (separated like PATH). */
export function allowedDataPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[DATA_PATHS_ENV] ?? '').split(listDelimiter).filter((p) => p.trim() !== '').map((p) => resolve(p));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

const isRoot = (p: string) => parsePath(p).root === p;

/** Whether `inner` is `outer` or lies below it (both absolute and resolved). */
export function isInside(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** The folder holding `.git` (a folder, or a file in a worktree) above `dir`, if any. */
export function gitRoot(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      statSync(resolve(d, '.git'));
      return d;
    } catch {
      /* not here */
    }
    if (dirname(d) === d) return undefined;
  }
}

/** The folders a spec in `specDir` may read data from (resolved, symlinks followed). */
export function dataRoots(specDir: string, workspaces: readonly string[] = [], allow: readonly string[] = allowedDataPaths()): string[] {
  const spec = realOrSelf(specDir);
  // A workspace that is the file system's root would allow everything (a CLI run from `/`).
  const holding = workspaces.map(realOrSelf).filter((w) => !isRoot(w) && isInside(spec, w));
  const git = gitRoot(spec);
  const roots = [...holding, ...(git && !isRoot(git) ? [git] : [])];
  if (!roots.length) roots.push(spec);
  return [...new Set([...roots, ...allow.map(realOrSelf)])];
}

const KINDS: [(s: Stats) => boolean, string][] = [
  [(s) => s.isFIFO(), 'a named pipe (FIFO)'],
  [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
];

/** What a non-regular file is, in words. */
function kindOf(s: Stats): string {
  return KINDS.find(([is]) => is(s))?.[1] ?? 'a special file';
}

/** Problems of a file's type: `expect` is what the source reads. */
function typeProblem(s: Stats, shown: string, expect: 'file' | 'folder'): DataPathProblem | undefined {
  if (expect === 'folder') {
    if (s.isDirectory()) return undefined;
    const what = s.isFile() ? 'a file' : kindOf(s);
    return { code: 'data/not-a-folder', message: `\`${shown}\` is ${what}, not a folder: give the folder that holds one subfolder per class.` };
  }
  if (s.isDirectory()) return { code: 'data/not-a-file', message: `\`${shown}\` is a folder, not a file.` };
  if (!s.isFile()) return { code: 'data/not-a-file', message: `\`${shown}\` is not a regular file (it is ${kindOf(s)}); only regular files are read as data.` };
  return undefined;
}

function outside(shown: string, roots: readonly string[]): DataPathProblem {
  const where = roots.length === 1 ? `the workspace (${roots[0]})` : `the workspace (${roots.join(', ')})`;
  return {
    code: 'data/outside-workspace',
    message:
      `\`${shown}\` is outside ${where}; a spec reads data only from inside its workspace (symlinks are followed). ` +
      `Move the data into the workspace, or allow its folder with \`--allow-data-path DIR\` or ${DATA_PATHS_ENV}.`,
  };
}

/**
 * Judges a data path: `abs` is the resolved path, `shown` the path as the spec wrote it. Only
 * `stat`s: it never opens the file, so a FIFO cannot block it.
 */
export function inspectDataPath(abs: string, shown: string, roots: readonly string[], expect: 'file' | 'folder'): DataPathAnswer {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    return { problem: { code: 'data/unreadable', message: `\`${shown}\` cannot be read (${code ?? (e as Error).message}).` } };
  }
  if (!roots.some((r) => isInside(real, r))) return { problem: outside(shown, roots) };
  let s: Stats;
  try {
    s = statSync(real);
  } catch (e) {
    return { problem: { code: 'data/unreadable', message: `\`${shown}\` cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).` } };
  }
  const problem = typeProblem(s, shown, expect);
  return problem ? { problem } : { real };
}

/**
 * Opens a data file for reading without blocking (O_NONBLOCK: opening a FIFO that has no writer
 * would wait forever) and refuses it unless the opened file is regular: checked on the descriptor
 * itself, so a file swapped after `inspectDataPath` cannot slip through.
 */
export function openRegularFile(real: string, shown: string): number {
  const fd = openSync(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const problem = typeProblem(fstatSync(fd), shown, 'file');
    if (problem) throw Object.assign(new Error(problem.message), { code: problem.code });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** Up to `max` bytes from the start of an open file (fewer when it is shorter). */
export function readStart(fd: number, max: number): Buffer {
  const buf = Buffer.alloc(max);
  let n = 0;
  while (n < max) {
    const got = readSync(fd, buf, n, max - n, n);
    if (got === 0) break;
    n += got;
  }
  return buf.subarray(0, n);
}

/** The first `maxBytes` bytes of a regular file. */
export function readHead(real: string, shown: string, maxBytes: number): Buffer {
  const fd = openRegularFile(real, shown);
  try {
    return readStart(fd, maxBytes);
  } finally {
    closeSync(fd);
  }
}
