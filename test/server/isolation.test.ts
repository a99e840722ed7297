/**
 * The real server (`dist/server.js`) over stdio: one document's analysis or data read never
 * stalls requests on another. A huge document (issue 16, item 5: 1 MB of layers with unknown
 * `inputs`) is analysed while a hover on a small one is answered first; a data read that never
 * finishes is abandoned after MODELYAML_DATA_READ_SECONDS with a diagnostic at the path; a worker
 * that runs out of memory costs its document's diagnostics only, and later edits are checked
 * again. The slow read and the crash are real (a thread blocked in `Atomics.wait`, a heap filled
 * past its limit), placed by the test hook MODELYAML_DATA_FAULT.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { csvSpec } from '../node/dataSpec';
import { startLsp, type LspClient } from './lspClient';
import { serverJs } from './serverProcess';

/** `n` layers, each naming an unknown input: the worst case of issue 16 (about 70 bytes a layer). */
function unknownRefs(n: number): string {
  let s = 'model:\n  input: [4]\n  layers:\n';
  for (let i = 0; i < n; i++) s += `    - dense: { units: 4 }\n      name: layer_${i}\n      inputs: nope_${i}\n`;
  return s;
}

/** The server's log (`window/logMessage`), by client. */
const logs = new WeakMap<LspClient, string[]>();

async function startIn(ws: string, env: Record<string, string> = {}): Promise<LspClient> {
  const c = startLsp('node', [serverJs, '--stdio'], { cwd: ws, env: { ...process.env, ...env } });
  const log: string[] = [];
  logs.set(c, log);
  c.connection.onNotification('window/logMessage', (p: { message: string }) => log.push(p.message));
  const folder = pathToFileURL(ws).href;
  await c.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: folder,
    workspaceFolders: [{ uri: folder, name: 'ws' }],
    capabilities: { textDocument: { publishDiagnostics: { versionSupport: true }, hover: { contentFormat: ['markdown'] } } },
  });
  c.connection.sendNotification('initialized', {});
  return c;
}

function opener(c: LspClient, ws: string) {
  return (file: string, text: string, version = 1) => {
    const uri = pathToFileURL(join(ws, file)).href;
    const diagnostics = c.diagnostics(uri, version, 60_000);
    c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version, text } });
    return { uri, text, diagnostics };
  };
}

/** A hover on the word `dense` of `text`. */
function hoverDense(c: LspClient, uri: string, text: string): Promise<Hover | null> {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('dense'));
  return c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: lines[line].indexOf('dense') + 1 } });
}

const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d: Diagnostic) => d.code);

let ws: string;
beforeAll(() => {
  ws = realpathSync(mkdtempSync(join(tmpdir(), 'modelyaml-lsp-isolation-')));
  mkdirSync(join(ws, '.git'));
  for (const f of ['slow.csv', 'boom.csv', 'good.csv']) writeFileSync(join(ws, f), 'a,b,y\n1,2,3\n');
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('a huge document', () => {
  let c: LspClient;
  beforeAll(async () => {
    c = await startIn(ws);
  });
  afterAll(async () => {
    expect(await c.stop()).toBe(0);
  });

  it('is analysed while a hover on another document is answered first', async () => {
    const open = opener(c, ws);
    const small = open('small.model.yaml', 'model:\n  input: [4]\n  layers:\n    - dense: { units: 2 }\n');
    expect(codes(await small.diagnostics)).toEqual([]);

    const big = open('big.model.yaml', unknownRefs(15_000));
    expect(big.text.length).toBeGreaterThan(1_000_000);
    const events: string[] = [];
    const published = big.diagnostics.then((p) => (events.push('big: diagnostics'), p));
    const hover = hoverDense(c, small.uri, small.text).then((h) => (events.push('small: hover'), h));
    expect(JSON.stringify((await hover)?.contents)).toContain('dense');
    const p = await published;
    expect(events).toEqual(['small: hover', 'big: diagnostics']);
    expect(codes(p)).toContain('ref/unknown');
  });
});

describe('a data read that never finishes', () => {
  let c: LspClient;
  beforeAll(async () => {
    c = await startIn(ws, { MODELYAML_DATA_FAULT: 'hang:slow.csv', MODELYAML_DATA_READ_SECONDS: '2' });
  });
  afterAll(async () => {
    expect(await c.stop()).toBe(0);
  });

  it('a read that never finishes times out with a diagnostic at the path, and other documents are answered meanwhile', async () => {
    const open = opener(c, ws);
    const other = open('other.model.yaml', csvSpec('good.csv'));
    expect(codes(await other.diagnostics)).toEqual([]);
    const slow = open('slow.model.yaml', csvSpec('slow.csv'));
    const events: string[] = [];
    const published = slow.diagnostics.then((p) => (events.push('slow: diagnostics'), p));
    expect(JSON.stringify((await hoverDense(c, other.uri, other.text))?.contents)).toContain('dense');
    events.push('other: hover');

    const p = await published;
    expect(events).toEqual(['other: hover', 'slow: diagnostics']);
    expect(p.diagnostics).toEqual([
      expect.objectContaining({ code: 'data/read-timeout', message: expect.stringContaining('Reading `slow.csv` timed out'), range: expect.objectContaining({ start: { line: 2, character: expect.any(Number) } }) }),
    ]);
    // The document itself is answered again, by a fresh worker.
    expect(JSON.stringify((await hoverDense(c, slow.uri, slow.text))?.contents)).toContain('dense');
  });

});

describe('a worker that runs out of memory', () => {
  let c: LspClient;
  beforeAll(async () => {
    // A read limit far beyond the crash, however loaded the machine is: the crash, not the clock, ends the read.
    c = await startIn(ws, { MODELYAML_DATA_FAULT: 'oom:boom.csv', MODELYAML_DATA_READ_SECONDS: '600', MODELYAML_ANALYSIS_MEMORY_MB: '64' });
  });
  afterAll(async () => {
    expect(await c.stop()).toBe(0);
  });

  it('in a data read costs its document\'s diagnostics only, with a diagnostic at the path, and an edit is checked again', async () => {
    const open = opener(c, ws);
    const boom = open('boom.model.yaml', csvSpec('boom.csv'));
    const p = await boom.diagnostics;
    expect(p.diagnostics).toEqual([expect.objectContaining({ code: 'data/read-crashed', message: expect.stringContaining('Reading `boom.csv` stopped the checker'), range: expect.objectContaining({ start: { line: 2, character: expect.any(Number) } }) })]);

    const fixed = csvSpec('good.csv');
    const edited = c.diagnostics(boom.uri, 2, 60_000);
    c.connection.sendNotification('textDocument/didChange', { textDocument: { uri: boom.uri, version: 2 }, contentChanges: [{ text: fixed }] });
    expect(codes(await edited)).toEqual([]);
    expect(JSON.stringify((await hoverDense(c, boom.uri, fixed))?.contents)).toContain('dense');
    expect(c.stderr()).not.toMatch(/FATAL|out of memory/i);
  });

  it('in an analysis (a 1 MB spec past a 64 MiB heap) costs that version one diagnostic, the other documents keep answering, and an edit is checked again', async () => {
    const open = opener(c, ws);
    const small = open('small.model.yaml', 'model:\n  input: [4]\n  layers:\n    - dense: { units: 2 }\n');
    expect(codes(await small.diagnostics)).toEqual([]);
    const crashesBefore = logs.get(c)!.filter((m) => m.includes('analysis worker went away')).length;
    const big = open('huge.model.yaml', unknownRefs(15_000));
    const p = await big.diagnostics;
    expect(p.diagnostics).toEqual([
      expect.objectContaining({ code: 'internal/crashed', message: expect.stringContaining('stopped while checking this document'), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }),
    ]);
    expect(JSON.stringify((await hoverDense(c, small.uri, small.text))?.contents)).toContain('dense');
    // Requests on the crashed version are answered (empty), without bringing another worker down.
    expect(await hoverDense(c, big.uri, big.text)).toBeNull();
    expect(await c.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: big.uri } })).toEqual([]);
    expect(logs.get(c)!.filter((m) => m.includes('analysis worker went away'))).toHaveLength(crashesBefore + 1);

    const edited = c.diagnostics(big.uri, 2, 60_000);
    c.connection.sendNotification('textDocument/didChange', { textDocument: { uri: big.uri, version: 2 }, contentChanges: [{ text: unknownRefs(2) }] });
    expect(codes(await edited)).toContain('ref/unknown');
  });
});
