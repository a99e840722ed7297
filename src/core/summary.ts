/** A Keras-like model summary: layer, output shape, parameters, and Keras's trainable / non-trainable totals. */
import type { Analysis } from './analyze';
import { formatShape, type Shape } from './shape';

export interface SummaryRow {
  layer: string;
  type: string;
  /** As Keras prints it, e.g. "(None, 26, 26, 32)"; "?" when unknown. */
  outputShape: string;
  /** null for the batch axis and symbolic sizes; null as a whole when unknown. */
  shape: Shape | null;
  params: number | null;
  /** Of `params`, those training does not change (batch norm's moving mean and variance). */
  nonTrainableParams: number | null;
  inputs: string[];
}

export interface Summary {
  name: string;
  rows: SummaryRow[];
  totalParams: number | null;
  trainableParams: number | null;
  nonTrainableParams: number | null;
}

export function summarize(a: Analysis): Summary {
  const m = a.model;
  const rows: SummaryRow[] = (m?.layers ?? []).map((info) => ({
    layer: info.id,
    type: info.layer.type,
    outputShape: info.outputShape ? formatShape(info.outputShape) : '?',
    shape: info.outputShape,
    params: info.params,
    nonTrainableParams: info.params === null ? null : (info.nonTrainableParams ?? 0),
    inputs: info.sources.map((s) => ('input' in s ? s.input : m!.layers[s.layer].id)),
  }));
  const total = m?.totalParams ?? null;
  const counted = (m?.layers ?? []).filter((i) => i.layer.known);
  const nonTrainable = total === null ? null : counted.reduce((sum, i) => sum + (i.nonTrainableParams ?? 0), 0);
  return {
    name: a.spec.name?.value ?? 'model',
    rows,
    totalParams: total,
    trainableParams: total === null || nonTrainable === null ? null : total - nonTrainable,
    nonTrainableParams: nonTrainable,
  };
}

const fmt = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));

/** The memory the weights take as float32, as Keras prints it: "(364.54 KB)". */
function size(n: number | null): string {
  if (n === null) return '';
  let bytes = 4 * n;
  const units = ['B', 'KB', 'MB', 'GB'];
  let u = 0;
  while (bytes >= 1024 && u < units.length - 1) {
    bytes /= 1024;
    u++;
  }
  return ` (${bytes.toFixed(2)} ${units[u]})`;
}

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
    `Total params: ${fmt(s.totalParams)}${size(s.totalParams)}`,
    `Trainable params: ${fmt(s.trainableParams)}${size(s.trainableParams)}`,
    `Non-trainable params: ${fmt(s.nonTrainableParams)}${size(s.nonTrainableParams)}`,
    '',
  ].join('\n');
}

/** The summary as JSON for scripts: `modelyaml summary --format json`. */
export function summaryJson(s: Summary): string {
  return JSON.stringify({
    name: s.name,
    layers: s.rows.map((r) => ({ name: r.layer, type: r.type, outputShape: r.shape, params: r.params, nonTrainableParams: r.nonTrainableParams, inputs: r.inputs })),
    totalParams: s.totalParams,
    trainableParams: s.trainableParams,
    nonTrainableParams: s.nonTrainableParams,
  }, null, 2) + '\n';
}
