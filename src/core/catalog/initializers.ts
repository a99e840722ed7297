/**
 * Weight initializers for `kernel_initializer` / `bias_initializer`. n_in and n_out are the
 * layer's fan-in and fan-out (for a convolution: kernel area × input / output channels). Seeded
 * from the spec's `seed`.
 */
import type { InitializerEntry } from './types';

const zeros: InitializerEntry = {
  name: 'zeros',
  category: 'initializer',
  summary: 'All zeros: the default for biases.',
  docs:
    'Starts every value at 0. Right for biases, but never for a whole kernel: units that start equal get equal gradients and stay ' +
    'identical forever, so the layer behaves like a single unit.',
  params: [],
  formulas: [{ label: 'value', latex: 'W = 0', unicode: 'W = 0' }],
  tfjs: "initializer: 'zeros'",
  aliases: ['zero', 'Zeros'],
};

const ones: InitializerEntry = {
  name: 'ones',
  category: 'initializer',
  summary: 'All ones: the default scale (γ) of normalization layers.',
  docs: 'Starts every value at 1. Used for the scale γ of `batch_norm` and `layer_norm`; like `zeros`, useless for a kernel because every unit would start identical.',
  params: [],
  formulas: [{ label: 'value', latex: 'W = 1', unicode: 'W = 1' }],
  tfjs: "initializer: 'ones'",
  aliases: ['one', 'Ones'],
};

const constant: InitializerEntry = {
  name: 'constant',
  category: 'initializer',
  summary: 'Every value set to one constant.',
  docs: 'Starts every value at `value`. Occasionally useful for biases, e.g. a small positive bias so ReLU units start active.',
  params: [{ name: 'value', type: { kind: 'float' }, default: 0, doc: 'The constant.' }],
  formulas: [{ label: 'value', latex: 'W = c', unicode: 'W = c' }],
  tfjs: 'tf.initializers.constant({value})',
  aliases: ['Constant'],
  primary: 'value',
};

const randomNormal: InitializerEntry = {
  name: 'random_normal',
  category: 'initializer',
  summary: 'Gaussian with a fixed mean and standard deviation.',
  docs:
    'Draws from 𝒩(mean, stddev²) regardless of the layer\'s size. Simple, but the right stddev depends on the layer width; ' +
    '`glorot_*` and `he_*` pick it from the fan-in and fan-out for you.',
  params: [
    { name: 'mean', type: { kind: 'float' }, default: 0, doc: 'Mean μ of the distribution.' },
    { name: 'stddev', type: { kind: 'float', min: 0, exclusiveMin: true, saneMax: 1 }, default: 0.05, doc: 'Standard deviation σ.' },
  ],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{N}(\\mu, \\sigma^2)', unicode: 'W ~ N(μ, σ²)' }],
  tfjs: 'tf.initializers.randomNormal({mean, stddev, seed})',
  aliases: ['normal', 'RandomNormal', 'gaussian'],
};

const randomUniform: InitializerEntry = {
  name: 'random_uniform',
  category: 'initializer',
  summary: 'Uniform between fixed bounds.',
  docs: 'Draws uniformly from [minval, maxval] regardless of the layer\'s size. Prefer `glorot_uniform` or `he_uniform`, which scale the bounds to the layer.',
  params: [
    { name: 'minval', type: { kind: 'float' }, default: -0.05, doc: 'Lower bound a.' },
    { name: 'maxval', type: { kind: 'float' }, default: 0.05, doc: 'Upper bound b (must exceed minval).' },
  ],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{U}(a, b)', unicode: 'W ~ U(a, b)' }],
  tfjs: 'tf.initializers.randomUniform({minval, maxval, seed})',
  aliases: ['uniform', 'RandomUniform'],
};

const truncatedNormal: InitializerEntry = {
  name: 'truncated_normal',
  category: 'initializer',
  summary: 'Gaussian with values beyond two standard deviations redrawn.',
  docs: 'Like `random_normal`, but any draw farther than 2σ from the mean is redrawn, so no weight starts unusually large.',
  params: [
    { name: 'mean', type: { kind: 'float' }, default: 0, doc: 'Mean μ of the distribution.' },
    { name: 'stddev', type: { kind: 'float', min: 0, exclusiveMin: true, saneMax: 1 }, default: 0.05, doc: 'Standard deviation σ before truncation.' },
  ],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{N}(\\mu, \\sigma^2) \\text{ restricted to } |W - \\mu| \\le 2\\sigma', unicode: 'W ~ N(μ, σ²) restricted to |W − μ| ≤ 2σ' }],
  tfjs: 'tf.initializers.truncatedNormal({mean, stddev, seed})',
  aliases: ['TruncatedNormal'],
};

const glorotUniform: InitializerEntry = {
  name: 'glorot_uniform',
  category: 'initializer',
  summary: 'Uniform in ±√(6/(fan_in + fan_out)) (Xavier).',
  docs: 'Keeps the variance of activations and gradients about equal across layers with tanh/sigmoid; the Keras default.',
  params: [],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{U}\\left(-\\sqrt{\\tfrac{6}{n_{in}+n_{out}}},\\ \\sqrt{\\tfrac{6}{n_{in}+n_{out}}}\\right)', unicode: 'W ~ U(−√(6/(n_in+n_out)), √(6/(n_in+n_out)))' }],
  tfjs: "kernelInitializer: 'glorotUniform'",
  aliases: ['xavier_uniform'],
};

const glorotNormal: InitializerEntry = {
  name: 'glorot_normal',
  category: 'initializer',
  summary: 'Truncated normal with σ = √(2/(fan_in + fan_out)) (Xavier).',
  docs:
    'The Gaussian counterpart of `glorot_uniform`, with the same variance 2/(n_in + n_out): keeps signals from growing or fading ' +
    'across layers with tanh or sigmoid activations. Draws beyond 2σ are redrawn.',
  params: [],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{N}_{\\pm 2\\sigma}\\!\\left(0,\\ \\sigma^2\\right),\\quad \\sigma = \\sqrt{\\tfrac{2}{n_{in}+n_{out}}}', unicode: 'W ~ N(0, σ²) truncated at ±2σ,  σ = √(2/(n_in+n_out))' }],
  tfjs: "kernelInitializer: 'glorotNormal'",
  aliases: ['xavier_normal', 'GlorotNormal'],
};

const heUniform: InitializerEntry = {
  name: 'he_uniform',
  category: 'initializer',
  summary: 'Uniform in ±√(6/fan_in), for ReLU layers (Kaiming).',
  docs:
    'Scaled for ReLU-family activations, which zero half their inputs and so halve the variance: doubling it (variance 2/n_in) keeps ' +
    'activations from shrinking layer after layer in deep ReLU networks (He et al., 2015).',
  params: [],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{U}\\left(-\\sqrt{\\tfrac{6}{n_{in}}},\\ \\sqrt{\\tfrac{6}{n_{in}}}\\right)', unicode: 'W ~ U(−√(6/n_in), √(6/n_in))' }],
  tfjs: "kernelInitializer: 'heUniform'",
  aliases: ['kaiming_uniform', 'HeUniform'],
};

const heNormal: InitializerEntry = {
  name: 'he_normal',
  category: 'initializer',
  summary: 'Truncated normal with σ = √(2/fan_in), for ReLU layers (Kaiming).',
  docs: 'The Gaussian counterpart of `he_uniform`: variance 2/n_in, the usual choice for deep networks with `relu`. Draws beyond 2σ are redrawn.',
  params: [],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{N}_{\\pm 2\\sigma}\\!\\left(0,\\ \\sigma^2\\right),\\quad \\sigma = \\sqrt{\\tfrac{2}{n_{in}}}', unicode: 'W ~ N(0, σ²) truncated at ±2σ,  σ = √(2/n_in)' }],
  tfjs: "kernelInitializer: 'heNormal'",
  aliases: ['kaiming_normal', 'HeNormal'],
};

const lecunNormal: InitializerEntry = {
  name: 'lecun_normal',
  category: 'initializer',
  summary: 'Truncated normal with σ = √(1/fan_in); the partner of selu.',
  docs: 'Variance 1/n_in keeps unit variance through a linear layer. Required for `selu` networks to self-normalize. Draws beyond 2σ are redrawn.',
  params: [],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{N}_{\\pm 2\\sigma}\\!\\left(0,\\ \\sigma^2\\right),\\quad \\sigma = \\sqrt{\\tfrac{1}{n_{in}}}', unicode: 'W ~ N(0, σ²) truncated at ±2σ,  σ = √(1/n_in)' }],
  tfjs: "kernelInitializer: 'leCunNormal'",
  aliases: ['LecunNormal'],
};

const lecunUniform: InitializerEntry = {
  name: 'lecun_uniform',
  category: 'initializer',
  summary: 'Uniform in ±√(3/fan_in).',
  docs: 'The uniform counterpart of `lecun_normal`: variance 1/n_in.',
  params: [],
  formulas: [{ label: 'distribution', latex: 'W \\sim \\mathcal{U}\\left(-\\sqrt{\\tfrac{3}{n_{in}}},\\ \\sqrt{\\tfrac{3}{n_{in}}}\\right)', unicode: 'W ~ U(−√(3/n_in), √(3/n_in))' }],
  tfjs: "kernelInitializer: 'leCunUniform'",
  aliases: ['LecunUniform'],
};

const orthogonal: InitializerEntry = {
  name: 'orthogonal',
  category: 'initializer',
  summary: 'A random orthogonal matrix (times a gain).',
  docs:
    'Takes Q from the QR decomposition of a Gaussian matrix, so the kernel preserves the length of vectors it multiplies. Helps ' +
    'recurrent layers, whose kernel is applied once per time step, keep gradients from exploding or vanishing; the default ' +
    'recurrent initializer of `lstm` and `gru`.',
  params: [{ name: 'gain', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 1, doc: 'Multiplies the orthogonal matrix.' }],
  formulas: [
    { label: 'construction', latex: 'A \\sim \\mathcal{N}(0, 1)^{m \\times n},\\ A = QR, \\quad W = g \\cdot Q \\cdot \\operatorname{diag}(\\operatorname{sign}(R_{ii}))', unicode: 'A ~ N(0,1)^(m×n),  A = QR,  W = g·Q·diag(sign(Rᵢᵢ))' },
    { label: 'property', latex: 'W^\\top W = g^2 I \\quad (m \\ge n)', unicode: 'WᵀW = g²I  (m ≥ n)' },
  ],
  tfjs: 'tf.initializers.orthogonal({gain, seed})',
  aliases: ['Orthogonal'],
  primary: 'gain',
};

export const initializers: readonly InitializerEntry[] = [
  zeros,
  ones,
  constant,
  randomNormal,
  randomUniform,
  truncatedNormal,
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  lecunNormal,
  lecunUniform,
  orthogonal,
];
