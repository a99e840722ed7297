/**
 * `modelyaml download <owner/name> [--revision main] [--out models/<name>] [--files F,…]`: a
 * Hugging Face model's files (by default what the `bert` layer and `wordpiece` step read) into a
 * folder, checked as the `bert` layer checks it, with the `from:` lines to paste (docs/fine-tuning.md).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { checkBertFolder, defaultModelFolder, downloadHfModel, formatSize, HfDownloadError, hfEnvironment, repoIdProblem, type HfDownloadProgress } from '../node/hfDownload';
import type { CliIO } from './main';

export interface DownloadFlags {
  revision?: string;
  out?: string;
  files?: string[];
}

export interface DownloadIO extends CliIO {
  /** A progress line on stderr, redrawn in place (a terminal only). */
  progress?: boolean;
  /** Ctrl-C: the handler cancels the download; returns the unsubscribe. */
  onInterrupt?: (handler: () => void) => () => void;
}

const USAGE = 'usage: modelyaml download <owner/name> [--revision REV] [--out DIR] [--files F,…]';

function progressLine(p: HfDownloadProgress): string {
  const of = p.total ? ` / ${formatSize(p.total)}  ${Math.floor((100 * p.received) / p.total)}%` : '';
  return `\r\x1b[2K  ${p.file}  ${formatSize(p.received)}${of}`;
}

/** A path as a spec's `from:` writes it: relative to the working folder, with forward slashes. */
const specPath = (folder: string): string => (relative(process.cwd(), resolve(folder)) || '.').split(sep).join('/');

export async function downloadCommand(rest: string[], flags: DownloadFlags, io: DownloadIO): Promise<number> {
  if (rest.length !== 1) {
    io.err(`modelyaml download: name one model, e.g. modelyaml download prajjwal1/bert-tiny.\n${USAGE}\n`);
    return 2;
  }
  const repo = rest[0].replace(/^https?:\/\/[^/]+\//, '').replace(/\/+$/, '');
  const idProblem = repoIdProblem(repo);
  if (idProblem) {
    io.err(`modelyaml download: ${idProblem}\n`);
    return 2;
  }
  const out = flags.out ?? defaultModelFolder(repo);
  const files = flags.files?.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
  const revision = flags.revision || 'main';
  const shown = specPath(out);
  io.out(`Downloading ${repo} (revision ${revision}) from ${hfEnvironment().endpoint} into ${shown}\n`);
  const cancel = new AbortController();
  const unsubscribe = io.onInterrupt?.(() => cancel.abort());
  let lastDraw = 0;
  try {
    await downloadHfModel({
      repo,
      revision,
      out,
      files,
      signal: cancel.signal,
      onProgress: (p) => {
        if (!io.progress || (Date.now() - lastDraw < 100 && p.received !== p.total)) return;
        lastDraw = Date.now();
        io.err(progressLine(p));
      },
      onFile: (file, bytes) => {
        if (io.progress) io.err('\r\x1b[2K');
        io.out(`  ${file.padEnd(26)} ${bytes === undefined ? 'not in the repository, skipped' : formatSize(bytes)}\n`);
      },
    });
  } catch (e) {
    if (io.progress) io.err('\n');
    if (!(e instanceof HfDownloadError)) throw e;
    // All or nothing (hfDownload.ts): only a failed rename at the very end leaves some files.
    const kept = e.resumable
      ? ` Nothing was written into ${shown} yet; the part that arrived is kept: run the same command again to resume.`
      : e.code === 'hf/disk' || e.code === 'hf/bad-request'
        ? ''
        : ` Nothing was written into ${shown}.`;
    io.err(`modelyaml download: ${e.message}${kept}\n`);
    if (e.code === 'hf/cancelled') return 130;
    return e.code === 'hf/bad-request' ? 2 : 1;
  } finally {
    unsubscribe?.();
  }
  return reportFolder(out, shown, !files?.length || files.includes('config.json'), io);
}

/** The folder as the `bert` layer sees it, and the lines to paste into a spec. */
function reportFolder(out: string, shown: string, hasConfig: boolean, io: CliIO): number {
  if (!hasConfig) {
    io.out(`✓ downloaded into ${shown}\n`);
    return 0;
  }
  const check = checkBertFolder(out);
  if ('problem' in check) {
    io.err(`modelyaml download: the files are in ${shown}, but the \`bert\` layer cannot use them: ${check.problem}\n`);
    return 1;
  }
  const c = check.config;
  io.out(
    `✓ ${shown}: a BERT encoder, ${c.numHiddenLayers} layers, hidden size ${c.hiddenSize}, ${c.numAttentionHeads} heads, ` +
      `${check.params.toLocaleString('en-US')} parameters${check.pooler ? '' : ' (no pooler weights: use pooling: mean or none)'}\n`,
  );
  const maxLength = Math.min(128, c.maxPositionEmbeddings);
  io.out('\nNext: in a spec in this folder (paths are relative to the spec)\n');
  if (check.vocabulary) io.out(`  data.pipeline:   - wordpiece: { from: ${shown}, max_length: ${maxLength} }\n`);
  else io.out(`  (the folder has neither vocab.txt nor tokenizer.json: a \`wordpiece\` step needs one of them)\n`);
  io.out(`  model.layers:    - bert: { from: ${shown}, pooling: ${check.pooler ? 'cls' : 'mean'} }\n`);
  // Specs read files only inside their workspace or git repository (dataPaths.ts).
  if (shown.startsWith('../') || isAbsolute(shown)) io.out(`  (the folder is outside this one: a spec here reads it only with --allow-data-path ${resolve(out)})\n`);
  return 0;
}
