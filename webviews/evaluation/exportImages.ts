/**
 * The evaluation as an image: the confusion matrix (when there is one) above the plots. SVG draws
 * the matrix as rectangles and nests the plots' SVG (webviews/curves/export.ts draws them from
 * uPlot's scales); PNG paints the matrix on a canvas and the plots' PNG under it.
 */
import { chartsPng, chartsSvg, xmlEscape, type ExportableChart, type ImageOptions } from '../curves/export';
import { luminance, withAlpha } from '../shared/theme';
import { cellValues } from './matrix';

export interface MatrixImage {
  names: readonly string[];
  matrix: readonly number[][];
  normalize: boolean;
  accent: string;
}

const CELL = 36;
const LABEL_W = 110;
const PAD = 12;
const TITLE_H = 26;

function matrixSize(m: MatrixImage | undefined): { width: number; height: number } {
  if (!m) return { width: 0, height: 0 };
  return { width: LABEL_W + m.names.length * CELL + 2 * PAD, height: TITLE_H + 20 + m.names.length * CELL + PAD };
}

interface Cell {
  x: number;
  y: number;
  fill: string;
  ink: string;
  text: string;
}

/** Where each cell, row label and column label goes, and its colours. */
function layout(m: MatrixImage, fg: string): { cells: Cell[]; rows: { y: number; text: string }[]; cols: { x: number; text: string }[]; top: number } {
  const values = cellValues(m.matrix, m.normalize);
  const max = Math.max(1e-12, ...values.flat());
  const top = TITLE_H + 20;
  const cells: Cell[] = [];
  values.forEach((row, r) =>
    row.forEach((v, c) => {
      const strong = v / max > 0.55;
      cells.push({ x: PAD + LABEL_W + c * CELL, y: top + r * CELL, fill: withAlpha(m.accent, 0.08 + 0.92 * (v / max)), ink: strong ? (luminance(m.accent) > 0.55 ? '#000000' : '#ffffff') : fg, text: m.normalize ? v.toFixed(2) : String(m.matrix[r][c]) });
    }),
  );
  return { cells, rows: m.names.map((n, r) => ({ y: top + r * CELL + CELL / 2, text: n })), cols: m.names.map((n, c) => ({ x: PAD + LABEL_W + c * CELL + CELL / 2, text: n })), top };
}

export function evaluationSvg(charts: readonly ExportableChart[], m: MatrixImage | undefined, o: ImageOptions): string {
  const ms = matrixSize(m);
  const inner = chartsSvg(charts, o);
  const iw = Number(/width="(\d+(?:\.\d+)?)"/.exec(inner)?.[1] ?? 0);
  const ih = Number(/height="(\d+(?:\.\d+)?)"/.exec(inner)?.[1] ?? 0);
  const width = Math.max(ms.width, iw);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${ms.height + ih}" viewBox="0 0 ${width} ${ms.height + ih}" font-family="${xmlEscape(o.font)}" font-size="11">`, `<rect width="100%" height="100%" fill="${o.background}"/>`];
  if (m) {
    const l = layout(m, o.foreground);
    out.push(`<g class="confusion-matrix"><text x="${PAD}" y="${TITLE_H / 2}" dominant-baseline="middle" font-size="14" font-weight="bold" fill="${o.foreground}">Confusion matrix (${m.normalize ? 'row-normalised' : 'counts'}; rows: true, columns: predicted)</text>`);
    for (const c of l.cols) out.push(`<text x="${c.x}" y="${l.top - 6}" text-anchor="middle" fill="${o.foreground}">${xmlEscape(c.text)}</text>`);
    for (const r of l.rows) out.push(`<text x="${PAD + LABEL_W - 6}" y="${r.y}" text-anchor="end" dominant-baseline="middle" fill="${o.foreground}">${xmlEscape(r.text)}</text>`);
    for (const c of l.cells) {
      out.push(`<rect x="${c.x}" y="${c.y}" width="${CELL}" height="${CELL}" fill="${c.fill}" stroke="${o.grid}"/>`);
      out.push(`<text x="${c.x + CELL / 2}" y="${c.y + CELL / 2}" text-anchor="middle" dominant-baseline="middle" fill="${c.ink}">${c.text}</text>`);
    }
    out.push('</g>');
  }
  out.push(`<g transform="translate(0 ${ms.height})">${inner.replace(/^<\?xml[^>]*>/, '')}</g>`, '</svg>');
  return out.join('\n') + '\n';
}

/** A PNG (base64, no data: prefix). */
export async function evaluationPng(charts: readonly ExportableChart[], m: MatrixImage | undefined, o: ImageOptions): Promise<string> {
  const ms = matrixSize(m);
  const plotsB64 = chartsPng(charts, o);
  const bytes = Uint8Array.from(atob(plotsB64), (ch) => ch.charCodeAt(0));
  const plots = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(ms.width, plots.width);
  canvas.height = ms.height + plots.height;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = o.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (m) {
    const l = layout(m, o.foreground);
    ctx.textBaseline = 'middle';
    ctx.fillStyle = o.foreground;
    ctx.font = `bold 14px ${o.font}`;
    ctx.fillText(`Confusion matrix (${m.normalize ? 'row-normalised' : 'counts'})`, PAD, TITLE_H / 2);
    ctx.font = `11px ${o.font}`;
    ctx.textAlign = 'center';
    for (const c of l.cols) ctx.fillText(c.text, c.x, l.top - 8);
    ctx.textAlign = 'right';
    for (const r of l.rows) ctx.fillText(r.text, PAD + LABEL_W - 6, r.y);
    ctx.textAlign = 'center';
    for (const c of l.cells) {
      ctx.fillStyle = c.fill;
      ctx.fillRect(c.x, c.y, CELL, CELL);
      ctx.strokeStyle = o.grid;
      ctx.strokeRect(c.x + 0.5, c.y + 0.5, CELL - 1, CELL - 1);
      ctx.fillStyle = c.ink;
      ctx.fillText(c.text, c.x + CELL / 2, c.y + CELL / 2);
    }
  }
  ctx.drawImage(plots, 0, ms.height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
