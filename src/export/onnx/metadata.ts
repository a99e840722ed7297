/**
 * The metadata an exported model.onnx carries (its `metadata_props`) and how a reader gets it
 * back: written by ./export.ts through onnxMetadata, read by `modelyaml serve model.onnx` (src/trainer/onnxModel.ts).
 * One list of keys, so what the exporter writes and what the server reads cannot drift apart.
 */
import { parsePreprocessing, serializePreprocessing, type Preprocessing } from '../../core/protocol/preprocessing';
import type { OnnxTensorInfo } from '../../core/protocol/trainer';
import { ExportError } from '../errors';
import { decodeModel, type ModelProtoValue, type ValueInfoProto } from './proto';

export const ONNX_META = {
  specHash: 'spec_hash',
  specName: 'spec_name',
  /** JSON list of the class names, in output order. */
  classLabels: 'class_labels',
  /** The run's preprocessing.json, as JSON. */
  preprocessing: 'preprocessing',
  /** "true" when the numeric steps are folded into the graph (--include-preprocessing). */
  preprocessingIncluded: 'preprocessing_included',
  /** float16 or int8 (--quantize); absent for float32 weights. */
  quantization: 'quantization',
  inputLayout: 'input_layout',
} as const;

export interface OnnxMetadataValues {
  specHash?: string;
  specName: string;
  classLabels?: string[];
  preprocessing?: Preprocessing;
  preprocessingIncluded: boolean;
  quantization?: string;
}

/**
 * The exporter's `metadata_props`. The preprocessing is written as preprocessing.json is (a
 * fitted minimum of an empty column is "Infinity", which plain JSON would turn into null), so
 * describeOnnx reads back the fit the run has.
 */
export function onnxMetadata(v: OnnxMetadataValues): { key: string; value: string }[] {
  const meta: Record<string, string | undefined> = {
    [ONNX_META.specHash]: v.specHash,
    [ONNX_META.specName]: v.specName,
    [ONNX_META.classLabels]: v.classLabels ? JSON.stringify(v.classLabels) : undefined,
    [ONNX_META.preprocessing]: v.preprocessing ? serializePreprocessing(v.preprocessing, true) : undefined,
    [ONNX_META.preprocessingIncluded]: String(v.preprocessingIncluded),
    [ONNX_META.quantization]: v.quantization,
    [ONNX_META.inputLayout]: 'channels last (NHWC), as the spec declares',
  };
  return Object.entries(meta).flatMap(([key, value]) => (value === undefined ? [] : [{ key, value }]));
}

/** TensorProto.DataType codes by the names onnxruntime's tensors use. */
const ELEMENT_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

export interface OnnxDescription {
  model: ModelProtoValue;
  meta: Map<string, string>;
  /** The fitted preprocessing of ModelYAML's exports; undefined for a file without it. */
  preprocessing?: Preprocessing;
  /** Whether the steps that run at inference are in the graph already. */
  folded: boolean;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
}

function tensorInfo(v: ValueInfoProto): OnnxTensorInfo {
  const t = v.type?.tensor_type;
  const dims = t?.shape?.dim ?? [];
  return {
    name: v.name,
    type: ELEMENT_TYPES[t?.elem_type ?? 0] ?? `onnx type ${t?.elem_type ?? 'unknown'}`,
    shape: dims.map((d, i) => ('dim_value' in d && d.dim_value !== undefined ? Number(d.dim_value) : 'dim_param' in d && d.dim_param ? d.dim_param : `d${i}`)),
  };
}

/**
 * Reads a model file's bytes: its graph's inputs and outputs and ModelYAML's metadata. A file that
 * is not an ONNX model, or whose preprocessing metadata does not read, is an ExportError naming it.
 */
export function describeOnnx(file: string, bytes: Uint8Array): OnnxDescription {
  let model: ModelProtoValue;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new ExportError('serve/not-onnx', `${file} is not an ONNX model: it does not read as an ONNX ModelProto (${(e as Error).message}).`);
  }
  if (!model.graph || !model.graph.node?.length || !model.graph.output?.length) {
    throw new ExportError('serve/not-onnx', `${file} is not an ONNX model: it holds no graph with operators and outputs.`);
  }
  const meta = new Map((model.metadata_props ?? []).map((p) => [p.key, p.value]));
  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name));
  // Older exporters list the weights among the inputs too: the inputs to feed are the others.
  const inputs = (model.graph.input ?? []).filter((v) => !initializers.has(v.name)).map(tensorInfo);
  const outputs = model.graph.output.map(tensorInfo);
  const text = meta.get(ONNX_META.preprocessing);
  let preprocessing: Preprocessing | undefined;
  if (text !== undefined) {
    const p = parsePreprocessing(text);
    if (!p.ok) throw new ExportError('serve/bad-metadata', `${file}: its \`${ONNX_META.preprocessing}\` metadata cannot be read: ${p.error}. Export the run again.`);
    preprocessing = p.value;
  }
  return { model, meta, preprocessing, folded: meta.get(ONNX_META.preprocessingIncluded) === 'true', inputs, outputs };
}
