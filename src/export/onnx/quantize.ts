/**
 * Weight quantization of a built float32 model.
 * - float16: every float weight stored as float16 with a Cast back to float32 after it (half the
 *   size; the arithmetic stays float32, so every runtime runs it).
 * - int8 (dynamic, as onnxruntime's quantize_dynamic): the inputs of MatMul and Conv are quantized
 *   to uint8 at run time (DynamicQuantizeLinear), the weights ahead of time — MatMul weights to
 *   int8 per output column (MatMulInteger's per-column zero points), Conv weights per output
 *   channel (ConvInteger) — and the int32 result is scaled back to float. Other weights (embedding
 *   tables, recurrent kernels, norms) stay float32.
 */
import { DataType, tensor, type ModelProtoValue, type NodeProto, type TensorProto } from './proto';

export type Quantization = 'float16' | 'int8';
export const QUANTIZATIONS: readonly Quantization[] = ['float16', 'int8'];

const floats = (t: TensorProto): Float32Array => {
  const raw = t.raw_data;
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  return new Float32Array(copy.buffer);
};

/** IEEE 754 half-precision bits of a float32, rounded to nearest even. */
export function toHalf(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

function float16(model: ModelProtoValue): ModelProtoValue {
  const casts: NodeProto[] = [];
  const initializer = model.graph.initializer.map((t) => {
    if (t.data_type !== DataType.FLOAT) return t;
    const half = Uint16Array.from(floats(t), toHalf);
    const name = `${t.name}/float16`;
    casts.push({ name: `${t.name}/cast`, op_type: 'Cast', input: [name], output: [t.name], attribute: [{ name: 'to', type: 2, i: DataType.FLOAT }] });
    return tensor(name, t.dims, DataType.FLOAT16, half);
  });
  return { ...model, graph: { ...model.graph, initializer, node: [...casts, ...model.graph.node] } };
}

interface Rewrite {
  nodes: NodeProto[];
  initializers: TensorProto[];
}

const node = (name: string, op: string, input: string[], output: string[], attribute: NodeProto['attribute'] = []): NodeProto => ({ name, op_type: op, input, output, attribute });

/** x → (uint8 x, its scale, its zero point), at run time. */
function dynamicInput(prefix: string, x: string, out: Rewrite): [string, string, string] {
  const names: [string, string, string] = [`${prefix}/x_q`, `${prefix}/x_scale`, `${prefix}/x_zero`];
  out.nodes.push(node(`${prefix}/quantize`, 'DynamicQuantizeLinear', [x], names));
  return names;
}

/** MatMul(x, W[K, N]) → MatMulInteger with int8 W per column, scaled back to float. */
function matMulInteger(n: NodeProto, w: TensorProto, out: Rewrite): void {
  const [k, cols] = w.dims;
  const data = floats(w);
  const scales = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let m = 0;
    for (let r = 0; r < k; r++) m = Math.max(m, Math.abs(data[r * cols + c]));
    scales[c] = m > 0 ? m / 127 : 1;
  }
  const q = Int8Array.from(data, (v, i) => Math.max(-127, Math.min(127, Math.round(v / scales[i % cols]))));
  const p = n.name;
  out.initializers.push(tensor(`${p}/w_q`, w.dims, DataType.INT8, q), tensor(`${p}/w_zero`, [cols], DataType.INT8, new Int8Array(cols)), tensor(`${p}/w_scale`, [cols], DataType.FLOAT, scales));
  const [xq, xs, xz] = dynamicInput(p, n.input[0], out);
  out.nodes.push(
    node(`${p}/matmul`, 'MatMulInteger', [xq, `${p}/w_q`, xz, `${p}/w_zero`], [`${p}/int32`]),
    node(`${p}/cast`, 'Cast', [`${p}/int32`], [`${p}/float`], [{ name: 'to', type: 2, i: DataType.FLOAT }]),
    node(`${p}/scale`, 'Mul', [xs, `${p}/w_scale`], [`${p}/scale`]),
    node(`${p}/rescale`, 'Mul', [`${p}/float`, `${p}/scale`], [n.output[0]]),
  );
}

/**
 * Conv(x, W, B) → ConvInteger, scaled back to float, plus B. W per output channel: symmetric,
 * stored as uint8 around one zero point 128 (ConvInteger's weight zero point is one number in
 * onnxruntime), each channel with its own scale applied after the integer convolution.
 */
function convInteger(n: NodeProto, w: TensorProto, bias: TensorProto | undefined, out: Rewrite): void {
  const data = floats(w);
  const channels = w.dims[0];
  const per = data.length / channels;
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(data[i]));
    scales[c] = m > 0 ? m / 127 : 1;
  }
  const q = Uint8Array.from(data, (v, i) => Math.max(1, Math.min(255, Math.round(v / scales[Math.floor(i / per)]) + 128)));
  const p = n.name;
  // Per channel on axis 1 of the output, broadcast over its spatial axes.
  const channelShape = [1, channels, ...w.dims.slice(2).map(() => 1)];
  out.initializers.push(tensor(`${p}/w_q`, w.dims, DataType.UINT8, q), tensor(`${p}/w_zero`, [], DataType.UINT8, Uint8Array.of(128)), tensor(`${p}/w_scale`, channelShape, DataType.FLOAT, scales));
  const [xq, xs, xz] = dynamicInput(p, n.input[0], out);
  const result = bias ? `${p}/unbiased` : n.output[0];
  out.nodes.push(
    node(`${p}/conv`, 'ConvInteger', [xq, `${p}/w_q`, xz, `${p}/w_zero`], [`${p}/int32`], n.attribute),
    node(`${p}/cast`, 'Cast', [`${p}/int32`], [`${p}/float`], [{ name: 'to', type: 2, i: DataType.FLOAT }]),
    node(`${p}/scale`, 'Mul', [xs, `${p}/w_scale`], [`${p}/scale`]),
    node(`${p}/rescale`, 'Mul', [`${p}/float`, `${p}/scale`], [result]),
  );
  if (bias) {
    out.initializers.push(tensor(`${p}/bias`, channelShape, DataType.FLOAT, floats(bias)));
    out.nodes.push(node(`${p}/add_bias`, 'Add', [result, `${p}/bias`], [n.output[0]]));
  }
}

function int8(model: ModelProtoValue): ModelProtoValue {
  const inits = new Map(model.graph.initializer.map((t) => [t.name, t]));
  const replaced = new Set<string>();
  const out: Rewrite = { nodes: [], initializers: [] };
  for (const n of model.graph.node) {
    const w = inits.get(n.input[1] ?? '');
    if (n.op_type === 'MatMul' && w?.data_type === DataType.FLOAT && w.dims.length === 2) {
      matMulInteger(n, w, out);
      replaced.add(w.name);
    } else if (n.op_type === 'Conv' && w?.data_type === DataType.FLOAT) {
      const bias = n.input[2] ? inits.get(n.input[2]) : undefined;
      convInteger(n, w, bias, out);
      replaced.add(w.name);
      if (bias) replaced.add(bias.name);
    } else out.nodes.push(n);
  }
  // A weight another node still reads stays.
  const stillRead = new Set(out.nodes.flatMap((n) => n.input));
  const kept = model.graph.initializer.filter((t) => !replaced.has(t.name) || stillRead.has(t.name));
  return { ...model, graph: { ...model.graph, node: out.nodes, initializer: [...kept, ...out.initializers] } };
}

export function quantize(model: ModelProtoValue, how: Quantization): ModelProtoValue {
  return how === 'float16' ? float16(model) : int8(model);
}
