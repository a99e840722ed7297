/** `modelyaml diff <a> <b>` and `modelyaml diff <spec> --git <rev>`: the semantic diff of two specs. */
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { diffJson, diffSpecTexts, formatDiffText, type DiffInput } from '../core/diff';
import { fileDataHost } from '../node/dataHost';
import { GitShowError, showFileAtRevision } from '../node/gitShow';
import type { CliIO } from './main';

export interface DiffFlags {
  format: string;
  git?: string;
}

function readSide(file: string, io: CliIO): DiffInput | undefined {
  try {
    return { text: readFileSync(file, 'utf8'), label: relative(process.cwd(), file) || file, options: { host: fileDataHost(dirname(file)) } };
  } catch (e) {
    io.err(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return undefined;
  }
}

export function diffCommand(files: string[], flags: DiffFlags, io: CliIO): number {
  if (flags.format !== 'text' && flags.format !== 'json') {
    io.err(`modelyaml diff: --format must be text or json, not ${flags.format}.\n`);
    return 2;
  }
  const wanted = flags.git === undefined ? 2 : 1;
  if (files.length !== wanted) {
    io.err(flags.git === undefined ? 'modelyaml diff: name two spec files, or one with --git <rev>.\n' : 'modelyaml diff --git <rev>: name exactly one spec file.\n');
    return 2;
  }
  let before: DiffInput | undefined;
  let after: DiffInput | undefined;
  if (flags.git !== undefined) {
    after = readSide(files[0], io);
    if (!after) return 1;
    try {
      const old = showFileAtRevision(files[0], flags.git);
      // Data paths resolve against the file's folder today: the old spec reads today's data files.
      before = { text: old.text, label: old.label, options: after.options };
    } catch (e) {
      if (!(e instanceof GitShowError)) throw e;
      io.err(`modelyaml diff: ${e.message}\n`);
      return 1;
    }
  } else {
    before = readSide(files[0], io);
    after = readSide(files[1], io);
    if (!before || !after) return 1;
  }
  const d = diffSpecTexts(before, after);
  io.out(flags.format === 'json' ? diffJson(d) : formatDiffText(d));
  return 0;
}
