/**
 * Checks that need the whole spec: the data pipeline followed to `model.input`, the model output
 * against the labels, the last activation against the loss, metrics against the task.
 */
import { entries, lookup } from './catalog';
import type { DataHost, DataShape, LabelKind, LossEntry } from './catalog/types';
import type { DiagnosticSink, Fix, Range } from './diagnostics';
import type { LayerInfo, ModelInfo } from './infer';
import { formatShape, sampleSize } from './shape';
import type { ItemNode, ItemValue, Spec } from './spec';
import { count } from './plural';

/** Follows the data source through the pipeline; reports the step that fails. */
export function inferData(spec: Spec, host: DataHost, sink: DiagnosticSink): DataShape | undefined {
  const data = spec.data;
  if (!data?.source?.known) return undefined;
  const source = lookup('source', data.source.type)!;
  const at = (item: ItemNode, param?: string) => (param ? (item.given.get(param)?.valueRange ?? item.typeRange) : item.typeRange);
  let out;
  try {
    out = source.describe({ params: data.source.params, host });
  } catch (e) {
    out = { error: { code: 'data/internal', message: `Could not describe the source: ${(e as Error).message}` } };
  }
  if ('error' in out) {
    sink.error(out.error.code, at(data.source, out.error.param), out.error.message);
    return undefined;
  }
  let shape = out.data;
  for (const step of data.pipeline) {
    const entry = lookup('step', step.type);
    if (!entry || !step.known) return undefined;
    let next;
    try {
      next = entry.apply(shape, { params: step.params, host });
    } catch (e) {
      next = { error: { code: 'data/internal', message: `Could not follow \`${step.type}\`: ${(e as Error).message}` } };
    }
    if ('error' in next) {
      const fixes: Fix[] | undefined =
        next.error.action?.kind === 'set_param'
          ? [{ kind: 'set_param', itemRange: step.range, param: next.error.action.param, value: next.error.action.value, title: `Set \`${next.error.action.param}\` to ${JSON.stringify(next.error.action.value)}` }]
          : undefined;
      sink.error(next.error.code, at(step, next.error.param), next.error.message + (next.error.fix ? ` Fix: ${next.error.fix}.` : ''), { fixes });
      return undefined;
    }
    shape = next.data;
  }
  return shape;
}

const labelWords: Record<LabelKind | 'unknown', string> = {
  one_hot: 'one-hot labels',
  class_index: 'class-index labels (integers)',
  binary: 'binary 0/1 labels',
  continuous: 'continuous targets',
  signed: '−1/+1 labels',
  unknown: 'labels of unknown kind',
};

function activationOf(v: unknown): string {
  return typeof v === 'object' && v !== null && 'type' in v ? (v as ItemValue).type : 'linear';
}

/** The parts of a spec that must agree with each other: data and input, output and labels, loss, activation and metrics. */
export function checkCompatibility(spec: Spec, model: ModelInfo | undefined, data: DataShape | undefined, sink: DiagnosticSink): void {
  const train = spec.train;
  const loss = train?.loss?.known ? lookup('loss', train.loss.type) : undefined;
  if (data) checkInputAgainstData(spec, data, sink);
  if (data?.text && spec.model) {
    sink.error('data/text-features', spec.data?.source?.typeRange ?? spec.model.keyRange, 'The features are text: add `tokenize` and `pad_sequences` to the pipeline so the model gets integer sequences.');
  }
  const outIndex = model?.output;
  const out = outIndex !== null && outIndex !== undefined ? model!.layers[outIndex] : undefined;
  if (out && data?.labels) checkOutputAgainstLabels(model!, out, data, loss, sink);
  if (loss && data && train?.loss) checkLossAgainstLabels(loss, train.loss.typeRange, data, sink);
  if (loss && out && train?.loss) checkOutputActivation(loss, train.loss.typeRange, out, data, sink);
  if (loss && train) checkMetrics(loss, train.metrics, sink);
}

/** The pipeline's samples against `model.input`. */
function checkInputAgainstData(spec: Spec, data: DataShape, sink: DiagnosticSink): void {
  const inputs = spec.model?.inputs;
  if (data.features && inputs && inputs.value.size === 1) {
    const [declared] = inputs.value.values();
    const produced = data.features;
    const same = produced.length === declared.value.length && produced.every((d, i) => d === null || d === declared.value[i]);
    if (!same) {
      const pSize = sampleSize([null, ...produced]);
      const dSize = sampleSize([null, ...declared.value]);
      const axis = produced.length === declared.value.length ? produced.findIndex((d, i) => d !== null && d !== declared.value[i]) : -1;
      const detail =
        axis >= 0
          ? ` They differ on axis ${axis + 1} (${produced[axis]} vs ${declared.value[axis]}).`
          : ` The ranks differ (${produced.length} vs ${declared.value.length}).`;
      const fix =
        pSize !== null && pSize === dSize
          ? ` Fix: add \`- reshape: { shape: ${JSON.stringify(declared.value)} }\` to the pipeline, or set \`model.input: ${JSON.stringify(produced)}\`.`
          : ` Fix: set \`model.input: ${JSON.stringify(produced)}\`, or change the pipeline.`;
      sink.error('data/input-mismatch', declared.range, `The pipeline produces samples of shape ${formatShape([null, ...produced])}, but \`model.input\` is ${formatShape([null, ...declared.value])}.${detail}${fix}`, {
        fixes: [{ kind: 'replace', range: declared.range, text: JSON.stringify(produced).replace(/,/g, ', '), title: `Set model.input to ${JSON.stringify(produced)}` }],
      });
    }
  }
}

/** The model's output against the labels: its rank (a missing `flatten`) and its units (the classes). */
function checkOutputAgainstLabels(model: ModelInfo, out: LayerInfo, data: DataShape, loss: LossEntry | undefined, sink: DiagnosticSink): void {
  if (out.outputShape && data.labels) {
    const outShape = out.outputShape;
    const labelRank = data.labels.length + 1;
    const lossSparse = loss?.labels.includes('class_index') && !loss.labels.includes('one_hot');
    const expectedRank = lossSparse ? 2 : Math.max(2, labelRank);
    if (outShape.length > expectedRank) {
      // Dense applies to the last axis: find the dense layer fed a >2-D tensor and offer flatten.
      const culprit = model.layers.find((l) => l.layer.type === 'dense' && l.inputShapes?.[0] && l.inputShapes[0].length > 2);
      const where = culprit ?? out;
      sink.error(
        'shape/output-mismatch',
        where.layer.typeRange,
        `The model outputs ${formatShape(outShape)}, but the labels are ${formatShape([null, ...(lossSparse ? [1] : data.labels.length ? data.labels : [1])])}.` +
          (culprit ? ` \`dense\` applies to the last axis only, so its input ${formatShape(culprit.inputShapes![0])} keeps its spatial axes. Fix: insert \`flatten\` before it.` : ' Fix: flatten or pool the output.'),
        {
          fixes: culprit ? [{ kind: 'insert_layer_before', layerIndex: culprit.layer.index, layer: 'flatten', title: 'Insert `flatten` before this layer' }] : undefined,
          related: culprit && culprit !== out ? [{ message: `the model output ${formatShape(outShape)}`, range: out.layer.typeRange }] : undefined,
        },
      );
    } else {
      const units = outShape[outShape.length - 1];
      const wanted = lossSparse || data.labelKind === 'class_index' ? (data.classes ?? null) : data.labels.length ? data.labels[data.labels.length - 1] : 1;
      const isBinary = loss?.name === 'binary_crossentropy' || loss?.name === 'hinge';
      if (units !== null && wanted !== null && units !== wanted && !(isBinary && units === 1)) {
        const unitsRange = out.layer.given.get('units')?.valueRange ?? out.layer.typeRange;
        sink.error('shape/units-mismatch', unitsRange, `The last layer has ${count(units, 'output')}, but the labels have ${data.labelKind === 'continuous' ? count(wanted, 'value') : count(wanted, 'class')} (${labelWords[data.labelKind]}). Fix: set \`units: ${wanted}\`.`, {
          fixes: out.layer.type === 'dense' ? [{ kind: 'set_param', itemRange: out.layer.range, param: 'units', value: wanted, title: `Set units to ${wanted}` }] : undefined,
        });
      }
    }
  }
}

/** The loss against the kind of labels the pipeline yields. */
function checkLossAgainstLabels(loss: LossEntry, lossRange: Range, data: DataShape, sink: DiagnosticSink): void {
  // 0/1 labels are the class indices of two classes: Keras's sparse cross-entropy on a 2-unit softmax takes them.
  const binaryAsIndex = data.labelKind === 'binary' && loss.labels.includes('class_index');
  if (data.labelKind !== 'unknown' && !loss.labels.includes(data.labelKind) && !binaryAsIndex) {
    const better = entries('loss').find((l) => l.labels.includes(data.labelKind as LabelKind) && l.task === loss.task);
    const oneHotHint = data.labelKind === 'class_index' && loss.labels.includes('one_hot') ? ' or add `- one_hot` to the pipeline' : '';
    sink.error('loss/labels-mismatch', lossRange, `\`${loss.name}\` expects ${loss.labels.map((k) => labelWords[k]).join(' or ')}, but the pipeline yields ${labelWords[data.labelKind]}.${better ? ` Fix: use \`${better.name}\`${oneHotHint}.` : ''}`, {
      fixes: better ? [{ kind: 'replace', range: lossRange, text: better.name, title: `Use '${better.name}'` }] : undefined,
    });
  }
}

/** The last layer's activation against what the loss expects. */
function checkOutputActivation(loss: LossEntry, lossRange: Range, out: LayerInfo, data: DataShape | undefined, sink: DiagnosticSink): void {
  const act = activationOf(out.layer.params.activation);
  const lastIsActivationLayer = out.layer.type === 'activation';
  const units = out.outputShape?.[out.outputShape.length - 1];
  if (out.layer.known && (out.layer.params.activation !== undefined || lastIsActivationLayer) && !loss.outputActivations.includes(act)) {
    const suggested = loss.outputActivations[0];
    const range = out.layer.given.get('activation')?.valueRange ?? out.layer.typeRange;
    const alt = entries('loss').find((l) => l.outputActivations.includes(act) && l.task === loss.task && (!data || data.labelKind === 'unknown' || l.labels.includes(data.labelKind as LabelKind)));
    const fixes: Fix[] = [];
    if (out.layer.given.has('activation')) fixes.push({ kind: 'replace', range, text: suggested, title: `Use activation '${suggested}'` });
    else if (!lastIsActivationLayer) fixes.push({ kind: 'set_param', itemRange: out.layer.range, param: 'activation', value: suggested, title: `Add activation '${suggested}'` });
    if (alt) fixes.push({ kind: 'replace', range: lossRange, text: alt.name, title: `Use loss '${alt.name}'` });
    sink.warning('loss/activation-mismatch', range, `The last layer's activation is \`${act}\`, but \`${loss.name}\` expects \`${loss.outputActivations.join('` or `')}\` outputs.${alt ? ` Fix: use activation \`${suggested}\`, or the loss \`${alt.name}\`.` : ` Fix: use activation \`${suggested}\`.`}`, {
      fixes,
      related: [{ message: `loss \`${loss.name}\``, range: lossRange }],
    });
  }
  if (loss.name === 'binary_crossentropy' && act === 'softmax' && units === 1) {
    sink.error('loss/activation-mismatch', out.layer.typeRange, 'A softmax over one unit always outputs 1, so `binary_crossentropy` cannot learn. Fix: use `activation: sigmoid`.');
  }
}

/** Metrics for another task than the loss trains. */
function checkMetrics(loss: LossEntry, metrics: readonly ItemNode[], sink: DiagnosticSink): void {
  for (const m of metrics) {
    const metric = m.known ? lookup('metric', m.type) : undefined;
    if (metric && metric.task !== 'any' && metric.task !== loss.task) {
      sink.warning('metric/task-mismatch', m.typeRange, `\`${metric.name}\` is a ${metric.task} metric, but \`${loss.name}\` trains a ${loss.task} model.`);
    }
  }
}
