/**
 * `modelyaml search <spec> [--trials N] [--parallel P] [--resume DIR|latest] [--format text|json]`:
 * checks the spec and its `search:` section, runs the search (src/node/search/runner.ts), a line
 * per trial event as it goes, and at the end a table of the trials and `best.model.yaml`.
 * Ctrl-C stops starting trials and cancels the running ones (exit 130); `--resume` carries on.
 */
import { basename, join, relative, resolve } from 'node:path';
import type { Analysis } from '../core/analyze';
import type { TrainerEvent } from '../core/protocol/trainer';
import { formatParam, type JournalEvent } from '../core/search/journal';
import { searchSettings } from '../core/search/space';
import type { SearchSettings, TrialRecord } from '../core/search/types';
import { JOURNAL_FILE, JournalError, latestSearchDir } from '../node/search/journal';
import { startSearch, type SearchResult } from '../node/search/runner';
import { formatDiagnostic, loadSpec } from './diagnostics';
import type { TrainIO } from './train';

export interface SearchFlags {
  trials?: string;
  parallel?: string;
  resume?: string;
  format?: string;
  verbose?: boolean;
}

const shown = (p: string) => relative(process.cwd(), p) || p;
const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

/** A file-system error in words (its path and code), anything else as its message. */
const fileError = (e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  return err?.code && err.path ? `cannot write ${err.path}: ${err.code}` : (err?.message ?? String(e));
};

function wholeNumber(flag: string, raw: string | undefined): number | string | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : `--${flag} must be a whole number ≥ 1, not ${raw}`;
}

/** Reads the spec and its section; prints what is wrong like `check` does and returns undefined then. */
function readSpec(file: string, io: TrainIO): { text: string; analysis: Analysis; settings: SearchSettings } | undefined {
  const analysis = loadSpec(file, io);
  if (!analysis) return undefined;
  const { text } = analysis;
  // A `search:` key whose value cannot be read (`search: 5`) is an error below, not a missing section.
  if (!analysis.spec.search && !/^search[ \t]*:/m.test(text)) {
    io.err(`${shown(file)}: no \`search:\` section to run. Add one (metric, trials, space …; see docs/search.md), then run the search again.\n`);
    return undefined;
  }
  // The whole spec's errors, the section's among them: a search never starts trials that cannot build.
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  for (const d of errors) io.err(formatDiagnostic(shown(file), analysis, d));
  const settings = searchSettings(analysis);
  if (errors.length || !settings) {
    io.err(`modelyaml search: ${shown(file)} has ${errors.length || 'an'} error${errors.length === 1 ? '' : 's'}; not searching.\n`);
    return undefined;
  }
  return { text, analysis, settings };
}

/** One line per journal event worth saying. */
function journalLine(e: JournalEvent, metric: string): string | undefined {
  switch (e.type) {
    case 'trial':
      return `trial ${e.number} started: ${Object.entries(e.params).map(([k, v]) => `${k}=${formatParam(v)}`).join(' ')}`;
    case 'epoch':
      return `trial ${e.number} epoch ${e.epoch}: ${metric} ${fmt(e.value ?? NaN)}`;
    case 'pruned':
      return `trial ${e.number} pruned after epoch ${e.epoch}: ${e.reason}`;
    case 'complete':
      return `trial ${e.number} complete: ${metric} ${fmt(e.value)} after ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}`;
    case 'failed':
      return `trial ${e.number} failed: ${e.reason}`;
    case 'resumed':
      return `resumed: ${e.rerun.length ? `trial${e.rerun.length === 1 ? '' : 's'} ${e.rerun.join(', ')} run again, then ` : ''}up to ${e.trials} trials`;
    default:
      return undefined;
  }
}

/** The trials as a table: trial, each parameter, state, metric, epochs, why pruned or failed. */
export function trialsTable(trials: readonly TrialRecord[], settings: SearchSettings, best?: number): string {
  const paths = settings.space.map((p) => p.path);
  const head = ['trial', ...paths, 'state', settings.metric, 'epochs', 'why'];
  const rows = trials.map((t) => [
    `${t.number}${t.number === best ? ' *' : ''}`,
    ...paths.map((p) => (p in t.params ? formatParam(t.params[p]) : '')),
    t.state,
    fmt(t.value ?? t.intermediate[t.intermediate.length - 1]),
    String(t.intermediate.length),
    t.reason ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

function summaryJson(r: SearchResult): string {
  const { study } = r;
  return JSON.stringify({
    dir: r.dir, journal: join(r.dir, JOURNAL_FILE), interrupted: r.interrupted, metric: study.settings.metric, goal: study.settings.goal,
    best: r.best ? { trial: r.best.number, value: r.best.value, params: r.best.params, spec: r.bestSpec } : null,
    trials: study.trials.map((t) => ({ trial: t.number, params: t.params, state: t.state, value: t.value ?? null, epochs: t.intermediate.length, intermediate: t.intermediate, reason: t.reason ?? null, runDir: t.runDir ? join(r.dir, t.runDir) : null })),
  }, null, 2) + '\n';
}

/** The settings with the command line's overrides, or a message. */
function withFlags(settings: SearchSettings, flags: SearchFlags): SearchSettings | string {
  const trials = wholeNumber('trials', flags.trials);
  const parallel = wholeNumber('parallel', flags.parallel);
  if (typeof trials === 'string') return trials;
  if (typeof parallel === 'string') return parallel;
  return { ...settings, trials: trials ?? settings.trials, parallel: parallel ?? settings.parallel };
}

export async function searchCommand(files: string[], flags: SearchFlags, io: TrainIO): Promise<number> {
  if (files.length !== 1) {
    io.err('modelyaml search: name exactly one spec file.\n');
    return 2;
  }
  const format = flags.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    io.err(`modelyaml search: --format must be text or json, not ${format}.\n`);
    return 2;
  }
  const file = resolve(files[0]);
  const spec = readSpec(file, io);
  if (!spec) return 1;
  const settings = withFlags(spec.settings, flags);
  if (typeof settings === 'string') {
    io.err(`modelyaml search: ${settings}.\n`);
    return 2;
  }
  const name = spec.analysis.spec.name?.value ?? basename(file).replace(/\.model\.ya?ml$/, '');
  const workspace = process.cwd();
  const resumeDir = flags.resume === 'latest' ? latestSearchDir(workspace, name) : flags.resume;
  if (flags.resume === 'latest' && !resumeDir) {
    io.err(`modelyaml search: no search of ${name} to resume in ${shown(join(workspace, '.modelyaml', 'searches'))}.\n`);
    return 1;
  }
  const text = format === 'text';
  const say = (s: string) => text && io.out(s + '\n');
  let search;
  try {
    search = startSearch({
      specPath: file, specText: spec.text, name, settings, workspace, resumeDir,
      onJournal: (e) => {
        const l = journalLine(e, settings.metric);
        if (l) say(l);
      },
      onTrainerEvent: (n: number, e: TrainerEvent) => {
        if (flags.verbose && e.type === 'log') say(`trial ${n} ${e.level}: ${e.message}`);
      },
    });
  } catch (e) {
    // A journal that cannot be resumed, or a search folder that cannot be written.
    io.err(`modelyaml search: ${e instanceof JournalError ? e.message : fileError(e)}\n`);
    return 1;
  }
  say(`search ${name}: ${settings.trials} trials (${settings.sampler} sampler, ${settings.pruner.kind} pruner), ${settings.parallel} at once; journal ${shown(join(search.dir, JOURNAL_FILE))}`);
  const off = io.onInterrupt?.(() => {
    say('interrupting: no new trials; cancelling the running ones…');
    search.interrupt();
  });
  try {
    return report(await search.done, file, format, io);
  } catch (e) {
    io.err(`modelyaml search: ${fileError(e)}\n`);
    return 1;
  } finally {
    off?.();
  }
}

/** The summary and the exit code: 0 with a best trial, 130 interrupted, 1 when no trial completed. */
function report(r: SearchResult, file: string, format: string, io: TrainIO): number {
  const { study } = r;
  if (format === 'json') io.out(summaryJson(r));
  else {
    io.out('\n' + trialsTable(study.trials, study.settings, r.best?.number));
    if (r.best) io.out(`best: trial ${r.best.number}, ${study.settings.metric} ${fmt(r.best.value)}${r.bestSpec ? ` → ${shown(r.bestSpec)}` : ''}\n`);
  }
  if (r.interrupted) {
    io.err(`modelyaml search: interrupted. Resume with: modelyaml search ${shown(file)} --resume ${shown(r.dir)}\n`);
    return 130;
  }
  if (!r.best) {
    const failed = study.trials.filter((t) => t.state === 'failed');
    const all = failed.length === study.trials.length;
    io.err(`modelyaml search: ${all ? `all ${failed.length} trials failed` : 'no trial completed'}${failed[0] ? `; trial ${failed[0].number}: ${failed[0].reason}` : ''}.\n`);
    return 1;
  }
  return 0;
}
