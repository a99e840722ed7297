/**
 * What crosses between the language server's request loop (the main thread) and its analysis
 * workers (`server/worker/`). A worker holds the language service for the documents given to it:
 * the analysis — the YAML tree, the spec, the model — never leaves it (a `yaml` Document is a web
 * of class instances that structured cloning cannot carry), only plain LSP answers do. Messages are
 * checked on arrival on both sides (`readToWorker`, `readFromWorker`).
 */
import { byType, finite, int, isObj, opt, shape, string, type Fields, type Validated } from './check';

/** A data path the worker must not touch again: reading it took too long or brought the worker down. */
export interface RefusedPath {
  /** The spec whose check read it. */
  uri: string;
  /** The path as the spec wrote it. */
  path: string;
  code: 'data/read-timeout' | 'data/read-crashed';
  message: string;
}

/** Main thread → worker. */
export type ToWorker =
  /** Settings and client features (both partial), the workspace folders, paths to refuse. */
  | { type: 'configure'; settings?: Record<string, unknown>; client?: Record<string, unknown>; workspaces?: string[]; refused?: RefusedPath[] }
  /** A document's text at a version (sent when the worker does not have that version yet). */
  | { type: 'sync'; uri: string; version: number; text: string }
  | { type: 'close'; uri: string }
  /** Drop every analysis (data files changed). */
  | { type: 'reset' }
  /** Run a language-service feature on the document's version: `args` follow the document. */
  | { type: 'call'; id: number; uri: string; version: number; feature: string; args: unknown[] };

/** Worker → main thread. */
export type FromWorker =
  | { type: 'result'; id: number; result: unknown }
  /** `rename`: an invalid new name (answered to the client as an error); otherwise a bug. */
  | { type: 'failed'; id: number; message: string; rename?: boolean }
  /** The worker is about to read data for `uri` (stat, open, read): the read's time limit starts. */
  | { type: 'reading'; uri: string; path: string }
  /** The read announced last is done. */
  | { type: 'read' }
  | { type: 'log'; message: string };

const isArray = (v: unknown) => Array.isArray(v);
const optObject = opt(isObj);
const stringList = opt((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'));
const refusedPath = shape({ uri: string, path: string, code: string, message: string });
const refusedList = opt((v) => Array.isArray(v) && v.every(refusedPath));

const toWorkerFields: Record<ToWorker['type'], Fields> = {
  configure: { settings: optObject, client: optObject, workspaces: stringList, refused: refusedList },
  sync: { uri: string, version: finite, text: string },
  close: { uri: string },
  reset: {},
  call: { id: int, uri: string, version: finite, feature: string, args: isArray },
};

const fromWorkerFields: Record<FromWorker['type'], Fields> = {
  result: { id: int },
  failed: { id: int, message: string, rename: opt((v) => typeof v === 'boolean') },
  reading: { uri: string, path: string },
  read: {},
  log: { message: string },
};

export const readToWorker = (v: unknown): Validated<ToWorker> => byType<ToWorker>('analysis request', v, toWorkerFields);
export const readFromWorker = (v: unknown): Validated<FromWorker> => byType<FromWorker>('analysis answer', v, fromWorkerFields);
