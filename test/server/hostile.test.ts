/**
 * Hostile documents through the real built server over stdio (`modelyaml lsp --stdio`): one
 * document must never cost the editor its language features on the others.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hover } from 'vscode-languageserver-types';
import { examplesDir, root } from './helpers';
import { startLsp, type LspClient } from './lspClient';

const cli = join(root, 'bin', 'modelyaml.js');

describe('a document nested thousands of levels deep', () => {
  let c: LspClient;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('run `npm run build` first: this test talks to the built server');
    c = startLsp('node', [cli, 'lsp', '--stdio'], { cwd: root });
    await c.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true }, hover: { contentFormat: ['markdown'] } } },
      initializationOptions: {},
    });
    c.connection.sendNotification('initialized', {});
  });
  afterAll(async () => {
    expect(await c.stop()).toBe(0);
  });

  it('gets one diagnostic at the level too deep, after an edit too, and hovers on another document are answered', async () => {
    const deep = pathToFileURL(join(examplesDir, 'deep.model.yaml')).href;
    for (const [k, n] of [5000, 10000, 20000].entries()) {
      const opened = c.diagnostics(deep, 1);
      c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: deep, languageId: 'modelyaml', version: 1, text: 'x: ' + '['.repeat(n) } });
      expect((await opened).diagnostics.map((d) => [d.code, d.range.start])).toEqual([['yaml/too-deep', { line: 0, character: 102 }]]);
      // One edit after opening, as a user types.
      const changed = c.diagnostics(deep, 2);
      c.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: deep, version: 2 },
        contentChanges: [{ range: { start: { line: 0, character: 3 }, end: { line: 0, character: 3 } }, text: '[' }],
      });
      expect((await changed).diagnostics.map((d) => d.code)).toEqual(['yaml/too-deep']);
      c.connection.sendNotification('textDocument/didClose', { textDocument: { uri: deep } });

      const other = pathToFileURL(join(examplesDir, `other-${k}.model.yaml`)).href;
      const text = 'model:\n  input: [4]\n  layers:\n    - dense: { units: 2 }\n';
      const published = c.diagnostics(other, 1);
      c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId: 'modelyaml', version: 1, text } });
      await published;
      const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri: other }, position: { line: 3, character: 8 } })) as Hover | null;
      expect(JSON.stringify(hover?.contents)).toContain('dense');
      c.connection.sendNotification('textDocument/didClose', { textDocument: { uri: other } });
    }
    expect(c.process.exitCode).toBeNull();
    expect(c.stderr()).not.toMatch(/FATAL|Maximum call stack/);
  });
});
