/**
 * `modelyaml search`'s engine: a study journalled in `.modelyaml/searches/<name>/<time>/`, up to
 * `parallel` trials at once (each its own trainer process, see ./trial.ts), the sampler asked for
 * each new trial with an rng seeded by the search's seed and the trial's number, and a resume
 * that runs again exactly the trials a kill or Ctrl-C left running (same numbers, same values)
 * before sampling new ones. At the end, `best.model.yaml`: the spec with the best trial's values.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainerEvent } from '../../core/protocol/trainer';
import { applyTrialParams } from '../../core/search/apply';
import { bestTrial, JOURNAL_VERSION, type JournalEvent, type Study } from '../../core/search/journal';
import { createPruner, createRng, createSampler } from '../../core/search';
import type { SearchSettings, TrialRecord } from '../../core/search/types';
import { sha256 } from '../files';
import { BEST_SPEC_FILE, createSearchDir, JournalError, JournalWriter, readJournal } from './journal';
import { startTrial, type RunningTrial, type TrialTrainerOptions } from './trial';

export interface SearchOptions {
  /** The spec (its folder resolves the data paths). */
  specPath: string;
  /** The spec's text as read (the journal keeps its hash; a resume refuses a changed spec). */
  specText: string;
  /** The spec's name: the searches' and the runs' folder name. */
  name: string;
  /** The section as read, with the command line's `--trials`/`--parallel` applied. */
  settings: SearchSettings;
  workspace: string;
  /** A search folder to carry on. */
  resumeDir?: string;
  trainer?: TrialTrainerOptions;
  /** Each journal line as it is written (progress output). */
  onJournal?(e: JournalEvent): void;
  onTrainerEvent?(trial: number, e: TrainerEvent): void;
}

export interface SearchResult {
  dir: string;
  study: Study;
  best?: TrialRecord;
  /** `best.model.yaml`, when a trial completed. */
  bestSpec?: string;
  interrupted: boolean;
}

export interface SearchHandle {
  /** The search folder (known before any trial starts). */
  readonly dir: string;
  /** Ctrl-C: start no more trials, cancel the running ones; the journal says interrupted. */
  interrupt(): void;
  readonly done: Promise<SearchResult>;
}

/** The journal to append to and the study so far: a new one, or the resumed one checked against the spec. */
function openStudy(o: SearchOptions, specHash: string): { writer: JournalWriter; study: Study } {
  if (o.resumeDir) {
    const dir = resolve(o.resumeDir);
    const { study } = readJournal(dir);
    if (study.specHash !== specHash) {
      throw new JournalError(`${o.specPath} changed since the search in ${dir} started: resuming would mix two specs. Start a new search, or restore the spec as it was.`);
    }
    if (resolve(study.spec) !== resolve(o.specPath)) throw new JournalError(`the search in ${dir} is of ${study.spec}, not ${o.specPath}.`);
    return { writer: new JournalWriter(dir), study: { ...study, settings: { ...study.settings, trials: o.settings.trials, parallel: o.settings.parallel } } };
  }
  const writer = new JournalWriter(createSearchDir(o.workspace, o.name));
  const study: Study = { name: o.name, spec: resolve(o.specPath), specHash, settings: o.settings, trials: [], interrupted: false, finished: false };
  writer.append({ type: 'study', time: Date.now(), version: JOURNAL_VERSION, name: o.name, spec: study.spec, specHash, settings: o.settings });
  return { writer, study };
}

/** Starts (or resumes) a search; throws JournalError when a resume cannot be. */
export function startSearch(o: SearchOptions): SearchHandle {
  const specHash = sha256(o.specText);
  const { writer, study } = openStudy(o, specHash);
  const { settings } = study;
  const journal = (e: JournalEvent) => {
    writer.append(e);
    o.onJournal?.(e);
  };
  const trials = study.trials.slice();
  // Trials a kill or Ctrl-C left running: run again first, with their numbers and values.
  const rerun = trials.filter((t) => t.state === 'running').map((t) => t.number);
  if (o.resumeDir) journal({ type: 'resumed', time: Date.now(), rerun, trials: settings.trials, parallel: settings.parallel });

  const sampler = createSampler(settings);
  const pruner = createPruner(settings);
  const trialContext = (number: number) => ({
    specPath: resolve(o.specPath), specText: applyTrialParams(o.specText, trials[number].params), settings, dir: writer.dir, name: study.name,
    workspace: o.workspace, trainer: o.trainer ?? {}, pruner, trials, journal, onTrainerEvent: o.onTrainerEvent,
  });

  /** The next trial's number (journalled as started), or undefined when the budget or the space is spent. */
  const nextTrial = (): number | undefined => {
    const again = rerun.shift();
    if (again !== undefined) {
      trials[again] = { number: again, params: trials[again].params, state: 'running', intermediate: [] };
      journal({ type: 'trial', time: Date.now(), number: again, params: trials[again].params });
      return again;
    }
    const number = trials.length;
    if (number >= settings.trials) return undefined;
    const params = sampler.sample({ settings, history: trials, trialNumber: number, rng: createRng(settings.seed, number) });
    if (!params) return undefined;
    trials[number] = { number, params, state: 'running', intermediate: [] };
    journal({ type: 'trial', time: Date.now(), number, params });
    return number;
  };

  /** The trials under way: when each has ended (and is journalled), and how to stop it. */
  const running = new Map<number, Pick<RunningTrial, 'done' | 'interrupt'>>();
  let stopping = false;
  const run = async (): Promise<SearchResult> => {
    for (;;) {
      while (!stopping && running.size < settings.parallel) {
        const number = nextTrial();
        if (number === undefined) break;
        running.set(number, launch(number));
      }
      if (!running.size) break;
      await Promise.race([...running.values()].map((r) => r.done));
    }
    return finish();
  };

  const launch = (number: number): Pick<RunningTrial, 'done' | 'interrupt'> => {
    try {
      const t = startTrial(trialContext(number), number);
      return { done: t.done.then(() => void running.delete(number)), interrupt: t.interrupt };
    } catch (e) {
      // The trial's spec could not be written or its trainer not started: the search goes on.
      const reason = (e as Error)?.message ?? String(e);
      trials[number] = { ...trials[number], state: 'failed', reason };
      journal({ type: 'failed', time: Date.now(), number, reason });
      return { done: Promise.resolve().then(() => void running.delete(number)), interrupt: () => undefined };
    }
  };

  const finish = (): SearchResult => {
    const result: Study = { ...study, trials: trials.slice(), interrupted: stopping };
    const best = bestTrial(result);
    if (stopping) {
      journal({ type: 'interrupted', time: Date.now(), running: trials.filter((t) => t.state === 'running').map((t) => t.number) });
      return { dir: writer.dir, study: result, best, interrupted: true };
    }
    let bestSpec: string | undefined;
    if (best) {
      bestSpec = join(writer.dir, BEST_SPEC_FILE);
      writeFileSync(bestSpec, applyTrialParams(o.specText, best.params));
    }
    journal({ type: 'finished', time: Date.now(), ...(best ? { best: best.number } : {}) });
    return { dir: writer.dir, study: { ...result, finished: true }, best, bestSpec, interrupted: false };
  };

  return {
    dir: writer.dir,
    interrupt() {
      if (stopping) return;
      stopping = true;
      for (const r of running.values()) r.interrupt();
    },
    done: run(),
  };
}
