/**
 * A file's text at a git revision (`git show <rev>:<path>`), for `modelyaml diff --git` and the
 * editor's "Compare Model with…" when the built-in git extension is not there. Errors come back
 * as sentences for the user, never as git's raw output or a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';

export class GitShowError extends Error {}

function git(cwd: string, args: string[]): { ok: true; out: string } | { ok: false; err: string } {
  try {
    return { ok: true, out: execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new GitShowError('git is not installed or not on PATH.');
    return { ok: false, err: String(err.stderr ?? err.message).trim() };
  }
}

export interface GitFileAtRevision {
  text: string;
  /** The repository's top folder. */
  root: string;
  /** The file's path inside the repository, with `/` separators. */
  path: string;
  /** `rev:path`, how the diff labels this side. */
  label: string;
}

/** The text of `file` (a path on disk) as it was at `rev` in the repository that holds it. */
export function showFileAtRevision(file: string, rev: string): GitFileAtRevision {
  let folder: string;
  try {
    folder = realpathSync(dirname(file));
  } catch {
    throw new GitShowError(`${file}: its folder does not exist.`);
  }
  if (rev.startsWith('-')) throw new GitShowError(`'${rev}' is not a revision.`);
  const top = git(folder, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new GitShowError(`${file}: not inside a git repository.`);
  const root = top.out.trim();
  const path = relative(root, `${folder}${sep}${basename(file)}`).split(sep).join('/');
  const commit = git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (!commit.ok) throw new GitShowError(`unknown revision '${rev}' in ${root}.`);
  const shown = git(root, ['show', `${commit.out.trim()}:${path}`]);
  if (!shown.ok) throw new GitShowError(`${path} does not exist at revision '${rev}'.`);
  return { text: shown.out, root, path, label: `${rev}:${path}` };
}
