/**
 * Entry of the language-server bundle (`dist/server.js`). The transport comes from the command
 * line, as vscode-languageserver reads it: `--stdio`, `--node-ipc` or `--socket=<port>`
 * (`modelyaml lsp --stdio` loads this bundle with its own arguments).
 */
import { startServer } from './server';

// Last line of defence: an error that escapes every guard is logged (stderr; stdout may be the
// transport), and the server keeps answering.
process.on('uncaughtException', (e) => process.stderr.write(`modelyaml server: uncaught ${e?.stack ?? e}\n`));
process.on('unhandledRejection', (e) => process.stderr.write(`modelyaml server: unhandled rejection ${(e as Error)?.stack ?? e}\n`));

startServer();
