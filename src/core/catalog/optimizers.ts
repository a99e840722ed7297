/**
 * Optimizers. Every one has `primary: 'learning_rate'`, so `optimizer: { sgd: 0.1 }` sets the
 * rate; defaults are Keras's. `learning_rate` warns (saneMin/saneMax) outside [1e-7, 1].
 * Every optimizer also takes Keras's gradient clipping (`clipnorm`, `global_clipnorm`,
 * `clipvalue`), applied by the trainer to the gradients before the update.
 */
import type { Formula, OptimizerEntry, ParamSpec } from './types';

const learningRate = (def: number): ParamSpec => ({
  name: 'learning_rate',
  type: { kind: 'float', min: 0, exclusiveMin: true, saneMin: 1e-7, saneMax: 1 },
  default: def,
  doc: 'Step size α. Too large diverges, too small crawls.',
});

const epsilon = (def: number): ParamSpec => ({
  name: 'epsilon',
  type: { kind: 'float', min: 0, exclusiveMin: true, saneMax: 1 },
  default: def,
  doc: 'Added to the denominator for numerical stability.',
});

const decayRate = (name: string, def: number, doc: string): ParamSpec => ({
  name,
  type: { kind: 'float', min: 0, max: 1, exclusiveMax: true },
  default: def,
  doc,
});

const clipBound = (name: string, doc: string): ParamSpec => ({ name, type: { kind: 'float', min: 0, exclusiveMin: true }, doc });

/** Keras's gradient clipping, shared by every optimizer (Keras applies it in the same order: clipnorm, else global_clipnorm, else clipvalue). */
const clipping: readonly ParamSpec[] = [
  clipBound('clipnorm', 'Clips each weight\'s gradient to this L2 norm: g ← g·c/max(‖g‖, c). Set one of `clipnorm` and `global_clipnorm`.'),
  clipBound('global_clipnorm', 'Clips all gradients together so their joint L2 norm is at most this (the usual choice for transformers: 1.0).'),
  clipBound('clipvalue', 'Clips every gradient element into [−c, c]. Used when neither norm clip is set (Keras\'s order).'),
];

const clippingFormulas: readonly Formula[] = [
  { label: 'clipnorm', latex: 'g_i \\leftarrow g_i \\cdot \\frac{c}{\\max(\\lVert g_i \\rVert_2,\\ c)}', unicode: 'gᵢ ← gᵢ·c/max(‖gᵢ‖₂, c)' },
  {
    label: 'global_clipnorm',
    latex: 'g_i \\leftarrow g_i \\cdot \\frac{c}{\\max(\\sqrt{\\textstyle\\sum_j \\lVert g_j \\rVert_2^2},\\ c)}',
    unicode: 'gᵢ ← gᵢ·c/max(√(Σⱼ‖gⱼ‖₂²), c)',
  },
  { label: 'clipvalue', latex: 'g \\leftarrow \\min(\\max(g, -c), c)', unicode: 'g ← min(max(g, −c), c)' },
];

const sgd: OptimizerEntry = {
  name: 'sgd',
  category: 'optimizer',
  summary: 'Stochastic gradient descent, with optional (Nesterov) momentum.',
  docs:
    'Moves every weight against its gradient, computed on one mini-batch at a time (`train.batch_size`). Plain SGD is the baseline ' +
    'every other optimizer refines. With `momentum` it accumulates a velocity that keeps it moving through flat regions and damps ' +
    'zig-zagging in narrow valleys; `nesterov: true` evaluates the gradient at the look-ahead point, which usually converges a little ' +
    'faster. Well-tuned SGD with momentum and a decaying rate still often generalises best.',
  params: [
    learningRate(0.01),
    { name: 'momentum', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0, doc: 'Momentum μ: the fraction of the previous velocity kept each step (0.9 is typical; 0 is plain SGD).' },
    { name: 'nesterov', type: { kind: 'bool' }, default: false, doc: 'Use Nesterov momentum (gradient at the look-ahead point θ + μv). Needs momentum > 0.' },
  ],
  formulas: [
    { label: 'gradient descent', latex: '\\theta \\leftarrow \\theta - \\alpha \\nabla_\\theta L(\\theta)', unicode: 'θ ← θ − α∇L(θ)' },
    { label: 'SGD on one sample', latex: '\\theta \\leftarrow \\theta - \\alpha \\nabla_\\theta L_i(\\theta), \\quad i \\sim \\mathcal{U}\\{1,\\dots,N\\}', unicode: 'θ ← θ − α∇Lᵢ(θ),  i drawn at random from 1…N' },
    { label: 'mini-batch', latex: '\\theta \\leftarrow \\theta - \\frac{\\alpha}{|B|} \\sum_{i \\in B} \\nabla_\\theta L_i(\\theta)', unicode: 'θ ← θ − (α/|B|) Σᵢ∈B ∇Lᵢ(θ)' },
    { label: 'momentum', latex: 'v \\leftarrow \\mu v - \\alpha \\nabla_\\theta L(\\theta), \\quad \\theta \\leftarrow \\theta + v', unicode: 'v ← μv − α∇L(θ),  θ ← θ + v' },
    { label: 'Nesterov momentum', latex: 'v \\leftarrow \\mu v - \\alpha \\nabla_\\theta L(\\theta + \\mu v), \\quad \\theta \\leftarrow \\theta + v', unicode: 'v ← μv − α∇L(θ + μv),  θ ← θ + v' },
  ],
  tfjs: 'tf.train.sgd(learningRate) when momentum is 0, else tf.train.momentum(learningRate, momentum, nesterov)',
  aliases: ['SGD', 'gradient_descent', 'momentum'],
  primary: 'learning_rate',
};

const adam: OptimizerEntry = {
  name: 'adam',
  category: 'optimizer',
  summary: 'Adam: adaptive moment estimation with bias correction.',
  docs: 'Keeps running averages of the gradient (first moment) and its square (second moment), corrects their bias toward zero at the start, and scales each parameter\'s step by them. A robust default.',
  params: [
    learningRate(0.001),
    { name: 'beta_1', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0.9, doc: 'Decay rate of the first-moment estimate.' },
    { name: 'beta_2', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0.999, doc: 'Decay rate of the second-moment estimate.' },
    { name: 'epsilon', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 1e-7, doc: 'Added to the denominator for numerical stability.' },
  ],
  formulas: [
    { label: 'moments', latex: 'm_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t, \\quad v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2', unicode: 'mₜ = β₁mₜ₋₁ + (1−β₁)gₜ,  vₜ = β₂vₜ₋₁ + (1−β₂)gₜ²' },
    { label: 'bias correction', latex: '\\hat m_t = \\frac{m_t}{1-\\beta_1^t}, \\quad \\hat v_t = \\frac{v_t}{1-\\beta_2^t}', unicode: 'm̂ₜ = mₜ/(1−β₁ᵗ),  v̂ₜ = vₜ/(1−β₂ᵗ)' },
    { label: 'update', latex: '\\theta_t = \\theta_{t-1} - \\alpha \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}', unicode: 'θₜ = θₜ₋₁ − α·m̂ₜ/(√v̂ₜ + ε)' },
  ],
  tfjs: 'tf.train.adam(learningRate, beta1, beta2, epsilon)',
  aliases: ['Adam'],
  primary: 'learning_rate',
};

const adamw: OptimizerEntry = {
  name: 'adamw',
  category: 'optimizer',
  summary: 'AdamW: Adam with decoupled weight decay, the standard optimizer for fine-tuning.',
  docs:
    'Adam plus weight decay applied directly to the weights (θ ← θ − α·λ·θ at each step, before the Adam update), not added to ' +
    'the loss: with Adam an L2 penalty in the loss is scaled down by the adaptive denominator, so large weights barely decay. ' +
    'Decoupling keeps the decay the same for every weight (Loshchilov & Hutter). This is what `torch.optim.AdamW` and ' +
    '`keras.optimizers.AdamW` do; the default `weight_decay` is Keras\'s 0.004 (PyTorch\'s is 0.01), `epsilon` is 1e-7 like `adam`, ' +
    'added to √v̂ as PyTorch adds it. Like Keras by default, every trainable weight decays, biases and normalisation parameters ' +
    'included. The decay is scaled by the current learning rate, so it follows the schedule.',
  params: [
    learningRate(0.001),
    { name: 'weight_decay', type: { kind: 'float', min: 0, saneMax: 0.5 }, default: 0.004, doc: 'Decay λ: each step multiplies every weight by 1 − α·λ (Keras\'s default 0.004; PyTorch\'s 0.01).' },
    decayRate('beta_1', 0.9, 'Decay rate of the first-moment estimate.'),
    decayRate('beta_2', 0.999, 'Decay rate of the second-moment estimate.'),
    epsilon(1e-7),
  ],
  formulas: [
    { label: 'decoupled weight decay', latex: '\\theta_{t-1}\' = \\theta_{t-1} - \\alpha \\lambda\\, \\theta_{t-1}', unicode: 'θ′ₜ₋₁ = θₜ₋₁ − α·λ·θₜ₋₁' },
    { label: 'moments', latex: 'm_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t, \\quad v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2', unicode: 'mₜ = β₁mₜ₋₁ + (1−β₁)gₜ,  vₜ = β₂vₜ₋₁ + (1−β₂)gₜ²' },
    { label: 'update', latex: '\\theta_t = \\theta_{t-1}\' - \\alpha \\frac{m_t / (1-\\beta_1^t)}{\\sqrt{v_t / (1-\\beta_2^t)} + \\epsilon}', unicode: 'θₜ = θ′ₜ₋₁ − α·(mₜ/(1−β₁ᵗ))/(√(vₜ/(1−β₂ᵗ)) + ε)' },
  ],
  tfjs: 'tf.train.adam(learningRate, beta1, beta2, epsilon), with the trainer multiplying each weight by 1 − α·λ before each update',
  aliases: ['AdamW', 'adam_w'],
  primary: 'learning_rate',
};

const adamax: OptimizerEntry = {
  name: 'adamax',
  category: 'optimizer',
  summary: 'Adamax: Adam with the infinity norm in place of the second moment.',
  docs:
    'A variant from the Adam paper that scales steps by an exponentially weighted maximum of past gradient magnitudes instead of ' +
    'their root mean square. The maximum needs no bias correction and is less sensitive to rare huge gradients; sometimes better ' +
    'than Adam for embeddings and sparse updates.',
  params: [
    learningRate(0.001),
    decayRate('beta_1', 0.9, 'Decay rate of the first-moment estimate.'),
    decayRate('beta_2', 0.999, 'Decay rate of the weighted infinity norm.'),
    epsilon(1e-7),
  ],
  formulas: [
    { label: 'first moment', latex: 'm_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t', unicode: 'mₜ = β₁mₜ₋₁ + (1−β₁)gₜ' },
    { label: 'infinity norm', latex: 'u_t = \\max(\\beta_2 u_{t-1},\\ |g_t|)', unicode: 'uₜ = max(β₂uₜ₋₁, |gₜ|)' },
    { label: 'update', latex: '\\theta_t = \\theta_{t-1} - \\frac{\\alpha}{1-\\beta_1^t} \\cdot \\frac{m_t}{u_t + \\epsilon}', unicode: 'θₜ = θₜ₋₁ − (α/(1−β₁ᵗ))·mₜ/(uₜ + ε)' },
  ],
  tfjs: 'tf.train.adamax(learningRate, beta1, beta2, epsilon)',
  aliases: ['Adamax'],
  primary: 'learning_rate',
};

const rmsprop: OptimizerEntry = {
  name: 'rmsprop',
  category: 'optimizer',
  summary: 'RMSprop: divides each step by a running root-mean-square of recent gradients.',
  docs:
    'Keeps a moving average of squared gradients per weight and divides the gradient by its square root, so weights with ' +
    'consistently large gradients take smaller steps and rarely-updated ones larger. A good choice for recurrent networks. ' +
    '`centered: true` also subtracts the squared mean gradient (normalising by the variance), which can stabilise training at some extra cost.',
  params: [
    learningRate(0.001),
    decayRate('rho', 0.9, 'Decay rate ρ of the moving average of squared gradients.'),
    { name: 'momentum', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, default: 0, doc: 'Momentum μ applied to the scaled steps (0: none).' },
    epsilon(1e-7),
    { name: 'centered', type: { kind: 'bool' }, default: false, doc: 'Normalise by the estimated variance of the gradient instead of its second moment.' },
  ],
  formulas: [
    { label: 'second moment', latex: 's_t = \\rho\\, s_{t-1} + (1-\\rho)\\, g_t^2', unicode: 'sₜ = ρsₜ₋₁ + (1−ρ)gₜ²' },
    { label: 'update', latex: '\\theta_t = \\theta_{t-1} - \\alpha \\frac{g_t}{\\sqrt{s_t + \\epsilon}}', unicode: 'θₜ = θₜ₋₁ − α·gₜ/√(sₜ + ε)' },
    { label: 'with momentum', latex: 'v_t = \\mu v_{t-1} + \\alpha \\frac{g_t}{\\sqrt{s_t + \\epsilon}}, \\quad \\theta_t = \\theta_{t-1} - v_t', unicode: 'vₜ = μvₜ₋₁ + α·gₜ/√(sₜ + ε),  θₜ = θₜ₋₁ − vₜ' },
    {
      label: 'centered',
      latex: '\\bar g_t = \\rho\\, \\bar g_{t-1} + (1-\\rho)\\, g_t, \\quad \\theta_t = \\theta_{t-1} - \\alpha \\frac{g_t}{\\sqrt{s_t - \\bar g_t^2 + \\epsilon}}',
      unicode: 'ḡₜ = ρḡₜ₋₁ + (1−ρ)gₜ,  θₜ = θₜ₋₁ − α·gₜ/√(sₜ − ḡₜ² + ε)',
    },
  ],
  tfjs: 'tf.train.rmsprop(learningRate, rho, momentum, epsilon, centered) (tfjs calls rho "decay")',
  aliases: ['RMSprop', 'rms_prop', 'RMSProp'],
  primary: 'learning_rate',
};

const adagrad: OptimizerEntry = {
  name: 'adagrad',
  category: 'optimizer',
  summary: 'Adagrad: per-weight rates that shrink with the sum of all past squared gradients.',
  docs:
    'Divides each step by the root of the accumulated squared gradients of that weight, so frequently updated weights slow down and ' +
    'rare ones (sparse features, embeddings of rare words) keep learning. Because the sum only grows, the effective rate eventually ' +
    'becomes tiny and learning stalls; `rmsprop` and `adadelta` replace the sum with a moving average to avoid that.',
  params: [
    learningRate(0.001),
    { name: 'initial_accumulator_value', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 0.1, doc: 'Starting value of every accumulator G₀; keeps the first steps bounded.' },
  ],
  formulas: [
    { label: 'accumulator', latex: 'G_t = G_{t-1} + g_t^2', unicode: 'Gₜ = Gₜ₋₁ + gₜ²' },
    { label: 'update', latex: '\\theta_t = \\theta_{t-1} - \\alpha \\frac{g_t}{\\sqrt{G_t + \\epsilon}}', unicode: 'θₜ = θₜ₋₁ − α·gₜ/√(Gₜ + ε)' },
  ],
  tfjs: 'tf.train.adagrad(learningRate, initialAccumulatorValue)',
  aliases: ['Adagrad', 'ada_grad'],
  primary: 'learning_rate',
};

const adadelta: OptimizerEntry = {
  name: 'adadelta',
  category: 'optimizer',
  summary: 'Adadelta: Adagrad with moving averages, with steps in the units of the weights.',
  docs:
    'Replaces Adagrad\'s ever-growing sum with a moving average of squared gradients, and scales the step by a moving average of ' +
    'past squared updates, so the update has the same units as the weights. The original algorithm needs no learning rate; it is ' +
    '`learning_rate: 1.0` here. The Keras default 0.001 learns very slowly: raise it if training barely moves.',
  params: [
    learningRate(0.001),
    decayRate('rho', 0.95, 'Decay rate ρ of both moving averages.'),
    epsilon(1e-7),
  ],
  formulas: [
    { label: 'gradient average', latex: 'E[g^2]_t = \\rho E[g^2]_{t-1} + (1-\\rho) g_t^2', unicode: 'E[g²]ₜ = ρE[g²]ₜ₋₁ + (1−ρ)gₜ²' },
    {
      label: 'step',
      latex: '\\Delta\\theta_t = -\\frac{\\sqrt{E[\\Delta\\theta^2]_{t-1} + \\epsilon}}{\\sqrt{E[g^2]_t + \\epsilon}}\\, g_t',
      unicode: 'Δθₜ = −(√(E[Δθ²]ₜ₋₁ + ε) / √(E[g²]ₜ + ε))·gₜ',
    },
    { label: 'update', latex: 'E[\\Delta\\theta^2]_t = \\rho E[\\Delta\\theta^2]_{t-1} + (1-\\rho)\\Delta\\theta_t^2, \\quad \\theta_t = \\theta_{t-1} + \\alpha \\Delta\\theta_t', unicode: 'E[Δθ²]ₜ = ρE[Δθ²]ₜ₋₁ + (1−ρ)Δθₜ²,  θₜ = θₜ₋₁ + αΔθₜ' },
  ],
  tfjs: 'tf.train.adadelta(learningRate, rho, epsilon)',
  aliases: ['Adadelta', 'ada_delta'],
  primary: 'learning_rate',
};

/** Every optimizer with the shared clipping parameters and their formulas appended. */
const withClipping = (e: OptimizerEntry): OptimizerEntry => ({ ...e, params: [...e.params, ...clipping], formulas: [...e.formulas, ...clippingFormulas] });

export const optimizers: readonly OptimizerEntry[] = [sgd, adam, adamw, adamax, rmsprop, adagrad, adadelta].map(withClipping);
