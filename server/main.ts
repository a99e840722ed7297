/**
 * Entry of the language-server bundle (`dist/server.js`). The transport comes from the command
 * line, as vscode-languageserver reads it: `--stdio`, `--node-ipc` or `--socket=<port>`
 * (`modelyaml lsp --stdio` loads this bundle with its own arguments). The same bundle is the
 * script of the server's analysis workers (`server/worker/analysisWorker.ts`).
 */
import { isMainThread } from 'node:worker_threads';
import { startServer } from './server';
import { runAnalysisWorker } from './worker/analysisWorker';

if (isMainThread) {
  // Last line of defence: an error that escapes every guard is logged (stderr; stdout may be the
  // transport), and the server keeps answering.
  process.on('uncaughtException', (e) => process.stderr.write(`modelyaml server: uncaught ${e?.stack ?? e}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`modelyaml server: unhandled rejection ${(e as Error)?.stack ?? e}\n`));
  startServer();
} else {
  runAnalysisWorker();
}
