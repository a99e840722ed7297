/**
 * How catalog entries map to PyTorch: the vocabulary the layer entries' `torch` mappings are
 * written in (built in torchModules.ts and torchSequence.ts), and the activation, initializer,
 * loss and optimizer mappings. The generator
 * (src/export/pytorch/) turns a mapping into one `nn.Module` line, one forward line and a weight
 * table that converts a tfjs checkpoint (Keras layouts) to a state_dict and back. Pure: no file.
 */
import type { Shape } from '../shape';
import type { DataHost, Params } from './types';

/**
 * Where a value keeps its channels: `last` as Keras declares it (NHWC), `first` moved to axis 1
 * (NCHW, PyTorch's convolution layout). Convolutions ask for `first`, shape-sensitive layers
 * (flatten, dense, reshape, recurrent) for `last`; the generator permutes only where a value's
 * layout differs, so a conv stack has one permute in and one out. Rank-2 values have no layout.
 */
export type TorchLayout = 'last' | 'first';

/** One trained weight: its tfjs name (`kernel`, of sub-layer `sub`) and its state_dict key, and how the layout changes. */
export interface TorchWeight {
  tf: string;
  /** Appended to the layer's tfjs name: `_query` (attention's dense projections), `/forward_<layer>_lstm` (bidirectional). */
  sub?: string;
  /** Key under the layer's module, e.g. `weight`, `1.weight`, `weight_ih_l0`. */
  torch: string;
  /** Axis permutation tfjs → torch (torch axis i is tfjs axis perm[i]). */
  perm?: number[];
  /** Then reshaped to this torch shape (depthwise kernels). */
  shape?: number[];
  /** Only row `row` of the tfjs weight (Keras GRU's [2, 3u] bias: input and recurrent). */
  row?: number;
  /** Gate blocks along torch axis 0, reordered: torch block i is tfjs block gates[i] (GRU z,r,h → r,z,n). */
  gates?: number[];
}

/** A weight PyTorch has and Keras does not: held at zero and frozen (nn.LSTM's second bias). */
export interface TorchFrozenZero {
  torch: string;
}

/** What one spec layer becomes. Python text uses `{m}` for the layer's module (`self.<name>`). */
export interface TorchLayer {
  /** The module constructor, e.g. `nn.Linear(784, 128)`; absent for a forward-only layer (flatten, add). */
  module?: string;
  /** The forward expression, over `x` (one input) or `xs[i]` (several): e.g. `{m}(x)`. */
  forward: string;
  /** Layout of the output (default: the layout the inputs were given in). */
  outLayout?: TorchLayout;
  weights?: TorchWeight[];
  frozenZeros?: TorchFrozenZero[];
  /** Initialisation lines (`keras_init.glorot_uniform_({m}.weight)`), matching the trainer's initializers. */
  init?: string[];
  /**
   * Lines that copy in weights from a file the spec names (`{m}.load_pretrained()`: a pretrained encoder's
   * checkpoint). The model runs them when built, unless built with `checkpoints=False` because a whole
   * checkpoint is loaded next (train.py --init-from), so the file is not read for nothing.
   */
  load?: string[];
  /** Penalties added to the loss: a state_dict key under the module, and a catalog regularizer value. */
  regularize?: { torch: string; value: unknown }[];
}

export interface TorchContext {
  /** The layer's parameters, defaults applied. */
  params: Params;
  /** Shapes from the core's inference (Keras layout, batch axis null). */
  inputShapes: readonly Shape[];
  outputShape: Shape;
  /** The layout the inputs were given in (a mapping with layout `any` finds its feature axis with it). */
  inputLayout: TorchLayout;
  /** The layer's tfjs name, under which its checkpoint weights are saved (bidirectional's sub-layers are named after it). */
  tfName: string;
  /** Refuses the export: the layer (or `param` of it) has no faithful PyTorch equivalent. */
  refuse(message: string, param?: string): never;
  /** An activation parameter as a Python expression over `expr` (feature axis `dim`). */
  activation(value: unknown, expr: string, dim: number): string;
  /**
   * An initializer parameter as a Python statement initialising `target`. `kerasShape`: the weight's
   * shape in Keras where PyTorch's tensor is laid out so its fans differ (depthwise kernels,
   * embedding tables, weights kept in Keras's layout); the fans are then Keras's.
   */
  initializer(value: unknown, target: string, kerasShape?: readonly number[]): string;
  /**
   * Reads the spec's model folders (a `bert` layer's config.json and safetensors header), relative
   * to the spec; absent where the export has no spec folder to read.
   */
  host?: DataHost;
}

/** A layer's PyTorch mapping: the module(s) for the docs table, the input layout it needs, and its emitter. */
export interface TorchLayerMapping {
  modules: string;
  /** Layout the inputs are given in; `any`: as they come (all inputs in the first one's). */
  layout: TorchLayout | 'any';
  emit(c: TorchContext): TorchLayer;
}

/** A parameter value naming a catalog entry (`relu` or `{ type, params }`) as type and params. */
export function refOf(v: unknown): { type: string; params: Params } {
  if (typeof v === 'object' && v !== null && 'type' in v) {
    const o = v as { type: unknown; params?: Params };
    return { type: String(o.type), params: o.params ?? {} };
  }
  return { type: String(v), params: {} };
}

const num = (p: Params, k: string, d: number) => (typeof p[k] === 'number' ? (p[k] as number) : d);
/** A Python float literal. */
export const pyFloat = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

/** Catalog activations as Python expressions over `x` (feature axis `dim`), as the trainer computes them. */
export const TORCH_ACTIVATIONS: Record<string, { module: string; expr(x: string, p: Params, dim: number): string }> = {
  linear: { module: '(identity)', expr: (x) => x },
  relu: { module: 'torch.relu', expr: (x) => `torch.relu(${x})` },
  relu6: { module: 'F.relu6', expr: (x) => `F.relu6(${x})` },
  leaky_relu: { module: 'F.leaky_relu', expr: (x, p) => `F.leaky_relu(${x}, ${pyFloat(num(p, 'alpha', 0.3))})` },
  elu: { module: 'F.elu', expr: (x, p) => `F.elu(${x}, ${pyFloat(num(p, 'alpha', 1))})` },
  selu: { module: 'F.selu', expr: (x) => `F.selu(${x})` },
  gelu: { module: 'F.gelu', expr: (x, p) => (p.approximate === true ? `F.gelu(${x}, approximate="tanh")` : `F.gelu(${x})`) },
  sigmoid: { module: 'torch.sigmoid', expr: (x) => `torch.sigmoid(${x})` },
  // Keras's (and tfjs's) hard sigmoid is clip(0.2x + 0.5), not PyTorch's x/6 + 0.5.
  hard_sigmoid: { module: 'torch.clamp', expr: (x) => `torch.clamp(0.2 * ${x} + 0.5, 0.0, 1.0)` },
  tanh: { module: 'torch.tanh', expr: (x) => `torch.tanh(${x})` },
  softmax: { module: 'torch.softmax', expr: (x, _p, dim) => `torch.softmax(${x}, dim=${dim})` },
  softplus: { module: 'F.softplus', expr: (x) => `F.softplus(${x})` },
  softsign: { module: 'F.softsign', expr: (x) => `F.softsign(${x})` },
  swish: { module: 'F.silu', expr: (x) => `F.silu(${x})` },
  mish: { module: 'F.mish', expr: (x) => `F.mish(${x})` },
};

/** Keras's fans of a weight shape (compute_fans): 2-D (in, out); a kernel's receptive field times its last two axes. */
export function kerasFans(shape: readonly number[]): [number, number] {
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

const fansArg = (fans?: [number, number]) => (fans ? `, fans=(${fans[0]}, ${fans[1]})` : '');

/** Catalog initializers as calls of the package's keras_init module (Keras's formulas; PyTorch's fans unless Keras's are given). */
export const TORCH_INITIALIZERS: Record<string, (target: string, p: Params, fans?: [number, number]) => string> = {
  zeros: (t) => `nn.init.zeros_(${t})`,
  ones: (t) => `nn.init.ones_(${t})`,
  constant: (t, p) => `nn.init.constant_(${t}, ${pyFloat(num(p, 'value', 0))})`,
  random_normal: (t, p) => `nn.init.normal_(${t}, ${pyFloat(num(p, 'mean', 0))}, ${pyFloat(num(p, 'stddev', 0.05))})`,
  random_uniform: (t, p) => `nn.init.uniform_(${t}, ${pyFloat(num(p, 'minval', -0.05))}, ${pyFloat(num(p, 'maxval', 0.05))})`,
  truncated_normal: (t, p) => `keras_init.truncated_normal_(${t}, ${pyFloat(num(p, 'mean', 0))}, ${pyFloat(num(p, 'stddev', 0.05))})`,
  glorot_uniform: (t, _p, fans) => `keras_init.variance_scaling_(${t}, 1.0, "fan_avg", "uniform"${fansArg(fans)})`,
  glorot_normal: (t, _p, fans) => `keras_init.variance_scaling_(${t}, 1.0, "fan_avg", "truncated_normal"${fansArg(fans)})`,
  he_uniform: (t, _p, fans) => `keras_init.variance_scaling_(${t}, 2.0, "fan_in", "uniform"${fansArg(fans)})`,
  he_normal: (t, _p, fans) => `keras_init.variance_scaling_(${t}, 2.0, "fan_in", "truncated_normal"${fansArg(fans)})`,
  lecun_uniform: (t, _p, fans) => `keras_init.variance_scaling_(${t}, 1.0, "fan_in", "uniform"${fansArg(fans)})`,
  lecun_normal: (t, _p, fans) => `keras_init.variance_scaling_(${t}, 1.0, "fan_in", "truncated_normal"${fansArg(fans)})`,
  orthogonal: (t, p) => `keras_init.orthogonal_(${t}, ${pyFloat(num(p, 'gain', 1))})`,
};

/**
 * Catalog losses as the package's `objectives.py` names them: each a function (y_true, y_pred)
 * → per-sample loss with the trainer's formula (src/trainer/model/objectives.ts), ε 1e-7.
 */
export const TORCH_LOSSES: Record<string, (p: Params) => string> = {
  mean_squared_error: () => 'mean_squared_error',
  mean_absolute_error: () => 'mean_absolute_error',
  huber: (p) => `functools.partial(huber, delta=${pyFloat(num(p, 'delta', 1))})`,
  log_cosh: () => 'log_cosh',
  mean_squared_logarithmic_error: () => 'mean_squared_logarithmic_error',
  binary_crossentropy: (p) => `functools.partial(binary_crossentropy, from_logits=${p.from_logits === true ? 'True' : 'False'}, label_smoothing=${pyFloat(num(p, 'label_smoothing', 0))})`,
  categorical_crossentropy: (p) => `functools.partial(categorical_crossentropy, from_logits=${p.from_logits === true ? 'True' : 'False'}, label_smoothing=${pyFloat(num(p, 'label_smoothing', 0))})`,
  sparse_categorical_crossentropy: (p) => `functools.partial(sparse_categorical_crossentropy, from_logits=${p.from_logits === true ? 'True' : 'False'}, label_smoothing=${pyFloat(num(p, 'label_smoothing', 0))})`,
  // The label kind decides whether 0/1 labels become −1/+1 (train.py's CONFIG holds it).
  hinge: () => 'functools.partial(hinge, label_kind=CONFIG["label_kind"])',
  kl_divergence: () => 'kl_divergence',
  poisson: () => 'poisson',
  cosine_similarity: () => 'cosine_similarity',
};

/**
 * Catalog optimizers as `objectives.py` builds them: tfjs's update rules (the trainer's), which
 * differ from torch.optim's defaults in where ε goes (RMSprop, Adagrad, Adamax): those are
 * written out in objectives.py; SGD, Adam and AdamW (ε 1e-7) and Adadelta are torch.optim's own.
 * Gradient clipping (every optimizer's `clipnorm`, `global_clipnorm`, `clipvalue`) is train.py's,
 * applied to the gradients before `step()` (objectives.clip_gradients).
 */
export const TORCH_OPTIMIZERS: Record<string, { module: string; make(p: Params): string }> = {
  sgd: {
    module: 'torch.optim.SGD',
    make: (p) => `torch.optim.SGD(params, lr=${pyFloat(num(p, 'learning_rate', 0.01))}, momentum=${pyFloat(num(p, 'momentum', 0))}, nesterov=${p.nesterov === true ? 'True' : 'False'})`,
  },
  adam: {
    module: 'torch.optim.Adam',
    make: (p) => `torch.optim.Adam(params, lr=${pyFloat(num(p, 'learning_rate', 0.001))}, betas=(${pyFloat(num(p, 'beta_1', 0.9))}, ${pyFloat(num(p, 'beta_2', 0.999))}), eps=${num(p, 'epsilon', 1e-7)})`,
  },
  // torch.optim.AdamW multiplies each weight by 1 − lr·λ before Adam's update, as the trainer's gradient step does.
  adamw: {
    module: 'torch.optim.AdamW',
    make: (p) => `torch.optim.AdamW(params, lr=${pyFloat(num(p, 'learning_rate', 0.001))}, betas=(${pyFloat(num(p, 'beta_1', 0.9))}, ${pyFloat(num(p, 'beta_2', 0.999))}), eps=${num(p, 'epsilon', 1e-7)}, weight_decay=${pyFloat(num(p, 'weight_decay', 0.004))})`,
  },
  adamax: {
    module: 'objectives.TfjsAdamax',
    make: (p) => `TfjsAdamax(params, lr=${pyFloat(num(p, 'learning_rate', 0.002))}, betas=(${pyFloat(num(p, 'beta_1', 0.9))}, ${pyFloat(num(p, 'beta_2', 0.999))}), eps=${num(p, 'epsilon', 1e-7)})`,
  },
  rmsprop: {
    module: 'objectives.TfjsRMSprop',
    make: (p) => `TfjsRMSprop(params, lr=${pyFloat(num(p, 'learning_rate', 0.001))}, rho=${pyFloat(num(p, 'rho', 0.9))}, momentum=${pyFloat(num(p, 'momentum', 0))}, eps=${num(p, 'epsilon', 1e-7)}, centered=${p.centered === true ? 'True' : 'False'})`,
  },
  adagrad: {
    module: 'objectives.TfjsAdagrad',
    make: (p) => `TfjsAdagrad(params, lr=${pyFloat(num(p, 'learning_rate', 0.001))}, initial_accumulator_value=${pyFloat(num(p, 'initial_accumulator_value', 0.1))})`,
  },
  adadelta: {
    module: 'torch.optim.Adadelta',
    make: (p) => `torch.optim.Adadelta(params, lr=${pyFloat(num(p, 'learning_rate', 0.001))}, rho=${pyFloat(num(p, 'rho', 0.95))}, eps=${num(p, 'epsilon', 1e-7)})`,
  },
};
