/**
 * End-to-end harness: the packaged extension in a real VS Code workbench, offline.
 *
 * code-server (VS Code's own server and workbench, installed from npm by scripts/e2e-setup.sh
 * into a cache folder outside the repository) runs on loopback with throw-away user-data and
 * extensions folders; the .vsix is installed into that extensions folder; headless Chromium
 * (Debian's) shows the workbench and playwright-core drives it as a user would: clicks, keys,
 * mouse moves, and reading what is on screen. The extension host is code-server's remote
 * extension host, the same one VS Code Remote uses, so the language server and the trainer run
 * as workspace-side node processes here exactly as they do under Remote-SSH.
 *
 * Every wait is on a real condition (an element, a text, a value) with a deadline; nothing
 * sleeps for a fixed time. Screenshots and code-server's logs go to test-artifacts/e2e/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';

// (dirname(__filename), not __dirname: tsx's ESM loader, used by bench/extension.mjs, sets only __filename right.)
export const root = resolve(dirname(__filename), '..', '..');
export const artifactsDir = join(root, 'test-artifacts', 'e2e');
export const CHROMIUM = process.env.MODELYAML_CHROMIUM ?? '/usr/bin/chromium';
export const E2E_CACHE = process.env.MODELYAML_E2E_CACHE ?? join(homedir(), '.cache', 'modelyaml-e2e');
export const CODE_SERVER = process.env.MODELYAML_CODE_SERVER ?? join(E2E_CACHE, 'code-server', 'node_modules', '.bin', 'code-server');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** How long one UI condition may take on a loaded two-core machine. */
export const UI_TIMEOUT = Number(process.env.MODELYAML_E2E_TIMEOUT_MS ?? 60_000);

// ---------------------------------------------------------------------------------------------
// Prerequisites and the package

export function requireCodeServer(): string {
  if (!existsSync(CODE_SERVER)) {
    throw new Error(
      `code-server is not installed at ${CODE_SERVER}. The end-to-end suite runs the extension in code-server ` +
        '(VS Code\'s workbench, from npm): run `npm run e2e:setup` (scripts/e2e-setup.sh; about five minutes, once), ' +
        'or set MODELYAML_CODE_SERVER to a code-server 4.100.x binary.',
    );
  }
  return CODE_SERVER;
}

export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: \`apt-get install chromium\` (or npm run e2e:setup), or set MODELYAML_CHROMIUM.`);
  }
  return CHROMIUM;
}

export interface PackageResult {
  file: string;
  bytes: number;
  entries: number | null;
  target: string;
  webgpu: { from: string; version: string; folder: string } | null;
}

/** Runs scripts/package.mjs and returns its JSON line. */
export function packageVsix(args: string[] = []): PackageResult {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`scripts/package.mjs ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`scripts/package.mjs printed no result:\n${r.stdout}`);
  return JSON.parse(line) as PackageResult;
}

/** The names inside a .vsix (a zip), from its central directory. */
export function zipEntries(file: string): { name: string; size: number; compressed: number; offset: number; method: number }[] {
  const buf = readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: { name: string; size: number; compressed: number; offset: number; method: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const n = buf.readUInt16LE(p + 28);
    const m = buf.readUInt16LE(p + 30);
    const k = buf.readUInt16LE(p + 32);
    out.push({ name: buf.toString('utf8', p + 46, p + 46 + n), size, compressed, offset: buf.readUInt32LE(p + 42), method: buf.readUInt16LE(p + 10) });
    p += 46 + n + m + k;
  }
  return out;
}

/** One file's contents from a .vsix (stored or deflated). */
export function zipRead(file: string, name: string): Buffer {
  const e = zipEntries(file).find((x) => x.name === name);
  if (!e) throw new Error(`${name} is not in ${file}`);
  const buf = readFileSync(file);
  const start = e.offset + 30 + buf.readUInt16LE(e.offset + 26) + buf.readUInt16LE(e.offset + 28);
  const data = buf.subarray(start, start + e.compressed);
  return e.method === 0 ? Buffer.from(data) : inflateRawSync(data);
}

// ---------------------------------------------------------------------------------------------
// code-server

export interface CodeServer {
  url: string;
  /** Opens this folder as the workspace. */
  folderUrl: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** The installed extension's folder. */
  extensionDir: string;
  /** Everything code-server printed. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Settings for a quiet, deterministic workbench (no welcome pages, no update checks, DOM terminal). */
export const WORKBENCH_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 300,
  'editor.quickSuggestions': { other: true, comments: false, strings: true },
  // The DOM renderer keeps the terminal's text in the page, so a test can read it.
  'terminal.integrated.gpuAcceleration': 'off',
  'files.autoSave': 'off',
  'security.workspace.trust.enabled': true,
};

/**
 * Starts code-server on loopback with throw-away folders, the .vsix installed, `workspace` as
 * the folder to open. `tag` names the log file in test-artifacts/e2e/.
 */
export async function startCodeServer(opts: { vsix: string; workspace: string; tag: string; settings?: Record<string, unknown>; env?: Record<string, string> }): Promise<CodeServer> {
  const bin = requireCodeServer();
  const tmp = mkdtempSync(join(tmpdir(), 'modelyaml-e2e-'));
  const userDataDir = join(tmp, 'ud');
  const extensionsDir = join(tmp, 'ext');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...WORKBENCH_SETTINGS, ...opts.settings }, null, 2));

  const common = ['--config', join(tmp, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  writeFileSync(join(tmp, 'config.yaml'), 'auth: none\ncert: false\n');
  const install = spawnSync(bin, [...common, '--install-extension', opts.vsix], { encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0 || !/successfully installed/i.test(install.stdout + install.stderr)) {
    throw new Error(`installing ${opts.vsix} failed (${install.status ?? install.signal}):\n${install.stdout}\n${install.stderr}`);
  }
  const extensionDir = readdirSync(extensionsDir)
    .map((d) => join(extensionsDir, d))
    .find((d) => /modelyaml\.modelyaml-/.test(d));
  if (!extensionDir) throw new Error(`the .vsix installed, but no modelyaml.modelyaml-* folder is in ${extensionsDir}`);

  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn(
    bin,
    [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', opts.workspace],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const deadline = Date.now() + UI_TIMEOUT;
  while (!/HTTP server listening/.test(out)) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`code-server did not start within ${UI_TIMEOUT} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `http://127.0.0.1:${port}/`;
  let stopped = false;
  return {
    url,
    folderUrl: `${url}?folder=${encodeURIComponent(opts.workspace)}`,
    workspace: opts.workspace,
    userDataDir,
    extensionsDir,
    extensionDir,
    output: () => out,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
      // The extension host and its children (language server, trainer) belong to the same group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      mkdirSync(artifactsDir, { recursive: true });
      writeFileSync(join(artifactsDir, `${opts.tag}-code-server.log`), out);
      const logs = join(userDataDir, 'logs');
      if (existsSync(logs)) cpSync(logs, join(artifactsDir, `${opts.tag}-logs`), { recursive: true });
      rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** A throw-away copy of examples/ plus extra files, as the workspace folder. */
export function makeWorkspace(extra: Record<string, string> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-e2e-ws-'));
  for (const f of readdirSync(join(root, 'examples'))) {
    if (/\.model\.ya?ml$/.test(f)) cpSync(join(root, 'examples', f), join(dir, f));
  }
  cpSync(join(root, 'examples', 'data'), join(dir, 'data'), { recursive: true });
  for (const [name, text] of Object.entries(extra)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }) };
}

// ---------------------------------------------------------------------------------------------
// Waiting

/** Polls `probe` until it returns a value other than undefined/false, or throws with `what`. */
export async function until<T>(what: string | (() => string), probe: () => Promise<T | undefined | false> | T | undefined | false, timeout = UI_TIMEOUT, every = 100): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const msg = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeout} ms waiting for ${msg}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

// ---------------------------------------------------------------------------------------------
// The workbench, as a user sees it

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: requireChromium(), args: CHROMIUM_ARGS, headless: true });
}

export class Workbench {
  private shots = 0;
  /** Messages the page logged as errors, for diagnosis when a step fails. */
  readonly consoleErrors: string[] = [];

  private constructor(
    readonly page: Page,
    readonly server: CodeServer,
    private readonly prefix: string,
  ) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => this.consoleErrors.push(String(e)));
  }

  /** Loads the workbench on the server's workspace and answers the workspace-trust dialog. */
  static async open(browser: Browser, server: CodeServer, prefix: string, opts: { trust?: boolean } = {}): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const wb = new Workbench(page, server, prefix);
    await page.goto(server.folderUrl);
    await page.waitForSelector('.monaco-workbench', { timeout: UI_TIMEOUT });
    if (opts.trust !== false) await wb.trustWorkspace();
    return wb;
  }

  /** A fresh user-data-dir asks whether to trust the folder: say yes, as a user opening their own project. */
  async trustWorkspace(): Promise<void> {
    const button = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Yes, I trust the authors' });
    await button.waitFor({ timeout: UI_TIMEOUT });
    await button.click();
    await button.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
  }

  async shot(name: string): Promise<string> {
    mkdirSync(artifactsDir, { recursive: true });
    const file = join(artifactsDir, `${this.prefix}-${String(++this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  // --- commands and files ------------------------------------------------------------------

  /** Runs a command through the command palette (F1), by its full title. */
  async command(title: string): Promise<void> {
    const input = await this.openQuickInput('F1');
    await input.fill(`>${title}`);
    const row = this.quickPickRow(title);
    await row.waitFor({ timeout: UI_TIMEOUT });
    await row.click();
  }

  /**
   * Opens the quick input with `key`. A task terminal that says "press any key to close it" takes
   * the first key while it closes and focus moves: the key is pressed again until the input shows.
   */
  private async openQuickInput(key: string): Promise<Locator> {
    const input = this.page.locator('.quick-input-widget input.input');
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ timeout: attempt < 3 ? 5_000 : UI_TIMEOUT });
        return input;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  /** A row of the open quick pick whose label is exactly `label` (or starts with it). */
  quickPickRow(label: string | RegExp): Locator {
    const re = typeof label === 'string' ? new RegExp(`^\\s*${escapeRe(label)}`) : label;
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: re }) }).first();
  }

  /** Opens a workspace file by Quick Open, after waiting for its row (Enter on the first row races the search). */
  async openFile(name: string): Promise<void> {
    const input = await this.openQuickInput('Control+P');
    await input.fill(name);
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: UI_TIMEOUT });
    await row.click();
    await until(`the editor tab of ${name}`, async () => (await this.activeTab()) === name);
    await this.editor.locator('.view-line').first().waitFor({ timeout: UI_TIMEOUT });
  }

  async activeTab(): Promise<string | undefined> {
    const tab = this.page.locator('.editor-group-container.active .tab.active .label-name').first();
    return (await tab.count()) ? (await tab.innerText()).trim() : undefined;
  }

  /** The active editor. */
  get editor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor[data-uri]').first();
  }

  /** The status bar's language indicator ("ModelYAML"). */
  async languageMode(): Promise<string> {
    return (await this.page.locator('#status\\.editor\\.mode').innerText()).trim();
  }

  /** The cursor, from the status bar ("Ln 23, Col 5"), 1-based. */
  async cursor(): Promise<{ line: number; column: number } | undefined> {
    const t = await this.page.locator('#status\\.editor\\.selection').innerText();
    const m = /Ln (\d+), Col (\d+)/.exec(t);
    return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
  }

  /** Moves the cursor with Go to Line (Ctrl+G), "line:column", 1-based. */
  async goTo(line: number, column = 1): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: UI_TIMEOUT });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await until(`the cursor at ${line}:${column}`, async () => {
      const c = await this.cursor();
      return c?.line === line && c.column === column;
    });
  }

  /** The rendered text of each visible line of the active editor (inlay hints included), by line number. */
  async visibleLines(): Promise<Map<number, string>> {
    const entries = await this.editor.evaluate((ed) => {
      const numbers = [...ed.querySelectorAll<HTMLElement>('.margin-view-overlays .line-numbers')];
      const lines = [...ed.querySelectorAll<HTMLElement>('.view-lines .view-line')];
      // Both layers position their rows by `top`; match them by it.
      const byTop = new Map<string, number>();
      for (const n of numbers) {
        const row = n.closest<HTMLElement>('div[style*="top"]') ?? n.parentElement!;
        byTop.set(row.style.top, Number(n.textContent));
      }
      const out: [number, string][] = [];
      for (const l of lines) {
        const no = byTop.get(l.style.top);
        if (no) out.push([no, (l.textContent ?? '').replace(/\u00a0/g, ' ')]);
      }
      return out;
    });
    return new Map(entries);
  }

  /**
   * Moves the mouse onto the `occurrence`-th visible occurrence of `word` in the active editor,
   * measuring where the word's text sits inside its span (one span can hold several words).
   */
  async hoverWord(word: string, occurrence = 0): Promise<void> {
    const point = await this.editor.evaluate(
      (ed, [w, nth]) => {
        let seen = 0;
        for (const line of ed.querySelectorAll('.view-lines .view-line')) {
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const text = n.textContent ?? '';
            const re = new RegExp(`(^|[^A-Za-z0-9_])${w}(?![A-Za-z0-9_])`, 'g');
            for (let m = re.exec(text); m; m = re.exec(text)) {
              if (seen++ !== nth) continue;
              const start = m.index + m[1].length;
              const range = document.createRange();
              range.setStart(n, start);
              range.setEnd(n, start + w.length);
              const r = range.getBoundingClientRect();
              return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
            }
          }
        }
        return undefined;
      },
      [word, occurrence] as const,
    );
    if (!point) throw new Error(`\`${word}\` (occurrence ${occurrence}) is not visible in the editor`);
    await this.page.mouse.move(point.x - 20, point.y + 40);
    await this.page.mouse.move(point.x, point.y, { steps: 4 });
  }

  // --- panels ------------------------------------------------------------------------------

  /** Opens the Problems panel (Ctrl+Shift+M) and returns it. */
  async problems(): Promise<Locator> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible().catch(() => false))) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('Control+Shift+M');
    }
    await panel.waitFor({ timeout: UI_TIMEOUT });
    return panel;
  }

  /** The text the terminal panel shows (DOM renderer; see WORKBENCH_SETTINGS). */
  async terminalText(): Promise<string> {
    const rows = this.page.locator('.terminal-wrapper.active .xterm-rows');
    if (!(await rows.count())) return '';
    return rows.evaluate((r) => [...r.children].map((c) => (c.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n'));
  }

  /** The status bar item of the extension's training status (text), if shown. */
  async trainingStatus(): Promise<string | undefined> {
    const item = this.page.locator('.statusbar-item[id$="modelyaml.training"]');
    if (!(await item.count()) || !(await item.isVisible())) return undefined;
    return (await item.innerText()).trim();
  }

  /** The webview frame whose document satisfies `test` (webviews are nested iframes), if any. */
  async findWebviewFrame(test: string): Promise<Frame | undefined> {
    for (const f of this.page.frames()) {
      if (f === this.page.mainFrame() || f.isDetached()) continue;
      const ok = await f.evaluate(test).catch(() => false);
      if (ok) return f;
    }
    return undefined;
  }

  /** Waits for the webview frame whose document satisfies `test`. */
  async webviewFrame(what: string, test: string): Promise<Frame> {
    return until(`the ${what} webview`, () => this.findWebviewFrame(test));
  }

  /** Closes the editor tab whose label matches (clicks it, then "View: Close Editor"). */
  async closeTab(label: RegExp): Promise<void> {
    const tab = this.page.locator('.tabs-container .tab', { has: this.page.locator('.label-name', { hasText: label }) }).first();
    await tab.waitFor({ timeout: UI_TIMEOUT });
    await tab.click();
    await this.command('View: Close Editor');
    await tab.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Trainer processes started from an installed extension folder (to check a cancelled run is gone). */
export function trainerProcesses(extensionDir: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a === join(extensionDir, 'dist', 'trainer.js'))) pids.push(Number(d));
    } catch {
      /* exited */
    }
  }
  return pids;
}

/** Newest mtime under a folder (to tell whether a built file is stale). */
export function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
