/**
 * Run folders read as the runs table's rows (src/core/runs/table.ts): run.json, the epochs logged
 * in metrics.jsonl (for the best value of each metric), the spec copy's parameters by dotted path,
 * and a search's tag when a trial wrote one. The runs view, the runs table and `modelyaml runs`
 * read runs here.
 */
import { rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bestMetrics, type MetricValues, type RunSummary } from '../core/runs/table';
import { folderInfo, isInside, listRuns, processAlive, type RunFolder } from './runFolders';
import { METRICS_FILE, readEvents } from './runRecord';

/** Epoch metrics by run folder, kept while metrics.jsonl keeps its size (it only grows while a run trains). */
const epochsCache = new Map<string, { size: number; epochs: MetricValues[] }>();

/** The epochs' metrics from metrics.jsonl (a torn last line skipped). */
function epochMetrics(dir: string): MetricValues[] {
  let size: number;
  try {
    size = statSync(join(dir, METRICS_FILE)).size;
  } catch {
    return [];
  }
  const hit = epochsCache.get(dir);
  if (hit?.size === size) return hit.epochs;
  const epochs = readEvents(dir).filter((e) => e.type === 'epoch' && typeof e.metrics === 'object').map((e) => (e as { metrics: MetricValues }).metrics);
  if (epochsCache.size >= 5000) epochsCache.delete(epochsCache.keys().next().value!);
  epochsCache.set(dir, { size, epochs });
  return epochs;
}

export function runSummary(f: RunFolder, alive: (pid: number) => boolean = processAlive): RunSummary {
  const info = folderInfo(f, alive);
  const rec = f.record;
  const epochs = epochMetrics(f.dir);
  const params = info.params;
  // run.json is read and checked once, by listRuns (readRunRecord): its search tag comes with it.
  const search = rec?.search;
  let durationMs = rec?.durationMs;
  if (durationMs === undefined && info.status === 'running') durationMs = Date.now() - Date.parse(info.startedAt);
  const best = bestMetrics(epochs);
  // A running run's "final" is its last epoch so far.
  const final = info.final ?? (epochs.length ? epochs[epochs.length - 1] : undefined);
  return {
    id: f.dir,
    spec: rec?.spec ?? info.specName,
    specName: info.specName,
    status: info.status,
    ...(info.reason ? { reason: info.reason } : {}),
    startedAt: info.startedAt,
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(info.backend ? { backend: info.backend } : {}),
    ...(rec?.epochs !== undefined && rec.status !== 'running' ? { epochsRun: rec.epochs } : { epochsRun: epochs.length }),
    ...(final ? { final } : {}),
    ...(Object.keys(best).length ? { best } : {}),
    ...(info.test ? { test: info.test } : {}),
    ...(params ? { params } : {}),
    ...(search ? { search } : {}),
    ...(info.resumable ? { resumable: true } : {}),
    ...(info.evaluated ? { evaluated: true } : {}),
  };
}

/** Every run under the roots, newest first. */
export function workspaceRuns(runsRoots: readonly string[], alive?: (pid: number) => boolean): RunSummary[] {
  return runsRoots
    .flatMap((r) => listRuns(r))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .map((f) => runSummary(f, alive));
}

/** Whether `spec` (as run.json records it) names `specPath` (absolute, or relative to the workspace). */
export function sameSpec(spec: string, specPath: string, workspace?: string): boolean {
  return resolve(workspace ?? '.', spec) === resolve(specPath);
}

/** Deletes a run folder, only when it lies inside one of the runs roots. */
export function deleteRun(dir: string, runsRoots: readonly string[]): void {
  if (!isInside(dir, runsRoots)) throw new Error(`${dir} is not a run folder under ${runsRoots.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
  epochsCache.delete(dir);
}
