/**
 * Spec → tf.LayersModel. Every catalog layer has one builder in layers/ (a test walks the catalog);
 * stacks and graphs are both built with the functional API in the order shape inference found.
 * Initializers get seeds derived from the spec's seed and the layer, so weights are reproducible.
 */
import * as tf from '../tf';
import type { ModelInfo } from '../../core/infer';
import type { Spec } from '../../core/spec';
import { deriveSeed, fail } from '../util';
import { tfName } from '../../core/catalog';
import { registerFastGradients } from './gradients';
import { LAYER_BUILDERS } from './layers';
import { freezeLayers, tfLayerNames } from './pretrained';
import type { Ctx, Sym } from './layers/shared';

/**
 * Builds the model the spec describes. `info` is the core's shape inference of the same spec
 * (sources resolved, output chosen); a spec with errors never gets here.
 */
export function buildModel(spec: Spec, info: ModelInfo, seed: number, specDir?: string): tf.LayersModel {
  registerFastGradients();
  if (info.output === null) return fail('model/empty', 'The model has no layers.');
  const used = new Set<string>();
  const inputs = new Map<string, Sym>();
  for (const [name, shape] of info.inputs) inputs.set(name, tf.input({ shape: shape.slice(1) as number[], name: tfName(name === 'input' ? 'input' : name, used) }));
  const outputs = new Map<number, Sym>();
  const names = new Map<string, string>();
  const building = new Set<number>();
  const visit = (i: number): Sym => {
    const done = outputs.get(i);
    if (done) return done;
    if (building.has(i)) return fail('model/cycle', 'The model has a cycle.');
    building.add(i);
    const li = info.layers[i];
    const l = li.layer;
    const builder = LAYER_BUILDERS[l.type];
    const where = `layer \`${li.id}\``;
    if (!builder) return fail('model/unsupported', `The trainer has no TensorFlow.js builder for the layer type \`${l.type}\` (${where}).`);
    const xs = li.sources.map((s) => ('input' in s ? inputs.get(s.input)! : visit(s.layer)));
    const ctx: Ctx = { name: tfName(li.id, used), seed: (what) => deriveSeed(seed, 'layer', i, li.id, what), where, specDir };
    names.set(li.id, ctx.name);
    const y = builder(l.params, ctx)(xs);
    outputs.set(i, y);
    return y;
  };
  const out = visit(info.output);
  const model = tf.model({ inputs: [...inputs.values()], outputs: out, name: (spec.name?.value ?? 'model').replace(/[^A-Za-z0-9._-]/g, '_') });
  tfLayerNames.set(model, names);
  freezeLayers(spec, model);
  return model;
}
