/**
 * What the parts of the server share: the connection, the open documents, the analysis workers
 * that hold the language service, what the client announced, and a log.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ResponseError, type ClientCapabilities, type Connection, type TextDocuments } from 'vscode-languageserver/node';
import { WorkerGone, type AnalysisPool } from './analysisPool';

export interface ServerOptions {
  /** Warm the formula renderer when idle (default true). */
  warmup?: boolean;
}

/** What the client announced in `initialize`. */
export interface ClientState {
  capabilities: ClientCapabilities;
  /** It answers `workspace/configuration`. */
  configurationSupport: boolean;
  /** It accepts `workspace/inlayHint/refresh`. */
  inlayRefreshSupport: boolean;
}

export interface ServerContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  /** The analysis workers: every feature and check runs there (`analysisPool.ts`). */
  pool: AnalysisPool;
  options: ServerOptions;
  client: ClientState;
  /** The client's workspace folders as paths (from `initialize`): data files are read only inside them. */
  workspaceFolders: string[];
  /** Checks every open document again from scratch (data files or folders changed). */
  recheckAll(): void;
  /** Checks these documents again (their analysis worker went away). */
  recheck(uris: readonly string[]): void;
  log(message: string): void;
}

export function createLog(connection: Connection): (message: string) => void {
  return (m) => {
    try {
      connection.console.error(m);
    } catch {
      // no console (connection closing)
    }
  };
}

/**
 * Wraps a request handler: never fails (but with a `ResponseError`), answers `empty` on failure —
 * also when the document's worker went away before answering (`WorkerGone`: no log, it was reported).
 */
export function guarded<P, R>(ctx: ServerContext, name: string, empty: R, run: (params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return async (params: P) => {
    try {
      return await run(params);
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      if (!(e instanceof WorkerGone)) ctx.log(`modelyaml: ${name} failed: ${(e as Error)?.stack ?? e}`);
      return empty;
    }
  };
}

/** A guarded handler for a request about one open document; `empty` when the server does not have it. */
export function onDocument<P extends { textDocument?: { uri?: string } }, R>(ctx: ServerContext, name: string, empty: R, run: (document: TextDocument, params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return guarded(ctx, name, empty, (p: P) => {
    const uri = p?.textDocument?.uri;
    const document = uri ? ctx.documents.get(uri) : undefined;
    return document ? run(document, p) : empty;
  });
}
