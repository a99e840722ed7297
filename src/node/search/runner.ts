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
import type { Pruner, Sampler, SearchSettings, TrialRecord } from '../../core/search/types';
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
  const search = new Search(o);
  return { dir: search.dir, interrupt: () => search.interrupt(), done: search.run() };
}

/** The trials under way: when each has ended (and is journalled), and how to stop it. */
type Active = Pick<RunningTrial, 'done' | 'interrupt'>;

class Search {
  readonly dir: string;
  private readonly writer: JournalWriter;
  private readonly study: Study;
  private readonly settings: SearchSettings;
  /** Every trial, by number, as it is now. */
  private readonly trials: TrialRecord[];
  /** Trials a kill or Ctrl-C left running: run again first, with their numbers and values. */
  private readonly rerun: number[];
  private readonly sampler: Sampler;
  private readonly pruner: Pruner;
  private readonly running = new Map<number, Active>();
  private stopping = false;

  constructor(private readonly o: SearchOptions) {
    ({ writer: this.writer, study: this.study } = openStudy(o, sha256(o.specText)));
    this.dir = this.writer.dir;
    this.settings = this.study.settings;
    this.trials = this.study.trials.slice();
    this.rerun = this.trials.filter((t) => t.state === 'running').map((t) => t.number);
    this.sampler = createSampler(this.settings);
    this.pruner = createPruner(this.settings);
    if (o.resumeDir) this.journal({ type: 'resumed', time: Date.now(), rerun: this.rerun.slice(), trials: this.settings.trials, parallel: this.settings.parallel });
  }

  private journal = (e: JournalEvent): void => {
    this.writer.append(e);
    this.o.onJournal?.(e);
  };

  /** Up to `parallel` trials at a time until the budget or the space is spent, or Ctrl-C. */
  async run(): Promise<SearchResult> {
    for (;;) {
      while (!this.stopping && this.running.size < this.settings.parallel) {
        const number = this.nextTrial();
        if (number === undefined) break;
        this.running.set(number, this.launch(number));
      }
      if (!this.running.size) break;
      await Promise.race([...this.running.values()].map((r) => r.done));
    }
    return this.finish();
  }

  interrupt(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const r of this.running.values()) r.interrupt();
  }

  /** The next trial's number (journalled as started), or undefined when the budget or the space is spent. */
  private nextTrial(): number | undefined {
    const { trials, settings } = this;
    const again = this.rerun.shift();
    const number = again ?? trials.length;
    if (again === undefined && number >= settings.trials) return undefined;
    const params = again !== undefined ? trials[again].params : this.sampler.sample({ settings, history: trials, trialNumber: number, rng: createRng(settings.seed, number) });
    if (!params) return undefined;
    trials[number] = { number, params, state: 'running', intermediate: [] };
    this.journal({ type: 'trial', time: Date.now(), number, params });
    return number;
  }

  private launch(number: number): Active {
    const { o, trials } = this;
    try {
      const t = startTrial({
        specPath: resolve(o.specPath), specText: applyTrialParams(o.specText, trials[number].params), settings: this.settings, dir: this.dir, name: this.study.name,
        workspace: o.workspace, trainer: o.trainer ?? {}, pruner: this.pruner, trials, journal: this.journal, onTrainerEvent: o.onTrainerEvent,
      }, number);
      return { done: t.done.then(() => void this.running.delete(number)), interrupt: t.interrupt };
    } catch (e) {
      // The trial's spec could not be written or its trainer not started: the search goes on.
      const reason = (e as Error)?.message ?? String(e);
      trials[number] = { ...trials[number], state: 'failed', reason };
      this.journal({ type: 'failed', time: Date.now(), number, reason });
      return { done: Promise.resolve().then(() => void this.running.delete(number)), interrupt: () => undefined };
    }
  }

  /** Journals how the search ended; writes best.model.yaml unless interrupted. */
  private finish(): SearchResult {
    const { trials, dir } = this;
    const study: Study = { ...this.study, trials: trials.slice(), interrupted: this.stopping };
    const best = bestTrial(study);
    if (this.stopping) {
      this.journal({ type: 'interrupted', time: Date.now(), running: trials.filter((t) => t.state === 'running').map((t) => t.number) });
      return { dir, study, best, interrupted: true };
    }
    let bestSpec: string | undefined;
    if (best) {
      bestSpec = join(dir, BEST_SPEC_FILE);
      writeFileSync(bestSpec, applyTrialParams(this.o.specText, best.params));
    }
    this.journal({ type: 'finished', time: Date.now(), ...(best ? { best: best.number } : {}) });
    return { dir, study: { ...study, finished: true }, best, bestSpec, interrupted: false };
  }
}
