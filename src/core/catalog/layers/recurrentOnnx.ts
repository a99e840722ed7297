/**
 * ONNX mappings of the recurrent layers: ONNX's RNN, LSTM and GRU operators on time-major
 * sequences. Keras's weights convert here: kernels transposed to [gates·units, features], LSTM
 * gates reordered from Keras's i, f, c, o to ONNX's i, o, f, c, GRU's z, r, h kept (reset_after
 * is linear_before_reset = 1, with the recurrent bias as ONNX's R bias).
 */
import { transposeData, type OnnxAttribute, type OnnxEmitter, type OnnxLayerMapping, type OnnxValue, type OnnxWeight } from '../onnx';
import type { Params } from '../types';
import { withDefaults } from './shared';

type Kind = 'simple_rnn' | 'lstm' | 'gru';
const OP: Record<Kind, string> = { simple_rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };
const GATES: Record<Kind, number> = { simple_rnn: 1, lstm: 4, gru: 3 };
/** ONNX's gate order as indices into Keras's. */
const ORDER: Record<Kind, number[]> = { simple_rnn: [0], lstm: [0, 3, 1, 2], gru: [0, 1, 2] };

/** Activations ONNX's recurrent operators accept, with their parameters. */
function rnnActivation(e: OnnxEmitter, value: unknown, param: string): { name: string; alpha?: number; beta?: number } {
  const type = typeof value === 'string' ? value : (value as { type?: string })?.type;
  switch (type) {
    case 'sigmoid': return { name: 'Sigmoid' };
    case 'tanh': return { name: 'Tanh' };
    case 'relu': return { name: 'Relu' };
    case 'softsign': return { name: 'Softsign' };
    case 'softplus': return { name: 'Softplus' };
    case 'hard_sigmoid': return { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    case 'linear': return { name: 'Affine', alpha: 1, beta: 0 };
    default: return e.refuse(`ONNX's recurrent operators have no \`${type}\` activation`, param);
  }
}

/** [d, gates·u] (Keras) → [gates·u, d] in ONNX's gate order. */
function gateRows(w: OnnxWeight | Float32Array, rows: number, kind: Kind, u: number): Float32Array {
  const data = w instanceof Float32Array ? w : w.data;
  const t = transposeData(data, [rows, GATES[kind] * u], [1, 0]).data;
  const out = new Float32Array(t.length);
  ORDER[kind].forEach((k, g) => out.set(t.subarray(k * u * rows, (k + 1) * u * rows), g * u * rows));
  return out;
}

/** A Keras bias vector [gates·u] in ONNX's gate order. */
function gateBias(b: Float32Array, kind: Kind, u: number): Float32Array {
  const out = new Float32Array(b.length);
  ORDER[kind].forEach((k, g) => out.set(b.subarray(k * u, (k + 1) * u), g * u));
  return out;
}

/** W, R and B of one direction, from the weights under `sub`. */
function directionWeights(e: OnnxEmitter, kind: Kind, p: Params, sub: string, d: number, u: number) {
  const g = GATES[kind];
  const W = gateRows(e.weight('kernel', sub), d, kind, u);
  const R = gateRows(e.weight('recurrent_kernel', sub), u, kind, u);
  const B = new Float32Array(2 * g * u);
  if (p.use_bias !== false) {
    const b = e.weight('bias', sub).data;
    if (kind === 'gru' && p.reset_after === true) {
      B.set(gateBias(b.subarray(0, g * u), kind, u), 0);
      B.set(gateBias(b.subarray(g * u), kind, u), g * u);
    } else B.set(gateBias(b, kind, u), 0);
  }
  return { W, R, B };
}

/** The operator's attributes: direction, activations, GRU's reset placement. */
function attributes(e: OnnxEmitter, kind: Kind, p: Params, direction: string, u: number, wrapped: string): Record<string, OnnxAttribute> {
  const act = rnnActivation(e, p.activation, wrapped);
  const acts = kind === 'simple_rnn' ? [act] : [rnnActivation(e, p.recurrent_activation, wrapped), act, ...(kind === 'lstm' ? [act] : [])];
  const perDirection = direction === 'bidirectional' ? [...acts, ...acts] : acts;
  const attrs: Record<string, OnnxAttribute> = { hidden_size: u, direction, activations: { strings: perDirection.map((a) => a.name) } };
  if (perDirection.some((a) => a.alpha !== undefined)) {
    attrs.activation_alpha = { floats: perDirection.map((a) => a.alpha ?? 0) };
    attrs.activation_beta = { floats: perDirection.map((a) => a.beta ?? 0) };
  }
  if (kind === 'gru') attrs.linear_before_reset = p.reset_after === true ? 1 : 0;
  return attrs;
}

/** Runs the operator on a batch-major (N, T, d) value; returns Y [T, dirs, N, u] and Y_h [dirs, N, u]. */
function runRecurrent(e: OnnxEmitter, kind: Kind, p: Params, x: OnnxValue, subs: string[], direction: string, wrapped: string): [string, string] {
  const d = e.inputShapes[0][2] as number;
  const u = p.units as number;
  const ws = subs.map((s) => directionWeights(e, kind, p, s, d, u));
  const g = GATES[kind];
  const stack = (k: 'W' | 'R' | 'B') => {
    const out = new Float32Array(ws.reduce((a, w) => a + w[k].length, 0));
    ws.forEach((w, i) => out.set(w[k], i * w[k].length));
    return out;
  };
  const dirs = subs.length;
  const timeMajor = e.op1('Transpose', [x.name], { perm: [1, 0, 2] });
  const inputs = [timeMajor, e.constant(stack('W'), [dirs, g * u, d]), e.constant(stack('R'), [dirs, g * u, u]), e.constant(stack('B'), [dirs, 2 * g * u])];
  const outs = e.op(OP[kind], inputs, attributes(e, kind, p, direction, u, wrapped), 2);
  return [outs[0], outs[1]];
}

/** Y [T, 1, N, u] → (N, T, u), in Keras's order (reversed back for go_backwards, which Keras returns in processing order). */
function sequences(e: OnnxEmitter, y: string, backwards: boolean): string {
  let seq = e.op1('Transpose', [e.op1('Squeeze', [y, e.ints([1])])], { perm: [1, 0, 2] });
  if (backwards) seq = e.op1('Slice', [seq, e.ints([-1]), e.ints([-(2 ** 62)]), e.ints([1]), e.ints([-1])]);
  return seq;
}

export function recurrentOnnx(kind: Kind): OnnxLayerMapping {
  return {
    ops: `${OP[kind]} (with a Transpose to time-major)`,
    emit(e) {
      const p = e.params;
      const x = e.input(0, 'keras');
      const backwards = p.go_backwards === true;
      const [y, yh] = runRecurrent(e, kind, p, x, [''], backwards ? 'reverse' : 'forward', 'activation');
      if (p.return_sequences === true) return e.value(sequences(e, y, backwards), 3, 'keras');
      return e.value(e.op1('Squeeze', [yh, e.ints([0])]), 2, 'keras');
    },
  };
}

export const bidirectionalOnnx: OnnxLayerMapping = {
  ops: 'RNN / LSTM / GRU with direction = bidirectional',
  emit(e) {
    const inner = e.params.layer as { type: Kind; params?: Params };
    const kind = inner.type;
    const { lookupParams } = recurrentDefaults;
    const p = lookupParams(kind, inner.params ?? {});
    if (p.go_backwards === true) return e.refuse('a wrapped layer with go_backwards is not exported', 'layer');
    const x = e.input(0, 'keras');
    const base = e.tfName;
    const [y, yh] = runRecurrent(e, kind, p, x, [`/forward_${base}_${kind}`, `/backward_${base}_${kind}`], 'bidirectional', 'layer');
    const u = p.units as number;
    const mode = e.params.merge_mode as string;
    const sequencesOut = p.return_sequences === true;
    // Both directions side by side: (N, T, 2, u) for sequences, (N, 2, u) for the last states.
    const both = sequencesOut ? e.op1('Transpose', [y], { perm: [2, 0, 1, 3] }) : e.op1('Transpose', [yh], { perm: [1, 0, 2] });
    const dirAxis = sequencesOut ? 2 : 1;
    const rank = sequencesOut ? 3 : 2;
    if (mode === 'concat') return e.value(e.op1('Reshape', [both, e.ints(sequencesOut ? [0, 0, 2 * u] : [0, 2 * u])]), rank, 'keras');
    const [fw, bw] = e.op('Split', [both, e.ints([1, 1])], { axis: dirAxis }, 2);
    const squeeze = (t: string) => e.op1('Squeeze', [t, e.ints([dirAxis])]);
    const [a, b] = [squeeze(fw), squeeze(bw)];
    const merged = mode === 'sum' ? e.op1('Add', [a, b]) : mode === 'mul' ? e.op1('Mul', [a, b]) : e.op1('Mul', [e.op1('Add', [a, b]), e.constant([0.5], [])]);
    return e.value(merged, rank, 'keras');
  },
};

/** The wrapped layer's parameters with its entry's defaults (set by recurrent.ts, which has the entries). */
export const recurrentDefaults: { lookupParams: (kind: Kind, given: Params) => Params } = { lookupParams: (_k, given) => withDefaults([], given) };
