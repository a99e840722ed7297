/**
 * The curves' data, without a DOM: runs and their points → series per metric, debiased EMA
 * smoothing (TensorBoard's), outlier-ignoring ranges, alignment on one x axis, CSV and JSON.
 * Unit-tested directly (test/webviews/curvesModel.test.ts).
 */
import type { CurvePoint, CurvesViewState, RunInfo } from '../../src/core/protocol/webview';

export type XAxis = CurvesViewState['xAxis'];
export type Split = 'train' | 'val';
/** Which kind of series: the split and how often it was measured. Also the keys of the series toggles. */
export type SeriesClass = `${Split}-${CurvePoint['kind']}`;

export const SERIES_CLASSES: { cls: SeriesClass; label: string }[] = [
  { cls: 'train-batch', label: 'train (per batch)' },
  { cls: 'train-epoch', label: 'train (per epoch)' },
  { cls: 'val-epoch', label: 'validation (per epoch)' },
  { cls: 'val-batch', label: 'validation (per batch)' },
];

export interface RunData {
  info: RunInfo;
  points: CurvePoint[];
}

export interface SeriesData {
  /** `${runId}|${valueKey}|${kind}`: unique over all runs. */
  key: string;
  runId: string;
  /** The chart it belongs to: `loss` for `loss` and `val_loss`. */
  metric: string;
  /** The value's name in the points: `val_loss`. */
  valueKey: string;
  split: Split;
  cls: SeriesClass;
  /** Sorted by x, one y per x. */
  xs: number[];
  ys: (number | null)[];
}

export function splitOf(valueKey: string): { metric: string; split: Split } {
  return valueKey.startsWith('val_') ? { metric: valueKey.slice(4), split: 'val' } : { metric: valueKey, split: 'train' };
}

export function xOf(p: CurvePoint, axis: XAxis): number {
  return axis === 'step' ? p.step : axis === 'epoch' ? p.epoch : p.time;
}

/** Every series of a run for the chosen x axis. */
export function seriesOf(run: RunData, axis: XAxis): SeriesData[] {
  const byKey = new Map<string, { s: SeriesData; pairs: [number, number | null][] }>();
  for (const p of run.points) {
    const x = xOf(p, axis);
    if (!Number.isFinite(x)) continue;
    for (const valueKey of Object.keys(p.values)) {
      const key = `${run.info.id}|${valueKey}|${p.kind}`;
      let e = byKey.get(key);
      if (!e) {
        const { metric, split } = splitOf(valueKey);
        e = { s: { key, runId: run.info.id, metric, valueKey, split, cls: `${split}-${p.kind}`, xs: [], ys: [] }, pairs: [] };
        byKey.set(key, e);
      }
      const v = p.values[valueKey];
      e.pairs.push([x, typeof v === 'number' && Number.isFinite(v) ? v : null]);
    }
  }
  const out: SeriesData[] = [];
  for (const { s, pairs } of byKey.values()) {
    // Points arrive in order; a resumed run can repeat steps: keep the latest value for an x.
    let sorted = true;
    for (let i = 1; i < pairs.length; i++) if (pairs[i][0] <= pairs[i - 1][0]) { sorted = false; break; }
    if (!sorted) {
      const last = new Map<number, number | null>();
      for (const [x, y] of pairs) last.set(x, y);
      pairs.length = 0;
      for (const [x, y] of [...last.entries()].sort((a, b) => a[0] - b[0])) pairs.push([x, y]);
    }
    s.xs = pairs.map((p) => p[0]);
    s.ys = pairs.map((p) => p[1]);
    out.push(s);
  }
  return out;
}

/**
 * The series of a run kept up to date as points arrive: each new point is appended to its series
 * (no pass over the earlier points, no per-point string keys), so a live run of 50,000 points
 * costs a render only what the new points cost. Equal to `seriesOf` while x keeps increasing in
 * every series; once a point does not (a resumed run repeats steps) `series()` falls back to
 * `seriesOf`, which keeps the latest value for each x.
 */
export class SeriesBuilder {
  private readonly byKey = new Map<string, SeriesData>();
  private readonly list: SeriesData[] = [];
  private count = 0;
  private inOrder = true;

  constructor(
    private readonly run: RunData,
    readonly axis: XAxis,
  ) {}

  /** The series of every point the run holds now. */
  series(): SeriesData[] {
    const points = this.run.points;
    if (points.length < this.count) return seriesOf(this.run, this.axis); // points were replaced: not ours to follow
    for (let i = this.count; i < points.length && this.inOrder; i++) this.add(points[i]);
    this.count = points.length;
    return this.inOrder ? this.list : seriesOf(this.run, this.axis);
  }

  private add(p: CurvePoint): void {
    const x = xOf(p, this.axis);
    if (!Number.isFinite(x)) return;
    for (const valueKey in p.values) {
      const id = valueKey + '|' + p.kind;
      let s = this.byKey.get(id);
      if (!s) {
        const { metric, split } = splitOf(valueKey);
        const runId = this.run.info.id;
        s = { key: `${runId}|${valueKey}|${p.kind}`, runId, metric, valueKey, split, cls: `${split}-${p.kind}`, xs: [], ys: [] };
        this.byKey.set(id, s);
        this.list.push(s);
      }
      const n = s.xs.length;
      if (n && x <= s.xs[n - 1]) {
        this.inOrder = false;
        return;
      }
      const v = p.values[valueKey];
      s.xs.push(x);
      s.ys.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
    }
  }
}

/**
 * Whether the log scale applies to a metric's chart: losses and errors fall over decades and read
 * best on a log scale; accuracy and the other scores live in [0, 1] and stay linear.
 */
export function logScaleApplies(metric: string): boolean {
  return /loss|error|^mse$|^mae$|^rmse$|^msle$|^mape$/i.test(metric);
}

/** The metrics to chart, `loss` first, then alphabetically. */
export function metricsOf(series: SeriesData[]): string[] {
  const set = new Set(series.map((s) => s.metric));
  return [...set].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)));
}

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the first points are not
 * pulled towards zero. `weight` in [0, 1); 0 returns the values unchanged. Missing and non-finite
 * values stay missing and do not move the average.
 */
export function smoothEma(ys: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return ys.slice();
  return new EmaSmoother(weight).extend(ys);
}

/**
 * smoothEma that follows a series as it grows: the average is causal, so the values smoothed so
 * far stay as they are and only new points cost anything (a live run appends 20 points to 50,000
 * at every update). `extend` returns the same array, grown.
 */
export class EmaSmoother {
  private readonly w: number;
  private readonly out: (number | null)[] = [];
  private last = 0;
  /** wⁿ for the n finite points seen: the debiasing term is 1 − wⁿ. */
  private wn = 1;

  constructor(readonly weight: number) {
    this.w = Math.min(weight, 0.999);
  }

  /** Smoothed values of `ys`, whose values before `length` must be the ones seen before. */
  extend(ys: readonly (number | null)[]): (number | null)[] {
    const { w, out } = this;
    for (let i = out.length; i < ys.length; i++) {
      const y = ys[i];
      if (y === null || !Number.isFinite(y)) {
        out.push(null);
        continue;
      }
      this.last = this.last * w + (1 - w) * y;
      this.wn *= w;
      out.push(this.last / (1 - this.wn));
    }
    return out;
  }

  /** Values smoothed so far. */
  get length(): number {
    return this.out.length;
  }
}

/**
 * Indices that draw a long series faithfully at a fraction of the cost: the series is cut into
 * buckets and each keeps its lowest and highest value (in x order), plus the first and last point.
 * A chart is a few hundred pixels wide, so 50,000 points draw like 4,000, and spikes survive.
 */
export function decimationIndices(ys: readonly (number | null)[], maxPoints: number): number[] | undefined {
  const n = ys.length;
  if (n <= maxPoints) return undefined;
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const size = n / buckets;
  const out: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(n, Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const y = ys[i];
      if (y === null || !Number.isFinite(y)) continue;
      if (lo < 0 || y < (ys[lo] as number)) lo = i;
      if (hi < 0 || y > (ys[hi] as number)) hi = i;
    }
    if (lo < 0) continue;
    if (lo === hi) out.push(lo);
    else out.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out.filter((v, i) => i === 0 || v !== out[i - 1]);
}

/** The union of sorted x arrays, sorted, without duplicates. */
export function mergeXs(lists: readonly (readonly number[])[]): number[] {
  if (lists.length === 1) return lists[0].slice();
  const all: number[] = [];
  for (const l of lists) for (const v of l) all.push(v);
  all.sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of all) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  return out;
}

/** ys given at xs (sorted, a subset of x) → values at every x, null where the series has none. */
export function alignTo(x: readonly number[], xs: readonly number[], ys: readonly (number | null)[]): (number | null)[] {
  if (xs.length === x.length) return ys.slice();
  const out: (number | null)[] = new Array(x.length).fill(null);
  let j = 0;
  for (let i = 0; i < xs.length; i++) {
    while (j < x.length && x[j] < xs[i]) j++;
    if (j < x.length) out[j] = ys[i];
  }
  return out;
}

/** The value at quantile q (0..1) of sorted numbers, interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The y range that ignores outliers (TensorBoard's option): the 5th to 95th percentile of the
 * values, padded. On a log scale only positive values count and the padding is multiplicative.
 */
export function outlierRange(values: readonly number[], log: boolean): [number, number] | null {
  const v = values.filter((x) => Number.isFinite(x) && (!log || x > 0)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  let lo = quantile(v, 0.05);
  let hi = quantile(v, 0.95);
  if (log) {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const pad = Math.max((b - a) * 0.1, 0.05);
    return [Math.pow(10, a - pad), Math.pow(10, b + pad)];
  }
  if (hi === lo) {
    const d = Math.abs(hi) * 0.1 || 1;
    return [lo - d, hi + d];
  }
  const pad = (hi - lo) * 0.1;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

/** Index of the x nearest to `x` in sorted `xs` (-1 when empty). */
export function nearestIndex(xs: readonly number[], x: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x)) return lo - 1;
  return lo;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  if (Math.abs(seconds) < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export function formatX(x: number, axis: XAxis): string {
  if (axis === 'time') return formatDuration(x);
  if (axis === 'epoch') return Number.isInteger(x) ? String(x) : x.toFixed(2);
  return String(Math.round(x));
}

/** A value as the tooltip shows it: exact (shortest round-trip form), or `smoothed` to 4 significant digits. */
export function formatValue(v: number | null | undefined, exact = true): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (exact) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

export const xAxisLabel: Record<XAxis, string> = { step: 'Step', epoch: 'Epoch', time: 'Wall time (since start)' };

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Quote anything a spreadsheet could misread; neutralise formula injection (=, +, -, @ at the start of text).
  const guarded = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(guarded) || guarded !== s ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** One row per point of every run: run, kind, step, epoch, time, then one column per value. */
export function toCsv(runs: readonly RunData[]): string {
  const keys = new Set<string>();
  for (const r of runs) for (const p of r.points) for (const k of Object.keys(p.values)) keys.add(k);
  const cols = [...keys].sort((a, b) => {
    const A = splitOf(a);
    const B = splitOf(b);
    return A.metric === B.metric ? (A.split === 'train' ? -1 : 1) : A.metric === 'loss' ? -1 : B.metric === 'loss' ? 1 : A.metric.localeCompare(B.metric);
  });
  const lines = [['run', 'run_started', 'status', 'kind', 'step', 'epoch', 'time_s', ...cols].map(csvCell).join(',')];
  for (const r of runs) {
    for (const p of r.points) {
      lines.push(
        [r.info.label, r.info.startedAt, r.info.status, p.kind, p.step, round(p.epoch), round(p.time), ...cols.map((c) => (c in p.values ? p.values[c] : undefined))]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function toJson(runs: readonly RunData[], settings: Partial<CurvesViewState>): string {
  return (
    JSON.stringify(
      {
        format: 'modelyaml-curves',
        version: 1,
        exportedAt: new Date().toISOString(),
        settings: { smoothing: settings.smoothing, xAxis: settings.xAxis, yScale: settings.yScale, ignoreOutliers: settings.ignoreOutliers },
        runs: runs.map((r) => ({ ...r.info, points: r.points })),
      },
      null,
      1,
    ) + '\n'
  );
}
