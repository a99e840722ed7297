/**
 * The language server: a thin LSP adapter over the language service (`server/service/`), which
 * runs in analysis workers (`server/worker/`), never on the request loop. It wires the parts in
 * `server/connection/`: the handshake and settings (`lifecycle`), when documents are checked
 * (`diagnostics`), the workers that analyse them and answer (`analysisPool`), and the requests
 * (`features`, each only fetches the document and asks its worker; a failing handler answers with
 * an empty result and logs, and the server keeps answering).
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createConnection, ProposedFeatures, TextDocuments, type Connection } from 'vscode-languageserver/node';
import { AnalysisPool } from './connection/analysisPool';
import { createLog, type ServerContext, type ServerOptions } from './connection/context';
import { scheduleDiagnostics } from './connection/diagnostics';
import { registerFeatures } from './connection/features';
import { registerLifecycle } from './connection/lifecycle';

export type { ServerOptions } from './connection/context';

declare const __filename: string | undefined;

/** The server bundle itself: a worker started from it runs `runAnalysisWorker` (see `main.ts`). */
function workerScript(): string {
  if (typeof __filename !== 'string' || !/\.c?js$/.test(__filename)) throw new Error('the language server runs from its bundle (dist/server.js): build it with `node esbuild.mjs`');
  return __filename;
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all), options: ServerOptions = {}): Connection {
  const log = createLog(connection);
  const ctx: ServerContext = {
    connection,
    documents: new TextDocuments(TextDocument),
    pool: new AnalysisPool({
      script: workerScript(),
      warmup: options.warmup !== false,
      workspaces: () => ctx.workspaceFolders,
      onRestart: (uris) => ctx.recheck(uris),
      log,
    }),
    options,
    client: { capabilities: {}, configurationSupport: false, inlayRefreshSupport: false },
    workspaceFolders: [],
    recheckAll: () => undefined, // set by scheduleDiagnostics
    recheck: () => undefined, // likewise
    log,
  };
  registerLifecycle(ctx);
  const stopDiagnostics = scheduleDiagnostics(ctx);
  registerFeatures(ctx);
  connection.onShutdown(() => {
    stopDiagnostics();
    ctx.pool.dispose();
  });
  ctx.documents.listen(connection);
  connection.listen();
  return connection;
}
