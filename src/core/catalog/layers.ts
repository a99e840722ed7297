/**
 * Layer entries. Shape rules are pure functions of input shapes and parameters (tfjs-layers'
 * computeOutputShape without tensors); parameter counts match tf.LayersModel.countParams().
 */
import { convOutputLength, formatShape, sampleSize, toTuple, type Shape } from '../shape';
import type { LayerEntry, ParamSpec, ShapeOutcome } from './types';

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
    { params: { filters: 8, kernel_size: 3 }, inputs: [[null, 784]], error: 'shape/rank' },
  ],
};

const flatten: LayerEntry = {
  name: 'flatten',
  category: 'layer',
  arity: 'one',
  summary: 'Flattens every axis but the batch axis into one.',
  docs: 'Turns (N, d₁, …, dₖ) into (N, d₁·…·dₖ), e.g. the feature maps of a convolution into a vector a `dense` layer can take. No parameters.',
  params: [],
  formulas: [{ label: 'reshape', latex: '(N, d_1, \\dots, d_k) \\mapsto (N, \\textstyle\\prod_i d_i)', unicode: '(N, d₁, …, dₖ) ↦ (N, ∏ dᵢ)' }],
  tfjs: 'tf.layers.flatten',
  shapeRule: '(N, d₁, …, dₖ) → (N, d₁·…·dₖ)',
  infer([input]) {
    if (input.length < 2) return rankError('flatten', 'at least rank 2', input);
    return { shape: [input[0], sampleSize(input)], params: 0 };
  },
  shapeCases: [
    { inputs: [[null, 3, 3, 64]], output: [null, 576], paramCount: 0 },
    { inputs: [[null, 10]], output: [null, 10], paramCount: 0 },
  ],
};

export const layers: readonly LayerEntry[] = [dense, conv2d, flatten];
