/**
 * The evaluations kept in run folders (`evaluation.json`, `evaluation-<split>.json` and their
 * `-samples.jsonl`, docs/evaluation.md): which runs have one, reading them checked, and the samples
 * of one confusion-matrix cell. For the evaluation panel and its command's run picker.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { evaluationJsonProblem, parseSamples, samplesFileOf, SamplesFileError, type EvaluationJson, type EvaluationSample, type EvaluationSamplesHeader } from '../core/evaluate';
import { listRuns, runLabel, type RunFolder } from './runFolders';

/** The evaluation files a run folder may hold, the test split's first. */
const FILES = ['evaluation.json', 'evaluation-validation.json', 'evaluation-train.json', 'evaluation-data.json'];

export interface EvaluationFile {
  /** The evaluation's file (its id in the panel). */
  file: string;
  runDir: string;
  /** "test", "validation", "train" or "data", from the file's name. */
  split: string;
  label: string;
  startedAt: string;
}

const splitOf = (file: string) => /^evaluation-(\w+)\.json$/.exec(basename(file))?.[1] ?? 'test';

/** The evaluations of one run folder, the test split's first. */
export function evaluationsOfRun(run: Pick<RunFolder, 'dir' | 'group' | 'record' | 'startedAt'>): EvaluationFile[] {
  const name = run.record?.specName ?? run.group;
  return FILES.map((f) => join(run.dir, f))
    .filter((f) => existsSync(f))
    .map((file) => ({ file, runDir: run.dir, split: splitOf(file), label: `${runLabel(name, run.startedAt)} · ${splitOf(file)}`, startedAt: run.startedAt }));
}

/** Every evaluation under the runs roots, newest run first. */
export function evaluatedRuns(runsRoots: readonly string[]): EvaluationFile[] {
  return runsRoots
    .flatMap((r) => listRuns(r))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.dir.localeCompare(a.dir))
    .flatMap(evaluationsOfRun);
}

/** The group (spec folder) a run folder sits in. */
export const runGroupOf = (runDir: string) => dirname(runDir);

export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** An evaluation file, read and checked (docs/evaluation.md); a damaged or older one gets a message naming the file. */
export function readEvaluation(file: string): Read<EvaluationJson> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { ok: false, error: `${file} cannot be read: ${(e as Error).message}` };
  }
  const problem = evaluationJsonProblem(value);
  return problem ? { ok: false, error: `${file}: ${problem}` } : { ok: true, value: value as EvaluationJson };
}

interface LoadedSamples {
  mtimeMs: number;
  header: EvaluationSamplesHeader;
  samples: EvaluationSample[];
}

/** The per-sample results beside an evaluation, parsed once per change of the file. */
export class SamplesCache {
  private readonly cache = new Map<string, LoadedSamples>();

  /** The samples file's content; undefined when the evaluation has none (regression, an older run); an error naming the file and line when it is damaged. */
  read(evaluationFile: string): Read<LoadedSamples> | undefined {
    const file = samplesFileOf(evaluationFile);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      this.cache.delete(file);
      return undefined;
    }
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return { ok: true, value: hit };
    try {
      const loaded = { mtimeMs, ...parseSamples(readFileSync(file, 'utf8')) };
      this.cache.set(file, loaded);
      return { ok: true, value: loaded };
    } catch (e) {
      if (e instanceof SamplesFileError) return { ok: false, error: `${file}: ${e.message}` };
      return { ok: false, error: `${file} cannot be read: ${(e as Error).message}` };
    }
  }
}

/** The samples of one confusion cell, most confident first (the confidently wrong ones lead), at most `max`, and how many there are. */
export function cellSamples(samples: readonly EvaluationSample[], actual: number, predicted: number, max: number): { total: number; samples: EvaluationSample[] } {
  const hits = samples.filter((s) => s.actual === actual && s.predicted === predicted);
  hits.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return { total: hits.length, samples: hits.slice(0, max) };
}
