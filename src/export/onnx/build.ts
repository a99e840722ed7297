/**
 * A trained run → an ONNX model. The run's spec snapshot is analysed again (the same core the
 * trainer built the model from), its layers are visited in the trainer's order (so the tfjs names
 * of their weights come out the same), and each layer's catalog entry emits its ONNX operators.
 */
import { lookup, tfName, type OnnxEmitter, type OnnxLayout, type OnnxValue, type OnnxWeight } from '../../core/catalog';
import type { LayerInfo, ModelInfo } from '../../core/infer';
import type { Shape } from '../../core/shape';
import { ExportError, locationPrefix, type SpecLocator } from '../errors';
import { GraphBuilder } from './graph';
import { DataType, type ValueInfoProto } from './proto';

export interface BuiltGraph {
  builder: GraphBuilder;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

/** A graph input or output: float32, a symbolic batch axis, named sizes for unknown ones. */
export function valueInfo(name: string, shape: Shape, elemType: number = DataType.FLOAT): ValueInfoProto {
  const dim = shape.map((d, i) => (d === null ? { dim_param: i === 0 ? 'batch' : `${name}_${i}` } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

/** Where a layer's refusal points: the parameter at fault, else the layer item. */
function refusal(li: LayerInfo, locate: SpecLocator, message: string, param?: string): ExportError {
  const given = param ? li.layer.given.get(param) : undefined;
  const what = param ? `\`${param}\` of ` : '';
  const where = locate(given ? { start: given.keyRange.start, end: given.valueRange.end } : li.layer.range);
  return new ExportError('export/unsupported-layer', `${locationPrefix(where)}Cannot export ${what}layer \`${li.id}\` (${li.layer.type}) to ONNX: ${message}.`, where);
}

/** Each model input's graph value; `prepare` may put operators in front (folded preprocessing). */
export type InputStage = (builder: GraphBuilder, name: string, shape: Shape) => { value: OnnxValue; info: ValueInfoProto };

const plainInput: InputStage = (_b, name, shape) => ({ value: { name, rank: shape.length, layout: 'keras' }, info: valueInfo(name, shape) });

export function buildGraph(info: ModelInfo, weights: ReadonlyMap<string, OnnxWeight>, opset: number, locate: SpecLocator, stage: InputStage = plainInput): BuiltGraph {
  if (info.output === null) throw new ExportError('export/no-layers', 'The model has no layers to export.');
  const builder = new GraphBuilder();
  const used = new Set<string>();
  const inputValues = new Map<string, OnnxValue>();
  const inputs: ValueInfoProto[] = [];
  // The trainer names its inputs first, then the layers as it reaches them from the output.
  for (const [name, shape] of info.inputs) {
    tfName(name === 'input' ? 'input' : name, used);
    builder.reserve(name);
    const s = stage(builder, name, shape);
    inputValues.set(name, s.value);
    inputs.push(s.info);
  }
  const done = new Map<number, OnnxValue>();
  const visit = (i: number): OnnxValue => {
    const known = done.get(i);
    if (known) return known;
    const li = info.layers[i];
    const sources = li.sources.map((s) => ('input' in s ? inputValues.get(s.input)! : visit(s.layer)));
    const out = emitLayer(builder, li, sources, tfName(li.id, used), weights, opset, locate);
    done.set(i, out);
    return out;
  };
  const last = builder.convert(visit(info.output), 'keras');
  builder.scope = '';
  const outputShape = info.layers[info.output].outputShape!;
  builder.reserve('output');
  builder.nodes.push({ name: 'output', op_type: 'Identity', input: [last.name], output: ['output'], attribute: [] });
  return { builder, inputs, outputs: [valueInfo('output', outputShape)] };
}

function emitLayer(builder: GraphBuilder, li: LayerInfo, sources: OnnxValue[], name: string, weights: ReadonlyMap<string, OnnxWeight>, opset: number, locate: SpecLocator): OnnxValue {
  const entry = lookup('layer', li.layer.type);
  const refuse = (message: string, param?: string): never => {
    throw refusal(li, locate, message, param);
  };
  if (!entry?.onnx) return refuse('it has no ONNX mapping yet (docs/deploying.md lists the layers that export)');
  if (!li.inputShapes || !li.outputShape) return refuse('its shapes are unknown');
  builder.scope = li.id;
  const key = (w: string, sub = '') => `${name}${sub}/${w}`;
  const emitter: OnnxEmitter = {
    opset,
    params: li.layer.params,
    inputShapes: li.inputShapes,
    outputShape: li.outputShape,
    inputCount: sources.length,
    tfName: name,
    input: (i, layout: OnnxLayout | 'any' = 'keras') => builder.convert(sources[i], layout),
    weight: (w, sub) => {
      const found = weights.get(key(w, sub));
      if (!found) {
        const where = locate(li.layer.range);
        throw new ExportError('export/bad-checkpoint', `${locationPrefix(where)}The checkpoint has no weight ${key(w, sub)} for layer \`${li.id}\`: it was not saved from this spec's model. Export the run the checkpoint belongs to.`, where);
      }
      return found;
    },
    hasWeight: (w, sub) => weights.has(key(w, sub)),
    constant: (data, shape) => builder.constant(data, shape, 'weight'),
    ints: (data, shape) => builder.ints(data, shape),
    op: (type, inputs, attributes, outputs) => builder.op(type, inputs, attributes, outputs),
    op1: (type, inputs, attributes) => builder.op1(type, inputs, attributes),
    activation: (x, a, axis) => builder.activation(x, a, axis, (m) => refuse(m, 'activation')),
    refuse,
    value: (n, rank, layout) => ({ name: n, rank, layout }),
  };
  return entry.onnx.emit(emitter);
}

