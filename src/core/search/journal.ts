/**
 * The search journal: the study's state as an append-only list of events (`journal.jsonl`, one a
 * line), each checked on reading; replaying them gives the study. Appending is the only write,
 * so a search killed at any moment leaves a journal that replays to what had happened: trials
 * started but not ended are the ones to run again. Pure; the file I/O is src/node/search/journal.ts.
 */
import { arrayOf, byType, type Check, type Fields, finite, int, intFrom, isObj, nullable, number, oneOf, opt, record, shape, string, type Validated } from '../protocol/check';
import type { ParamValue, SearchSettings, TrialParams, TrialRecord } from './types';

export const JOURNAL_VERSION = 1;

/** The first line: what is searched, how, and the spec's text hash (a resume refuses a changed spec). */
export interface StudyStartedEvent {
  type: 'study';
  time: number;
  version: number;
  name: string;
  /** The spec, absolute. */
  spec: string;
  specHash: string;
  settings: SearchSettings;
}

export interface TrialStartedEvent {
  type: 'trial';
  time: number;
  number: number;
  params: TrialParams;
}

/** The trial's trainer announced its run folder (relative to the journal's folder). */
export interface TrialRunEvent {
  type: 'run';
  time: number;
  number: number;
  runDir: string;
}

/** The searched metric after an epoch (null: NaN or missing). */
export interface TrialEpochEvent {
  type: 'epoch';
  time: number;
  number: number;
  epoch: number;
  value: number | null;
}

export interface TrialPrunedEvent {
  type: 'pruned';
  time: number;
  number: number;
  epoch: number;
  reason: string;
}

export interface TrialCompleteEvent {
  type: 'complete';
  time: number;
  number: number;
  value: number;
  epochs: number;
}

export interface TrialFailedEvent {
  type: 'failed';
  time: number;
  number: number;
  reason: string;
}

/** Ctrl-C: the running trials were cancelled; a resume runs them again. */
export interface InterruptedEvent {
  type: 'interrupted';
  time: number;
  running: number[];
}

/** `--resume`: the trials to run again, and the budget from now on. */
export interface ResumedEvent {
  type: 'resumed';
  time: number;
  rerun: number[];
  trials: number;
  parallel: number;
}

/** Every trial ended; `best` is the best complete trial's number (none: all failed or pruned). */
export interface FinishedEvent {
  type: 'finished';
  time: number;
  best?: number;
}

export type JournalEvent =
  | StudyStartedEvent | TrialStartedEvent | TrialRunEvent | TrialEpochEvent | TrialPrunedEvent | TrialCompleteEvent | TrialFailedEvent | InterruptedEvent | ResumedEvent | FinishedEvent;

const paramValue: Check = (v) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
const dist: Check = (v) => isObj(v) && typeof v.kind === 'string';
const settings = shape({
  metric: string, goal: oneOf('minimize', 'maximize'), trials: intFrom(1), parallel: intFrom(1), sampler: oneOf('random', 'grid', 'tpe'),
  pruner: (v: unknown) => isObj(v) && oneOf('none', 'median', 'asha')(v.kind), seed: finite, space: arrayOf(shape({ path: string, dist }), Infinity),
});
const trialNumber = intFrom(0);
const numbers = arrayOf(trialNumber, Infinity);

const eventFields: { [K in JournalEvent['type']]: Fields } = {
  study: { time: number, version: int, name: string, spec: string, specHash: string, settings },
  trial: { time: number, number: trialNumber, params: record(paramValue) },
  run: { time: number, number: trialNumber, runDir: string },
  epoch: { time: number, number: trialNumber, epoch: intFrom(1), value: nullable(number) },
  pruned: { time: number, number: trialNumber, epoch: intFrom(0), reason: string },
  complete: { time: number, number: trialNumber, value: number, epochs: intFrom(0) },
  failed: { time: number, number: trialNumber, reason: string },
  interrupted: { time: number, running: numbers },
  resumed: { time: number, rerun: numbers, trials: intFrom(1), parallel: intFrom(1) },
  finished: { time: number, best: opt(trialNumber) },
};

export function validateJournalEvent(v: unknown): Validated<JournalEvent> {
  return byType<JournalEvent>('journal event', v, eventFields);
}

/** The study a journal replays to. */
export interface Study {
  name: string;
  spec: string;
  specHash: string;
  /** As started, with `trials` and `parallel` as the last resume set them. */
  settings: SearchSettings;
  /** By number. A trial started again (after a kill) shows its latest attempt. */
  trials: TrialRecord[];
  /** Trials the last Ctrl-C stopped (and not run again since). */
  interrupted: boolean;
  finished: boolean;
}

/** A line that is not a valid event; `line` is 1-based. */
export interface JournalProblem {
  line: number;
  message: string;
}

/**
 * Parses journal text. A damaged last line (the write a SIGKILL cut short) is dropped; damage
 * anywhere else is a problem, with its line.
 */
export function parseJournal(text: string): { events: JournalEvent[]; problems: JournalProblem[] } {
  const lines = text.split('\n');
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const events: JournalEvent[] = [];
  const problems: JournalProblem[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let v: Validated<JournalEvent>;
    try {
      v = validateJournalEvent(JSON.parse(line));
    } catch (e) {
      v = { ok: false, error: `not JSON (${(e as Error).message})` };
    }
    if (v.ok) events.push(v.value);
    else if (i < lines.length - 1) problems.push({ line: i + 1, message: v.error });
  });
  if (events[0]?.type !== 'study' && !problems.length) problems.push({ line: 1, message: 'the journal does not start with the `study` event' });
  return { events, problems };
}

/** Replays events into the study (the first must be `study`). */
export function replayJournal(events: readonly JournalEvent[]): Study {
  const first = events[0];
  if (first?.type !== 'study') throw new Error('the journal does not start with the `study` event');
  const study: Study = { name: first.name, spec: first.spec, specHash: first.specHash, settings: { ...first.settings }, trials: [], interrupted: false, finished: false };
  const at = (n: number): TrialRecord | undefined => study.trials[n];
  for (const e of events.slice(1)) {
    switch (e.type) {
      case 'trial':
        study.trials[e.number] = { number: e.number, params: e.params, state: 'running', intermediate: [] };
        break;
      case 'run':
        if (at(e.number)) study.trials[e.number] = { ...at(e.number)!, runDir: e.runDir };
        break;
      case 'epoch': {
        const t = at(e.number);
        if (t?.state === 'running') study.trials[e.number] = { ...t, intermediate: [...t.intermediate.slice(0, e.epoch - 1), e.value ?? NaN] };
        break;
      }
      case 'pruned':
      case 'failed':
        if (at(e.number)) study.trials[e.number] = { ...at(e.number)!, state: e.type, reason: e.reason };
        break;
      case 'complete':
        if (at(e.number)) study.trials[e.number] = { ...at(e.number)!, state: 'complete', value: e.value };
        break;
      case 'interrupted':
        study.interrupted = true;
        break;
      case 'resumed':
        study.interrupted = false;
        study.settings = { ...study.settings, trials: e.trials, parallel: e.parallel };
        break;
      case 'finished':
        study.finished = true;
        break;
      case 'study':
        break;
    }
  }
  // Numbers are dense in a journal this runner wrote; a hand-edited one may have holes.
  study.trials = study.trials.filter(Boolean);
  return study;
}

const better = (goal: SearchSettings['goal'], a: number, b: number) => (goal === 'minimize' ? a < b : a > b);

/** The complete trial with the best value (the earliest of equals). */
export function bestTrial(study: Pick<Study, 'trials' | 'settings'>): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const t of study.trials) {
    if (t.state !== 'complete' || t.value === undefined || Number.isNaN(t.value)) continue;
    if (!best || better(study.settings.goal, t.value, best.value!)) best = t;
  }
  return best;
}

/** A parameter value as the summary shows it: numbers to 4 significant digits. */
export function formatParam(v: ParamValue): string {
  return typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : String(v);
}
