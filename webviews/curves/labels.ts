/**
 * Telling runs apart: a compared run is labelled by the settings that differ between the runs
 * shown (`lr 0.05 · batch 64`), by its start time when none differ, and carries its final
 * metrics; the status banner's text. Pure (no DOM): unit-tested in test/webviews/curvesModel.test.ts.
 */
import type { CurvePoint, Metrics, RunInfo, SettingValue } from '../../src/core/protocol/webview';
import { formatValue } from './model';
import { differingParams, runLabels as labelsByParams } from '../../src/core/protocol/runsWebview';

/** The settings people vary most come first in a label. */
const FIRST = ['lr', 'batch', 'epochs', 'optimizer'];

/**
 * The settings whose values are not the same in every run (a setting one run lacks differs), the
 * most varied ones first, then in the first run's order. A parameter of an item whose type differs
 * (`loss.label_smoothing` when the loss itself differs) goes without saying.
 */
export function differingSettings(runs: readonly RunInfo[]): string[] {
  const withSettings = runs.filter((r) => r.settings);
  if (withSettings.length < 2) return [];
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of withSettings) {
    for (const k of Object.keys(r.settings!)) {
      if (seen.has(k)) continue;
      seen.add(k);
      keys.push(k);
    }
  }
  const differs = (k: string) => withSettings.some((r) => r.settings![k] !== withSettings[0].settings![k]);
  const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);
  return keys
    .filter((k) => differs(k) && !(k.includes('.') && differs(k.slice(0, k.lastIndexOf('.')))))
    .sort((a, b) => rank(a) - rank(b) || keys.indexOf(a) - keys.indexOf(b));
}

export function formatSetting(v: SettingValue | undefined): string {
  if (v === undefined) return '—';
  return String(v); // as the spec writes it: 100000, 0.001
}

/** The run's start as the local time of day (`10:54:23`), or its ISO text when unreadable. */
export function startTime(info: RunInfo): string {
  const d = new Date(info.startedAt);
  if (Number.isNaN(d.getTime())) return info.startedAt;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export interface RunLabel {
  /** What the legend shows: `lr 0.05 · batch 64`, or the run's time-stamped label. */
  text: string;
  /** Every differing setting and the start time (the legend's tooltip). */
  title: string;
}

/**
 * Labels for runs shown together. Only the first `maxParts` differing settings go into the text;
 * a label two runs would share gets the start time, so no two runs read the same.
 */
export function runLabels(runs: readonly RunInfo[], maxParts = 3): Map<string, RunLabel> {
  if (runs.length > 1 && runs.every((r) => r.params)) return paramLabels(runs, maxParts);
  const keys = differingSettings(runs);
  const out = new Map<string, RunLabel>();
  if (!keys.length) {
    for (const r of runs) out.set(r.id, { text: r.label, title: r.label });
    return out;
  }
  const parts = (r: RunInfo) => keys.map((k) => `${k} ${formatSetting(r.settings?.[k])}`);
  const texts = runs.map((r) => {
    const all = parts(r);
    return r.settings ? all.slice(0, maxParts).join(' · ') + (all.length > maxParts ? ` · +${all.length - maxParts}` : '') : r.label;
  });
  runs.forEach((r, i) => {
    const shared = texts.some((t, j) => j !== i && t === texts[i]);
    const text = shared && r.settings ? `${texts[i]} · ${startTime(r)}` : texts[i];
    out.set(r.id, { text, title: `${r.label}\n${parts(r).join('\n')}` });
  });
  return out;
}

/**
 * Runs whose spec copies were read: labelled as the runs view and the runs table label them (by
 * the dotted parameter paths that differ), with the start time and every differing path in the tooltip.
 */
function paramLabels(runs: readonly RunInfo[], maxParts: number): Map<string, RunLabel> {
  const summaries = runs.map((r) => ({ id: r.id, spec: r.specName, specName: r.specName, status: r.status, startedAt: r.startedAt, params: r.params }));
  const texts = labelsByParams(summaries, maxParts);
  const keys = differingParams(summaries);
  return new Map(runs.map((r) => [r.id, { text: texts.get(r.id)!, title: [r.label, ...keys.map((k) => `${k} ${formatSetting(r.params![k])}`)].join('\n') }]));
}

/** `loss 0.335 · accuracy 0.905`: metrics in the panel's order (loss first, then each metric before its `val_` twin). */
export function formatMetrics(m: Metrics | Record<string, number | null>, prefix = ''): string {
  const keys = Object.keys(m).sort((a, b) => metricOrder(a) - metricOrder(b) || a.localeCompare(b));
  return keys.map((k) => `${prefix}${k} ${formatValue(m[k], false)}`).join(' · ');
}

function metricOrder(k: string): number {
  const val = k.startsWith('val_') ? 1 : 0;
  return (k.replace(/^val_/, '') === 'loss' ? 0 : 2) + val;
}

/** A run's final metrics: the ones it ended with, else those of its last epoch so far (a running run). */
export function finalMetrics(info: RunInfo, points: readonly CurvePoint[]): { values: Record<string, number | null>; epoch?: number } | undefined {
  if (info.final && Object.keys(info.final).length) return { values: info.final };
  for (let i = points.length - 1; i >= 0; i--) if (points[i].kind === 'epoch') return { values: points[i].values, epoch: points[i].epoch };
  return undefined;
}

/** The metrics a run ended with, split by where they were measured: the banner's second line. */
export function endSummary(info: RunInfo): string | undefined {
  const final = info.final ?? {};
  const train = Object.fromEntries(Object.entries(final).filter(([k]) => !k.startsWith('val_')));
  const val = Object.fromEntries(Object.entries(final).filter(([k]) => k.startsWith('val_')).map(([k, v]) => [k.slice(4), v]));
  const parts: string[] = [];
  if (Object.keys(train).length) parts.push(`Train: ${formatMetrics(train)}`);
  if (Object.keys(val).length) parts.push(`Validation: ${formatMetrics(val)}`);
  if (info.test && Object.keys(info.test).length) parts.push(`Test: ${formatMetrics(Object.fromEntries(Object.entries(info.test).map(([k, v]) => [k.replace(/^test_/, ''), v])))}`);
  return parts.length ? parts.join(' — ') : undefined;
}

/** The status banner's first line: how the run stands or why it ended, and its tone (`warning`, `error`). */
export function runStatusText(run: RunInfo, points: readonly CurvePoint[]): { cls: string; text: string } {
  const lastEpoch = points.length ? Math.ceil(points[points.length - 1].epoch) : 0;
  let cls = '';
  let text: string;
  switch (run.status) {
    case 'running':
      text = points.length
        ? `Training — epoch ${Math.max(1, lastEpoch)}${run.epochs ? ` of ${run.epochs}` : ''}${run.backend ? ` · ${run.backend}` : ''}`
        : `Starting${run.backend ? ` on ${run.backend}` : ''} — loading the data…`;
      break;
    case 'completed':
      text = `Completed${run.reason ? `: ${run.reason}` : ''}`;
      break;
    case 'cancelled':
      cls = 'warning';
      text = `Cancelled${run.reason ? `: ${run.reason}` : ''}`;
      break;
    case 'failed':
      cls = 'error';
      text = `Failed${run.error ? ` (${run.error.code}): ${run.error.message}` : run.reason ? `: ${run.reason}` : ''}`;
      break;
    case 'crashed':
      cls = 'error';
      text = `Crashed: ${run.reason ?? 'the trainer stopped without finishing the run.'}`;
      break;
  }
  return { cls, text };
}
