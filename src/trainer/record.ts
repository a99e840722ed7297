/**
 * The run folder: `.modelyaml/runs/<spec-name>/<timestamp>/` with the spec as written, the resolved
 * settings, `metrics.jsonl` (one event a line, appended and flushed as it goes, so it is readable
 * after a crash), checkpoints, the final model and `run.json`. No tfjs here: the parent process
 * uses it too, to mark the record of a trainer that died.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorEvent, RunRecord, RunStatus, TrainerEvent } from '../core/protocol/trainer';
import { validateRunRecord } from '../core/protocol/trainer';

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

/** A folder name that sorts by time and is valid on every file system. */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/:/g, '-').replace(/\.(\d+)Z$/, '-$1Z');
}

export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'spec';
}

export function createRunDir(root: string, specName: string): string {
  const base = join(root, safeName(specName), timestamp());
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(dir, { recursive: true });
  return dir;
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
    appendFileSync(join(this.dir, METRICS_FILE), JSON.stringify(e) + '\n');
  }

  update(patch: Partial<RunRecord>): void {
    this.record = { ...this.record, ...patch };
    writeJsonAtomic(join(this.dir, RUN_FILE), this.record);
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
 * record is already closed.
 */
export function closeAbandonedRecord(dir: string, status: Exclude<RunStatus, 'running' | 'completed'>, error: Omit<ErrorEvent, 'type' | 'time'>): boolean {
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
