/** Convolutions: conv1d, conv2d, depthwise and separable convolutions, transposed convolution. */
import { convOutputLength, formatShape, toTuple, type Dim } from '../../shape';
import { convKernel, transposeData, windowPads, type OnnxEmitter, type OnnxLayerMapping, type OnnxWeight } from '../onnx';
import type { LayerEntry, Params, ParamSpec } from '../types';
import { activationParam, biasOf, imageFix, initializerParams, num, outputSizeFormula, paddingParam, rankError, regularizerParams, slide, strideDilationError, tensor, unknownDim, useBiasParam, withWeights, type Window } from './shared';
import { torchConv, torchConvTranspose } from '../torchModules';

const filtersParam: ParamSpec = { name: 'filters', type: { kind: 'int', min: 1 }, required: true, doc: 'Number of kernels, i.e. output channels.' };
const kernelSizeParam = (rank: 1 | 2): ParamSpec => ({
  name: 'kernel_size',
  type: { kind: 'int_or_ints', length: rank, min: 1 },
  required: true,
  doc: rank === 1 ? 'Width of each kernel along the sequence.' : 'Height and width of each kernel (one number for a square kernel).',
});
const stridesParam = (rank: 1 | 2): ParamSpec => ({ name: 'strides', type: { kind: 'int_or_ints', length: rank, min: 1 }, default: 1, doc: 'Step between kernel positions.' });
const dilationParam = (rank: 1 | 2, withStrides = false): ParamSpec => ({
  name: 'dilation_rate',
  type: { kind: 'int_or_ints', length: rank, min: 1 },
  default: 1,
  doc: withStrides ? 'Spacing between kernel taps (atrous convolution); combines with strides > 1, as in Keras.' : 'Spacing between kernel taps (atrous convolution); cannot be combined with strides > 1.',
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

const convWindow = (p: Params, rank: number): Window => ({
  kernel: toTuple(p.kernel_size, rank, 1),
  strides: toTuple(p.strides, rank, 1),
  dilation: toTuple(p.dilation_rate, rank, 1),
  padding: (p.padding as Window['padding']) ?? 'valid',
});

/** The window attributes of a convolution or pooling over the spatial axes of `e`'s input. */
function windowAttributes(e: OnnxEmitter, rank: number, kernel: number[], strides: number[], dilation: number[], padding: unknown) {
  const sizes = e.inputShapes[0].slice(1, 1 + rank);
  return { kernel_shape: kernel, strides, dilations: dilation, pads: windowPads(padding, sizes, kernel, strides, dilation, (m) => e.refuse(m, 'padding')) };
}

/** conv1d / conv2d (Keras kernel [k…, C, F] → ONNX [F, C, k…]), on channels-first values. */
function convOnnx(rank: 1 | 2): OnnxLayerMapping {
  return {
    ops: 'Conv (explicit pads for `same`)',
    emit(e) {
      const x = e.input(0, 'channels_first');
      const w = convKernel(e.weight('kernel'));
      const win = windowAttributes(e, rank, toTuple(e.params.kernel_size, rank, 1), toTuple(e.params.strides, rank, 1), toTuple(e.params.dilation_rate, rank, 1), e.params.padding);
      const inputs = [x.name, e.constant(w.data, w.shape)];
      if (e.params.use_bias !== false) inputs.push(e.constant(e.weight('bias').data, e.weight('bias').shape));
      const y = e.op1('Conv', inputs, win);
      return e.value(e.activation(y, e.params.activation, 1), x.rank, 'channels_first');
    },
  };
}

/** A Keras depthwise kernel [kh, kw, C, m] as ONNX's grouped kernel [C·m, 1, kh, kw]. */
function depthwiseKernel(w: OnnxWeight): { data: Float32Array; shape: number[] } {
  const [kh, kw, c, m] = w.shape;
  return { data: transposeData(w.data, w.shape, [2, 3, 0, 1]).data, shape: [c * m, 1, kh, kw] };
}

/** depthwise_conv2d, and separable_conv2d's depthwise step followed by its 1×1 pointwise Conv. */
function depthwiseOnnx(separable: boolean): OnnxLayerMapping {
  return {
    ops: separable ? 'Conv (group = channels), Conv 1×1' : 'Conv (group = channels)',
    emit(e) {
      const x = e.input(0, 'channels_first');
      const c = e.inputShapes[0][3] as number;
      const dw = depthwiseKernel(e.weight('depthwise_kernel'));
      const win = windowAttributes(e, 2, toTuple(e.params.kernel_size, 2, 1), toTuple(e.params.strides, 2, 1), toTuple(e.params.dilation_rate, 2, 1), e.params.padding);
      const bias = e.params.use_bias !== false ? [e.constant(e.weight('bias').data, e.weight('bias').shape)] : [];
      let y = e.op1('Conv', [x.name, e.constant(dw.data, dw.shape), ...(separable ? [] : bias)], { ...win, group: c });
      if (separable) {
        const pw = convKernel(e.weight('pointwise_kernel'));
        y = e.op1('Conv', [y, e.constant(pw.data, pw.shape), ...bias], { kernel_shape: [1, 1] });
      }
      return e.value(e.activation(y, e.params.activation, 1), 4, 'channels_first');
    },
  };
}

/** conv2d_transpose: Keras kernel [kh, kw, F, C] → ONNX ConvTranspose's [C, F, kh, kw]; TensorFlow's output sizes. */
const convTransposeOnnx: OnnxLayerMapping = {
  ops: 'ConvTranspose (explicit pads and output_padding)',
  emit(e) {
    const x = e.input(0, 'channels_first');
    const w = e.weight('kernel');
    const kernel = transposeData(w.data, w.shape, [3, 2, 0, 1]);
    const k = toTuple(e.params.kernel_size, 2, 1);
    const s = toTuple(e.params.strides, 2, 1);
    const same = e.params.padding === 'same';
    // ONNX gives s(n − 1) + k − pads + output_padding; TensorFlow n·s (same) or n·s + max(k − s, 0) (valid).
    const total = k.map((ki, i) => (same ? Math.max(ki - s[i], 0) : 0));
    const outputPadding = k.map((ki, i) => Math.max(s[i] - ki, 0));
    const pads = [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
    const inputs = [x.name, e.constant(kernel.data, kernel.shape)];
    if (e.params.use_bias !== false) inputs.push(e.constant(e.weight('bias').data, e.weight('bias').shape));
    const y = e.op1('ConvTranspose', inputs, { kernel_shape: k, strides: s, pads, output_padding: outputPadding });
    return e.value(e.activation(y, e.params.activation, 1), 4, 'channels_first');
  },
};

export const conv2d: LayerEntry = {
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
  tfjs: 'tf.layers.conv2d; with dilation_rate > 1 (tfjs has no gradient for a dilated convolution) a custom layer that convolves with the kernel dilated by inserted zeros',
  aliases: ['conv2D', 'convolution2d', 'conv'],
  onnx: convOnnx(2),
  torch: torchConv(2, 'conv'),
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
    return withWeights([input[0], convOutputLength(h, k0, padding, s0, d0), convOutputLength(w, k1, padding, s1, d1), filters], [tensor('kernel', [k0, k1, c, filters]), ...biasOf(p, filters)]);
  },
  shapeCases: [
    { params: { filters: 32, kernel_size: 3 }, inputs: [[null, 28, 28, 1]], output: [null, 26, 26, 32], paramCount: 320 },
    { params: { filters: 8, kernel_size: 3, padding: 'same', strides: 2 }, inputs: [[null, 28, 28, 3]], output: [null, 14, 14, 8], paramCount: 224 },
    { params: { filters: 8, kernel_size: 5 }, inputs: [[null, 3, 3, 1]], error: 'shape/kernel-too-large' },
    { params: { filters: 8, kernel_size: 3, strides: 2, dilation_rate: 2 }, inputs: [[null, 28, 28, 1]], error: 'shape/stride-dilation' },
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 784]], error: 'shape/rank' },
  ],
};


export const conv1d: LayerEntry = {
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
  tfjs: 'tf.layers.conv1d; with dilation_rate > 1 (tfjs has no gradient for a dilated convolution) a custom layer that convolves with the kernel dilated by inserted zeros',
  aliases: ['conv1D', 'convolution1d', 'temporal_convolution'],
  onnx: convOnnx(1),
  torch: torchConv(1, 'conv'),
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
    return withWeights([input[0], ...dims, filters], [tensor('kernel', [w.kernel[0], c, filters]), ...biasOf(p, filters)]);
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

export const depthwiseConv2d: LayerEntry = {
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
    dilationParam(2, true),
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
  tfjs: 'tf.layers.depthwiseConv2d; with dilation_rate > 1 (which tfjs cannot train, nor combine with strides) a custom layer that convolves with the kernel dilated by inserted zeros',
  aliases: ['depthwise_conv', 'depthwiseconv2d'],
  onnx: depthwiseOnnx(false),
  torch: torchConv(2, 'depthwise'),
  shapeRule: '(N, H, W, C) → (N, H′, W′, C·m); params = kh·kw·C·m + C·m',
  infer([input], p) {
    if (input.length !== 4) return rankError('depthwise_conv2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const w = convWindow(p, 2);
    const dims = slide('depthwise_conv2d', input, w, 'kernel', true);
    if (!Array.isArray(dims)) return dims;
    const c = input[3];
    if (c === null) return unknownDim('depthwise_conv2d', 'channel axis', input);
    const m = num(p.depth_multiplier, 1);
    return withWeights([input[0], ...dims, c * m], [tensor('depthwise_kernel', [w.kernel[0], w.kernel[1], c, m]), ...biasOf(p, c * m)]);
  },
  shapeCases: [
    { params: { kernel_size: 3 }, inputs: [[null, 32, 32, 16]], output: [null, 30, 30, 16], paramCount: 160 },
    { params: { kernel_size: 3, depth_multiplier: 2, padding: 'same', strides: 2 }, inputs: [[null, 28, 28, 3]], output: [null, 14, 14, 6], paramCount: 60 },
    { params: { kernel_size: 3, strides: 2, dilation_rate: 2 }, inputs: [[null, 28, 28, 3]], output: [null, 12, 12, 3], paramCount: 30 },
    { params: { kernel_size: 3, strides: 2, dilation_rate: 2, padding: 'same' }, inputs: [[null, 15, 15, 4]], output: [null, 8, 8, 4], paramCount: 40 },
    { params: { kernel_size: 3 }, inputs: [[null, 2, 2, 3]], error: 'shape/kernel-too-large' },
    { params: { kernel_size: 3 }, inputs: [[null, 28, 28]], error: 'shape/rank' },
  ],
};

export const separableConv2d: LayerEntry = {
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
    dilationParam(2, true),
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
  tfjs: 'tf.layers.separableConv2d; with dilation_rate > 1 (which tfjs cannot train, nor combine with strides) a custom layer that convolves with the depthwise kernel dilated by inserted zeros',
  aliases: ['separable_conv', 'separableconv2d', 'sep_conv2d'],
  onnx: depthwiseOnnx(true),
  torch: torchConv(2, 'separable'),
  shapeRule: '(N, H, W, C) → (N, H′, W′, filters); params = kh·kw·C·m + C·m·filters + filters',
  infer([input], p) {
    if (input.length !== 4) return rankError('separable_conv2d', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const w = convWindow(p, 2);
    const dims = slide('separable_conv2d', input, w, 'kernel', true);
    if (!Array.isArray(dims)) return dims;
    const c = input[3];
    if (c === null) return unknownDim('separable_conv2d', 'channel axis', input);
    const m = num(p.depth_multiplier, 1);
    const filters = p.filters as number;
    return withWeights([input[0], ...dims, filters], [
      tensor('depthwise_kernel', [w.kernel[0], w.kernel[1], c, m]),
      tensor('pointwise_kernel', [1, 1, c * m, filters]),
      ...biasOf(p, filters),
    ]);
  },
  shapeCases: [
    { params: { filters: 64, kernel_size: 3 }, inputs: [[null, 32, 32, 16]], output: [null, 30, 30, 64], paramCount: 1_232 },
    { params: { filters: 32, kernel_size: 3, depth_multiplier: 2, padding: 'same', use_bias: false }, inputs: [[null, 10, 10, 8]], output: [null, 10, 10, 32], paramCount: 656 },
    { params: { filters: 8, kernel_size: 3, strides: 2, dilation_rate: 2 }, inputs: [[null, 16, 16, 4]], output: [null, 6, 6, 8], paramCount: 76 },
    { params: { filters: 8, kernel_size: 5 }, inputs: [[null, 4, 4, 3]], error: 'shape/kernel-too-large' },
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 64]], error: 'shape/rank' },
  ],
};

/** tfjs-layers' deconvLength. */
function deconvLength(n: Dim, stride: number, kernel: number, padding: string): Dim {
  if (n === null) return null;
  return padding === 'same' ? n * stride : n * stride + Math.max(kernel - stride, 0);
}

export const conv2dTranspose: LayerEntry = {
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
  onnx: convTransposeOnnx,
  torch: torchConvTranspose,
  shapeRule: '(N, H, W, C) → (N, H·s + max(k − s, 0), W·s + max(k − s, 0), filters) for valid, (N, H·s, W·s, filters) for same; params = kh·kw·C·filters + filters',
  infer([input], p) {
    if (input.length !== 4) return rankError('conv2d_transpose', 'a rank-4 input (batch, height, width, channels)', input, imageFix(input));
    const [k0, k1] = toTuple(p.kernel_size, 2, 1);
    const [s0, s1] = toTuple(p.strides, 2, 1);
    const padding = String(p.padding);
    const c = input[3];
    if (c === null) return unknownDim('conv2d_transpose', 'channel axis', input);
    const filters = p.filters as number;
    // Keras's transposed kernel is (kh, kw, filters, C): output channels before input channels.
    return withWeights([input[0], deconvLength(input[1], s0, k0, padding), deconvLength(input[2], s1, k1, padding), filters], [tensor('kernel', [k0, k1, filters, c]), ...biasOf(p, filters)]);
  },
  shapeCases: [
    { params: { filters: 16, kernel_size: 3, strides: 2, padding: 'same' }, inputs: [[null, 7, 7, 32]], output: [null, 14, 14, 16], paramCount: 4_624 },
    { params: { filters: 1, kernel_size: 3 }, inputs: [[null, 26, 26, 32]], output: [null, 28, 28, 1], paramCount: 289 },
    { params: { filters: 1, kernel_size: 4, strides: 2 }, inputs: [[null, 7, null, 8]], output: [null, 16, null, 1], paramCount: 129 },
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 64]], error: 'shape/rank' },
  ],
};
