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
};

export const schedules: readonly ScheduleEntry[] = [exponentialDecay];
