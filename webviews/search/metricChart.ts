/**
 * The metric by trial (uPlot): complete trials as points, pruned trials' last values as faint
 * points, and the best-so-far line as steps. What it draws is also written on the element
 * (`data-series`, `data-best-so-far`) and in words for screen readers.
 */
import uPlot from 'uplot';
import type { SearchPanelView } from '../../src/core/protocol/searchWebview';
import { formatMetric } from '../../src/core/protocol/searchWebview';
import { cssColor, fontFamily, themeKind, withAlpha } from '../shared/theme';
import { el } from '../shared/dom';

export class MetricChart {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly caption: HTMLElement;
  private plot?: uPlot;
  private view?: SearchPanelView;

  constructor() {
    this.body = el('div', { class: 'metric-plot' });
    this.caption = el('p', { class: 'muted', id: 'metric-caption' });
    this.element = el('div', { id: 'metric-chart', role: 'img' }, this.body, this.caption);
  }

  update(view: SearchPanelView): void {
    this.view = view;
    this.draw();
  }

  /** Draws again with the theme's colours (after a theme change). */
  redraw(): void {
    this.draw();
  }

  private draw(): void {
    const v = this.view;
    if (!v) return;
    const x = v.trials.map((t) => t.number);
    const complete = v.trials.map((t) => (t.state === 'complete' ? t.value : null));
    const pruned = v.trials.map((t) => (t.state === 'pruned' ? t.last : null));
    const best = v.trials.map((t) => t.bestSoFar);
    const fg = cssColor('--vscode-foreground', '#cccccc');
    const grid = themeKind().startsWith('high-contrast') ? withAlpha(fg, 0.45) : withAlpha(fg, 0.14);
    const blue = cssColor('--vscode-charts-blue', '#3794ff');
    const orange = cssColor('--vscode-charts-orange', '#d18616');
    const muted = cssColor('--vscode-descriptionForeground', '#9d9d9d');
    const font = `11px ${fontFamily()}`;
    const axis = (label: string): uPlot.Axis => ({ stroke: fg, font, labelFont: font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, label, labelSize: 18 });
    const dots = (color: string): uPlot.Series['points'] => ({ show: true, size: 7, width: 1, fill: color, stroke: color });
    const opts: uPlot.Options = {
      width: Math.max(320, Math.min(900, (this.element.parentElement?.clientWidth ?? 640) - 24)),
      height: 220,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { distr: 1 } },
      axes: [{ ...axis('trial'), values: (_u, s) => s.map((n) => (Number.isInteger(n) ? String(n) : '')) }, { ...axis(v.metric), size: 56 }],
      series: [
        { label: 'trial' },
        { label: 'complete', stroke: blue, width: 0, points: dots(blue), spanGaps: false },
        { label: 'pruned (last epoch)', stroke: muted, width: 0, points: dots(withAlpha(muted, 0.6)), spanGaps: false },
        { label: 'best so far', stroke: orange, width: 2, points: { show: false }, paths: uPlot.paths.stepped!({ align: 1 }), spanGaps: true },
      ],
    };
    this.plot?.destroy();
    this.plot = new uPlot(opts, [x, complete, pruned, best] as uPlot.AlignedData, this.body);
    this.element.dataset.series = opts.series.slice(1).map((s) => s.label).join(',');
    this.element.dataset.bestSoFar = JSON.stringify(best);
    const last = v.best === undefined ? undefined : v.trials.find((t) => t.number === v.best);
    const text = last
      ? `Best so far: ${v.metric} ${formatMetric(last.value)} at trial ${last.number}, after ${v.trials.length} trial${v.trials.length === 1 ? '' : 's'}.`
      : 'No trial has completed yet.';
    this.caption.textContent = `${text} Dots: complete trials; faint dots: pruned trials at their last epoch; the line: the best ${v.goal === 'minimize' ? '(lowest)' : '(highest)'} value so far.`;
    this.element.setAttribute('aria-label', `${v.metric} by trial. ${text}`);
  }
}
