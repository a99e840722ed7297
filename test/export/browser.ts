/**
 * Export folders served on loopback to headless Chromium (the webview harness's launcher), and
 * stock TensorFlow.js in the page: the tf.min.js the export ships, `tf.loadLayersModel` on its
 * model.json. Requests outside the served folder are recorded, so a test can prove the page
 * works offline.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../webviews/harness';

export { launchChromium };

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream' };

/** A blank page that loads the export's own tf.min.js. */
const BLANK = '<!doctype html><html><body><script src="tf.min.js"></script></body></html>';

export interface ServedExport {
  origin: string;
  /** Paths requested (any origin), in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves a folder (and /blank.html) on 127.0.0.1. */
export async function serveFolder(dir: string): Promise<ServedExport> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (path === '/blank.html') return void res.writeHead(200, { 'content-type': TYPES['.html'] }).end(BLANK);
    const file = normalize(join(dir, path));
    try {
      if (!file.startsWith(dir)) throw new Error('outside');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A page on the served export; every request that leaves loopback is aborted and recorded. */
export async function openPage(browser: Browser, served: ServedExport, path: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(served.origin)) return route.continue();
    errors.push(`request outside the export: ${url}`);
    return route.abort();
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  await page.goto(`${served.origin}/${path}`);
  return page;
}

/** Loads the export's model.json with stock tf.loadLayersModel (CPU backend: exact float32) and predicts a batch. */
export async function predictInBrowser(page: Page, x: number[], shape: number[]): Promise<number[]> {
  return page.evaluate(async ({ x, shape }) => {
    const tf = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
    await tf.setBackend('cpu');
    const model = await tf.loadLayersModel('model.json');
    const y = model.predict(tf.tensor(x, shape)) as import('@tensorflow/tfjs').Tensor;
    return Array.from(await y.data());
  }, { x, shape });
}
