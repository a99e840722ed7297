/**
 * The run folder: `.modelyaml/runs/<spec-name>/<timestamp>/` with the spec as written, the resolved
 * settings, `metrics.jsonl` (one event a line, appended and flushed as it goes, so it is readable
 * after a crash), checkpoints, the final model and `run.json`. No tfjs here: the parent process
 * uses it too, to mark the record of a trainer that died.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorEvent, Metrics, RunRecord, RunStatus, TrainerEvent } from '../core/protocol/trainer';
import { validateRunRecord } from '../core/protocol/trainer';
import { isDiskFull, sha256, withPath } from './files';

export const RUN_FILE = 'run.json';
/** The copy of the spec a run folder keeps: not `*.model.yaml`, so editors do not take a run for a spec. */
export const SPEC_SNAPSHOT_FILE = 'spec.snapshot.yaml';
/** Older runs named the copy `spec.model.yaml`; readers accept both. */
export const SPEC_SNAPSHOT_FILES = [SPEC_SNAPSHOT_FILE, 'spec.model.yaml'];

/** The spec text a run trained (either snapshot name), if the folder kept it. */
export function readSpecSnapshot(dir: string): string | undefined {
  for (const name of SPEC_SNAPSHOT_FILES) {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      /* the other name, or none */
    }
  }
  return undefined;
}
export const METRICS_FILE = 'metrics.jsonl';

/**
 * Writes through a temporary file and a rename, so a crash never leaves half a file. The
 * temporary is removed when the write fails. On a full disk, where no new file fits, the old
 * file's own bytes are overwritten with the compact form instead: the record stays honest.
 */
function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (!isDiskFull(e) || !overwriteInPlace(path, JSON.stringify(value) + '\n')) throw withPath(e, path);
  }
}

/** Overwrites an existing file without allocating a new one; false when that cannot be done. */
function overwriteInPlace(path: string, text: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r+');
    const bytes = Buffer.from(text);
    // Only the blocks the file already holds are sure to fit on a full disk.
    const st = fstatSync(fd);
    if (bytes.length > Math.max(st.size, st.blocks * 512)) return false;
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A folder name that sorts by time and is valid on every file system. */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/:/g, '-').replace(/\.(\d+)Z$/, '-$1Z');
}

/** Longest folder name taken from a spec's name (file systems allow 255 bytes per name). */
export const MAX_FOLDER_NAME = 100;

/** A spec name as a folder name: safe characters only, at most MAX_FOLDER_NAME of them. */
export function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'spec';
  // A long name keeps its start and gets a hash of the whole, so two long names stay apart.
  return safe.length <= MAX_FOLDER_NAME ? safe : `${safe.slice(0, MAX_FOLDER_NAME - 9)}-${sha256(name).slice(0, 8)}`;
}

export function createRunDir(root: string, specName: string): string {
  const base = join(root, safeName(specName), timestamp());
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The newest run folder of a spec under `root` that holds a checkpoint to resume from. */
export function latestRunDir(root: string, specName: string, hasCheckpoint: (dir: string) => boolean): string | undefined {
  const dir = join(root, safeName(specName));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  // Folder names are time stamps: they sort by time.
  return names.sort().reverse().map((n) => join(dir, n)).find(hasCheckpoint);
}

export class RunRecordWriter {
  record: RunRecord;
  constructor(
    readonly dir: string,
    record: RunRecord,
  ) {
    this.record = record;
    writeJsonAtomic(join(dir, RUN_FILE), record);
  }

  /** Appends one event to metrics.jsonl (appendFileSync: on disk before the next batch starts). */
  event(e: TrainerEvent): void {
    // Once the record is closed nothing more belongs to the run (a batch that ends after SIGTERM).
    if (this.record.status !== 'running') return;
    const path = join(this.dir, METRICS_FILE);
    try {
      appendFileSync(path, JSON.stringify(e) + '\n');
    } catch (err) {
      throw withPath(err, path);
    }
  }

  /** Closes the record: what ran (epochs, final metrics) and how it ended. Once closed, it stays so. */
  close(status: Exclude<RunStatus, 'running'>, reason: string, extra: { epochs?: number; final?: Metrics; test?: Metrics; error?: RunRecord['error'] } = {}): void {
    if (this.record.status !== 'running') return;
    const endedAt = new Date();
    this.update({ status, reason, endedAt: endedAt.toISOString(), durationMs: endedAt.getTime() - Date.parse(this.record.startedAt), ...extra });
  }

  update(patch: Partial<RunRecord>): void {
    this.record = { ...this.record, ...patch };
    writeJsonAtomic(join(this.dir, RUN_FILE), this.record);
  }
}

/**
 * Removes what a write in progress leaves in a run folder (`*.tmp-<pid>` files, `*.partial`
 * checkpoints) when the trainer stops in the middle of it (SIGTERM during a checkpoint).
 */
export function removeTemporaries(dir: string, depth = 2): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (/\.tmp-\d+$|\.partial$/.test(e.name)) rmSync(path, { recursive: true, force: true });
    else if (e.isDirectory() && depth > 0) removeTemporaries(path, depth - 1);
  }
}

export function readRunRecord(dir: string): RunRecord | undefined {
  try {
    const v = validateRunRecord(JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8')));
    return v.ok ? v.value : undefined;
  } catch {
    return undefined;
  }
}

/** Reads metrics.jsonl back, skipping a last line cut short by a crash. */
export function readEvents(dir: string): TrainerEvent[] {
  let text: string;
  try {
    text = readFileSync(join(dir, METRICS_FILE), 'utf8');
  } catch {
    return [];
  }
  const out: TrainerEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as TrainerEvent);
    } catch {
      /* a torn last line */
    }
  }
  return out;
}

/**
 * Closes the record of a trainer that ended without doing so itself (crash, kill, out of memory):
 * run.json gets the status and the error; metrics.jsonl gets the error event. A no-op when the
 * record is already closed, and never throws (false when the disk refused).
 */
export function closeAbandonedRecord(dir: string, status: Exclude<RunStatus, 'running' | 'completed'>, error: Omit<ErrorEvent, 'type' | 'time'>): boolean {
  try {
    return closeRecord(dir, status, error);
  } catch {
    // A full or failing disk: the record stays as it was; the caller still reports the failure.
    return false;
  }
}

function closeRecord(dir: string, status: Exclude<RunStatus, 'running' | 'completed'>, error: Omit<ErrorEvent, 'type' | 'time'>): boolean {
  const rec = readRunRecord(dir);
  if (!rec || rec.status !== 'running') return false;
  const now = new Date();
  const e: ErrorEvent = { type: 'error', time: now.getTime(), ...error };
  try {
    appendFileSync(join(dir, METRICS_FILE), '\n' + JSON.stringify(e) + '\n');
  } catch {
    /* the folder may be gone */
  }
  const durationMs = now.getTime() - Date.parse(rec.startedAt);
  writeJsonAtomic(join(dir, RUN_FILE), {
    ...rec,
    status,
    reason: error.message,
    endedAt: now.toISOString(),
    durationMs,
    error: { code: error.code, message: error.message },
  } satisfies RunRecord);
  return true;
}
