/** A Keras-like model summary table: layer, output shape, parameters, totals. */
import type { Analysis } from './analyze';
import { formatShape } from './shape';

export interface SummaryRow {
  layer: string;
  type: string;
  outputShape: string;
  params: number | null;
  inputs: string[];
}

export interface Summary {
  name: string;
  rows: SummaryRow[];
  totalParams: number | null;
}

export function summarize(a: Analysis): Summary {
  const m = a.model;
  const rows: SummaryRow[] = (m?.layers ?? []).map((info) => ({
    layer: info.id,
    type: info.layer.type,
    outputShape: info.outputShape ? formatShape(info.outputShape) : '?',
    params: info.params,
    inputs: info.sources.map((s) => ('input' in s ? s.input : m!.layers[s.layer].id)),
  }));
  return { name: a.spec.name?.value ?? 'model', rows, totalParams: m?.totalParams ?? null };
}

const fmt = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));

export function formatSummary(s: Summary, graph: boolean): string {
  const head = ['Layer (type)', 'Output Shape', 'Param #', ...(graph ? ['Connected to'] : [])];
  const body = s.rows.map((r) => [`${r.layer} (${r.type})`, r.outputShape, fmt(r.params), ...(graph ? [r.inputs.join(', ')] : [])]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)) + 2);
  const line = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0));
  const row = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i] - 2).padEnd(widths[i]) : c.padEnd(widths[i]))).join('').trimEnd();
  return [
    `Model: "${s.name}"`,
    line('━'),
    row(head),
    line('━'),
    ...body.flatMap((r, i) => (i ? [line('─'), row(r)] : [row(r)])),
    line('━'),
    `Total params: ${fmt(s.totalParams)}`,
    '',
  ].join('\n');
}
