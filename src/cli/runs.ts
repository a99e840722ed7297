/**
 * `modelyaml runs [PATH] [--spec FILE] [--format text|json]`: the workspace's runs by spec (and by
 * search), one table a group: status, start, backend, duration, final and test metrics, and the
 * parameters that differ between the group's runs, each run labelled by them (docs/runs.md).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { formatDuration, formatMetric, formatParam, groupRuns, metricValue, runsTable, startLabel, type RunsTable } from '../core/runs/table';
import { runsOfSpec, specNameOf } from '../node/runFolders';
import { workspaceRuns } from '../node/runSummaries';
import type { CliIO } from './main';

export interface RunsFlags {
  format: string;
  spec?: string;
}

/** Bumped when a field of the JSON form changes meaning or goes away. */
export const RUNS_FORMAT_VERSION = 1;

/** `PATH/.modelyaml/runs`, or PATH itself when it is a runs folder. */
function runsRootOf(path: string): string {
  const nested = join(path, '.modelyaml', 'runs');
  return existsSync(nested) ? nested : path;
}

function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
}

function formatGroup(title: string, t: RunsTable): string {
  const head = ['run', 'status', 'started', 'backend', 'duration', ...t.metrics, ...t.params.map((p) => t.shortNames[p])];
  const rows = t.runs.map((r) => [
    r.label,
    r.status,
    startLabel(r.startedAt),
    r.backend ?? '—',
    formatDuration(r.durationMs),
    ...t.metrics.map((m) => formatMetric(metricValue(r, m))),
    ...t.params.map((p) => formatParam(r.params?.[p])),
  ]);
  const legend = t.params.length ? `differs: ${t.params.map((p) => `${t.shortNames[p]} = ${p}`).join(', ')}\n` : '';
  return `${title} (${t.runs.length} run${t.runs.length === 1 ? '' : 's'})\n${legend}${textTable([head, ...rows])}`;
}

export function runsCommand(args: string[], flags: RunsFlags, io: CliIO): number {
  if (flags.format !== 'text' && flags.format !== 'json') {
    io.err(`modelyaml runs: --format must be text or json, not ${flags.format}.\n`);
    return 2;
  }
  if (args.length > 1) {
    io.err('modelyaml runs: name at most one folder (the workspace, or its .modelyaml/runs).\n');
    return 2;
  }
  const workspace = resolve(args[0] ?? '.');
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) {
    io.err(`modelyaml runs: ${args[0]} is not a folder.\n`);
    return 1;
  }
  const root = runsRootOf(workspace);
  let runs = workspaceRuns([root]);
  if (flags.spec !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.spec, 'utf8');
    } catch (e) {
      io.err(`${flags.spec}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
    const dirs = new Set(runsOfSpec([root], resolve(flags.spec), workspace, specNameOf(text)).map((f) => f.dir));
    runs = runs.filter((r) => dirs.has(r.id));
  }
  const groups = groupRuns(runs).map((g) => ({ ...g, table: runsTable(g.runs) }));
  if (flags.format === 'json') {
    const shown = (dir: string) => relative(process.cwd(), dir) || dir;
    const json = {
      formatVersion: RUNS_FORMAT_VERSION,
      runsFolder: shown(root),
      groups: groups.map((g) => ({
        spec: g.spec,
        name: g.title,
        ...(g.search ? { search: g.search } : {}),
        params: g.table.params,
        shortNames: g.table.shortNames,
        metrics: g.table.metrics,
        runs: g.table.runs.map((r) => ({ ...r, dir: shown(r.id), id: undefined })),
      })),
    };
    io.out(JSON.stringify(json, null, 2) + '\n');
    return 0;
  }
  if (!groups.length) {
    io.out(`No runs in ${relative(process.cwd(), root) || root}${flags.spec ? ` for ${flags.spec}` : ''}. Train a spec (modelyaml train <spec>) and its runs list here.\n`);
    return 0;
  }
  const specShown = (spec: string) => {
    const rel = relative(workspace, resolve(workspace, spec));
    return rel && !rel.startsWith('..') ? rel : spec;
  };
  io.out(groups.map((g) => formatGroup(g.search ? `${specShown(g.spec)} · search ${g.search}` : specShown(g.spec), g.table)).join('\n'));
  return 0;
}
