/**
 * The semantic diff of two specs: which layers were added, removed and changed (parameters,
 * output shapes, parameter counts), the totals, and the data and training settings that differ.
 * Pure: text in, a `SpecDiff` out (its JSON form is documented in docs/diff.md).
 */
import { analyze, type Analysis, type AnalyzeOptions } from '../analyze';
import type { LayerInfo } from '../infer';
import { formatShape } from '../shape';
import type { ItemNode } from '../spec';
import { align } from './align';
import { settingChanges } from './settings';
import { DIFF_FORMAT_VERSION, type DiffLayer, type DiffSide, type LayerDiff, type LayerStatus, type ParamChange, type SpecDiff } from './types';
import { canonical, sameValue } from './values';

export * from './types';
export { formatValue } from './values';
export { formatDiffText, diffJson } from './text';

export interface DiffInput {
  text: string;
  label: string;
  options?: AnalyzeOptions;
}

export function diffSpecTexts(before: DiffInput, after: DiffInput): SpecDiff {
  return diffAnalyses(
    { analysis: analyze(before.text, before.options), label: before.label },
    { analysis: analyze(after.text, after.options), label: after.label },
  );
}

export function diffAnalyses(before: { analysis: Analysis; label: string }, after: { analysis: Analysis; label: string }): SpecDiff {
  const a = before.analysis;
  const b = after.analysis;
  const layersA = diffLayers(a);
  const layersB = diffLayers(b);
  const layers = align(layersA.map(signed), layersB.map(signed), layerScore, (x, y) => x.whole === y.whole).map((step) => layerDiff(step.before === undefined ? undefined : layersA[step.before], step.after === undefined ? undefined : layersB[step.after]));
  const totalA = a.model?.totalParams ?? null;
  const totalB = b.model?.totalParams ?? null;
  const settings = settingChanges(a, b);
  const count = (s: LayerStatus) => layers.filter((l) => l.status === s).length;
  const summary = { added: count('added'), removed: count('removed'), changed: count('changed'), affected: count('affected'), unchanged: count('unchanged') };
  const identical = summary.added + summary.removed + summary.changed + summary.affected === 0 && !settings.model.length && !settings.data.length && !settings.train.length;
  return {
    formatVersion: DIFF_FORMAT_VERSION,
    before: side(a, before.label),
    after: side(b, after.label),
    layers,
    totals: { before: totalA, after: totalB, delta: totalA === null || totalB === null ? null : totalB - totalA },
    ...settings,
    summary: { ...summary, identical },
  };
}

function side(a: Analysis, label: string): DiffSide {
  const m = a.model;
  const out = m && m.output !== null ? m.layers[m.output]?.outputShape : null;
  return {
    name: a.spec.name?.value ?? 'model',
    label,
    totalParams: m?.totalParams ?? null,
    outputShape: out ? formatShape(out) : '?',
    errors: a.diagnostics.filter((d) => d.severity === 'error').map((d) => {
      const p = a.lines.position(d.range.start);
      return `${p.line + 1}:${p.character + 1}: ${d.message}`;
    }),
  };
}

export function givenParams(item: ItemNode): Record<string, unknown> {
  return Object.fromEntries([...item.given].map(([k, p]) => [k, p.value]));
}

function diffLayers(a: Analysis): DiffLayer[] {
  const infos: LayerInfo[] = a.model?.layers ?? [];
  return infos.map((info) => {
    const l = info.layer;
    const given = givenParams(l);
    return {
      index: l.index,
      id: info.id,
      named: !!l.name,
      type: l.type,
      params: l.known ? { ...l.params } : given,
      given,
      inputs: info.sources.map((s) => ('input' in s ? s.input : infos[s.layer].id)),
      inputsWritten: l.inputs !== undefined,
      outputShape: info.outputShape,
      outputShapeText: info.outputShape ? formatShape(info.outputShape) : '?',
      paramCount: info.params,
    };
  });
}

/** A layer with its parameters' canonical forms, computed once: alignment compares every pair. */
interface Signed {
  layer: DiffLayer;
  params: Map<string, string>;
  /** Type, name, parameters and written inputs: equal means the layer is written the same. */
  whole: string;
}

function signed(layer: DiffLayer): Signed {
  const params = new Map(Object.entries(layer.params).map(([k, v]) => [k, canonical(v)]));
  const whole = canonical([layer.type, layer.named ? layer.id : null, [...params].sort(), layer.inputsWritten ? layer.inputs : null]);
  return { layer, params, whole };
}

/** How alike two parameter sets are: the share of their keys with equal values, 0 to 1. */
function paramSimilarity(x: Map<string, string>, y: Map<string, string>): number {
  if (x === y) return 1;
  let keys = x.size;
  let same = 0;
  for (const [k, v] of x) if (y.get(k) === v) same++;
  for (const k of y.keys()) if (!x.has(k)) keys++;
  return keys ? same / keys : 1;
}

/**
 * Pairing weight: the same written name pairs most strongly (even across a type change); the
 * same type pairs by how alike the parameters are; different types without the same name never pair.
 */
function layerScore(sx: Signed, sy: Signed): number {
  const x = sx.layer;
  const y = sy.layer;
  const sameName = x.named && y.named && x.id === y.id;
  if (sameName) return 4 + (x.type === y.type ? 1 + paramSimilarity(sx.params, sy.params) : 0);
  if (x.type !== y.type) return 0;
  return 1 + paramSimilarity(sx.params, sy.params);
}

function layerDiff(before: DiffLayer | undefined, after: DiffLayer | undefined): LayerDiff {
  if (!before || !after) {
    const only = (before ?? after)!;
    const count = only.paramCount;
    return { status: before ? 'removed' : 'added', before, after, changes: [], paramDelta: count === null ? null : before ? -count : count, shapeChanged: false };
  }
  const changes: ParamChange[] = [];
  if (before.type !== after.type) changes.push({ key: 'type', before: before.type, after: after.type });
  if ((before.named || after.named) && before.id !== after.id) changes.push({ key: 'name', before: before.named ? before.id : null, after: after.named ? after.id : null });
  const keys = [...new Set([...Object.keys(after.given), ...Object.keys(before.given), ...Object.keys(after.params), ...Object.keys(before.params)])];
  for (const k of keys) {
    if (!sameValue(before.params[k], after.params[k])) changes.push({ key: k, before: before.params[k], after: after.params[k] });
  }
  // Only written wiring counts: a stack's implicit "the layer before" moves with every insertion.
  if ((before.inputsWritten || after.inputsWritten) && !sameValue(before.inputs, after.inputs)) changes.push({ key: 'inputs', before: before.inputs, after: after.inputs });
  const paramDelta = before.paramCount === null || after.paramCount === null ? null : after.paramCount - before.paramCount;
  const shapeChanged = before.outputShapeText !== after.outputShapeText;
  const status: LayerStatus = changes.length ? 'changed' : paramDelta !== 0 || shapeChanged ? 'affected' : 'unchanged';
  return { status, before, after, changes, paramDelta, shapeChanged };
}
