/**
 * Incremental re-analysis through the real server (`dist/server.js`, built by `npm test`): after
 * each incremental didChange, the published diagnostics and hovers equal those of the same text
 * opened fresh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hover } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { examplesDir, root } from './helpers';
import { startLsp, type LspClient } from './lspClient';

const serverJs = join(root, 'dist', 'server.js');

beforeAll(async () => {
  if (!existsSync(serverJs)) {
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: { server: join(root, 'server/main.ts') }, outdir: join(root, 'dist'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  }
});

describe('incremental didChange', () => {
  let c: LspClient;
  beforeAll(async () => {
    c = startLsp('node', [serverJs, '--stdio'], { cwd: root });
    await c.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true }, hover: { contentFormat: ['markdown'] } } },
      initializationOptions: {},
    });
    c.connection.sendNotification('initialized', {});
  });
  afterAll(async () => {
    expect(await c.stop()).toBe(0);
    expect(c.stderr()).toBe('');
  });

  let fresh = 0;
  /** Diagnostics and hovers of `text` opened as a new document. */
  async function reference(text: string, hovers: number[]) {
    const uri = pathToFileURL(join(examplesDir, `fresh-${++fresh}.model.yaml`)).href;
    const diags = c.diagnostics(uri, 1);
    c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version: 1, text } });
    const d = await diags;
    const doc = TextDocument.create(uri, 'modelyaml', 1, text);
    const h = await Promise.all(hovers.map((o) => c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: doc.positionAt(o) }) as Promise<Hover | null>));
    c.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    return { diagnostics: JSON.parse(JSON.stringify(d.diagnostics).replaceAll(uri, 'URI')), hovers: h };
  }

  it('publishes the diagnostics a fresh analysis gives, edit after edit', async () => {
    const file = join(examplesDir, 'residual-cnn.model.yaml');
    const uri = pathToFileURL(file).href;
    let doc = TextDocument.create(uri, 'modelyaml', 1, readFileSync(file, 'utf8'));
    const opened = c.diagnostics(uri, 1);
    c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version: 1, text: doc.getText() } });
    expect((await opened).diagnostics).toEqual([]);

    // Each edit replaces `from` (its first occurrence after `after`) by `to`.
    const edits: { from: string; to: string; after?: string; expect?: string[] }[] = [
      { from: 'name: stem', to: 'name: stm', expect: ['ref/unknown'] }, // `inputs: [stem, …]` now names nothing
      { from: 'name: stm', to: 'name: stem', expect: [] },
      { from: 'filters: 16, kernel_size: 3, padding: same }', to: 'filter: 16, kernel_size: 3, padding: same }', expect: ['param/unknown', 'param/missing'] },
      { from: 'filter: 16', to: 'filters: 16', expect: [] },
      { from: '- max_pool2d: { pool_size: 2 }', to: '- max_pool2d: { pool_size: 2 }\n      name: pool', expect: [] },
      { from: 'name: pool', to: 'name: pool\n      inputs: [nowhere]', expect: ['ref/unknown'] },
      { from: '[nowhere]', to: '[residual]', expect: [] },
      { from: '- activation: relu', to: '- activation: rellu', expect: ['name/unknown'] },
      { from: 'rellu\n', to: 'relu\n    - dropout: 0.5\n', expect: [] }, // a new layer: the full path
      { from: '- activation: relu', to: '- activation: [relu', expect: ['yaml/'] },
      { from: '- activation: [relu', to: '- activation: relu', expect: [] },
    ];
    let version = 1;
    for (const e of edits) {
      const text = doc.getText();
      const at = text.indexOf(e.from, e.after ? text.indexOf(e.after) : 0);
      expect(at, e.from).toBeGreaterThanOrEqual(0);
      const range = { start: doc.positionAt(at), end: doc.positionAt(at + e.from.length) };
      version++;
      doc = TextDocument.update(doc, [{ range, text: e.to }], version);
      const got = c.diagnostics(uri, version);
      c.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: e.to }] });
      const published = await got;
      expect(published.version).toBe(version);

      const newText = doc.getText();
      const hoverAt = [at, at + 2, at + e.to.length - 1, newText.indexOf('conv2d'), newText.indexOf('adam') + 1, newText.indexOf('inputs: [') + 10];
      const want = await reference(newText, hoverAt);
      expect(JSON.parse(JSON.stringify(published.diagnostics).replaceAll(uri, 'URI'))).toEqual(want.diagnostics);
      for (const code of e.expect ?? []) expect(published.diagnostics.map((d) => String(d.code)).join(' '), e.to).toContain(code);
      if (e.expect?.length === 0) expect(published.diagnostics.filter((d) => d.severity === 1), e.to).toEqual([]);
      const hovers = await Promise.all(hoverAt.map((o) => c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: doc.positionAt(o) }) as Promise<Hover | null>));
      expect(hovers).toEqual(want.hovers);
    }
  });
});
