/**
 * One metric's chart (uPlot): every visible series of every shown run, raw values faint and the
 * smoothed line on top when smoothing is on, linear or log y, a hover tooltip with exact values,
 * drag to zoom on x (double-click resets). Data changes go through `setData`; only a change of
 * structure (series, scales, theme) rebuilds the plot.
 */
import uPlot from 'uplot';
import { alignTo, formatValue, formatX, mergeXs, nearestIndex, outlierRange, xAxisLabel, type SeriesClass, type XAxis } from './model';
import { el } from '../shared/dom';

export interface ChartTheme {
  fg: string;
  muted: string;
  grid: string;
  bg: string;
  font: string;
  /** Colour of the tooltip's background and border. */
  widgetBg: string;
  widgetBorder: string;
}

export interface ChartSeriesSpec {
  /** Unique over all runs: `${runId}|${valueKey}|${kind}`. */
  id: string;
  label: string;
  /** The label without the run's: `train (per batch)`. */
  seriesLabel: string;
  runLabel: string;
  /** The run's place (0: the current run); the current run is drawn on top, listed first. */
  order: number;
  cls: SeriesClass;
  color: string;
  /** Faint colour for the raw line under a smoothed one. */
  faint: string;
  dash?: number[];
  width: number;
  points: boolean;
  xs: number[];
  raw: (number | null)[];
  /** Present when smoothing is on. */
  smooth?: (number | null)[];
}

export interface ChartSpec {
  metric: string;
  xAxis: XAxis;
  yScale: 'linear' | 'log';
  ignoreOutliers: boolean;
  smoothing: number;
  series: ChartSeriesSpec[];
  theme: ChartTheme;
  height: number;
}

/** What one uPlot series draws (for tests, export and the tooltip). */
export interface DrawnSeries {
  id: string;
  label: string;
  role: 'raw' | 'smooth';
  color: string;
  dash?: number[];
  width: number;
  points: boolean;
  /** y values aligned with the chart's x (null: no point there). */
  values: (number | null)[];
}

export class CurveChart {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly tooltip: HTMLElement;
  plot?: uPlot;
  spec?: ChartSpec;
  drawn: DrawnSeries[] = [];
  x: number[] = [];
  private structure = '';
  private zoomed = false;
  private readonly resize: ResizeObserver;

  constructor(parent: HTMLElement, readonly metric: string) {
    const titleId = `chart-title-${metric.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.summary = el('p', { class: 'chart-summary muted' });
    this.body = el('div', { class: 'chart-body', role: 'img', 'aria-labelledby': titleId });
    this.tooltip = el('div', { class: 'chart-tooltip', role: 'tooltip', hidden: '' });
    this.root = el('section', { class: 'chart', 'data-metric': metric, 'aria-labelledby': titleId }, el('h2', { id: titleId }, metric), this.summary, this.body);
    parent.append(this.root);
    this.resize = new ResizeObserver(() => {
      const w = this.width();
      if (this.plot && Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height: this.spec?.height ?? 240 });
    });
    this.resize.observe(this.root);
  }

  private width(): number {
    return Math.max(240, Math.floor(this.body.clientWidth || this.root.clientWidth || 600));
  }

  update(spec: ChartSpec): void {
    this.spec = spec;
    const log = spec.yScale === 'log';
    const smoothing = spec.smoothing > 0;
    const positive = (ys: (number | null)[]) => (log ? ys.map((y) => (y !== null && y > 0 ? y : null)) : ys);
    // The shared x axis.
    const xsList = spec.series.map((s) => s.xs);
    const x = mergeXs(xsList);
    const drawn: DrawnSeries[] = [];
    for (const s of spec.series) {
      const alignedRaw = positive(alignTo(x, s.xs, s.raw));
      if (smoothing && s.smooth) {
        drawn.push({ id: s.id, label: `${s.label} (raw)`, role: 'raw', color: s.faint, dash: s.dash, width: 1, points: false, values: alignedRaw });
        drawn.push({ id: s.id, label: s.label, role: 'smooth', color: s.color, dash: s.dash, width: s.width, points: s.points, values: positive(alignTo(x, s.xs, s.smooth)) });
      } else {
        drawn.push({ id: s.id, label: s.label, role: 'raw', color: s.color, dash: s.dash, width: s.width, points: s.points, values: alignedRaw });
      }
    }
    this.x = x;
    this.drawn = drawn;
    const structure = JSON.stringify([spec.xAxis, spec.yScale, spec.ignoreOutliers, smoothing, spec.theme, spec.height, drawn.map((d) => [d.id, d.role, d.color, d.dash, d.width, d.points])]);
    const data = [x, ...drawn.map((d) => d.values)] as uPlot.AlignedData;
    if (!this.plot || structure !== this.structure) {
      this.structure = structure;
      this.rebuild(data);
    } else {
      this.plot.setData(data, !this.zoomed);
    }
    this.describe();
  }

  private rebuild(data: uPlot.AlignedData): void {
    const spec = this.spec!;
    const keepX = this.zoomed && this.plot ? { min: this.plot.scales.x.min, max: this.plot.scales.x.max } : undefined;
    this.plot?.destroy();
    const t = spec.theme;
    const axis = (label: string): uPlot.Axis => ({
      stroke: t.fg,
      font: `11px ${t.font}`,
      labelFont: `11px ${t.font}`,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      label,
      labelSize: 18,
    });
    const log = spec.yScale === 'log';
    const yRange: uPlot.Scale.Range | undefined = spec.ignoreOutliers
      ? (u, min, max) => {
          const values: number[] = [];
          const [x0, x1] = [u.scales.x.min ?? -Infinity, u.scales.x.max ?? Infinity];
          const xs = u.data[0];
          for (let i = 1; i < u.series.length; i++) {
            if (!u.series[i].show) continue;
            const ys = u.data[i];
            for (let j = 0; j < ys.length; j++) {
              const y = ys[j];
              if (y !== null && y !== undefined && xs[j] >= x0 && xs[j] <= x1) values.push(y);
            }
          }
          const r = outlierRange(values, log);
          if (r) return r;
          return log ? uPlot.rangeLog(min || 1, max || 10, 10, true) : uPlot.rangeNum(min, max, 0.1, true);
        }
      : undefined;
    const opts: uPlot.Options = {
      width: this.width(),
      height: spec.height,
      pxAlign: 0,
      legend: { show: false },
      scales: {
        x: { time: false },
        y: log ? { distr: 3, log: 10, ...(yRange ? { range: yRange } : {}) } : { distr: 1, ...(yRange ? { range: yRange } : {}) },
      },
      axes: [
        { ...axis(xAxisLabel[spec.xAxis]), values: (_u, splits) => splits.map((v) => (v === null ? '' : formatX(v, spec.xAxis))) },
        { ...axis(''), size: 56, values: (_u, splits) => splits.map((v) => (v === null ? '' : formatValue(v, false))) },
      ],
      series: [
        { label: xAxisLabel[spec.xAxis] },
        ...this.drawn.map(
          (d): uPlot.Series => ({
            label: d.label,
            stroke: d.color,
            width: d.width,
            dash: d.dash,
            spanGaps: true,
            points: d.points ? { show: true, size: 5, width: 1, fill: d.color, stroke: d.color } : { show: false },
          }),
        ),
      ],
      cursor: {
        sync: { key: 'modelyaml-curves', setSeries: false },
        drag: { x: true, y: false, setScale: true },
        points: { show: false },
      },
      hooks: {
        setCursor: [(u) => this.showTooltip(u)],
        setSelect: [
          (u) => {
            if (u.select.width > 2) this.zoomed = true;
          },
        ],
      },
    };
    this.plot = new uPlot(opts, data, this.body);
    this.plot.over.append(this.tooltip);
    this.plot.over.addEventListener('dblclick', () => {
      this.zoomed = false;
    });
    this.plot.over.addEventListener('mouseleave', () => this.tooltip.setAttribute('hidden', ''));
    if (keepX && keepX.min !== undefined && keepX.max !== undefined) this.plot.setScale('x', { min: keepX.min, max: keepX.max });
  }

  /** Forgets a zoom (the x axis fits the data again). */
  resetZoom(): void {
    this.zoomed = false;
    if (this.plot && this.x.length) this.plot.setScale('x', { min: this.x[0], max: this.x[this.x.length - 1] });
  }

  private showTooltip(u: uPlot): void {
    const spec = this.spec;
    const left = u.cursor.left ?? -1;
    if (!spec || left < 0 || u.cursor.idx === null || u.cursor.idx === undefined) {
      this.tooltip.setAttribute('hidden', '');
      return;
    }
    const xv = u.posToVal(left, 'x');
    const rows: HTMLElement[] = [];
    for (const s of [...spec.series].sort((a, b) => a.order - b.order)) {
      const i = nearestIndex(s.xs, xv);
      if (i < 0) continue;
      const raw = s.raw[i];
      const sm = s.smooth?.[i];
      const text = spec.smoothing > 0 && s.smooth ? `${formatValue(sm, false)}  (raw ${formatValue(raw)})` : formatValue(raw);
      rows.push(
        el(
          'div',
          { class: 'tt-row' },
          swatch(s.color),
          el('span', { class: 'tt-label' }, s.label),
          el('span', { class: 'tt-value' }, text),
          el('span', { class: 'tt-x muted' }, `@ ${formatX(s.xs[i], spec.xAxis)}`),
        ),
      );
    }
    if (!rows.length) {
      this.tooltip.setAttribute('hidden', '');
      return;
    }
    this.tooltip.replaceChildren(el('div', { class: 'tt-head' }, `${xAxisLabel[spec.xAxis]} ${formatX(xv, spec.xAxis)}`), ...rows);
    this.tooltip.removeAttribute('hidden');
    const ow = u.over.clientWidth;
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    const x = left + 14 + tw > ow ? Math.max(0, left - tw - 14) : left + 14;
    const top = u.cursor.top ?? 0;
    const y = Math.max(0, Math.min(top + 10, u.over.clientHeight - th));
    this.tooltip.style.transform = `translate(${x}px, ${y}px)`;
  }

  /**
   * A text summary: the latest value of each series, one line per run (screen readers, and a
   * glance). Lines wrap rather than clip; the whole text is the tooltip too.
   */
  private describe(): void {
    const spec = this.spec!;
    const byRun = new Map<number, { run: string; parts: string[] }>();
    for (const s of [...spec.series].sort((a, b) => a.order - b.order)) {
      for (let i = s.raw.length - 1; i >= 0; i--) {
        if (s.raw[i] === null) continue;
        let line = byRun.get(s.order);
        if (!line) byRun.set(s.order, (line = { run: s.runLabel, parts: [] }));
        line.parts.push(`${s.seriesLabel} ${formatValue(s.raw[i], false)} @ ${formatX(s.xs[i], spec.xAxis)}`);
        break;
      }
    }
    const lines = [...byRun.values()].map((l) => (byRun.size > 1 ? `${l.run}: ${l.parts.join(' · ')}` : l.parts.join(' · ')));
    const text = lines.length ? `Latest — ${lines.join(' | ')}` : 'No values yet.';
    if (this.summary.title !== text) {
      this.summary.title = text;
      this.summary.replaceChildren(
        ...(lines.length ? [el('span', { class: 'summary-head' }, 'Latest —'), ...lines.map((l) => el('span', { class: 'summary-line' }, l))] : [el('span', {}, text)]),
      );
    }
    this.body.setAttribute('aria-label', `${spec.metric} chart, ${spec.series.length} series. ${text}`);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    this.root.remove();
  }
}

function swatch(color: string): HTMLElement {
  const e = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  e.style.background = color;
  return e;
}
