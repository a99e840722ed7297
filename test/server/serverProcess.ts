/**
 * The real server bundle (`dist/server.js`, built by `npm run build`) as a client sees it: start it
 * over stdio with a client's capabilities and initialization options, open documents in it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll } from 'vitest';
import { examplesDir, root } from './helpers';
import { startLsp, type LspClient } from './lspClient';

export const serverJs = join(root, 'dist', 'server.js');

beforeAll(async () => {
  if (!existsSync(serverJs)) {
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: { server: join(root, 'server/main.ts') }, outdir: join(root, 'dist'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  }
});

/** What VS Code's client announces (the parts the server reads). */
export const capabilities = {
  workspace: { configuration: false },
  textDocument: {
    completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    rename: { prepareSupport: true },
  },
};

export interface StartOptions {
  args?: string[];
  init?: unknown;
  caps?: unknown;
  onRequest?: (method: string, params: unknown) => unknown;
}

/** Starts the server and completes the initialize handshake. */
export async function start(options: StartOptions = {}): Promise<LspClient> {
  const c = startLsp('node', options.args ?? [serverJs, '--stdio'], { cwd: root, onRequest: options.onRequest });
  await c.connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: options.caps ?? capabilities, initializationOptions: options.init });
  c.connection.sendNotification('initialized', {});
  return c;
}

/** Opens a document (an example's text by default) and returns the promise of its first diagnostics. */
export function open(c: LspClient, file: string, text = readFileSync(join(examplesDir, file), 'utf8'), version = 1) {
  const uri = pathToFileURL(join(examplesDir, file)).href;
  const diags = c.diagnostics(uri, version);
  c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version, text } });
  return { uri, text, diags };
}

export const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
