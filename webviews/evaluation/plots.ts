/**
 * The evaluation's x–y plots (uPlot): ROC and precision–recall curves per class, the reliability
 * diagram, the binary threshold sweep, and for regression predicted-vs-actual and residuals. Each
 * series has its own x values (a class's ROC points, a scatter's samples): they are merged into
 * one ascending x axis, each series null where another's points sit, lines drawn across the gaps.
 */
import uPlot from 'uplot';
import { el } from '../shared/dom';

export interface PlotTheme {
  fg: string;
  grid: string;
  font: string;
}

export interface XYSeries {
  label: string;
  color: string;
  xs: readonly number[];
  ys: readonly (number | null)[];
  /** Draw each point (a scatter) rather than a line. */
  points?: boolean;
  dash?: number[];
  width?: number;
  /** Left out of the legend (a reference line: chance, perfect calibration). */
  guide?: boolean;
}

export interface XYSpec {
  id: string;
  title: string;
  /** A line under the title: the areas, the errors. */
  summary?: string;
  xLabel: string;
  yLabel: string;
  series: XYSeries[];
  /** Fixed axis ranges ([0, 1] for rates); otherwise fitted to the data. */
  xRange?: [number, number];
  yRange?: [number, number];
  theme: PlotTheme;
  height?: number;
}

/** What one uPlot series draws (the shape the curves' SVG export reads). */
export interface DrawnXY {
  label: string;
  color: string;
  dash?: number[];
  width: number;
  points: boolean;
}

/** Merges series with their own x values into uPlot's aligned columns. */
export function alignSeries(series: readonly Pick<XYSeries, 'xs' | 'ys'>[]): uPlot.AlignedData {
  const rows: { x: number; s: number; y: number | null }[] = [];
  series.forEach((s, si) => s.xs.forEach((x, i) => Number.isFinite(x) && rows.push({ x, s: si, y: s.ys[i] ?? null })));
  // A stable sort: a curve's points at one x (a vertical step of a ROC curve) keep their order.
  rows.sort((a, b) => a.x - b.x);
  const xs = rows.map((r) => r.x);
  const ys = series.map((_, si) => rows.map((r) => (r.s === si ? r.y : null)));
  return [xs, ...ys] as uPlot.AlignedData;
}

export class XYChart {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly legend: HTMLElement;
  plot?: uPlot;
  spec?: XYSpec;
  drawn: DrawnXY[] = [];
  private readonly resize: ResizeObserver;

  constructor(parent: HTMLElement, readonly metric: string) {
    const titleId = `plot-title-${metric.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.summary = el('p', { class: 'plot-summary muted' });
    this.body = el('div', { class: 'plot-body', role: 'img', 'aria-labelledby': titleId });
    this.legend = el('ul', { class: 'plot-legend', 'aria-label': `${metric} series` });
    this.root = el('section', { class: 'plot', 'data-plot': metric, 'aria-labelledby': titleId }, el('h3', { id: titleId }, metric), this.summary, this.body, this.legend);
    parent.append(this.root);
    this.resize = new ResizeObserver(() => {
      const w = this.width();
      if (this.plot && Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height: this.spec?.height ?? 260 });
    });
    this.resize.observe(this.root);
  }

  private width(): number {
    return Math.max(240, Math.floor(this.body.clientWidth || this.root.clientWidth || 420));
  }

  update(spec: XYSpec): void {
    this.spec = spec;
    this.summary.textContent = spec.summary ?? '';
    this.body.setAttribute('aria-label', `${spec.title}: ${spec.summary ?? ''}`);
    this.legend.replaceChildren(
      ...spec.series.filter((s) => !s.guide).map((s) => el('li', { 'data-label': s.label }, el('span', { class: `swatch${s.points ? ' dot' : ''}`, style: `border-color: ${s.color}` }), s.label)),
    );
    this.drawn = spec.series.map((s) => ({ label: s.label, color: s.color, dash: s.dash, width: s.width ?? (s.points ? 0 : 2), points: !!s.points }));
    const t = spec.theme;
    const axis = (label: string): uPlot.Axis => ({ stroke: t.fg, font: `11px ${t.font}`, labelFont: `11px ${t.font}`, grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid, width: 1 }, label, labelSize: 18 });
    const range = (r?: [number, number]): uPlot.Scale => (r ? { range: () => r } : {});
    this.plot?.destroy();
    this.plot = new uPlot(
      {
        width: this.width(),
        height: spec.height ?? 260,
        pxAlign: 0,
        legend: { show: false },
        scales: { x: { time: false, ...range(spec.xRange) }, y: range(spec.yRange) },
        axes: [axis(spec.xLabel), { ...axis(spec.yLabel), size: 52 }],
        series: [
          { label: spec.xLabel },
          ...spec.series.map(
            (s): uPlot.Series => ({
              label: s.label,
              stroke: s.color,
              width: s.points ? 0 : (s.width ?? 2),
              dash: s.dash,
              spanGaps: true,
              ...(s.points ? { paths: () => null } : {}),
              points: s.points ? { show: true, size: 5, width: 1, fill: s.color, stroke: s.color } : { show: false },
            }),
          ),
        ],
        cursor: { drag: { x: false, y: false, setScale: false }, points: { show: false } },
      },
      alignSeries(spec.series),
      this.body,
    );
  }

  /** For tests: each series' label and how many points it draws. */
  inspect(): { id: string; series: { label: string; points: number }[] } {
    const data = this.plot?.data ?? [];
    return { id: this.metric, series: this.drawn.map((d, i) => ({ label: d.label, points: Array.from((data[i + 1] ?? []) as ArrayLike<number | null | undefined>).filter((v) => v !== null && v !== undefined).length })) };
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.root.remove();
  }
}
