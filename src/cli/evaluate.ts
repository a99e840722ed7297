/**
 * `modelyaml evaluate <run-dir>`: scores a trained run on one of its splits in the trainer process
 * (the CLI holds no tfjs) and prints scikit-learn's classification report (or the regression
 * table), or with `--format json` the run's evaluation.json document (docs/evaluation.md).
 */
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { EvaluateOptions } from '../core/protocol/trainer';
import { runEvaluation } from '../node/trainerClient';

export interface EvaluateFlags {
  split?: string;
  checkpoint?: string;
  format?: string;
  /** A CSV or JSONL file of labelled samples to score instead of a split. */
  data?: string;
  /** Recompute a missing preprocessing.json (a run older than the file) from the spec's data. */
  refit?: boolean;
  verbose?: boolean;
}

interface EvaluateIO {
  out(s: string): void;
  err(s: string): void;
}

const SPLITS = ['test', 'validation', 'train'] as const;
const CHECKPOINTS = ['best', 'last'] as const;

/** The flags as evaluate options, or a message naming the bad one. */
export function parseEvaluateFlags(flags: EvaluateFlags): { options: EvaluateOptions; format: 'text' | 'json' } | { error: string } {
  if (flags.data !== undefined && flags.split !== undefined) return { error: '--data and --split cannot be used together: --data scores the file instead of a split' };
  const split = flags.split ?? 'test';
  if (!(SPLITS as readonly string[]).includes(split)) return { error: `--split must be test, validation or train, not ${split}` };
  if (flags.checkpoint !== undefined && !(CHECKPOINTS as readonly string[]).includes(flags.checkpoint)) return { error: `--checkpoint must be best or last, not ${flags.checkpoint}` };
  const format = flags.format ?? 'text';
  if (format !== 'text' && format !== 'json') return { error: `--format must be text or json, not ${format}` };
  const source: EvaluateOptions = flags.data !== undefined ? { data: resolve(flags.data) } : { split: split as EvaluateOptions['split'] };
  return { options: { ...source, ...(flags.checkpoint ? { checkpoint: flags.checkpoint as EvaluateOptions['checkpoint'] } : {}), ...(flags.refit ? { refit: true } : {}) }, format };
}

/**
 * Why --data cannot be read, or undefined: checked before the trainer starts, because reading a
 * FIFO, a device or a socket can block forever (a pipe nobody writes never ends).
 */
export function dataPathProblem(file: string): string | undefined {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    return `--data ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`;
  }
  if (st.isFile() || st.isDirectory()) return undefined;
  return `--data ${file} is not a regular file (a pipe, device or socket): --data reads a CSV or JSON Lines file, or a folder of images; save the data to a file first.`;
}

export async function evaluateCommand(args: string[], flags: EvaluateFlags, io: EvaluateIO): Promise<number> {
  if (args.length !== 1) {
    io.err('modelyaml evaluate: name exactly one run folder (as `modelyaml train` prints it), e.g. modelyaml evaluate .modelyaml/runs/iris/2026-01-01T12-00-00\n');
    return 2;
  }
  const parsed = parseEvaluateFlags(flags);
  if ('error' in parsed) {
    io.err(`modelyaml evaluate: ${parsed.error}.\n`);
    return 2;
  }
  const [runDir] = args;
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    io.err(`modelyaml evaluate: ${runDir} is not a folder. Name a run folder under .modelyaml/runs/<spec>/.\n`);
    return 1;
  }
  const refused = parsed.options.data && dataPathProblem(parsed.options.data);
  if (refused) {
    io.err(`modelyaml evaluate: ${refused}\n`);
    return 1;
  }
  const r = await runEvaluation(runDir, parsed.options, (e) => {
    if (e.type === 'log' && (e.level === 'warning' || flags.verbose)) io.err(`${e.level}: ${e.message}\n`);
  });
  if (!r.evaluation) {
    io.err(`modelyaml evaluate: ${r.error?.message ?? 'the evaluation did not finish'}\n`);
    return 1;
  }
  const e = r.evaluation;
  if (parsed.format === 'json') {
    io.out(JSON.stringify(e.evaluation, null, 2) + '\n');
    return 0;
  }
  const shown = (p: string) => relative(process.cwd(), p) || p;
  const what = parsed.options.data ? shown(parsed.options.data) : `${e.split} split`;
  io.out(`${shown(e.runDir)}: ${what}, model from ${shown(e.checkpoint)}\n\n${e.report}\nwritten to ${shown(e.file)}\n`);
  return 0;
}
