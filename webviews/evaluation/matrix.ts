/**
 * The confusion matrix as a heatmap grid (rows: true class, columns: predicted) and the list of a
 * cell's samples. The grid is one tab stop (a roving tabindex): arrow keys, Home and End move,
 * Enter or Space (or a click) opens the cell's samples.
 */
import type { EvaluationSample, SamplesInfo } from '../../src/core/protocol/evaluationWebview';
import { el } from '../shared/dom';
import { luminance, withAlpha } from '../shared/theme';

export interface MatrixColors {
  accent: string;
  fg: string;
}

/** Each cell's shown value: the count, or the fraction of its true class's row. */
export function cellValues(matrix: readonly number[][], normalize: boolean): number[][] {
  return matrix.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (normalize ? (sum ? v / sum : 0) : v));
  });
}

export class ConfusionMatrix {
  readonly root: HTMLElement;
  private focus = { r: 0, c: 0 };
  private size = 0;

  constructor(parent: HTMLElement, private readonly onOpen: (actual: number, predicted: number) => void) {
    this.root = el('div', { class: 'matrix-wrap' });
    parent.append(this.root);
    this.root.addEventListener('keydown', (e) => this.key(e));
    this.root.addEventListener('click', (e) => {
      const td = (e.target as HTMLElement).closest<HTMLElement>('td[data-actual]');
      if (td) this.open(Number(td.dataset.actual), Number(td.dataset.predicted));
    });
  }

  render(names: readonly string[], matrix: readonly number[][], normalize: boolean, colors: MatrixColors): void {
    this.size = names.length;
    const values = cellValues(matrix, normalize);
    const max = Math.max(1e-12, ...values.flat());
    const head = el('tr', {}, el('th', { scope: 'col', class: 'corner' }, 'true ↓ / predicted →'), ...names.map((n) => el('th', { scope: 'col' }, n)));
    const rows = names.map((name, r) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, name),
        ...names.map((pred, c) => {
          const v = values[r][c];
          const fill = withAlpha(colors.accent, 0.08 + 0.92 * (v / max));
          // The text stays readable on the blend of the accent over the background.
          const strong = v / max > 0.55;
          const text = normalize ? v.toFixed(2) : String(matrix[r][c]);
          const td = el(
            'td',
            {
              'data-actual': String(r),
              'data-predicted': String(c),
              'data-count': String(matrix[r][c]),
              tabindex: r === this.focus.r && c === this.focus.c ? '0' : '-1',
              role: 'gridcell',
              class: r === c ? 'diagonal' : undefined,
              'aria-label': `true ${name}, predicted ${pred}: ${matrix[r][c]} sample${matrix[r][c] === 1 ? '' : 's'}${normalize ? ` (${(v * 100).toFixed(1)}% of ${name})` : ''}`,
            },
            text,
          );
          td.style.background = fill;
          td.style.color = strong ? (luminance(colors.accent) > 0.55 ? '#000000' : '#ffffff') : colors.fg;
          return td;
        }),
      ),
    );
    const table = el('table', { class: 'matrix', role: 'grid', 'aria-label': `Confusion matrix (${normalize ? 'row-normalised' : 'counts'}): rows are the true class, columns the predicted class. Arrow keys move, Enter lists the samples.` }, el('thead', {}, head), el('tbody', {}, ...rows));
    this.root.replaceChildren(table);
  }

  private cell(r: number, c: number): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(`td[data-actual="${r}"][data-predicted="${c}"]`);
  }

  private moveTo(r: number, c: number): void {
    const n = this.size;
    if (!n) return;
    const next = { r: Math.min(n - 1, Math.max(0, r)), c: Math.min(n - 1, Math.max(0, c)) };
    this.cell(this.focus.r, this.focus.c)?.setAttribute('tabindex', '-1');
    this.focus = next;
    const td = this.cell(next.r, next.c);
    td?.setAttribute('tabindex', '0');
    td?.focus();
  }

  private open(r: number, c: number): void {
    this.moveTo(r, c);
    this.root.querySelectorAll('td.selected').forEach((t) => t.classList.remove('selected'));
    this.cell(r, c)?.classList.add('selected');
    this.onOpen(r, c);
  }

  private key(e: KeyboardEvent): void {
    if (!(e.target as HTMLElement).matches('td[data-actual]')) return;
    const { r, c } = this.focus;
    const moves: Record<string, [number, number]> = { ArrowUp: [r - 1, c], ArrowDown: [r + 1, c], ArrowLeft: [r, c - 1], ArrowRight: [r, c + 1], Home: [r, 0], End: [r, this.size - 1] };
    if (moves[e.key]) {
      e.preventDefault();
      this.moveTo(...moves[e.key]);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.open(r, c);
    }
  }
}

/** Draws a sample's PNG on a canvas (a Blob, not a data: URL, so the page's strict img-src holds). */
async function drawThumbnail(canvas: HTMLCanvasElement, dataUrl: string): Promise<void> {
  const bytes = Uint8Array.from(atob(dataUrl.slice(dataUrl.indexOf(',') + 1)), (ch) => ch.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
  const scale = Math.max(1, Math.floor(56 / Math.max(bitmap.width, bitmap.height)));
  canvas.width = bitmap.width * scale;
  canvas.height = bitmap.height * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  canvas.dataset.drawn = 'true';
}

function sampleBody(s: EvaluationSample, info: SamplesInfo | undefined): Node {
  if (s.image) {
    const canvas = el('canvas', { class: 'thumb', role: 'img', 'aria-label': `sample ${s.index}` }) as HTMLCanvasElement;
    void drawThumbnail(canvas, s.image);
    return canvas;
  }
  if (s.text !== undefined) return el('blockquote', { class: 'sample-text' }, s.text);
  if (s.values) {
    const cols = info?.columns ?? s.values.map((_, i) => `x${i}`);
    return el('dl', { class: 'sample-values' }, ...cols.flatMap((c, i) => [el('dt', {}, c), el('dd', {}, s.values![i] === null ? '—' : Number(s.values![i]).toPrecision(4))]));
  }
  return el('span', { class: 'muted' }, 'nothing to show for this sample');
}

export interface CellListing {
  actual: number;
  predicted: number;
  total: number;
  samples: EvaluationSample[];
  message?: string;
}

/** The list of a cell's samples: picture, text or values, with index, confidence and origin. */
export function renderSamples(box: HTMLElement, names: readonly string[], cell: CellListing, info: SamplesInfo | undefined): void {
  const title = `True ${names[cell.actual] ?? cell.actual}, predicted ${names[cell.predicted] ?? cell.predicted}: ${cell.total} sample${cell.total === 1 ? '' : 's'}${cell.samples.length < cell.total ? ` (the ${cell.samples.length} most confident shown)` : ''}`;
  const items = cell.samples.map((s) =>
    el(
      'li',
      { class: 'sample', 'data-index': String(s.index), tabindex: '-1' },
      sampleBody(s, info),
      el('div', { class: 'sample-meta' }, el('span', {}, `#${s.index}`), el('span', {}, `confidence ${(s.confidence * 100).toFixed(1)}%`), s.origin ? el('span', { class: 'muted' }, s.origin) : ''),
    ),
  );
  box.replaceChildren(
    el('h3', { id: 'samples-title', tabindex: '-1' }, title),
    ...(cell.message ? [el('p', { class: 'banner warning' }, cell.message)] : []),
    ...(info?.note && cell.samples.length ? [el('p', { class: 'muted' }, `Shown: ${info.note}.`)] : []),
    el('ul', { class: `samples ${info?.display ?? 'none'}`, 'aria-labelledby': 'samples-title' }, ...items),
  );
  box.hidden = false;
}
