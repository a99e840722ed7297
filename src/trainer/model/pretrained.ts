/**
 * Fine-tuning in the trainer: pretrained weights into the built model's layers (matched by the
 * spec's layer names), frozen layers, the unfreeze schedule and per-group learning-rate multipliers.
 *
 * Freezing sets the tfjs layer's `trainable` before compiling, so its variables are not in the
 * train function's var list: no gradient is computed for them. A multiplier scales each step's
 * *update* of the group's variables (new = old + m·(stepped − old)) rather than the gradient,
 * because Adam and RMSprop normalise the gradient away: scaling the update is a rate multiplier
 * for every optimizer, without a second optimizer's state to save and restore.
 */
import * as tf from '../tf';
import type { ModelInfo } from '../../core/infer';
import { frozenLayerIds, loadedLayerIds, weightMismatch } from '../../core/pretrained';
import type { Spec } from '../../core/spec';
import { PretrainedError, readPretrained, type PretrainedSource } from '../../node/pretrained';
import { isAbsolute, resolve } from 'node:path';
import { fail } from '../util';

/** Spec layer id → the tfjs layer's name, recorded by buildModel. */
export const tfLayerNames = new WeakMap<tf.LayersModel, Map<string, string>>();

const tfLayer = (model: tf.LayersModel, id: string): tf.layers.Layer => {
  const name = tfLayerNames.get(model)?.get(id);
  if (!name) return fail('weights/unknown-layer', `The model has no layer \`${id}\`.`);
  // A layer built of several TF.js layers (the attention layers) has none under its own name.
  if (!model.layers.some((l) => l.name === name)) return fail('weights/unsupported-layer', `Layer \`${id}\` is built of several layers: its weights cannot be loaded, frozen or unfrozen yet.`);
  return model.getLayer(name);
};

/** Marks the layers frozen at the start (before compile: their variables then get no gradients). */
export function freezeLayers(spec: Spec, model: tf.LayersModel): void {
  for (const id of frozenLayerIds(spec)) tfLayer(model, id).trainable = false;
}

/** Loads `model.weights` into the model; returns the loaded layer ids. */
export async function loadPretrainedWeights(spec: Spec, info: ModelInfo, model: tf.LayersModel, specDir: string): Promise<string[]> {
  const w = spec.model?.weights;
  if (!w?.from) return [];
  const path = isAbsolute(w.from.value) ? w.from.value : resolve(specDir, w.from.value);
  let source: PretrainedSource;
  try {
    source = await readPretrained(path);
  } catch (e) {
    if (e instanceof PretrainedError) fail(e.code, e.message, { file: e.file });
    throw e;
  }
  const ids = loadedLayerIds(spec, { format: source.format, layers: source.layers });
  for (const id of ids) {
    const src = source.layers.find((l) => l.name === id);
    if (!src) fail('weights/not-in-source', `${path} has no layer \`${id}\` (it has ${source.layers.map((l) => l.name).join(', ')}).`, { file: path });
    const layer = tfLayer(model, id);
    const problem = weightMismatch(id, builtWeights(layer, info.layers.find((l) => l.id === id)?.weights), src.weights, path);
    if (problem) fail('weights/shape-mismatch', problem, { file: path });
    layer.setWeights(src.weights.map((s) => tf.tensor(s.values, s.shape, 'float32')));
  }
  return ids;
}

/**
 * The built layer's tensors with their shapes, named as the catalog names them (the checker's
 * names, so both say the same) when it lists as many, else as TF.js does less the layer's prefix.
 */
function builtWeights(layer: tf.layers.Layer, catalog: ModelInfo['layers'][number]['weights']): { name: string; shape: number[] }[] {
  const same = catalog?.length === layer.weights.length;
  return layer.weights.map((t, i) => ({ name: same ? catalog[i].name : t.originalName.replace(`${layer.name}/`, ''), shape: t.shape as number[] }));
}

interface Group {
  vars: tf.LayerVariable[];
  multiplier: number;
}

/** Per-group rate multipliers: wraps `applyGradients` to scale the groups' updates. */
export class RateGroups {
  private groups: Group[] = [];

  constructor(private readonly optimizer: tf.Optimizer) {
    const apply = optimizer.applyGradients.bind(optimizer);
    optimizer.applyGradients = (grads) => {
      const active = this.groups.flatMap((g) => g.vars.filter((v) => v.trainable).map((v) => ({ v, m: g.multiplier, before: tf.clone(v.read()) })));
      apply(grads);
      if (active.length) {
        tf.tidy(() => {
          for (const { v, m, before } of active) v.write(tf.add(before, tf.mul(tf.sub(v.read(), before), m)));
        });
        for (const a of active) a.before.dispose();
      }
    };
  }

  set(vars: tf.LayerVariable[], multiplier: number): void {
    const ids = new Set(vars.map((v) => v.id));
    this.groups = this.groups.map((g) => ({ ...g, vars: g.vars.filter((v) => !ids.has(v.id)) })).filter((g) => g.vars.length);
    if (multiplier !== 1) this.groups.push({ vars, multiplier });
  }
}

/** The fine-tuning setup of a compiled model: rate groups, and what to do before each epoch (unfreeze). */
export function fineTuning(spec: Spec, model: tf.LayersModel, optimizer: tf.Optimizer, loaded: string[], log: (m: string) => void): { beforeEpoch?: (epoch: number) => void; changesVariables: boolean } {
  const w = spec.model?.weights;
  const groups = new RateGroups(optimizer);
  const varsOf = (ids: Iterable<string>) => [...ids].flatMap((id) => tfLayer(model, id).trainableWeights.concat(tfLayer(model, id).nonTrainableWeights));
  if (w && w.learningRateMultiplier !== 1) groups.set(varsOf(loaded), w.learningRateMultiplier);
  const u = spec.train?.unfreeze;
  const multiplied = !!w && w.learningRateMultiplier !== 1;
  if (!u?.afterEpochs) return { changesVariables: multiplied };
  const after = u.afterEpochs.value;
  const ids = u.layers?.map((l) => l.value) ?? [...frozenLayerIds(spec)];
  let done = false;
  return {
    changesVariables: true,
    beforeEpoch(epoch) {
      if (done || epoch <= after) return;
      done = true;
      for (const id of ids) tfLayer(model, id).trainable = true;
      // The train function reads this list on every step: the unfrozen variables now get gradients.
      // They go at its end: tfjs optimizers keep their state by position in it (Adam's moments),
      // so the variables already training must keep theirs.
      const m = model as unknown as { collectedTrainableWeights: tf.LayerVariable[] };
      const training = new Set(m.collectedTrainableWeights);
      m.collectedTrainableWeights = [...m.collectedTrainableWeights, ...model.trainableWeights.filter((v) => !training.has(v))];
      groups.set(varsOf(ids), u.learningRateMultiplier);
      log(`unfroze ${ids.join(', ')} before epoch ${epoch}${u.learningRateMultiplier !== 1 ? ` (learning rate × ${u.learningRateMultiplier})` : ''}`);
    },
  };
}
