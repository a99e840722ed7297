/**
 * Catalog layer parameters → TensorFlow.js layer arguments. One mapping for the trainer's generic
 * builder, the test that compares the catalog with tfjs, and the exporters to come: the factory is
 * the `tf.layers.…` the entry's `tfjs` names, each argument the camelCase of the parameter, an
 * `int_or_ints` number a tuple (tfjs does not expand it everywhere), and an entry's `tfjsValues`
 * converts the values tfjs spells differently.
 */
import { withDefaults } from './defaults';
import type { LayerEntry, Params, ParamSpec } from './types';

export const camelCase = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The tf.layers factory an entry maps to ("tf.layers.conv2d" → "conv2d"); undefined for composed layers. */
export function tfjsFactory(entry: LayerEntry): string | undefined {
  return /^tf\.layers\.(\w+)/.exec(entry.tfjs)?.[1];
}

/**
 * How a parameter that names another catalog entry (an activation, initializer, regularizer) or
 * holds a nested layer becomes a tfjs value. Undefined leaves the argument out.
 */
export type ResolveArg = (spec: ParamSpec & { type: { kind: 'ref' | 'layer' } }, value: unknown) => unknown;

const isRefOrLayer = (s: ParamSpec): s is ParamSpec & { type: { kind: 'ref' | 'layer' } } => s.type.kind === 'ref' || s.type.kind === 'layer';

/** The tfjs arguments of a layer (without `name`), catalog defaults applied under `given`. */
export function tfjsLayerArgs(entry: LayerEntry, given: Params, resolve: ResolveArg): Record<string, unknown> {
  const params = withDefaults(entry.params, given);
  const args: Record<string, unknown> = {};
  for (const spec of entry.params) {
    const value = params[spec.name];
    if (value === undefined || value === null) continue;
    const key = camelCase(spec.name);
    let out: unknown = value;
    if (isRefOrLayer(spec)) out = resolve(spec, value);
    else if (spec.type.kind === 'int_or_ints' && typeof value === 'number') out = Array.from({ length: spec.type.length }, () => value);
    const convert = entry.tfjsValues?.[spec.name];
    if (convert) out = convert(out);
    if (out !== undefined) args[key] = out;
  }
  return args;
}

/**
 * The tfjs name of a spec layer (its id): tfjs layer names allow letters, digits and `._-/`; keep
 * the spec's names recognisable. The trainer names its layers with it, and exporters find a
 * checkpoint's weights (`<name>/kernel`) with it, in the same order over the same layers.
 */
export function tfName(id: string, used: Set<string>): string {
  let base = id.replace(/[^A-Za-z0-9._/-]/g, '_');
  if (!/^[A-Za-z0-9]/.test(base)) base = `l${base}`;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}
