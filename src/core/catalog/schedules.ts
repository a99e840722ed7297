/**
 * Learning-rate schedules. tfjs has none: the trainer sets the optimizer's learning rate itself,
 * per batch for step-based schedules (t counts optimizer steps, i.e. batches) and per epoch for
 * `reduce_on_plateau`. α₀ is the optimizer's `learning_rate`.
 */
import type { Formula, ParamSpec, ScheduleEntry } from './types';

/**
 * Linear warm-up, shared by the step-based decays (not `piecewise_constant`, whose values are
 * absolute, nor `one_cycle`, which warms up itself). Keras 3's CosineDecay spelling: with
 * `warmup_target` the rate climbs from α₀ to it, then decays from it; without, it climbs from 0 to α₀
 * (Hugging Face's get_*_schedule_with_warmup). The decay then runs on t − W.
 */
const warmup: readonly ParamSpec[] = [
  { name: 'warmup_steps', type: { kind: 'int', min: 0 }, default: 0, doc: 'Steps (batches) of linear warm-up before the decay starts (0: none). The decay\'s own step count starts after them.' },
  {
    name: 'warmup_target',
    type: { kind: 'float', min: 0, exclusiveMin: true, saneMax: 1 },
    doc: 'The rate the warm-up climbs to from the optimizer\'s `learning_rate`, and the decay starts from (Keras). Omitted: the warm-up climbs from 0 to `learning_rate`.',
  },
];

const warmupFormula: Formula = {
  label: 'warm-up (t < W)',
  latex: '\\alpha_t = \\alpha_s + (\\alpha_p - \\alpha_s)\\,\\frac{t}{W}, \\quad \\text{then } \\alpha_t = \\mathrm{decay}(t - W) \\text{ from } \\alpha_p',
  unicode: 'αₜ = αₛ + (αₚ − αₛ)·t/W, then αₜ = decay(t − W) starting from αₚ  (αₛ = α₀, αₚ = warmup_target; without it αₛ = 0, αₚ = α₀)',
};

const withWarmup = (e: ScheduleEntry): ScheduleEntry => ({ ...e, params: [...e.params, ...warmup], formulas: [...e.formulas, warmupFormula] });

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
  aliases: ['cosine', 'cosine_annealing', 'CosineAnnealingLR', 'CosineDecay'],
  primary: 'decay_steps',
};

const cosineDecayRestarts: ScheduleEntry = {
  name: 'cosine_decay_restarts',
  category: 'schedule',
  summary: 'Cosine decay that restarts at α₀ (SGDR), each period `t_mul` times longer and peak `m_mul` times lower.',
  docs:
    'Follows a cosine from the peak down to `alpha`·peak over `first_decay_steps`, then jumps back up and starts again (warm ' +
    'restarts, Loshchilov & Hutter). Each period lasts `t_mul` times the previous one and starts `m_mul` times lower. Keras\'s ' +
    'CosineDecayRestarts; with `m_mul: 1` and a whole `t_mul` it is PyTorch\'s CosineAnnealingWarmRestarts (T_0, T_mult, ' +
    'eta_min = alpha·α₀) stepped per batch.',
  params: [
    { name: 'first_decay_steps', type: { kind: 'int', min: 1 }, required: true, doc: 'Steps (batches) in the first period.' },
    { name: 't_mul', type: { kind: 'float', min: 1 }, default: 2, doc: 'Each period is this many times longer than the one before.' },
    { name: 'm_mul', type: { kind: 'float', min: 0, max: 1, exclusiveMin: true }, default: 1, doc: 'Each period starts this many times lower than the one before.' },
    { name: 'alpha', type: { kind: 'float', min: 0, max: 1 }, default: 0, doc: 'The floor, as a fraction of the initial rate.' },
  ],
  formulas: [
    {
      label: 'period i and position f ∈ [0, 1)',
      latex: 'i = \\left\\lfloor \\log_{m_t}\\!\\left(1 - \\tfrac{t}{T_0}(1 - m_t)\\right) \\right\\rfloor, \\quad f = \\frac{t/T_0 - (1 - m_t^{\\,i})/(1 - m_t)}{m_t^{\\,i}}',
      unicode: 'i = ⌊log_{tₘ}(1 − (t/T₀)(1 − tₘ))⌋,  f = (t/T₀ − (1 − tₘⁱ)/(1 − tₘ))/tₘⁱ   (tₘ = 1: i = ⌊t/T₀⌋, f = t/T₀ − i)',
    },
    { label: 'rate', latex: '\\alpha_t = \\alpha_0 \\left( a + (1 - a)\\, m^{i}\\, \\frac{1 + \\cos(\\pi f)}{2} \\right)', unicode: 'αₜ = α₀·(a + (1 − a)·mⁱ·(1 + cos(πf))/2)' },
  ],
  tfjs: 'optimizer learning rate set per batch by the trainer',
  aliases: ['CosineDecayRestarts', 'CosineAnnealingWarmRestarts', 'sgdr', 'cosine_restarts', 'cosine_with_restarts'],
  primary: 'first_decay_steps',
};

const polynomialDecay: ScheduleEntry = {
  name: 'polynomial_decay',
  category: 'schedule',
  summary: 'Linear decay (power 1, the default) or polynomial decay from α₀ to `end_learning_rate` over `decay_steps`.',
  docs:
    'Lowers the rate from α₀ to `end_learning_rate` along (1 − t/T)^power and then holds it; with the default `power: 1` it is ' +
    'a straight line, the decay of BERT\'s and Hugging Face\'s fine-tuning recipes (there usually with `warmup_steps` and ' +
    '`end_learning_rate` near 0). Keras\'s PolynomialDecay; `cycle: true` stretches T to the next multiple of `decay_steps` ' +
    'instead of holding.',
  params: [
    { name: 'decay_steps', type: { kind: 'int', min: 1 }, required: true, doc: 'Steps (batches) over which the rate falls to `end_learning_rate`.' },
    { name: 'end_learning_rate', type: { kind: 'float', min: 0 }, default: 0.0001, doc: 'The rate at the end (Keras\'s default 0.0001).' },
    { name: 'power', type: { kind: 'float', min: 0, exclusiveMin: true }, default: 1, doc: 'The exponent: 1 is linear, 2 quadratic, 0.5 square-root.' },
    { name: 'cycle', type: { kind: 'bool' }, default: false, doc: 'Past `decay_steps`, decay again over the next multiple of it instead of holding.' },
  ],
  formulas: [
    {
      label: 'rate',
      latex: '\\alpha_t = (\\alpha_0 - \\alpha_e) \\left(1 - \\frac{\\min(t, T)}{T}\\right)^{p} + \\alpha_e',
      unicode: 'αₜ = (α₀ − αₑ)·(1 − min(t, T)/T)^p + αₑ',
    },
    { label: 'cycle', latex: 'T \\leftarrow T \\cdot \\max\\!\\left(1, \\left\\lceil t / T \\right\\rceil\\right)', unicode: 'T ← T·max(1, ⌈t/T⌉)' },
  ],
  tfjs: 'optimizer learning rate set per batch by the trainer',
  aliases: ['PolynomialDecay', 'linear_decay', 'linear', 'LinearLR', 'PolynomialLR'],
  primary: 'decay_steps',
};

const oneCycle: ScheduleEntry = {
  name: 'one_cycle',
  category: 'schedule',
  summary: 'One-cycle: up from max_lr/div_factor to max_lr, then down far below the start (PyTorch OneCycleLR).',
  docs:
    'Leslie Smith\'s one-cycle policy as PyTorch\'s OneCycleLR computes it: for the first `pct_start` of `total_steps` the rate ' +
    'climbs from `max_lr`/`div_factor` to `max_lr`, then anneals to `max_lr`/(`div_factor`·`final_div_factor`) by the last step. ' +
    'Trains fast and tolerates high peak rates. `max_lr` defaults to the optimizer\'s `learning_rate`; set `total_steps` to ' +
    'epochs × batches per epoch. Unlike PyTorch\'s default, the momentum is not cycled.',
  params: [
    { name: 'total_steps', type: { kind: 'int', min: 2 }, required: true, doc: 'Steps (batches) in the cycle: epochs × batches per epoch.' },
    { name: 'max_lr', type: { kind: 'float', min: 0, exclusiveMin: true, saneMax: 10 }, doc: 'The peak rate. Omitted: the optimizer\'s `learning_rate`.' },
    { name: 'pct_start', type: { kind: 'float', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, default: 0.3, doc: 'The fraction of the cycle spent climbing.' },
    { name: 'anneal_strategy', type: { kind: 'enum', values: ['cos', 'linear'] }, default: 'cos', doc: 'The curve of both phases.' },
    { name: 'div_factor', type: { kind: 'float', min: 1 }, default: 25, doc: 'The starting rate is `max_lr` / this.' },
    { name: 'final_div_factor', type: { kind: 'float', min: 1 }, default: 10000, doc: 'The final rate is the starting rate / this.' },
  ],
  formulas: [
    { label: 'phases', latex: 's = p \\cdot N - 1, \\quad \\alpha_{start} = \\frac{\\alpha_{max}}{d}, \\quad \\alpha_{end} = \\frac{\\alpha_{start}}{d_f}', unicode: 's = p·N − 1,  α_start = α_max/d,  α_end = α_start/d_f' },
    {
      label: 'rate',
      latex: '\\alpha_t = \\begin{cases} \\mathrm{anneal}(\\alpha_{start}, \\alpha_{max}, t/s) & t \\le s \\\\ \\mathrm{anneal}(\\alpha_{max}, \\alpha_{end}, (t - s)/(N - 1 - s)) & t > s \\end{cases}',
      unicode: 'αₜ = anneal(α_start, α_max, t/s) for t ≤ s, else anneal(α_max, α_end, (t − s)/(N − 1 − s))',
    },
    { label: 'cos anneal', latex: '\\mathrm{anneal}(a, b, f) = b + \\frac{a - b}{2}\\left(1 + \\cos(\\pi f)\\right)', unicode: 'anneal(a, b, f) = b + (a − b)(1 + cos πf)/2  (linear: a + (b − a)f)' },
  ],
  tfjs: 'optimizer learning rate set per batch by the trainer',
  aliases: ['OneCycleLR', 'onecycle', '1cycle', 'one_cycle_lr'],
  primary: 'total_steps',
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

export const schedules: readonly ScheduleEntry[] = [
  withWarmup(exponentialDecay),
  piecewiseConstant,
  withWarmup(cosineDecay),
  withWarmup(cosineDecayRestarts),
  withWarmup(polynomialDecay),
  oneCycle,
  reduceOnPlateau,
];
