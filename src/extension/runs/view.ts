/**
 * The Runs view in the ModelYAML activity-bar container: the workspace's runs by spec, a search's
 * trials under the search, each run labelled by what differs from its siblings, with its status
 * icon, start, backend, duration and metrics. It re-reads when a run.json or metrics.jsonl changes
 * (a file-system watcher: runs the CLI writes too) and on the training manager's events.
 */
import type * as vscode from 'vscode';
import { relative } from 'node:path';
import { formatDuration, formatMetric, groupRuns, runsTable, startLabel, type LabelledRun, type RunGroup } from '../../core/runs/table';
import { workspaceRuns } from '../../node/runSummaries';
import type { VscodeApi } from '../panels/host';

export const RUNS_VIEW_ID = 'modelyaml.runs';

export type RunsNode =
  | { kind: 'spec'; spec: string; title: string; groups: RunGroup[] }
  | { kind: 'search'; group: RunGroup }
  | { kind: 'run'; run: LabelledRun };

const ICONS: Record<LabelledRun['status'], [string, string]> = {
  running: ['sync~spin', 'charts.blue'],
  completed: ['pass', 'testing.iconPassed'],
  cancelled: ['circle-slash', 'editorWarning.foreground'],
  failed: ['error', 'errorForeground'],
  crashed: ['warning', 'errorForeground'],
};

/** `loss 0.31 · val_loss 0.29`: a run's final metrics, then its test ones. */
export function metricsLine(r: LabelledRun): string {
  const parts = Object.entries(r.final ?? {}).map(([k, v]) => `${k} ${formatMetric(v)}`);
  const test = Object.entries(r.test ?? {}).map(([k, v]) => `test ${k.replace(/^test_/, '')} ${formatMetric(v)}`);
  return [...parts, ...test].join(' · ');
}

export interface RunsViewOptions {
  api: VscodeApi;
  runsRoots: () => string[];
  alive?: (pid: number) => boolean;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed: vscode.EventEmitter<RunsNode | undefined | void>;
  readonly onDidChangeTreeData: vscode.Event<RunsNode | undefined | void>;
  private specs?: RunsNode[];

  constructor(private readonly o: RunsViewOptions) {
    this.changed = new o.api.EventEmitter<RunsNode | undefined | void>();
    this.onDidChangeTreeData = this.changed.event;
  }

  refresh(): void {
    this.specs = undefined;
    this.changed.fire();
  }

  private read(): RunsNode[] {
    const groups = groupRuns(workspaceRuns(this.o.runsRoots(), this.o.alive));
    const bySpec = new Map<string, RunGroup[]>();
    for (const g of groups) bySpec.set(g.spec, [...(bySpec.get(g.spec) ?? []), g]);
    return [...bySpec].map(([spec, gs]) => ({ kind: 'spec', spec, title: gs.find((g) => !g.search)?.title ?? gs[0].runs[0].specName, groups: gs }));
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return (this.specs ??= this.read());
    if (node.kind === 'run') return [];
    const groups = node.kind === 'spec' ? node.groups : [node.group];
    const searches: RunsNode[] = node.kind === 'spec' ? groups.filter((g) => g.search).map((group) => ({ kind: 'search', group })) : [];
    const own = groups.find((g) => (node.kind === 'spec' ? !g.search : true));
    return [...searches, ...(own ? runsTable(own.runs).runs.map((run): RunsNode => ({ kind: 'run', run })) : [])];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const { api } = this.o;
    if (node.kind !== 'run') {
      const runs = node.kind === 'spec' ? node.groups.reduce((n, g) => n + g.runs.length, 0) : node.group.runs.length;
      const item = new api.TreeItem(node.kind === 'spec' ? node.title : `search ${node.group.search}`, api.TreeItemCollapsibleState.Expanded);
      const spec = node.kind === 'spec' ? node.spec : node.group.spec;
      const ws = api.workspace.workspaceFolders?.[0]?.uri.fsPath;
      item.description = `${runs} run${runs === 1 ? '' : 's'}${node.kind === 'spec' && ws ? ` · ${relative(ws, spec) || spec}` : ''}`;
      item.tooltip = spec;
      item.iconPath = new api.ThemeIcon(node.kind === 'spec' ? 'file-code' : 'beaker');
      item.contextValue = node.kind === 'spec' ? 'modelyamlRunSpec' : 'modelyamlRunSearch';
      item.id = node.kind === 'spec' ? `spec:${spec}` : node.group.key;
      return item;
    }
    const r = node.run;
    const item = new api.TreeItem(r.label, api.TreeItemCollapsibleState.None);
    const [icon, color] = ICONS[r.status];
    item.iconPath = new api.ThemeIcon(icon, new api.ThemeColor(color));
    const metrics = metricsLine(r);
    item.description = [startLabel(r.startedAt).slice(5, 16), r.backend, formatDuration(r.durationMs), r.final?.val_loss !== undefined ? `val_loss ${formatMetric(r.final.val_loss)}` : undefined].filter(Boolean).join(' · ');
    item.tooltip = [
      `${r.label} — ${r.status}${r.reason ? `: ${r.reason}` : ''}`,
      `started ${startLabel(r.startedAt)} · ${r.backend ?? 'backend unknown'} · ${formatDuration(r.durationMs)}${r.epochsRun !== undefined ? ` · ${r.epochsRun} epoch${r.epochsRun === 1 ? '' : 's'}` : ''}`,
      ...(metrics ? [metrics] : []),
      ...(r.search ? [`search ${r.search.name}${r.search.trial !== undefined ? `, trial ${r.search.trial}` : ''}`] : []),
      r.id,
    ].join('\n');
    item.id = r.id;
    item.contextValue = ['modelyamlRun', r.resumable ? 'resumable' : '', r.evaluated ? 'evaluated' : '', r.status === 'completed' ? 'completed' : ''].filter(Boolean).join(' ');
    item.command = { command: 'modelyaml.runs.openCurves', title: 'Open Curves', arguments: [node] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
