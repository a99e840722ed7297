/**
 * The real server (`dist/server.js`) and hostile data paths: a spec naming a FIFO gets a
 * diagnostic and the server goes on answering other documents (opening the FIFO used to block its
 * only thread); data is read only inside the workspace folders of `initialize`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSpec as spec } from '../node/dataSpec';
import type { Hover } from 'vscode-languageserver-protocol';
import { root } from './helpers';
import { startLsp, type LspClient } from './lspClient';

const serverJs = join(root, 'dist', 'server.js');

describe('language server: data paths', () => {
  let c: LspClient;
  let outer: string;
  let ws: string;
  beforeAll(async () => {
    if (!existsSync(serverJs)) throw new Error('run `npm run build` first');
    outer = realpathSync(mkdtempSync(join(tmpdir(), 'modelyaml-lsp-paths-')));
    ws = join(outer, 'ws');
    mkdirSync(join(ws, 'specs'), { recursive: true });
    writeFileSync(join(outer, 'outside.csv'), 'a,b,y\n1,2,3\n');
    writeFileSync(join(ws, 'inside.csv'), 'a,b,y\n1,2,3\n');
    execFileSync('mkfifo', [join(ws, 'pipe.csv')]);
    c = startLsp('node', [serverJs, '--stdio'], { cwd: outer });
    const folder = pathToFileURL(ws).href;
    await c.connection.sendRequest('initialize', { processId: process.pid, rootUri: folder, workspaceFolders: [{ uri: folder, name: 'ws' }], capabilities: {} });
    c.connection.sendNotification('initialized', {});
  });
  afterAll(async () => {
    await c.stop();
    rmSync(outer, { recursive: true, force: true });
  });

  async function open(file: string, text: string) {
    const uri = pathToFileURL(join(ws, file)).href;
    const diags = c.diagnostics(uri, 1);
    c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version: 1, text } });
    return { uri, found: (await diags).diagnostics.map((d) => ({ code: d.code, message: d.message, line: d.range.start.line })) };
  }

  it('a FIFO gets a diagnostic, and a hover on another document is answered', async () => {
    const { found } = await open('fifo.model.yaml', spec('pipe.csv'));
    expect(found).toEqual([{ code: 'data/not-a-file', message: expect.stringContaining('`pipe.csv` is not a regular file'), line: 2 }]);
    const other = spec('inside.csv');
    const { uri } = await open('other.model.yaml', other);
    const line = other.split('\n').findIndex((l) => l.includes('dense'));
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: other.split('\n')[line].indexOf('dense') + 1 } })) as Hover;
    expect((hover.contents as { value: string }).value).toContain('dense');
  });

  it('reads data anywhere in the workspace folder, and nothing outside it', async () => {
    expect((await open('specs/up.model.yaml', spec('../inside.csv'))).found).toEqual([]);
    const { found } = await open('specs/out.model.yaml', spec('../../outside.csv'));
    expect(found).toEqual([{ code: 'data/outside-workspace', message: expect.stringContaining(`\`../../outside.csv\` is outside the workspace (${ws})`), line: 2 }]);
  });
});

describe('language server: workspace folders added later', () => {
  it('a spec whose data was outside is checked again when a folder holding both is added to the workspace', async () => {
    // The spec is opened before its project is a workspace folder: only its own folder counts.
    const outer = realpathSync(mkdtempSync(join(tmpdir(), 'modelyaml-lsp-folders-')));
    const project = join(outer, 'project');
    mkdirSync(join(project, 'specs'), { recursive: true });
    mkdirSync(join(outer, 'other'), { recursive: true });
    writeFileSync(join(project, 'd.csv'), 'a,b,y\n1,2,3\n');
    const c = startLsp('node', [serverJs, '--stdio'], { cwd: outer });
    try {
      const folder = (p: string) => ({ uri: pathToFileURL(p).href, name: p });
      await c.connection.sendRequest('initialize', {
        processId: process.pid, rootUri: null, workspaceFolders: [folder(join(outer, 'other'))],
        capabilities: { workspace: { workspaceFolders: true } },
      });
      c.connection.sendNotification('initialized', {});
      const uri = pathToFileURL(join(project, 'specs', 's.model.yaml')).href;
      const first = c.diagnostics(uri, 1);
      c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version: 1, text: spec('../d.csv') } });
      expect((await first).diagnostics.map((d) => d.code)).toEqual(['data/outside-workspace']);
      const added = c.diagnostics(uri, 1);
      c.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [folder(project)], removed: [] } });
      expect((await added).diagnostics).toEqual([]);
      const removed = c.diagnostics(uri, 1);
      c.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [folder(project)] } });
      expect((await removed).diagnostics.map((d) => d.code)).toEqual(['data/outside-workspace']);
    } finally {
      await c.stop();
      rmSync(outer, { recursive: true, force: true });
    }
  });
});
