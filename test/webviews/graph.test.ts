/**
 * The architecture panel end to end: the real host (`GraphPanel`, registered by `registerPanels`)
 * on a stand-in vscode API, and the built bundle in headless Chromium under the extension's CSP.
 * Every example spec is drawn and checked against the core's graph; clicking a node reveals its
 * line, moving the cursor highlights a node, edits re-render without moving the view.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { architectureGraph, toMermaid } from '../../src/core/graph';
import { VIEW_TYPES } from '../../src/core/protocol/webview';
import { registerPanels } from '../../src/extension/panels';
import { fakeVscode, memoryLog, Uri, type FakePanel, type FakeVscode } from './fakeVscode';
import { connectPanel, launchChromium, root, startServer, type PanelPage, type StaticServer } from './harness';

const examples = ['mnist-cnn', 'mlp', 'house-prices', 'lstm-sentiment', 'transformer-text', 'residual-cnn'].map((n) => join(root, 'examples', `${n}.model.yaml`));
const features = join(__dirname, 'fixtures', 'graph-features.model.yaml');
const repeated = join(__dirname, 'fixtures', 'repeated-blocks.model.yaml');
const XSS = '<img src=x onerror=alert(1)>';

let browser: Browser;
let server: StaticServer;
let vs: FakeVscode;
let page: PanelPage;
let panel: FakePanel;
const pages: PanelPage[] = [];
const dialogs: string[] = [];
const out = mkdtempSync(join(tmpdir(), 'modelyaml-graph-'));

interface DrawnNode {
  id: string;
  text: string;
  cls: string;
  label: string;
  tabindex: string | null;
}

async function renders(p = page): Promise<number> {
  return p.page.evaluate(() => (window as unknown as { modelyamlGraph: { renders(): number } }).modelyamlGraph.renders());
}

async function waitForRenders(n: number, p = page): Promise<void> {
  await p.page.waitForFunction((k) => (window as unknown as { modelyamlGraph: { renders(): number } }).modelyamlGraph.renders() >= k, n, { timeout: 30_000 });
}

async function drawn(p = page): Promise<{ nodes: DrawnNode[]; edges: string[]; edgeLabels: string[]; images: number; text: string }> {
  return p.page.evaluate(() => {
    const svg = document.querySelector('#canvas svg')!;
    return {
      nodes: [...svg.querySelectorAll<SVGGElement>('g.node')].map((g) => ({
        id: g.dataset.nodeId ?? '',
        text: (g.querySelector('.nodeLabel, .label')?.textContent ?? '').trim(),
        cls: g.getAttribute('class') ?? '',
        label: g.getAttribute('aria-label') ?? '',
        tabindex: g.getAttribute('tabindex'),
      })),
      edges: [...svg.querySelectorAll('path.flowchart-link')].map((e) => e.getAttribute('data-id') ?? ''),
      edgeLabels: [...svg.querySelectorAll('g.edgeLabel')].map((e) => (e.textContent ?? '').trim()).filter(Boolean),
      images: svg.querySelectorAll('img, image, script, iframe').length,
      text: (window as unknown as { modelyamlGraph: { drawn(): string } }).modelyamlGraph.drawn(),
    };
  });
}

/** Whether a Mermaid edge id (`L_<from>_<to>_<n>`) ends at node `id`. */
function into(edgeId: string, id: string): boolean {
  return new RegExp(`_${id}_\\d+$`).test(edgeId);
}

function expected(path: string) {
  return architectureGraph(analyze(readFileSync(path, 'utf8')));
}

function problemsOf(pp: PanelPage): string[] {
  return [...pp.problems(), ...pp.strayRequests().map((r) => `unexpected request ${r}`)];
}

beforeAll(async () => {
  browser = await launchChromium();
  server = await startServer();
  vs = fakeVscode({ origin: server.origin, workspace: root });
  const context = { subscriptions: [] as { dispose(): void }[], extensionUri: Uri.file(root) };
  registerPanels(context as never, { vscode: vs.api, output: memoryLog(vs.logs), runsRoots: () => [] });
});

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('architecture panel', () => {
  it('opens from the command on the active spec, after the webview says ready', async () => {
    vs.openEditor(examples[0]);
    await vs.commands.get('modelyaml.showArchitecture')!();
    panel = vs.panels[0];
    expect(panel.viewType).toBe(VIEW_TYPES.graph);
    expect(panel.posted).toEqual([]); // nothing before `ready`
    const html = panel.webview.html;
    expect(html).toContain(`script-src 'nonce-`);
    expect(html).not.toContain('unsafe-eval');
    expect(panel.webview.options).toMatchObject({ enableScripts: true, localResourceRoots: [expect.objectContaining({ path: join(root, 'dist', 'webviews') })] });
    page = await connectPanel(browser, server, 'graph', panel, { theme: 'dark', viewport: { width: 1000, height: 1060 } });
    pages.push(page);
    page.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await waitForRenders(1);
    expect((panel.posted[0] as { type: string }).type).toBe('graph');
    expect(panel.title).toBe('Architecture: mnist-cnn.model.yaml');
  });

  it('draws every example spec: nodes with type, shape and parameters; edges labelled with shapes', async () => {
    for (const [i, spec] of examples.entries()) {
      if (i > 0) {
        const before = await renders();
        vs.openEditor(spec); // the panel follows the active spec
        await waitForRenders(before + 1);
      }
      const g = expected(spec);
      const d = await drawn();
      expect(d.text).toBe(toMermaid(g, { direction: 'TB' }));
      expect(d.nodes.map((n) => n.id).sort()).toEqual(g.nodes.map((n) => n.id).sort());
      for (const n of g.nodes) {
        const node = d.nodes.find((x) => x.id === n.id)!;
        expect(node.text, `${spec} ${n.id}`).toContain(n.kind === 'input' ? `input ${n.name}` : n.type);
        if (n.shape) expect(node.text).toContain(n.shape);
        if (n.kind === 'layer' && n.params !== undefined) expect(node.text).toContain(`${n.params.toLocaleString('en-US')} params`);
        expect(node.tabindex).toBe('0'); // keyboard reachable
        expect(node.label).toContain(n.kind === 'input' ? `input ${n.name}` : `${n.name} (${n.type})`);
      }
      expect(d.edges).toHaveLength(g.edges.length);
      expect(d.edgeLabels.sort()).toEqual(g.edges.map((e) => e.label!).sort());
      expect(d.images).toBe(0);
    }
    // residual-cnn is a graph, not a chain: the `add` node has two incoming edges.
    const g = expected(examples[5]);
    const add = g.nodes.find((n) => n.type === 'add')!;
    expect(g.edges.filter((e) => e.to === add.id)).toHaveLength(2);
    expect((await drawn()).edges.filter((e) => into(e, add.id))).toHaveLength(2);
    await page.screenshot('graph-dark');
  });

  it('draws inputs and concatenate as a graph, an error node with its message, and markup in names as text', async () => {
    const before = await renders();
    vs.openEditor(features);
    await waitForRenders(before + 1);
    const g = expected(features);
    const d = await drawn();
    expect(g.nodes.filter((n) => n.kind === 'input')).toHaveLength(2);
    const joined = g.nodes.find((n) => n.name === 'joined')!;
    expect(d.edges.filter((e) => into(e, joined.id))).toHaveLength(2);
    // The error node: classed as an error, its message drawn in it and in its accessible name.
    const broken = d.nodes.find((n) => n.id === g.nodes.find((x) => x.name === 'broken')!.id)!;
    expect(broken.cls).toContain('error');
    expect(broken.cls).toContain('has-error');
    expect(broken.text).toContain('⚠ `conv2d` expects a rank-4 input');
    expect(broken.label).toContain('error: `conv2d` expects a rank-4 input (batch, height, width, channels), but its input has shape (None, 3) (rank 2).');
    const stroke = await page.page.evaluate(() => getComputedStyle(document.querySelector('#canvas g.node.has-error > rect, #canvas g.node.has-error > path')!).stroke);
    expect(stroke).toBe('rgb(241, 76, 76)'); // --vscode-editorError-foreground of the dark theme
    // The layer named with markup is text, and no element was made of it.
    const xss = d.nodes.find((n) => n.id === 'L0')!;
    expect(xss.text).toContain(XSS);
    expect(xss.label).toContain(XSS);
    expect(d.images).toBe(0);
    expect(dialogs).toEqual([]);
    await page.screenshot('graph-errors-dark');
  });

  it('reveals a node’s line in the editor when it is clicked, or focused and Enter pressed', async () => {
    const doc = vs.activeEditor()!.document;
    const g = expected(features);
    const head = g.nodes.find((n) => n.name === 'head')!;
    await page.page.click(`#canvas g.node[data-node-id="${head.id}"]`);
    await expect.poll(() => vs.activeEditor()?.selection.active.line).toBe(doc.positionAt(head.range!.start).line);
    // The editor's selection moved into the node: the panel highlights it.
    await page.page.waitForSelector(`#canvas g.node.highlighted[data-node-id="${head.id}"]`);

    const meta = g.nodes.find((n) => n.name === 'meta_proj')!;
    await page.page.focus(`#canvas g.node[data-node-id="${meta.id}"]`);
    await page.page.keyboard.press('Enter');
    await expect.poll(() => vs.activeEditor()?.selection.active.line).toBe(doc.positionAt(meta.range!.start).line);
  });

  it('highlights the node the editor’s cursor is in', async () => {
    const g = expected(features);
    const broken = g.nodes.find((n) => n.name === 'broken')!;
    vs.moveCursor(broken.range!.start + 3);
    await page.page.waitForSelector(`#canvas g.node.highlighted[data-node-id="${broken.id}"]`);
    expect(await page.page.locator('#canvas g.node.highlighted').count()).toBe(1);
    vs.moveCursor(0); // outside every node
    await page.page.waitForFunction(() => !document.querySelector('#canvas g.node.highlighted'));
  });

  it('re-renders as the spec is edited, debounced, keeping the view steady', async () => {
    await page.page.click('#zoom-in');
    await page.page.mouse.move(500, 400);
    await page.page.mouse.down();
    await page.page.mouse.move(440, 350, { steps: 4 });
    await page.page.mouse.up();
    const view = await page.page.evaluate(() => (window as unknown as { modelyamlGraph: { view(): unknown } }).modelyamlGraph.view());
    const before = await renders();
    const graphs = () => panel.posted.filter((m) => (m as { type: string }).type === 'graph').length;
    const sent = graphs();
    const doc = vs.activeEditor()!.document;
    const original = doc.getText();
    for (const units of [32, 48, 64]) vs.edit(doc as never, original.replace('units: 3, activation: softmax', `units: ${units}, activation: softmax`));
    await waitForRenders(before + 1);
    // Three edits, one graph: each edit restarted the one debounce timer, which has fired (the
    // drawing arrived), so nothing else is pending; without the debounce each edit sends a graph.
    expect(graphs()).toBe(sent + 1);
    expect(await renders()).toBe(before + 1);
    const d = await drawn();
    expect(d.nodes.find((n) => n.text.startsWith('head'))!.text).toContain('(None, 64)');
    expect(await page.page.evaluate(() => (window as unknown as { modelyamlGraph: { view(): unknown } }).modelyamlGraph.view())).toEqual(view);
    vs.edit(doc as never, original);
    await waitForRenders(before + 2);
  });

  it('zooms with buttons, wheel and keys, and switches between top-down and left-right', async () => {
    const scale = () => page.page.evaluate(() => (window as unknown as { modelyamlGraph: { view(): { scale: number } } }).modelyamlGraph.view().scale);
    const s0 = await scale();
    await page.page.click('#zoom-in');
    expect(await scale()).toBeGreaterThan(s0);
    await page.page.click('#zoom-out');
    expect(await scale()).toBeCloseTo(s0, 5);
    await page.page.mouse.move(400, 400);
    await page.page.mouse.wheel(0, -300);
    await expect.poll(scale).toBeGreaterThan(s0);
    await page.page.focus('#viewport');
    const s1 = await scale();
    await page.page.keyboard.press('-');
    expect(await scale()).toBeLessThan(s1);

    const before = await renders();
    await page.page.evaluate(() => {
      const sel = document.getElementById('direction') as HTMLElement & { value: string };
      sel.value = 'LR';
      sel.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await waitForRenders(before + 1);
    const d = await drawn();
    expect(d.text.startsWith('flowchart LR')).toBe(true);
    expect(await page.savedState()).toMatchObject({ direction: 'LR', uri: Uri.file(features).toString() });
  });

  it('exports the drawing as SVG and the source as .mmd', async () => {
    vs.saveTo = join(out, 'graph.mmd');
    await page.page.click('#export-mmd');
    await expect.poll(() => panel.posted.some((m) => (m as { type: string; outcome?: string }).type === 'exported')).toBe(true);
    expect(readFileSync(join(out, 'graph.mmd'), 'utf8')).toBe(toMermaid(expected(features), { direction: 'LR' }));

    vs.saveTo = join(out, 'graph.svg');
    const count = panel.posted.length;
    await page.page.click('#export-svg');
    await expect.poll(() => panel.posted.slice(count).some((m) => (m as { type: string }).type === 'exported')).toBe(true);
    const svg = readFileSync(join(out, 'graph.svg'), 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    const check = await page.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.nodeName, nodes: doc.querySelectorAll('g.node').length, scripts: doc.querySelectorAll('script').length, tabindex: doc.querySelectorAll('[tabindex]').length };
    }, svg);
    expect(check).toEqual({ error: null, root: 'svg', nodes: expected(features).nodes.length, scripts: 0, tabindex: 0 });
    expect(svg).toContain('joined · concatenate');
  });

  it('follows the theme: light, dark and high contrast', async () => {
    let before = await renders();
    await page.setTheme('light');
    await waitForRenders(before + 1);
    const fill = () => page.page.evaluate(() => getComputedStyle(document.querySelector('#canvas g.node:not(.has-error) > rect')!).fill);
    const light = await fill();
    before = await renders();
    vs.openEditor(examples[5]);
    await waitForRenders(before + 1);
    // Back to top-down for the picture.
    before = await renders();
    await page.page.evaluate(() => {
      const sel = document.getElementById('direction') as HTMLElement & { value: string };
      sel.value = 'TB';
      sel.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await waitForRenders(before + 1);
    await page.screenshot('graph-light');
    before = await renders();
    await page.setTheme('high-contrast');
    await waitForRenders(before + 1);
    await page.screenshot('graph-high-contrast');
    const hc = await fill();
    expect(light).toBe('rgb(248, 248, 248)'); // --vscode-editorWidget-background (Light Modern)
    expect(hc).toBe('rgb(12, 20, 31)');
    before = await renders();
    await page.setTheme('dark');
    await waitForRenders(before + 1);
  });

  it('fits the whole graph to the panel: touching it on one axis, inside it on the other', async () => {
    const gaps = () =>
      page.page.evaluate(() => {
        const v = document.getElementById('viewport')!.getBoundingClientRect();
        const g = document.querySelector('#canvas svg')!.getBoundingClientRect();
        return { left: g.left - v.left, right: v.right - g.right, top: g.top - v.top, bottom: v.bottom - g.bottom };
      });
    for (const spec of [examples[5], repeated, examples[1]]) {
      if (vs.activeEditor()?.document.uri.fsPath !== spec) {
        const before = await renders();
        vs.openEditor(spec);
        await waitForRenders(before + 1);
      }
      await page.page.click('#zoom-in'); // anything but fitted
      await page.page.click('#zoom-fit');
      const g = await gaps();
      const inside = Object.values(g).every((d) => d >= -0.5);
      const touchesX = g.left <= 6 && g.right <= 6;
      const touchesY = g.top <= 6 && g.bottom <= 6;
      expect(inside, `${spec}: ${JSON.stringify(g)}`).toBe(true);
      expect(touchesX || touchesY, `${spec}: ${JSON.stringify(g)}`).toBe(true);
    }
  });

  it('zooms in and out about the centre of the panel: the point under it stays put', async () => {
    const under = () =>
      page.page.evaluate(() => {
        const v = document.getElementById('viewport')!.getBoundingClientRect();
        const g = document.querySelector('#canvas svg')!.getBoundingClientRect();
        const { scale } = (window as unknown as { modelyamlGraph: { view(): { scale: number } } }).modelyamlGraph.view();
        // The drawing's own coordinates of the pixel at the viewport's centre.
        return { x: (v.left + v.width / 2 - g.left) / scale, y: (v.top + v.height / 2 - g.top) / scale, scale };
      });
    const start = await under();
    let scale = start.scale;
    for (const id of ['#zoom-out', '#zoom-out', '#zoom-in', '#zoom-in', '#zoom-in']) {
      await page.page.click(id);
      const p = await under();
      expect(p.scale < scale).toBe(id === '#zoom-out');
      scale = p.scale;
      expect(p.x).toBeCloseTo(start.x, 0);
      expect(p.y).toBeCloseTo(start.y, 0);
    }
  });

  it('clears the highlight of the previous spec when another is drawn', async () => {
    const before = await renders();
    vs.openEditor(features);
    await waitForRenders(before + 1);
    const broken = expected(features).nodes.find((n) => n.name === 'broken')!;
    vs.moveCursor(broken.range!.start + 3);
    await page.page.waitForSelector(`#canvas g.node.highlighted[data-node-id="${broken.id}"]`);
    const next = await renders();
    // mnist-cnn has a node with the same id; the editor's cursor is in none of its nodes.
    expect(expected(examples[0]).nodes.some((n) => n.id === broken.id)).toBe(true);
    vs.openEditor(examples[0]);
    await waitForRenders(next + 1);
    expect(await page.page.locator('#canvas g.node').count()).toBe(expected(examples[0]).nodes.length);
    expect(await page.page.locator('#canvas g.node.highlighted').count()).toBe(0);
  });

  it('collapses repeated blocks of a long model into one node each, expanding on click', async () => {
    const blocks = () => page.page.evaluate(() => (window as unknown as { modelyamlGraph: { blocks(): { id: string; types: string[]; times: number; expanded: boolean }[] } }).modelyamlGraph.blocks());
    let before = await renders();
    vs.openEditor(repeated);
    await waitForRenders(before + 1);
    const g = expected(repeated);
    expect(g.nodes.filter((n) => n.kind === 'layer')).toHaveLength(37);
    expect((await blocks()).map((b) => [b.id, b.times, b.types.join(',')])).toEqual([
      ['G0', 6, 'conv2d,batch_norm,activation'],
      ['G19', 4, 'conv2d,batch_norm,activation'],
      ['G32', 2, 'dense,dropout'],
    ]);
    // 37 layers: drawn collapsed from the start, seven nodes.
    expect(await page.page.getAttribute('#collapse', 'aria-pressed')).toBe('true');
    let d = await drawn();
    expect(d.nodes.map((n) => n.id)).toEqual(['in_input', 'G0', 'L18', 'G19', 'L31', 'G32', 'L36']);
    const g0 = d.nodes.find((n) => n.id === 'G0')!;
    expect(g0.text).toContain('×6 · [conv2d → batch_norm → activation]');
    const sum = g.nodes.filter((n) => n.layerIndex !== undefined && n.layerIndex < 18).reduce((s, n) => s + n.params!, 0);
    expect(g0.text).toContain(`${sum.toLocaleString('en-US')} params`);
    expect(d.edges).toHaveLength(6);
    // The editor's cursor in a layer inside a collapsed block lights the block.
    vs.moveCursor(g.nodes.find((n) => n.id === 'L4')!.range!.start + 2);
    await page.page.waitForSelector('#canvas g.node.highlighted[data-node-id="G0"]');

    // A click expands the block: its 18 layers, in a box that collapses it again.
    before = await renders();
    await page.page.click('#canvas g.node[data-node-id="G0"]');
    await waitForRenders(before + 1);
    d = await drawn();
    expect(d.nodes).toHaveLength(7 - 1 + 18);
    expect(d.nodes.map((n) => n.id)).toContain('L4');
    await page.page.waitForSelector('#canvas g.node.highlighted[data-node-id="L4"]');
    before = await renders();
    await page.page.click('#canvas g.cluster[data-block-id="G0"] > rect', { position: { x: 4, y: 4 } });
    await waitForRenders(before + 1);
    expect((await drawn()).nodes).toHaveLength(7);

    // The toolbar turns collapsing off: every layer again, as the core draws it.
    before = await renders();
    await page.page.click('#collapse');
    await waitForRenders(before + 1);
    d = await drawn();
    expect(d.text).toBe(toMermaid(g, { direction: 'TB' }));
    expect(d.nodes).toHaveLength(38);
    expect(await page.page.getAttribute('#collapse', 'aria-pressed')).toBe('false');
    before = await renders();
    await page.page.click('#collapse');
    await waitForRenders(before + 1);
    await page.screenshot('graph-collapsed-dark');
    before = await renders();
    vs.openEditor(examples[5]);
    await waitForRenders(before + 1);
  });

  it('reports no CSP violation, console error or stray request', () => {
    expect(problemsOf(page)).toEqual([]);
    expect(vs.logs.filter((l) => !l.startsWith('info'))).toEqual([]);
  });

  it('comes back after a reload with its spec, layout and view (webview serializer)', async () => {
    const state = await page.savedState();
    expect(state).toMatchObject({ v: 1, direction: 'TB', uri: Uri.file(examples[5]).toString() });
    panel.dispose();
    await page.close();
    const restored = vs.newPanel(VIEW_TYPES.graph);
    await vs.serializers.get(VIEW_TYPES.graph)!.deserializeWebviewPanel(restored, state);
    const p2 = await connectPanel(browser, server, 'graph', restored, { theme: 'dark', state, viewport: { width: 1000, height: 1060 } });
    pages.push(p2);
    await waitForRenders(1, p2);
    const d = await drawn(p2);
    expect(d.text).toBe(toMermaid(expected(examples[5]), { direction: 'TB' }));
    const view = await p2.page.evaluate(() => (window as unknown as { modelyamlGraph: { view(): unknown } }).modelyamlGraph.view());
    expect(view).toEqual((state as { view: unknown }).view);
    expect(problemsOf(p2)).toEqual([]);
  });
});
