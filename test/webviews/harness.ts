/**
 * Runs a built webview bundle in headless Chromium the way VS Code serves it: the HTML comes from
 * the extension's own `panelHtml` (same strict CSP, the test server's origin as `cspSource`), a
 * stand-in `acquireVsCodeApi` is installed before the bundle runs, the theme's CSS variables and
 * body class are set like VS Code sets them, and every message crossing the boundary is recorded.
 * CSP violations, console errors, page errors and requests for anything but the page's own files
 * are collected so a test can fail on them.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeNonce, panelHtml } from '../../src/extension/panels/html';
import type { PanelKind } from '../../src/core/protocol/webview';
import { themeStyle, themes, type ThemeName } from './themes';

export const root = join(__dirname, '..', '..');
export const bundleDir = join(root, 'dist', 'webviews');
export const artifactsDir = join(root, 'test-artifacts', 'webviews');
export const CHROMIUM = process.env.MODELYAML_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Headless Chromium; fails (never skips) with a clear message when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. The webview tests render the panels in a real browser: ` +
        'install Debian\'s package (`sudo apt-get install chromium`) or set MODELYAML_CHROMIUM to a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The built bundle; fails when it is missing or older than its sources. */
export function bundleFor(panel: PanelKind): { js: string; css?: string } {
  const js = join(bundleDir, `${panel}.js`);
  if (!existsSync(js)) throw new Error(`${js} is missing: build the bundles first (\`npm run build\`; \`npm test\` does it).`);
  const sources = Math.max(newest(join(root, 'webviews')), statSync(join(root, 'src/core/protocol/webview.ts')).mtimeMs);
  if (statSync(js).mtimeMs + 1 < sources) throw new Error(`${js} is older than webviews/: rebuild it (\`npm run build\`).`);
  const css = join(bundleDir, `${panel}.css`);
  return { js, css: existsSync(css) ? css : undefined };
}

export interface StaticServer {
  origin: string;
  /** Every path requested, in order. */
  requests: string[];
  setPage(path: string, html: string): void;
  close(): Promise<void>;
}

/** Serves the bundle folder and pages set by the test, on loopback. */
export async function startServer(): Promise<StaticServer> {
  const pages = new Map<string, string>();
  const requests: string[] = [];
  const types: Record<string, string> = { js: 'text/javascript', css: 'text/css', map: 'application/json', html: 'text/html' };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const page = pages.get(path);
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    const file = join(bundleDir, path.replace(/^\/+/, ''));
    if (!file.startsWith(bundleDir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[file.split('.').pop() ?? ''] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    setPage: (p, html) => pages.set(p, html),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface PanelPage {
  page: Page;
  html: string;
  /** Messages the webview posted, in order. */
  received: unknown[];
  /** The state the webview last saved with setState. */
  savedState(): Promise<unknown>;
  /** Posts a message to the webview as the host does. */
  send(message: unknown): Promise<void>;
  /** The first message (already received or coming) that matches. */
  waitForMessage<T = Record<string, unknown>>(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<T>;
  /** Called with every message the webview posts (a stand-in host answers here). */
  onMessage(listener: (m: Record<string, unknown>) => void): void;
  setTheme(name: ThemeName): Promise<void>;
  /** CSP violations, console errors and uncaught page errors so far. */
  problems(): string[];
  /** Requests for anything other than the page, its script and its stylesheet. */
  strayRequests(): string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface OpenOptions {
  theme?: ThemeName;
  /** What `vscode.getState()` returns (a restored webview). */
  state?: unknown;
  /** Initial state embedded in the HTML. */
  htmlState?: unknown;
  viewport?: { width: number; height: number };
  /** The page to load (default: `panelHtml` for this panel with the server's origin). */
  html?: string;
}

let pageCounter = 0;

/** Runs in the page before its scripts: the stand-in VS Code API, CSP reporting, the theme. */
const initScript = String.raw`function ({ state, style, bodyClass }) {
  let saved = state === null ? undefined : state;
  let acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: function (m) { window.__modelyamlToHost(JSON.parse(JSON.stringify(m))); },
      getState: function () { return saved; },
      setState: function (s) { saved = JSON.parse(JSON.stringify(s)); window.__modelyamlSavedState = saved; return s; },
    });
  };
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__modelyamlProblem('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
  });
  // Like VS Code: theme variables on <html>, the theme kind on <body>.
  function apply() {
    if (document.documentElement && !document.documentElement.hasAttribute('style')) document.documentElement.setAttribute('style', style);
    if (!document.body) return false;
    if (!document.body.classList.contains(bodyClass)) {
      document.body.classList.add(bodyClass);
      document.body.dataset.vscodeThemeKind = bodyClass;
    }
    return true;
  }
  if (!apply()) {
    const mo = new MutationObserver(function () { if (apply()) mo.disconnect(); });
    mo.observe(document, { childList: true, subtree: true });
  }
}`;

/** Opens a panel's page exactly as the extension serves it, with a stand-in VS Code API. */
export async function openPanel(browser: Browser, server: StaticServer, panel: PanelKind, o: OpenOptions = {}): Promise<PanelPage> {
  const bundle = bundleFor(panel);
  const html =
    o.html ??
    panelHtml({
      panel,
      scriptUri: `${server.origin}/${panel}.js`,
      styleUri: bundle.css ? `${server.origin}/${panel}.css` : undefined,
      cspSource: server.origin,
      nonce: makeNonce(),
      state: o.htmlState,
    });
  const path = `/${panel}-${++pageCounter}.html`;
  server.setPage(path, html);
  const own = new Set([path, `/${panel}.js`, `/${panel}.css`]);
  const firstRequest = server.requests.length;

  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1100, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const received: Record<string, unknown>[] = [];
  const listeners: ((m: Record<string, unknown>) => void)[] = [];
  const waiters: { match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  const problems: string[] = [];

  await page.exposeBinding('__modelyamlToHost', (_src, m: Record<string, unknown>) => {
    received.push(m);
    for (const l of listeners) l(m);
    for (const w of waiters.splice(0)) {
      if (w.match(m)) w.resolve(m);
      else waiters.push(w);
    }
  });
  await page.exposeBinding('__modelyamlProblem', (_src, text: string) => {
    problems.push(text);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  const theme = themes[o.theme ?? 'dark'];
  // A string, not a function: the test transform's helpers (e.g. `__name`) do not exist in the page.
  await page.addInitScript(`(${initScript})(${JSON.stringify({ state: o.state ?? null, style: themeStyle(o.theme ?? 'dark'), bodyClass: theme.bodyClass })});`);
  await page.goto(`${server.origin}${path}`);

  return {
    page,
    html,
    received,
    savedState: () => page.evaluate(() => (window as unknown as Record<string, unknown>).__modelyamlSavedState),
    async send(message) {
      await page.evaluate((m) => window.postMessage(m, '*'), message as Record<string, unknown>);
    },
    waitForMessage<T>(match: (m: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<T> {
      const hit = received.find(match);
      if (hit) return Promise.resolve(hit as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message from the webview within ${timeoutMs} ms; got ${JSON.stringify(received.map((m) => m.type))}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as T);
          },
        });
      });
    },
    onMessage: (l) => listeners.push(l),
    async setTheme(name) {
      await page.evaluate(
        ({ style, bodyClass, all }) => {
          document.documentElement.setAttribute('style', style);
          document.body.classList.remove(...all);
          document.body.classList.add(bodyClass);
          document.body.dataset.vscodeThemeKind = bodyClass;
        },
        { style: themeStyle(name), bodyClass: themes[name].bodyClass, all: Object.values(themes).map((t) => t.bodyClass) },
      );
    },
    problems: () => problems.slice(),
    strayRequests: () => server.requests.slice(firstRequest).filter((r) => !own.has(r) && !r.endsWith('.map') && r !== '/favicon.ico'),
    async screenshot(name) {
      mkdirSync(artifactsDir, { recursive: true });
      // No focus ring or hover left over from the interactions in the picture.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
      await page.mouse.move(0, 0);
      const file = join(artifactsDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: false });
      return file;
    },
    close: () => context.close(),
  };
}

/** Waits until the page has painted twice (everything scheduled on animation frames is drawn). */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/**
 * Loads the HTML a real panel host set on a stand-in webview panel, and wires the two together:
 * what the host posts reaches the page, what the page posts reaches the host.
 */
export async function connectPanel(
  browser: Browser,
  server: StaticServer,
  panel: PanelKind,
  fake: { webview: { html: string }; received: { fire(m: unknown): void }; deliver?: (m: unknown) => Promise<void> },
  o: Omit<OpenOptions, 'html'> = {},
): Promise<PanelPage> {
  if (!fake.webview.html) throw new Error('the host has not set the webview HTML');
  const pp = await openPanel(browser, server, panel, { ...o, html: fake.webview.html });
  fake.deliver = (m) => pp.send(m);
  pp.onMessage((m) => fake.received.fire(m));
  // Messages the page sent before the bridge existed (its `ready`).
  for (const m of pp.received) fake.received.fire(m);
  return pp;
}
