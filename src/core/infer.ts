/**
 * Static shape inference through the whole model, before anything runs: resolves `inputs`
 * references (stacks and graphs), orders the layers, runs each catalog shape rule with a
 * symbolic batch axis, and counts parameters per layer and in total.
 */
import { lookup } from './catalog';
import type { DataHost, ShapeProblem, WeightShape } from './catalog/types';
import type { DiagnosticSink, Fix, Range } from './diagnostics';
import { formatShape, type Shape } from './shape';
import type { LayerNode, Spec } from './spec';
import { didYouMean, Suggester } from './suggest';

export interface LayerInfo {
  layer: LayerNode;
  /** Display name: the `name`, or `<type>_<index>`. */
  id: string;
  /** Where the inputs come from: positions in `ModelInfo.layers` (not YAML list indices: items that
   * could not be read have no entry), or model input names. */
  sources: ({ layer: number } | { input: string })[];
  inputShapes: Shape[] | null;
  outputShape: Shape | null;
  params: number | null;
  /** Of `params`, those training does not change (batch norm's moving statistics); set with `params`. */
  nonTrainableParams?: number;
  /** Its weight tensors in Keras's order, where the catalog entry states them (they add up to `params`). */
  weights?: readonly WeightShape[];
  problem?: ShapeProblem;
}

export interface ModelInfo {
  layers: LayerInfo[];
  inputs: Map<string, Shape>;
  /** Position of the output layer in `layers`. */
  output: number | null;
  totalParams: number | null;
  /** True when any layer names its inputs: draw and build as a graph. */
  isGraph: boolean;
}

export function layerId(layer: LayerNode): string {
  return layer.name?.value ?? `${layer.type}_${layer.index + 1}`;
}

function problemFixes(problem: ShapeProblem, layer: LayerNode): Fix[] | undefined {
  const a = problem.action;
  if (!a) return undefined;
  if (a.kind === 'insert_flatten_before') return [{ kind: 'insert_layer_before', layerIndex: layer.index, layer: 'flatten', title: 'Insert `flatten` before this layer' }];
  return [{ kind: 'set_param', itemRange: layer.range, param: a.param, value: a.value, title: `Set \`${a.param}\` to ${JSON.stringify(a.value)}` }];
}

/**
 * Beyond this many parameters a model cannot be trained on any single device this runs on:
 * 2^31 float32 weights are 8 GiB, before gradients and optimizer state.
 */
export const MAX_PARAMS = 2 ** 31;

export function inferModel(spec: Spec, sink: DiagnosticSink, host?: DataHost): ModelInfo | undefined {
  const model = spec.model;
  if (!model) return undefined;
  const inputs = new Map<string, Shape>();
  for (const [name, s] of model.inputs?.value ?? []) inputs.set(name, [null, ...s.value]);
  const layers = model.layers;
  const infos: LayerInfo[] = layers.map((layer) => ({ layer, id: layerId(layer), sources: [], inputShapes: null, outputShape: null, params: null }));
  const isGraph = layers.some((l) => l.inputs !== undefined);
  const byName = nameLayers(layers, inputs, model.inputs?.value.size ?? 0, sink);
  // One did-you-mean index for every unknown reference: bounded work however many there are.
  let sources: Suggester | undefined;
  const suggest = (word: string) => (sources ??= new Suggester([...byName.keys(), ...(inputs.size > 1 ? inputs.keys() : ['input'])])).suggest(word);
  resolveSources(infos, byName, inputs, suggest, sink);
  const order = topologicalOrder(infos, sink);
  for (const i of order) inferLayer(infos, i, inputs, sink, host);

  let output: number | null = layers.length ? layers.length - 1 : null;
  if (model.output) {
    const o = byName.get(model.output.value);
    if (o === undefined) {
      const s = new Suggester(byName.keys()).suggest(model.output.value);
      sink.error('ref/unknown', model.output.range, `No layer is named \`${model.output.value}\`.${didYouMean(s)}`);
    } else output = o;
  }
  if (isGraph && output !== null) warnUnused(infos, output, sink);
  const counted = infos.filter((i) => i.layer.known);
  const totalParams = counted.length && counted.every((i) => i.params !== null) ? counted.reduce((a, i) => a + (i.params ?? 0), 0) : null;
  warnTooLarge(infos, totalParams, model.keyRange, sink);
  return { layers: infos, inputs, output, totalParams, isGraph };
}

/** Layer names by position: unique, and not shadowing a model input. */
function nameLayers(layers: LayerNode[], inputs: Map<string, Shape>, inputCount: number, sink: DiagnosticSink): Map<string, number> {
  const byName = new Map<string, number>();
  for (const [position, l] of layers.entries()) {
    if (!l.name) continue;
    const prev = byName.get(l.name.value);
    if (prev !== undefined) {
      sink.error('ref/duplicate-name', l.name.range, `Another layer is already named \`${l.name.value}\`.`, {
        related: [{ message: 'first named here', range: layers[prev].name!.range }],
      });
    } else byName.set(l.name.value, position);
    if (inputs.has(l.name.value) && inputCount > 1) {
      sink.error('ref/duplicate-name', l.name.range, `\`${l.name.value}\` is also the name of a model input.`);
    }
  }
  return byName;
}

/** Where each layer reads from: its `inputs`, else the layer before it, else the model input. */
function resolveSources(
  infos: LayerInfo[],
  byName: Map<string, number>,
  inputs: Map<string, Shape>,
  suggest: (word: string) => string | undefined,
  sink: DiagnosticSink,
): void {
  const multiInput = inputs.size > 1;
  for (const [position, info] of infos.entries()) {
    const l = info.layer;
    if (l.inputs) {
      for (const ref of l.inputs) {
        const target = byName.get(ref.value);
        if (target !== undefined) {
          if (target === position) sink.error('ref/cycle', ref.range, `Layer \`${ref.value}\` reads its own output.`);
          else info.sources.push({ layer: target });
        } else if (inputs.has(ref.value) && (multiInput || ref.value === 'input')) {
          info.sources.push({ input: ref.value });
        } else {
          const s = suggest(ref.value);
          sink.error('ref/unknown', ref.range, `No layer or input is named \`${ref.value}\`.${didYouMean(s)}`, {
            fixes: s ? [{ kind: 'replace', range: ref.range, text: s, title: `Change to '${s}'` }] : undefined,
          });
        }
      }
    } else if (position > 0) {
      info.sources.push({ layer: position - 1 });
    } else if (inputs.size === 1) {
      info.sources.push({ input: [...inputs.keys()][0] });
    } else if (multiInput) {
      sink.error('ref/ambiguous-input', l.typeRange, `The model has ${inputs.size} inputs (${[...inputs.keys()].join(', ')}); say which this layer reads with \`inputs:\`.`);
    }
  }
}

/** Positions in topological order (Kahn); the layers left out are on a cycle, reported here. */
function topologicalOrder(infos: LayerInfo[], sink: DiagnosticSink): number[] {
  const order: number[] = [];
  const indegree = infos.map((i) => i.sources.filter((s) => 'layer' in s).length);
  const consumers: number[][] = infos.map(() => []);
  infos.forEach((info, position) => {
    for (const s of info.sources) if ('layer' in s) consumers[s.layer].push(position);
  });
  const queue = infos.flatMap((_, i) => (indegree[i] === 0 ? [i] : []));
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head];
    order.push(i);
    for (const c of consumers[i]) if (--indegree[c] === 0) queue.push(c);
  }
  if (order.length < infos.length) {
    const onCycle = infos.filter((_, i) => indegree[i] > 0);
    const names = onCycle.map((i) => `\`${i.id}\``).join(' → ');
    for (const info of onCycle) {
      sink.error('ref/cycle', info.layer.inputsRange ?? info.layer.typeRange, `These layers read each other in a cycle: ${names}. A model must be acyclic.`);
    }
  }
  return order;
}

/** Runs one layer's shape rule on its sources' shapes (already inferred: `order` is topological). */
function inferLayer(infos: LayerInfo[], i: number, inputs: Map<string, Shape>, sink: DiagnosticSink, host?: DataHost): void {
  const info = infos[i];
  const l = info.layer;
  const entry = lookup('layer', l.type);
  if (!entry || !l.known) return;
  const shapes: Shape[] = [];
  for (const s of info.sources) {
    const shape = 'input' in s ? inputs.get(s.input) : infos[s.layer].outputShape;
    if (!shape) return; // an upstream problem was already reported
    shapes.push(shape);
  }
  if (!shapes.length) return;
  if (entry.arity === 'one' && shapes.length > 1) {
    sink.error('ref/arity', l.inputsRange ?? l.typeRange, `\`${l.type}\` takes one input, but \`inputs\` names ${shapes.length}. Merge them first with \`add\` or \`concatenate\`.`);
    return;
  }
  if (entry.arity === 'many' && shapes.length < 2) {
    sink.warning('ref/arity', l.inputsRange ?? l.typeRange, `\`${l.type}\` merges several inputs; name at least two in \`inputs\`.`);
  }
  info.inputShapes = shapes;
  let outcome;
  try {
    outcome = entry.infer(shapes, l.params, { host });
  } catch (e) {
    outcome = { error: { code: 'shape/internal', message: `Shape inference for \`${l.type}\` failed: ${(e as Error).message}` } };
  }
  if ('error' in outcome) {
    info.problem = outcome.error;
    const at: Range = outcome.error.param ? (l.given.get(outcome.error.param)?.valueRange ?? l.typeRange) : l.typeRange;
    const producer = info.sources[0] && 'layer' in info.sources[0] ? infos[info.sources[0].layer] : undefined;
    sink.error(outcome.error.code, at, outcome.error.message + (outcome.error.fix ? ` Fix: ${outcome.error.fix}.` : ''), {
      related: producer?.outputShape ? [{ message: `\`${producer.id}\` produces ${formatShape(producer.outputShape)}`, range: producer.layer.typeRange }] : undefined,
      fixes: problemFixes(outcome.error, l),
    });
    return;
  }
  info.outputShape = outcome.shape;
  info.params = outcome.params;
  info.nonTrainableParams = outcome.nonTrainable ?? 0;
  info.weights = outcome.weights;
}

/** Layers of a graph that nothing reads and that are not the output do not contribute: say so. */
function warnUnused(infos: LayerInfo[], output: number, sink: DiagnosticSink): void {
  const used = new Set<number>([output]);
  const stack = [output];
  while (stack.length) {
    for (const s of infos[stack.pop()!].sources) {
      if ('layer' in s && !used.has(s.layer)) {
        used.add(s.layer);
        stack.push(s.layer);
      }
    }
  }
  for (const [position, info] of infos.entries()) {
    if (!used.has(position)) sink.warning('model/unused-layer', info.layer.typeRange, `\`${info.id}\` does not lead to the model output, so it is not part of the model.`);
  }
}

function formatCount(n: number): string {
  return n < 1e9 ? n.toLocaleString('en-US') : n.toExponential(2).replace('e+', 'e');
}

/** Bytes in binary units: `8.0 GiB`, `28.9 TiB`. */
function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return n >= 1024 ? `${formatCount(n)} ${units[u]}` : `${n.toFixed(1)} ${units[u]}`;
}

/** A model whose weights alone cannot fit in memory: on the layers that make it so, or on `model`. */
function warnTooLarge(infos: LayerInfo[], totalParams: number | null, modelKey: Range, sink: DiagnosticSink): void {
  const what = (n: number) => `${formatCount(n)} parameters (${formatBytes(4 * n)} of float32 weights)`;
  const beyond = `more than ${formatCount(MAX_PARAMS)} parameters (${formatBytes(4 * MAX_PARAMS)}), which no device can train`;
  let flagged = false;
  for (const info of infos) {
    if (info.params !== null && info.params > MAX_PARAMS) {
      flagged = true;
      sink.warning('model/too-large', info.layer.typeRange, `\`${info.id}\` has ${what(info.params)}: ${beyond}. Check its sizes.`);
    }
  }
  if (!flagged && totalParams !== null && totalParams > MAX_PARAMS) {
    sink.warning('model/too-large', modelKey, `The model has ${what(totalParams)}: ${beyond}.`);
  }
}
