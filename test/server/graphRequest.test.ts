/**
 * `modelyaml/graph` through the real server: the architecture panel's graph comes from the
 * server's analysis of the open document, at its current version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { architectureView } from '../../src/core/graph';
import { graphRequest, isGraphResult, type GraphResult } from '../../src/core/protocol/lsp';
import type { LspClient } from './lspClient';
import { lineOf, open, start } from './serverProcess';

let c: LspClient;
beforeAll(async () => {
  c = await start();
});
afterAll(async () => {
  expect(c.stderr()).toBe('');
  await c.stop();
});

const ask = (uri: unknown) => c.connection.sendRequest(graphRequest.method, { uri }) as Promise<GraphResult | null>;

describe('modelyaml/graph', () => {
  it("answers an open document's graph, Mermaid text and error count, as the core draws them", async () => {
    const { uri, text, diags } = open(c, 'residual-cnn.model.yaml');
    await diags;
    const result = await ask(uri);
    expect(isGraphResult(result)).toBe(true);
    expect(result).toEqual({ uri, version: 1, ...architectureView(analyze(text)) });
    expect(result!.graph.nodes.map((n) => n.name)).toContain('block_conv2');
    expect(result!.mermaid.TB).toMatch(/^flowchart TB\n/);
    expect(result!.mermaid.LR).toMatch(/^flowchart LR\n/);
    expect(result!.errors).toBe(0);
  });

  it('follows edits: the answer is for the newest version', async () => {
    const { uri, text, diags } = open(c, 'mlp.model.yaml');
    await diags;
    const line = lineOf(text, 'units: 10');
    const at = text.split('\n')[line].indexOf('units: 10') + 'units: '.length;
    c.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line, character: at }, end: { line, character: at + 2 } }, text: '7' }],
    });
    const result = await ask(uri);
    expect(result!.version).toBe(2);
    const edited = text.split('\n');
    edited[line] = edited[line].slice(0, at) + '7' + edited[line].slice(at + 2);
    expect(result!.graph).toEqual(architectureView(analyze(edited.join('\n'))).graph);
    expect(result!.errors).toBeGreaterThan(0); // 7 units no longer match the 10 classes
  });

  it('answers null for a document it does not have, and an error for bad parameters', async () => {
    expect(await ask('file:///nowhere.model.yaml')).toBeNull();
    await expect(ask(42)).rejects.toThrow(/uri/);
    await expect(c.connection.sendRequest(graphRequest.method, null)).rejects.toThrow(/uri/);
  });
});
