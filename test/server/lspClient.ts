/** A minimal LSP client for protocol tests and the benchmark: spawns a server and speaks JSON-RPC to it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { pathToFileURL } from 'node:url';

export interface LspClient {
  connection: MessageConnection;
  process: ChildProcess;
  stderr: () => string;
  /** Resolves with the first diagnostics published for `uri` (at `version`, when given). */
  diagnostics(uri: string, version?: number, timeoutMs?: number): Promise<PublishDiagnosticsParams>;
  /** Every diagnostics notification received, in order. */
  published: PublishDiagnosticsParams[];
  stop(): Promise<number | null>;
}

export function startLsp(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; onRequest?: (method: string, params: unknown) => unknown } = {}): LspClient {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d.toString()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const published: PublishDiagnosticsParams[] = [];
  const waiters: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    published.push(p);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.uri === p.uri && (w.version === undefined || p.version === undefined || p.version >= w.version)) {
        waiters.splice(i, 1);
        w.resolve(p);
      }
    }
  });
  connection.onRequest((method: string, params: unknown) => options.onRequest?.(method, params) ?? null);
  connection.onNotification(() => undefined);
  connection.listen();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    connection,
    process: child,
    stderr: () => err,
    published,
    diagnostics(uri, version, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri}@${version} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          uri,
          version,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        });
      });
    },
    async stop() {
      try {
        await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        connection.sendNotification('exit');
      } catch {
        // already gone
      }
      const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
      if (child.exitCode === null) child.kill();
      connection.dispose();
      return code;
    },
  };
}

/** The built server (`dist/server.js`) started in the workspace folder `ws` and initialized with it. */
export async function startInWorkspace(serverJs: string, ws: string): Promise<LspClient> {
  const c = startLsp('node', [serverJs, '--stdio'], { cwd: ws });
  const folder = pathToFileURL(ws).href;
  await c.connection.sendRequest('initialize', { processId: process.pid, rootUri: folder, workspaceFolders: [{ uri: folder, name: 'ws' }], capabilities: {} });
  c.connection.sendNotification('initialized', {});
  return c;
}
