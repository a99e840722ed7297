/**
 * YAML text → typed spec with ranges, plus the structural findings: YAML syntax, unknown keys and
 * names with "did you mean", missing keys, wrong types and out-of-range values. Never throws.
 *
 * This is the front door (limits, parsing, YAML findings); `read/` holds the reader itself:
 * `describe.ts` (how values and types are named in messages), `checkValue.ts` (plain values against
 * their type), `reader.ts` (items, parameters, layers) and `sections.ts` (data, model, train).
 */
import { parseDocument, type Document } from 'yaml';
import type { DiagnosticSink, Range } from './diagnostics';
import type { LayerNode, Spec } from './spec';
import { tooDeep } from './nesting';
import { Reader } from './read/reader';
import { SpecReader } from './read/sections';

export { suggestName } from './read/describe';

/** Beyond this, input is refused rather than parsed: the editor stays responsive on any file. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** The `yaml` options specs are parsed with. */
export const yamlOptions = { prettyErrors: false, uniqueKeys: true, strict: true } as const;

export interface ReadResult {
  spec: Spec;
  doc?: Document.Parsed;
  /**
   * For each `model.layers` item (by YAML index), the half-open span of its findings in the sink:
   * `[from0, to0, from1, to1, …]`. Absent when the layers were not read as a list.
   */
  layerSpans?: number[];
}

/**
 * `parseDocument` with the spec options. Every syntax error the parser finds is an `Error`, and
 * capturing a stack trace for each made broken input (1 MB of `"`: 500,000 errors) several times
 * slower to parse; nothing reads those traces.
 */
export function parseYaml(text: string, options: Parameters<typeof parseDocument>[1] = yamlOptions): Document.Parsed {
  const traces = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, options);
  } finally {
    Error.stackTraceLimit = traces;
  }
}

/** Parses YAML and reads the spec. Syntax errors become diagnostics; nothing throws. */
export function readSpec(text: string, sink: DiagnosticSink): ReadResult {
  if (text.length > MAX_SPEC_BYTES) {
    sink.error('spec/too-large', { start: 0, end: 0 }, `This file is ${(text.length / 2 ** 20).toFixed(1)} MiB; specs over ${MAX_SPEC_BYTES / 2 ** 20} MiB are not checked (a model spec is usually a few KiB: is this a data file?).`);
    return { spec: { range: { start: 0, end: 0 } } };
  }
  if (text.includes('\u0000')) {
    sink.error('yaml/binary', { start: 0, end: Math.min(text.length, 1) }, 'This file holds binary data (NUL bytes), not YAML.');
    return { spec: { range: { start: 0, end: 0 } } };
  }
  const deep = tooDeep(text);
  if (deep) {
    sink.error('yaml/too-deep', { start: deep.offset, end: deep.offset + 1 }, `This is nested more than ${deep.max} levels deep; the spec was not read. A model spec needs a handful of levels: is a bracket or an indentation off?`);
    return { spec: { range: { start: 0, end: 0 } } };
  }
  let doc: Document.Parsed;
  try {
    doc = parseYaml(text);
  } catch (e) {
    sink.error('yaml/unreadable', { start: 0, end: 0 }, `This YAML could not be read: ${(e as Error).message}`);
    return { spec: { range: { start: 0, end: 0 } } };
  }
  for (const err of doc.errors) {
    if (sink.full) break;
    sink.error(`yaml/${err.code.toLowerCase().replace(/_/g, '-')}`, { start: err.pos[0], end: Math.max(err.pos[1], err.pos[0] + 1) }, yamlMessage(err.message));
  }
  for (const w of doc.warnings) {
    sink.warning(`yaml/${w.code.toLowerCase().replace(/_/g, '-')}`, { start: w.pos[0], end: Math.max(w.pos[1], w.pos[0] + 1) }, yamlMessage(w.message));
  }
  try {
    const reader = new SpecReader(doc, sink);
    const spec = reader.readRoot();
    return { spec, doc, layerSpans: spec.model?.layersRange && reader.layerSpans.length ? reader.layerSpans : undefined };
  } catch (e) {
    sink.error('spec/unreadable', { start: 0, end: 0 }, `This spec could not be read: ${(e as Error).message}`);
    return { spec: { range: { start: 0, end: 0 } }, doc };
  }
}

function yamlMessage(m: string): string {
  // The parser's messages end with a location suffix and a code excerpt; the range says that already.
  return m.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Reads one `model.layers` item on its own, as `readSpec` reads it within the whole spec: for
 * incremental re-analysis, where `doc` holds just that item (with the spec's parse options).
 */
export function readLayerItem(doc: Document.Parsed, node: unknown, index: number, listRange: Range, sink: DiagnosticSink): LayerNode | undefined {
  return new Reader(doc, sink).readLayer(node, index, listRange);
}
