/**
 * The journal on disk: `.modelyaml/searches/<name>/<time>/journal.jsonl`, appended a line at a
 * time (one write each, on disk before the runner goes on) and read back through the core's
 * checks (src/core/search/journal.ts).
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJournal, type JournalEvent, type Study, replayJournal } from '../../core/search/journal';
import { withPath } from '../files';
import { createRunDir, safeName } from '../runRecord';

export const JOURNAL_FILE = 'journal.jsonl';
export const BEST_SPEC_FILE = 'best.model.yaml';

/** Where a workspace's searches go. */
export const searchesRoot = (workspace: string) => join(workspace, '.modelyaml', 'searches');

/** A new search folder `<root>/<name>/<time>/` (named like run folders: they sort by time). */
export function createSearchDir(workspace: string, name: string): string {
  return createRunDir(searchesRoot(workspace), name);
}

/** The newest search folder of a spec name that holds a journal. */
export function latestSearchDir(workspace: string, name: string): string | undefined {
  const dir = join(searchesRoot(workspace), safeName(name));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  return names.sort().reverse().map((n) => join(dir, n)).find((d) => existsSync(join(d, JOURNAL_FILE)));
}

/** Every search folder under a workspace's searches (those holding a journal), newest first. */
export function searchDirs(workspace: string): string[] {
  const root = searchesRoot(workspace);
  const list = (d: string) => {
    try {
      return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  };
  const dirs = list(root).flatMap((name) => list(join(root, name)).map((time) => ({ time, dir: join(root, name, time) })));
  return dirs.filter((d) => existsSync(join(d.dir, JOURNAL_FILE))).sort((a, b) => b.time.localeCompare(a.time)).map((d) => d.dir);
}

export class JournalWriter {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = join(dir, JOURNAL_FILE);
  }

  append(e: JournalEvent): void {
    try {
      appendFileSync(this.file, JSON.stringify(e) + '\n');
    } catch (err) {
      throw withPath(err, this.file);
    }
  }
}

/** A journal that cannot be read or replayed: the message names the file and line. */
export class JournalError extends Error {}

/** Reads and replays a search folder's journal. */
export function readJournal(dir: string): { study: Study; events: JournalEvent[] } {
  const file = join(dir, JOURNAL_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new JournalError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { events, problems } = parseJournal(text);
  if (problems.length) throw new JournalError(problems.map((p) => `${file}:${p.line}: ${p.message}`).join('\n'));
  return { study: replayJournal(events), events };
}
