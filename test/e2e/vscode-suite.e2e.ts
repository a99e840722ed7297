/**
 * `npm run test:vscode`'s suite (test/vscode/suite, mocha in VS Code's extension host) run here,
 * offline, in code-server's extension host: the workbench is opened with the payload VS Code's
 * own test runners use (extensionDevelopmentPath = the installed .vsix's folder,
 * extensionTestsPath = the compiled suite), so the API-level scenarios are checked on every
 * machine, not only where @vscode/test-electron can download VS Code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtures } from '../vscode/suite/fixtures';
import { artifactsDir, launchBrowser, makeWorkspace, root, startCodeServer, until, type CodeServer } from './harness';

interface Results {
  passed: string[];
  failed: { title: string; error: string }[];
  done: boolean;
}

describe('the test:vscode suite in code-server’s extension host', () => {
  const vsix = inject('vsix');
  let ws: ReturnType<typeof makeWorkspace>;
  let server: CodeServer;
  let browser: Browser;
  let tmp: string;

  beforeAll(async () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'test/vscode')], { cwd: root, encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(`tsc -p test/vscode failed:\n${tsc.stdout}${tsc.stderr}`);
    tmp = mkdtempSync(join(tmpdir(), 'modelyaml-vscode-results-'));
    ws = makeWorkspace(fixtures(readFileSync(join(root, 'examples/mlp.model.yaml'), 'utf8'), readFileSync(join(root, 'examples/mnist-cnn.model.yaml'), 'utf8')));
    server = await startCodeServer({
      vsix: vsix.file,
      workspace: ws.dir,
      tag: 'vscode-suite',
      // VS Code's test runners start with trust off (`--disable-workspace-trust`).
      settings: { 'security.workspace.trust.enabled': false },
      env: { MODELYAML_VSCODE_RESULTS: join(tmp, 'results.json') },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    ws?.remove();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('passes', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const host = new URL(server.url).host;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://${host}${server.extensionDir}`],
      ['extensionTestsPath', `vscode-remote://${host}${join(root, 'out/test/vscode/suite')}`],
    ]);
    await page.goto(`${server.folderUrl}&payload=${encodeURIComponent(payload)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const file = join(tmp, 'results.json');
    const results = await until(
      () => `the suite to finish (${existsSync(file) ? readFileSync(file, 'utf8').slice(0, 500) : 'no results yet'})`,
      () => {
        if (!existsSync(file)) return undefined;
        const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
        return r.done ? r : undefined;
      },
      420_000,
      250,
    );
    await page.screenshot({ path: join(artifactsDir, 'vscode-suite-end.png') });
    console.log(`[e2e] test:vscode suite in code-server: ${results.passed.length} passed, ${results.failed.length} failed`);
    expect(results.failed, results.failed.map((f) => `${f.title}\n${f.error}`).join('\n\n')).toEqual([]);
    expect(results.passed.length).toBeGreaterThanOrEqual(9);
  });
});
