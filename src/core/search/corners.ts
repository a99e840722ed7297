/**
 * Shape inference at the space's corners: for every searched structural layer parameter (whole
 * numbers such as units, filters, kernel_size, and names such as padding) its narrowest and widest
 * values, combined. A corner whose model does not build is reported, naming the corner and the
 * layer, so a search never starts trials that cannot run.
 */
import type { DataShape } from '../catalog/types';
import { DiagnosticSink } from '../diagnostics';
import { inferModel, layerId, type ModelInfo } from '../infer';
import { checkCompatibility } from '../semantics';
import type { Spec } from '../spec';
import type { ResolvedEntry } from './check';
import type { ParamValue, SpaceDist } from './types';

/** Beyond this many corners only the all-narrowest and all-widest are built. */
const MAX_CORNERS = 64;
/** Findings about corners, at most. */
const MAX_REPORTED = 3;

interface Axis {
  entry: ResolvedEntry;
  layerIndex: number;
  param: string;
  values: ParamValue[];
}

/** A parameter's extreme values in a space: the ends of a range, the least and greatest listed number, or every listed name. */
function extremes(dist: SpaceDist): ParamValue[] {
  if (dist.kind === 'int') {
    const top = dist.low + Math.floor((dist.high - dist.low) / dist.step) * dist.step;
    return top === dist.low ? [dist.low] : [dist.low, top];
  }
  if (dist.kind === 'uniform' || dist.kind === 'loguniform') return dist.low === dist.high ? [dist.low] : [dist.low, dist.high];
  const nums = dist.values.filter((v): v is number => typeof v === 'number');
  if (nums.length === dist.values.length) {
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    return lo === hi ? [lo] : [lo, hi];
  }
  return [...new Set(dist.values)];
}

function cartesian(axes: Axis[]): ParamValue[][] {
  let out: ParamValue[][] = [[]];
  for (const a of axes) out = out.flatMap((c) => a.values.map((v) => [...c, v]));
  return out;
}

/** The corners to build: every combination, or just the two diagonal ends when there are too many. */
function corners(axes: Axis[]): ParamValue[][] {
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  if (count <= MAX_CORNERS) return cartesian(axes);
  return [axes.map((a) => a.values[0]), axes.map((a) => a.values[a.values.length - 1])];
}

/** The spec with these layer parameters set (a shallow copy: the layers it changes are new objects). */
function withValues(spec: Spec, axes: Axis[], corner: ParamValue[]): Spec {
  const layers = spec.model!.layers.map((l) => {
    const set = axes.map((a, i) => (a.layerIndex === l.index ? ([a.param, corner[i]] as const) : undefined)).filter((x) => x !== undefined);
    return set.length ? { ...l, params: { ...l.params, ...Object.fromEntries(set) } } : l;
  });
  return { ...spec, model: { ...spec.model!, layers } };
}

/** Shape inference and the output/labels checks of one version of the spec: its model, and the first error. */
function build(spec: Spec, data: DataShape | undefined): { info?: ModelInfo; error?: { code: string; message: string } } {
  const probe = new DiagnosticSink(20);
  const info = inferModel(spec, probe);
  checkCompatibility(spec, info, data, probe);
  return { info, error: probe.items.find((d) => d.severity === 'error') };
}

export function checkCorners(spec: Spec, resolved: readonly ResolvedEntry[], sink: DiagnosticSink, data?: DataShape): void {
  if (!spec.model) return;
  const axes: Axis[] = [];
  for (const r of resolved) {
    const t = r.target;
    if (!t || !r.entry.dist || t.layerIndex === undefined || t.place.kind !== 'param') continue;
    if (t.type.kind !== 'int' && t.type.kind !== 'enum') continue;
    axes.push({ entry: r, layerIndex: t.layerIndex, param: t.place.param, values: extremes(r.entry.dist) });
  }
  if (!axes.length) return;
  // Only a spec that builds as written says anything about its corners.
  const base = build(spec, data);
  if (!base.info || base.error || base.info.layers.some((l) => l.problem)) return;
  let reported = 0;
  const said = new Set<string>();
  for (const corner of corners(axes)) {
    if (reported >= MAX_REPORTED) return;
    const { info, error } = build(withValues(spec, axes, corner), data);
    const failed = info?.layers.find((l) => l.problem);
    if (!failed && !error) continue;
    const why = failed ? `layer \`${layerId(failed.layer)}\` (${failed.layer.type}): ${failed.problem!.message}` : error!.message;
    const key = failed ? `${failed.layer.index}\u0000${failed.problem!.code}` : error!.code;
    if (said.has(key)) continue;
    said.add(key);
    reported++;
    const named = axes.map((a, i) => `\`${a.entry.entry.path}\` = ${JSON.stringify(corner[i])}`).join(', ');
    // On the searched parameter of the failing layer when there is one, else on the first structural one.
    const at = axes.find((a) => failed && a.layerIndex === failed.layer.index) ?? axes[0];
    sink.error('search/corner', at.entry.entry.pathRange, `At the corner ${named} ${failed ? 'the model does not build' : 'the spec cannot train'}: ${why}`, {
      related: failed ? [{ message: `layer \`${layerId(failed.layer)}\``, range: failed.layer.range }] : undefined,
    });
  }
}
