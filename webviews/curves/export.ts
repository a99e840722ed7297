/**
 * The charts as images: PNG (the plots' own canvases, stacked, with titles and a legend) and SVG
 * (drawn again as vectors from the plots' scales, so it stays sharp and editable).
 */
import uPlot from 'uplot';

/** What the images are drawn from: a chart's plot, title and drawn series (the curves' and the evaluation panel's charts). */
export interface ExportableChart {
  plot?: uPlot;
  metric: string;
  drawn: readonly { label: string; color: string; dash?: number[]; width: number; points: boolean }[];
}

export interface LegendEntry {
  label: string;
  color: string;
  dash?: number[];
}

export interface ImageOptions {
  title: string;
  background: string;
  foreground: string;
  grid: string;
  font: string;
  legend: LegendEntry[];
}

const TITLE_H = 26;
const LEGEND_ROW = 18;
const PAD = 12;

function legendHeight(o: ImageOptions): number {
  return o.legend.length ? o.legend.length * LEGEND_ROW + PAD : 0;
}

/** A PNG of every chart (base64, no data: prefix). */
export function chartsPng(charts: readonly ExportableChart[], o: ImageOptions): string {
  const plots = charts.filter((c) => c.plot);
  const r = uPlot.pxRatio || 1;
  const width = Math.max(320, ...plots.map((c) => c.plot!.width)) + 2 * PAD;
  const height = TITLE_H + plots.reduce((h, c) => h + TITLE_H + c.plot!.height, 0) + legendHeight(o) + PAD;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * r);
  canvas.height = Math.round(height * r);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(r, r);
  ctx.fillStyle = o.background;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = o.foreground;
  ctx.textBaseline = 'middle';
  ctx.font = `bold 14px ${o.font}`;
  ctx.fillText(o.title, PAD, TITLE_H / 2);
  let y = TITLE_H;
  for (const c of plots) {
    const p = c.plot!;
    ctx.font = `bold 12px ${o.font}`;
    ctx.fillStyle = o.foreground;
    ctx.fillText(c.metric, PAD, y + TITLE_H / 2);
    y += TITLE_H;
    ctx.drawImage(p.ctx.canvas, PAD, y, p.width, p.height);
    y += p.height;
  }
  y += PAD / 2;
  ctx.font = `12px ${o.font}`;
  for (const e of o.legend) {
    ctx.strokeStyle = e.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(e.dash ?? []);
    ctx.beginPath();
    ctx.moveTo(PAD, y + LEGEND_ROW / 2);
    ctx.lineTo(PAD + 24, y + LEGEND_ROW / 2);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = o.foreground;
    ctx.fillText(e.label, PAD + 32, y + LEGEND_ROW / 2);
    y += LEGEND_ROW;
  }
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const n = (x: number) => (Math.round(x * 100) / 100).toString();

/** An SVG of every chart: axes, grid, tick labels, every shown series, titles and a legend. */
export function chartsSvg(charts: readonly ExportableChart[], o: ImageOptions): string {
  const plots = charts.filter((c) => c.plot);
  const width = Math.max(320, ...plots.map((c) => c.plot!.width)) + 2 * PAD;
  const height = TITLE_H + plots.reduce((h, c) => h + TITLE_H + c.plot!.height, 0) + legendHeight(o) + PAD;
  const font = xmlEscape(o.font);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${font}" font-size="11">`,
    `<title>${xmlEscape(o.title)}</title>`,
    `<rect width="100%" height="100%" fill="${o.background}"/>`,
    `<text x="${PAD}" y="${TITLE_H / 2}" dominant-baseline="middle" font-size="14" font-weight="bold" fill="${o.foreground}">${xmlEscape(o.title)}</text>`,
  ];
  let y = TITLE_H;
  plots.forEach((c, ci) => {
    const u = c.plot!;
    const r = uPlot.pxRatio || 1;
    const left = u.bbox.left / r;
    const top = u.bbox.top / r;
    const w = u.bbox.width / r;
    const h = u.bbox.height / r;
    out.push(`<g transform="translate(${PAD} ${y})" class="chart" data-metric="${xmlEscape(c.metric)}">`);
    out.push(`<text x="0" y="${TITLE_H / 2}" dominant-baseline="middle" font-size="12" font-weight="bold" fill="${o.foreground}">${xmlEscape(c.metric)}</text>`);
    out.push(`<g transform="translate(0 ${TITLE_H})">`);
    out.push(`<defs><clipPath id="plot${ci}"><rect x="${n(left)}" y="${n(top)}" width="${n(w)}" height="${n(h)}"/></clipPath></defs>`);
    // Axes: grid lines and tick labels where uPlot put them.
    u.axes.forEach((axis, ai) => {
      const a = axis as uPlot.Axis & { _splits?: number[]; _values?: (string | number | null)[] };
      const splits = a._splits ?? [];
      const values = a._values ?? [];
      const scale = ai === 0 ? 'x' : 'y';
      splits.forEach((v, i) => {
        const label = values[i];
        const p = u.valToPos(v, scale);
        if (!Number.isFinite(p)) return;
        if (scale === 'x') {
          const x = left + p;
          if (x < left - 0.5 || x > left + w + 0.5) return;
          out.push(`<line x1="${n(x)}" y1="${n(top)}" x2="${n(x)}" y2="${n(top + h)}" stroke="${o.grid}"/>`);
          if (label !== null && label !== undefined) out.push(`<text x="${n(x)}" y="${n(top + h + 14)}" text-anchor="middle" fill="${o.foreground}">${xmlEscape(String(label))}</text>`);
        } else {
          const yy = top + p;
          if (yy < top - 0.5 || yy > top + h + 0.5) return;
          out.push(`<line x1="${n(left)}" y1="${n(yy)}" x2="${n(left + w)}" y2="${n(yy)}" stroke="${o.grid}"/>`);
          if (label !== null && label !== undefined) out.push(`<text x="${n(left - 6)}" y="${n(yy)}" text-anchor="end" dominant-baseline="middle" fill="${o.foreground}">${xmlEscape(String(label))}</text>`);
        }
      });
    });
    const xLabel = (u.axes[0] as uPlot.Axis).label;
    if (xLabel) out.push(`<text x="${n(left + w / 2)}" y="${n(u.height - 4)}" text-anchor="middle" fill="${o.foreground}">${xmlEscape(String(xLabel))}</text>`);
    out.push(`<rect x="${n(left)}" y="${n(top)}" width="${n(w)}" height="${n(h)}" fill="none" stroke="${o.grid}"/>`);
    // Series.
    out.push(`<g clip-path="url(#plot${ci})" fill="none" stroke-linejoin="round">`);
    const xs = u.data[0];
    for (let si = 1; si < u.series.length; si++) {
      const s = u.series[si];
      if (!s.show) continue;
      const d = c.drawn[si - 1];
      const ys = u.data[si];
      const pts: string[] = [];
      const dots: string[] = [];
      for (let i = 0; i < xs.length; i++) {
        const v = ys[i];
        if (v === null || v === undefined) continue;
        const px = left + u.valToPos(xs[i], 'x');
        const py = top + u.valToPos(v, 'y');
        if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
        pts.push(`${pts.length ? 'L' : 'M'}${n(px)} ${n(py)}`);
        if (d?.points) dots.push(`<circle cx="${n(px)}" cy="${n(py)}" r="2.5" fill="${d.color}" stroke="none"/>`);
      }
      if (!pts.length) continue;
      const dash = d?.dash?.length ? ` stroke-dasharray="${d.dash.join(' ')}"` : '';
      out.push(`<path d="${pts.join('')}" stroke="${d?.color ?? o.foreground}" stroke-width="${d?.width ?? 1}"${dash}><title>${xmlEscape(d?.label ?? '')}</title></path>`);
      out.push(...dots);
    }
    out.push('</g></g></g>');
    y += TITLE_H + u.height;
  });
  y += PAD / 2;
  for (const e of o.legend) {
    const dash = e.dash?.length ? ` stroke-dasharray="${e.dash.join(' ')}"` : '';
    out.push(`<line x1="${PAD}" y1="${y + LEGEND_ROW / 2}" x2="${PAD + 24}" y2="${y + LEGEND_ROW / 2}" stroke="${e.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${PAD + 32}" y="${y + LEGEND_ROW / 2}" dominant-baseline="middle" font-size="12" fill="${o.foreground}">${xmlEscape(e.label)}</text>`);
    y += LEGEND_ROW;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
