/**
 * Helpers the layer families share: common parameters, shape-rule errors, the sliding-window rule.
 */
import { convOutputLength, formatShape, type Dim, type Shape } from '../../shape';
import type { Formula, Params, ParamSpec, ShapeOutcome, ShapeProblem, WeightShape } from '../types';

export const activationParam = (def = 'linear'): ParamSpec => ({
  name: 'activation',
  type: { kind: 'ref', category: 'activation' },
  default: def,
  doc: 'Activation applied to the output.',
});
export const useBiasParam: ParamSpec = { name: 'use_bias', type: { kind: 'bool' }, default: true, doc: 'Whether the layer adds a learned bias vector.' };
export const regularizerParams: ParamSpec[] = [
  { name: 'kernel_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the kernel weights added to the loss (l1, l2, l1_l2).' },
  { name: 'bias_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the bias added to the loss.' },
];
export const initializerParams: ParamSpec[] = [
  { name: 'kernel_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'glorot_uniform', doc: 'How the kernel weights start.' },
  { name: 'bias_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'zeros', doc: 'How the bias starts.' },
];

export function rankError(layer: string, want: string, input: Shape, fix?: string): ShapeOutcome {
  return {
    error: {
      code: 'shape/rank',
      message: `\`${layer}\` expects ${want}, but its input has shape ${formatShape(input)} (rank ${input.length}).`,
      fix,
    },
  };
}

/** A rejected input: `code` is one of the stable 'shape/…' codes, `param` the parameter at fault. */
export function fail(code: string, message: string, fix?: string, param?: string, action?: ShapeProblem['action']): ShapeOutcome {
  const error: ShapeProblem = { code, message };
  if (fix) error.fix = fix;
  if (param) error.param = param;
  if (action) error.action = action;
  return { error };
}

export function unknownDim(layer: string, what: string, input: Shape, fix?: string): ShapeOutcome {
  return fail('shape/unknown-dim', `\`${layer}\` needs a known ${what}, but its input has shape ${formatShape(input)}.`,
    fix ?? 'give that axis a fixed size in `model.input` (or in the layer that produces it)');
}

export const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

export const tensor = (name: string, shape: number[], trainable = true): WeightShape => ({ name, shape, trainable });
/** `bias` of `n` when `use_bias` is on (its default). */
export const biasOf = (p: Params, n: number): WeightShape[] => (p.use_bias === false ? [] : [tensor('bias', [n])]);

/**
 * An outcome whose parameter counts are the sizes of its weights, so the summary's counts and the
 * pretrained checks' shapes come from one list and cannot disagree.
 */
export function withWeights(shape: Shape, weights: WeightShape[]): ShapeOutcome {
  const size = (ws: WeightShape[]) => ws.reduce((n, w) => n + product(w.shape), 0);
  return { shape, params: size(weights), nonTrainable: size(weights.filter((w) => !w.trainable)), weights };
}
export const scale = (d: Dim, k: number): Dim => (d === null ? null : d * k);
export const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves a possibly negative axis against `rank`; null when out of range or on the batch axis. */
export function resolveAxis(axis: unknown, rank: number): number | null {
  const a = num(axis, -1);
  const r = a < 0 ? rank + a : a;
  return Number.isInteger(r) && r >= 1 && r < rank ? r : null;
}

export function axisError(layer: string, axis: unknown, input: Shape, param = 'axis'): ShapeOutcome {
  return fail('shape/axis',
    `\`${layer}\` ${param} ${String(axis)} does not name a feature axis of input shape ${formatShape(input)} (axes 1…${input.length - 1}, or -1 for the last; axis 0 is the batch).`,
    `use \`${param}: -1\` (the last axis, usually the features or channels)`, param);
}

export { withDefaults } from '../defaults';

export const outputSizeFormula: Formula = {
  label: 'output size',
  latex: 'n_{out} = \\left\\lfloor \\frac{n + 2p - k_{\\mathrm{eff}}}{s} \\right\\rfloor + 1, \\quad k_{\\mathrm{eff}} = k + (k - 1)(d - 1)',
  unicode: 'n_out = ⌊(n + 2p − k_eff)/s⌋ + 1,  k_eff = k + (k − 1)(d − 1)',
};
export const poolSizeFormula: Formula = {
  label: 'output size',
  latex: 'n_{out} = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1 \\;\\;(\\text{valid: } p = 0;\\ \\text{same: } n_{out} = \\lceil n/s \\rceil)',
  unicode: 'n_out = ⌊(n + 2p − k)/s⌋ + 1  (valid: p = 0; same: n_out = ⌈n/s⌉)',
};

/** tf.conv1d/conv2d/depthwiseConv2d assert that the strides or the dilations are all 1. */
export function strideDilationError(layer: string, strides: readonly number[], dilation: readonly number[]): ShapeOutcome {
  return fail('shape/stride-dilation',
    `\`${layer}\` cannot combine strides ${strides.join('×')} with dilation_rate ${dilation.join('×')}: TensorFlow.js needs one of them to be 1.`,
    'set `strides: 1` (and downsample with a pooling layer) or `dilation_rate: 1`', 'dilation_rate');
}

const AXIS_NAMES: Record<number, readonly string[]> = { 1: ['length'], 2: ['height', 'width'] };

export interface Window {
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: 'valid' | 'same';
}

/**
 * Output sizes of a sliding window (convolution or pooling) over the spatial axes 1…rank of
 * `input`, or the problem: a window larger than a `valid`-padded axis, or strides combined with
 * dilation (tf.conv* asserts that one of them is 1) where the trainer has no way around it.
 */
export function slide(layer: string, input: Shape, w: Window, what: 'kernel' | 'pool', stridedDilation = false): Dim[] | ShapeOutcome {
  const rank = w.kernel.length;
  if (!stridedDilation && w.strides.some((s) => s > 1) && w.dilation.some((d) => d > 1)) return strideDilationError(layer, w.strides, w.dilation);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const n = input[1 + i];
    const k = w.kernel[i];
    const eff = k + (k - 1) * (w.dilation[i] - 1);
    if (w.padding === 'valid' && n !== null && eff > n) {
      const size = w.kernel.join('×');
      const axis = AXIS_NAMES[rank]?.[i] ?? `axis ${i + 1}`;
      const dilated = eff !== k ? ` (${eff} once dilated)` : '';
      return what === 'kernel'
        ? fail('shape/kernel-too-large',
          `\`${layer}\` kernel ${size}${dilated} is larger than its input's ${axis} (${n}) in input shape ${formatShape(input)}.`,
          'use a smaller `kernel_size`, `padding: same`, or remove a pooling layer before it', 'kernel_size')
        : fail('shape/pool-too-large',
          `\`${layer}\` pool ${size} is larger than its input's ${axis} (${n}) in input shape ${formatShape(input)}.`,
          'use a smaller `pool_size`, `padding: same`, or remove a pooling or strided layer before it', 'pool_size');
    }
    out.push(convOutputLength(n, k, w.padding, w.strides[i], w.dilation[i]));
  }
  return out;
}

export const paddingParam = (): ParamSpec => ({
  name: 'padding',
  type: { kind: 'enum', values: ['valid', 'same'] },
  default: 'valid',
  doc: '`valid`: no padding; `same`: zero-pad so the output has ⌈n/s⌉ positions.',
});

export const imageFix = (input: Shape): string | undefined =>
  input.length === 2
    ? 'add a `reshape` (e.g. to [28, 28, 1]) before it, or set `model.input` to an image shape'
    : input.length === 3
      ? `add a \`reshape: [${input[1] ?? 'height'}, ${input[2] ?? 'width'}, 1]\` before it to give the image a channel axis`
      : undefined;

/** The window of a conv layer from its kernel_size / strides / dilation_rate / padding. */

export const listText = (xs: readonly unknown[]): string => `[${xs.join(', ')}]`;

export const identityRule = '(N, …) → (N, …) (unchanged); no params';

export const dropoutRate = (name: string, doc: string): ParamSpec => ({ name, type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0, doc });
