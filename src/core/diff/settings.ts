/**
 * The non-layer half of the diff: model-level settings (name, inputs, output), data (source,
 * pipeline steps, splits) and training (loss, optimizer, learning rate, batch size, epochs,
 * schedule, seed…), each flattened to dotted paths as the YAML spells them and compared.
 */
import type { Analysis } from '../analyze';
import type { ItemNode, Spec } from '../spec';
import { align } from './align';
import type { SettingChange } from './types';
import { plainValue, sameValue } from './values';


type Flat = Map<string, unknown>;

/** An item's type at `path` and each parameter at `path.name`; defaults applied when known. */
function flattenItem(flat: Flat, path: string, item: ItemNode | undefined): void {
  if (!item) return;
  flat.set(path, item.type);
  const params = item.known ? item.params : Object.fromEntries([...item.given].map(([k, p]) => [k, p.value]));
  for (const [k, v] of Object.entries(params)) flat.set(`${path}.${k}`, plainValue(v));
}

export function modelFlat(spec: Spec): Flat {
  const flat: Flat = new Map();
  if (spec.name) flat.set('name', spec.name.value);
  if (spec.description) flat.set('description', spec.description.value);
  for (const [name, shape] of spec.model?.inputs?.value ?? []) flat.set(name === 'input' ? 'model.input' : `model.inputs.${name}`, shape.value);
  if (spec.model?.output) flat.set('model.output', spec.model.output.value);
  return flat;
}

export function dataFlat(spec: Spec): Flat {
  const flat: Flat = new Map();
  const d = spec.data;
  if (!d) return flat;
  flattenItem(flat, 'data.source', d.source);
  for (const [key, split] of [['validation', d.validation], ['test', d.test]] as const) {
    if (split?.split) flat.set(`data.${key}.split`, split.split.value);
    flattenItem(flat, `data.${key}.source`, split?.source);
  }
  return flat;
}

/** Training settings with the trainer's defaults, so writing a default out is no change. */
export function trainFlat(spec: Spec): Flat {
  const flat: Flat = new Map();
  const t = spec.train;
  flat.set('seed', spec.seed?.value ?? 42);
  if (!t) return flat;
  flattenItem(flat, 'train.loss', t.loss);
  if (t.optimizer) flattenItem(flat, 'train.optimizer', t.optimizer);
  else flat.set('train.optimizer', 'adam');
  flat.set('train.metrics', t.metrics.map((m) => m.type));
  flat.set('train.epochs', t.epochs?.value ?? 10);
  flat.set('train.batch_size', t.batchSize?.value ?? 32);
  flat.set('train.shuffle', t.shuffle?.value ?? true);
  flat.set('train.device', t.device?.value ?? 'auto');
  flattenItem(flat, 'train.lr_schedule', t.lrSchedule);
  const es = t.earlyStopping?.value;
  if (es) {
    flat.set('train.early_stopping.monitor', es.monitor);
    flat.set('train.early_stopping.patience', es.patience);
    flat.set('train.early_stopping.min_delta', es.minDelta);
    flat.set('train.early_stopping.restore_best_weights', es.restoreBestWeights);
  }
  const cp = t.checkpoint?.value ?? { best: true, last: true, monitor: 'val_loss' };
  for (const [k, v] of Object.entries(cp)) flat.set(`train.checkpoint.${k}`, v);
  return flat;
}

function compareFlat(a: Flat, b: Flat): SettingChange[] {
  const out: SettingChange[] = [];
  for (const [path, after] of b) {
    if (!a.has(path)) out.push({ path, kind: 'added', after });
    else if (!sameValue(a.get(path), after)) out.push({ path, kind: 'changed', before: a.get(path), after });
  }
  for (const [path, before] of a) if (!b.has(path)) out.push({ path, kind: 'removed', before });
  return out;
}

/** A changed item type hides its parameters' noise: `adam → sgd` is one line, not five. */
function dropUnderChangedTypes(changes: SettingChange[]): SettingChange[] {
  const retyped = changes.filter((c) => c.kind === 'changed' && typeof c.before === 'string').map((c) => c.path);
  return changes.filter((c) => !retyped.some((p) => c.path.startsWith(`${p}.`) && c.kind !== 'changed'));
}

/** Pipeline steps aligned like layers, so inserting a step does not change every step after it. */
function pipelineChanges(a: ItemNode[], b: ItemNode[]): SettingChange[] {
  const out: SettingChange[] = [];
  const steps = align(a, b, (x, y) => (x.type === y.type ? 1 + (sameValue(x.params, y.params) ? 1 : 0) : 0));
  for (const step of steps) {
    if (step.before === undefined) out.push({ path: `data.pipeline[${step.after}]`, kind: 'added', after: stepValue(b[step.after]) });
    else if (step.after === undefined) out.push({ path: `data.pipeline[${step.before}]`, kind: 'removed', before: stepValue(a[step.before]) });
    else {
      const fa: Flat = new Map();
      const fb: Flat = new Map();
      flattenItem(fa, `data.pipeline[${step.after}].${a[step.before].type}`, a[step.before]);
      flattenItem(fb, `data.pipeline[${step.after}].${b[step.after].type}`, b[step.after]);
      out.push(...compareFlat(fa, fb));
    }
  }
  return out;
}

/** A step as one value, `{ type, params }`, the form `formatValue` prints as `scale(divisor=255)`. */
function stepValue(item: ItemNode): { type: string; params: Record<string, unknown> } {
  return { type: item.type, params: Object.fromEntries([...item.given].map(([k, p]) => [k, plainValue(p.value)])) };
}

export function settingChanges(a: Analysis, b: Analysis): { model: SettingChange[]; data: SettingChange[]; train: SettingChange[] } {
  return {
    model: compareFlat(modelFlat(a.spec), modelFlat(b.spec)),
    data: [...dropUnderChangedTypes(compareFlat(dataFlat(a.spec), dataFlat(b.spec))), ...pipelineChanges(a.spec.data?.pipeline ?? [], b.spec.data?.pipeline ?? [])],
    train: dropUnderChangedTypes(compareFlat(trainFlat(a.spec), trainFlat(b.spec))),
  };
}
