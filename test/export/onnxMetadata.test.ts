/**
 * The metadata an exported model.onnx carries, written by onnxMetadata and read back by
 * describeOnnx (what `modelyaml serve model.onnx` does first): the fitted preprocessing comes back
 * as the run has it, non-finite statistics included; the graph's inputs and outputs with their
 * types and dynamic sizes; a file that is not ONNX is an error that says so.
 */
import { describe, expect, it } from 'vitest';
import type { Preprocessing } from '../../src/core/protocol/preprocessing';
import { valueInfo } from '../../src/export/onnx/build';
import { ExportError } from '../../src/export/errors';
import { describeOnnx, onnxMetadata } from '../../src/export/onnx/metadata';
import { DataType, encodeModel } from '../../src/export/onnx/proto';

/** A fit with an empty column: its minimum is Infinity and its maximum -Infinity (normalize maps it to 0). */
const preprocessing: Preprocessing = {
  schemaVersion: 1,
  input: { source: 'file', kind: 'table', columns: ['a', 'b'], shape: [2], label: 'y' },
  steps: [{ type: 'normalize', params: {}, atInference: 'apply', fitted: { min: [0, Infinity], max: [4, -Infinity] } }],
  features: { shape: [2] },
  labels: { kind: 'class_index', shape: [1], classes: 2, names: ['no', 'yes'] },
  dataFingerprint: 'f00d',
};

function model(metadata: { key: string; value: string }[]): Uint8Array {
  return encodeModel({
    ir_version: 8, opset_import: [{ domain: '', version: 17 }], producer_name: 'ModelYAML', producer_version: '0.0.0',
    graph: { name: 'g', node: [{ name: 'id', op_type: 'Identity', input: ['input'], output: ['output'], attribute: [] }], initializer: [], input: [valueInfo('input', [null, 2])], output: [valueInfo('output', [null, 2])] },
    metadata_props: metadata,
  });
}

describe('model.onnx metadata', () => {
  it('reads back what the exporter writes: spec, labels, the fit (Infinity too), folded or not', () => {
    const meta = onnxMetadata({ specHash: 'abc', specName: 'tiny', classLabels: ['no', 'yes'], preprocessing, preprocessingIncluded: true, quantization: 'int8' });
    const d = describeOnnx('tiny.onnx', model(meta));
    expect(d.preprocessing).toEqual(preprocessing);
    expect(d.folded).toBe(true);
    expect(Object.fromEntries(d.meta)).toMatchObject({ spec_hash: 'abc', spec_name: 'tiny', class_labels: '["no","yes"]', preprocessing_included: 'true', quantization: 'int8' });
    expect(d.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['batch', 2] }]);
    expect(d.outputs).toEqual([{ name: 'output', type: 'float32', shape: ['batch', 2] }]);
    const plain = describeOnnx('tiny.onnx', model(onnxMetadata({ specName: 'tiny', preprocessingIncluded: false })));
    expect(plain.preprocessing).toBeUndefined();
    expect(plain.folded).toBe(false);
  });

  it('graph inputs that are weights are not inputs to feed; element types by name', () => {
    const bytes = encodeModel({
      ir_version: 8, opset_import: [{ domain: '', version: 17 }], producer_name: 'elsewhere', producer_version: '',
      graph: {
        name: 'g', node: [{ name: 'add', op_type: 'Add', input: ['ids', 'w'], output: ['out'], attribute: [] }],
        initializer: [{ name: 'w', dims: [3], data_type: DataType.INT64, raw_data: new Uint8Array(24) }],
        input: [valueInfo('ids', [null, 3], DataType.INT64), valueInfo('w', [3], DataType.INT64)], output: [valueInfo('out', [null, 3], DataType.INT64)],
      },
      metadata_props: [],
    });
    expect(describeOnnx('ids.onnx', bytes).inputs).toEqual([{ name: 'ids', type: 'int64', shape: ['batch', 3] }]);
  });

  it('bytes that are not a model: an error naming the file', () => {
    const fails = (bytes: Uint8Array) => {
      try {
        describeOnnx('x.onnx', bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(ExportError);
        return (e as ExportError).message;
      }
      return 'no error';
    };
    expect(fails(Buffer.from('not a model at all'))).toMatch(/^x\.onnx is not an ONNX model: it does not read as an ONNX ModelProto/);
    expect(fails(new Uint8Array(0))).toBe('x.onnx is not an ONNX model: it holds no graph with operators and outputs.');
    const damaged = model([{ key: 'preprocessing', value: '{"schemaVersion": 1' }]);
    expect(fails(damaged)).toMatch(/^x\.onnx: its `preprocessing` metadata cannot be read: not valid JSON/);
  });
});
