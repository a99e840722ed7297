/**
 * The language server: a thin LSP adapter over the language service (`server/service/`). It wires
 * the parts in `server/connection/`: the handshake and settings (`lifecycle`), when documents are
 * checked (`diagnostics`), the requests (`features`, each only fetches the document and calls the
 * service; a failing handler answers with an empty result and logs, and the server keeps
 * answering) and the formula warm-up while idle (`warmup`).
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createConnection, ProposedFeatures, TextDocuments, type Connection } from 'vscode-languageserver/node';
import type { DataHost } from '../src/core/catalog/types';
import { fileDataHost } from '../src/node/dataHost';
import { createLog, type ServerContext, type ServerOptions } from './connection/context';
import { scheduleDiagnostics } from './connection/diagnostics';
import { registerFeatures } from './connection/features';
import { registerLifecycle } from './connection/lifecycle';
import { createWarmup } from './connection/warmup';
import { createLanguageService } from './service';

export type { ServerOptions } from './connection/context';

/** Data files next to `file:` specs, read only inside the client's workspace folders (or the spec's git repository). */
function defaultHost(uri: string, workspaces: readonly string[]): DataHost | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileDataHost(dirname(fileURLToPath(uri)), { workspaces });
  } catch {
    return undefined;
  }
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all), options: ServerOptions = {}): Connection {
  const log = createLog(connection);
  let lastActivity = Date.now();
  const ctx: ServerContext = {
    connection,
    documents: new TextDocuments(TextDocument),
    service: createLanguageService({
      host: options.host ?? ((uri) => defaultHost(uri, ctx.workspaceFolders)),
      onError: (feature, e) => log(`modelyaml: ${feature} failed: ${(e as Error)?.stack ?? e}`),
    }),
    options,
    client: { capabilities: {}, configurationSupport: false, inlayRefreshSupport: false },
    workspaceFolders: [],
    recheckAll: () => undefined, // set by scheduleDiagnostics
    log,
    touch: () => (lastActivity = Date.now()),
    lastActivity: () => lastActivity,
  };
  const warmup = createWarmup(ctx);
  registerLifecycle(ctx, warmup);
  const stopDiagnostics = scheduleDiagnostics(ctx);
  registerFeatures(ctx);
  connection.onShutdown(() => {
    stopDiagnostics();
    warmup.stop();
  });
  ctx.documents.listen(connection);
  connection.listen();
  return connection;
}
