/**
 * The comparison panel's messages ("ModelYAML: Compare Model with…"): the host sends the core's
 * `SpecDiff`, the webview shows it and says `ready` / `log` like the other panels. The webview
 * checks the diff's outline (version, sides, lists) before drawing; it puts every value in as text.
 */
import { DIFF_FORMAT_VERSION, type SpecDiff } from '../diff/types';
import { arrayOf, byType, type Fields, int, isObj, nullable, oneOf, opt, shape, stringMax, type Check, type Validated } from './check';
import type { LogMessage, ReadyMessage } from './webview';

export type { LayerDiff, SettingChange, SpecDiff } from '../diff/types';
/** The webview prints values as the CLI does. */
export { formatValue } from '../diff/values';

/**
 * Where one side of a comparison was read from, so a panel restored after a reload reads both
 * sides again: a spec file, or a spec at a git revision.
 */
export type DiffSource = { kind: 'file'; path: string } | { kind: 'revision'; path: string; ref: string };
export interface DiffSources {
  before: DiffSource;
  after: DiffSource;
}

/** `sources` (when the host knows them) is kept in the webview's state for the panel's serializer. */
export type DiffToWebview = { type: 'diff'; diff: SpecDiff; sources?: DiffSources } | { type: 'empty'; message: string };
export type DiffFromWebview = ReadyMessage | LogMessage;

const str = stringMax(10_000);
const count = nullable(int);
const side = shape({ name: str, label: str, totalParams: count, outputShape: str, errors: arrayOf(str, 10_000) });
const layer: Check = (v) => isObj(v) && oneOf('added', 'removed', 'changed', 'affected', 'unchanged')(v.status) && Array.isArray(v.changes) && (isObj(v.before) || isObj(v.after));
const setting: Check = (v) => isObj(v) && typeof v.path === 'string' && oneOf('added', 'removed', 'changed')(v.kind);
const specDiff = shape({
  formatVersion: oneOf(DIFF_FORMAT_VERSION),
  before: side,
  after: side,
  layers: arrayOf(layer, 100_000),
  totals: shape({ before: count, after: count, delta: count }),
  model: arrayOf(setting, 10_000),
  data: arrayOf(setting, 10_000),
  train: arrayOf(setting, 10_000),
});

const source: Check = (v) => isObj(v) && typeof v.path === 'string' && v.path.length <= 4096 && (v.kind === 'file' || (v.kind === 'revision' && typeof v.ref === 'string' && v.ref.length <= 1000));
const sources = shape({ before: source, after: source });

/** The sources kept in a restored panel's state, or undefined when they are missing or damaged. */
export function diffSourcesOf(state: unknown): DiffSources | undefined {
  const s = isObj(state) ? state.sources : undefined;
  return sources(s) ? (s as unknown as DiffSources) : undefined;
}

const toWebview: Record<DiffToWebview['type'], Fields> = { diff: { diff: specDiff, sources: opt(sources) }, empty: { message: str } };
const fromWebview: Record<DiffFromWebview['type'], Fields> = {
  ready: { version: int },
  log: { level: oneOf('info', 'warning', 'error'), message: stringMax(20_000) },
};

export function validateDiffToWebview(v: unknown): Validated<DiffToWebview> {
  return byType('diff host message', v, toWebview);
}

export function validateDiffFromWebview(v: unknown): Validated<DiffFromWebview> {
  return byType('diff webview message', v, fromWebview);
}
