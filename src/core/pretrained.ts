/**
 * Checks of pretrained starting points (`model.weights`, layer `trainable`, `train.unfreeze`):
 * names exist in the spec and in the source, each layer's weight tensors have the shapes shape
 * inference gives them (the parameter count where the catalog does not state the tensors), and
 * which layers start frozen (counted as non-trainable, as Keras's summary does).
 */
import type { DataHost, PretrainedSummary } from './catalog/types';
import type { DiagnosticSink } from './diagnostics';
import { layerId, type ModelInfo } from './infer';
import { count as counted } from './plural';
import type { Located, Spec } from './spec';
import { closest, didYouMean } from './suggest';

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
export const summaryParams = (l: PretrainedSummary['layers'][number]): number => l.weights.reduce((n, w) => n + count(w.shape), 0);

/** A weight tensor by name and shape: the spec's (from shape inference or the built model) or a source's. */
export interface NamedShape {
  name: string;
  shape: readonly (number | null)[];
}

const fmt = (s: readonly (number | null)[]) => `[${s.join(', ')}]`;

/**
 * How a layer's weight tensors here differ from a source's, compared in order (Keras's, which is
 * also TensorFlow.js's): the count, or the first tensor whose shape differs. Undefined when they
 * agree. The checker while typing and the trainer's load both say it this way.
 */
export function weightMismatch(layer: string, here: readonly NamedShape[], source: readonly NamedShape[], file: string): string | undefined {
  const list = (ws: readonly NamedShape[]) => ws.map((w) => `${w.name} ${fmt(w.shape)}`).join(', ');
  if (here.length !== source.length) {
    return `Layer \`${layer}\` has ${counted(here.length, 'weight tensor')} here (${list(here)}) but ${source.length} in ${file} (${list(source)}).`;
  }
  const i = here.findIndex((t, j) => t.shape.length !== source[j].shape.length || t.shape.some((d, k) => d !== source[j].shape[k]));
  if (i < 0) return undefined;
  return `Layer \`${layer}\`: its ${here[i].name} is ${fmt(here[i].shape)} here but ${source[i].name} is ${fmt(source[i].shape)} in ${file}.`;
}

/** The ids of the layers `model.weights` loads: its `layers`, or every spec layer the source has (when known). */
export function loadedLayerIds(spec: Spec, source?: PretrainedSummary): string[] {
  const w = spec.model?.weights;
  if (!w) return [];
  if (w.layers) return w.layers.map((l) => l.value);
  const ids = (spec.model?.layers ?? []).map(layerId);
  return source ? ids.filter((id) => source.layers.some((l) => l.name === id && l.weights.length > 0)) : ids.filter((id) => spec.model!.layers.some((l) => l.name?.value === id));
}

/** Layers frozen at the start of training: `trainable: false`, or loaded with `model.weights.trainable: false`. */
export function frozenLayerIds(spec: Spec, source?: PretrainedSummary): Set<string> {
  const frozen = new Set<string>();
  if (spec.model?.weights && !spec.model.weights.trainable) for (const id of loadedLayerIds(spec, source)) frozen.add(id);
  for (const l of spec.model?.layers ?? []) {
    if (l.trainable?.value === false) frozen.add(layerId(l));
    else if (l.trainable?.value === true) frozen.delete(layerId(l));
  }
  return frozen;
}

/** Names in a `layers:` list that are not layers of the spec: an error with a did-you-mean. */
function checkNames(names: readonly Located<string>[] | undefined, ids: string[], what: string, sink: DiagnosticSink): void {
  for (const n of names ?? []) {
    if (ids.includes(n.value)) continue;
    const s = closest(n.value, ids);
    sink.error('weights/unknown-layer', n.range, `\`${what}\` names \`${n.value}\`, which is not a layer of this spec.${didYouMean(s)}`, {
      fixes: s ? [{ kind: 'replace', range: n.range, text: s, title: `Change to '${s}'` }] : undefined,
    });
  }
}

/** Checks `model.weights` and `train.unfreeze`, reads the source through the host, and marks frozen parameters in `model`. */
export function checkPretrained(spec: Spec, model: ModelInfo | undefined, host: DataHost, sink: DiagnosticSink): PretrainedSummary | undefined {
  const ids = (spec.model?.layers ?? []).map(layerId);
  const w = spec.model?.weights;
  checkNames(w?.layers, ids, 'model.weights.layers', sink);
  checkNames(spec.train?.unfreeze?.layers, ids, 'train.unfreeze.layers', sink);
  let source: PretrainedSummary | undefined;
  if (w?.from) {
    const answer = host.pretrained?.(w.from.value);
    if (answer && 'error' in answer) sink.error('weights/source', w.from.range, answer.error);
    else source = answer;
  }
  if (source && w && model) checkAgainstSource(w, source, model, sink);
  const frozen = frozenLayerIds(spec, source);
  if (spec.train?.unfreeze && frozen.size === 0) sink.warning('weights/nothing-frozen', spec.train.unfreeze.keyRange, '`train.unfreeze` has nothing to unfreeze: no layer is frozen (`trainable: false` on a layer or on `model.weights`).');
  if (model) for (const info of model.layers) if (frozen.has(info.id) && info.params !== null) info.nonTrainableParams = info.params;
  return source;
}

function checkAgainstSource(w: NonNullable<NonNullable<Spec['model']>['weights']>, source: PretrainedSummary, model: ModelInfo, sink: DiagnosticSink): void {
  const names = source.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
  const wanted = w.layers ?? model.layers.filter((i) => names.includes(i.id)).map((i) => ({ value: i.id, range: i.layer.name?.range ?? i.layer.typeRange }));
  if (!w.layers && wanted.length === 0) {
    sink.error('weights/no-match', w.from!.range, `No layer of this spec has a name the source has weights for (${names.map((n) => `\`${n}\``).join(', ')}): name the spec's layers like the source's, or list them in \`layers\`.`);
  }
  for (const n of wanted) {
    const info = model.layers.find((i) => i.id === n.value);
    if (!info) continue;
    if (!info.weights && info.params) {
      // multi_head_attention and transformer_encoder are several TF.js layers (no one layer to load into); bert reads its own folder.
      sink.error('weights/unsupported-layer', n.range, `\`${n.value}\` is a \`${info.layer.type}\`: loading its weights from a source is not supported yet. Leave it out of \`model.weights.layers\`${w.layers ? '' : ' (list the layers to load)'}.`);
      continue;
    }
    const src = source.layers.find((l) => l.name === n.value);
    if (!src || src.weights.length === 0) {
      const s = closest(n.value, names);
      sink.error('weights/not-in-source', n.range, `The source has no weights for a layer \`${n.value}\`.${didYouMean(s)}${s ? '' : ` It has ${names.map((x) => `\`${x}\``).join(', ')}.`}`);
      continue;
    }
    // Reported at a name in `model.weights.layers`: the layer itself is elsewhere.
    const related = w.layers ? [{ message: `\`${n.value}\` is defined here`, range: info.layer.typeRange }] : undefined;
    if (info.weights) {
      const problem = weightMismatch(n.value, info.weights, src.weights, w.from!.value);
      if (problem) sink.error('weights/shape-mismatch', n.range, problem, { related });
      continue;
    }
    const have = summaryParams(src);
    if (info.params !== null && info.params !== have) {
      const shapes = src.weights.map((x) => `${x.name} [${x.shape.join(', ')}]`).join(', ');
      sink.error('weights/shape-mismatch', n.range, `\`${n.value}\` has ${info.params.toLocaleString('en-US')} parameters here but the source's ${src.className ?? 'layer'} \`${src.name}\` has ${have.toLocaleString('en-US')}: ${shapes}.`, { related });
    }
  }
}

/** Hover text for `model.weights.from`: what the source holds. */
export function describeSource(source: PretrainedSummary): string {
  const rows = source.layers.filter((l) => l.weights.length > 0).map((l) => `| \`${l.name}\` | ${l.className ?? ''} | ${l.weights.map((x) => `[${x.shape.join(', ')}]`).join(' ')} | ${summaryParams(l).toLocaleString('en-US')} |`);
  const total = source.layers.reduce((n, l) => n + summaryParams(l), 0);
  return [`**Pretrained weights** (${source.format}): ${rows.length} layers with weights, ${total.toLocaleString('en-US')} parameters`, '', '| layer | class | weights | params |', '| --- | --- | --- | ---: |', ...rows].join('\n');
}
