/**
 * Protocol tests: start the real server bundle (`dist/server.js`, built by `npm test`) and speak
 * LSP to it over stdio (and node IPC), as any client would.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import type { CodeAction, CompletionList, Hover, InlayHint, PublishDiagnosticsParams, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { examplesDir, root } from './helpers';
import { startLsp, type LspClient } from './lspClient';
import { capabilities, lineOf, open, serverJs, start } from './serverProcess';

describe('language server over stdio', () => {
  let c: LspClient;
  beforeAll(async () => {
    c = await start({ init: { formulaColor: '#cccccc', formulaImages: true } });
  });
  afterAll(async () => {
    expect(await c.stop()).toBe(0);
    expect(c.stderr()).toBe('');
  });

  it('negotiates standard capabilities', async () => {
    const raw = startLsp('node', [serverJs, '--stdio'], { cwd: root });
    const result = (await raw.connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} })) as { capabilities: Record<string, unknown>; serverInfo: { name: string } };
    expect(result.serverInfo.name).toBe('modelyaml');
    expect(result.capabilities).toMatchObject({
      textDocumentSync: { openClose: true, change: 2 },
      hoverProvider: true,
      inlayHintProvider: expect.anything(),
      documentSymbolProvider: expect.anything(),
      foldingRangeProvider: true,
      selectionRangeProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: true,
      documentLinkProvider: expect.anything(),
      semanticTokensProvider: { full: true, range: true },
    });
    await raw.stop();
  });

  it('publishes diagnostics on open, hovers, completes, hints, fixes and renames', async () => {
    const { uri, text, diags } = open(c, 'mnist-cnn.model.yaml');
    const first = await diags;
    expect(first.version).toBe(1);
    expect(first.diagnostics.filter((d) => d.severity === 1)).toEqual([]);

    // Hover on `adam`.
    const adamLine = lineOf(text, 'adam');
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: adamLine, character: text.split('\n')[adamLine].indexOf('adam') + 1 } })) as Hover;
    const value = (hover.contents as { value: string }).value;
    expect(value).toContain('data:image/svg+xml;base64,');
    expect(value).toContain('m̂');
    expect(Buffer.from(/base64,([^)]+)\)/.exec(value)![1], 'base64').toString()).toContain('fill="#cccccc"');

    // Inlay hints.
    const hints = (await c.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } } })) as InlayHint[];
    expect(hints.find((h) => h.position.line === lineOf(text, '- conv2d'))!.label).toBe('→ (None, 26, 26, 32) · 320 params');

    // Incremental change: a new list item after the last layer, then completion there.
    const lastLayer = lineOf(text, 'units: 10');
    const lineLen = text.split('\n')[lastLayer].length;
    const d2 = c.diagnostics(uri, 2);
    c.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: lastLayer, character: lineLen }, end: { line: lastLayer, character: lineLen } }, text: '\n    - ' }],
    });
    await d2;
    const list = (await c.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: lastLayer + 1, character: 6 } })) as CompletionList;
    expect(list.items.map((i) => i.label)).toContain('conv2d');

    // A typo: diagnostics at the new version, and the quick fix.
    const flattenLine = lineOf(text, '- flatten');
    const d3 = c.diagnostics(uri, 3);
    c.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: flattenLine, character: 6 }, end: { line: flattenLine, character: 13 } }, text: 'flaten' }],
    });
    const third = await d3;
    expect(third.version).toBe(3);
    const typo = third.diagnostics.find((d) => d.code === 'name/unknown')!;
    expect(typo.range).toEqual({ start: { line: flattenLine, character: 6 }, end: { line: flattenLine, character: 12 } });
    const actions = (await c.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: typo.range, context: { diagnostics: [typo] } })) as CodeAction[];
    expect(actions[0].title).toBe("Change to 'flatten'");
    expect(actions[0].edit!.changes![uri]).toEqual([{ range: typo.range, newText: 'flatten' }]);
  });

  it('renames named layers', async () => {
    const { uri, text, diags } = open(c, 'residual-cnn.model.yaml');
    await diags;
    const line = lineOf(text, 'inputs: [stem');
    const position = { line, character: text.split('\n')[line].indexOf('stem') + 1 };
    const prep = (await c.connection.sendRequest('textDocument/prepareRename', { textDocument: { uri }, position })) as { placeholder: string };
    expect(prep.placeholder).toBe('stem');
    const edit = (await c.connection.sendRequest('textDocument/rename', { textDocument: { uri }, position, newName: 'trunk' })) as WorkspaceEdit;
    expect(edit.changes![uri].map((e) => e.newText)).toEqual(['trunk', 'trunk']);
    await expect(c.connection.sendRequest('textDocument/rename', { textDocument: { uri }, position, newName: 'not valid' })).rejects.toThrow(/not a valid layer name/);
  });

  it('never publishes stale diagnostics over newer ones', async () => {
    const base = 'model:\n  input: [4]\n  layers:\n    - dense: { units: 3 }\n';
    const { uri, diags } = open(c, 'stale.model.yaml', base);
    await diags;
    const start = c.published.length;
    const last = c.diagnostics(uri, 31);
    for (let v = 2; v <= 31; v++) {
      // Odd versions are broken, even versions fine.
      const text = v % 2 ? base.replace('dense', 'dens') : base;
      c.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    }
    const final = await last;
    expect(final.version).toBe(31);
    expect(final.diagnostics.map((d) => d.code)).toEqual(['name/unknown']);
    // One more change: messages arrive in order, so any late publish for an older version would
    // come before this one's.
    const marker = c.diagnostics(uri, 32);
    c.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 32 }, contentChanges: [{ text: base }] });
    await marker;
    const mine = c.published.slice(start).filter((p) => p.uri === uri);
    const versions = mine.map((p) => p.version!);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(versions.slice(-2)).toEqual([31, 32]);
  });

  it('answers requests for unknown documents and bad positions with empty results', async () => {
    const uri = 'file:///nowhere.model.yaml';
    expect(await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await c.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 0, character: 0 } })).toEqual({ isIncomplete: false, items: [] });
    const { uri: u2, diags } = open(c, 'bad.model.yaml', 'model: [\n  - : {\n');
    await diags;
    for (const position of [{ line: 0, character: 0 }, { line: 99, character: 99 }, { line: 0, character: 999 }]) {
      await c.connection.sendRequest('textDocument/hover', { textDocument: { uri: u2 }, position });
      await c.connection.sendRequest('textDocument/completion', { textDocument: { uri: u2 }, position });
      await c.connection.sendRequest('textDocument/definition', { textDocument: { uri: u2 }, position });
    }
    await expect(c.connection.sendRequest('modelyaml/noSuchRequest', {})).rejects.toThrow();
    // Still answering.
    expect(await c.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: u2 } })).toEqual(expect.any(Array));
  });
});

describe('robustness over the protocol', () => {
  it('answers every request type at many positions of broken documents, and keeps running', async () => {
    const c = await start();
    const base = readFileSync(join(examplesDir, 'residual-cnn.model.yaml'), 'utf8');
    const docs = [
      base.slice(0, Math.floor(base.length * 0.6)),
      base.replace(/: \{/g, ': {{').replace(/\]/g, ''),
      base.replace(/\n {4}- /g, '\n  - ').replace('inputs: [stem, block_conv2]', 'inputs: [stem, block_conv2, nope'),
      'model:\n\t- x: [\n"\n',
    ];
    const version = 1;
    for (const [i, text] of docs.entries()) {
      const uri = `file:///robust-${i}.model.yaml`;
      const d = c.diagnostics(uri, version);
      c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version, text } });
      await d;
      const lines = text.split('\n');
      const positions: { line: number; character: number }[] = [];
      for (let line = 0; line <= lines.length; line += 2) for (let ch = 0; ch <= (lines[line]?.length ?? 0) + 1; ch += 5) positions.push({ line, character: ch });
      const td = { uri };
      const answers = await Promise.all(
        positions.flatMap((position) => [
          c.connection.sendRequest('textDocument/hover', { textDocument: td, position }),
          c.connection.sendRequest('textDocument/completion', { textDocument: td, position }),
          c.connection.sendRequest('textDocument/definition', { textDocument: td, position }),
          c.connection.sendRequest('textDocument/references', { textDocument: td, position, context: { includeDeclaration: true } }),
          c.connection.sendRequest('textDocument/prepareRename', { textDocument: td, position }),
          c.connection.sendRequest('textDocument/selectionRange', { textDocument: td, positions: [position] }),
          c.connection.sendRequest('textDocument/codeAction', { textDocument: td, range: { start: position, end: position }, context: { diagnostics: [] } }),
        ]),
      );
      expect(answers.length).toBe(positions.length * 7);
      for (const method of ['textDocument/documentSymbol', 'textDocument/foldingRange', 'textDocument/documentLink', 'textDocument/semanticTokens/full']) {
        expect(await c.connection.sendRequest(method, { textDocument: td })).toBeDefined();
      }
      expect(await c.connection.sendRequest('textDocument/inlayHint', { textDocument: td, range: { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } } })).toEqual(expect.any(Array));
    }
    expect(c.stderr()).toBe('');
    expect(await c.stop()).toBe(0);
  });
});

describe('data files', () => {
  it('re-checks open specs when data files appear', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-lsp-'));
    try {
      const c = await start();
      const file = join(dir, 'prices.model.yaml');
      const uri = pathToFileURL(file).href;
      const text = 'data:\n  source:\n    csv: { path: prices.csv, features: [area], label: price, label_type: continuous }\nmodel:\n  input: [1]\n  layers:\n    - dense: { units: 1 }\ntrain:\n  loss: mean_squared_error\n';
      const first = c.diagnostics(uri, 1);
      c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version: 1, text } });
      expect((await first).diagnostics.map((d) => d.code)).toContain('data/missing-file');
      writeFileSync(join(dir, 'prices.csv'), 'area,price\n50,100\n');
      const again = c.diagnostics(uri, 1);
      c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(dir, 'prices.csv')).href, type: 1 }] });
      expect((await again).diagnostics.filter((d) => d.severity === 1)).toEqual([]);
      await c.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings and theme', () => {
  it('turns inlay hints off through initializationOptions', async () => {
    const c = await start({ init: { settings: { inlayHints: { enabled: false } } } });
    const { uri, diags } = open(c, 'mlp.model.yaml');
    await diags;
    expect(await c.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } } })).toEqual([]);
    await c.stop();
  });

  it('reads workspace/configuration when the client supports it', async () => {
    const asked: unknown[] = [];
    let answered!: () => void;
    const configurationAnswered = new Promise<void>((resolve) => (answered = resolve));
    const c = await start({
      caps: { ...capabilities, workspace: { configuration: true } },
      onRequest: (method, params) => {
        asked.push([method, params]);
        if (method !== 'workspace/configuration') return null;
        // Resolved before the answer is written; the hint request below is written after it.
        answered();
        return [{ inlayHints: { enabled: false } }];
      },
    });
    const { uri, diags } = open(c, 'mlp.model.yaml');
    await diags;
    await configurationAnswered;
    const hints = () => c.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } } }) as Promise<unknown[]>;
    expect(await hints()).toEqual([]);
    expect(asked).toContainEqual(['workspace/configuration', { items: [{ section: 'modelyaml' }] }]);
    await c.stop();
  });

  it('draws formulas in the theme colour sent by modelyaml/theme', async () => {
    const c = await start({ init: { formulaImages: true } });
    const text = 'train:\n  optimizer: adam\n';
    const { uri, diags } = open(c, 'theme.model.yaml', text);
    await diags;
    c.connection.sendNotification('modelyaml/theme', { color: '#ff8800', fontSize: 18 });
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 14 } })) as Hover;
    const svg = Buffer.from(/base64,([^)]+)\)/.exec((hover.contents as { value: string }).value)![1], 'base64').toString();
    expect(svg).toContain('fill="#ff8800"');
    await c.stop();
  });
});

describe('other ways to start the server', () => {
  it('runs as `modelyaml lsp --stdio`', async () => {
    const cli = join(root, 'dist', 'cli.js');
    if (!existsSync(cli)) return; // the CLI bundle is built by `npm run build` with the rest
    const c = await start({ args: [cli, 'lsp', '--stdio'] });
    const { diags } = open(c, 'mlp.model.yaml');
    expect((await diags).diagnostics.filter((d) => d.severity === 1)).toEqual([]);
    expect(await c.stop()).toBe(0);
  });

  it('speaks over node IPC', async () => {
    const child = fork(serverJs, ['--node-ipc'], { cwd: root, silent: true });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const published: PublishDiagnosticsParams[] = [];
    const got = new Promise<void>((resolve) =>
      connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
        published.push(p);
        resolve();
      }),
    );
    connection.listen();
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    connection.sendNotification('initialized', {});
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: 'untitled:x', languageId: 'modelyaml', version: 1, text: 'model:\n  layers: []\n' } });
    await got;
    expect(published[0].diagnostics.map((d) => d.code)).toContain('key/missing');
    await connection.sendRequest('shutdown');
    connection.sendNotification('exit');
    await new Promise((r) => child.on('exit', r));
    connection.dispose();
  });
});
