/**
 * A run's parameters: its resolved spec (the copy the run folder keeps) flattened to dotted paths
 * as the `search:` section spells them — `train.optimizer.adam.learning_rate`,
 * `model.layers.hidden.units` (a named layer), `model.layers[2].dropout.rate` (by index) — with the
 * catalog's defaults applied, so writing a default out is no difference. The model, data and
 * training settings come from the diff's own flattening (src/core/diff/settings.ts).
 */
import { DiagnosticSink } from '../diagnostics';
import { readSpec } from '../read';
import { dataFlat, modelFlat, trainFlat } from '../diff/settings';
import { formatValue, plainValue } from '../diff/values';
import type { RunParamValue } from './table';

/** Settings that say where files go or what a run runs on, not what it learns. */
const NOT_LEARNT = /^(name|description|train\.device|train\.checkpoint\.)/;

function scalar(v: unknown): RunParamValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return formatValue(plainValue(v));
}

/**
 * An item's `path = type` and `path.k = v` (the diff's form) become `path = type` and
 * `path.<type>.k = v` (the search's form). A path is an item when it holds a string and has children.
 */
function withTypeSegments(flat: Map<string, unknown>): Map<string, unknown> {
  const items = new Map<string, string>();
  for (const [k, v] of flat) if (typeof v === 'string' && [...flat.keys()].some((c) => c.startsWith(`${k}.`))) items.set(k, v);
  const out = new Map<string, unknown>();
  for (const [k, v] of flat) {
    const parent = [...items.keys()].find((p) => k.startsWith(`${p}.`) && !k.slice(p.length + 1).includes('.'));
    out.set(parent ? `${parent}.${items.get(parent)}.${k.slice(parent.length + 1)}` : k, v);
  }
  return out;
}

/**
 * The spec text's parameters by dotted path (empty when the text does not read as a spec). Only
 * the read phase runs (defaults come from the catalog there): no shape inference, no data checks,
 * as the runs view reads every run's copy.
 */
export function specParams(text: string): Record<string, RunParamValue> {
  const { spec } = readSpec(text, new DiagnosticSink(50));
  const out: Record<string, RunParamValue> = {};
  const flat = new Map<string, unknown>([...modelFlat(spec), ...dataFlat(spec), ...trainFlat(spec)]);
  for (const [k, v] of withTypeSegments(flat)) if (!NOT_LEARNT.test(k)) out[k] = scalar(v);
  const layers = spec.model?.layers ?? [];
  out['model.layers'] = layers.length;
  for (const l of layers) {
    const base = l.name ? `model.layers.${l.name.value}` : `model.layers[${l.index}].${l.type}`;
    if (l.name) out[`${base}.type`] = l.type;
    const params = l.known ? l.params : Object.fromEntries([...l.given].map(([k, p]) => [k, p.value]));
    for (const [k, v] of Object.entries(params)) out[`${base}.${k}`] = scalar(v);
  }
  return out;
}
