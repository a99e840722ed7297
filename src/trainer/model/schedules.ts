/**
 * Learning-rate schedules as the trainer runs them: per batch for step-based schedules (t counts
 * optimizer steps from 0) and per epoch for `reduce_on_plateau`. The formulas are the catalog's
 * (src/core/catalog/schedules.ts); each follows Keras's or PyTorch's definition to float rounding.
 */
import { defaulted } from '../catalogDefaults';
import type { ItemValue } from '../../core/spec';
import { fail } from '../util';

const num = (p: Record<string, unknown>, k: string) => p[k] as number;


/** A schedule: the rate for optimizer step t (per batch), and/or a reaction to an epoch's metrics. */
export interface Schedule {
  /** The rate for step t (0-based); undefined: leave it. */
  atStep?(t: number, base: number): number;
  /** Called after each epoch with its metrics; returns a new rate or undefined. */
  afterEpoch?(metrics: Record<string, number>, current: number): number | undefined;
  /** State to checkpoint and restore. */
  state?(): unknown;
  restore?(s: unknown): void;
}

type StepRate = (t: number, base: number) => number;

/**
 * A decay preceded by linear warm-up over `warmup_steps` (Keras 3's CosineDecay rule): from the base
 * rate to `warmup_target`, then the decay from `warmup_target` on t − W; without a target, from 0
 * to the base rate, then the decay from the base rate.
 */
function warmedUp(p: Record<string, unknown>, decay: StepRate): Schedule {
  const w = num(p, 'warmup_steps') ?? 0;
  const target = typeof p.warmup_target === 'number' ? p.warmup_target : undefined;
  return {
    atStep: (t, base) => {
      const peak = target ?? base;
      if (t >= w) return decay(t - w, peak);
      const start = target === undefined ? 0 : base;
      return start + ((peak - start) * t) / w;
    },
  };
}

/** Keras CosineDecayRestarts' factor of the initial rate at step t. */
export function cosineRestartsFactor(t: number, first: number, tMul: number, mMul: number, alpha: number): number {
  let fraction = t / first;
  let restart: number;
  if (tMul === 1) {
    restart = Math.floor(fraction);
    fraction -= restart;
  } else {
    restart = Math.floor(Math.log(1 - fraction * (1 - tMul)) / Math.log(tMul));
    const before = (1 - Math.pow(tMul, restart)) / (1 - tMul);
    fraction = (fraction - before) / Math.pow(tMul, restart);
  }
  const cosine = 0.5 * Math.pow(mMul, restart) * (1 + Math.cos(Math.PI * fraction));
  return (1 - alpha) * cosine + alpha;
}

/** PyTorch OneCycleLR's rate at step t (two phases; momentum is not cycled). */
function oneCycleRate(t: number, maxLr: number, p: Record<string, unknown>): number {
  const total = num(p, 'total_steps');
  const initial = maxLr / num(p, 'div_factor');
  const final = initial / num(p, 'final_div_factor');
  const peakStep = num(p, 'pct_start') * total - 1;
  const anneal = p.anneal_strategy === 'linear' ? (a: number, b: number, f: number) => a + (b - a) * f : (a: number, b: number, f: number) => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * f));
  if (t <= peakStep && peakStep > 0) return anneal(initial, maxLr, t / peakStep);
  return anneal(maxLr, final, (Math.min(t, total - 1) - peakStep) / (total - 1 - peakStep));
}

export const SCHEDULES: Record<string, (p: Record<string, unknown>) => Schedule> = defaulted<[], Schedule>('schedule', {
  exponential_decay: (p) =>
    warmedUp(p, (t, base) => {
      const e = t / num(p, 'decay_steps');
      return base * Math.pow(num(p, 'decay_rate'), p.staircase === true ? Math.floor(e) : e);
    }),
  piecewise_constant: (p) => ({
    atStep: (t) => {
      const b = p.boundaries as number[];
      const v = p.values as number[];
      let i = 0;
      while (i < b.length && t >= b[i]) i++;
      return v[Math.min(i, v.length - 1)];
    },
  }),
  cosine_decay: (p) =>
    warmedUp(p, (t, base) => {
      const T = num(p, 'decay_steps');
      const a = num(p, 'alpha');
      return base * (a + (1 - a) * (1 + Math.cos((Math.PI * Math.min(t, T)) / T)) / 2);
    }),
  cosine_decay_restarts: (p) => warmedUp(p, (t, base) => base * cosineRestartsFactor(t, num(p, 'first_decay_steps'), num(p, 't_mul'), num(p, 'm_mul'), num(p, 'alpha'))),
  polynomial_decay: (p) =>
    warmedUp(p, (t, base) => {
      const steps = num(p, 'decay_steps');
      const end = num(p, 'end_learning_rate');
      // Keras: with cycle, T grows to the next multiple of decay_steps (at least one); else t stops at T.
      const T = p.cycle === true ? steps * Math.max(1, Math.ceil(t / steps)) : steps;
      return (base - end) * Math.pow(1 - Math.min(t, T) / T, num(p, 'power')) + end;
    }),
  one_cycle: (p) => ({ atStep: (t, base) => oneCycleRate(t, typeof p.max_lr === 'number' ? p.max_lr : base, p) }),
  reduce_on_plateau: (p) => {
    const monitor = p.monitor as string;
    const mode = (p.mode as string) === 'max' || (p.mode === 'auto' && /acc|auc|precision|recall|f1|r2/.test(monitor)) ? 'max' : 'min';
    const factor = num(p, 'factor');
    const patience = num(p, 'patience');
    const minDelta = num(p, 'min_delta');
    const cooldown = num(p, 'cooldown');
    const minLr = num(p, 'min_lr');
    let best = mode === 'min' ? Infinity : -Infinity;
    let wait = 0;
    let cool = 0;
    return {
      afterEpoch(m, current) {
        const v = m[monitor] ?? (monitor.startsWith('val_') ? m[monitor.slice(4)] : undefined);
        if (v === undefined || !Number.isFinite(v)) return undefined;
        if (cool > 0) {
          cool--;
          wait = 0;
        }
        const better = mode === 'min' ? v < best - minDelta : v > best + minDelta;
        if (better) {
          best = v;
          wait = 0;
          return undefined;
        }
        if (cool > 0) return undefined;
        if (++wait >= patience) {
          wait = 0;
          cool = cooldown;
          const next = Math.max(current * factor, minLr);
          return next < current ? next : undefined;
        }
        return undefined;
      },
      state: () => ({ best, wait, cool }),
      restore(s) {
        const o = s as { best: number; wait: number; cool: number };
        if (o && typeof o === 'object') ({ best, wait, cool } = o);
      },
    };
  },
});

export function scheduleOf(item: ItemValue | undefined): Schedule | undefined {
  if (!item) return undefined;
  const make = SCHEDULES[item.type];
  if (!make) return fail('train/unsupported', `The trainer has no mapping for the learning-rate schedule \`${item.type}\`.`);
  return make(item.params ?? {});
}
