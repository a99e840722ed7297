/**
 * The `search:` section checked against the whole spec, after shape inference: every path names
 * a parameter (else "did you mean" at the path's exact range), every space lies inside its
 * parameter's domain (the finding on the offending number), the metric is one the spec logs,
 * a grid fits in `trials`, and the spec still builds at the space's corners.
 */
import { entries, lookup } from '../catalog';
import type { DataShape, ParamType } from '../catalog/types';
import { DiagnosticSink, type Range } from '../diagnostics';
import { checkValue } from '../read/checkValue';
import { show } from '../read/describe';
import type { Spec } from '../spec';
import { closest, didYouMean } from '../suggest';
import { checkCorners } from './corners';
import { hasValidation, loggedMetrics } from './metric';
import { resolvePath, type ParamTarget } from './paths';
import type { SearchNode, SpaceEntryNode } from './section';
import type { ParamValue, SpaceDist } from './types';

/** A space entry with what its path names. */
export interface ResolvedEntry {
  entry: SpaceEntryNode;
  target?: ParamTarget;
}

/** Item types a `type` entry may pick (`train.optimizer: { choice: [adam, sgd] }`), by its path. */
function typeChoices(spec: Spec, entries: readonly SpaceEntryNode[]): Map<string, ParamValue[]> {
  const out = new Map<string, ParamValue[]>();
  for (const e of entries) {
    if (e.dist?.kind !== 'choice' && e.dist?.kind !== 'grid') continue;
    const r = resolvePath(spec, e.path);
    if ('target' in r && r.target.place.kind === 'type') out.set(r.target.place.item.keys.join('.'), [...e.dist.values]);
  }
  return out;
}

/** Resolves every space path against the spec (reporting misses when `sink` is given). */
export function resolveEntries(spec: Spec, search: SearchNode, sink?: DiagnosticSink): ResolvedEntry[] {
  const entries = search.space?.entries ?? [];
  const choices = typeChoices(spec, entries);
  return entries.map((entry) => {
    const r = resolvePath(spec, entry.path, choices);
    if ('target' in r) return { entry, target: r.target };
    const range = { start: entry.pathStart + r.miss.start, end: entry.pathStart + Math.max(r.miss.end, r.miss.start + (r.miss.start < entry.path.length ? 1 : 0)) };
    sink?.error('search/unknown-path', range.end > range.start ? range : entry.pathRange, r.miss.message, {
      fixes: r.miss.suggestion ? [{ kind: 'replace', range, text: r.miss.suggestion, title: `Change to '${r.miss.suggestion}'` }] : undefined,
    });
    return { entry };
  });
}

/** `data`: what the pipeline yields, so the corners are checked against the labels too. */
export function checkSearch(spec: Spec, sink: DiagnosticSink, data?: DataShape): void {
  const search = spec.search;
  if (!search) return;
  checkMetric(spec, search, sink);
  if (!search.space) return;
  if (search.space.entries.length === 0) {
    sink.error('search/empty-space', search.space.keyRange, '`search.space` names no parameters: add at least one, e.g. `train.optimizer.adam.learning_rate: { loguniform: [1.0e-4, 1.0e-2] }`.');
    return;
  }
  const resolved = resolveEntries(spec, search, sink);
  const seen = new Map<string, SpaceEntryNode>();
  for (const { entry, target } of resolved) {
    if (!target || !entry.dist) continue;
    checkDomain(entry, entry.dist, target, sink);
    const key = JSON.stringify(target.place);
    const first = seen.get(key);
    if (first) sink.error('search/duplicate-path', entry.pathRange, `\`${entry.path}\` names the same parameter as \`${first.path}\`.`, { related: [{ message: 'named here first', range: first.pathRange }] });
    else seen.set(key, entry);
  }
  checkGrid(search, sink);
  checkCorners(spec, resolved, sink, data);
}

function checkMetric(spec: Spec, search: SearchNode, sink: DiagnosticSink): void {
  const m = search.metric;
  if (!m) return;
  const logged = loggedMetrics(spec);
  if (logged.includes(m.value)) return;
  const validation = hasValidation(spec);
  let why = `The spec logs ${logged.map((x) => `\`${x}\``).join(', ')}.`;
  if (m.value.startsWith('val_') && !validation) why = `\`val_…\` values are logged only with validation data (\`data.validation\`), and this spec has none.`;
  const s = closest(m.value, logged) ?? (m.value.startsWith('val_') && logged.includes(m.value.slice(4)) ? m.value.slice(4) : undefined);
  const base = m.value.replace(/^val_/, '');
  if (!s && lookup('metric', base) && !logged.includes(base)) why += ` Add \`${base}\` to \`train.metrics\` to search on it.`;
  sink.error('search/unknown-metric', m.range, `\`search.metric\` is \`${m.value}\`, which this spec does not log. ${why}${didYouMean(s)}`, {
    fixes: s ? [{ kind: 'replace', range: m.range, text: s, title: `Change to '${s}'` }] : undefined,
  });
}

/** Each number a space names for a parameter, against the parameter's type: the finding on that number. */
function checkDomain(e: SpaceEntryNode, dist: SpaceDist, target: ParamTarget, sink: DiagnosticSink): void {
  const t = target.type;
  const what = `\`${e.path}\``;
  const numeric = numericType(t);
  if (dist.kind === 'uniform' || dist.kind === 'loguniform' || dist.kind === 'int') {
    if (!numeric) {
      sink.error('search/wrong-space', e.kindRange ?? e.valueRange, `${what} is ${describe(t)}: search it with \`choice\` or \`grid\`, not \`${dist.kind}\`.`);
      return;
    }
    if (numeric.kind === 'int' && dist.kind !== 'int') {
      sink.error('search/wrong-space', e.kindRange ?? e.valueRange, `${what} takes whole numbers: use \`int\`, not \`${dist.kind}\`.`, {
        fixes: e.kindRange ? [{ kind: 'replace', range: e.kindRange, text: 'int', title: "Change to 'int'" }] : undefined,
      });
      return;
    }
    fits(sink, numeric, dist.low, e.at.low, what, 'low');
    fits(sink, numeric, dist.high, e.at.high, what, 'high');
    return;
  }
  dist.values.forEach((v, i) => {
    const at = e.at.values?.[i] ?? e.valueRange;
    if (t.kind === 'ref') {
      if (typeof v === 'string' && lookup(t.category, v)) return;
      const s = typeof v === 'string' ? closest(v, entries(t.category).map((x) => x.name)) : undefined;
      sink.error('search/out-of-domain', at, `${what} takes ${describe(t)}, but ${show(v)} is not one.${didYouMean(s)}`, { fixes: s ? [{ kind: 'replace', range: at, text: s, title: `Change to '${s}'` }] : undefined });
      return;
    }
    fits(sink, numeric ?? t, v, at, what, 'value');
  });
}

/** A value checked against the parameter's type; the finding, recoded as a search finding, on its range. */
function fits(sink: DiagnosticSink, t: ParamType, v: unknown, at: Range | undefined, what: string, role: string): void {
  if (!at) return;
  const probe = new DiagnosticSink();
  checkValue(probe, t, null, v, at, what);
  for (const d of probe.items) {
    const message = role === 'value' ? d.message : d.message.replace(/, but is (.*)\.$/, `, but ${role} is $1.`);
    if (d.severity === 'error') sink.error('search/out-of-domain', at, message, { fixes: d.fixes });
    else sink.add({ ...d, message });
  }
}

function numericType(t: ParamType): Extract<ParamType, { kind: 'int' | 'float' }> | undefined {
  if (t.kind === 'int' || t.kind === 'float') return t;
  if (t.kind === 'one_of') for (const s of t.types) if (s.kind === 'int' || s.kind === 'float') return s;
  return undefined;
}

function describe(t: ParamType): string {
  if (t.kind === 'bool') return '`true` or `false`';
  if (t.kind === 'enum') return `one of ${t.values.map((v) => `\`${v}\``).join(', ')}`;
  if (t.kind === 'ref') return `a name of ${t.category === 'activation' ? 'an' : 'a'} ${t.category}`;
  return 'a name';
}

/** How many combinations the grid sampler tries: the product of the listed values (and whole numbers of `int`s). */
export function gridSize(space: readonly { dist?: SpaceDist }[], sampler: string): number | { continuous: number } {
  let n = 1;
  for (const [i, { dist }] of space.entries()) {
    if (!dist) continue;
    if (dist.kind === 'grid') n *= dist.values.length;
    else if (sampler !== 'grid') continue;
    else if (dist.kind === 'choice') n *= dist.values.length;
    else if (dist.kind === 'int' && !dist.log) n *= Math.floor((dist.high - dist.low) / dist.step) + 1;
    else return { continuous: i };
  }
  return n;
}

function checkGrid(search: SearchNode, sink: DiagnosticSink): void {
  const entries = search.space?.entries ?? [];
  const sampler = search.sampler?.value ?? 'tpe';
  if (sampler !== 'grid' && !entries.some((e) => e.dist?.kind === 'grid')) return;
  const size = gridSize(entries, sampler);
  if (typeof size !== 'number') {
    const e = entries[size.continuous];
    sink.error('search/grid-continuous', e.kindRange ?? e.valueRange, `The grid sampler tries listed values, but \`${e.path}\` is a continuous range: list its values with \`grid\`, or use \`sampler: tpe\` or \`random\`.`);
    return;
  }
  const trials = search.trials?.value ?? 20;
  if (size <= trials) return;
  const fix = search.trials
    ? { kind: 'replace' as const, range: search.trials.range, text: String(size), title: `Raise trials to ${size}` }
    : { kind: 'add_key' as const, parentRange: search.range, key: 'trials', value: String(size), title: `Set trials to ${size}` };
  sink.error('search/grid-too-large', search.trials?.range ?? search.keyRange, `The grid has ${size} combinations, but \`search.trials\` is ${trials}${search.trials ? '' : ' (the default)'}: ${size - trials} would never run. Raise \`trials\` to ${size}, or list fewer values.`, { fixes: [fix] });
}
