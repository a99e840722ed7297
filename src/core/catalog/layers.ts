/**
 * Layer entries. Shape rules are pure functions of input shapes and parameters (tfjs-layers'
 * computeOutputShape without tensors); parameter counts match tf.LayersModel.countParams().
 */
import { convOutputLength, formatShape, sampleSize, toTuple, type Dim, type Shape } from '../shape';
import type { Formula, LayerEntry, Params, ParamSpec, ShapeOutcome, ShapeProblem } from './types';

const activationParam = (def = 'linear'): ParamSpec => ({
  name: 'activation',
  type: { kind: 'ref', category: 'activation' },
  default: def,
  doc: 'Activation applied to the output.',
});
const useBiasParam: ParamSpec = { name: 'use_bias', type: { kind: 'bool' }, default: true, doc: 'Whether the layer adds a learned bias vector.' };
const regularizerParams: ParamSpec[] = [
  { name: 'kernel_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the kernel weights added to the loss (l1, l2, l1_l2).' },
  { name: 'bias_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the bias added to the loss.' },
];
const initializerParams: ParamSpec[] = [
  { name: 'kernel_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'glorot_uniform', doc: 'How the kernel weights start.' },
  { name: 'bias_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'zeros', doc: 'How the bias starts.' },
];

function rankError(layer: string, want: string, input: Shape, fix?: string): ShapeOutcome {
  return {
    error: {
      code: 'shape/rank',
      message: `\`${layer}\` expects ${want}, but its input has shape ${formatShape(input)} (rank ${input.length}).`,
      fix,
    },
  };
}

/** A rejected input: `code` is one of the stable 'shape/…' codes, `param` the parameter at fault. */
function fail(code: string, message: string, fix?: string, param?: string, action?: ShapeProblem['action']): ShapeOutcome {
  const error: ShapeProblem = { code, message };
  if (fix) error.fix = fix;
  if (param) error.param = param;
  if (action) error.action = action;
  return { error };
}

function unknownDim(layer: string, what: string, input: Shape, fix?: string): ShapeOutcome {
  return fail('shape/unknown-dim', `\`${layer}\` needs a known ${what}, but its input has shape ${formatShape(input)}.`,
    fix ?? 'give that axis a fixed size in `model.input` (or in the layer that produces it)');
}

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
const scale = (d: Dim, k: number): Dim => (d === null ? null : d * k);
const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves a possibly negative axis against `rank`; null when out of range or on the batch axis. */
function resolveAxis(axis: unknown, rank: number): number | null {
  const a = num(axis, -1);
  const r = a < 0 ? rank + a : a;
  return Number.isInteger(r) && r >= 1 && r < rank ? r : null;
}

function axisError(layer: string, axis: unknown, input: Shape, param = 'axis'): ShapeOutcome {
  return fail('shape/axis',
    `\`${layer}\` ${param} ${String(axis)} does not name a feature axis of input shape ${formatShape(input)} (axes 1…${input.length - 1}, or -1 for the last; axis 0 is the batch).`,
    `use \`${param}: -1\` (the last axis, usually the features or channels)`, param);
}

/** Applies defaults, for nested layers (the layer a `bidirectional` wraps). */
function withDefaults(specs: readonly ParamSpec[], given: Record<string, unknown>): Params {
  const out: Record<string, unknown> = {};
  for (const s of specs) if (s.default !== undefined) out[s.name] = s.default;
  return { ...out, ...given };
}

const outputSizeFormula: Formula = {
  label: 'output size',
  latex: 'n_{out} = \\left\\lfloor \\frac{n + 2p - k_{\\mathrm{eff}}}{s} \\right\\rfloor + 1, \\quad k_{\\mathrm{eff}} = k + (k - 1)(d - 1)',
  unicode: 'n_out = ⌊(n + 2p − k_eff)/s⌋ + 1,  k_eff = k + (k − 1)(d − 1)',
};
const poolSizeFormula: Formula = {
  label: 'output size',
  latex: 'n_{out} = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1 \\;\\;(\\text{valid: } p = 0;\\ \\text{same: } n_{out} = \\lceil n/s \\rceil)',
  unicode: 'n_out = ⌊(n + 2p − k)/s⌋ + 1  (valid: p = 0; same: n_out = ⌈n/s⌉)',
};

/** tf.conv1d/conv2d/depthwiseConv2d assert that the strides or the dilations are all 1. */
function strideDilationError(layer: string, strides: readonly number[], dilation: readonly number[]): ShapeOutcome {
  return fail('shape/stride-dilation',
    `\`${layer}\` cannot combine strides ${strides.join('×')} with dilation_rate ${dilation.join('×')}: TensorFlow.js needs one of them to be 1.`,
    'set `strides: 1` (and downsample with a pooling layer) or `dilation_rate: 1`', 'dilation_rate');
}

const AXIS_NAMES: Record<number, readonly string[]> = { 1: ['length'], 2: ['height', 'width'] };

interface Window {
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: 'valid' | 'same';
}

/**
 * Output sizes of a sliding window (convolution or pooling) over the spatial axes 1…rank of
 * `input`, or the problem: a window larger than a `valid`-padded axis, or strides combined with
 * dilation (tf.conv* asserts that one of them is 1).
 */
function slide(layer: string, input: Shape, w: Window, what: 'kernel' | 'pool'): Dim[] | ShapeOutcome {
  const rank = w.kernel.length;
  if (w.strides.some((s) => s > 1) && w.dilation.some((d) => d > 1)) return strideDilationError(layer, w.strides, w.dilation);
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

const dense: LayerEntry = {
  name: 'dense',
  category: 'layer',
  arity: 'one',
  summary: 'Fully connected layer: every output unit sees every input feature.',
  docs:
    'Computes `activation(x · W + b)` on the **last axis** of its input. On a tensor of rank > 2 ' +
    '(e.g. after a convolution) it applies to each position separately; put `flatten` first to ' +
    'connect all features.',
  params: [
    { name: 'units', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of output units (the size of the last axis of the output).' },
    activationParam(),
    useBiasParam,
    ...initializerParams,
    ...regularizerParams,
  ],
  formulas: [
    { label: 'forward pass', latex: 'a = \\sigma(W x + b)', unicode: 'a = σ(Wx + b)' },
    {
      label: 'back-propagation',
      latex: '\\delta = \\frac{\\partial L}{\\partial a} \\odot \\sigma\'(z), \\quad \\frac{\\partial L}{\\partial W} = x^\\top \\delta',
      unicode: 'δ = ∂L/∂a ⊙ σ′(z),  ∂L/∂W = xᵀδ',
    },
  ],
  tfjs: 'tf.layers.dense',
  aliases: ['linear', 'fully_connected', 'fc'],
  primary: 'units',
  shapeRule: '(N, …, d) → (N, …, units); params = d·units + units',
  infer([input], p) {
    if (input.length < 2) return rankError('dense', 'at least rank 2 (batch, features)', input);
    const d = input[input.length - 1];
    if (d === null) {
      return { error: { code: 'shape/unknown-dim', message: `\`dense\` needs a known last axis, but its input has shape ${formatShape(input)}.` } };
    }
    const units = p.units as number;
    return { shape: [...input.slice(0, -1), units], params: d * units + (p.use_bias ? units : 0) };
  },
  shapeCases: [
    { params: { units: 128 }, inputs: [[null, 784]], output: [null, 128], paramCount: 100_480 },
    { params: { units: 10, use_bias: false }, inputs: [[null, 64]], output: [null, 10], paramCount: 640 },
    { params: { units: 10 }, inputs: [[null, 26, 26, 32]], output: [null, 26, 26, 10], paramCount: 330 },
    { params: { units: 10 }, inputs: [[null]], error: 'shape/rank' },
  ],
};

const conv2d: LayerEntry = {
  name: 'conv2d',
  category: 'layer',
  arity: 'one',
  summary: '2-D convolution over height and width (channels last).',
  docs:
    'Slides `filters` learned kernels of size `kernel_size` over the input image (N, H, W, C) and ' +
    'produces one feature map per filter. `padding: same` keeps H and W (at stride 1); `valid` ' +
    'shrinks them by `kernel_size - 1`.',
  params: [
    { name: 'filters', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of kernels, i.e. output channels.' },
    { name: 'kernel_size', type: { kind: 'int_or_ints', length: 2, min: 1 }, required: true, doc: 'Height and width of each kernel (one number for a square kernel).' },
    { name: 'strides', type: { kind: 'int_or_ints', length: 2, min: 1 }, default: 1, doc: 'Step between kernel positions.' },
    { name: 'padding', type: { kind: 'enum', values: ['valid', 'same'] }, default: 'valid', doc: '`valid`: no padding; `same`: zero-pad so the output has ⌈n/s⌉ positions.' },
    { name: 'dilation_rate', type: { kind: 'int_or_ints', length: 2, min: 1 }, default: 1, doc: 'Spacing between kernel taps (atrous convolution).' },
    activationParam(),
    useBiasParam,
    ...initializerParams,
    ...regularizerParams,
  ],
  formulas: [
    {
      label: 'convolution',
      latex: 'y_{i,j,f} = \\sigma\\Big(b_f + \\sum_{u,v,c} W_{u,v,c,f}\\, x_{i s + u,\\, j s + v,\\, c}\\Big)',
      unicode: 'y[i,j,f] = σ(b[f] + Σ_{u,v,c} W[u,v,c,f] · x[i·s+u, j·s+v, c])',
    },
    {
      label: 'output size',
      latex: 'n_{out} = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1',
      unicode: 'n_out = ⌊(n + 2p − k)/s⌋ + 1',
    },
  ],
  tfjs: 'tf.layers.conv2d',
  aliases: ['conv2D', 'convolution2d', 'conv'],
  shapeRule: '(N, H, W, C) → (N, H′, W′, filters); params = kh·kw·C·filters + filters',
  infer([input], p) {
    if (input.length !== 4) {
      return rankError('conv2d', 'a rank-4 input (batch, height, width, channels)', input,
        input.length === 2 ? 'add a `reshape` (e.g. to [28, 28, 1]) before it, or set `model.input` to an image shape' : undefined);
    }
    const [k0, k1] = toTuple(p.kernel_size, 2, 1);
    const [s0, s1] = toTuple(p.strides, 2, 1);
    const [d0, d1] = toTuple(p.dilation_rate, 2, 1);
    const padding = p.padding as 'valid' | 'same';
    const [, h, w, c] = input;
    if ((s0 > 1 || s1 > 1) && (d0 > 1 || d1 > 1)) return strideDilationError('conv2d', [s0, s1], [d0, d1]);
    for (const [axis, n, k, d] of [['height', h, k0, d0], ['width', w, k1, d1]] as const) {
      const eff = k + (k - 1) * (d - 1);
      if (padding === 'valid' && n !== null && eff > n) {
        return {
          error: {
            code: 'shape/kernel-too-large',
            param: 'kernel_size',
            message: `\`conv2d\` kernel ${k0}×${k1} is larger than its input's ${axis} (${n}) in input shape ${formatShape(input)}.`,
            fix: 'use a smaller `kernel_size`, `padding: same`, or remove a pooling layer before it',
          },
        };
      }
    }
    if (c === null) return { error: { code: 'shape/unknown-dim', message: `\`conv2d\` needs a known channel axis, but its input has shape ${formatShape(input)}.` } };
    const filters = p.filters as number;
    return {
      shape: [input[0], convOutputLength(h, k0, padding, s0, d0), convOutputLength(w, k1, padding, s1, d1), filters],
      params: k0 * k1 * c * filters + (p.use_bias ? filters : 0),
    };
  },
  shapeCases: [
    { params: { filters: 32, kernel_size: 3 }, inputs: [[null, 28, 28, 1]], output: [null, 26, 26, 32], paramCount: 320 },
    { params: { filters: 8, kernel_size: 3, padding: 'same', strides: 2 }, inputs: [[null, 28, 28, 3]], output: [null, 14, 14, 8], paramCount: 224 },
    { params: { filters: 8, kernel_size: 5 }, inputs: [[null, 3, 3, 1]], error: 'shape/kernel-too-large' },
    { params: { filters: 8, kernel_size: 3, strides: 2, dilation_rate: 2 }, inputs: [[null, 28, 28, 1]], error: 'shape/stride-dilation' },
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 784]], error: 'shape/rank' },
  ],
};

const flatten: LayerEntry = {
  name: 'flatten',
  category: 'layer',
  arity: 'one',
  summary: 'Flattens every axis but the batch axis into one.',
  docs:
    'Turns (N, d₁, …, dₖ) into (N, d₁·…·dₖ), e.g. the feature maps of a convolution into a vector a `dense` layer can take. ' +
    'Its input needs at least two axes besides the batch, all of known size: TensorFlow.js refuses to flatten an already flat (N, d) ' +
    'tensor or one with a symbolic axis (use global pooling for variable-size inputs). No parameters.',
  params: [],
  formulas: [{ label: 'reshape', latex: '(N, d_1, \\dots, d_k) \\mapsto (N, \\textstyle\\prod_i d_i)', unicode: '(N, d₁, …, dₖ) ↦ (N, ∏ dᵢ)' }],
  tfjs: 'tf.layers.flatten',
  shapeRule: '(N, d₁, …, dₖ) → (N, d₁·…·dₖ), k ≥ 2',
  infer([input]) {
    if (input.length < 3) {
      return rankError('flatten', 'at least rank 3 (batch and two or more axes to flatten)', input,
        input.length === 2 ? 'remove this `flatten`: its input is already flat' : undefined);
    }
    const size = sampleSize(input);
    if (size === null) {
      return unknownDim('flatten', 'size on every axis but the batch', input,
        'use a global pooling layer (`global_avg_pool1d` / `global_avg_pool2d`) instead, or give those axes fixed sizes in `model.input`');
    }
    return { shape: [input[0], size], params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 3, 3, 64]], output: [null, 576], paramCount: 0 },
    { inputs: [[null, 10, 4]], output: [null, 40], paramCount: 0 },
    { inputs: [[null, 10]], error: 'shape/rank' },
    { inputs: [[null, null, 4]], error: 'shape/unknown-dim' },
  ],
};

// ─── Convolutions ──────────────────────────────────────────────────────────────────────────────

const filtersParam: ParamSpec = { name: 'filters', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of kernels, i.e. output channels.' };
const kernelSizeParam = (rank: 1 | 2): ParamSpec => ({
  name: 'kernel_size',
  type: { kind: 'int_or_ints', length: rank, min: 1 },
  required: true,
  doc: rank === 1 ? 'Width of each kernel along the sequence.' : 'Height and width of each kernel (one number for a square kernel).',
});
const stridesParam = (rank: 1 | 2): ParamSpec => ({ name: 'strides', type: { kind: 'int_or_ints', length: rank, min: 1 }, default: 1, doc: 'Step between kernel positions.' });
const dilationParam = (rank: 1 | 2): ParamSpec => ({
  name: 'dilation_rate',
  type: { kind: 'int_or_ints', length: rank, min: 1 },
  default: 1,
  doc: 'Spacing between kernel taps (atrous convolution); cannot be combined with strides > 1.',
});
const paddingParam = (): ParamSpec => ({
  name: 'padding',
  type: { kind: 'enum', values: ['valid', 'same'] },
  default: 'valid',
  doc: '`valid`: no padding; `same`: zero-pad so the output has ⌈n/s⌉ positions.',
});
const depthMultiplierParam: ParamSpec = {
  name: 'depth_multiplier',
  type: { kind: 'int', min: 1 },
  default: 1,
  doc: 'Depthwise kernels per input channel: the depthwise step outputs channels × depth_multiplier maps.',
};
const depthwiseParams: ParamSpec[] = [
  { name: 'depthwise_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'glorot_uniform', doc: 'How the depthwise (per-channel) kernels start.' },
  { name: 'bias_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'zeros', doc: 'How the bias starts.' },
  { name: 'depthwise_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the depthwise kernels added to the loss (l1, l2, l1_l2).' },
  { name: 'bias_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the bias added to the loss.' },
];

const imageFix = (input: Shape): string | undefined =>
  input.length === 2
    ? 'add a `reshape` (e.g. to [28, 28, 1]) before it, or set `model.input` to an image shape'
    : input.length === 3
      ? `add a \`reshape: [${input[1] ?? 'height'}, ${input[2] ?? 'width'}, 1]\` before it to give the image a channel axis`
      : undefined;

/** The window of a conv layer from its kernel_size / strides / dilation_rate / padding. */
const convWindow = (p: Params, rank: number): Window => ({
  kernel: toTuple(p.kernel_size, rank, 1),
  strides: toTuple(p.strides, rank, 1),
  dilation: toTuple(p.dilation_rate, rank, 1),
  padding: (p.padding as Window['padding']) ?? 'valid',
});

const conv1d: LayerEntry = {
  name: 'conv1d',
  category: 'layer',
  arity: 'one',
  summary: '1-D convolution along a sequence (steps, channels): local pattern detectors for text and signals.',
  docs:
    'Slides `filters` learned kernels of width `kernel_size` along the steps of a (N, steps, channels) ' +
    'tensor and outputs one feature per filter at every position, so it finds local patterns (character ' +
    'or word n-grams, a spike in a sensor trace) wherever they occur. `padding: same` keeps the length ' +
    'at stride 1; `valid` shortens it by `kernel_size - 1`. (Keras\' `causal` padding is not offered: ' +
    'TensorFlow.js does not implement it.) Stack it after an `embedding` for text, or give ' +
    '`model.input` a shape like [timesteps, features].',
  params: [
    filtersParam,
    kernelSizeParam(1),
    stridesParam(1),
    paddingParam(),
    dilationParam(1),
    activationParam(),
    useBiasParam,
    ...initializerParams,
    ...regularizerParams,
  ],
  formulas: [
    {
      label: 'convolution',
      latex: 'y_{t,f} = \\sigma\\Big(b_f + \\sum_{u=0}^{k-1} \\sum_{c} W_{u,c,f}\\, x_{t s + u d,\\, c}\\Big)',
      unicode: 'y[t,f] = σ(b[f] + Σ_{u=0}^{k−1} Σ_c W[u,c,f] · x[t·s + u·d, c])',
    },
    outputSizeFormula,
  ],
  tfjs: 'tf.layers.conv1d',
  aliases: ['conv1D', 'convolution1d', 'temporal_convolution'],
  shapeRule: '(N, L, C) → (N, L′, filters); params = k·C·filters + filters',
  infer([input], p) {
    if (input.length !== 3) {
      return rankError('conv1d', 'a rank-3 input (batch, steps, channels)', input,
        input.length === 2 ? 'add an `embedding` (for token ids) or a `reshape` to [steps, 1] before it' : undefined);
    }
    const w = convWindow(p, 1);
    const dims = slide('conv1d', input, w, 'kernel');
    if (!Array.isArray(dims)) return dims;
    const c = input[2];
    if (c === null) return unknownDim('conv1d', 'channel axis', input);
    const filters = p.filters as number;
    return { shape: [input[0], ...dims, filters], params: w.kernel[0] * c * filters + (p.use_bias ? filters : 0) };
  },
  shapeCases: [
    { params: { filters: 64, kernel_size: 3 }, inputs: [[null, 100, 16]], output: [null, 98, 64], paramCount: 3_136 },
    { params: { filters: 32, kernel_size: 5, padding: 'same', dilation_rate: 2 }, inputs: [[null, null, 8]], output: [null, null, 32], paramCount: 1_312 },
    { params: { filters: 16, kernel_size: 3, dilation_rate: 4 }, inputs: [[null, 20, 2]], output: [null, 12, 16], paramCount: 112 },
    { params: { filters: 8, kernel_size: 3, strides: 2, padding: 'same' }, inputs: [[null, 11, 4]], output: [null, 6, 8], paramCount: 104 },
    { params: { filters: 8, kernel_size: 7 }, inputs: [[null, 5, 1]], error: 'shape/kernel-too-large' },
    { params: { filters: 8, kernel_size: 3, strides: 2, dilation_rate: 2 }, inputs: [[null, 50, 4]], error: 'shape/stride-dilation' },
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 100]], error: 'shape/rank' },
  ],
};

const depthwiseConv2d: LayerEntry = {
  name: 'depthwise_conv2d',
  category: 'layer',
  arity: 'one',
  summary: 'Depthwise 2-D convolution: one spatial kernel per input channel, no mixing across channels.',
  docs:
    'Filters every input channel separately with its own `kernel_size` kernel (or `depth_multiplier` ' +
    'kernels), so (N, H, W, C) becomes (N, H′, W′, C·depth_multiplier). It learns spatial patterns at a ' +
    'fraction of the cost of `conv2d` (k·k·C weights instead of k·k·C·filters) but never combines ' +
    'channels; follow it with a 1×1 `conv2d` to mix them, or use `separable_conv2d`, which does both ' +
    '(the MobileNet building block).',
  params: [
    kernelSizeParam(2),
    stridesParam(2),
    paddingParam(),
    depthMultiplierParam,
    dilationParam(2),
    activationParam(),
    useBiasParam,
    ...depthwiseParams,
  ],
  formulas: [
    {
      label: 'depthwise convolution',
      latex: 'y_{i,j,c m + q} = \\sigma\\Big(b_{c m + q} + \\sum_{u,v} W_{u,v,c,q}\\, x_{i s + u,\\, j s + v,\\, c}\\Big)',
      unicode: 'y[i,j,c·m+q] = σ(b[c·m+q] + Σ_{u,v} W[u,v,c,q] · x[i·s+u, j·s+v, c])',
    },
    outputSizeFormula,
  ],
  tfjs: 'tf.layers.depthwiseConv2d',
  aliases: ['depthwise_conv', 'depthwiseconv2d'],
  shapeRule: '(N, H, W, C) → (N, H′, W′, C·m); params = kh·kw·C·m + C·m',
  infer([input], p) {
    if (input.length !== 4) return rankError('depthwise_conv2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const w = convWindow(p, 2);
    const dims = slide('depthwise_conv2d', input, w, 'kernel');
    if (!Array.isArray(dims)) return dims;
    const c = input[3];
    if (c === null) return unknownDim('depthwise_conv2d', 'channel axis', input);
    const out = c * num(p.depth_multiplier, 1);
    return { shape: [input[0], ...dims, out], params: w.kernel[0] * w.kernel[1] * out + (p.use_bias ? out : 0) };
  },
  shapeCases: [
    { params: { kernel_size: 3 }, inputs: [[null, 32, 32, 16]], output: [null, 30, 30, 16], paramCount: 160 },
    { params: { kernel_size: 3, depth_multiplier: 2, padding: 'same', strides: 2 }, inputs: [[null, 28, 28, 3]], output: [null, 14, 14, 6], paramCount: 60 },
    { params: { kernel_size: 3 }, inputs: [[null, 2, 2, 3]], error: 'shape/kernel-too-large' },
    { params: { kernel_size: 3 }, inputs: [[null, 28, 28]], error: 'shape/rank' },
  ],
};

const separableConv2d: LayerEntry = {
  name: 'separable_conv2d',
  category: 'layer',
  arity: 'one',
  summary: 'Depthwise-separable 2-D convolution: per-channel spatial filter, then a 1×1 convolution.',
  docs:
    'Factorises a `conv2d` into two steps: a depthwise convolution that filters each input channel on ' +
    'its own (`depth_multiplier` kernels of `kernel_size` each), then a pointwise 1×1 convolution that ' +
    'mixes the channels into `filters` outputs. It has far fewer parameters than `conv2d` with the same ' +
    'receptive field (kh·kw·C·m + C·m·filters instead of kh·kw·C·filters), which is why Xception and ' +
    'MobileNet are built from it.',
  params: [
    filtersParam,
    kernelSizeParam(2),
    stridesParam(2),
    paddingParam(),
    depthMultiplierParam,
    dilationParam(2),
    activationParam(),
    useBiasParam,
    { name: 'depthwise_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'glorot_uniform', doc: 'How the depthwise (per-channel) kernels start.' },
    { name: 'pointwise_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'glorot_uniform', doc: 'How the 1×1 pointwise kernel starts.' },
    { name: 'bias_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'zeros', doc: 'How the bias starts.' },
    { name: 'depthwise_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the depthwise kernels added to the loss.' },
    { name: 'pointwise_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the pointwise kernel added to the loss.' },
    { name: 'bias_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the bias added to the loss.' },
  ],
  formulas: [
    {
      label: 'depthwise then pointwise',
      latex: 'z_{i,j,c m + q} = \\sum_{u,v} D_{u,v,c,q}\\, x_{i s + u,\\, j s + v,\\, c}, \\qquad y_{i,j,f} = \\sigma\\Big(b_f + \\sum_{r} P_{r,f}\\, z_{i,j,r}\\Big)',
      unicode: 'z[i,j,c·m+q] = Σ_{u,v} D[u,v,c,q] · x[i·s+u, j·s+v, c];  y[i,j,f] = σ(b[f] + Σ_r P[r,f] · z[i,j,r])',
    },
    outputSizeFormula,
  ],
  tfjs: 'tf.layers.separableConv2d',
  aliases: ['separable_conv', 'separableconv2d', 'sep_conv2d'],
  shapeRule: '(N, H, W, C) → (N, H′, W′, filters); params = kh·kw·C·m + C·m·filters + filters',
  infer([input], p) {
    if (input.length !== 4) return rankError('separable_conv2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const w = convWindow(p, 2);
    const dims = slide('separable_conv2d', input, w, 'kernel');
    if (!Array.isArray(dims)) return dims;
    const c = input[3];
    if (c === null) return unknownDim('separable_conv2d', 'channel axis', input);
    const m = num(p.depth_multiplier, 1);
    const filters = p.filters as number;
    return {
      shape: [input[0], ...dims, filters],
      params: w.kernel[0] * w.kernel[1] * c * m + c * m * filters + (p.use_bias ? filters : 0),
    };
  },
  shapeCases: [
    { params: { filters: 64, kernel_size: 3 }, inputs: [[null, 32, 32, 16]], output: [null, 30, 30, 64], paramCount: 1_232 },
    { params: { filters: 32, kernel_size: 3, depth_multiplier: 2, padding: 'same', use_bias: false }, inputs: [[null, 10, 10, 8]], output: [null, 10, 10, 32], paramCount: 656 },
    { params: { filters: 8, kernel_size: 5 }, inputs: [[null, 4, 4, 3]], error: 'shape/kernel-too-large' },
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 64]], error: 'shape/rank' },
  ],
};

/** tfjs-layers' deconvLength. */
function deconvLength(n: Dim, stride: number, kernel: number, padding: string): Dim {
  if (n === null) return null;
  return padding === 'same' ? n * stride : n * stride + Math.max(kernel - stride, 0);
}

const conv2dTranspose: LayerEntry = {
  name: 'conv2d_transpose',
  category: 'layer',
  arity: 'one',
  summary: 'Transposed 2-D convolution ("deconvolution"): learned upsampling of feature maps.',
  docs:
    'Runs a convolution backwards: every input position spreads its values through a learned ' +
    '`kernel_size` kernel into a larger output, so `strides: 2` doubles height and width. It is the ' +
    'upsampling half of autoencoders, U-Nets and GAN generators. With `padding: same` the output is ' +
    'exactly n·s; with `valid` it is n·s + max(k − s, 0). Overlapping kernels with k not divisible by s ' +
    'can cause checkerboard artefacts; `upsampling2d` followed by `conv2d` avoids them.',
  params: [
    filtersParam,
    kernelSizeParam(2),
    stridesParam(2),
    paddingParam(),
    activationParam(),
    useBiasParam,
    ...initializerParams,
    ...regularizerParams,
  ],
  formulas: [
    {
      label: 'transposed convolution',
      latex: 'y_{i s + u,\\, j s + v,\\, f} \\mathrel{+}= \\sum_{c} W_{u,v,f,c}\\, x_{i,j,c}, \\qquad y \\leftarrow \\sigma(y + b)',
      unicode: 'y[i·s+u, j·s+v, f] += Σ_c W[u,v,f,c] · x[i,j,c];  y ← σ(y + b)',
    },
    {
      label: 'output size',
      latex: 'n_{out} = \\begin{cases} n s & \\text{same} \\\\ n s + \\max(k - s, 0) & \\text{valid} \\end{cases}',
      unicode: 'n_out = n·s (same);  n·s + max(k − s, 0) (valid)',
    },
  ],
  tfjs: 'tf.layers.conv2dTranspose',
  aliases: ['deconv2d', 'conv2d_transposed', 'transposed_conv2d', 'convtranspose2d'],
  shapeRule: '(N, H, W, C) → (N, H·s + max(k − s, 0), W·s + max(k − s, 0), filters) for valid, (N, H·s, W·s, filters) for same; params = kh·kw·C·filters + filters',
  infer([input], p) {
    if (input.length !== 4) return rankError('conv2d_transpose', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [k0, k1] = toTuple(p.kernel_size, 2, 1);
    const [s0, s1] = toTuple(p.strides, 2, 1);
    const padding = String(p.padding);
    const c = input[3];
    if (c === null) return unknownDim('conv2d_transpose', 'channel axis', input);
    const filters = p.filters as number;
    return {
      shape: [input[0], deconvLength(input[1], s0, k0, padding), deconvLength(input[2], s1, k1, padding), filters],
      params: k0 * k1 * c * filters + (p.use_bias ? filters : 0),
    };
  },
  shapeCases: [
    { params: { filters: 16, kernel_size: 3, strides: 2, padding: 'same' }, inputs: [[null, 7, 7, 32]], output: [null, 14, 14, 16], paramCount: 4_624 },
    { params: { filters: 1, kernel_size: 3 }, inputs: [[null, 26, 26, 32]], output: [null, 28, 28, 1], paramCount: 289 },
    { params: { filters: 1, kernel_size: 4, strides: 2 }, inputs: [[null, 7, null, 8]], output: [null, 16, null, 1], paramCount: 129 },
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 64]], error: 'shape/rank' },
  ],
};

// ─── Pooling ───────────────────────────────────────────────────────────────────────────────────

const poolParams = (rank: 1 | 2): ParamSpec[] => [
  {
    name: 'pool_size',
    type: { kind: 'int_or_ints', length: rank, min: 1 },
    default: 2,
    doc: rank === 1 ? 'Width of the pooling window.' : 'Height and width of the pooling window (one number for a square window).',
  },
  {
    name: 'strides',
    type: { kind: 'int_or_ints', length: rank, min: 1 },
    doc: 'Step between windows; defaults to `pool_size` (non-overlapping windows).',
  },
  paddingParam(),
];

function pool(layer: string, rank: 1 | 2, input: Shape, p: Params): ShapeOutcome {
  if (input.length !== rank + 2) {
    return rank === 1
      ? rankError(layer, 'a rank-3 input (batch, steps, channels)', input,
        input.length === 2 ? 'add a `reshape` to [steps, 1] before it' : input.length === 4 ? `use \`${layer.replace('1d', '2d')}\` for images` : undefined)
      : rankError(layer, 'a rank-4 input (batch, height, width, channels)', input,
        input.length === 2 ? imageFix(input) : input.length === 3 ? `use \`${layer.replace('2d', '1d')}\` for sequences` : undefined);
  }
  const kernel = toTuple(p.pool_size, rank, 2);
  const strides = p.strides === undefined || p.strides === null ? kernel : toTuple(p.strides, rank, 1);
  const padding = p.padding === 'same' ? 'same' : 'valid';
  const dims = slide(layer, input, { kernel, strides, dilation: kernel.map(() => 1), padding }, 'pool');
  if (!Array.isArray(dims)) return dims;
  return { shape: [input[0], ...dims, input[input.length - 1]], params: 0 };
}

const maxFormula = (rank: 1 | 2): Formula =>
  rank === 1
    ? { label: 'max pooling', latex: 'y_{t,c} = \\max_{0 \\le u < k} x_{t s + u,\\, c}', unicode: 'y[t,c] = max_{0≤u<k} x[t·s+u, c]' }
    : { label: 'max pooling', latex: 'y_{i,j,c} = \\max_{0 \\le u < k_h,\\ 0 \\le v < k_w} x_{i s + u,\\, j s + v,\\, c}', unicode: 'y[i,j,c] = max_{u<kh, v<kw} x[i·s+u, j·s+v, c]' };
const meanFormula = (rank: 1 | 2): Formula =>
  rank === 1
    ? { label: 'average pooling', latex: 'y_{t,c} = \\frac{1}{k} \\sum_{u=0}^{k-1} x_{t s + u,\\, c}', unicode: 'y[t,c] = (1/k) Σ_{u=0}^{k−1} x[t·s+u, c]' }
    : { label: 'average pooling', latex: 'y_{i,j,c} = \\frac{1}{k_h k_w} \\sum_{u,v} x_{i s + u,\\, j s + v,\\, c}', unicode: 'y[i,j,c] = (1/(kh·kw)) Σ_{u,v} x[i·s+u, j·s+v, c]' };

function poolEntry(kind: 'max' | 'avg', rank: 1 | 2): LayerEntry {
  const name = `${kind}_pool${rank}d`;
  const what = kind === 'max' ? 'maximum' : 'average';
  const input = rank === 1 ? '(N, steps, channels)' : '(N, height, width, channels)';
  const examples = (rank === 1
    ? [
        { params: { pool_size: 2 }, inputs: [[null, 100, 16]], output: [null, 50, 16], paramCount: 0 },
        { params: { pool_size: 3, strides: 1, padding: 'same' }, inputs: [[null, null, 8]], output: [null, null, 8], paramCount: 0 },
        { params: { pool_size: 3, strides: 2 }, inputs: [[null, 10, 4]], output: [null, 4, 4], paramCount: 0 },
        { params: { pool_size: 4 }, inputs: [[null, 3, 8]], error: 'shape/pool-too-large' },
        { params: { pool_size: 2 }, inputs: [[null, 100]], error: 'shape/rank' },
      ]
    : [
        { params: { pool_size: 2 }, inputs: [[null, 26, 26, 32]], output: [null, 13, 13, 32], paramCount: 0 },
        { params: { pool_size: 3, strides: 2 }, inputs: [[null, 11, 11, 4]], output: [null, 5, 5, 4], paramCount: 0 },
        { params: { pool_size: 2, padding: 'same' }, inputs: [[null, 7, null, 64]], output: [null, 4, null, 64], paramCount: 0 },
        { params: { pool_size: 2 }, inputs: [[null, 1, 1, 64]], error: 'shape/pool-too-large' },
        { params: { pool_size: 2 }, inputs: [[null, 784]], error: 'shape/rank' },
      ]) as LayerEntry['shapeCases'];
  return {
    name,
    category: 'layer',
    arity: 'one',
    summary: rank === 1
      ? `Downsamples a sequence by taking the ${what} of each window of steps.`
      : `Downsamples feature maps by taking the ${what} of each window (channels last).`,
    docs:
      `Slides a \`pool_size\` window over the ${rank === 1 ? 'steps' : 'height and width'} of a ${input} tensor and keeps the ${what} of each ` +
      `window, separately for every channel. With the default \`strides\` (= \`pool_size\`) windows do not overlap, so \`pool_size: 2\` halves ` +
      `each ${rank === 1 ? 'length' : 'side'} (rounding down with \`padding: valid\`, up with \`same\`). ` +
      (kind === 'max'
        ? 'Max pooling keeps the strongest response of each detector, which makes the network tolerant to small shifts and cuts the work of the next layers. '
        : 'Average pooling smooths rather than selects: it keeps how much of a feature is present in the window. ') +
      'No parameters are learned.',
    params: poolParams(rank),
    formulas: [kind === 'max' ? maxFormula(rank) : meanFormula(rank), poolSizeFormula],
    tfjs: `tf.layers.${kind === 'max' ? 'maxPooling' : 'averagePooling'}${rank}d`,
    aliases: kind === 'max'
      ? [`max_pooling${rank}d`, `maxpool${rank}d`, `maxpooling${rank}d`]
      : [`average_pooling${rank}d`, `avg_pooling${rank}d`, `avgpool${rank}d`, `average_pool${rank}d`],
    primary: 'pool_size',
    shapeRule: rank === 1 ? '(N, L, C) → (N, L′, C) with L′ = ⌊(L − k)/s⌋ + 1 (valid) or ⌈L/s⌉ (same); no params' : '(N, H, W, C) → (N, H′, W′, C) with H′ = ⌊(H − k)/s⌋ + 1 (valid) or ⌈H/s⌉ (same); no params',
    infer: ([x], p) => pool(name, rank, x, p),
    shapeCases: examples,
  };
}

const maxPool1d = poolEntry('max', 1);
const avgPool1d = poolEntry('avg', 1);
const maxPool2d = poolEntry('max', 2);
const avgPool2d = poolEntry('avg', 2);

function globalPoolEntry(kind: 'max' | 'avg', rank: 1 | 2): LayerEntry {
  const name = `global_${kind}_pool${rank}d`;
  const what = kind === 'max' ? 'maximum' : 'mean';
  const axes = rank === 1 ? 'steps' : 'height and width';
  const want = rank === 1 ? 'a rank-3 input (batch, steps, channels)' : 'a rank-4 input (batch, height, width, channels)';
  return {
    name,
    category: 'layer',
    arity: 'one',
    summary: `Reduces every channel to its ${what} over all ${axes}: ${rank === 1 ? '(N, L, C)' : '(N, H, W, C)'} → (N, C).`,
    docs:
      `Takes the ${what} of each channel over the whole ${rank === 1 ? 'sequence' : 'feature map'}, turning a ${rank === 1 ? '(N, steps, channels)' : '(N, height, width, channels)'} ` +
      'tensor into one vector of C features per sample. It replaces `flatten` before the classifier head: the output size ' +
      `no longer depends on the input's ${rank === 1 ? 'length' : 'height and width'}, and there are far fewer weights in the next \`dense\` layer. ` +
      (kind === 'avg' ? 'Global average pooling ends most modern CNNs (ResNet, MobileNet) and text classifiers.' : 'Global max pooling answers "did this detector fire anywhere?".') +
      ' No parameters.',
    params: [],
    formulas: [
      rank === 1
        ? kind === 'max'
          ? { label: 'global max', latex: 'y_c = \\max_{t} x_{t,c}', unicode: 'y[c] = maxₜ x[t,c]' }
          : { label: 'global mean', latex: 'y_c = \\frac{1}{L} \\sum_{t=1}^{L} x_{t,c}', unicode: 'y[c] = (1/L) Σₜ x[t,c]' }
        : kind === 'max'
          ? { label: 'global max', latex: 'y_c = \\max_{i,j} x_{i,j,c}', unicode: 'y[c] = max_{i,j} x[i,j,c]' }
          : { label: 'global mean', latex: 'y_c = \\frac{1}{H W} \\sum_{i=1}^{H} \\sum_{j=1}^{W} x_{i,j,c}', unicode: 'y[c] = (1/(H·W)) Σ_{i,j} x[i,j,c]' },
    ],
    tfjs: `tf.layers.global${kind === 'max' ? 'Max' : 'Average'}Pooling${rank}d`,
    aliases: kind === 'max'
      ? [`global_max_pooling${rank}d`, `globalmaxpool${rank}d`]
      : [`global_average_pooling${rank}d`, `global_avg_pooling${rank}d`, `globalavgpool${rank}d`, `global_average_pool${rank}d`],
    shapeRule: `${rank === 1 ? '(N, L, C)' : '(N, H, W, C)'} → (N, C); no params`,
    infer([input]) {
      if (input.length !== rank + 2) {
        const otherRank = rank === 1 ? 4 : 3;
        const other = rank === 1 ? name.replace('1d', '2d') : name.replace('2d', '1d');
        return rankError(name, want, input,
          input.length === otherRank ? `use \`${other}\`` : input.length === 2 ? 'remove it: the input is already a flat feature vector' : undefined);
      }
      return { shape: [input[0], input[input.length - 1]], params: 0 };
    },
    shapeCases: rank === 1
      ? [
          { inputs: [[null, 100, 64]], output: [null, 64], paramCount: 0 },
          { inputs: [[null, null, 8]], output: [null, 8], paramCount: 0 },
          { inputs: [[null, 28, 28, 1]], error: 'shape/rank' },
        ]
      : [
          { inputs: [[null, 7, 7, 512]], output: [null, 512], paramCount: 0 },
          { inputs: [[null, null, null, 3]], output: [null, 3], paramCount: 0 },
          { inputs: [[null, 10]], error: 'shape/rank' },
        ],
  };
}

const globalAvgPool1d = globalPoolEntry('avg', 1);
const globalMaxPool1d = globalPoolEntry('max', 1);
const globalAvgPool2d = globalPoolEntry('avg', 2);
const globalMaxPool2d = globalPoolEntry('max', 2);

// ─── Shape manipulation ────────────────────────────────────────────────────────────────────────

const listText = (xs: readonly unknown[]): string => `[${xs.join(', ')}]`;

const reshape: LayerEntry = {
  name: 'reshape',
  category: 'layer',
  arity: 'one',
  summary: 'Gives each sample a new shape with the same number of elements.',
  docs:
    'Rearranges the elements of each sample into `target_shape` (the batch axis is kept and is not ' +
    'part of `target_shape`). The element count must not change: [784] can become [28, 28, 1] but not ' +
    '[28, 28, 3]. One entry may be -1, meaning "whatever makes the count match", e.g. [-1, 64]. Use it ' +
    'to turn a flat vector into an image for `conv2d`, or an image into a sequence for an `lstm`.',
  params: [
    {
      name: 'target_shape',
      type: { kind: 'ints', minLength: 1, min: -1 },
      required: true,
      doc: 'The new per-sample shape, without the batch axis; one entry may be -1 to infer it.',
    },
  ],
  formulas: [
    {
      label: 'reshape',
      latex: '(N, d_1, \\dots, d_k) \\mapsto (N, t_1, \\dots, t_m), \\quad \\textstyle\\prod_i d_i = \\prod_j t_j',
      unicode: '(N, d₁, …, dₖ) ↦ (N, t₁, …, tₘ),  ∏ dᵢ = ∏ tⱼ',
    },
  ],
  tfjs: 'tf.layers.reshape',
  primary: 'target_shape',
  shapeRule: '(N, d₁, …, dₖ) → (N, t₁, …, tₘ) where d₁·…·dₖ = t₁·…·tₘ; a -1 in the target is inferred; no params',
  infer([input], p) {
    const target = Array.isArray(p.target_shape) ? (p.target_shape as unknown[]) : [];
    const inferred = target.filter((t) => t === -1).length;
    if (target.length === 0 || inferred > 1 || target.some((t) => typeof t !== 'number' || !Number.isInteger(t) || t === 0 || t < -1)) {
      return fail('shape/reshape-target',
        `\`reshape\` target_shape ${listText(target)} must list positive sizes, with at most one -1 for an axis to infer.`,
        'write the per-sample shape without the batch axis, e.g. `target_shape: [28, 28, 1]` or `[-1, 64]`', 'target_shape');
    }
    const t = target as number[];
    const known = product(t.filter((d) => d > 0));
    const n = sampleSize(input);
    if (n === null) return { shape: [input[0], ...t.map((d) => (d === -1 ? null : d))], params: 0 };
    if (inferred === 1) {
      if (n % known !== 0) {
        return fail('shape/reshape-size',
          `\`reshape\` cannot fit the ${n} elements of input shape ${formatShape(input)} into ${listText(t)}: the other sizes multiply to ${known}, which does not divide ${n}.`,
          `choose sizes whose product divides ${n}`, 'target_shape');
      }
      return { shape: [input[0], ...t.map((d) => (d === -1 ? n / known : d))], params: 0 };
    }
    if (known !== n) {
      const rest = product(t.slice(0, -1));
      const better = t.length > 1 && n % rest === 0 ? [...t.slice(0, -1), n / rest] : undefined;
      return fail('shape/reshape-size',
        `\`reshape\` to ${listText(t)} needs ${known} elements per sample, but its input ${formatShape(input)} has ${n}.`,
        better ? `use \`target_shape: ${listText(better)}\` (${n} elements), or put -1 for one axis to infer it` : `use sizes that multiply to ${n}, or put -1 for one axis to infer it`,
        'target_shape', better ? { kind: 'set_param', param: 'target_shape', value: better } : undefined);
    }
    return { shape: [input[0], ...t], params: 0 };
  },
  shapeCases: [
    { params: { target_shape: [28, 28, 1] }, inputs: [[null, 784]], output: [null, 28, 28, 1], paramCount: 0 },
    { params: { target_shape: [-1, 64] }, inputs: [[null, 8, 8, 64]], output: [null, 64, 64], paramCount: 0 },
    { params: { target_shape: [-1, 8] }, inputs: [[null, null, 8]], output: [null, null, 8], paramCount: 0 },
    { params: { target_shape: [28, 28, 3] }, inputs: [[null, 784]], error: 'shape/reshape-size' },
    { params: { target_shape: [-1, 5] }, inputs: [[null, 12]], error: 'shape/reshape-size' },
    { params: { target_shape: [-1, -1] }, inputs: [[null, 12]], error: 'shape/reshape-target' },
  ],
};

const repeatVector: LayerEntry = {
  name: 'repeat_vector',
  category: 'layer',
  arity: 'one',
  summary: 'Repeats a feature vector n times to make a sequence: (N, d) → (N, n, d).',
  docs:
    'Copies each sample\'s vector `n` times along a new time axis. It is the bridge in sequence-to-' +
    'sequence models: an encoder `lstm` summarises the input into one vector, `repeat_vector` turns it ' +
    'into a sequence of the output length, and a decoder `lstm` with `return_sequences: true` reads it.',
  params: [{ name: 'n', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of repetitions, i.e. the length of the output sequence.' }],
  formulas: [{ label: 'repeat', latex: 'y_{t} = x \\quad (t = 1, \\dots, n)', unicode: 'y[t] = x  (t = 1, …, n)' }],
  tfjs: 'tf.layers.repeatVector',
  primary: 'n',
  shapeRule: '(N, d) → (N, n, d); no params',
  infer([input], p) {
    if (input.length !== 2) {
      return rankError('repeat_vector', 'a rank-2 input (batch, features)', input,
        input.length === 3 ? 'make the layer before it return one vector (an `lstm` without `return_sequences`, or a global pooling layer)' : 'add a `flatten` before it');
    }
    return { shape: [input[0], p.n as number, input[1]], params: 0 };
  },
  shapeCases: [
    { params: { n: 3 }, inputs: [[null, 32]], output: [null, 3, 32], paramCount: 0 },
    { params: { n: 10 }, inputs: [[null, null]], output: [null, 10, null], paramCount: 0 },
    { params: { n: 3 }, inputs: [[null, 5, 32]], error: 'shape/rank' },
  ],
};

const permute: LayerEntry = {
  name: 'permute',
  category: 'layer',
  arity: 'one',
  summary: 'Reorders the axes of each sample, e.g. (N, steps, features) → (N, features, steps).',
  docs:
    'Transposes the non-batch axes: output axis i is input axis `dims[i]`. Axes are numbered from 1 ' +
    '(0 is the batch axis, which never moves), so `dims: [2, 1]` swaps the two axes of a (N, a, b) ' +
    'tensor. Unlike `reshape`, it moves data: rows become columns.',
  params: [{ name: 'dims', type: { kind: 'ints', minLength: 1, min: 1 }, required: true, doc: 'A permutation of 1…k (k = number of non-batch axes): output axis i takes input axis dims[i].' }],
  formulas: [
    {
      label: 'transpose',
      latex: 'y_{n, i_1, \\dots, i_k} = x_{n, j_1, \\dots, j_k}, \\quad j_{\\pi(a)} = i_a,\\ \\pi = \\mathrm{dims}',
      unicode: 'y[n, i₁, …, iₖ] = x[n, j₁, …, jₖ] with j_{dims[a]} = i_a',
    },
  ],
  tfjs: 'tf.layers.permute',
  primary: 'dims',
  shapeRule: '(N, d₁, …, dₖ) → (N, d_{dims[1]}, …, d_{dims[k]}); no params',
  infer([input], p) {
    const dims = Array.isArray(p.dims) ? (p.dims as unknown[]) : [];
    const k = input.length - 1;
    const sorted = [...dims].sort((a, b) => Number(a) - Number(b));
    if (dims.length !== k || !sorted.every((d, i) => d === i + 1)) {
      const example = Array.from({ length: k }, (_, i) => k - i);
      return fail('shape/permute-dims',
        `\`permute\` dims ${listText(dims)} must list each of the axes 1…${k} exactly once for input shape ${formatShape(input)} (axis 0, the batch, does not move).`,
        k >= 1 ? `e.g. \`dims: ${listText(example)}\` reverses the axes` : undefined, 'dims');
    }
    return { shape: [input[0], ...(dims as number[]).map((d) => input[d])], params: 0 };
  },
  shapeCases: [
    { params: { dims: [2, 1] }, inputs: [[null, 10, 64]], output: [null, 64, 10], paramCount: 0 },
    { params: { dims: [3, 1, 2] }, inputs: [[null, 4, null, 6]], output: [null, 6, 4, null], paramCount: 0 },
    { params: { dims: [1, 2] }, inputs: [[null, 4, 5, 6]], error: 'shape/permute-dims' },
  ],
};

// ─── Regularization by noise ───────────────────────────────────────────────────────────────────

const rateParam = (doc: string): ParamSpec => ({ name: 'rate', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, required: true, doc });
const identityRule = '(N, …) → (N, …) (unchanged); no params';

const dropout: LayerEntry = {
  name: 'dropout',
  category: 'layer',
  arity: 'one',
  summary: 'Randomly zeroes a fraction `rate` of the inputs during training, to fight overfitting.',
  docs:
    'During training, every input value is dropped (set to 0) with probability `rate` and the survivors ' +
    'are scaled by 1/(1 − rate) so the expected sum stays the same ("inverted dropout"). Units cannot ' +
    'rely on particular partners being present, which works like training an ensemble of thinned ' +
    'networks. At inference the layer does nothing. Typical rates: 0.2–0.5, after `dense` layers or ' +
    'between recurrent layers; write `dropout: 0.5` for short.',
  params: [rateParam('Fraction of the inputs to drop, in [0, 1).')],
  formulas: [
    {
      label: 'inverted dropout (training)',
      latex: 'm_i \\sim \\mathrm{Bernoulli}(1 - p), \\qquad y_i = \\frac{m_i\\, x_i}{1 - p}',
      unicode: 'mᵢ ~ Bernoulli(1 − p),  yᵢ = mᵢ·xᵢ / (1 − p)',
    },
    { label: 'inference', latex: 'y = x', unicode: 'y = x' },
  ],
  tfjs: 'tf.layers.dropout',
  primary: 'rate',
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { rate: 0.5 }, inputs: [[null, 128]], output: [null, 128], paramCount: 0 },
    { params: { rate: 0.2 }, inputs: [[null, null, 10, 3]], output: [null, null, 10, 3], paramCount: 0 },
  ],
};

const spatialDropout1d: LayerEntry = {
  name: 'spatial_dropout1d',
  category: 'layer',
  arity: 'one',
  summary: 'Dropout of whole channels of a sequence (N, steps, channels) during training.',
  docs:
    'Like `dropout`, but it drops entire feature channels: one Bernoulli draw per (sample, channel) ' +
    'zeroes that channel at every step. Neighbouring steps are strongly correlated, so dropping single ' +
    'values barely regularises a sequence model; dropping channels does. Use it after an `embedding` or ' +
    '`conv1d`. Inactive at inference.',
  params: [rateParam('Fraction of the channels to drop, in [0, 1).')],
  formulas: [
    {
      label: 'channel dropout (training)',
      latex: 'm_c \\sim \\mathrm{Bernoulli}(1 - p), \\qquad y_{t,c} = \\frac{m_c\\, x_{t,c}}{1 - p}',
      unicode: 'm_c ~ Bernoulli(1 − p),  y[t,c] = m_c·x[t,c] / (1 − p)',
    },
  ],
  tfjs: 'tf.layers.spatialDropout1d',
  aliases: ['spatial_dropout'],
  primary: 'rate',
  shapeRule: '(N, L, C) → (N, L, C); no params',
  infer([input]) {
    if (input.length !== 3) return rankError('spatial_dropout1d', 'a rank-3 input (batch, steps, channels)', input, 'use `dropout` for inputs that are not sequences');
    return { shape: input, params: 0 };
  },
  shapeCases: [
    { params: { rate: 0.2 }, inputs: [[null, 100, 64]], output: [null, 100, 64], paramCount: 0 },
    { params: { rate: 0.2 }, inputs: [[null, 64]], error: 'shape/rank' },
  ],
};

const gaussianNoise: LayerEntry = {
  name: 'gaussian_noise',
  category: 'layer',
  arity: 'one',
  summary: 'Adds zero-mean Gaussian noise to its input during training (data augmentation inside the model).',
  docs:
    'During training, adds independent noise drawn from N(0, stddev²) to every value; at inference it ' +
    'passes the input through. It makes the network robust to small perturbations of real-valued ' +
    'inputs and acts as a regulariser. Choose `stddev` relative to the scale of the input (e.g. 0.1 for ' +
    'inputs scaled to [0, 1]).',
  params: [{ name: 'stddev', type: { kind: 'float', min: 0 }, required: true, doc: 'Standard deviation of the noise, in the units of the input.' }],
  formulas: [{ label: 'noise (training)', latex: 'y = x + \\varepsilon, \\quad \\varepsilon \\sim \\mathcal{N}(0, \\sigma^2)', unicode: 'y = x + ε,  ε ~ N(0, σ²)' }],
  tfjs: 'tf.layers.gaussianNoise',
  primary: 'stddev',
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { stddev: 0.1 }, inputs: [[null, 20]], output: [null, 20], paramCount: 0 },
    { params: { stddev: 0.05 }, inputs: [[null, 28, 28, 1]], output: [null, 28, 28, 1], paramCount: 0 },
  ],
};

const gaussianDropout: LayerEntry = {
  name: 'gaussian_dropout',
  category: 'layer',
  arity: 'one',
  summary: 'Multiplies its input by Gaussian noise centred on 1 during training.',
  docs:
    'A smooth variant of `dropout`: instead of zeroing values, it multiplies each by noise drawn from ' +
    'N(1, rate/(1 − rate)), which has the same mean and variance as inverted dropout with that `rate`. ' +
    'Inactive at inference.',
  params: [rateParam('Drop probability of the equivalent dropout, in [0, 1).')],
  formulas: [{ label: 'multiplicative noise (training)', latex: 'y = x \\cdot \\xi, \\quad \\xi \\sim \\mathcal{N}\\Big(1, \\frac{p}{1 - p}\\Big)', unicode: 'y = x·ξ,  ξ ~ N(1, p/(1 − p))' }],
  tfjs: 'tf.layers.gaussianDropout',
  primary: 'rate',
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { rate: 0.3 }, inputs: [[null, 64]], output: [null, 64], paramCount: 0 },
    { params: { rate: 0.1 }, inputs: [[null, 10, 8]], output: [null, 10, 8], paramCount: 0 },
  ],
};

// ─── Normalization ─────────────────────────────────────────────────────────────────────────────

const axisParam = (doc: string): ParamSpec => ({ name: 'axis', type: { kind: 'int' }, default: -1, doc });
const centerParam: ParamSpec = { name: 'center', type: { kind: 'bool' }, default: true, doc: 'Whether to learn an offset β added after normalising.' };
const scaleParam: ParamSpec = { name: 'scale', type: { kind: 'bool' }, default: true, doc: 'Whether to learn a factor γ applied after normalising.' };
const epsilonParam: ParamSpec = {
  name: 'epsilon',
  type: { kind: 'float', min: 0, exclusiveMin: true },
  default: 0.001,
  doc: 'Small constant added to the variance to avoid dividing by zero.',
};

/** The size of the normalised axis, or the problem. */
function featureAxis(layer: string, input: Shape, axis: unknown): number | ShapeOutcome {
  if (input.length < 2) return rankError(layer, 'at least rank 2 (batch, features)', input);
  const a = resolveAxis(axis, input.length);
  if (a === null) return axisError(layer, axis, input);
  const c = input[a];
  if (c === null) return unknownDim(layer, `size on axis ${a} (the normalised axis)`, input);
  return c;
}

const batchNorm: LayerEntry = {
  name: 'batch_norm',
  category: 'layer',
  arity: 'one',
  summary: 'Batch normalization: normalises each feature over the batch, then scales and shifts it.',
  docs:
    'During training, standardises every feature (every channel, for images) with the mean and ' +
    'variance of the current batch, then applies a learned scale γ and offset β. It also keeps moving ' +
    'averages of the mean and variance, which replace the batch statistics at inference. This keeps ' +
    'the inputs of the next layer in a stable range, allows higher learning rates and regularises ' +
    'slightly. Put it between a `conv2d`/`dense` and its activation, or right after. It has 4 ' +
    'parameters per feature: γ and β are trained; the moving mean and variance are not, but they are ' +
    'part of the model and counted.',
  params: [
    axisParam('The feature axis to normalise (-1: the last, i.e. the channels).'),
    { name: 'momentum', type: { kind: 'float', min: 0, max: 1 }, default: 0.99, doc: 'Decay of the moving averages: closer to 1 means slower, smoother statistics.' },
    epsilonParam,
    centerParam,
    scaleParam,
  ],
  formulas: [
    {
      label: 'normalise (training)',
      latex: '\\mu_B = \\frac{1}{m} \\sum_{i=1}^{m} x_i, \\quad \\sigma_B^2 = \\frac{1}{m} \\sum_{i=1}^{m} (x_i - \\mu_B)^2, \\quad \\hat{x}_i = \\frac{x_i - \\mu_B}{\\sqrt{\\sigma_B^2 + \\varepsilon}}',
      unicode: 'μ_B = (1/m) Σᵢ xᵢ,  σ²_B = (1/m) Σᵢ (xᵢ − μ_B)²,  x̂ᵢ = (xᵢ − μ_B) / √(σ²_B + ε)',
    },
    { label: 'scale and shift', latex: 'y_i = \\gamma\\, \\hat{x}_i + \\beta', unicode: 'yᵢ = γ·x̂ᵢ + β' },
    {
      label: 'moving averages (used at inference)',
      latex: '\\hat{\\mu} \\leftarrow \\rho\\, \\hat{\\mu} + (1 - \\rho)\\, \\mu_B, \\quad \\hat{\\sigma}^2 \\leftarrow \\rho\\, \\hat{\\sigma}^2 + (1 - \\rho)\\, \\sigma_B^2',
      unicode: 'μ̂ ← ρ·μ̂ + (1 − ρ)·μ_B,  σ̂² ← ρ·σ̂² + (1 − ρ)·σ²_B  (ρ = momentum)',
    },
  ],
  tfjs: 'tf.layers.batchNormalization',
  aliases: ['batch_normalization', 'batchnorm', 'bn', 'batchnorm2d'],
  shapeRule: '(N, …, C) → (N, …, C); params = 4·C (γ, β trained; moving mean and variance not trained) — 3·C or 2·C without scale/center',
  infer([input], p) {
    const c = featureAxis('batch_norm', input, p.axis);
    if (typeof c !== 'number') return c;
    return { shape: input, params: (2 + (p.center ? 1 : 0) + (p.scale ? 1 : 0)) * c };
  },
  shapeCases: [
    { inputs: [[null, 26, 26, 32]], output: [null, 26, 26, 32], paramCount: 128 },
    { inputs: [[null, 64]], output: [null, 64], paramCount: 256 },
    { params: { center: false, scale: false }, inputs: [[null, 10]], output: [null, 10], paramCount: 20 },
    { params: { axis: 1 }, inputs: [[null, 3, 32, 32]], output: [null, 3, 32, 32], paramCount: 12 },
    { inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
    { params: { axis: 3 }, inputs: [[null, 10]], error: 'shape/axis' },
  ],
};

const layerNorm: LayerEntry = {
  name: 'layer_norm',
  category: 'layer',
  arity: 'one',
  summary: 'Layer normalization: normalises each sample over its features, then scales and shifts.',
  docs:
    'Standardises the features of each sample on its own (mean 0, variance 1 over the last axis), then ' +
    'applies a learned scale γ and offset β per feature. Unlike `batch_norm` it does not depend on the ' +
    'batch, behaves the same in training and inference, and works for any batch size or sequence ' +
    'length, which is why transformers and recurrent networks use it.',
  params: [axisParam('The axis to normalise over (-1: the last, i.e. the features).'), epsilonParam, centerParam, scaleParam],
  formulas: [
    {
      label: 'normalise',
      latex: '\\mu = \\frac{1}{d} \\sum_{i=1}^{d} x_i, \\quad \\sigma^2 = \\frac{1}{d} \\sum_{i=1}^{d} (x_i - \\mu)^2, \\quad y_i = \\gamma_i \\frac{x_i - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}} + \\beta_i',
      unicode: 'μ = (1/d) Σᵢ xᵢ,  σ² = (1/d) Σᵢ (xᵢ − μ)²,  yᵢ = γᵢ·(xᵢ − μ)/√(σ² + ε) + βᵢ',
    },
  ],
  tfjs: 'tf.layers.layerNormalization',
  aliases: ['layer_normalization', 'layernorm', 'ln'],
  shapeRule: '(N, …, d) → (N, …, d); params = 2·d (γ, β)',
  infer([input], p) {
    const d = featureAxis('layer_norm', input, p.axis);
    if (typeof d !== 'number') return d;
    return { shape: input, params: ((p.center ? 1 : 0) + (p.scale ? 1 : 0)) * d };
  },
  shapeCases: [
    { inputs: [[null, 10, 64]], output: [null, 10, 64], paramCount: 128 },
    { params: { scale: false }, inputs: [[null, 32]], output: [null, 32], paramCount: 32 },
    { inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
  ],
};

// ─── Embeddings ────────────────────────────────────────────────────────────────────────────────

const tokenIdsFix = (input: Shape): string =>
  input.length === 3 && input[2] === 1
    ? `add a \`reshape: [${input[1] ?? -1}]\` before it to drop the trailing axis of size 1`
    : 'feed it integer token ids: `tokenize` + `pad_sequences` in the pipeline, and `model.input: [sequence_length]`';

const embedding: LayerEntry = {
  name: 'embedding',
  category: 'layer',
  arity: 'one',
  summary: 'Maps integer token ids to learned dense vectors: (N, L) → (N, L, output_dim).',
  docs:
    'A lookup table with one trainable row of `output_dim` numbers per token id in 0…input_dim − 1. ' +
    'It turns a padded sequence of word (or character) ids into a sequence of vectors that an `lstm`, ' +
    '`gru`, `conv1d` or attention layer can read; training moves related tokens close together. ' +
    '`input_dim` must exceed the largest id (the vocabulary size, including padding id 0). With ' +
    '`mask_zero: true`, id 0 is treated as padding and later recurrent layers skip those steps.',
  params: [
    { name: 'input_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Vocabulary size: ids must lie in 0…input_dim − 1.' },
    { name: 'output_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Length of each embedding vector.' },
    { name: 'mask_zero', type: { kind: 'bool' }, default: false, doc: 'Treat id 0 as padding and mask it for the layers that follow.' },
    { name: 'embeddings_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'random_uniform', doc: 'How the embedding table starts.' },
    { name: 'embeddings_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the embedding table added to the loss.' },
  ],
  formulas: [
    {
      label: 'lookup',
      latex: 'y_{n,t,:} = E_{x_{n,t},\\,:}, \\qquad E \\in \\mathbb{R}^{V \\times d}',
      unicode: 'y[n,t,:] = E[x[n,t], :],  E ∈ ℝ^{V×d}',
    },
    { label: 'as a matrix product', latex: 'y_t = \\mathrm{onehot}(x_t)^{\\top} E', unicode: 'yₜ = onehot(xₜ)ᵀ E' },
  ],
  tfjs: 'tf.layers.embedding',
  aliases: ['embed', 'word_embedding'],
  shapeRule: '(N, L) → (N, L, output_dim); params = input_dim·output_dim',
  infer([input], p) {
    if (input.length !== 2) return rankError('embedding', 'a rank-2 input of token ids (batch, sequence_length)', input, tokenIdsFix(input));
    const out = p.output_dim as number;
    return { shape: [input[0], input[1], out], params: (p.input_dim as number) * out };
  },
  shapeCases: [
    { params: { input_dim: 10_000, output_dim: 128 }, inputs: [[null, 200]], output: [null, 200, 128], paramCount: 1_280_000 },
    { params: { input_dim: 1000, output_dim: 64, mask_zero: true }, inputs: [[null, null]], output: [null, null, 64], paramCount: 64_000 },
    { params: { input_dim: 1000, output_dim: 64 }, inputs: [[null, 28, 28]], error: 'shape/rank' },
    { params: { input_dim: 1000, output_dim: 64 }, inputs: [[null, 50, 1]], error: 'shape/rank' },
  ],
};

const positionalEmbedding: LayerEntry = {
  name: 'positional_embedding',
  category: 'layer',
  arity: 'one',
  summary: 'Token embedding plus a learned position embedding, the input of a transformer.',
  docs:
    'Attention by itself ignores word order, so a transformer adds to every token vector a vector that ' +
    'encodes its position. This layer holds two tables: a token embedding (`vocab_size` × ' +
    '`output_dim`, as in `embedding`) and a learned position embedding (`max_length` × `output_dim`); ' +
    'the output at step t is token_embedding[id] + position_embedding[t]. Sequences may be at most ' +
    '`max_length` long. Follow it with `transformer_encoder` blocks.',
  params: [
    { name: 'vocab_size', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of token ids: ids must lie in 0…vocab_size − 1.' },
    { name: 'max_length', type: { kind: 'int', min: 1 }, required: true, doc: 'Longest sequence the position table covers.' },
    { name: 'output_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Length of each embedding vector (the model width d_model).' },
    { name: 'embeddings_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'random_uniform', doc: 'How both tables start.' },
  ],
  formulas: [
    {
      label: 'token + position',
      latex: 'y_{n,t,:} = E^{\\mathrm{tok}}_{x_{n,t},\\,:} + E^{\\mathrm{pos}}_{t,\\,:}',
      unicode: 'y[n,t,:] = E_tok[x[n,t], :] + E_pos[t, :]',
    },
  ],
  tfjs:
    'composed (tfjs has no single factory): tf.layers.embedding({inputDim: vocab_size, outputDim}) for the tokens, plus a ' +
    'trainable [max_length, output_dim] position table whose first L rows are added to every sample (a custom layer, as ' +
    'keras_nlp.layers.TokenAndPositionEmbedding)',
  aliases: ['token_and_position_embedding', 'position_embedding', 'positional_encoding'],
  shapeRule: '(N, L) → (N, L, output_dim) with L ≤ max_length; params = (vocab_size + max_length)·output_dim',
  infer([input], p) {
    if (input.length !== 2) return rankError('positional_embedding', 'a rank-2 input of token ids (batch, sequence_length)', input, tokenIdsFix(input));
    const max = p.max_length as number;
    const length = input[1];
    if (length !== null && length > max) {
      return fail('shape/sequence-too-long',
        `\`positional_embedding\` has positions for ${max} steps (max_length), but its input ${formatShape(input)} has ${length}.`,
        `set \`max_length: ${length}\`, or pad/truncate the sequences to ${max} in the pipeline`, 'max_length',
        { kind: 'set_param', param: 'max_length', value: length });
    }
    const out = p.output_dim as number;
    return { shape: [input[0], length, out], params: ((p.vocab_size as number) + max) * out };
  },
  shapeCases: [
    { params: { vocab_size: 20_000, max_length: 200, output_dim: 32 }, inputs: [[null, 200]], output: [null, 200, 32], paramCount: 646_400 },
    { params: { vocab_size: 1000, max_length: 64, output_dim: 16 }, inputs: [[null, null]], output: [null, null, 16], paramCount: 17_024 },
    { params: { vocab_size: 20_000, max_length: 200, output_dim: 32 }, inputs: [[null, 300]], error: 'shape/sequence-too-long' },
    { params: { vocab_size: 20_000, max_length: 200, output_dim: 32 }, inputs: [[null, 200, 1]], error: 'shape/rank' },
  ],
};

// ─── Recurrent ─────────────────────────────────────────────────────────────────────────────────

const dropoutRate = (name: string, doc: string): ParamSpec => ({ name, type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0, doc });

function recurrentParams(kind: 'simple_rnn' | 'lstm' | 'gru'): ParamSpec[] {
  return [
    { name: 'units', type: { kind: 'int', min: 1 }, required: true, doc: 'Size of the hidden state, i.e. of the output at each step.' },
    activationParam('tanh'),
    ...(kind === 'simple_rnn'
      ? []
      : [{ name: 'recurrent_activation', type: { kind: 'ref', category: 'activation' }, default: 'sigmoid', doc: 'Activation of the gates (σ in the formulas). Keras\' default; pass it explicitly to tfjs, whose own default is hard_sigmoid.' } as ParamSpec]),
    useBiasParam,
    { name: 'return_sequences', type: { kind: 'bool' }, default: false, doc: 'Output the hidden state at every step (N, T, units) instead of only the last one (N, units). Needed when another recurrent layer follows.' },
    { name: 'go_backwards', type: { kind: 'bool' }, default: false, doc: 'Read the sequence from the last step to the first.' },
    dropoutRate('dropout', 'Fraction of the inputs xₜ dropped during training.'),
    dropoutRate('recurrent_dropout', 'Fraction of the recurrent state hₜ₋₁ dropped during training.'),
    ...(kind === 'lstm'
      ? [{ name: 'unit_forget_bias', type: { kind: 'bool' }, default: true, doc: 'Start the forget-gate bias at 1, so the cell remembers by default early in training.' } as ParamSpec]
      : []),
    { name: 'kernel_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'glorot_uniform', doc: 'How the input weights W start.' },
    { name: 'recurrent_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'orthogonal', doc: 'How the recurrent weights U start.' },
    { name: 'bias_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'zeros', doc: 'How the bias starts.' },
    { name: 'kernel_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the input weights W added to the loss.' },
    { name: 'recurrent_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the recurrent weights U added to the loss.' },
    { name: 'bias_regularizer', type: { kind: 'ref', category: 'regularizer' }, doc: 'Penalty on the bias added to the loss.' },
  ];
}

/** Shared shape rule of simple_rnn (1 block), gru (3: update, reset, candidate) and lstm (4: input, forget, cell, output). */
function recurrent(layer: string, blocks: number, input: Shape, p: Params): ShapeOutcome {
  if (input.length !== 3) {
    let fix: string | undefined;
    if (input.length === 2) fix = 'add an `embedding` (for token ids) or a `reshape` (e.g. to [timesteps, features]) before it';
    else if (input.length === 4) {
      const [, h, w, c] = input;
      fix = h !== null && w !== null && c !== null
        ? `add a \`reshape: [${h}, ${w * c}]\` before it, to read the rows as ${h} steps of ${w * c} features`
        : 'add a `reshape` to [steps, features] before it';
    }
    return rankError(layer, 'a rank-3 input (batch, timesteps, features)', input, fix);
  }
  const d = input[2];
  if (d === null) return unknownDim(layer, 'feature axis (the last)', input);
  const u = num(p.units, 1);
  const shape: Dim[] = p.return_sequences ? [input[0], input[1], u] : [input[0], u];
  return { shape, params: blocks * (u * (d + u) + (p.use_bias === false ? 0 : u)) };
}

const sequenceRule = (blocks: string): string =>
  `(N, T, d) → (N, units), or (N, T, units) with return_sequences; params = ${blocks}(units·(d + units) + units)`;

const simpleRnn: LayerEntry = {
  name: 'simple_rnn',
  category: 'layer',
  arity: 'one',
  summary: 'Fully connected recurrent layer (Elman RNN): hₜ = tanh(W xₜ + U hₜ₋₁ + b).',
  docs:
    'Reads a sequence (N, timesteps, features) one step at a time and keeps a hidden state of `units` ' +
    'numbers that mixes the current input with the previous state. It is the simplest recurrent layer ' +
    'and good for teaching, but gradients through many steps vanish or explode, so it forgets after a ' +
    'few dozen steps; use `lstm` or `gru` for real sequences. Returns the last state, or every state ' +
    'with `return_sequences: true`.',
  params: recurrentParams('simple_rnn'),
  formulas: [
    { label: 'recurrence', latex: 'h_t = \\tanh(W x_t + U h_{t-1} + b)', unicode: 'hₜ = tanh(W xₜ + U hₜ₋₁ + b)' },
  ],
  tfjs: 'tf.layers.simpleRNN',
  primary: 'units',
  aliases: ['rnn', 'simplernn', 'elman'],
  shapeRule: sequenceRule(''),
  infer: ([input], p) => recurrent('simple_rnn', 1, input, p),
  shapeCases: [
    { params: { units: 32 }, inputs: [[null, 10, 8]], output: [null, 32], paramCount: 1_312 },
    { params: { units: 16, return_sequences: true }, inputs: [[null, null, 4]], output: [null, null, 16], paramCount: 336 },
    { params: { units: 32 }, inputs: [[null, 8]], error: 'shape/rank' },
  ],
};

const lstm: LayerEntry = {
  name: 'lstm',
  category: 'layer',
  arity: 'one',
  summary: 'Long short-term memory: a recurrent layer with gated cell state that remembers over long spans.',
  docs:
    'Reads a sequence (N, timesteps, features) step by step. Besides the hidden state h it keeps a cell ' +
    'state c that is changed only through gates: the forget gate decides what to erase, the input gate ' +
    'what to write, the output gate what to expose. Because c is updated additively, gradients survive ' +
    'hundreds of steps. Returns the last h (for classifying a sequence), or every h with ' +
    '`return_sequences: true` (to stack another `lstm` or label every step). Usually preceded by an ' +
    '`embedding` for text.',
  params: recurrentParams('lstm'),
  formulas: [
    {
      label: 'gates',
      latex: 'i_t = \\sigma(W_i x_t + U_i h_{t-1} + b_i), \\quad f_t = \\sigma(W_f x_t + U_f h_{t-1} + b_f), \\quad o_t = \\sigma(W_o x_t + U_o h_{t-1} + b_o)',
      unicode: 'iₜ = σ(Wᵢxₜ + Uᵢhₜ₋₁ + bᵢ),  fₜ = σ(W_f xₜ + U_f hₜ₋₁ + b_f),  oₜ = σ(W_o xₜ + U_o hₜ₋₁ + b_o)',
    },
    {
      label: 'cell and hidden state',
      latex: '\\tilde{c}_t = \\tanh(W_c x_t + U_c h_{t-1} + b_c), \\quad c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde{c}_t, \\quad h_t = o_t \\odot \\tanh(c_t)',
      unicode: 'c̃ₜ = tanh(W_c xₜ + U_c hₜ₋₁ + b_c),  cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ c̃ₜ,  hₜ = oₜ ⊙ tanh(cₜ)',
    },
  ],
  tfjs: 'tf.layers.lstm',
  primary: 'units',
  aliases: ['long_short_term_memory', 'cudnn_lstm'],
  shapeRule: sequenceRule('4·'),
  infer: ([input], p) => recurrent('lstm', 4, input, p),
  shapeCases: [
    { params: { units: 128, return_sequences: true }, inputs: [[null, 200, 128]], output: [null, 200, 128], paramCount: 131_584 },
    { params: { units: 128 }, inputs: [[null, 200, 128]], output: [null, 128], paramCount: 131_584 },
    { params: { units: 64, use_bias: false }, inputs: [[null, null, 10]], output: [null, 64], paramCount: 18_944 },
    { params: { units: 64 }, inputs: [[null, 100]], error: 'shape/rank' },
    { params: { units: 64 }, inputs: [[null, 28, 28, 1]], error: 'shape/rank' },
    { params: { units: 8 }, inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
  ],
};

const gru: LayerEntry = {
  name: 'gru',
  category: 'layer',
  arity: 'one',
  summary: 'Gated recurrent unit: a lighter LSTM with an update and a reset gate.',
  docs:
    'Reads a sequence (N, timesteps, features) step by step, like `lstm`, but merges the cell and ' +
    'hidden state and uses two gates: the update gate z blends the old state with a candidate, the ' +
    'reset gate r decides how much of the old state the candidate sees. It has 3/4 of an LSTM\'s ' +
    'weights and often trains as well. TensorFlow.js implements the original formulation (reset gate ' +
    'applied before the recurrent product, Keras `reset_after=False`), so it has 3·(u·(d + u) + u) ' +
    'parameters, not the 3·(u·(d + u) + 2u) of a Keras 2 default GRU.',
  params: recurrentParams('gru'),
  formulas: [
    {
      label: 'gates',
      latex: 'z_t = \\sigma(W_z x_t + U_z h_{t-1} + b_z), \\quad r_t = \\sigma(W_r x_t + U_r h_{t-1} + b_r)',
      unicode: 'zₜ = σ(W_z xₜ + U_z hₜ₋₁ + b_z),  rₜ = σ(W_r xₜ + U_r hₜ₋₁ + b_r)',
    },
    {
      label: 'candidate and state',
      latex: '\\tilde{h}_t = \\tanh\\big(W_h x_t + U_h (r_t \\odot h_{t-1}) + b_h\\big), \\quad h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde{h}_t',
      unicode: 'h̃ₜ = tanh(W_h xₜ + U_h (rₜ ⊙ hₜ₋₁) + b_h),  hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ',
    },
  ],
  tfjs: 'tf.layers.gru',
  primary: 'units',
  aliases: ['gated_recurrent_unit', 'cudnn_gru'],
  shapeRule: sequenceRule('3·'),
  infer: ([input], p) => recurrent('gru', 3, input, p),
  shapeCases: [
    { params: { units: 64 }, inputs: [[null, 50, 32]], output: [null, 64], paramCount: 18_624 },
    { params: { units: 32, return_sequences: true }, inputs: [[null, null, 8]], output: [null, null, 32], paramCount: 3_936 },
    { params: { units: 32 }, inputs: [[null, 8]], error: 'shape/rank' },
  ],
};

/** The layers `bidirectional` can wrap (resolved at call time, so declaration order does not matter). */
const wrappable = (): Record<string, LayerEntry> => ({ simple_rnn: simpleRnn, lstm, gru });

const bidirectional: LayerEntry = {
  name: 'bidirectional',
  category: 'layer',
  arity: 'one',
  summary: 'Runs a recurrent layer forwards and backwards over the sequence and merges both outputs.',
  docs:
    'Wraps an `lstm`, `gru` or `simple_rnn` (the `layer` parameter, written like a layer item: ' +
    '`layer: { lstm: { units: 64 } }`). One copy reads the sequence from start to end, an independent ' +
    'copy (its own weights, so twice the parameters) reads it from end to start, and `merge_mode` ' +
    'combines their outputs: `concat` (default) doubles the output size, `sum`, `mul` and `ave` keep ' +
    'it. Each step then sees context from both sides, which helps tagging and classification whenever ' +
    'the whole sequence is available at once (not for predicting the future).',
  params: [
    { name: 'layer', type: { kind: 'layer' }, required: true, doc: 'The recurrent layer to run in both directions, e.g. `{ lstm: { units: 64 } }`.' },
    { name: 'merge_mode', type: { kind: 'enum', values: ['concat', 'sum', 'mul', 'ave'] }, default: 'concat', doc: 'How to combine the forward and backward outputs: concatenate, add, multiply or average them.' },
  ],
  formulas: [
    {
      label: 'both directions',
      latex: '\\overrightarrow{h}_t = \\mathrm{RNN}_{\\rightarrow}(x_1, \\dots, x_t), \\quad \\overleftarrow{h}_t = \\mathrm{RNN}_{\\leftarrow}(x_T, \\dots, x_t), \\quad h_t = [\\overrightarrow{h}_t ; \\overleftarrow{h}_t]',
      unicode: '→hₜ = RNN→(x₁, …, xₜ),  ←hₜ = RNN←(x_T, …, xₜ),  hₜ = [→hₜ ; ←hₜ]  (concat)',
    },
  ],
  tfjs: 'tf.layers.bidirectional({layer: tf.layers.lstm(…), mergeMode})',
  aliases: ['bi', 'birnn', 'bilstm'],
  shapeRule: 'as the wrapped layer, with the last axis doubled for merge_mode concat; params = 2 × the wrapped layer\'s',
  infer([input], p) {
    const inner = isRecord(p.layer) ? p.layer : {};
    const type = typeof inner.type === 'string' ? inner.type : undefined;
    const entry = type ? wrappable()[type] : undefined;
    if (!entry) {
      return fail('shape/bidirectional-layer',
        `\`bidirectional\` wraps a recurrent layer (simple_rnn, lstm or gru), but it got ${type ? `\`${type}\`` : 'no layer'}.`,
        'wrap a recurrent layer, e.g. `layer: { lstm: { units: 64 } }`', 'layer');
    }
    const out = entry.infer([input], withDefaults(entry.params, isRecord(inner.params) ? inner.params : {}));
    if ('error' in out) {
      const e = out.error;
      return fail(e.code, `Inside \`bidirectional\`: ${e.message}`, e.fix, e.param ? 'layer' : undefined);
    }
    const last = out.shape[out.shape.length - 1];
    const shape = p.merge_mode === 'concat' ? [...out.shape.slice(0, -1), scale(last, 2)] : out.shape;
    return { shape, params: 2 * out.params };
  },
  shapeCases: [
    { params: { layer: { type: 'lstm', params: { units: 64 } } }, inputs: [[null, 100, 128]], output: [null, 128], paramCount: 98_816 },
    { params: { layer: { type: 'gru', params: { units: 32, return_sequences: true } }, merge_mode: 'sum' }, inputs: [[null, 20, 16]], output: [null, 20, 32], paramCount: 9_408 },
    { params: { layer: { type: 'simple_rnn', params: { units: 8, return_sequences: true } } }, inputs: [[null, null, 4]], output: [null, null, 16], paramCount: 208 },
    { params: { layer: { type: 'dense', params: { units: 8 } } }, inputs: [[null, 10, 4]], error: 'shape/bidirectional-layer' },
    { params: { layer: { type: 'lstm', params: { units: 8 } } }, inputs: [[null, 16]], error: 'shape/rank' },
  ],
};

// ─── Attention ─────────────────────────────────────────────────────────────────────────────────

/** Keras/tfjs MultiHeadAttention: query, key, value and output projections, each with a bias. */
function attentionParamCount(d: number, heads: number, keyDim: number, valueDim: number, out: number, bias: boolean): number {
  const b = bias ? 1 : 0;
  const query = d * heads * keyDim + b * heads * keyDim;
  const key = query;
  const value = d * heads * valueDim + b * heads * valueDim;
  const output = heads * valueDim * out + b * out;
  return query + key + value + output;
}

const sequenceFix = (input: Shape): string | undefined =>
  input.length === 2 ? 'add an `embedding` (for token ids) or a `reshape` to [sequence, features] before it' : undefined;

const attentionFormula: Formula = {
  label: 'scaled dot-product attention',
  latex: '\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\Big(\\frac{Q K^{\\top}}{\\sqrt{d_k}}\\Big) V',
  unicode: 'Attention(Q, K, V) = softmax(QKᵀ / √d_k) V',
};
const multiHeadFormula: Formula = {
  label: 'multi-head',
  latex: '\\mathrm{head}_i = \\mathrm{Attention}(X W_i^Q, X W_i^K, X W_i^V), \\quad \\mathrm{MHA}(X) = [\\mathrm{head}_1; \\dots; \\mathrm{head}_h]\\, W^O',
  unicode: 'headᵢ = Attention(X Wᵢ^Q, X Wᵢ^K, X Wᵢ^V),  MHA(X) = [head₁; …; head_h] W^O',
};

const multiHeadAttention: LayerEntry = {
  name: 'multi_head_attention',
  category: 'layer',
  arity: 'one',
  summary: 'Multi-head self-attention: every position of a sequence attends to every other position.',
  docs:
    'The core of a transformer, here as self-attention (query = key = value = the input sequence ' +
    '(N, T, d)). Each of `num_heads` heads projects the sequence to queries and keys of size `key_dim` ' +
    'and values of size `value_dim`, scores every pair of positions by the scaled dot product of query ' +
    'and key, turns the scores into weights with a softmax, and averages the values with them; the ' +
    'heads are concatenated and projected back to d (or to `output_shape`). Several heads let the ' +
    'layer follow several relations at once. Cost grows with T²: keep sequences short. A common choice ' +
    'is key_dim = d / num_heads.',
  params: [
    { name: 'num_heads', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of attention heads.' },
    { name: 'key_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Size of each head\'s queries and keys (often d / num_heads).' },
    { name: 'value_dim', type: { kind: 'int', min: 1 }, doc: 'Size of each head\'s values; defaults to `key_dim`.' },
    dropoutRate('dropout', 'Fraction of the attention weights dropped during training.'),
    { name: 'use_bias', type: { kind: 'bool' }, default: true, doc: 'Whether the four projections (query, key, value, output) add learned biases.' },
    {
      name: 'output_shape',
      type: { kind: 'one_of', types: [{ kind: 'int', min: 1 }, { kind: 'ints', minLength: 1, min: 1 }] },
      doc: 'Size of the output features; defaults to the input\'s last axis d (so the layer can sit in a residual block).',
    },
    ...initializerParams,
    ...regularizerParams,
  ],
  formulas: [attentionFormula, multiHeadFormula],
  tfjs:
    'composed: tfjs 4.x does not export tf.layers.multiHeadAttention (its internal MultiHeadAttention class does not report its ' +
    'sub-layers\' weights to model.countParams()), so the builder makes query/key/value/output projections with ' +
    'tf.layers.dense and computes softmax(QKᵀ/√key_dim)V in a custom layer; the weights and count equal Keras\' MultiHeadAttention',
  aliases: ['mha', 'multihead_attention', 'self_attention', 'attention'],
  shapeRule: '(N, T, d) → (N, T, output_shape ?? d); params = 2·(d·h·k + h·k) + (d·h·v + h·v) + (h·v·o + o)',
  infer([input], p) {
    if (input.length < 3) return rankError('multi_head_attention', 'at least rank 3 (batch, sequence, features)', input, sequenceFix(input));
    const d = input[input.length - 1];
    if (d === null) return unknownDim('multi_head_attention', 'feature axis (the last)', input);
    const heads = num(p.num_heads, 1);
    const keyDim = num(p.key_dim, 1);
    const valueDim = num(p.value_dim, keyDim);
    const os = p.output_shape;
    const out: number[] = typeof os === 'number' ? [os] : Array.isArray(os) && os.length > 0 ? (os as number[]) : [d];
    return {
      shape: [...input.slice(0, -1), ...out],
      params: attentionParamCount(d, heads, keyDim, valueDim, product(out), p.use_bias !== false),
    };
  },
  shapeCases: [
    { params: { num_heads: 8, key_dim: 8 }, inputs: [[null, 10, 64]], output: [null, 10, 64], paramCount: 16_640 },
    { params: { num_heads: 2, key_dim: 16, value_dim: 8, output_shape: 20 }, inputs: [[null, 10, 32]], output: [null, 10, 20], paramCount: 2_980 },
    { params: { num_heads: 2, key_dim: 16, use_bias: false }, inputs: [[null, null, 32]], output: [null, null, 32], paramCount: 4_096 },
    { params: { num_heads: 2, key_dim: 4 }, inputs: [[null, 5, 3, 16]], output: [null, 5, 3, 16], paramCount: 552 },
    { params: { num_heads: 4, key_dim: 16 }, inputs: [[null, 64]], error: 'shape/rank' },
    { params: { num_heads: 4, key_dim: 16 }, inputs: [[null, 10, null]], error: 'shape/unknown-dim' },
  ],
};

const transformerEncoder: LayerEntry = {
  name: 'transformer_encoder',
  category: 'layer',
  arity: 'one',
  summary: 'One transformer encoder block: self-attention and a feed-forward network, each with residual + layer norm.',
  docs:
    'The block that BERT-style encoders stack. It keeps the shape (N, T, d_model): first multi-head ' +
    'self-attention lets every position gather information from the others, its output is added to the ' +
    'input (a residual connection) and layer-normalised; then a position-wise feed-forward network ' +
    '(`dense` to `ff_dim` with `activation`, then `dense` back to d_model) does the same. Dropout is ' +
    'applied to both sub-layer outputs before the residual sum (post-norm, as in "Attention Is All You ' +
    'Need"). Feed it the output of `positional_embedding`; end with `global_avg_pool1d` and a `dense` ' +
    'head to classify. d_model must be divisible by `num_heads` unless `key_dim` is set.',
  params: [
    { name: 'num_heads', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of attention heads; must divide d_model unless key_dim is set.' },
    { name: 'ff_dim', type: { kind: 'int', min: 1 }, required: true, doc: 'Width of the hidden layer of the feed-forward network (typically 2–4 × d_model).' },
    { name: 'key_dim', type: { kind: 'int', min: 1 }, doc: 'Size of each head\'s queries, keys and values; defaults to d_model / num_heads.' },
    dropoutRate('dropout', 'Fraction dropped from the attention weights and from each sub-layer\'s output during training.'),
    activationParam('relu'),
    { name: 'epsilon', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 0.00001, doc: 'ε of both layer normalizations.' },
  ],
  formulas: [
    attentionFormula,
    {
      label: 'encoder block',
      latex: 'z = \\mathrm{LayerNorm}\\big(x + \\mathrm{MHA}(x)\\big), \\qquad y = \\mathrm{LayerNorm}\\big(z + W_2\\, \\mathrm{relu}(W_1 z + b_1) + b_2\\big)',
      unicode: 'z = LayerNorm(x + MHA(x)),  y = LayerNorm(z + W₂·relu(W₁z + b₁) + b₂)',
    },
  ],
  tfjs:
    'composed: self-attention (as `multi_head_attention`, key_dim = value_dim = d_model/num_heads) → tf.layers.dropout → ' +
    'tf.layers.add with the input → tf.layers.layerNormalization → tf.layers.dense(ff_dim, activation) → tf.layers.dense(d_model) → ' +
    'tf.layers.dropout → tf.layers.add → tf.layers.layerNormalization',
  aliases: ['transformer', 'transformer_block', 'encoder_block'],
  shapeRule: '(N, T, d) → (N, T, d); params = attention 3·(d·h·k + h·k) + (h·k·d + d) [= 4d² + 4d when k = d/h] + 4d (two layer norms) + (d·ff + ff) + (ff·d + d)',
  infer([input], p) {
    if (input.length !== 3) return rankError('transformer_encoder', 'a rank-3 input (batch, sequence, d_model)', input, sequenceFix(input));
    const d = input[2];
    if (d === null) return unknownDim('transformer_encoder', 'model width d_model (the last axis)', input);
    const heads = num(p.num_heads, 1);
    let keyDim = typeof p.key_dim === 'number' ? p.key_dim : undefined;
    if (keyDim === undefined) {
      if (d % heads !== 0) {
        const divisors = Array.from({ length: Math.min(d, 64) }, (_, i) => i + 1)
          .filter((h) => d % h === 0)
          .sort((a, b) => Math.abs(a - heads) - Math.abs(b - heads) || a - b)
          .slice(0, 2)
          .sort((a, b) => a - b);
        return fail('shape/heads-divide',
          `\`transformer_encoder\` splits d_model = ${d} (the last axis of ${formatShape(input)}) across num_heads = ${heads} heads, but ${d} is not divisible by ${heads}.`,
          `use a num_heads that divides ${d} (e.g. ${divisors.join(' or ')}), or set \`key_dim\``, 'num_heads');
      }
      keyDim = d / heads;
    }
    const ff = num(p.ff_dim, 1);
    const attention = attentionParamCount(d, heads, keyDim, keyDim, d, true);
    const norms = 2 * 2 * d;
    const feedForward = d * ff + ff + ff * d + d;
    return { shape: input, params: attention + norms + feedForward };
  },
  shapeCases: [
    { params: { num_heads: 2, ff_dim: 32 }, inputs: [[null, 200, 32]], output: [null, 200, 32], paramCount: 6_464 },
    { params: { num_heads: 8, ff_dim: 2048 }, inputs: [[null, null, 512]], output: [null, null, 512], paramCount: 3_152_384 },
    { params: { num_heads: 3, ff_dim: 32, key_dim: 8 }, inputs: [[null, 10, 32]], output: [null, 10, 32], paramCount: 5_416 },
    { params: { num_heads: 3, ff_dim: 32 }, inputs: [[null, 10, 32]], error: 'shape/heads-divide' },
    { params: { num_heads: 2, ff_dim: 32 }, inputs: [[null, 32]], error: 'shape/rank' },
  ],
};

// ─── Activations as layers ─────────────────────────────────────────────────────────────────────

const activation: LayerEntry = {
  name: 'activation',
  category: 'layer',
  arity: 'one',
  summary: 'Applies an activation function element-wise, as its own layer.',
  docs:
    'Applies `activation` to every value of its input and keeps the shape. Most layers take an ' +
    '`activation` parameter directly; a separate layer is useful when something must come between the ' +
    'linear part and the nonlinearity (e.g. `conv2d` → `batch_norm` → `activation: relu`) or to end a ' +
    'graph with a softmax. Write `activation: relu` for short.',
  params: [{ name: 'activation', type: { kind: 'ref', category: 'activation' }, required: true, doc: 'The activation function to apply (relu, sigmoid, softmax, …).' }],
  formulas: [{ label: 'element-wise', latex: 'y_i = \\sigma(x_i)', unicode: 'yᵢ = σ(xᵢ)' }],
  tfjs: 'tf.layers.activation',
  primary: 'activation',
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { activation: 'relu' }, inputs: [[null, 10]], output: [null, 10], paramCount: 0 },
    { params: { activation: 'softmax' }, inputs: [[null, 5, 3]], output: [null, 5, 3], paramCount: 0 },
  ],
};

const leakyRelu: LayerEntry = {
  name: 'leaky_relu',
  category: 'layer',
  arity: 'one',
  summary: 'Leaky ReLU with a configurable negative slope: max(x, αx).',
  docs:
    'Like ReLU, but negative inputs are multiplied by a small slope `alpha` instead of being zeroed, so ' +
    'units never stop receiving gradient ("dying ReLU"). Common in GAN discriminators with alpha 0.2.',
  params: [{ name: 'alpha', type: { kind: 'float', min: 0 }, default: 0.3, doc: 'Slope for negative inputs.' }],
  formulas: [{ label: 'function', latex: 'y = \\begin{cases} x & x > 0 \\\\ \\alpha x & x \\le 0 \\end{cases}', unicode: 'y = x if x > 0, else α·x' }],
  tfjs: 'tf.layers.leakyReLU',
  aliases: ['leakyrelu', 'lrelu'],
  primary: 'alpha',
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { inputs: [[null, 10]], output: [null, 10], paramCount: 0 },
    { params: { alpha: 0.2 }, inputs: [[null, 4, 4, 3]], output: [null, 4, 4, 3], paramCount: 0 },
  ],
};

const prelu: LayerEntry = {
  name: 'prelu',
  category: 'layer',
  arity: 'one',
  summary: 'Parametric ReLU: a leaky ReLU whose negative slope is learned for every unit.',
  docs:
    'Learns the slope α for negative inputs instead of fixing it, one α per input value (per position ' +
    'and channel). On images, share α across height and width with `shared_axes: [1, 2]` so there is ' +
    'one slope per channel, as in the original paper; this is also needed when those axes are symbolic.',
  params: [
    { name: 'shared_axes', type: { kind: 'ints', minLength: 1, min: 1 }, doc: 'Axes (1-based, batch = 0) along which one α is shared, e.g. [1, 2] for one α per channel of an image.' },
    { name: 'alpha_initializer', type: { kind: 'ref', category: 'initializer' }, default: 'zeros', doc: 'How the slopes start (zeros: starts as ReLU).' },
  ],
  formulas: [{ label: 'function', latex: 'y_i = \\begin{cases} x_i & x_i > 0 \\\\ \\alpha_i x_i & x_i \\le 0 \\end{cases}', unicode: 'yᵢ = xᵢ if xᵢ > 0, else αᵢ·xᵢ (αᵢ learned)' }],
  tfjs: 'tf.layers.prelu',
  aliases: ['parametric_relu'],
  shapeRule: '(N, d₁, …, dₖ) → unchanged; params = d₁·…·dₖ with shared axes counted as 1',
  infer([input], p) {
    const dims: Dim[] = input.slice(1);
    const shared = Array.isArray(p.shared_axes) ? (p.shared_axes as unknown[]) : [];
    for (const a of shared) {
      if (typeof a !== 'number' || !Number.isInteger(a) || a < 1 || a >= input.length) {
        return fail('shape/axis',
          `\`prelu\` shared_axes ${listText(shared)} names axis ${String(a)}, but input shape ${formatShape(input)} has axes 1…${input.length - 1} besides the batch.`,
          `list axes between 1 and ${input.length - 1}, e.g. \`shared_axes: [${Array.from({ length: Math.max(input.length - 2, 1) }, (_, i) => i + 1).join(', ')}]\` for one α per channel`, 'shared_axes');
      }
      dims[a - 1] = 1;
    }
    const free = dims.findIndex((d) => d === null);
    if (free >= 0) {
      return unknownDim('prelu', `size on axis ${free + 1} (one α per position)`, input,
        `share α along the symbolic axis: \`shared_axes: [${free + 1}]\``);
    }
    return { shape: input, params: product(dims as number[]) };
  },
  shapeCases: [
    { inputs: [[null, 10]], output: [null, 10], paramCount: 10 },
    { params: { shared_axes: [1, 2] }, inputs: [[null, 28, 28, 32]], output: [null, 28, 28, 32], paramCount: 32 },
    { params: { shared_axes: [1] }, inputs: [[null, null, 8]], output: [null, null, 8], paramCount: 8 },
    { inputs: [[null, null, 8]], error: 'shape/unknown-dim' },
    { params: { shared_axes: [3] }, inputs: [[null, 5, 8]], error: 'shape/axis' },
  ],
};

// ─── Merging branches ──────────────────────────────────────────────────────────────────────────

function arityError(layer: string, inputs: readonly Shape[]): ShapeOutcome {
  return fail('shape/merge-arity',
    `\`${layer}\` merges two or more tensors, but it gets ${inputs.length} input${inputs.length === 1 ? '' : 's'}.`,
    'list the layers to merge in its `inputs:` (e.g. `inputs: [branch_a, branch_b]`)');
}

function rankMismatch(layer: string, inputs: readonly Shape[], i: number): ShapeOutcome {
  return fail('shape/merge-mismatch',
    `\`${layer}\` needs inputs of the same rank, but input 1 has shape ${formatShape(inputs[0])} (rank ${inputs[0].length}) and input ${i + 1} has shape ${formatShape(inputs[i])} (rank ${inputs[i].length}).`,
    'add a `flatten`, `reshape` or global pooling layer to one branch so both have the same rank');
}

/**
 * Element-wise merges (add, multiply, average, maximum, minimum): same rank, and on every axis the
 * sizes agree, or one of them is 1 and broadcasts (tfjs-layers' Merge); symbolic sizes stay symbolic.
 */
function elementwise(layer: string, inputs: readonly Shape[]): ShapeOutcome {
  if (inputs.length < 2) return arityError(layer, inputs);
  const out: Dim[] = [...inputs[0]];
  for (let i = 1; i < inputs.length; i++) {
    const s = inputs[i];
    if (s.length !== out.length) return rankMismatch(layer, inputs, i);
    for (let a = 0; a < s.length; a++) {
      const x = out[a];
      const y = s[a];
      if (x === null || y === null) out[a] = null;
      else if (x === 1) out[a] = y;
      else if (y !== 1 && x !== y) {
        if (a === 0) {
          out[a] = null;
          continue;
        }
        const k = inputs.findIndex((t) => t[a] === x);
        const last = a === s.length - 1;
        return fail('shape/merge-mismatch',
          `\`${layer}\` needs inputs of the same shape, but input ${k + 1} has shape ${formatShape(inputs[k])} and input ${i + 1} has shape ${formatShape(s)}: axis ${a} differs (${x} vs ${y}).`,
          last
            ? `end the branch that has ${y} features with \`dense: { units: ${x} }\` so both have ${x}, or use \`concatenate\` to join them side by side`
            : `make the branches produce the same size on axis ${a} (check strides, padding and pooling on each), or use \`concatenate\``);
      }
    }
  }
  return { shape: out, params: 0 };
}

const mergeCases = (extra: LayerEntry['shapeCases'] = []): LayerEntry['shapeCases'] => [
  { inputs: [[null, 32], [null, 32]], output: [null, 32], paramCount: 0 },
  { inputs: [[null, 8, 8, 16], [null, 8, 8, 16], [null, 8, 8, 16]], output: [null, 8, 8, 16], paramCount: 0 },
  { inputs: [[null, 10, null], [null, 10, 4]], output: [null, 10, null], paramCount: 0 },
  ...extra,
  { inputs: [[null, 32], [null, 64]], error: 'shape/merge-mismatch' },
  { inputs: [[null, 26, 26, 32], [null, 13, 13, 32]], error: 'shape/merge-mismatch' },
  { inputs: [[null, 32], [null, 4, 8]], error: 'shape/merge-mismatch' },
  { inputs: [[null, 32]], error: 'shape/merge-arity' },
];

function mergeEntry(o: { name: string; summary: string; docs: string; formula: Formula; tfjs: string; aliases?: string[]; extra?: LayerEntry['shapeCases'] }): LayerEntry {
  return {
    name: o.name,
    category: 'layer',
    arity: 'many',
    summary: o.summary,
    docs:
      o.docs +
      ' It takes the outputs of two or more layers through `inputs:`; they must have the same shape (a size of 1 broadcasts). No parameters.',
    params: [],
    formulas: [o.formula],
    tfjs: o.tfjs,
    aliases: o.aliases,
    shapeRule: '(N, …), (N, …), … (same shapes) → (N, …); no params',
    infer: (inputs) => elementwise(o.name, inputs),
    shapeCases: mergeCases(o.extra),
  };
}

const add = mergeEntry({
  name: 'add',
  summary: 'Adds the outputs of two or more layers element-wise (residual / skip connections).',
  docs:
    'Sums its inputs value by value. Its main use is the residual connection of ResNets and ' +
    'transformers, y = x + F(x): the block only has to learn a correction to its input, and gradients ' +
    'flow straight through the sum, which makes deep networks trainable.',
  formula: { label: 'sum', latex: 'y = \\sum_{k=1}^{K} x^{(k)}', unicode: 'y = Σₖ x⁽ᵏ⁾' },
  tfjs: 'tf.layers.add',
  aliases: ['sum', 'residual', 'plus'],
  extra: [{ inputs: [[null, 8, 8, 16], [null, 8, 8, 1]], output: [null, 8, 8, 16], paramCount: 0 }],
});

const multiply = mergeEntry({
  name: 'multiply',
  summary: 'Multiplies the outputs of two or more layers element-wise (gating).',
  docs:
    'Multiplies its inputs value by value (the Hadamard product). Use it for gating, where one branch ' +
    'ending in a sigmoid decides how much of another branch passes (as in squeeze-and-excitation blocks ' +
    'or GLU units).',
  formula: { label: 'element-wise product', latex: 'y = x^{(1)} \\odot x^{(2)} \\odot \\dots \\odot x^{(K)}', unicode: 'y = x⁽¹⁾ ⊙ x⁽²⁾ ⊙ … ⊙ x⁽ᴷ⁾' },
  tfjs: 'tf.layers.multiply',
  aliases: ['mul', 'hadamard', 'product'],
});

const average = mergeEntry({
  name: 'average',
  summary: 'Averages the outputs of two or more layers element-wise (e.g. an ensemble of heads).',
  docs: 'Takes the mean of its inputs value by value, e.g. to average the predictions of several branches or models.',
  formula: { label: 'mean', latex: 'y = \\frac{1}{K} \\sum_{k=1}^{K} x^{(k)}', unicode: 'y = (1/K) Σₖ x⁽ᵏ⁾' },
  tfjs: 'tf.layers.average',
  aliases: ['mean', 'avg'],
});

const maximum = mergeEntry({
  name: 'maximum',
  summary: 'Element-wise maximum of the outputs of two or more layers.',
  docs: 'Keeps, at every position, the largest of its inputs (as in maxout units).',
  formula: { label: 'maximum', latex: 'y_i = \\max_k x^{(k)}_i', unicode: 'yᵢ = maxₖ xᵢ⁽ᵏ⁾' },
  tfjs: 'tf.layers.maximum',
  aliases: ['max'],
});

const minimum = mergeEntry({
  name: 'minimum',
  summary: 'Element-wise minimum of the outputs of two or more layers.',
  docs: 'Keeps, at every position, the smallest of its inputs.',
  formula: { label: 'minimum', latex: 'y_i = \\min_k x^{(k)}_i', unicode: 'yᵢ = minₖ xᵢ⁽ᵏ⁾' },
  tfjs: 'tf.layers.minimum',
  aliases: ['min'],
});

/**
 * The first axis other than `axis` on which two inputs differ. Like tfjs-layers' Concatenate.build,
 * a symbolic size only matches a symbolic size: tfjs refuses (None, None, 8) with (None, 7, 8).
 */
function concatMismatch(inputs: readonly Shape[], axis: number): { a: number; k: number; i: number } | undefined {
  const rank = inputs[0].length;
  for (let a = 1; a < rank; a++) {
    if (a === axis) continue;
    for (let i = 1; i < inputs.length; i++) if (inputs[i][a] !== inputs[0][a]) return { a, k: 0, i };
  }
  return undefined;
}

const concatenate: LayerEntry = {
  name: 'concatenate',
  category: 'layer',
  arity: 'many',
  summary: 'Joins the outputs of two or more layers along an axis (by default the features).',
  docs:
    'Places its inputs side by side along `axis` (default -1: the last axis, i.e. features or ' +
    'channels), so (N, 10, 32) and (N, 10, 16) become (N, 10, 48). Every other axis must agree. Use it ' +
    'to combine branches that look at the same data differently (Inception blocks, U-Net skip ' +
    'connections, two-tower models with several inputs). It takes the outputs of two or more layers ' +
    'through `inputs:`. No parameters.',
  params: [{ name: 'axis', type: { kind: 'int' }, default: -1, doc: 'The axis to join along (-1: the last; 0 is the batch and cannot be used).' }],
  formulas: [
    {
      label: 'concatenation',
      latex: 'y = \\big[x^{(1)} \\,\\|\\, x^{(2)} \\,\\|\\, \\dots \\,\\|\\, x^{(K)}\\big]_{\\text{axis}}, \\quad d^{y}_{\\text{axis}} = \\sum_k d^{(k)}_{\\text{axis}}',
      unicode: 'y = [x⁽¹⁾ ‖ x⁽²⁾ ‖ … ‖ x⁽ᴷ⁾] along axis,  d_axis(y) = Σₖ d_axis(x⁽ᵏ⁾)',
    },
  ],
  tfjs: 'tf.layers.concatenate',
  aliases: ['concat', 'merge', 'cat'],
  shapeRule: '(N, …, a₁, …), (N, …, a₂, …) → (N, …, a₁ + a₂, …) along axis; all other axes equal; no params',
  infer(inputs, p) {
    if (inputs.length < 2) return arityError('concatenate', inputs);
    const rank = inputs[0].length;
    for (let i = 1; i < inputs.length; i++) if (inputs[i].length !== rank) return rankMismatch('concatenate', inputs, i);
    const ax = resolveAxis(p.axis, rank);
    if (ax === null) return axisError('concatenate', p.axis, inputs[0]);
    const bad = concatMismatch(inputs, ax);
    if (bad) {
      const { a, k, i } = bad;
      const x = inputs[k][a];
      const y = inputs[i][a];
      const symbolic = x === null || y === null;
      const alternative = !symbolic && concatMismatch(inputs, a) === undefined;
      return fail('shape/merge-mismatch',
        `\`concatenate\` joins along axis ${ax}, so every other axis must agree, but input ${k + 1} has shape ${formatShape(inputs[k])} and input ${i + 1} has shape ${formatShape(inputs[i])}: axis ${a} differs (${x ?? 'None'} vs ${y ?? 'None'})` +
          (symbolic ? '; TensorFlow.js needs the same static size, and a symbolic (None) size does not match a fixed one.' : '.'),
        symbolic
          ? `give axis ${a} a fixed size in \`model.input\` on both branches (or leave it symbolic on both)`
          : alternative
            ? `set \`axis: ${a}\` to join along the axis that differs, or make the branches agree on axis ${a}`
            : `make the branches agree on axis ${a} (check strides, padding and pooling, or add a \`reshape\`)`,
        alternative ? 'axis' : undefined,
        alternative ? { kind: 'set_param', param: 'axis', value: a } : undefined);
    }
    const out: Dim[] = [...inputs[0]];
    const sizes = inputs.map((s) => s[ax]);
    out[ax] = sizes.every((d) => d !== null) ? (sizes as number[]).reduce((x, y) => x + y, 0) : null;
    return { shape: out, params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 10, 32], [null, 10, 16]], output: [null, 10, 48], paramCount: 0 },
    { params: { axis: 1 }, inputs: [[null, 10, 32], [null, 5, 32]], output: [null, 15, 32], paramCount: 0 },
    { inputs: [[null, 64], [null, 32], [null, 4]], output: [null, 100], paramCount: 0 },
    { inputs: [[null, 64], [null, null]], output: [null, null], paramCount: 0 },
    { params: { axis: 1 }, inputs: [[null, null, 8], [null, 7, 8]], output: [null, null, 8], paramCount: 0 },
    { inputs: [[null, 10, 32], [null, 12, 32]], error: 'shape/merge-mismatch' },
    { inputs: [[null, null, 8], [null, 7, 8]], error: 'shape/merge-mismatch' },
    { inputs: [[null, 10, 32], [null, 10, 16, 1]], error: 'shape/merge-mismatch' },
    { params: { axis: 3 }, inputs: [[null, 10], [null, 10]], error: 'shape/axis' },
    { inputs: [[null, 10]], error: 'shape/merge-arity' },
  ],
};

// ─── Image resizing ────────────────────────────────────────────────────────────────────────────

/** `2`, `[h, w]` or `[top, bottom, left, right]` → [[top, bottom], [left, right]]. */
function sides(value: unknown, fallback: number): [[number, number], [number, number]] {
  if (typeof value === 'number') return [[value, value], [value, value]];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    const v = value as number[];
    if (v.length === 2) return [[v[0], v[0]], [v[1], v[1]]];
    if (v.length === 4) return [[v[0], v[1]], [v[2], v[3]]];
  }
  return [[fallback, fallback], [fallback, fallback]];
}

const sidesType = {
  kind: 'one_of',
  types: [
    { kind: 'int', min: 0 },
    { kind: 'ints', minLength: 2, maxLength: 2, min: 0 },
    { kind: 'ints', minLength: 4, maxLength: 4, min: 0 },
  ],
} as const;

const upsampling2d: LayerEntry = {
  name: 'upsampling2d',
  category: 'layer',
  arity: 'one',
  summary: 'Enlarges feature maps by repeating rows and columns (nearest) or interpolating (bilinear).',
  docs:
    'Scales the height and width of (N, H, W, C) by `size` without learning anything: each value is ' +
    'repeated `size` times along each axis (`nearest`), or the gaps are filled by bilinear ' +
    'interpolation. Follow it with a `conv2d` to get a learned upsampling without the checkerboard ' +
    'artefacts of `conv2d_transpose` (decoders, U-Nets, generators).',
  params: [
    { name: 'size', type: { kind: 'int_or_ints', length: 2, min: 1 }, default: 2, doc: 'Factors for height and width (one number for both).' },
    { name: 'interpolation', type: { kind: 'enum', values: ['nearest', 'bilinear'] }, default: 'nearest', doc: '`nearest`: repeat values; `bilinear`: interpolate between them.' },
  ],
  formulas: [
    { label: 'nearest neighbour', latex: 'y_{i,j,c} = x_{\\lfloor i / s_h \\rfloor,\\, \\lfloor j / s_w \\rfloor,\\, c}', unicode: 'y[i,j,c] = x[⌊i/s_h⌋, ⌊j/s_w⌋, c]' },
  ],
  tfjs: 'tf.layers.upSampling2d (pass size as [s_h, s_w]: tfjs does not expand a single number)',
  aliases: ['upsample2d', 'up_sampling2d', 'upsample'],
  primary: 'size',
  shapeRule: '(N, H, W, C) → (N, H·s_h, W·s_w, C); no params',
  infer([input], p) {
    if (input.length !== 4) return rankError('upsampling2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [sh, sw] = toTuple(p.size, 2, 2);
    return { shape: [input[0], scale(input[1], sh), scale(input[2], sw), input[3]], params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 7, 7, 64]], output: [null, 14, 14, 64], paramCount: 0 },
    { params: { size: [2, 3], interpolation: 'bilinear' }, inputs: [[null, null, 5, 1]], output: [null, null, 15, 1], paramCount: 0 },
    { inputs: [[null, 64]], error: 'shape/rank' },
  ],
};

const zeroPadding2d: LayerEntry = {
  name: 'zero_padding2d',
  category: 'layer',
  arity: 'one',
  summary: 'Adds rows and columns of zeros around each feature map.',
  docs:
    'Pads the height and width of (N, H, W, C) with zeros: `padding: 1` adds one row at the top and ' +
    'bottom and one column left and right; `[h, w]` sets the vertical and horizontal amounts; ' +
    '`[top, bottom, left, right]` sets each side. Use it to control exactly how a following `valid` ' +
    'convolution or pooling treats the borders.',
  params: [{ name: 'padding', type: sidesType, default: 1, doc: 'Zeros to add: n on every side, [h, w] symmetric amounts, or [top, bottom, left, right].' }],
  formulas: [{ label: 'output size', latex: "H' = H + p_{top} + p_{bottom}, \\quad W' = W + p_{left} + p_{right}", unicode: 'H′ = H + p_top + p_bottom,  W′ = W + p_left + p_right' }],
  tfjs: 'tf.layers.zeroPadding2d (a list [top, bottom, left, right] is passed as [[top, bottom], [left, right]])',
  aliases: ['zeropadding2d', 'pad2d', 'padding2d'],
  primary: 'padding',
  shapeRule: '(N, H, W, C) → (N, H + top + bottom, W + left + right, C); no params',
  infer([input], p) {
    if (input.length !== 4) return rankError('zero_padding2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [[t, b], [l, r]] = sides(p.padding, 1);
    const grow = (d: Dim, n: number): Dim => (d === null ? null : d + n);
    return { shape: [input[0], grow(input[1], t + b), grow(input[2], l + r), input[3]], params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 28, 28, 1]], output: [null, 30, 30, 1], paramCount: 0 },
    { params: { padding: [2, 3] }, inputs: [[null, 28, 28, 1]], output: [null, 32, 34, 1], paramCount: 0 },
    { params: { padding: [1, 0, 2, 0] }, inputs: [[null, 28, null, 1]], output: [null, 29, null, 1], paramCount: 0 },
    { inputs: [[null, 784]], error: 'shape/rank' },
  ],
};

const cropping2d: LayerEntry = {
  name: 'cropping2d',
  category: 'layer',
  arity: 'one',
  summary: 'Removes rows and columns from the borders of each feature map.',
  docs:
    'Cuts the height and width of (N, H, W, C): `cropping: 2` removes two rows at the top and bottom and ' +
    'two columns left and right; `[h, w]` sets the vertical and horizontal amounts; `[top, bottom, left, ' +
    'right]` sets each side. Use it to drop uninformative borders, or to make a skip connection match ' +
    'a smaller feature map before `concatenate` (U-Net).',
  params: [{ name: 'cropping', type: sidesType, required: true, doc: 'Rows/columns to remove: n on every side, [h, w] symmetric amounts, or [top, bottom, left, right].' }],
  formulas: [{ label: 'output size', latex: "H' = H - c_{top} - c_{bottom}, \\quad W' = W - c_{left} - c_{right}", unicode: 'H′ = H − c_top − c_bottom,  W′ = W − c_left − c_right' }],
  tfjs: 'tf.layers.cropping2D (a list [top, bottom, left, right] is passed as [[top, bottom], [left, right]])',
  aliases: ['crop2d', 'cropping2D'],
  primary: 'cropping',
  shapeRule: '(N, H, W, C) → (N, H − top − bottom, W − left − right, C); no params',
  infer([input], p) {
    if (input.length !== 4) return rankError('cropping2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [[t, b], [l, r]] = sides(p.cropping, 0);
    for (const [axis, n, cut] of [['height', input[1], t + b], ['width', input[2], l + r]] as const) {
      if (n !== null && cut >= n) {
        return fail('shape/crop-too-large',
          `\`cropping2d\` removes ${cut} of the ${n} positions of the ${axis} of input shape ${formatShape(input)}, which leaves nothing.`,
          `crop less than ${n} in total along the ${axis}`, 'cropping');
      }
    }
    const shrink = (d: Dim, n: number): Dim => (d === null ? null : d - n);
    return { shape: [input[0], shrink(input[1], t + b), shrink(input[2], l + r), input[3]], params: 0 };
  },
  shapeCases: [
    { params: { cropping: 2 }, inputs: [[null, 28, 28, 3]], output: [null, 24, 24, 3], paramCount: 0 },
    { params: { cropping: [1, 2, 3, 4] }, inputs: [[null, 10, 10, 3]], output: [null, 7, 3, 3], paramCount: 0 },
    { params: { cropping: [1, 0] }, inputs: [[null, null, 10, 3]], output: [null, null, 10, 3], paramCount: 0 },
    { params: { cropping: 4 }, inputs: [[null, 8, 8, 3]], error: 'shape/crop-too-large' },
    { params: { cropping: 1 }, inputs: [[null, 10]], error: 'shape/rank' },
  ],
};

export const layers: readonly LayerEntry[] = [
  // core
  dense,
  activation,
  dropout,
  flatten,
  reshape,
  permute,
  repeatVector,
  // convolution
  conv1d,
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  conv2dTranspose,
  // pooling
  maxPool1d,
  avgPool1d,
  maxPool2d,
  avgPool2d,
  globalAvgPool1d,
  globalMaxPool1d,
  globalAvgPool2d,
  globalMaxPool2d,
  // image resizing
  upsampling2d,
  zeroPadding2d,
  cropping2d,
  // normalization
  batchNorm,
  layerNorm,
  // noise
  spatialDropout1d,
  gaussianNoise,
  gaussianDropout,
  // embeddings
  embedding,
  positionalEmbedding,
  // recurrent
  simpleRnn,
  lstm,
  gru,
  bidirectional,
  // attention
  multiHeadAttention,
  transformerEncoder,
  // merging
  add,
  multiply,
  average,
  maximum,
  minimum,
  concatenate,
  // activations with parameters
  leakyRelu,
  prelu,
];
