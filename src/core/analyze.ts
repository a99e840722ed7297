/**
 * The core's front door: text in, everything the tools need out. Pure and synchronous; the
 * host (CLI, server, trainer) supplies file answers through `DataHost`.
 */
import { lookup } from './catalog';
import type { DataHost, DataShape, PretrainedSummary } from './catalog/types';
import { collapseRepeats, DiagnosticSink, LineIndex, type Diagnostic } from './diagnostics';
import { inferModel, type ModelInfo } from './infer';
import { checkPretrained } from './pretrained';
import { readSpec } from './read';
import { lintData } from './dataLints';
import { checkCompatibility, inferData } from './semantics';
import { checkSearch } from './search/check';
import type { ItemNode, ItemValue, Spec, TrainSettings } from './spec';
import type { Document } from 'yaml';

export interface Analysis {
  text: string;
  lines: LineIndex;
  doc?: Document.Parsed;
  spec: Spec;
  diagnostics: Diagnostic[];
  model?: ModelInfo;
  data?: DataShape;
  /** What `model.weights.from` holds, when the host could read it (hover shows it). */
  pretrained?: PretrainedSummary;
  /** What `reanalyze` needs to redo only part of the work after an edit. */
  read?: ReadState;
}

/** The read phase's findings, kept so an edit inside one layer re-reads only that layer. */
export interface ReadState {
  /** Findings of `readSpec` (YAML and structure), in the order they were made. */
  diagnostics: Diagnostic[];
  /** Per `model.layers` item: `[from, to)` of its findings in `diagnostics` (see `ReadResult`). */
  layerSpans?: number[];
  /** The cap the analysis ran with. */
  maxDiagnostics: number;
  /** No finding was dropped by the cap. */
  complete: boolean;
}

export interface AnalyzeOptions {
  host?: DataHost;
  /** Cap on reported diagnostics (default 500). */
  maxDiagnostics?: number;
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const sink = new DiagnosticSink(options.maxDiagnostics ?? 500);
  const { spec, doc, layerSpans } = readSpec(text, sink);
  return completeAnalysis({ text, lines: new LineIndex(text), doc, spec, layerSpans }, sink, options);
}

/**
 * The whole-model passes (shape inference, data, compatibility) over a read spec, and the sorted
 * findings. `sink` holds the read phase's findings. Shared by `analyze` and `reanalyze`.
 */
export function completeAnalysis(
  read: { text: string; lines: LineIndex; doc?: Document.Parsed; spec: Spec; layerSpans?: number[] },
  sink: DiagnosticSink,
  options: AnalyzeOptions,
): Analysis {
  const { spec } = read;
  const readDiagnostics = sink.items.slice();
  let model: ModelInfo | undefined;
  let data: DataShape | undefined;
  let pretrained: PretrainedSummary | undefined;
  try {
    model = inferModel(spec, sink, options.host);
    data = inferData(spec, options.host ?? {}, sink);
    pretrained = checkPretrained(spec, model, options.host ?? {}, sink);
    checkCompatibility(spec, model, data, sink);
    checkSearch(spec, sink, data);
    lintData({ spec, model, data, host: options.host ?? {}, text: read.text, batchSize: trainSettings(spec)?.batchSize }, sink);
  } catch (e) {
    // A bug in a check must not take the editor down with it: report it where it can be seen.
    sink.error('internal', { start: 0, end: 0 }, `ModelYAML could not finish checking this spec: ${(e as Error).stack ?? e}`);
  }
  const maxDiagnostics = options.maxDiagnostics ?? 500;
  const state: ReadState = { diagnostics: readDiagnostics, layerSpans: read.layerSpans, maxDiagnostics, complete: sink.items.length < maxDiagnostics };
  const diagnostics = collapseRepeats(
    sink.items.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end),
    { capped: sink.full },
  );
  return { text: read.text, lines: read.lines, doc: read.doc, spec, diagnostics, model, data, pretrained, read: state };
}

export function hasErrors(a: Analysis): boolean {
  return a.diagnostics.some((d) => d.severity === 'error');
}

function itemValue(item: ItemNode | undefined, fallback?: string): ItemValue | undefined {
  if (item?.known) return { type: item.type, params: item.params };
  if (fallback) {
    const e = lookup('optimizer', fallback);
    const params: Record<string, unknown> = {};
    for (const p of e?.params ?? []) if (p.default !== undefined) params[p.name] = p.default;
    return { type: fallback, params };
  }
  return undefined;
}

/** Training settings with defaults applied; undefined when the spec cannot be trained as written. */
export function trainSettings(spec: Spec): TrainSettings | undefined {
  const t = spec.train;
  const loss = itemValue(t?.loss);
  if (!t || !loss) return undefined;
  return {
    epochs: t.epochs?.value ?? 10,
    batchSize: t.batchSize?.value ?? 32,
    shuffle: t.shuffle?.value ?? true,
    seed: spec.seed?.value ?? 42,
    device: t.device?.value ?? 'auto',
    loss,
    optimizer: itemValue(t.optimizer, 'adam')!,
    metrics: t.metrics.filter((m) => m.known).map((m) => ({ type: m.type, params: m.params })),
    earlyStopping: t.earlyStopping?.value,
    lrSchedule: itemValue(t.lrSchedule),
    checkpoint: t.checkpoint?.value ?? { best: true, last: true, monitor: 'val_loss' },
  };
}
