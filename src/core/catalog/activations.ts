/**
 * Activation functions. `range` is what the checker compares with a loss's expectations
 * (softmax + binary_crossentropy, sigmoid + categorical labels, …); `tfjs` says how the trainer
 * builds each one (an `activation:` identifier of tfjs-layers 4.22 where one exists).
 */
import type { OnnxActivationMapping } from './onnx';
import type { ActivationEntry } from './types';

/** An activation that is one ONNX operator of the same name. */
const unary = (op: string): OnnxActivationMapping => ({ ops: op, emit: (e, x) => e.op1(op, [x]) });

const linear: ActivationEntry = {
  name: 'linear',
  category: 'activation',
  summary: 'Identity: passes z through unchanged (no activation).',
  docs:
    'The default activation of `dense` and `conv2d`. Use it on the last layer of a regression model, whose target can be any real number, ' +
    'and on the last layer of a classifier whose loss takes logits (`from_logits: true`). Stacking layers with only linear activations ' +
    'collapses them into one linear map, so hidden layers need a non-linearity.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{linear}(z) = z', unicode: 'linear(z) = z' },
    { label: 'derivative', latex: '\\mathrm{linear}\'(z) = 1', unicode: 'linear′(z) = 1' },
  ],
  tfjs: "activation: 'linear'",
  aliases: ['identity', 'none'],
  onnx: { ops: '(none)', emit: (_e, x) => x },
  range: 'real',
};

const relu: ActivationEntry = {
  name: 'relu',
  category: 'activation',
  summary: 'Rectified linear unit: max(0, z).',
  docs: 'Passes positive inputs through and zeroes negative ones. The default choice for hidden layers: cheap, and its gradient does not vanish for positive inputs.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{relu}(z) = \\max(0, z)', unicode: 'relu(z) = max(0, z)' },
    { label: 'derivative', latex: '\\mathrm{relu}\'(z) = \\begin{cases} 1 & z > 0 \\\\ 0 & z \\le 0 \\end{cases}', unicode: 'relu′(z) = 1 if z > 0, else 0' },
  ],
  tfjs: "activation: 'relu'",
  onnx: unary('Relu'),
  range: 'positive',
};

const relu6: ActivationEntry = {
  name: 'relu6',
  category: 'activation',
  summary: 'ReLU capped at 6: min(max(0, z), 6).',
  docs:
    'Like `relu`, but outputs stop growing at 6. The cap keeps activations small enough for low-precision arithmetic, which is why ' +
    'mobile architectures (MobileNet) use it. The gradient is zero above 6 as well as below 0.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{relu6}(z) = \\min(\\max(0, z), 6)', unicode: 'relu6(z) = min(max(0, z), 6)' },
    { label: 'derivative', latex: '\\mathrm{relu6}\'(z) = \\begin{cases} 1 & 0 < z < 6 \\\\ 0 & \\text{otherwise} \\end{cases}', unicode: 'relu6′(z) = 1 if 0 < z < 6, else 0' },
  ],
  tfjs: "activation: 'relu6'",
  aliases: ['ReLU6'],
  onnx: { ops: 'Clip', emit: (e, x) => e.op1('Clip', [x, e.constant([0], []), e.constant([6], [])]) },
  range: 'positive',
};

const leakyRelu: ActivationEntry = {
  name: 'leaky_relu',
  category: 'activation',
  summary: 'ReLU with a small slope α for negative inputs: max(αz, z).',
  docs:
    'Negative inputs are multiplied by `alpha` instead of being zeroed, so a unit whose input is negative still gets a gradient and ' +
    'cannot "die" the way a `relu` unit can. Write `activation: { leaky_relu: { alpha: 0.1 } }` to change the slope.',
  params: [
    { name: 'alpha', type: { kind: 'float', min: 0, saneMax: 1 }, default: 0.3, doc: 'Slope α for negative inputs (0.3, the Keras and tfjs layer default; 0.01 and 0.2 are common too).' },
  ],
  formulas: [
    { label: 'function', latex: '\\mathrm{leaky\\_relu}(z) = \\begin{cases} z & z > 0 \\\\ \\alpha z & z \\le 0 \\end{cases}', unicode: 'leaky_relu(z) = z if z > 0, else αz' },
    { label: 'derivative', latex: '\\mathrm{leaky\\_relu}\'(z) = \\begin{cases} 1 & z > 0 \\\\ \\alpha & z \\le 0 \\end{cases}', unicode: 'leaky_relu′(z) = 1 if z > 0, else α' },
  ],
  tfjs: 'not an `activation:` identifier in tfjs: the trainer appends a tf.layers.leakyReLU({alpha}) layer after the layer that names it',
  aliases: ['leakyrelu', 'LeakyReLU', 'lrelu'],
  primary: 'alpha',
  onnx: { ops: 'LeakyRelu', emit: (e, x, p) => e.op1('LeakyRelu', [x], { alpha: { float: p.alpha as number } }) },
  range: 'real',
};

const elu: ActivationEntry = {
  name: 'elu',
  category: 'activation',
  summary: 'Exponential linear unit: z for z > 0, α(eᶻ − 1) below.',
  docs:
    'Identity for positive inputs and a smooth exponential curve that saturates at −α for negative ones. Its mean output is closer ' +
    'to zero than ReLU\'s, which tends to speed up learning, and it has a gradient everywhere. Outputs are bounded below by −α.',
  params: [{ name: 'alpha', type: { kind: 'float', min: 0, exclusiveMin: true, saneMax: 10 }, default: 1, doc: 'Scale α of the negative part; outputs approach −α for very negative inputs.' }],
  formulas: [
    { label: 'function', latex: '\\mathrm{elu}(z) = \\begin{cases} z & z > 0 \\\\ \\alpha (e^{z} - 1) & z \\le 0 \\end{cases}', unicode: 'elu(z) = z if z > 0, else α(eᶻ − 1)' },
    { label: 'derivative', latex: '\\mathrm{elu}\'(z) = \\begin{cases} 1 & z > 0 \\\\ \\alpha e^{z} & z \\le 0 \\end{cases}', unicode: 'elu′(z) = 1 if z > 0, else αeᶻ' },
  ],
  tfjs:
    "activation: 'elu' when alpha is 1; tfjs supports no other alpha (tf.layers.elu rejects it), so for alpha ≠ 1 the trainer " +
    'appends a custom layer computing tf.where(z > 0, z, alpha·(exp(z) − 1))',
  aliases: ['ELU'],
  primary: 'alpha',
  onnx: { ops: 'Elu', emit: (e, x, p) => e.op1('Elu', [x], { alpha: { float: p.alpha as number } }) },
  range: 'real',
};

const selu: ActivationEntry = {
  name: 'selu',
  category: 'activation',
  summary: 'Scaled ELU with fixed constants λ ≈ 1.0507, α ≈ 1.6733 (self-normalizing).',
  docs:
    'An ELU scaled so that, in a plain stack of dense layers, activations keep mean 0 and variance 1 on their own (Klambauer et al., ' +
    '2017). That only holds with `kernel_initializer: lecun_normal` and standardized inputs; with batch normalization or ordinary ' +
    'dropout it is just another ELU.',
  params: [],
  formulas: [
    {
      label: 'function',
      latex: '\\mathrm{selu}(z) = \\lambda \\begin{cases} z & z > 0 \\\\ \\alpha (e^{z} - 1) & z \\le 0 \\end{cases},\\quad \\lambda \\approx 1.0507,\\ \\alpha \\approx 1.6733',
      unicode: 'selu(z) = λ·z if z > 0, else λα(eᶻ − 1);  λ ≈ 1.0507, α ≈ 1.6733',
    },
    { label: 'derivative', latex: '\\mathrm{selu}\'(z) = \\begin{cases} \\lambda & z > 0 \\\\ \\lambda \\alpha e^{z} & z \\le 0 \\end{cases}', unicode: 'selu′(z) = λ if z > 0, else λαeᶻ' },
  ],
  tfjs: "activation: 'selu'",
  aliases: ['SELU'],
  onnx: unary('Selu'),
  range: 'real',
};

const gelu: ActivationEntry = {
  name: 'gelu',
  category: 'activation',
  summary: 'Gaussian error linear unit: z·Φ(z), the transformer default.',
  docs:
    'Weights each input by the probability that a standard normal variable is below it, a smooth ReLU that lets small negative values ' +
    'through. Used in BERT, GPT and most transformers. `approximate: true` uses the cheaper tanh approximation (GPT-2\'s "gelu_new").',
  params: [{ name: 'approximate', type: { kind: 'bool' }, default: false, doc: 'Use the tanh approximation instead of the exact erf form.' }],
  formulas: [
    { label: 'function', latex: '\\mathrm{gelu}(z) = z\\,\\Phi(z) = \\frac{z}{2}\\left(1 + \\mathrm{erf}\\frac{z}{\\sqrt 2}\\right)', unicode: 'gelu(z) = z·Φ(z) = (z/2)(1 + erf(z/√2))' },
    {
      label: 'tanh approximation',
      latex: '\\mathrm{gelu}(z) \\approx \\frac{z}{2}\\left(1 + \\tanh\\left(\\sqrt{2/\\pi}\\,(z + 0.044715 z^3)\\right)\\right)',
      unicode: 'gelu(z) ≈ (z/2)(1 + tanh(√(2/π)·(z + 0.044715z³)))',
    },
    { label: 'derivative', latex: '\\mathrm{gelu}\'(z) = \\Phi(z) + z\\,\\varphi(z),\\quad \\varphi(z) = \\tfrac{1}{\\sqrt{2\\pi}} e^{-z^2/2}', unicode: 'gelu′(z) = Φ(z) + z·φ(z),  φ(z) = e^(−z²/2)/√(2π)' },
  ],
  tfjs: "activation: 'gelu' (exact erf form); with approximate: true, activation: 'gelu_new'",
  aliases: ['GELU', 'gelu_new'],
  onnx: {
    ops: 'Erf, Mul, Add (approximate: Tanh, Pow)',
    emit: (e, x, p) => {
      const half = e.op1('Mul', [x, e.constant([0.5], [])]);
      const inner = p.approximate === true
        ? e.op1('Tanh', [e.op1('Mul', [e.op1('Add', [x, e.op1('Mul', [e.op1('Pow', [x, e.constant([3], [])]), e.constant([0.044715], [])])]), e.constant([Math.sqrt(2 / Math.PI)], [])])])
        : e.op1('Erf', [e.op1('Mul', [x, e.constant([Math.SQRT1_2], [])])]);
      return e.op1('Mul', [half, e.op1('Add', [inner, e.constant([1], [])])]);
    },
  },
  range: 'real',
};

const sigmoid: ActivationEntry = {
  name: 'sigmoid',
  category: 'activation',
  summary: 'Logistic function 1/(1 + e⁻ᶻ): squashes to (0, 1).',
  docs:
    'Maps any real number to a probability. The output activation for binary classification (one unit, `binary_crossentropy`) and ' +
    'for multi-label classification (one independent unit per label). In hidden layers it saturates and its gradient (at most 0.25) ' +
    'vanishes through deep stacks; prefer `relu` there. For exactly one class out of several, use `softmax`.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\sigma(z) = \\frac{1}{1 + e^{-z}}', unicode: 'σ(z) = 1 / (1 + e⁻ᶻ)' },
    { label: 'derivative', latex: '\\sigma\'(z) = \\sigma(z)\\,(1 - \\sigma(z))', unicode: 'σ′(z) = σ(z)·(1 − σ(z))' },
  ],
  tfjs: "activation: 'sigmoid'",
  aliases: ['logistic', 'Sigmoid'],
  onnx: unary('Sigmoid'),
  range: 'unit',
};

const hardSigmoid: ActivationEntry = {
  name: 'hard_sigmoid',
  category: 'activation',
  summary: 'Piecewise-linear sigmoid: clip(0.2z + 0.5, 0, 1).',
  docs:
    'A cheap approximation of `sigmoid` made of three straight pieces: 0 below −2.5, 1 above 2.5 and a line in between. This is ' +
    'tfjs\'s definition (slope 0.2); Keras 3 uses slope 1/6 instead, so outputs differ slightly from a Keras model.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{hard\\_sigmoid}(z) = \\max(0, \\min(1, 0.2 z + 0.5))', unicode: 'hard_sigmoid(z) = max(0, min(1, 0.2z + 0.5))' },
    { label: 'derivative', latex: '\\mathrm{hard\\_sigmoid}\'(z) = \\begin{cases} 0.2 & |z| < 2.5 \\\\ 0 & \\text{otherwise} \\end{cases}', unicode: 'hard_sigmoid′(z) = 0.2 if |z| < 2.5, else 0' },
  ],
  tfjs: "activation: 'hardSigmoid'",
  aliases: ['hardsigmoid', 'Hardsigmoid'],
  onnx: { ops: 'HardSigmoid (alpha 0.2, beta 0.5)', emit: (e, x) => e.op1('HardSigmoid', [x], { alpha: { float: 0.2 }, beta: { float: 0.5 } }) },
  range: 'unit',
};

const tanh: ActivationEntry = {
  name: 'tanh',
  category: 'activation',
  summary: 'Hyperbolic tangent: squashes to (−1, 1), centred on zero.',
  docs:
    'A rescaled sigmoid (tanh z = 2σ(2z) − 1) whose outputs are centred on zero, which suits hidden layers better than `sigmoid`; the ' +
    'classic choice inside recurrent cells. Saturates for large |z|, so its gradient vanishes in deep stacks. On the last layer it ' +
    'fits targets in [−1, 1], such as ±1 labels with `hinge`.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\tanh(z) = \\frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}', unicode: 'tanh(z) = (eᶻ − e⁻ᶻ) / (eᶻ + e⁻ᶻ)' },
    { label: 'derivative', latex: '\\tanh\'(z) = 1 - \\tanh^2(z)', unicode: 'tanh′(z) = 1 − tanh²(z)' },
  ],
  tfjs: "activation: 'tanh'",
  aliases: ['Tanh'],
  onnx: unary('Tanh'),
  range: 'symmetric',
};

const softmax: ActivationEntry = {
  name: 'softmax',
  category: 'activation',
  summary: 'Turns a vector of scores into probabilities that sum to 1.',
  docs:
    'Exponentiates each score and divides by the total, over the last axis. The output activation for single-label multi-class ' +
    'classification, one unit per class, with `categorical_crossentropy` (one-hot labels) or `sparse_categorical_crossentropy` ' +
    '(class indices). On a single unit it always outputs 1, so binary classification uses one `sigmoid` unit instead; with ' +
    '`binary_crossentropy` use `sigmoid`, not softmax.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_{j=1}^{K} e^{z_j}}', unicode: 'softmax(z)ᵢ = e^(zᵢ) / Σⱼ e^(zⱼ)' },
    {
      label: 'derivative (Jacobian)',
      latex: '\\frac{\\partial s_i}{\\partial z_j} = s_i(\\delta_{ij} - s_j)',
      unicode: '∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ − sⱼ)',
    },
    {
      label: 'with cross-entropy',
      latex: '\\frac{\\partial L}{\\partial z_i} = \\hat y_i - y_i \\quad (L = -\\textstyle\\sum_k y_k \\log \\hat y_k,\\ \\hat y = \\mathrm{softmax}(z))',
      unicode: '∂L/∂zᵢ = ŷᵢ − yᵢ  (L = −Σₖ yₖ log ŷₖ, ŷ = softmax(z))',
    },
  ],
  tfjs: "activation: 'softmax' (over the last axis)",
  aliases: ['Softmax'],
  onnx: { ops: 'Softmax', emit: (e, x, _p, axis) => e.op1('Softmax', [x], { axis }) },
  range: 'probabilities',
};

const softplus: ActivationEntry = {
  name: 'softplus',
  category: 'activation',
  summary: 'Smooth ReLU: ln(1 + eᶻ), always positive.',
  docs:
    'A smooth approximation of `relu` whose output is strictly positive and whose derivative is the sigmoid. Useful on the last layer ' +
    'when a prediction must be positive (a rate, a variance, a count).',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{softplus}(z) = \\ln(1 + e^{z})', unicode: 'softplus(z) = ln(1 + eᶻ)' },
    { label: 'derivative', latex: '\\mathrm{softplus}\'(z) = \\sigma(z) = \\frac{1}{1 + e^{-z}}', unicode: 'softplus′(z) = σ(z) = 1 / (1 + e⁻ᶻ)' },
  ],
  tfjs: "activation: 'softplus'",
  aliases: ['Softplus'],
  onnx: unary('Softplus'),
  range: 'positive',
};

const softsign: ActivationEntry = {
  name: 'softsign',
  category: 'activation',
  summary: 'z / (1 + |z|): like tanh, but approaches ±1 polynomially.',
  docs:
    'A tanh-shaped curve in (−1, 1) whose tails approach ±1 more slowly, so it saturates less abruptly and keeps a (small) gradient ' +
    'for larger inputs. Rarely needed; `tanh` is the usual choice.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{softsign}(z) = \\frac{z}{1 + |z|}', unicode: 'softsign(z) = z / (1 + |z|)' },
    { label: 'derivative', latex: '\\mathrm{softsign}\'(z) = \\frac{1}{(1 + |z|)^2}', unicode: 'softsign′(z) = 1 / (1 + |z|)²' },
  ],
  tfjs: "activation: 'softsign'",
  aliases: ['Softsign'],
  onnx: unary('Softsign'),
  range: 'symmetric',
};

const swish: ActivationEntry = {
  name: 'swish',
  category: 'activation',
  summary: 'Swish / SiLU: z·σ(z), a smooth, non-monotonic ReLU.',
  docs:
    'Multiplies the input by its own sigmoid. Close to `relu` for large |z| but smooth, and slightly negative (down to about −0.28) ' +
    'for small negative inputs. Found by automated search (Ramachandran et al., 2017) and used in EfficientNet; PyTorch calls it SiLU.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{swish}(z) = z\\,\\sigma(z) = \\frac{z}{1 + e^{-z}}', unicode: 'swish(z) = z·σ(z) = z / (1 + e⁻ᶻ)' },
    { label: 'derivative', latex: '\\mathrm{swish}\'(z) = \\sigma(z) + z\\,\\sigma(z)(1 - \\sigma(z))', unicode: 'swish′(z) = σ(z) + z·σ(z)(1 − σ(z))' },
  ],
  tfjs: "activation: 'swish'",
  aliases: ['silu', 'SiLU', 'Swish'],
  onnx: { ops: 'Sigmoid, Mul', emit: (e, x) => e.op1('Mul', [x, e.op1('Sigmoid', [x])]) },
  range: 'real',
};

const mish: ActivationEntry = {
  name: 'mish',
  category: 'activation',
  summary: 'Mish: z·tanh(softplus(z)), a smooth self-gated ReLU.',
  docs:
    'Like `swish`, a smooth non-monotonic curve that is close to the identity for large positive inputs and dips slightly below zero ' +
    '(down to about −0.31) for negative ones (Misra, 2019). Used in YOLOv4.',
  params: [],
  formulas: [
    { label: 'function', latex: '\\mathrm{mish}(z) = z \\tanh(\\ln(1 + e^{z}))', unicode: 'mish(z) = z·tanh(ln(1 + eᶻ))' },
    {
      label: 'derivative',
      latex: '\\mathrm{mish}\'(z) = \\tanh(\\mathrm{sp}(z)) + z\\,\\mathrm{sech}^2(\\mathrm{sp}(z))\\,\\sigma(z),\\quad \\mathrm{sp}(z) = \\ln(1 + e^{z})',
      unicode: 'mish′(z) = tanh(sp(z)) + z·sech²(sp(z))·σ(z),  sp(z) = ln(1 + eᶻ)',
    },
  ],
  tfjs: "activation: 'mish'",
  aliases: ['Mish'],
  onnx: { ops: 'Softplus, Tanh, Mul', emit: (e, x) => e.op1('Mul', [x, e.op1('Tanh', [e.op1('Softplus', [x])])]) },
  range: 'real',
};

export const activations: readonly ActivationEntry[] = [
  linear,
  relu,
  relu6,
  leakyRelu,
  elu,
  selu,
  gelu,
  sigmoid,
  hardSigmoid,
  tanh,
  softmax,
  softplus,
  softsign,
  swish,
  mish,
];
