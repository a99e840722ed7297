/**
 * What the parts of the server share: the connection, the open documents, the language service,
 * what the client announced, a log, and the time of the last request (the formula warm-up runs
 * only while the server is idle).
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ResponseError, type ClientCapabilities, type Connection, type TextDocuments } from 'vscode-languageserver/node';
import type { DataHost } from '../../src/core/catalog/types';
import type { LanguageService } from '../service';

export interface ServerOptions {
  /** File answers for a spec (default: the file system next to `file:` specs). */
  host?: (uri: string) => DataHost | undefined;
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
  service: LanguageService;
  options: ServerOptions;
  client: ClientState;
  /** The client's workspace folders as paths (from `initialize`): data files are read only inside them. */
  workspaceFolders: string[];
  /** Checks every open document again from scratch (data files or folders changed). */
  recheckAll(): void;
  log(message: string): void;
  /** Records activity now. */
  touch(): void;
  /** When the last request or change arrived (`Date.now()`). */
  lastActivity(): number;
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

/** Wraps a request handler: never throws (but a `ResponseError`), answers `empty` on failure. */
export function guarded<P, R>(ctx: ServerContext, name: string, empty: R, run: (params: P) => R): (params: P) => R {
  return (params: P) => {
    ctx.touch();
    try {
      return run(params);
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      ctx.log(`modelyaml: ${name} failed: ${(e as Error)?.stack ?? e}`);
      return empty;
    }
  };
}

/** A guarded handler for a request about one open document; `empty` when the server does not have it. */
export function onDocument<P extends { textDocument?: { uri?: string } }, R>(ctx: ServerContext, name: string, empty: R, run: (document: TextDocument, params: P) => R): (params: P) => R {
  return guarded(ctx, name, empty, (p: P) => {
    const uri = p?.textDocument?.uri;
    const document = uri ? ctx.documents.get(uri) : undefined;
    return document ? run(document, p) : empty;
  });
}
