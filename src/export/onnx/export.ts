/**
 * `modelyaml export --format onnx`, without TensorFlow.js: the run's spec snapshot, checkpoint
 * weights and fitted preprocessing in; an ONNX model (opset 17 by default) out, with the spec
 * hash, class labels and the preprocessing JSON in its metadata. See docs/deploying.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../core/analyze';
import { parsePreprocessing, PREPROCESSING_FILE, type Preprocessing } from '../../core/protocol/preprocessing';
import { VERSION } from '../../core/version';
import { readRunRecord, readSpecSnapshot, SPEC_SNAPSHOT_FILE } from '../../node/runRecord';
import { buildGraph } from './build';
import { readCheckpoint, type StoredWeight } from '../checkpoint';
import { ExportError, locationPrefix, specLocator } from '../errors';
import { modelFolders } from '../modelFolders';
import type { OnnxWeight } from '../../core/catalog';
import { onnxMetadata } from './metadata';
import { preprocessingStage } from './preprocessing';
import { encodeModel, irVersion, type ModelProtoValue } from './proto';
import { quantize, type Quantization } from './quantize';

export const DEFAULT_OPSET = 17;
/**
 * The operator sets the mappings write: 17 (what Debian's onnx 1.12 checks) up to 21 (reductions
 * take their axes as an input from 18 on; the other operators used kept their signature).
 */
export const OPSETS = [17, 18, 19, 20, 21] as const;

export interface OnnxExportOptions {
  opset?: number;
  includePreprocessing?: boolean;
  quantize?: Quantization;
}

export interface LoadedRun {
  runDir: string;
  specText: string;
  specHash?: string;
  preprocessing?: Preprocessing;
}

/** The run's spec snapshot, spec hash and fitted preprocessing (absent in runs older than it). */
export function loadRun(runDir: string): LoadedRun {
  const specText = readSpecSnapshot(runDir);
  if (specText === undefined) throw new ExportError('export/not-a-run', `${runDir} has no ${SPEC_SNAPSHOT_FILE}: it is not a complete run folder. Name a folder under .modelyaml/runs/<spec>/, as \`modelyaml train\` prints.`);
  const record = readRunRecord(runDir);
  const prePath = join(runDir, PREPROCESSING_FILE);
  let preprocessing: Preprocessing | undefined;
  if (existsSync(prePath)) {
    const v = parsePreprocessing(readFileSync(prePath, 'utf8'));
    if (!v.ok) throw new ExportError('export/bad-preprocessing', `${prePath}: ${v.error}`);
    preprocessing = v.value;
  }
  return { runDir, specText, specHash: record?.specHash, preprocessing };
}

/** The class names a classifier's outputs stand for: the fitted names, else the class indices. */
function classLabels(pre: Preprocessing | undefined, output: readonly (number | null)[] | null): string[] | undefined {
  const l = pre?.labels;
  if (!l || !['one_hot', 'class_index', 'binary'].includes(l.kind)) return undefined;
  if (l.names?.length) return l.names;
  const width = output?.[output.length - 1] ?? null;
  const k = l.classes ?? (width === 1 ? 2 : width);
  return k ? Array.from({ length: k }, (_, i) => String(i)) : undefined;
}

/** The checkpoint's weights by their tfjs names (`dense_1/kernel`), as float32 in Keras's layouts. */
function onnxWeights(stored: StoredWeight[]): Map<string, OnnxWeight> {
  return new Map(stored.map((w) => [w.name, { shape: w.shape, data: w.values instanceof Float32Array ? w.values : Float32Array.from(w.values) }]));
}

/** Builds the float32 model of a run's checkpoint folder `modelDir` (and, when asked, its quantized form). */
export function exportOnnx(run: LoadedRun, modelDir: string, options: OnnxExportOptions = {}): { model: ModelProtoValue; bytes: Uint8Array } {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!(OPSETS as readonly number[]).includes(opset)) throw new ExportError('export/bad-option', `--opset ${opset} is not offered: the exporter writes operator sets ${OPSETS[0]}–${OPSETS[OPSETS.length - 1]}.`);
  // The folders a `bert` layer names give the shapes after it; the layer itself is then refused by name.
  const a = analyze(run.specText, { host: modelFolders({ file: join(run.runDir, SPEC_SNAPSHOT_FILE), runDir: run.runDir }).host });
  const first = a.diagnostics.find((d) => d.severity === 'error');
  const locate = specLocator(join(run.runDir, SPEC_SNAPSHOT_FILE), run.specText);
  if (first) {
    const where = locate(first.range);
    throw new ExportError('export/bad-spec', `${locationPrefix(where)}The run's spec no longer checks: ${first.message}`, where);
  }
  if (!a.model) throw new ExportError('export/bad-spec', 'The run\'s spec has no model.');
  if (options.includePreprocessing && !run.preprocessing) throw new ExportError('export/bad-option', `--include-preprocessing needs the run's ${PREPROCESSING_FILE}, which this run (trained before ModelYAML kept it) lacks. Train the spec again.`);
  if (options.includePreprocessing && a.model.inputs.size !== 1) throw new ExportError('export/bad-option', '--include-preprocessing folds the pipeline of a single-input model; this model has several inputs.');
  const weights = onnxWeights(readCheckpoint(modelDir).weights);
  const graph = buildGraph(a.model, weights, opset, locate, options.includePreprocessing ? preprocessingStage(run.preprocessing!) : undefined);
  const name = a.spec.name?.value ?? 'model';
  const labels = classLabels(run.preprocessing, a.model.layers[a.model.output!]?.outputShape ?? null);
  let model: ModelProtoValue = {
    ir_version: irVersion(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'ModelYAML',
    producer_version: VERSION,
    doc_string: a.spec.description?.value ?? '',
    graph: { name, node: graph.builder.nodes, initializer: graph.builder.initializers, input: graph.inputs, output: graph.outputs },
    metadata_props: onnxMetadata({ specHash: run.specHash, specName: name, classLabels: labels, preprocessing: run.preprocessing, preprocessingIncluded: !!options.includePreprocessing, quantization: options.quantize }),
  };
  if (options.quantize) model = quantize(model, options.quantize);
  return { model, bytes: encodeModel(model) };
}
