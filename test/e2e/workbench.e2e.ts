/**
 * The packaged extension in a real VS Code workbench (code-server + headless Chromium), checked
 * through the UI as a user sees it: language mode and colours, inlay hints, the formula hover,
 * the architecture graph, a planted error in the Problems panel, layer completion, the Train
 * task with its live curves and its end notification, and cancelling a run. One screenshot per step in
 * test-artifacts/e2e/ (and one named `…-FAILED` where a step fails).
 *
 * The same scenarios run inside VS Code's own extension host in test/vscode/ (`npm run
 * test:vscode`) where VS Code can be downloaded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { fixtures } from '../vscode/suite/fixtures';
import { launchBrowser, makeWorkspace, root, startCodeServer, trainerProcesses, until, UI_TIMEOUT, Workbench, type CodeServer } from './harness';

/** Recognises the curves panel's webview document. */
const CURVES = "typeof window.modelyamlCurves === 'object'";

describe('ModelYAML in the VS Code workbench (code-server)', () => {
  const vsix = inject('vsix');
  let ws: ReturnType<typeof makeWorkspace>;
  let server: CodeServer;
  let browser: Browser;
  let wb: Workbench;

  /** Runs a step; on failure keeps a screenshot of what the workbench showed. */
  async function step(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      await wb.shot(name);
    } catch (e) {
      const file = await wb?.shot(`${name}-FAILED`).catch(() => undefined);
      const errs = wb?.consoleErrors.slice(-5).join('\n  ');
      throw new Error(`${(e as Error).message}${file ? `\n  screenshot: ${file}` : ''}${errs ? `\n  last page errors:\n  ${errs}` : ''}`, { cause: e });
    }
  }

  beforeAll(async () => {
    // tiny (trains in seconds), long (to cancel), planted (to break), scratch (to type in).
    ws = makeWorkspace(fixtures(readFileSync(join(root, 'examples', 'mlp.model.yaml'), 'utf8'), readFileSync(join(root, 'examples', 'mnist-cnn.model.yaml'), 'utf8')));
    server = await startCodeServer({ vsix: vsix.file, workspace: ws.dir, tag: 'workbench' });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, server, 'workbench');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    ws?.remove();
  });

  it('opens a spec in the ModelYAML language mode, coloured by the grammar', async () => {
    await step('language-mode', async () => {
      await wb.openFile('mnist-cnn.model.yaml');
      await until('the language indicator to say ModelYAML', async () => (await wb.languageMode()) === 'ModelYAML');
      // Colours: the layer line shows keys, layer names, numbers and punctuation in different colours.
      const colours = await until('the grammar to colour `- conv2d: { filters: 32, … }`', async () => {
        const c = await wb.editor.evaluate((ed) => {
          const line = [...ed.querySelectorAll('.view-lines .view-line')].find((l) => /conv2d.*filters.*32/.test(l.textContent ?? ''));
          if (!line) return undefined;
          const byText: Record<string, string> = {};
          for (const s of line.querySelectorAll<HTMLElement>('span > span')) byText[(s.textContent ?? '').trim()] = getComputedStyle(s).color;
          return byText;
        });
        // Wait for the grammar's final tokens, not just any colouring: Monaco paints a line
        // before the TextMate grammar has tokenised it, with `- conv2d:` still one span.
        const done = c && c.conv2d && c.filters && c['32'] && c.conv2d !== c['32'] && c.filters !== c['32'];
        return done ? c : undefined;
      });
      expect(colours.conv2d).toBeDefined();
      expect(colours.conv2d).not.toBe(colours['32']);
      expect(colours.filters).not.toBe(colours['32']);
    });
  });

  it('shows inlay hints with each layer’s output shape and parameters', async () => {
    await step('inlay-hints', async () => {
      await wb.openFile('mnist-cnn.model.yaml');
      const lines = await until('the inlay hints on the first conv2d and on `model:`', async () => {
        const l = await wb.visibleLines();
        const conv = [...l.values()].find((t) => t.includes('- conv2d: { filters: 32'));
        const model = [...l.values()].find((t) => t.startsWith('model:'));
        return conv?.includes('→ (None, 26, 26, 32) · 320 params') && model?.includes('Σ 93,322 params') ? l : undefined;
      });
      const flatten = [...lines.values()].find((t) => t.includes('- flatten'));
      expect(flatten).toContain('→ (None, 576)');
      expect(flatten).not.toContain('params'); // no parameters, no count
    });
  });

  it('hovering `adam` shows the rendered formula image', async () => {
    await step('hover-adam', async () => {
      await wb.openFile('mnist-cnn.model.yaml');
      const img = wb.page.locator('.monaco-hover img[src^="data:image/svg+xml"]').first();
      // Hover, then wait for the image; hover again only if the first hover was dismissed or lost.
      await until('a hover with a formula image over `adam`', async () => {
        await wb.hoverWord('adam');
        return until('the formula image to load', async () => (await img.count()) > 0 && img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), 15_000).catch(() => false);
      });
      const hover = await wb.page.locator('.monaco-hover', { has: wb.page.locator('img[src^="data:image/svg+xml"]') }).first().innerText();
      expect(hover.toLowerCase()).toContain('adam');
      const size = await img.evaluate((i: HTMLImageElement) => ({ w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width }));
      expect(size.w).toBeGreaterThan(20);
      expect(size.shown).toBeGreaterThan(20);
    });
  });

  it('the architecture panel shows the graph, and clicking a node moves the cursor to its layer', async () => {
    await step('architecture', async () => {
      await wb.openFile('mnist-cnn.model.yaml');
      await wb.goTo(1, 1);
      await wb.command('ModelYAML: Show Architecture');
      const frame = await wb.webviewFrame('architecture', "document.querySelectorAll('g.node[role=button]').length > 0");
      const nodes = frame.locator('g.node[role=button]');
      await until('the graph to show every layer (input + 8 layers)', async () => (await nodes.count()) >= 9);
      const text = readFileSync(join(ws.dir, 'mnist-cnn.model.yaml'), 'utf8').split('\n');
      const pools = text.map((l, i) => (/^\s*- max_pool2d/.test(l) ? i + 1 : 0)).filter(Boolean);
      const target = frame.locator('g.node[role=button][aria-label*="max_pool2d"]').nth(1);
      await target.waitFor({ timeout: UI_TIMEOUT });
      await wb.shot('architecture-graph');
      await target.click();
      await until(`the cursor to move to line ${pools[1]} (the second max_pool2d)`, async () => (await wb.cursor())?.line === pools[1]);
    });
  });

  it('a planted error shows in the Problems panel with its message, and clears when fixed', async () => {
    await step('problems', async () => {
      const file = 'planted.model.yaml';
      await wb.openFile(file);
      const original = readFileSync(join(ws.dir, file), 'utf8');
      const lines = original.split('\n');
      const lineNo = lines.findIndex((l) => l.includes('- dense: { units: 10, activation: softmax }')) + 1;
      const col = lines[lineNo - 1].indexOf('10') + 1;
      // What the checker says about the same edit (the core that the language server runs).
      const broken = original.replace('units: 10, activation: softmax', 'units: 5, activation: softmax');
      const expected = analyze(broken).diagnostics.filter((d) => d.severity === 'error');
      expect(expected.length).toBe(1);
      expect(expected[0].message).toContain('The last layer has 5 outputs, but the labels have 10 classes');

      const t0 = Date.now();
      await wb.goTo(lineNo, col);
      await wb.page.keyboard.press('Shift+ArrowRight');
      await wb.page.keyboard.press('Shift+ArrowRight');
      await wb.page.keyboard.type('5');
      const panel = await wb.problems();
      const row = panel.locator('.monaco-list-row', { hasText: expected[0].message.slice(0, 60) }).first();
      await row.waitFor({ timeout: UI_TIMEOUT });
      const rowText = await row.innerText();
      expect(rowText).toContain(expected[0].message.replace(/\s+$/, ''));
      expect(rowText).toContain(`[Ln ${lineNo}, Col ${col}]`);
      console.log(`[e2e] edit → diagnostic in the Problems panel (including opening the panel): ${Date.now() - t0} ms`);
      // The squiggle is in the editor too.
      await wb.editor.locator('.squiggly-error').first().waitFor({ timeout: UI_TIMEOUT });
      await wb.shot('problems-error');
      // Undo: the problem goes away.
      await wb.editor.click({ position: { x: 300, y: 10 } });
      await wb.page.keyboard.press('Control+Z');
      await until('the Problems panel to clear the fixed error', async () => (await row.count()) === 0);
    });
  });

  it('completion after `- ` offers layer types', async () => {
    await step('completion', async () => {
      await wb.openFile('scratch.model.yaml');
      await wb.goTo(5, 5);
      await wb.page.keyboard.type('- ');
      const rows = wb.page.locator('.suggest-widget.visible .monaco-list-row');
      const labels = await until('layer types in the suggestion list', async () => {
        if (!(await rows.count())) await wb.page.keyboard.press('Control+Space');
        const l = await rows.evaluateAll((rs) => rs.map((r) => (r.querySelector('.label-name')?.textContent ?? r.getAttribute('aria-label') ?? '').trim()));
        return l.includes('dense') ? l : undefined;
      });
      expect(labels).toEqual(expect.arrayContaining(['dense']));
      await wb.shot('completion-list');
      // The list is virtual (only visible rows are in the DOM): type a prefix to see others.
      await wb.page.keyboard.type('con');
      const conv = await until('conv2d among the suggestions after `con`', async () => {
        const l = await rows.evaluateAll((rs) => rs.map((r) => (r.querySelector('.label-name')?.textContent ?? '').trim()));
        return l.includes('conv2d') ? l : undefined;
      });
      expect(conv).toEqual(expect.arrayContaining(['conv2d', 'conv1d']));
      await wb.shot('completion-con');
      await wb.page.keyboard.press('Escape');
    });
  });

  it('running the Train task trains, and the curves panel shows points that grow', async () => {
    await step('train-task', async () => {
      await wb.openFile('tiny.model.yaml');
      // The curves panel first (CodeLens "Show Curves"): it waits for a run, then follows the one
      // the task starts live. (That it also opens by itself is checked in the cancel step.)
      await wb.editor.locator('.codelens-decoration a', { hasText: 'Show Curves' }).first().click();
      // A webview that is hidden and shown again is a new frame: find it again when detached.
      let frame = await wb.webviewFrame('curves', CURVES);
      const curves = async () => (frame.isDetached() ? (frame = await wb.webviewFrame('curves', CURVES)) : frame);
      await until('the curves panel to say there is no run yet', async () => /no training runs yet/i.test(await (await curves()).locator('#empty').innerText()));
      await wb.shot('train-task-curves-empty');

      await wb.command('Tasks: Run Task');
      // Exactly `modelyaml`: the search task type (`modelyaml-search`) starts the same way.
      const typeRow = wb.quickPickRow(/^\s*modelyaml\s*$/);
      await typeRow.waitFor({ timeout: UI_TIMEOUT });
      await typeRow.click();
      const taskRow = wb.quickPickRow('modelyaml: train tiny.model.yaml');
      await taskRow.waitFor({ timeout: UI_TIMEOUT });
      await taskRow.click();
      // VS Code may ask which problem matcher to use for a task without one.
      const noScan = wb.quickPickRow('Continue without scanning the task output');

      const counts: number[] = [];
      const lossPoints = async () =>
        (await curves()).evaluate(() => {
          const w = window as unknown as { modelyamlCurves: { charts(): { metric: string; x: number[] }[] } };
          return w.modelyamlCurves.charts().find((c) => c.metric === 'loss')?.x.length ?? 0;
        });
      const banner = async () => (await curves()).locator('.banner');
      let shotMid = false;
      await until(
        () => `the run to complete (loss points seen: ${counts.join(', ')})`,
        async () => {
          if (await noScan.isVisible()) await noScan.click();
          const n = await lossPoints();
          if (n && n !== counts[counts.length - 1]) counts.push(n);
          if (counts.length === 2 && !shotMid) {
            shotMid = true;
            await wb.shot('train-task-running');
          }
          return (await (await banner()).getAttribute('data-status')) === 'completed' || undefined;
        },
        UI_TIMEOUT * 3,
        50,
      );
      counts.push(await lossPoints());
      const grew = counts.filter((n, i) => i > 0 && n > counts[i - 1]).length;
      expect(grew, `loss points over time: ${counts.join(', ')}`).toBeGreaterThanOrEqual(2);
      expect(await (await banner()).innerText()).toMatch(/^Completed/);
      const summary = await (await curves()).locator('section.chart[data-metric="loss"]').innerText();
      expect(summary).toMatch(/Latest/);
      // The task's terminal tells the same story.
      const term = await until('the task terminal to report completion', async () => {
        const t = await wb.terminalText();
        return /completed/.test(t) ? t : undefined;
      });
      expect(term).toMatch(/epoch 8\/8 /);
      // Debug lines (backend search, kernel fallbacks) stay in the output channel.
      expect(term).not.toMatch(/^debug:/m);
      // The run's end is told once, with its metrics and the way to its curves.
      const toast = await until('the run-end notification', async () => {
        const texts = await wb.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
        return texts.find((t) => /^ModelYAML: tiny — completed 8 epochs/.test(t));
      });
      expect(toast).toMatch(/Final: loss [\d.e+-]+/);
      await expect(wb.page.locator('.notifications-toasts .monaco-button', { hasText: 'Show Curves' }).first().isVisible()).resolves.toBe(true);
    });
  });

  it('cancelling a run stops it', async () => {
    await step('cancel', async () => {
      // Close the curves panel: starting a run must open it by itself.
      await wb.closeTab(/Curves/);
      await until('the curves webview to go away', async () => !(await wb.findWebviewFrame(CURVES)));
      await wb.openFile('long.model.yaml');
      const train = wb.editor.locator('.codelens-decoration a', { hasText: 'Train' }).first();
      await train.waitFor({ timeout: UI_TIMEOUT });
      await train.click();
      const status = await until('the training status in the status bar', async () => {
        const s = await wb.trainingStatus();
        return s && /long: epoch \d+/.test(s) ? s : undefined;
      });
      expect(status).toMatch(/loss/);
      expect(trainerProcesses(server.extensionDir).length).toBe(1);
      const frame = await wb.webviewFrame('curves (opened by the run)', CURVES);
      await until('the curves banner to show the run in progress', async () => (await frame.locator('.banner').getAttribute('data-status')) === 'running');
      await wb.shot('cancel-running');
      // Cancel as a user would: the status bar item's command is "Cancel Training".
      await wb.page.locator('.statusbar-item[id$="modelyaml.training"] a, .statusbar-item[id$="modelyaml.training"]').first().click();
      await until('the training status to disappear', async () => (await wb.trainingStatus()) === undefined);
      await until('the curves banner to say Cancelled', async () => (await frame.locator('.banner').getAttribute('data-status')) === 'cancelled');
      await until('the task terminal to report the cancellation', async () => /^Cancelled/m.test(await wb.terminalText()));
      await until('the trainer process to exit', () => trainerProcesses(server.extensionDir).length === 0);
      // A cancel the user asked for is not a failure: no "training … failed" notification.
      const toasts = await wb.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
      expect(toasts.filter((t) => /fail/i.test(t))).toEqual([]);
      // It says the run was cancelled, and offers to resume it when it kept a checkpoint.
      expect(toasts.some((t) => /^ModelYAML: long was cancelled/.test(t))).toBe(true);
    });
  });
});
