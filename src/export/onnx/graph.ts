/**
 * The graph being built: nodes, initializers and the values between them, with each value's
 * layout. A value is converted between the spec's channels-last layout and ONNX's channels-first
 * one only where a layer asks for the other one, once per value (a residual branch that reads the
 * same value twice shares the Transpose).
 */
import { lookup, toChannelsFirst, toChannelsLast, withDefaults, type OnnxAttribute, type OnnxLayout, type OnnxValue } from '../../core/catalog';
import { AttributeType, DataType, tensor, type AttributeProto, type NodeProto, type TensorProto } from './proto';

function attribute(name: string, v: OnnxAttribute): AttributeProto {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('strings' in v) return { name, type: AttributeType.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  return { name, type: AttributeType.FLOAT, f: v.float };
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly converted = new Map<string, OnnxValue>();
  /** Prefix of the names the current layer makes (its id), so a graph reads like the spec. */
  scope = '';

  /** A fresh name under the current scope. */
  fresh(what: string): string {
    const base = `${this.scope ? `${this.scope}/` : ''}${what}`;
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  op(type: string, inputs: readonly string[], attributes: Readonly<Record<string, OnnxAttribute>> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(type));
    this.nodes.push({ name: out[0], op_type: type, input: [...inputs], output: out, attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)) });
    return out;
  }

  op1(type: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string {
    return this.op(type, inputs, attributes)[0];
  }

  constant(data: Float32Array | readonly number[], shape: readonly number[], what = 'const'): string {
    const name = this.fresh(what);
    this.initializers.push(tensor(name, shape, DataType.FLOAT, data instanceof Float32Array ? data : Float32Array.from(data)));
    return name;
  }

  ints(data: readonly number[], shape: readonly number[] = [data.length]): string {
    const name = this.fresh('ints');
    this.initializers.push(tensor(name, shape, DataType.INT64, BigInt64Array.from(data.map((d) => BigInt(d)))));
    return name;
  }

  /** `v` in `layout`: a Transpose when it differs (rank ≥ 3: a rank-2 value has one layout). */
  convert(v: OnnxValue, layout: OnnxLayout | 'any'): OnnxValue {
    if (layout === 'any' || v.layout === layout || v.rank < 3) return v;
    const key = `${v.name}→${layout}`;
    const done = this.converted.get(key);
    if (done) return done;
    const perm = layout === 'channels_first' ? toChannelsFirst(v.rank) : toChannelsLast(v.rank);
    const out: OnnxValue = { name: this.op1('Transpose', [v.name], { perm }), rank: v.rank, layout };
    this.converted.set(key, out);
    return out;
  }

  /** A catalog activation on `x`; `refuse` names it when it has no ONNX mapping. */
  activation(x: string, value: unknown, axis: number, refuse: (m: string) => never): string {
    if (value === undefined || value === null) return x;
    const item = typeof value === 'string' ? { type: value, params: {} } : (value as { type: string; params?: Record<string, unknown> });
    const entry = lookup('activation', item.type);
    if (!entry?.onnx) return refuse(`the activation \`${item.type}\` has no ONNX mapping`);
    return entry.onnx.emit(this, x, withDefaults(entry.params, item.params ?? {}), axis);
  }
}
