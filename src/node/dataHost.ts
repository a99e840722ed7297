/**
 * File answers for the core's checks (`DataHost`) from the real file system, relative to the
 * spec's folder. Only regular files inside the spec's workspace are read (`dataPaths.ts`), and
 * only their first bytes: checking must stay fast on big data and must never block — the
 * language server answers every request on one thread.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { DataHost } from '../core/catalog/types';
import { csvDelimiter, firstCsvRecord } from './csv';
import { statSync } from 'node:fs';
import { readSafeTensorsHeader } from '../core/weights/safetensors';
import { dataRoots, inspectDataPath, readHead, type DataPathAnswer } from './dataPaths';
import { tableStats, vocabulary } from './dataStats';
import { latestRunsAbove, PretrainedError, pretrainedShapes } from './pretrained';

const HEAD_BYTES = 64 * 1024;
/** Largest JSON file `readJson` reads whole (a model's config.json is a few KiB). */
const JSON_BYTES = 1024 * 1024;
/** Largest safetensors header read (a BERT-base header is about 20 KiB). */
const SAFETENSORS_HEADER_BYTES = 16 * 1024 * 1024;

export interface DataHostOptions {
  /** Workspace folders (the server's, the CLI's working folder); see `dataRoots`. Default: the working folder. */
  workspaces?: readonly string[];
}

function firstLine(head: string): string {
  const end = head.search(/\r?\n/);
  return end < 0 ? head : head.slice(0, end);
}

/**
 * A host serves one analysis (the server makes one per check): the roots (a walk up to the git
 * folder) are found only when a data path is first asked about, and each path is inspected once,
 * however many checks ask about it.
 */
export function fileDataHost(specDir: string, options: DataHostOptions = {}): DataHost {
  let roots: string[] | undefined;
  const answers = new Map<string, DataPathAnswer>();
  const inspect = (p: string, expect: 'file' | 'folder'): DataPathAnswer => {
    const key = `${expect}\0${p}`;
    let answer = answers.get(key);
    if (!answer) {
      roots ??= dataRoots(specDir, options.workspaces ?? [process.cwd()]);
      answer = inspectDataPath(isAbsolute(p) ? p : resolve(specDir, p), p, roots, expect);
      answers.set(key, answer);
    }
    return answer;
  };
  const head = (p: string): { text: string; complete: boolean } | undefined => {
    const answer = inspect(p, 'file');
    if (!('real' in answer)) return undefined;
    try {
      const bytes = readHead(answer.real, p, HEAD_BYTES);
      return { text: bytes.toString('utf8').replace(/^\uFEFF/, ''), complete: bytes.length < HEAD_BYTES };
    } catch {
      return undefined;
    }
  };
  const withReal = <T>(p: string, read: (real: string) => T | undefined): T | undefined => {
    const answer = inspect(p, 'file');
    return 'real' in answer ? read(answer.real) : undefined;
  };
  return {
    exists: (p) => !('missing' in inspect(p, 'file')),
    pathProblem(p, expect) {
      const answer = inspect(p, expect);
      return 'problem' in answer ? answer.problem : undefined;
    },
    // Statistics read only what `inspect` allows: a regular file inside the workspace, by its real path.
    vocabulary: (p, format, field, opts) => withReal(p, (real) => vocabulary(real, format, field, opts)),
    tableStats: (p, format, opts) => withReal(p, (real) => tableStats(real, format, opts)),
    readJson: (p) =>
      withReal(p, (real) => {
        const bytes = readHead(real, p, JSON_BYTES);
        if (bytes.length >= JSON_BYTES) return { problem: `\`${p}\` is larger than ${JSON_BYTES / 1024} KiB: not a model config.` };
        try {
          return { value: JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as unknown };
        } catch (e) {
          return { problem: `\`${p}\` is not valid JSON (${(e as Error).message}).` };
        }
      }),
    safeTensorShapes: (p) =>
      withReal(p, (real) => {
        try {
          const length = Number(readHead(real, p, 8).readBigUInt64LE(0));
          const header = readSafeTensorsHeader(new Uint8Array(readHead(real, p, 8 + Math.min(length, SAFETENSORS_HEADER_BYTES))), statSync(real).size);
          return { shapes: Object.fromEntries([...header.tensors].map(([name, t]) => [name, t.shape])) };
        } catch (e) {
          return { problem: `\`${p}\`: ${(e as Error).message}` };
        }
      }),
    pretrained(given) {
      // A run folder or TF.js model folder is a folder; .keras, .h5 and model.json are files.
      // `…/runs/<spec>/latest` is resolved inside its (checked) runs folder, which must exist: the
      // spec's own `.modelyaml/runs`, else the nearest one above it (where the workspace keeps runs).
      const latest = basename(given) === 'latest' && !('real' in inspect(given, 'folder'));
      const here = isAbsolute(given) ? given : resolve(specDir, given);
      const above = latest ? latestRunsAbove(here) : here;
      const p = above === here ? given : above;
      const answer = latest ? inspect(dirname(p), 'folder') : inspect(p, /\.(keras|h5|hdf5|json)$/i.test(p) ? 'file' : 'folder');
      if ('missing' in answer) return { error: latest ? `${p}: ${dirname(p)} does not exist yet, here or in a folder above: train that spec first (\`latest\` is its newest run).` : `${p} does not exist.` };
      if ('problem' in answer) return { error: answer.problem.message };
      try {
        const source = pretrainedShapes(latest ? join(answer.real, 'latest') : answer.real);
        return source && { format: source.format, layers: source.layers.map((l) => ({ name: l.name, className: l.className, weights: l.weights.map((w) => ({ name: w.name, shape: w.shape })) })) };
      } catch (e) {
        return { error: e instanceof PretrainedError ? e.message.replace(answer.real, latest ? dirname(p) : p) : `${p} cannot be read as pretrained weights: ${(e as Error).message}` };
      }
    },
    columns(p, format, opts) {
      const h = head(p);
      if (!h) return undefined;
      if (format === 'csv') return firstCsvRecord(h.text, csvDelimiter(opts?.delimiter), h.complete);
      try {
        const rec = JSON.parse(firstLine(h.text));
        return rec && typeof rec === 'object' && !Array.isArray(rec) ? Object.keys(rec) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
