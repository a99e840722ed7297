/**
 * The ONNX protobuf, written with protobufjs from the official schema (schema/onnx.proto, ONNX
 * 1.12). The schema is loaded as its JSON descriptor (schema/onnx.json, made by `pbjs -t json`):
 * a data file the bundler inlines, instead of generated static code to lint and keep in step.
 */
import * as protobuf from 'protobufjs';
import descriptor from './schema/onnx.json';

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const ModelProto = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProtoValue {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphProto;
  metadata_props: { key: string; value: string }[];
}

/** The IR version an operator set belongs to: 8 for opsets 17–18 (ONNX 1.12–1.13), 9 for 19–20, 10 for 21. */
export const irVersion = (opset: number): number => (opset <= 18 ? 8 : opset <= 20 ? 9 : 10);

export function encodeModel(model: ModelProtoValue): Uint8Array {
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`internal error: the ONNX model does not match the schema: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Reads a model back (tests, and quantization of an existing file). */
export function decodeModel(bytes: Uint8Array): ModelProtoValue {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true }) as unknown as ModelProtoValue;
}

/** A float, int64 or float16 tensor as an initializer (little-endian raw data, as ONNX stores it). */
export function tensor(name: string, dims: readonly number[], dataType: number, data: Float32Array | BigInt64Array | Uint16Array | Int8Array | Uint8Array | Int32Array): TensorProto {
  return { name, dims: [...dims], data_type: dataType, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
}
