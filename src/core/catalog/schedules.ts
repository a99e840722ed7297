/**
 * Learning-rate schedules. tfjs has none: the trainer sets the optimizer's learning rate itself,
 * per batch for step-based schedules (t counts optimizer steps, i.e. batches) and per epoch for
 * `reduce_on_plateau`. α₀ is the optimizer's `learning_rate`.
 */
import type { ScheduleEntry } from './types';

const exponentialDecay: ScheduleEntry = {
  name: 'exponential_decay',
  category: 'schedule',
  summary: 'Multiplies the learning rate by `decay_rate` every `decay_steps` steps.',
  docs: 'Large steps early, finer ones later. With `staircase: true` the rate drops in steps instead of continuously.',
  params: [
    { name: 'decay_steps', type: { kind: 'int', min: 1 }, required: true, doc: 'Steps (batches) over which the rate is multiplied by `decay_rate` once.' },
    { name: 'decay_rate', type: { kind: 'float', min: 0, max: 1, exclusiveMin: true }, required: true, doc: 'The factor.' },
    { name: 'staircase', type: { kind: 'bool' }, default: false, doc: 'Decay in whole steps of `decay_steps`.' },
  ],
  formulas: [{ label: 'rate', latex: '\\alpha_t = \\alpha_0 \\cdot r^{t / T}', unicode: 'αₜ = α₀ · r^(t/T)' }],
  tfjs: 'optimizer learning rate set per batch by the trainer',
  aliases: ['ExponentialLR', 'exponential'],
};

const piecewiseConstant: ScheduleEntry = {
  name: 'piecewise_constant',
  category: 'schedule',
  summary: 'Step decay: fixed learning rates between given step boundaries.',
  docs:
    'The rate is `values[0]` until step `boundaries[0]`, then `values[1]` until `boundaries[1]`, and so on; `values` has one more ' +
    'entry than `boundaries`, and `values[0]` replaces the optimizer\'s `learning_rate`. The classic "divide by 10 at epochs 30 and 60" ' +
    'recipe: with 400 batches per epoch, `boundaries: [12000, 24000]`, `values: [0.1, 0.01, 0.001]`.',
  params: [
    { name: 'boundaries', type: { kind: 'ints', minLength: 1, min: 1 }, required: true, doc: 'Increasing step (batch) counts at which the rate changes.' },
    { name: 'values', type: { kind: 'floats' }, required: true, doc: 'The rates: one before the first boundary and one after each (length = boundaries + 1).' },
  ],
  formulas: [
    {
      label: 'rate',
      latex: '\\alpha_t = v_i \\quad \\text{for } b_{i-1} \\le t < b_i,\\ \\ b_0 = 0,\\ b_{k+1} = \\infty',
      unicode: 'αₜ = vᵢ  for bᵢ₋₁ ≤ t < bᵢ  (b₀ = 0, bₖ₊₁ = ∞)',
    },
  ],
  tfjs: 'optimizer learning rate set per batch by the trainer',
  aliases: ['step_decay', 'piecewise', 'MultiStepLR', 'multistep'],
};

const cosineDecay: ScheduleEntry = {
  name: 'cosine_decay',
  category: 'schedule',
  summary: 'Lowers the rate along half a cosine wave from α₀ to α·α₀ over `decay_steps`.',
  docs:
    'Decays slowly at first, fastest in the middle and slowly again at the end, then stays at the floor `alpha`·α₀. A smooth, ' +
    'nearly hyper-parameter-free schedule used by many modern recipes; set `decay_steps` to the total number of training batches ' +
    '(epochs × batches per epoch).',
  params: [
    { name: 'decay_steps', type: { kind: 'int', min: 1 }, required: true, doc: 'Steps (batches) over which the rate falls to its floor.' },
    { name: 'alpha', type: { kind: 'float', min: 0, max: 1 }, default: 0, doc: 'The floor, as a fraction of the initial rate.' },
  ],
  formulas: [
    {
      label: 'rate',
      latex: '\\alpha_t = \\alpha_0 \\left( a + (1 - a)\\,\\frac{1 + \\cos(\\pi \\min(t, T) / T)}{2} \\right)',
      unicode: 'αₜ = α₀·(a + (1 − a)·(1 + cos(π·min(t, T)/T))/2)',
    },
  ],
  tfjs: 'optimizer learning rate set per batch by the trainer',
  aliases: ['cosine', 'cosine_annealing', 'CosineAnnealingLR'],
  primary: 'decay_steps',
};

const reduceOnPlateau: ScheduleEntry = {
  name: 'reduce_on_plateau',
  category: 'schedule',
  summary: 'Multiplies the rate by `factor` when a monitored metric stops improving.',
  docs:
    'Reacts to training instead of following a fixed plan: after `patience` epochs without an improvement of `monitor` larger than ' +
    '`min_delta`, the rate is multiplied by `factor` (not below `min_lr`), then `cooldown` epochs pass before it can drop again. ' +
    'Pairs well with `early_stopping` given a larger patience.',
  params: [
    { name: 'monitor', type: { kind: 'string' }, default: 'val_loss', doc: 'The quantity watched: `loss`, `val_loss`, or a metric name such as `val_accuracy`.' },
    { name: 'factor', type: { kind: 'float', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, default: 0.1, doc: 'Multiplies the rate at each reduction.' },
    { name: 'patience', type: { kind: 'int', min: 0 }, default: 10, doc: 'Epochs without improvement before the rate is reduced.' },
    { name: 'min_delta', type: { kind: 'float', min: 0 }, default: 0.0001, doc: 'Smallest change that counts as an improvement.' },
    { name: 'cooldown', type: { kind: 'int', min: 0 }, default: 0, doc: 'Epochs to wait after a reduction before counting patience again.' },
    { name: 'min_lr', type: { kind: 'float', min: 0 }, default: 0, doc: 'The rate never goes below this.' },
    { name: 'mode', type: { kind: 'enum', values: ['auto', 'min', 'max'] }, default: 'auto', doc: 'Whether improvement means the monitored value falls (`min`) or rises (`max`); `auto` infers it from the name (accuracy-like names rise).' },
  ],
  formulas: [
    {
      label: 'rate',
      latex: '\\alpha \\leftarrow \\max(\\alpha \\cdot f,\\ \\alpha_{min}) \\quad \\text{after } p \\text{ epochs without improvement}',
      unicode: 'α ← max(α·f, α_min)  after p epochs without improvement',
    },
  ],
  tfjs: 'optimizer learning rate set at the end of each epoch by the trainer, watching the monitored value (like Keras ReduceLROnPlateau)',
  aliases: ['ReduceLROnPlateau', 'plateau', 'reduce_lr_on_plateau'],
};

export const schedules: readonly ScheduleEntry[] = [exponentialDecay, piecewiseConstant, cosineDecay, reduceOnPlateau];
