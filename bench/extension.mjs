// The extension's speed and size, in the real workbench (code-server + headless Chromium, as in
// test/e2e/; needs `npm run e2e:setup` once).
//
//   npm run bench:extension     [--reloads 3] [--opens 5]
//
// Measures:
//   - activation: the "activated in … ms" line the extension writes to its output channel (the
//     time of activate() itself: the language server starts asynchronously), and the time from
//     the extension host's "activating modelyaml.modelyaml" log line to that line (loading the
//     bundle + activate), once per extension host (the page is reloaded `--reloads` times);
//   - open → first diagnostics: from the click on a spec (with an error) in Quick Open to the
//     error squiggle in its editor, measured inside the page; the first open (the language
//     server has just started) and `--opens` later ones, each a different file;
//   - the bundles' sizes as shipped (production build, from the .vsix) and the .vsix sizes:
//     universal, and linux-x64 when a `webgpu` package is available (node_modules/webgpu or
//     $MODELYAML_WEBGPU_DIR).
// Writes bench/results/extension.json. Targets: activate() < 50 ms, first diagnostics < 1 s,
// universal .vsix < 10 MB, platform .vsix < 20 MB.
/* global document, MutationObserver -- used inside page.evaluate callbacks, which run in the workbench page */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, makeWorkspace, packageVsix, startCodeServer, until, Workbench, zipEntries } from '../test/e2e/harness.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const RELOADS = Number(arg('reloads', 3));
const OPENS = Number(arg('opens', 5));
const MB = 1024 * 1024;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
const round = (x, d = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

// --- sizes ---------------------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'modelyaml-bench-ext-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
console.error('[bench] packaging (production build)…');
const universal = packageVsix(['--out', join(tmp, 'modelyaml.vsix')]);
const entries = zipEntries(universal.file);
const bundles = Object.fromEntries(
  entries
    .filter((e) => /^extension\/dist\/.*\.(js|css|wasm|bin|node)$/.test(e.name))
    .map((e) => [e.name.slice('extension/'.length), { bytes: e.size, compressedBytes: e.compressed }]),
);
let platform = null;
const webgpuDir = process.env.MODELYAML_WEBGPU_DIR ?? join(root, 'node_modules', 'webgpu');
if (existsSync(join(webgpuDir, 'package.json'))) {
  console.error('[bench] packaging linux-x64…');
  const p = packageVsix(['--target', 'linux-x64', '--webgpu', webgpuDir, '--out', join(tmp, 'modelyaml-linux-x64.vsix')]);
  platform = { target: 'linux-x64', bytes: p.bytes, mb: round(p.bytes / MB, 2), webgpu: p.webgpu?.version ?? null };
}

// --- the workbench -------------------------------------------------------------------------------
const mnist = readFileSync(join(root, 'examples', 'mnist-cnn.model.yaml'), 'utf8');
const broken = mnist.replace('units: 10, activation: softmax', 'units: 5, activation: softmax');
const files = Object.fromEntries(Array.from({ length: OPENS + 1 }, (_, i) => [`broken-${i + 1}.model.yaml`, broken]));
const ws = makeWorkspace(files);
// The workspace opens with no editor; `workspaceContains` activates the extension at startup.
const server = await startCodeServer({ vsix: universal.file, workspace: ws.dir, tag: 'bench' });
const browser = await launchBrowser();
let result;
try {
  const wb = await Workbench.open(browser, server, 'bench');

  /** Opens `name` by Quick Open; ms from the click on its row to the error squiggle in its editor. */
  async function openToDiagnostics(name) {
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('Control+P');
    const input = wb.page.locator('.quick-input-widget input.input');
    await input.waitFor();
    await input.fill(name);
    const row = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor();
    const done = wb.page.evaluate(
      (file) =>
        new Promise((resolve) => {
          let t0 = 0;
          let shown = 0;
          document.addEventListener('mousedown', () => (t0 = performance.now()), { capture: true, once: true });
          const check = () => {
            const ed = [...document.querySelectorAll('.monaco-editor[data-uri]')].find((e) => e.getAttribute('data-uri').endsWith(`/${file}`));
            if (t0 && !shown && ed?.querySelector('.view-line')?.textContent) shown = performance.now() - t0;
            if (t0 && ed?.querySelector('.squiggly-error')) {
              obs.disconnect();
              resolve({ diagnosticsMs: performance.now() - t0, textShownMs: shown });
            }
          };
          const obs = new MutationObserver(check);
          obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
        }),
      name,
    );
    await row.click();
    let timer;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no error squiggle in ${name} within 60 s`)), 60_000)));
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  console.error('[bench] loading dist/extension.js (as installed) in fresh node processes…');
  const loader = join(tmp, 'load.cjs');
  writeFileSync(
    loader,
    `const Module = require('node:module');
const stub = () => new Proxy(function () {}, { get: (t, k) => (k === 'prototype' ? {} : stub()), construct: () => stub(), apply: () => stub() });
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? stub() : load.call(this, request, ...rest); };
const t0 = performance.now();
require(process.argv[2]);
process.stdout.write(String(performance.now() - t0));
`,
  );
  const loads = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, [loader, join(server.extensionDir, 'dist', 'extension.js')], { encoding: 'utf8' });
    if (r.status === 0) loads.push(Number(r.stdout));
  }

  console.error('[bench] open → first diagnostics…');
  const opens = [];
  for (let i = 1; i <= OPENS + 1; i++) opens.push(await openToDiagnostics(`broken-${i}.model.yaml`));
  await wb.shot('diagnostics');

  // Activation, once per extension host: reloading the page starts a new one.
  const logs = () => {
    const dir = join(server.userDataDir, 'logs');
    const out = [];
    for (const session of existsSync(dir) ? readdirSync(dir) : []) {
      for (const host of readdirSync(join(dir, session)).filter((d) => /^exthost\d+$/.test(d))) {
        const own = join(dir, session, host, 'modelyaml.modelyaml', 'ModelYAML.log');
        const ext = join(dir, session, host, 'remoteexthost.log');
        if (!existsSync(own) || !existsSync(ext)) continue;
        const m = /^(\S+ \S+) \[info\] activated in ([\d.]+) ms/m.exec(readFileSync(own, 'utf8'));
        const a = /^(\S+ \S+) \[info\] ExtensionService#_doActivateExtension modelyaml\.modelyaml/m.exec(readFileSync(ext, 'utf8'));
        if (m) out.push({ host, activateMs: Number(m[2]), loadAndActivateMs: a ? Date.parse(m[1].replace(' ', 'T')) - Date.parse(a[1].replace(' ', 'T')) : null });
      }
    }
    return out;
  };
  await until('the first activation in the log', () => logs().length >= 1 || undefined);
  for (let i = 0; i < RELOADS; i++) {
    const before = logs().length;
    console.error(`[bench] reload ${i + 1}/${RELOADS}…`);
    await wb.page.reload();
    await wb.page.waitForSelector('.monaco-workbench');
    await until('the extension to activate again', () => logs().length > before || undefined, 120_000);
  }
  const activations = logs();

  result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model.trim(),
    workbench: 'code-server 4.100.3 (VS Code 1.100.3), headless Chromium',
    activation: {
      note: 'activateMs: activate() itself, from the extension\'s "activated in … ms" log line; loadAndActivateMs: extension-host log line "activating" → that line (loading dist/extension.js + activate, while the host also starts other extensions; log timestamps have 1 ms resolution); bundleLoadMs: require() of the installed dist/extension.js in a fresh node process with a stub `vscode` (compile + top-level code). The first extension host starts while the workbench is still loading.',
      bundleLoadMsMedian: round(median(loads)),
      bundleLoadMs: loads.map((x) => round(x)),
      activateMsMedian: round(median(activations.map((a) => a.activateMs))),
      activateMsFirst: round(activations[0]?.activateMs),
      loadAndActivateMsMedian: round(median(activations.map((a) => a.loadAndActivateMs).filter((x) => x !== null))),
      runs: activations,
      targetMs: 50,
    },
    openToFirstDiagnostics: {
      note: 'click on the spec in Quick Open → error squiggle in its editor, measured in the page; first: the first spec opened after the workbench loaded',
      firstMs: round(opens[0].diagnosticsMs),
      laterMsMedian: round(median(opens.slice(1).map((o) => o.diagnosticsMs))),
      laterMs: opens.slice(1).map((o) => round(o.diagnosticsMs)),
      textShownMsMedian: round(median(opens.map((o) => o.textShownMs))),
      textShownNote: 'click → the file\'s text in the editor: the part of the figures above that is the workbench opening the file, before any diagnostics',
      targetMs: 1000,
    },
    bundles,
    vsix: {
      universal: { bytes: universal.bytes, mb: round(universal.bytes / MB, 2), entries: universal.entries, targetMb: 10 },
      platform: platform ? { ...platform, targetMb: 20 } : { note: 'no `webgpu` package in node_modules (or $MODELYAML_WEBGPU_DIR): platform package not measured', targetMb: 20 },
    },
  };
} finally {
  await browser.close();
  await server.stop();
  ws.remove();
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'extension.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
