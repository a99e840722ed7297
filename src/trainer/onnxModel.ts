/**
 * An exported model.onnx as a prediction model (`modelyaml serve model.onnx`), run by
 * onnxruntime-node, imported only here and only then. ModelYAML's own exports carry their fitted
 * preprocessing in the metadata: raw records go through the same preprocessing and decoding as
 * the run's checkpoint (./inference.ts's Predictor, without the steps folded into the graph by
 * --include-preprocessing). A file without that metadata is served as tensors: records name the
 * graph's inputs, answers hold the output tensors. docs/deploying.md, "Serving a model.onnx".
 */
import { readFileSync, statSync } from 'node:fs';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { InferAnswer, OnnxServing, OnnxTensorInfo, RawInput, TensorValue } from '../core/protocol/trainer';
import { ExportError } from '../export/errors';
import { describeOnnx, ONNX_META, type OnnxDescription } from '../export/onnx/metadata';
import { importOnnxRuntime, INSTALL_ONNXRUNTIME } from '../export/onnx/runtime';
import { outputMeaning, predictorOf, type Forward, type Predictor } from './inference';
import { fail, product, TrainerError } from './util';

type Ort = NonNullable<Awaited<ReturnType<typeof importOnnxRuntime>>>;

export interface OnnxModel {
  serving: OnnxServing;
  /** The runtime, as the metadata names it. */
  backend: string;
  /** ModelYAML's exports: raw records in, decoded answers out. */
  predictor?: Predictor;
  /** Files without ModelYAML's metadata: one answer (output tensors, or an error) per record of tensors. */
  answerTensors?(inputs: RawInput[]): Promise<InferAnswer[]>;
  dispose(): void;
}

/** The file's bytes, or a clear error for a path that is not a readable file. */
function readModelFile(file: string): Buffer {
  try {
    if (!statSync(file).isFile()) fail('serve/not-onnx', `${file} is not a file: name a model.onnx (as \`modelyaml export --format onnx\` writes it) or a run folder.`, { file });
    return readFileSync(file);
  } catch (e) {
    if (e instanceof TrainerError) throw e;
    return fail('serve/not-onnx', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { file });
  }
}

const firstLine = (s: string) => s.split('\n')[0].slice(0, 300);

export async function loadOnnxModel(file: string): Promise<OnnxModel> {
  const bytes = readModelFile(file);
  let d: OnnxDescription;
  try {
    d = describeOnnx(file, bytes);
  } catch (e) {
    if (e instanceof ExportError) fail(e.code, e.message, { file });
    throw e;
  }
  const ort = await importOnnxRuntime();
  if (!ort) return fail('serve/no-onnxruntime', `Serving a .onnx file needs onnxruntime-node, which is not installed here (or does not load): ${INSTALL_ONNXRUNTIME}`);
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (e) {
    return fail('serve/bad-onnx', `onnxruntime cannot load ${file}: ${firstLine((e as Error).message)}`, { file });
  }
  const serving: OnnxServing = {
    file,
    producer: [d.model.producer_name, d.model.producer_version].filter(Boolean).join(' ') || 'unknown',
    ...(d.meta.has(ONNX_META.specName) ? { specName: d.meta.get(ONNX_META.specName) } : {}),
    ...(d.meta.has(ONNX_META.specHash) ? { specHash: d.meta.get(ONNX_META.specHash) } : {}),
    foldedSteps: d.folded && d.preprocessing ? d.preprocessing.steps.filter((s) => s.atInference === 'apply').map((s) => s.type) : [],
    ...(d.meta.has(ONNX_META.quantization) ? { quantized: d.meta.get(ONNX_META.quantization) } : {}),
    inputs: d.inputs,
    outputs: d.outputs,
    rawTensors: !d.preprocessing,
  };
  const backend = `onnxruntime-node ${ort.env.versions?.node ?? ''}`.trim();
  const release = () => void session.release().catch(() => undefined);
  try {
    if (d.preprocessing) return { serving, backend, predictor: await decodingPredictor(ort, session, d, file), dispose: release };
    return { serving, backend, answerTensors: tensorAnswerer(ort, session, d, file), dispose: release };
  } catch (e) {
    release();
    throw e;
  }
}

/** ModelYAML's export: the run's preprocessing (less the folded steps), the graph, predict's decoding. */
async function decodingPredictor(ort: Ort, session: InferenceSession, d: OnnxDescription, file: string): Promise<Predictor> {
  const pre = d.preprocessing!;
  if (d.inputs.length !== 1) fail('serve/unsupported', `${file} takes ${d.inputs.length} inputs; serving decodes models with one input.`, { file });
  const input = d.inputs[0].name;
  const output = session.outputNames[0];
  const shape = d.folded ? pre.input.shape : pre.features.shape;
  const forward: Forward = async (x, n) => {
    let out: Tensor;
    try {
      out = (await session.run({ [input]: new ort.Tensor('float32', x, [n, ...shape]) }))[output];
    } catch (e) {
      return fail('serve/onnx-run', `onnxruntime could not run ${file}: ${firstLine((e as Error).message)}`);
    }
    const data = out.data as Float32Array;
    const width = data.length / n;
    return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
  };
  // One pass on zeros tells the output's width (and makes the first request no slower than the next).
  const width = (await forward(new Float32Array(product(shape)), 1))[0].length;
  return predictorOf(pre, outputMeaning(pre, width), forward, () => undefined, d.folded);
}

// ─── Raw tensors (a file ModelYAML did not write) ────────────────────────────────────────────

const TYPED: Record<string, (v: number[]) => Tensor['data']> = {
  float32: (v) => Float32Array.from(v),
  float64: (v) => Float64Array.from(v),
  int32: (v) => Int32Array.from(v),
  int16: (v) => Int16Array.from(v),
  int8: (v) => Int8Array.from(v),
  uint8: (v) => Uint8Array.from(v),
  bool: (v) => Uint8Array.from(v, (x) => (x ? 1 : 0)),
  int64: (v) => BigInt64Array.from(v, (x) => BigInt(x)),
};
const INTEGER = new Set(['int32', 'int16', 'int8', 'uint8', 'int64']);

/** A JSON value as a tensor: a number, or lists of lists of numbers with every row as long as its siblings. */
function nestedTensor(v: unknown): TensorValue | undefined {
  if (typeof v === 'number') return { shape: [], data: [v] };
  if (typeof v === 'boolean') return { shape: [], data: [v ? 1 : 0] };
  if (!Array.isArray(v)) return undefined;
  const items = v.map(nestedTensor);
  if (items.some((t) => !t)) return undefined;
  const inner = items[0]?.shape ?? [];
  if (items.some((t) => t!.shape.join() !== inner.join())) return undefined;
  return { shape: [v.length, ...inner], data: items.flatMap((t) => t!.data) };
}

const showShape = (s: readonly (number | string)[]) => `[${s.join(', ')}]`;

/** Whether the graph takes a batch along its first axis (a dynamic size there). */
const batched = (t: OnnxTensorInfo) => t.shape.length > 0 && typeof t.shape[0] === 'string';

/** One record's value of input `t`, checked against its shape (a flat list is taken for a fixed shape of that size). */
function recordTensor(r: RawInput, t: OnnxTensorInfo, at: string): TensorValue {
  if (!Object.prototype.hasOwnProperty.call(r, t.name)) fail('predict/missing-field', `${at}: no \`${t.name}\` field (the model's inputs are named by its graph).`);
  const v = nestedTensor(r[t.name]);
  if (!v) return fail('predict/bad-tensor', `${at}: \`${t.name}\` must be a number or nested lists of numbers, each row as long as the others.`);
  const want = batched(t) ? t.shape.slice(1) : t.shape;
  const fixed = want.every((d) => typeof d === 'number');
  if (fixed && v.shape.length === 1 && want.length !== 1 && v.data.length === product(want as number[])) v.shape = [...(want as number[])];
  const fits = v.shape.length === want.length && want.every((d, i) => typeof d === 'string' || d === v.shape[i]);
  if (!fits) fail('predict/bad-shape', `${at}: \`${t.name}\` has shape ${showShape(v.shape)}, but the model takes ${showShape(want)}${batched(t) ? ' per input (the batch axis is added)' : ''}.`);
  if (INTEGER.has(t.type) && v.data.some((x) => !Number.isInteger(x))) fail('predict/bad-tensor', `${at}: \`${t.name}\` is ${t.type}: its values must be whole numbers.`);
  return v;
}

/** Tensors in, tensors out: records with the same shapes go as one batch where every input has a batch axis. */
function tensorAnswerer(ort: Ort, session: InferenceSession, d: OnnxDescription, file: string): (inputs: RawInput[]) => Promise<InferAnswer[]> {
  const bad = d.inputs.find((t) => !TYPED[t.type]);
  if (bad) fail('serve/unsupported', `${file}: input \`${bad.name}\` is ${bad.type}, which serve cannot make from JSON numbers (it takes ${Object.keys(TYPED).join(', ')}).`, { file });
  const stacks = d.inputs.every(batched);
  return async (inputs) => {
    const answers: InferAnswer[] = new Array(inputs.length);
    const groups = new Map<string, { at: number[]; values: TensorValue[][] }>();
    inputs.forEach((r, i) => {
      try {
        const values = d.inputs.map((t) => recordTensor(r, t, `input ${i + 1}`));
        const key = stacks ? values.map((v) => v.shape.join('x')).join('|') : `#${i}`;
        const g = groups.get(key) ?? { at: [], values: [] };
        g.at.push(i);
        g.values.push(values);
        groups.set(key, g);
      } catch (e) {
        if (!(e instanceof TrainerError)) throw e;
        answers[i] = { error: { code: e.code, message: e.message } };
      }
    });
    for (const g of groups.values()) {
      const m = g.at.length;
      const feeds = Object.fromEntries(d.inputs.map((t, k) => {
        const shape = stacks ? [m, ...g.values[0][k].shape] : g.values[0][k].shape;
        return [t.name, new ort.Tensor(t.type as 'float32', TYPED[t.type](g.values.flatMap((v) => v[k].data)) as Float32Array, shape)];
      }));
      try {
        const out = await session.run(feeds);
        g.at.forEach((i, j) => (answers[i] = { outputs: Object.fromEntries(session.outputNames.map((name) => [name, slice(out[name], stacks ? m : 0, j)])) }));
      } catch (e) {
        for (const i of g.at) answers[i] = { error: { code: 'serve/onnx-run', message: `input ${i + 1}: onnxruntime could not run the model on it: ${firstLine((e as Error).message)}` } };
      }
    }
    return answers;
  };
}

/** Input j's part of an output of a batch of m (the whole output when it has no batch axis of m). */
function slice(t: Tensor, m: number, j: number): TensorValue {
  const dims = t.dims.map(Number);
  const data = Array.from(t.data as ArrayLike<number | bigint>, Number);
  if (!m || dims[0] !== m) return { shape: dims, data };
  const size = data.length / m;
  return { shape: dims.slice(1), data: data.slice(j * size, (j + 1) * size) };
}
