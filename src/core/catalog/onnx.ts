/**
 * How catalog entries map to ONNX operators: the vocabulary the entries' `onnx` mappings are
 * written in. The exporter (src/export/onnx/) implements {@link OnnxEmitter}; an entry only says
 * which operators its inference-mode forward pass is, how its parameters become attributes and
 * how its trained weights are laid out. Pure: no file, no protobuf.
 */
import type { Shape } from '../shape';
import type { Params } from './types';

/**
 * Where a value keeps its channels. `keras`: as the spec declares (channels last, NHWC); `channels_first`:
 * the channel axis moved to axis 1 (NCHW, ONNX's convolution layout). Convolutions ask for
 * channels_first, shape-sensitive layers (flatten, dense, reshape…) for keras; the exporter inserts a
 * Transpose only where a value's layout differs from the one asked for, so a conv stack has one
 * Transpose in and one out.
 */
export type OnnxLayout = 'keras' | 'channels_first';

/** A value in the graph being built: its name, rank and layout. */
export interface OnnxValue {
  name: string;
  rank: number;
  layout: OnnxLayout;
}

export type OnnxAttribute = number | string | number[] | { floats: number[] } | { float: number } | { strings: string[] };

/** A trained weight of the layer, as tfjs saved it (Keras's layout), row-major. */
export interface OnnxWeight {
  shape: number[];
  data: Float32Array;
}

export interface OnnxEmitter {
  /** The operator set being written (17 by default): the few operators whose signature changed later ask. */
  opset: number;
  /** The layer's parameters, defaults applied. */
  params: Params;
  /** Shapes the core's inference gave the layer's inputs and output (Keras layout, batch axis null). */
  inputShapes: readonly Shape[];
  outputShape: Shape;
  /** Input i, converted to `layout` (unchanged for `any`). */
  input(i: number, layout?: OnnxLayout | 'any'): OnnxValue;
  /** The layer's tfjs name, under which its checkpoint weights are saved (bidirectional's sub-layers are named after it). */
  tfName: string;
  /** How many inputs the layer has (merges). */
  inputCount: number;
  /** The trained weight `name` (kernel, bias, gamma, …) of the tfjs layer `sub` (a suffix of the layer's own name, '' for itself). */
  weight(name: string, sub?: string): OnnxWeight;
  /** Whether that weight exists (use_bias: false has no bias). */
  hasWeight(name: string, sub?: string): boolean;
  /** A float32 initializer (weights, shapes of reshape are int64: see `ints`). */
  constant(data: Float32Array | readonly number[], shape: readonly number[]): string;
  /** An int64 initializer (shapes, axes, pads, indices). */
  ints(data: readonly number[], shape?: readonly number[]): string;
  /** Adds a node; returns its output names (`outputs` of them, default 1). */
  op(type: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>, outputs?: number): string[];
  /** One-output shorthand of `op`. */
  op1(type: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string;
  /** Applies a catalog activation (a parameter value: `relu`, `{ type: leaky_relu, params }`) on `axis` as the feature axis. */
  activation(x: string, activation: unknown, axis: number): string;
  /** Refuses the export: the layer (or `param` of it) cannot be exported faithfully. */
  refuse(message: string, param?: string): never;
  /** Wraps an output name as a value. */
  value(name: string, rank: number, layout: OnnxLayout): OnnxValue;
}

/** A layer's ONNX mapping: the operators for the docs table, and the emitter of its forward pass. */
export interface OnnxLayerMapping {
  /** The operators, for the docs' layer → operator table, e.g. "MatMul, Add". */
  ops: string;
  emit(e: OnnxEmitter): OnnxValue;
}

/** An activation's ONNX mapping on a named value. */
export interface OnnxActivationMapping {
  ops: string;
  emit(e: Pick<OnnxEmitter, 'op1' | 'constant'>, x: string, params: Params, axis: number): string;
}

// ─── Helpers the mappings share ──────────────────────────────────────────────────────────────

/** Permutation that moves the last axis of a rank-r tensor to axis 1 (NHWC → NCHW). */
export const toChannelsFirst = (rank: number): number[] => [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
/** Its inverse (NCHW → NHWC). */
export const toChannelsLast = (rank: number): number[] => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];

/** Reorders a row-major tensor's axes: out axis i is in axis perm[i]. */
export function transposeData(data: Float32Array, shape: readonly number[], perm: readonly number[]): { data: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const stride = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i] * stride[i];
    out[o] = data[src];
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/**
 * Explicit ONNX pads [begin…, end…] for a window over `sizes` (Keras/TensorFlow `same`: the total
 * padding is split with the extra one at the end; `valid`: none).
 */
export function windowPads(padding: unknown, sizes: readonly (number | null)[], kernel: readonly number[], strides: readonly number[], dilation: readonly number[], refuse: (m: string) => never): number[] {
  if (padding !== 'same') return [...kernel.map(() => 0), ...kernel.map(() => 0)];
  const begin: number[] = [];
  const end: number[] = [];
  kernel.forEach((k, i) => {
    const n = sizes[i];
    const eff = (k - 1) * (dilation[i] ?? 1) + 1;
    const s = strides[i];
    if (n === null) {
      // Without the size the split depends on it, except where the total does not (stride 1).
      if (s !== 1) refuse('`padding: same` with strides > 1 needs a known size on the padded axes to split the padding as TensorFlow does');
      begin.push(Math.floor((eff - 1) / 2));
      end.push(eff - 1 - Math.floor((eff - 1) / 2));
      return;
    }
    const out = Math.ceil(n / s);
    const total = Math.max(0, (out - 1) * s + eff - n);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}

/** The axis that holds a value's features (Keras's last axis) in its layout. */
export const featureAxis = (v: OnnxValue): number => (v.layout === 'channels_first' && v.rank > 2 ? 1 : v.rank - 1);

/** Layers that vanish at inference (dropout, noise): the input passes through in whatever layout it has. */
export const identityAtInference: OnnxLayerMapping = { ops: '(none: identity at inference)', emit: (e) => e.input(0, 'any') };

/** x · W + b on the last axis (Keras Dense): W [d, units] as saved. */
export function denseOnnx(e: OnnxEmitter, x: string, sub = '', useBias = true): string {
  const kernel = e.weight('kernel', sub);
  const y = e.op1('MatMul', [x, e.constant(kernel.data, kernel.shape)]);
  if (!useBias || !e.hasWeight('bias', sub)) return y;
  const bias = e.weight('bias', sub);
  return e.op1('Add', [y, e.constant(bias.data, bias.shape)]);
}

/** A Keras kernel [k…, in, out] as ONNX's [out, in, k…]. */
export function convKernel(w: OnnxWeight): { data: Float32Array; shape: number[] } {
  const r = w.shape.length;
  return transposeData(w.data, w.shape, [r - 1, r - 2, ...Array.from({ length: r - 2 }, (_, i) => i)]);
}

/** A reduction over `axes`: an attribute up to opset 17, an input from opset 18 on. */
export const reduce = (e: OnnxEmitter, op: string, x: string, axes: number[], keepdims = 0): string =>
  e.opset >= 18 ? e.op1(op, [x, e.ints(axes)], { keepdims }) : e.op1(op, [x], { axes, keepdims });

/** Keras LayerNormalization over the last axis (γ, β of the tfjs layer `sub`; absent: 1 and 0). */
export function layerNormOnnx(e: OnnxEmitter, x: string, sub: string, epsilon: number, d: number): string {
  const gamma = e.hasWeight('gamma', sub) ? e.weight('gamma', sub).data : new Float32Array(d).fill(1);
  const beta = e.hasWeight('beta', sub) ? e.weight('beta', sub).data : new Float32Array(d);
  return e.op1('LayerNormalization', [x, e.constant(gamma, [d]), e.constant(beta, [d])], { axis: -1, epsilon: { float: epsilon } });
}
