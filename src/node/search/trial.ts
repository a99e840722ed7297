/**
 * One search trial: an ordinary training run of the spec with the trial's values written in, in
 * its own trainer process (the same client `modelyaml train` uses), tagged in run.json with the
 * search. After each epoch the pruner is asked; a pruned trial is cancelled like a Ctrl-C'd run.
 * Every step is journalled before the next.
 */
import { relative } from 'node:path';
import type { TrainerEvent } from '../../core/protocol/trainer';
import type { JournalEvent } from '../../core/search/journal';
import type { Pruner, SearchSettings, TrialRecord } from '../../core/search/types';
import { startTraining, type StartOptions, type TrainingHandle, type TrainingResult } from '../trainerClient';

/** Trainer options every trial gets (the CLI's and the tests' choice of bundle, backend…). */
export type TrialTrainerOptions = Omit<StartOptions, 'specText' | 'search' | 'resume' | 'workspace'>;

export interface TrialContext {
  specPath: string;
  /** The trial's spec text (the original with the trial's values written in). */
  specText: string;
  settings: SearchSettings;
  /** The search folder (which holds the journal) and the search's name. */
  dir: string;
  name: string;
  workspace: string;
  trainer: TrialTrainerOptions;
  pruner: Pruner;
  /** Every trial so far, by number, this one included (updated in place). */
  trials: TrialRecord[];
  journal(e: JournalEvent): void;
  /** Each trainer event of the trial (progress output). */
  onTrainerEvent?(number: number, e: TrainerEvent): void;
}

export interface RunningTrial {
  readonly handle: TrainingHandle;
  /** Resolves once the trial's trainer has exited and its end is journalled (unless interrupted). */
  readonly done: Promise<void>;
  /** Ctrl-C: cancel without journalling an end, so a resume runs the trial again. */
  interrupt(): void;
}

const now = () => Date.now();

/** A metric's value from an epoch's metrics: a number, or null when missing or not finite. */
const valueOf = (metrics: Record<string, number | null>, metric: string): number | null => {
  const v = metrics[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

export function startTrial(ctx: TrialContext, number: number): RunningTrial {
  const { settings } = ctx;
  const trial = () => ctx.trials[number];
  const update = (t: Partial<TrialRecord>) => (ctx.trials[number] = { ...trial(), ...t });
  let interrupted = false;
  let failure: string | undefined;
  let announced = false;

  const onEpoch = (e: Extract<TrainerEvent, { type: 'epoch' }>) => {
    if (trial().state !== 'running' || interrupted) return; // pruned already: the epoch a cancel did not stop
    const value = valueOf(e.metrics, settings.metric);
    if (value === null && !(settings.metric in e.metrics)) {
      failure = `${settings.metric} is not among the metrics this run logs (${Object.keys(e.metrics).join(', ')})`;
      handle.cancel();
      return;
    }
    update({ intermediate: [...trial().intermediate.slice(0, e.epoch - 1), value ?? NaN] });
    ctx.journal({ type: 'epoch', time: now(), number, epoch: e.epoch, value });
    if (e.epoch >= e.epochs) return; // the last epoch: nothing left to save
    const decision = ctx.pruner.shouldPrune(trial(), ctx.trials, settings);
    if (!decision.prune) return;
    const reason = decision.reason ?? `pruned after epoch ${e.epoch}`;
    update({ state: 'pruned', reason });
    ctx.journal({ type: 'pruned', time: now(), number, epoch: e.epoch, reason });
    handle.cancel();
  };

  const onEvent = (e: TrainerEvent) => {
    if (!announced && 'runDir' in e && typeof e.runDir === 'string') {
      announced = true;
      const runDir = relative(ctx.dir, e.runDir);
      update({ runDir });
      ctx.journal({ type: 'run', time: now(), number, runDir });
    }
    if (e.type === 'epoch') onEpoch(e);
    if (e.type === 'error') failure ??= `${e.message}${e.diagnostics?.length ? ` (${e.diagnostics[0]})` : ''}`;
    ctx.onTrainerEvent?.(number, e);
  };

  const handle = startTraining(ctx.specPath, {
    ...ctx.trainer,
    workspace: ctx.workspace,
    specText: ctx.specText,
    search: { name: ctx.name, dir: ctx.dir, trial: number, params: trial().params },
    // Parallel trials share the cores: one thread each.
    ...(settings.parallel > 1 ? { maxThreads: 1 } : {}),
  }, onEvent);

  const done = handle.done.then(
    async (result) => {
      // Ctrl-C in a terminal reaches the trainers too: one may end cancelled before the search
      // hears the signal. A turn of the event loop lets the interrupt land, so the trial is
      // left to run again on resume instead of being marked failed.
      if (result.status === 'cancelled' && trial().state === 'running' && !failure) await new Promise((r) => setImmediate(r));
      if (!interrupted) journalEnd(ctx, number, result, failure);
    },
    (e: unknown) => {
      if (!interrupted) journalEnd(ctx, number, undefined, `the trainer client failed: ${(e as Error)?.message ?? e}`);
    },
  );
  return {
    handle,
    done,
    interrupt() {
      interrupted = true;
      handle.cancel();
    },
  };
}

/** How a trial that was not interrupted ended: complete with its value, or failed with why. */
function journalEnd(ctx: TrialContext, number: number, result: TrainingResult | undefined, failure: string | undefined): void {
  const t = ctx.trials[number];
  if (t.state === 'pruned') return; // journalled when decided
  const { metric } = ctx.settings;
  const last = t.intermediate[t.intermediate.length - 1];
  const final = result?.done?.final ? valueOf(result.done.final, metric) : null;
  const value = final ?? (last !== undefined && Number.isFinite(last) ? last : null);
  if (result?.status === 'completed' && value !== null && !failure) {
    const epochs = result.done?.epochs ?? t.intermediate.length;
    ctx.trials[number] = { ...t, state: 'complete', value };
    ctx.journal({ type: 'complete', time: now(), number, value, epochs });
    return;
  }
  const reason =
    failure ??
    result?.error?.message ??
    (result?.status === 'completed' ? `the run ended without a finite ${metric}` : result?.done?.reason ?? `the trainer ended (${result?.signal ?? `exit ${result?.exitCode}`})`);
  ctx.trials[number] = { ...t, state: 'failed', reason };
  ctx.journal({ type: 'failed', time: now(), number, reason });
}
