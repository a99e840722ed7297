/**
 * The architecture panel's host asking the real server for the graph (`modelyaml/graph`), as the
 * extension wires it: the webview gets the server's graph, follows edits, and waits for the server
 * when it does not have the document yet. (The drawing itself: test/webviews/graph.test.ts.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBVIEW_PROTOCOL_VERSION, type GraphPayload } from '../../src/core/protocol/webview';
import { analyze } from '../../src/core/analyze';
import { architectureView } from '../../src/core/graph';
import { graphRequest, isGraphResult } from '../../src/core/protocol/lsp';
import { registerPanels } from '../../src/extension/panels';
import { fakeVscode, memoryLog, Uri, type FakePanel, type FakeVscode } from '../webviews/fakeVscode';
import { examplesDir, root } from './helpers';
import type { LspClient } from './lspClient';
import { open, start } from './serverProcess';

let c: LspClient;
let vs: FakeVscode;
let asked = 0;

beforeAll(async () => {
  c = await start();
  vs = fakeVscode({ origin: 'http://127.0.0.1:1', workspace: root });
  const context = { subscriptions: [] as { dispose(): void }[], extensionUri: Uri.file(root) };
  registerPanels(context as never, {
    vscode: vs.api,
    output: memoryLog(vs.logs),
    runsRoots: () => [],
    graph: async (d) => {
      asked++;
      const result: unknown = await c.connection.sendRequest(graphRequest.method, { uri: d.uri.toString() });
      return isGraphResult(result) ? result : null;
    },
  });
});
afterAll(async () => {
  expect(c.stderr()).toBe('');
  expect(vs.logs.filter((l) => /error|warn/i.test(l))).toEqual([]);
  await c.stop();
});

type Posted = { type: string; message?: string } & Partial<GraphPayload>;

/** Resolves with the first message the host posts (from now on) that `match` accepts. */
function nextPosted(panel: FakePanel, match: (m: Posted) => boolean): Promise<Posted> {
  return new Promise((resolve) => {
    const seen = panel.posted.length;
    panel.deliver = async () => {
      const m = (panel.posted.slice(seen) as Posted[]).find(match);
      if (m) resolve(m);
    };
  });
}

describe('architecture panel with the language server', () => {
  it("waits for the server to open the spec, then draws the server's graph, and follows edits", async () => {
    const file = join(examplesDir, 'mlp.model.yaml');
    const editor = vs.openEditor(file);
    await vs.commands.get('modelyaml.showArchitecture')!();
    const panel = vs.panels[0];
    const waiting = nextPosted(panel, (m) => m.type === 'empty');
    panel.received.fire({ type: 'ready', version: WEBVIEW_PROTOCOL_VERSION });
    expect((await waiting).message).toMatch(/Waiting for the language server/);

    const drawn = nextPosted(panel, (m) => m.type === 'graph');
    const { text, diags } = open(c, 'mlp.model.yaml');
    await diags;
    const graph = await drawn;
    const view = architectureView(analyze(text));
    expect(graph.graph).toEqual(view.graph);
    expect(graph.mermaid).toEqual(view.mermaid);
    expect(asked).toBeGreaterThanOrEqual(2);

    // An edit: the editor's change reaches the server first (as the language client sends it), then the panel asks.
    const edited = text.replace('units: 10', 'units: 7');
    const redrawn = nextPosted(panel, (m) => m.type === 'graph');
    c.connection.sendNotification('textDocument/didChange', { textDocument: { uri: editor.document.uri.toString(), version: 2 }, contentChanges: [{ text: edited }] });
    vs.edit(editor.document, edited);
    const after = await redrawn;
    expect(after.graph).toEqual(architectureView(analyze(edited)).graph);
    expect(after.errors).toBeGreaterThan(0);
  });
});
