/**
 * The runs table panel's messages: the host sends the runs of one group (a spec's, or a search's)
 * as the core's `RunsTable`, and the list of groups to switch between; the webview asks to compare
 * runs' curves, open a run's spec copy, resume a run, delete runs (the host confirms), or show
 * another group. The webview checks the table's outline before drawing and puts every value in as text.
 */
import { arrayOf, byType, type Check, type Fields, int, isObj, oneOf, record, stringMax, type Validated } from './check';
import type { LogMessage, ReadyMessage } from './webview';

export type { LabelledRun, RunParamValue, RunsTable, RunSummary } from '../runs/table';
/** One rule names runs everywhere: the curves panel's Compare and the runs table label alike. */
export { differingParams, formatDuration, formatMetric, formatParam, metricValue, runLabels, startLabel, lowerIsBetter } from '../runs/table';
import type { RunsTable } from '../runs/table';

export interface RunsGroupInfo {
  key: string;
  title: string;
  count: number;
}

export type RunsToWebview =
  | { type: 'runs'; group: string; groups: RunsGroupInfo[]; table: RunsTable }
  | { type: 'empty'; message: string };

export type RunsFromWebview =
  | ReadyMessage
  | LogMessage
  /** Overlay these runs (ids from the table) in the curves panel. */
  | { type: 'compareCurves'; runIds: string[] }
  | { type: 'openSpec'; runId: string }
  | { type: 'resume'; runId: string }
  /** Delete these runs, after the host asks the user. */
  | { type: 'delete'; runIds: string[] }
  | { type: 'showGroup'; group: string };

/** What the webview keeps across reloads. */
export interface RunsViewState {
  v: 1;
  sort?: { column: string; descending: boolean };
  filter: string;
  hidden: string[];
  /** The group shown: a panel restored after a reload comes back on it. */
  group?: string;
}

const str = stringMax(10_000);
const id = stringMax(4096);
const scalar: Check = (v) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const metrics: Check = (v) => v === undefined || (isObj(v) && Object.values(v).every((x) => x === null || typeof x === 'number'));
const run: Check = (v) =>
  isObj(v) &&
  typeof v.id === 'string' &&
  typeof v.label === 'string' &&
  typeof v.startedAt === 'string' &&
  oneOf('running', 'completed', 'cancelled', 'failed', 'crashed')(v.status) &&
  metrics(v.final) &&
  metrics(v.best) &&
  metrics(v.test) &&
  (v.params === undefined || record(scalar)(v.params));
const table: Check = (v) => isObj(v) && arrayOf(run, 100_000)(v.runs) && arrayOf(str, 10_000)(v.params) && arrayOf(str, 10_000)(v.metrics) && record(str)(v.shortNames);
const groupInfo: Check = (v) => isObj(v) && typeof v.key === 'string' && typeof v.title === 'string' && int(v.count);

const toWebview: Record<RunsToWebview['type'], Fields> = {
  runs: { group: str, groups: arrayOf(groupInfo, 10_000), table },
  empty: { message: str },
};
const fromWebview: Record<RunsFromWebview['type'], Fields> = {
  ready: { version: int },
  log: { level: oneOf('info', 'warning', 'error'), message: stringMax(20_000) },
  compareCurves: { runIds: arrayOf(id, 100) },
  openSpec: { runId: id },
  resume: { runId: id },
  delete: { runIds: arrayOf(id, 1000) },
  showGroup: { group: str },
};

export function validateRunsToWebview(v: unknown): Validated<RunsToWebview> {
  return byType('runs host message', v, toWebview);
}

export function validateRunsFromWebview(v: unknown): Validated<RunsFromWebview> {
  return byType('runs webview message', v, fromWebview);
}
