/**
 * The search panel's messages. The host sends what a search's journal replays to (the core's
 * `SearchPanelView`: trials, best-so-far, importance), again whenever the journal grows; the
 * webview asks to open a trial (its curves and its spec copy), overlay trials' curves, or write a
 * trial's values into the spec ("Apply best"). Trials are named by number; the host checks each
 * against the journal. The webview checks the view's outline before drawing and puts every value
 * in as text.
 */
import { arrayOf, byType, type Check, type Fields, int, intFrom, isObj, nullable, oneOf, record, stringMax, type Validated } from './check';
import type { LogMessage, ReadyMessage } from './webview';

export type { SearchPanelView, SearchTrialRow } from '../search/panelView';
export type { ParamImportance } from '../search/importance';
export { formatMetric } from '../runs/table';
export { formatParam } from '../search/journal';
import type { SearchPanelView } from '../search/panelView';

export type SearchToWebview = { type: 'search'; view: SearchPanelView } | { type: 'empty'; message: string };

export type SearchFromWebview =
  | ReadyMessage
  | LogMessage
  /** Open a trial's curves and its spec copy. */
  | { type: 'openTrial'; number: number }
  /** Overlay these trials' curves in the curves panel. */
  | { type: 'compareTrials'; numbers: number[] }
  /** Write a trial's values into the searched spec (one undoable edit). */
  | { type: 'applyTrial'; number: number };

/** What the webview keeps across reloads. */
export interface SearchViewState {
  v: 1;
  /** Trials selected for comparing. */
  selected: number[];
  /** The search folder shown, relative to its workspace folder: a panel restored after a reload comes back on it. */
  folder?: string;
}

const str = stringMax(10_000);
const num = nullable((v: unknown) => typeof v === 'number');
const trialNumber = intFrom(0);
const scalar: Check = (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const trial: Check = (v) =>
  isObj(v) &&
  trialNumber(v.number) &&
  record(scalar)(v.params) &&
  oneOf('running', 'complete', 'pruned', 'failed')(v.state) &&
  num(v.value) &&
  num(v.last) &&
  intFrom(0)(v.epochs) &&
  (v.reason === undefined || str(v.reason)) &&
  typeof v.hasRun === 'boolean' &&
  num(v.bestSoFar);
const param: Check = (v) => isObj(v) && str(v.path) && str(v.short) && typeof v.log === 'boolean';
const importance: Check = (v) =>
  isObj(v) && str(v.method) && int(v.trials) && (v.note === undefined || str(v.note)) && arrayOf((p) => isObj(p) && str(p.path) && typeof p.value === 'number' && int(p.bins), 10_000)(v.params);
const view: Check = (v) =>
  isObj(v) &&
  [v.name, v.spec, v.folder, v.metric, v.settings].every(str) &&
  oneOf('minimize', 'maximize')(v.goal) &&
  int(v.budget) &&
  typeof v.finished === 'boolean' &&
  typeof v.interrupted === 'boolean' &&
  arrayOf(param, 10_000)(v.params) &&
  arrayOf(trial, 100_000)(v.trials) &&
  (v.best === undefined || trialNumber(v.best)) &&
  importance(v.importance);

const toWebview: Record<SearchToWebview['type'], Fields> = { search: { view }, empty: { message: str } };
const fromWebview: Record<SearchFromWebview['type'], Fields> = {
  ready: { version: int },
  log: { level: oneOf('info', 'warning', 'error'), message: stringMax(20_000) },
  openTrial: { number: trialNumber },
  compareTrials: { numbers: arrayOf(trialNumber, 100) },
  applyTrial: { number: trialNumber },
};

export function validateSearchToWebview(v: unknown): Validated<SearchToWebview> {
  return byType('search host message', v, toWebview);
}

export function validateSearchFromWebview(v: unknown): Validated<SearchFromWebview> {
  return byType('search webview message', v, fromWebview);
}
