/** Core layers: dense, flatten and the layers that only rearrange a sample (reshape, permute, repeat_vector). */
import { formatShape, sampleSize } from '../../shape';
import { denseOnnx } from '../onnx';
import type { LayerEntry } from '../types';
import { activationParam, biasOf, fail, initializerParams, listText, product, rankError, regularizerParams, tensor, unknownDim, useBiasParam, withWeights } from './shared';
import { torchDense } from '../torchModules';

export const dense: LayerEntry = {
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
  onnx: {
    ops: 'MatMul, Add',
    emit(e) {
      const x = e.input(0, 'keras');
      return e.value(e.activation(denseOnnx(e, x.name, '', e.params.use_bias !== false), e.params.activation, x.rank - 1), x.rank, 'keras');
    },
  },
  torch: torchDense,
  shapeRule: '(N, …, d) → (N, …, units); params = d·units + units',
  infer([input], p) {
    if (input.length < 2) return rankError('dense', 'at least rank 2 (batch, features)', input);
    const d = input[input.length - 1];
    if (d === null) {
      return { error: { code: 'shape/unknown-dim', message: `\`dense\` needs a known last axis, but its input has shape ${formatShape(input)}.` } };
    }
    const units = p.units as number;
    return withWeights([...input.slice(0, -1), units], [tensor('kernel', [d, units]), ...biasOf(p, units)]);
  },
  shapeCases: [
    { params: { units: 128 }, inputs: [[null, 784]], output: [null, 128], paramCount: 100_480 },
    { params: { units: 10, use_bias: false }, inputs: [[null, 64]], output: [null, 10], paramCount: 640 },
    { params: { units: 10 }, inputs: [[null, 26, 26, 32]], output: [null, 26, 26, 10], paramCount: 330 },
    { params: { units: 10 }, inputs: [[null]], error: 'shape/rank' },
  ],
};

export const flatten: LayerEntry = {
  name: 'flatten',
  category: 'layer',
  arity: 'one',
  summary: 'Flattens every axis but the batch axis into one.',
  docs:
    'Turns (N, d₁, …, dₖ) into (N, d₁·…·dₖ), e.g. the feature maps of a convolution into a vector a `dense` layer can take. ' +
    'An already flat (N, d) input passes through unchanged, as in Keras. The axes it joins need known sizes: TensorFlow.js ' +
    'refuses to flatten a symbolic axis (use global pooling for variable-size inputs). No parameters.',
  params: [],
  formulas: [{ label: 'reshape', latex: '(N, d_1, \\dots, d_k) \\mapsto (N, \\textstyle\\prod_i d_i)', unicode: '(N, d₁, …, dₖ) ↦ (N, ∏ dᵢ)' }],
  tfjs: 'tf.layers.flatten (an identity layer on a rank-2 input, which tf.layers.flatten refuses)',
  onnx: {
    ops: 'Flatten (after the one Transpose back to channels last, so the order is Keras\'s)',
    emit(e) {
      const x = e.input(0, 'keras');
      return x.rank === 2 ? x : e.value(e.op1('Flatten', [x.name], { axis: 1 }), 2, 'keras');
    },
  },
  torch: { modules: 'torch.flatten', layout: 'last', emit: (c) => ({ forward: c.inputShapes[0].length > 2 ? 'torch.flatten(x, 1)' : 'x' }) },
  shapeRule: '(N, d₁, …, dₖ) → (N, d₁·…·dₖ); (N, d) unchanged',
  infer([input]) {
    if (input.length < 2) return rankError('flatten', 'at least rank 2 (batch and the axes to flatten)', input);
    if (input.length === 2) return { shape: input, params: 0 };
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
    { inputs: [[null, 10]], output: [null, 10], paramCount: 0 },
    { inputs: [[null, null]], output: [null, null], paramCount: 0 },
    { inputs: [[null, null, 4]], error: 'shape/unknown-dim' },
  ],
};



export const reshape: LayerEntry = {
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
  onnx: {
    ops: 'Reshape',
    emit(e) {
      const x = e.input(0, 'keras');
      const target = e.outputShape.slice(1).map((d, i) => d ?? (e.params.target_shape as number[])[i]);
      return e.value(e.op1('Reshape', [x.name, e.ints([0, ...target])]), target.length + 1, 'keras');
    },
  },
  torch: { modules: 'Tensor.reshape', layout: 'last', emit: (c) => ({ forward: `x.reshape(x.shape[0], ${c.outputShape.slice(1).map((d) => d ?? -1).join(', ')})` }) },
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

export const repeatVector: LayerEntry = {
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
  onnx: {
    ops: 'Unsqueeze, Tile',
    emit(e) {
      const x = e.input(0, 'keras');
      const y = e.op1('Tile', [e.op1('Unsqueeze', [x.name, e.ints([1])]), e.ints([1, e.params.n as number, 1])]);
      return e.value(y, 3, 'keras');
    },
  },
  torch: { modules: 'Tensor.unsqueeze + expand', layout: 'last', emit: (c) => ({ forward: `x.unsqueeze(1).expand(-1, ${c.params.n as number}, -1)` }) },
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

export const permute: LayerEntry = {
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
  onnx: {
    ops: 'Transpose',
    emit(e) {
      const x = e.input(0, 'keras');
      return e.value(e.op1('Transpose', [x.name], { perm: [0, ...(e.params.dims as number[])] }), x.rank, 'keras');
    },
  },
  torch: { modules: 'Tensor.permute', layout: 'last', emit: (c) => ({ forward: `x.permute(0, ${(c.params.dims as number[]).join(', ')})` }) },
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
