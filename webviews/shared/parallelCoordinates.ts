/**
 * A parallel-coordinates chart (SVG): one vertical axis per column (parameters, then metrics), one
 * polyline per row. Dragging along an axis brushes a range; rows outside any brush fade, and the
 * owner hears which rows pass (`onBrush`). An axis is focusable: Escape or Delete clears its brush,
 * ↑/↓ move it. Numbers get a linear axis (logarithmic when positive and spanning two decades or
 * more), anything else a categorical one. Used by the runs table and the search panel.
 */
import './parallelCoordinates.css';

const SVG = 'http://www.w3.org/2000/svg';

export type AxisValue = number | string | boolean | null | undefined;

export interface PcAxis {
  id: string;
  label: string;
  /** One value per row, in the rows' order. */
  values: readonly AxisValue[];
}

export interface PcRow {
  id: string;
  label: string;
}

export interface PcOptions {
  /** Called whenever the brushes change, with the ids of the rows inside every brush (null: no brushes). */
  onBrush?: (ids: Set<string> | null) => void;
  height?: number;
}

/** A brush on an axis, as fractions of the axis from the bottom (0) to the top (1). */
export interface Brush {
  lo: number;
  hi: number;
}

interface Scale {
  /** A value's place on the axis, 0 (bottom) to 1 (top); undefined when it has none. */
  at(v: AxisValue): number | undefined;
  ticks: { at: number; text: string }[];
}

const short = (v: number) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-4 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

function scaleOf(values: readonly AxisValue[]): Scale {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const nums = present as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const log = min > 0 && max / min >= 100;
    const f = (v: number) => (log ? Math.log10(v) : v);
    const span = f(max) - f(min);
    const at = (v: AxisValue) => (typeof v === 'number' && Number.isFinite(v) ? (span ? (f(v) - f(min)) / span : 0.5) : undefined);
    // Few distinct values (a searched choice) get a tick each; many, the ends only.
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    const ticks = span ? (distinct.length <= 6 ? distinct : [min, max]).map((v) => ({ at: at(v)!, text: short(v) })) : [{ at: 0.5, text: short(min) }];
    return { at, ticks };
  }
  const cats = [...new Set(present.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const at = (v: AxisValue) => {
    if (v === null || v === undefined) return undefined;
    const i = cats.indexOf(String(v));
    return i < 0 ? undefined : cats.length === 1 ? 0.5 : i / (cats.length - 1);
  };
  return { at, ticks: cats.map((c) => ({ at: at(c)!, text: c })) };
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export class ParallelCoordinates {
  readonly element: HTMLElement;
  private rows: PcRow[] = [];
  private axes: PcAxis[] = [];
  private scales: Scale[] = [];
  /** Brushes by axis id; kept across updates while the axis stays. */
  readonly brushes = new Map<string, Brush>();
  private highlighted = new Set<string>();
  private readonly margin = { top: 28, bottom: 22, side: 48 };

  constructor(private readonly o: PcOptions = {}) {
    this.element = document.createElement('div');
    this.element.className = 'pc';
  }

  /** Redraws with new rows and axes (brushes on axes that remain are kept). */
  update(rows: readonly PcRow[], axes: readonly PcAxis[]): void {
    this.rows = [...rows];
    this.axes = [...axes];
    this.scales = axes.map((a) => scaleOf(a.values));
    for (const k of [...this.brushes.keys()]) if (!axes.some((a) => a.id === k)) this.brushes.delete(k);
    this.draw();
  }

  /** Rows drawn stronger (the selected ones). */
  highlight(ids: Set<string>): void {
    this.highlighted = ids;
    for (const p of this.element.querySelectorAll<SVGPathElement>('path.pc-line')) p.classList.toggle('selected', ids.has(p.dataset.id!));
  }

  /** Sets (or with undefined clears) the brush on an axis, as fractions from the bottom. */
  setBrush(axisId: string, brush: Brush | undefined): void {
    if (brush && brush.hi - brush.lo > 0.002) this.brushes.set(axisId, { lo: Math.max(0, brush.lo), hi: Math.min(1, brush.hi) });
    else this.brushes.delete(axisId);
    this.applyBrushes();
  }

  clearBrushes(): void {
    this.brushes.clear();
    this.applyBrushes();
  }

  /** The rows inside every brush; null when there are none. */
  passing(): Set<string> | null {
    if (!this.brushes.size) return null;
    const out = new Set<string>();
    this.rows.forEach((r, i) => {
      const inside = [...this.brushes].every(([axisId, b]) => {
        const a = this.axes.findIndex((x) => x.id === axisId);
        const t = this.scales[a]?.at(this.axes[a].values[i]);
        return t !== undefined && t >= b.lo - 1e-9 && t <= b.hi + 1e-9;
      });
      if (inside) out.add(r.id);
    });
    return out;
  }

  /** The owner's width when laid out (axes spread across it), at least 160 px an axis. */
  private get width(): number {
    const room = this.element.parentElement?.clientWidth ?? 0;
    return Math.max(320, this.axes.length * 160, Math.min(room - 24, this.axes.length * 320));
  }

  private x(i: number): number {
    const n = this.axes.length;
    return n <= 1 ? this.width / 2 : this.margin.side + (i * (this.width - 2 * this.margin.side)) / (n - 1);
  }

  private y(t: number): number {
    const h = this.o.height ?? 240;
    return this.margin.top + (1 - t) * (h - this.margin.top - this.margin.bottom);
  }

  private draw(): void {
    const h = this.o.height ?? 240;
    const root = svg('svg', { width: this.width, height: h, viewBox: `0 0 ${this.width} ${h}`, role: 'group', 'aria-label': 'Parallel coordinates' });
    const lines = svg('g', { class: 'pc-lines' });
    this.rows.forEach((r, i) => {
      const pts = this.axes.map((a, j) => {
        const t = this.scales[j].at(a.values[i]);
        return t === undefined ? undefined : `${this.x(j).toFixed(1)},${this.y(t).toFixed(1)}`;
      });
      // A value a run lacks breaks its line there.
      const d = pts.map((p, j) => (p === undefined ? '' : `${j === 0 || pts[j - 1] === undefined ? 'M' : 'L'}${p}`)).join('');
      const path = svg('path', { class: 'pc-line', d });
      path.dataset.id = r.id;
      const title = svg('title', {});
      title.textContent = r.label;
      path.append(title);
      lines.append(path);
    });
    root.append(lines);
    this.axes.forEach((a, j) => root.append(this.axis(a, j)));
    this.element.replaceChildren(root);
    this.highlight(this.highlighted);
    this.applyBrushes(false);
  }

  private axis(a: PcAxis, j: number): SVGGElement {
    const x = this.x(j);
    const g = svg('g', { class: 'pc-axis', tabindex: 0, role: 'slider', 'aria-label': `${a.label}: drag to filter; Escape clears`, 'data-axis': a.id });
    const y0 = this.y(0);
    const y1 = this.y(1);
    g.append(svg('line', { x1: x, x2: x, y1, y2: y0, class: 'pc-axis-line' }));
    const label = svg('text', { x, y: 12, 'text-anchor': 'middle', class: 'pc-label' });
    label.textContent = a.label;
    g.append(label);
    for (const t of this.scales[j].ticks.slice(0, 12)) {
      const tick = svg('text', { x: x + 5, y: this.y(t.at) + 4, class: 'pc-tick' });
      tick.textContent = t.text;
      g.append(svg('line', { x1: x - 3, x2: x + 3, y1: this.y(t.at), y2: this.y(t.at), class: 'pc-axis-line' }), tick);
    }
    const brush = svg('rect', { x: x - 7, width: 14, y: y1, height: 0, class: 'pc-brush' });
    g.append(brush);
    // The hit area: wider than the line, so a drag is easy to start.
    const hit = svg('rect', { x: x - 14, width: 28, y: y1 - 4, height: y0 - y1 + 8, class: 'pc-hit' });
    g.append(hit);
    const toT = (clientY: number) => {
      const box = hit.getBoundingClientRect();
      const scaleY = (y0 - y1 + 8) / box.height;
      const yy = y1 - 4 + (clientY - box.top) * scaleY;
      return Math.min(1, Math.max(0, 1 - (yy - this.margin.top) / (y0 - y1)));
    };
    hit.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      hit.setPointerCapture(e.pointerId);
      const start = toT(e.clientY);
      const move = (ev: PointerEvent) => {
        const t = toT(ev.clientY);
        this.setBrush(a.id, { lo: Math.min(start, t), hi: Math.max(start, t) });
      };
      const up = (ev: PointerEvent) => {
        move(ev);
        hit.removeEventListener('pointermove', move);
        hit.removeEventListener('pointerup', up);
      };
      hit.addEventListener('pointermove', move);
      hit.addEventListener('pointerup', up);
    });
    g.addEventListener('keydown', (e) => {
      const b = this.brushes.get(a.id);
      if (e.key === 'Escape' || e.key === 'Delete' || e.key === 'Backspace') this.setBrush(a.id, undefined);
      else if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && b) {
        const d = e.key === 'ArrowUp' ? 0.05 : -0.05;
        const span = b.hi - b.lo;
        const lo = Math.min(1 - span, Math.max(0, b.lo + d));
        this.setBrush(a.id, { lo, hi: lo + span });
      } else if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && !b) this.setBrush(a.id, e.key === 'ArrowUp' ? { lo: 0.5, hi: 1 } : { lo: 0, hi: 0.5 });
      else return;
      e.preventDefault();
    });
    return g;
  }

  private applyBrushes(notify = true): void {
    for (const g of this.element.querySelectorAll<SVGGElement>('g.pc-axis')) {
      const b = this.brushes.get(g.dataset.axis!);
      const rect = g.querySelector<SVGRectElement>('rect.pc-brush')!;
      rect.setAttribute('y', String(b ? this.y(b.hi) : this.y(1)));
      rect.setAttribute('height', String(b ? this.y(b.lo) - this.y(b.hi) : 0));
      // A slider for assistive technology: its value is the top of the brushed range.
      g.setAttribute('aria-valuemin', '0');
      g.setAttribute('aria-valuemax', '100');
      g.setAttribute('aria-valuenow', String(b ? Math.round(b.hi * 100) : 0));
      g.setAttribute('aria-valuetext', b ? `filtering ${Math.round(b.lo * 100)}% to ${Math.round(b.hi * 100)}% of the axis` : 'no filter');
    }
    const pass = this.passing();
    for (const p of this.element.querySelectorAll<SVGPathElement>('path.pc-line')) p.classList.toggle('faded', !!pass && !pass.has(p.dataset.id!));
    if (notify) this.o.onBrush?.(pass);
  }
}
