/**
 * The real server (`dist/server.js`) checks a `bert` layer as you type: it reads the folder's
 * config.json through the analysis worker's data host, and an unsupported field is a diagnostic
 * on the `from` value's line.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover } from 'vscode-languageserver-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './helpers';
import { startLsp, type LspClient } from './lspClient';

const serverJs = join(root, 'dist', 'server.js');
const spec = (from: string) => `name: bert-lsp
model:
  input: [16]
  layers:
    - bert: { from: ${from}, pooling: mean }
    - dense: { units: 2, activation: softmax }
`;

describe('language server: bert layers', () => {
  let c: LspClient;
  let ws: string;
  beforeAll(async () => {
    if (!existsSync(serverJs)) throw new Error('run `npm run build` first');
    ws = realpathSync(mkdtempSync(join(tmpdir(), 'modelyaml-lsp-bert-')));
    cpSync(join(root, 'test', 'fixtures', 'hf-bert-small-random'), join(ws, 'bert-small'), { recursive: true });
    mkdirSync(join(ws, 'relative'));
    writeFileSync(join(ws, 'relative', 'config.json'), JSON.stringify({ model_type: 'bert', vocab_size: 30, position_embedding_type: 'relative_key_query' }));
    cpSync(join(root, 'test', 'fixtures', 'hf-distilbert-small-random'), join(ws, 'distil-small'), { recursive: true });
    mkdirSync(join(ws, 'distil-swish'));
    writeFileSync(join(ws, 'distil-swish', 'config.json'), JSON.stringify({ model_type: 'distilbert', vocab_size: 30, activation: 'swish' }));
    c = startLsp('node', [serverJs, '--stdio'], { cwd: ws });
    const folder = pathToFileURL(ws).href;
    await c.connection.sendRequest('initialize', { processId: process.pid, rootUri: folder, workspaceFolders: [{ uri: folder, name: 'ws' }], capabilities: {} });
    c.connection.sendNotification('initialized', {});
  });
  afterAll(async () => {
    await c.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  async function open(file: string, text: string) {
    const uri = pathToFileURL(join(ws, file)).href;
    const diags = c.diagnostics(uri, 1);
    c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version: 1, text } });
    return { uri, found: (await diags).diagnostics.map((d) => ({ code: d.code, message: d.message, line: d.range.start.line, character: d.range.start.character })) };
  }

  it('reports an unsupported config field at `from`', async () => {
    const text = spec('relative');
    const { found } = await open('bad.model.yaml', text);
    expect(found).toEqual([{ code: 'bert/unsupported-config', message: expect.stringContaining('position_embedding_type'), line: 4, character: text.split('\n')[4].indexOf('relative') }]);
  });

  it('checks a good folder clean and hovers the layer with the shape config.json gives', async () => {
    const text = spec('bert-small');
    const { uri, found } = await open('good.model.yaml', text);
    expect(found).toEqual([]);
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: text.split('\n')[4].indexOf('bert') + 1 } })) as Hover;
    // 22,538 weights in model.safetensors, less the pooler's 32·32 + 32 (mean pooling has none).
    expect((hover.contents as { value: string }).value).toContain('input (None, 16) → output (None, 32) · 21,482 params');
  });

  it('reports an unsupported DistilBERT config field at `from`, naming it', async () => {
    const text = spec('distil-swish');
    const { found } = await open('distil-bad.model.yaml', text);
    expect(found).toEqual([{ code: 'bert/unsupported-config', message: expect.stringContaining('(field `activation`)'), line: 4, character: text.split('\n')[4].indexOf('distil-swish') }]);
  });

  it('checks a DistilBERT folder clean and hovers the layer with the shape its config.json gives', async () => {
    const text = spec('distil-small');
    const { uri, found } = await open('distil-good.model.yaml', text);
    expect(found).toEqual([]);
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: text.split('\n')[4].indexOf('bert') + 1 } })) as Hover;
    // The fixture's 21,418 weights, all of them the encoder's (DistilBERT has no pooler).
    expect((hover.contents as { value: string }).value).toContain('input (None, 16) → output (None, 32) · 21,418 params');
  });
});
