/** Activations as layers: activation, leaky_relu, prelu. */
import { formatShape, type Dim } from '../../shape';
import { featureAxis } from '../onnx';
import type { LayerEntry } from '../types';
import { fail, identityRule, listText, tensor, unknownDim, withWeights } from './shared';
import { torchFeatureDim, torchPrelu } from '../torchModules';
import { pyFloat } from '../torch';

export const activation: LayerEntry = {
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
  onnx: {
    ops: 'the activation\'s operators (see the activations table)',
    emit(e) {
      const x = e.input(0, 'any');
      return e.value(e.activation(x.name, e.params.activation, featureAxis(x)), x.rank, x.layout);
    },
  },
  torch: { modules: '(the activation)', layout: 'any', emit: (c) => ({ forward: c.activation(c.params.activation, 'x', torchFeatureDim(c)) }) },
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { params: { activation: 'relu' }, inputs: [[null, 10]], output: [null, 10], paramCount: 0 },
    { params: { activation: 'softmax' }, inputs: [[null, 5, 3]], output: [null, 5, 3], paramCount: 0 },
  ],
};

export const leakyRelu: LayerEntry = {
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
  onnx: {
    ops: 'LeakyRelu',
    emit(e) {
      const x = e.input(0, 'any');
      return e.value(e.op1('LeakyRelu', [x.name], { alpha: { float: e.params.alpha as number } }), x.rank, x.layout);
    },
  },
  torch: { modules: 'nn.LeakyReLU', layout: 'any', emit: (c) => ({ module: `nn.LeakyReLU(${pyFloat(c.params.alpha as number)})`, forward: '{m}(x)' }) },
  shapeRule: identityRule,
  infer: ([input]) => ({ shape: input, params: 0 }),
  shapeCases: [
    { inputs: [[null, 10]], output: [null, 10], paramCount: 0 },
    { params: { alpha: 0.2 }, inputs: [[null, 4, 4, 3]], output: [null, 4, 4, 3], paramCount: 0 },
  ],
};

export const prelu: LayerEntry = {
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
  onnx: {
    ops: 'PRelu',
    emit(e) {
      const x = e.input(0, 'keras');
      const alpha = e.weight('alpha');
      return e.value(e.op1('PRelu', [x.name, e.constant(alpha.data, alpha.shape)]), x.rank, 'keras');
    },
  },
  torch: torchPrelu,
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
    return withWeights(input, [tensor('alpha', dims as number[])]);
  },
  shapeCases: [
    { inputs: [[null, 10]], output: [null, 10], paramCount: 10 },
    { params: { shared_axes: [1, 2] }, inputs: [[null, 28, 28, 32]], output: [null, 28, 28, 32], paramCount: 32 },
    { params: { shared_axes: [1] }, inputs: [[null, null, 8]], output: [null, null, 8], paramCount: 8 },
    { inputs: [[null, null, 8]], error: 'shape/unknown-dim' },
    { params: { shared_axes: [3] }, inputs: [[null, 5, 8]], error: 'shape/axis' },
  ],
};
