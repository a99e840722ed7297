/**
 * The comparison panel end to end: "ModelYAML: Compare Model with…" on a stand-in vscode API
 * (HEAD of a real temporary git repository, through the `git show` fallback; another spec file;
 * an unknown revision), and the built bundle in headless Chromium under the extension's CSP.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEW_TYPES } from '../../src/core/protocol/webview';
import { registerPanels } from '../../src/extension/panels';
import { fakeVscode, memoryLog, Uri, type FakeVscode } from './fakeVscode';
import { connectPanel, launchChromium, root, settled, startServer, type PanelPage, type StaticServer } from './harness';

let browser: Browser;
let server: StaticServer;
let vs: FakeVscode;
let page: PanelPage;
const repo = mkdtempSync(join(tmpdir(), 'modelyaml-compare-'));
const spec = join(repo, 'models', 'mnist-cnn.model.yaml');
const mlp = join(repo, 'models', 'mlp.model.yaml');

const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });

/** Picks the quick-pick item whose label contains `text`. */
const choose = (...texts: string[]) => {
  const queue = [...texts];
  return (items: { label: string; description?: string }[]) => {
    const want = queue.shift()!;
    return items.find((i) => i.label.includes(want) || i.description?.includes(want));
  };
};

interface Row {
  status: string;
  label: string;
  text: string;
  background: string;
}

async function rows(): Promise<Row[]> {
  return page.page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#layers tbody tr')].map((r) => ({
      status: r.dataset.status ?? '',
      label: r.getAttribute('aria-label') ?? '',
      text: (r.textContent ?? '').replace(/\s+/g, ' ').trim(),
      background: getComputedStyle(r).backgroundColor,
    })),
  );
}

const rgb = (css: string) => (css.match(/\d+(\.\d+)?/g) ?? []).map(Number);

beforeAll(async () => {
  mkdirSync(join(repo, 'models'));
  copyFileSync(join(root, 'examples', 'mnist-cnn.model.yaml'), spec);
  copyFileSync(join(root, 'examples', 'mlp.model.yaml'), mlp);
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  // The working copy: a conv2d inserted, the hidden dense widened, a lower learning rate.
  const edited = readFileSync(spec, 'utf8')
    .replace('    - max_pool2d: { pool_size: 2 }\n    - conv2d: { filters: 64', '    - max_pool2d: { pool_size: 2 }\n    - conv2d: { filters: 64, kernel_size: 3, activation: relu, padding: same }\n      name: conv3\n    - conv2d: { filters: 64')
    .replace('dense: { units: 64, activation: relu }', 'dense: { units: 128, activation: relu }')
    .replace('learning_rate: 0.001', 'learning_rate: 0.0003');
  writeFileSync(spec, edited);
  browser = await launchChromium();
  server = await startServer();
  vs = fakeVscode({ origin: server.origin, workspace: repo });
  const context = { subscriptions: [] as { dispose(): void }[], extensionUri: Uri.file(root) };
  registerPanels(context as never, { vscode: vs.api, output: memoryLog(vs.logs), runsRoots: () => [] });
});

afterAll(async () => {
  await page?.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('comparison panel', () => {
  it('compares the spec with HEAD and marks added, changed and moved layers side by side', async () => {
    vs.openEditor(spec);
    vs.pick = choose('HEAD');
    await vs.commands.get('modelyaml.compareModel')!();
    expect(vs.messages).toEqual([]);
    const panel = vs.panels.find((p) => p.viewType === VIEW_TYPES.diff)!;
    expect(panel.title).toBe('Compare: mnist-cnn.model.yaml ↔ mnist-cnn.model.yaml');
    expect(panel.posted).toEqual([]); // nothing before `ready`
    page = await connectPanel(browser, server, 'diff', panel, { theme: 'dark', viewport: { width: 1200, height: 820 } });
    await page.page.waitForSelector('#layers tbody tr');
    await settled(page.page);

    const r = await rows();
    expect(r.map((x) => x.status)).toEqual(['unchanged', 'unchanged', 'added', 'affected', 'unchanged', 'unchanged', 'unchanged', 'changed', 'affected']);
    expect(r[2].label).toBe('added conv2d conv3, 18,496 params');
    expect(r[2].text).toContain('(None, 13, 13, 64)');
    expect(r[7].label).toBe('changed dense dense_8: units 64 to 128, params +36,928');
    expect(r[7].text).toContain('units 64 → 128');
    // Added rows green, changed rows highlighted, unchanged rows plain (dark theme's colours).
    const [ar, ag] = rgb(r[2].background);
    expect(ag).toBeGreaterThan(ar);
    expect(r[7].background).not.toBe(r[0].background);
    expect(rgb(r[0].background).at(3) ?? 0).toBe(0);

    const text = await page.page.locator('#diff-body').innerText();
    expect(text).toContain('HEAD:models/mnist-cnn.model.yaml');
    const settings = await page.page.locator('#settings tbody tr').evaluateAll((trs) => trs.map((t) => (t as HTMLElement).dataset.path));
    expect(settings).toEqual(['train.optimizer.learning_rate']);
    expect(await page.page.locator('#settings').innerText()).toMatch(/0\.001\s+0\.0003/);
    expect(await page.page.locator('#layers tfoot').innerText()).toMatch(/93,322\s+\S*\s*\S*\s*\d/);
    expect(page.problems()).toEqual([]);
    expect(page.strayRequests()).toEqual([]);
    await page.screenshot('diff-dark');
  });

  it('is keyboard reachable: rows take focus, arrows move between them, unchanged rows hide', async () => {
    const p = page.page;
    await p.focus('#layers tbody tr');
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowDown');
    expect(await p.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('added conv2d conv3, 18,496 params');
    await p.focus('#show-unchanged');
    await p.keyboard.press('Space');
    const visible = await p.locator('#layers tbody tr:not([hidden])').evaluateAll((trs) => trs.map((t) => (t as HTMLElement).dataset.status));
    expect(visible).toEqual(['added', 'affected', 'changed', 'affected']);
    expect(await page.savedState()).toEqual({ v: 1, showUnchanged: false, sources: { before: { kind: 'revision', path: spec, ref: 'HEAD' }, after: { kind: 'file', path: spec } } });
  });

  it('reads in light and high-contrast themes', async () => {
    await page.setTheme('light');
    await settled(page.page);
    const [ar, ag] = rgb((await rows())[2].background);
    expect(ag).toBeGreaterThan(ar);
    await page.screenshot('diff-light');
    await page.setTheme('high-contrast');
    await settled(page.page);
    // No tinted backgrounds in high contrast: an outline marks the row.
    const outline = await page.page.evaluate(() => getComputedStyle(document.querySelector('#layers tr.added')!).outlineStyle);
    expect(outline).toBe('dashed');
    await page.screenshot('diff-high-contrast');
    await page.setTheme('dark');
    expect(page.problems()).toEqual([]);
  });

  it('compares with another spec file picked from the workspace', async () => {
    const panel = vs.panels.find((p) => p.viewType === VIEW_TYPES.diff)!;
    const before = panel.posted.length;
    vs.pick = choose('Another spec file', 'mlp.model.yaml');
    await vs.commands.get('modelyaml.compareModel')!();
    expect(vs.panels.filter((p) => p.viewType === VIEW_TYPES.diff)).toHaveLength(1); // reused
    await page.page.waitForFunction(() => document.querySelector('#layers thead')?.textContent?.includes('models/mlp.model.yaml'));
    expect(panel.posted.length).toBe(before + 1);
    expect(panel.title).toBe('Compare: mlp.model.yaml ↔ mnist-cnn.model.yaml');
    const r = await rows();
    expect(r.filter((x) => x.status === 'removed').map((x) => x.label)).toContain('removed dropout dropout_2, 0 params');
    expect(await page.page.locator('#settings').innerText()).toContain('train.optimizer');
  });

  it('reads revisions through the built-in git extension when it is there, and falls back to git show when it fails', async () => {
    const panel = vs.panels.find((p) => p.viewType === VIEW_TYPES.diff)!;
    const calls: string[][] = [];
    let fail = false;
    const headText = git('show', 'HEAD:models/mnist-cnn.model.yaml');
    const extensions = vs.api.extensions as unknown as { getExtension: (id: string) => unknown };
    const original = extensions.getExtension;
    // The slice of vscode.git's API the command uses: getAPI(1).getRepository(uri).show(ref, path).
    extensions.getExtension = (id: string) =>
      id === 'vscode.git'
        ? { isActive: true, exports: { getAPI: (v: number) => ({ getRepository: (uri: Uri) => ({ show: async (ref: string, path: string) => {
            calls.push([String(v), uri.fsPath, ref, path]);
            if (fail) throw new Error('Git error');
            return headText.replace('epochs: 10', 'epochs: 4');
          } }) }) } }
        : undefined;
    try {
      vs.pick = choose('HEAD');
      const before = panel.posted.length;
      await vs.commands.get('modelyaml.compareModel')!();
      expect(calls).toEqual([['1', spec, 'HEAD', spec]]);
      expect(panel.posted.length).toBe(before + 1);
      await page.page.waitForSelector('#settings tr[data-path="train.epochs"]');
      expect(await page.page.locator('#settings tr[data-path="train.epochs"]').innerText()).toMatch(/4\s+10/);

      fail = true;
      vs.pick = choose('HEAD');
      await vs.commands.get('modelyaml.compareModel')!();
      expect(calls).toHaveLength(2);
      await page.page.waitForSelector('#settings tr[data-path="train.epochs"]', { state: 'detached' });
      expect(vs.logs.some((l) => l.includes('the git extension could not show HEAD'))).toBe(true);
      expect(vs.messages).toEqual([]);
    } finally {
      extensions.getExtension = original;
    }
  });

  it('comes back after a window reload with its two sources, read again', async () => {
    // The last comparison was the spec against HEAD (through git show); the webview kept its sources.
    const state = (await page.savedState()) as { sources?: unknown };
    expect(state.sources).toEqual({ before: { kind: 'revision', path: spec, ref: 'HEAD' }, after: { kind: 'file', path: spec } });
    // The spec changes in its editor while the window reloads: the restored panel shows the new text.
    const doc = vs.openEditor(spec).document;
    vs.edit(doc, doc.getText().replace('dense: { units: 128, activation: relu }', 'dense: { units: 256, activation: relu }'));
    const restored = vs.newPanel(VIEW_TYPES.diff);
    await vs.serializers.get(VIEW_TYPES.diff)!.deserializeWebviewPanel(restored, state);
    expect(restored.title).toBe('Compare: mnist-cnn.model.yaml ↔ mnist-cnn.model.yaml');
    const p2 = await connectPanel(browser, server, 'diff', restored, { theme: 'dark', state });
    try {
      await p2.page.waitForSelector('#layers tbody tr', { state: 'attached' }); // unchanged rows stay hidden, as the state says
      const labels = await p2.page.locator('#layers tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute('aria-label')));
      expect(labels).toContain('added conv2d conv3, 18,496 params');
      expect(labels).toContain('changed dense dense_8: units 64 to 256, params +110,784');
      expect(await p2.savedState()).toEqual(state);
      expect(p2.problems()).toEqual([]);
    } finally {
      await p2.close();
    }
  });

  it('a restored panel whose sources cannot be read says why instead of a comparison', async () => {
    const restored = vs.newPanel(VIEW_TYPES.diff);
    const state = { v: 1, showUnchanged: true, sources: { before: { kind: 'revision', path: spec, ref: 'no-such-rev' }, after: { kind: 'file', path: spec } } };
    await vs.serializers.get(VIEW_TYPES.diff)!.deserializeWebviewPanel(restored, state);
    const p2 = await connectPanel(browser, server, 'diff', restored, { theme: 'dark', state });
    try {
      await p2.page.waitForFunction(() => document.getElementById('empty')?.textContent?.includes('could not be read again'));
      expect(await p2.page.locator('#empty').innerText()).toMatch(/^The comparison could not be read again: unknown revision 'no-such-rev'/);
      expect(p2.problems()).toEqual([]);
    } finally {
      await p2.close();
    }
  });

  it('says so, without a stack, when the revision is unknown', async () => {
    vs.pick = choose('A git revision');
    vs.input = 'no-such-branch';
    await vs.commands.get('modelyaml.compareModel')!();
    expect(vs.messages.map((m) => m.text)).toEqual([expect.stringMatching(/^Compare Model with…: unknown revision 'no-such-branch' in /)]);
  });
});
