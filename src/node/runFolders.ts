/**
 * Reading run folders back (`<workspace>/.modelyaml/runs/<spec>/<timestamp>/` with `run.json` and
 * `metrics.jsonl`) for the curves panel: listing a spec's runs, loading one as curve points, and
 * following one that is still being written. Node only (no vscode), so it is tested directly.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { validateTrainerEvent, type RunRecord, type TrainerEvent } from '../core/protocol/trainer';
import { CurveAdapter, type CurvePoint, type RunInfo, type SettingValue } from '../core/protocol/webview';
import { readRunRecord, readSpecSnapshot, SPEC_SNAPSHOT_FILES } from './runRecord';
import { specParams } from '../core/runs/params';

export { readSpecSnapshot };

export interface RunFolder {
  dir: string;
  /** The folder the run sits in under the runs root (the spec's folder). */
  group: string;
  record?: RunRecord;
  /** ISO start time (run.json, else the folder's time). */
  startedAt: string;
}

/** Whether a process is alive (a run that says "running" but whose trainer is gone has crashed). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The checkpoint a run can be resumed from (its last, else its best; the PyTorch engine's `last.pt`), if it saved one. */
export function resumableCheckpoint(dir: string): string | undefined {
  const tfjs = ['last', 'best'].map((k) => join(dir, 'checkpoints', k)).find((c) => existsSync(join(c, 'model.json')) && existsSync(join(c, 'state.json')));
  const torch = join(dir, 'checkpoints', 'last.pt');
  return tfjs ?? (existsSync(torch) ? torch : undefined);
}

/** Whether a run kept an evaluation of its test split (docs/evaluation.md). */
export function hasEvaluation(dir: string): boolean {
  return existsSync(join(dir, 'evaluation.json'));
}

function isRunDir(dir: string): boolean {
  return existsSync(join(dir, 'metrics.jsonl')) || existsSync(join(dir, 'run.json'));
}

function folderTime(dir: string): string {
  try {
    return statSync(dir).mtime.toISOString();
  } catch {
    return new Date(0).toISOString();
  }
}

/** Every run under a runs root, newest first. */
export function listRuns(runsRoot: string): RunFolder[] {
  const out: RunFolder[] = [];
  let groups: string[];
  try {
    groups = readdirSync(runsRoot, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return out;
  }
  for (const group of groups) {
    let runs: string[];
    try {
      runs = readdirSync(join(runsRoot, group), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      continue;
    }
    for (const name of runs) {
      const dir = join(runsRoot, group, name);
      if (!isRunDir(dir)) continue;
      const record = readRunRecord(dir);
      out.push({ dir, group, record, startedAt: record?.startedAt ?? folderTime(dir) });
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.dir.localeCompare(a.dir));
}

const specStem = (p: string) => basename(p).replace(/\.model\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');

/** The spec's top-level `name:` (the trainer names the run folder after it), read without parsing. */
export function specNameOf(text: string): string | undefined {
  const m = /^name:[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^#\n]*?))[ \t]*(?:#.*)?$/m.exec(text);
  const name = (m?.[1] ?? m?.[2] ?? m?.[3])?.trim();
  return name || undefined;
}

/**
 * The runs of one spec, newest first: those whose run.json names this spec file (absolute, or
 * relative to the workspace); when there are none (the workspace moved, or the spec was renamed),
 * those filed under its name — the folder the trainer puts them in (`runs/<spec name>/`).
 */
export function runsOfSpec(runsRoots: readonly string[], specPath: string, workspace?: string, specName?: string): RunFolder[] {
  const target = resolve(specPath);
  const all = runsRoots.flatMap((r) => listRuns(r));
  const sameFile = (f: RunFolder) => {
    const s = f.record?.spec;
    if (!s) return false;
    const candidates = isAbsolute(s) ? [s] : [resolve(workspace ?? '.', s), ...runsRoots.map((r) => resolve(r, '..', '..', s))];
    return candidates.some((c) => resolve(c) === target);
  };
  const exact = all.filter(sameFile);
  if (exact.length) return exact;
  const names = new Set([specStem(specPath), ...(specName ? [specName] : [])]);
  return all.filter((f) => names.has(f.group) || (f.record?.specName !== undefined && names.has(f.record.specName)));
}

/** The runs that share a run's folder (the same spec), newest first. */
export function siblingRuns(runDir: string): RunFolder[] {
  const group = dirname(runDir);
  return listRuns(dirname(group)).filter((r) => resolve(dirname(r.dir)) === resolve(group));
}

/** Whether `dir` lies inside one of `roots` (after resolving links): the host reads only there. */
export function isInside(dir: string, roots: readonly string[]): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const d = real(dir);
  return roots.some((r) => {
    const rel = relative(real(r), d);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
  });
}

export function runLabel(specName: string, startedAt: string): string {
  const d = new Date(startedAt);
  if (Number.isNaN(d.getTime())) return specName;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${specName} · ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * A run's resolved settings (the trainer's `resolved.json`: the train settings with defaults and
 * overrides applied, the layers, the data) flattened to short names, for telling runs apart:
 * `lr`, `batch`, `optimizer`, `loss`, `dense_1.units`, `scale`. Undefined when the file is
 * missing or unreadable (older runs).
 */
export function readSettings(dir: string): Record<string, SettingValue> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(dir, 'resolved.json'), 'utf8'));
  } catch {
    return undefined;
  }
  return isObject(v) ? flattenSettings(v) : undefined;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Short names for the settings people vary most. */
const SHORT: Record<string, string> = { learning_rate: 'lr', batchSize: 'batch', earlyStopping: 'early_stopping', lrSchedule: 'schedule' };

function settingValue(v: unknown): SettingValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  // A catalog item (`activation: { type: relu, params: {} }`) reads as it is written: `relu`, `leaky_relu(alpha=0.1)`.
  if (isObject(v) && typeof v.type === 'string' && (v.params === undefined || isObject(v.params))) {
    const params = Object.entries((v.params as Json | undefined) ?? {}).map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`);
    return params.length ? `${v.type}(${params.join(', ')})` : v.type;
  }
  return JSON.stringify(v);
}

/** `{ type, params }` (an optimizer, a loss, a layer) → `name = type`, `name.param = value` (`lr` alone). */
function addItem(out: Record<string, SettingValue>, name: string, item: unknown, paramsAlone = false): void {
  if (!isObject(item)) return;
  out[name] = settingValue(item.type);
  if (!isObject(item.params)) return;
  for (const [k, v] of Object.entries(item.params)) out[paramsAlone || SHORT[k] ? (SHORT[k] ?? k) : `${name}.${k}`] = settingValue(v);
}

export function flattenSettings(resolved: Json): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  const settings = isObject(resolved.settings) ? resolved.settings : {};
  for (const [k, v] of Object.entries(settings)) {
    if (k === 'checkpoint' || k === 'device') continue; // where files go and what it runs on: not what is learnt
    if (k === 'optimizer') addItem(out, 'optimizer', v, true);
    else if (k === 'loss' || k === 'lrSchedule') addItem(out, SHORT[k] ?? k, v);
    else if (k === 'metrics' && Array.isArray(v)) out.metrics = v.map((m) => (isObject(m) ? String(m.type) : String(m))).join(', ');
    else if (isObject(v)) for (const [p, x] of Object.entries(v)) out[`${SHORT[k] ?? k}.${p}`] = settingValue(x);
    else out[SHORT[k] ?? k] = settingValue(v);
  }
  if (Array.isArray(resolved.layers)) {
    out.layers = resolved.layers.length;
    resolved.layers.forEach((l, i) => addItem(out, isObject(l) && typeof l.id === 'string' ? l.id : `layer ${i + 1}`, l));
  }
  const data = isObject(resolved.data) ? resolved.data : {};
  if (isObject(data.source) && isObject(data.source.params)) for (const [k, v] of Object.entries(data.source.params)) out[`source.${k}`] = settingValue(v);
  if (Array.isArray(data.pipeline)) {
    for (const step of data.pipeline) {
      if (!isObject(step) || typeof step.type !== 'string') continue;
      let name = step.type;
      for (let n = 2; name in out; n++) name = `${step.type}#${n}`;
      const params = isObject(step.params) ? Object.values(step.params) : [];
      out[name] = settingValue(params.length === 1 ? params[0] : step.params); // `scale 255`, not `scale {"divisor":255}`
    }
  }
  return out;
}

/**
 * A run's parameters by dotted path (`train.optimizer.adam.learning_rate`), read from the spec copy
 * its folder keeps; undefined when it kept none (older runs) or the copy does not read as a spec.
 */
export function runParams(dir: string): Record<string, SettingValue> | undefined {
  const key = snapshotKey(dir);
  if (key === undefined) return undefined;
  const hit = paramsCache.get(dir);
  if (hit?.key === key) return hit.params;
  const text = readSpecSnapshot(dir);
  let params: Record<string, SettingValue> | undefined;
  try {
    params = text === undefined ? undefined : specParams(text);
  } catch {
    params = undefined;
  }
  if (paramsCache.size >= 5000) paramsCache.delete(paramsCache.keys().next().value!);
  paramsCache.set(dir, { key, params });
  return params;
}

/**
 * The runs view re-reads every run on each change: a spec copy is written once, so its
 * parameters are kept by folder while the copy's size and time stay the same.
 */
const paramsCache = new Map<string, { key: string; params: Record<string, SettingValue> | undefined }>();

function snapshotKey(dir: string): string | undefined {
  for (const name of SPEC_SNAPSHOT_FILES) {
    try {
      const st = statSync(join(dir, name));
      return `${name}:${st.size}:${st.mtimeMs}`;
    } catch {
      /* the other name, or none */
    }
  }
  return undefined;
}

/** A run loaded for the curves: its points so far, and what follows it. */
export class LoadedRun {
  readonly adapter = new CurveAdapter();
  readonly points: CurvePoint[] = [];
  /** Bytes of metrics.jsonl consumed (up to the last complete line). */
  offset = 0;
  record?: RunRecord;
  settings?: Record<string, SettingValue>;
  params?: Record<string, SettingValue>;
  /** Lines that were not valid trainer events. */
  invalidLines = 0;
  private sawEvents = false;

  constructor(
    readonly dir: string,
    private readonly alive: (pid: number) => boolean = processAlive,
  ) {}

  static read(dir: string, alive?: (pid: number) => boolean): LoadedRun {
    const r = new LoadedRun(dir, alive);
    r.record = readRunRecord(dir);
    r.settings = readSettings(dir);
    r.params = runParams(dir);
    r.poll();
    return r;
  }

  /** Feeds one event (from the live trainer or the file); returns the point it adds, if any. */
  push(e: TrainerEvent): CurvePoint | undefined {
    this.sawEvents = true;
    const p = this.adapter.push(e);
    if (p) this.points.push(p);
    return p;
  }

  /** Reads what was appended to metrics.jsonl since the last call (complete lines only). */
  poll(): CurvePoint[] {
    const file = join(this.dir, 'metrics.jsonl');
    const added: CurvePoint[] = [];
    let fd: number | undefined;
    try {
      const size = statSync(file).size;
      if (size < this.offset) this.offset = 0; // rewritten: start again (points already sent stay)
      if (size === this.offset) return added;
      fd = openSync(file, 'r');
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      const end = buf.lastIndexOf(10, n - 1);
      if (end < 0) return added;
      const text = buf.subarray(0, end + 1).toString('utf8');
      this.offset += end + 1;
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          this.invalidLines++;
          continue;
        }
        const r = validateTrainerEvent(v);
        if (!r.ok) {
          this.invalidLines++;
          continue;
        }
        const p = this.push(r.value);
        if (p) added.push(p);
      }
    } catch {
      /* no metrics yet */
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return added;
  }

  refreshRecord(): void {
    this.record = readRunRecord(this.dir) ?? this.record;
    this.settings ??= readSettings(this.dir);
    this.params ??= runParams(this.dir);
  }

  /** The run as the webview lists it: events first, then run.json, then whether the trainer lives. */
  info(): RunInfo {
    const a = this.adapter;
    const rec = this.record;
    const specName = a.specName ?? rec?.specName ?? basename(dirname(this.dir));
    const startedAt = rec?.startedAt ?? a.startedAt ?? folderTime(this.dir);
    let status: RunInfo['status'] = a.status;
    let reason = a.reason;
    let error = a.error;
    if (status === 'running' && rec && rec.status !== 'running') {
      status = rec.status;
      reason = rec.reason ?? reason;
      error = rec.error ? { code: rec.error.code, message: rec.error.message } : error;
    }
    if (status === 'running' && (!this.sawEvents || rec?.status === 'running')) {
      if (rec?.pid !== undefined && !this.alive(rec.pid)) {
        status = 'crashed';
        reason = `the trainer (pid ${rec.pid}) stopped without finishing the run`;
      } else if (!rec && !this.sawEvents) {
        status = 'crashed';
        reason = 'the run folder has no record';
      }
    }
    return {
      id: this.dir,
      label: runLabel(specName, startedAt),
      specName,
      startedAt,
      status,
      ...(reason ? { reason } : {}),
      ...(error ? { error } : {}),
      ...((a.backend ?? rec?.backend) ? { backend: a.backend ?? rec?.backend } : {}),
      ...(a.epochs !== undefined ? { epochs: a.epochs } : {}),
      ...(a.final ?? rec?.final ? { final: a.final ?? rec?.final } : {}),
      ...(a.test ?? rec?.test ? { test: a.test ?? rec?.test } : {}),
      ...(a.epochsRun !== undefined ? { epochsRun: a.epochsRun } : rec?.epochs !== undefined && rec.status !== 'running' ? { epochsRun: rec.epochs } : {}),
      ...(endedEarly(status) && resumableCheckpoint(this.dir) ? { resumable: true } : {}),
      ...(status !== 'running' && hasEvaluation(this.dir) ? { evaluated: true } : {}),
      ...(this.settings ? { settings: this.settings } : {}),
      ...(this.params ? { params: this.params } : {}),
    };
  }
}

/** A listing entry as the webview shows it (without loading the points). */
export function folderInfo(f: RunFolder, alive: (pid: number) => boolean = processAlive): RunInfo {
  const rec = f.record;
  const settings = readSettings(f.dir);
  const params = runParams(f.dir);
  const specName = rec?.specName ?? f.group;
  let status: RunInfo['status'] = rec?.status ?? 'crashed';
  let reason = rec?.reason;
  if (status === 'running' && rec?.pid !== undefined && !alive(rec.pid)) {
    status = 'crashed';
    reason = `the trainer (pid ${rec.pid}) stopped without finishing the run`;
  }
  return {
    id: f.dir,
    label: runLabel(specName, f.startedAt),
    specName,
    startedAt: f.startedAt,
    status,
    ...(reason ? { reason } : {}),
    ...(rec?.error ? { error: { code: rec.error.code, message: rec.error.message } } : {}),
    ...(rec?.backend ? { backend: rec.backend } : {}),
    ...(rec?.final ? { final: rec.final } : {}),
    ...(rec?.test ? { test: rec.test } : {}),
    ...(endedEarly(status) && resumableCheckpoint(f.dir) ? { resumable: true } : {}),
    ...(status !== 'running' && hasEvaluation(f.dir) ? { evaluated: true } : {}),
    ...(settings ? { settings } : {}),
    ...(params ? { params } : {}),
  };
}

/** A run that stopped before its last epoch, by the user or by a failure. */
export const endedEarly = (status: RunInfo['status']) => status === 'cancelled' || status === 'failed' || status === 'crashed';
