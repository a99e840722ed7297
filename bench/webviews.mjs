// The webview panels' speed, in headless Chromium (the panels as VS Code serves them: the harness of
// test/webviews/, with the extension's own HTML and CSP and a stand-in acquireVsCodeApi).
//
//   npm run bench:webviews        [--runs 5] [--window 30]
//
// Measures:
//   - graph: for every examples/*.model.yaml and for generated specs of 100 and 500 layers, the
//     time from posting the `graph` message to the webview until Mermaid's SVG is in the DOM with
//     every node drawn and the next frame has been produced (measured in the page: a
//     MutationObserver on the canvas, then requestAnimationFrame + a task after it). Median of
//     `--runs` runs after a warm-up run; between runs an `empty` message clears the panel so each
//     run draws from scratch.
//   - curves: a live run of 50,000 batch points arriving at 200 points/s (the host's 100 ms
//     flushes: 20 points per `points` message). Streaming all of it takes 250 s, so the run is
//     compressed: the first 44,000 points are loaded (`runData`) and the last 6,000 stream in real
//     time over a `--window`-second window (30 s), so every measured frame draws a chart holding
//     44,000–50,000 points. In the page: a requestAnimationFrame loop records the interval between
//     frames and each frame's main-thread busy time (from the start of its animation-frame
//     callbacks to a task queued behind them, i.e. after the panel's render, style, layout and
//     paint), plus long tasks (PerformanceObserver 'longtask', > 50 ms).
// MODELYAML_BENCH_CPU_PROFILE=<file> also writes a CPU profile of the curves page while it streams.
// Writes bench/results/webviews.json. Targets: graph of 100 layers < 300 ms; curves < 16 ms per
// frame while streaming.
/* global window, document, requestAnimationFrame, MutationObserver, PerformanceObserver, MessageChannel -- used inside page.evaluate callbacks */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The TypeScript modules are CommonJS (they use __dirname): load them through require, which tsx
// (`node --import tsx`) compiles; an ESM import of them leaves __dirname wrong.
const require = createRequire(import.meta.url);
const { launchChromium, openPanel, settled, startServer } = require('../test/webviews/harness.ts');
const { syntheticEvents } = require('../test/webviews/fixtures/runs.ts');
const { analyze } = require('../src/core/analyze.ts');
const { architectureGraph, toMermaid } = require('../src/core/graph.ts');
const { CurveAdapter } = require('../src/core/protocol/webview.ts');

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const RUNS = Number(arg('runs', 5));
const WINDOW_S = Number(arg('window', 30));
const TOTAL_POINTS = 50_000;
const RATE = 200; // points per second
const FLUSH_MS = 100; // the curves host's default flush interval
const GRAPH_TARGET_MS = 300;
const FRAME_TARGET_MS = 16;
const VSYNC_MS = 1000 / 60;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : null;
};
const round = (x, d = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ─── Specs ────────────────────────────────────────────────────────────────────────────────────

/** A CNN of exactly `n` layers: conv2d / batch_norm / dropout blocks, global pooling, a classifier. */
function generatedSpec(n) {
  const cycle = ['conv2d: { filters: 16, kernel_size: 3, padding: same, activation: relu }', 'batch_norm', 'dropout: 0.1'];
  const layers = [];
  for (let i = 0; i < n - 2; i++) layers.push(`    - ${cycle[i % 3]}`);
  layers.push('    - global_avg_pool2d', '    - dense: { units: 10, activation: softmax }');
  return [
    'version: 1',
    `name: generated-${n}`,
    `description: Generated ${n}-layer CNN for the webview benchmark.`,
    'seed: 1',
    '',
    'data:',
    '  source: { dataset: mnist }',
    '  pipeline:',
    '    - scale: { divisor: 255 }',
    '    - reshape: { shape: [28, 28, 1] }',
    '    - one_hot: { classes: 10 }',
    '  validation: { split: 0.1 }',
    '',
    'model:',
    '  input: [28, 28, 1]',
    '  layers:',
    ...layers,
    '',
    'train:',
    '  loss: categorical_crossentropy',
    '  optimizer: adam',
    '  metrics: [accuracy]',
    '  epochs: 1',
    '  batch_size: 64',
    '',
  ].join('\n');
}

/** The `graph` message the host sends for a spec (as GraphPanel builds it). */
function graphMessage(name, text) {
  const analysis = analyze(text);
  const graph = architectureGraph(analysis);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  return {
    message: {
      type: 'graph',
      document: { uri: `file:///bench/${name}`, fileName: name, version: 1 },
      graph,
      mermaid: { TB: toMermaid(graph, { direction: 'TB' }), LR: toMermaid(graph, { direction: 'LR' }) },
      errors: errors.length,
    },
    errors: errors.map((d) => d.message),
  };
}

// ─── Graph ────────────────────────────────────────────────────────────────────────────────────

/** In the page: post the message, wait for the SVG with all its nodes, then for the next frame. */
async function timeGraph(pp, message, timeoutMs = 120_000) {
  return pp.page.evaluate(
    ({ message, nodes, timeoutMs }) =>
      new Promise((resolve) => {
        const canvas = document.getElementById('canvas');
        const banner = document.getElementById('graph-error');
        const g = window.modelyamlGraph;
        const before = g.renders();
        let done = false;
        let seen = false;
        const finish = (r) => {
          if (done) return;
          done = true;
          mo.disconnect();
          clearTimeout(timer);
          resolve(r);
        };
        const check = () => {
          if (done || seen) return;
          if (g.error() && banner && !banner.hidden) return finish({ error: g.error() });
          const svg = canvas.querySelector('svg');
          const drawn = svg ? svg.querySelectorAll('g.node').length : 0;
          // Mermaid draws an error diagram instead of throwing for some limits (maxTextSize).
          if (g.renders() > before && svg && drawn !== nodes) {
            const labels = [...svg.querySelectorAll('g.node')].map((n) => (n.querySelector('.nodeLabel, text')?.textContent ?? '').trim());
            return finish({ error: `Mermaid drew ${drawn} of ${nodes} nodes: ${JSON.stringify(labels.join(' | ').slice(0, 200))}` });
          }
          if (g.renders() > before && svg && drawn === nodes) {
            const dom = performance.now() - t0;
            // The frame that shows it: after the animation-frame callbacks, style, layout and paint.
            requestAnimationFrame(() => {
              const ch = new MessageChannel();
              ch.port1.onmessage = () => finish({ ms: performance.now() - t0, domMs: dom });
              ch.port2.postMessage(0);
            });
            seen = true;
            mo.disconnect();
          }
        };
        const mo = new MutationObserver(check);
        mo.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden'] });
        const timer = setTimeout(() => finish({ error: `timed out after ${timeoutMs} ms` }), timeoutMs);
        const t0 = performance.now();
        window.postMessage(message, '*');
      }),
    { message, nodes: message.graph.nodes.length, timeoutMs },
  );
}

async function clearGraph(pp) {
  await pp.send({ type: 'empty', message: 'cleared' });
  await pp.page.waitForFunction(() => !document.getElementById('empty').hidden);
  await settled(pp.page);
}

async function benchGraph(browser, server) {
  const specs = readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.model.yaml'))
    .sort()
    .map((f) => ({ name: f, kind: 'example', text: readFileSync(join(root, 'examples', f), 'utf8') }));
  for (const n of [100, 500]) specs.push({ name: `generated-${n}.model.yaml`, kind: 'generated', text: generatedSpec(n) });

  // Every layer drawn (repeated blocks not collapsed): the generated CNNs repeat one block throughout,
  // and the target is for drawing all of them.
  const pp = await openPanel(browser, server, 'graph', { theme: 'dark', viewport: { width: 1100, height: 800 }, state: { v: 1, direction: 'TB', collapse: false } });
  await pp.waitForMessage((m) => m.type === 'ready');
  const results = [];
  try {
    for (const spec of specs) {
      const { message, errors } = graphMessage(spec.name, spec.text);
      const layers = message.graph.nodes.filter((n) => n.kind === 'layer').length;
      if (spec.kind === 'generated' && errors.length) throw new Error(`${spec.name}: analyze reports errors: ${errors.join('; ')}`);
      const runs = [];
      let error;
      for (let i = 0; i <= RUNS; i++) {
        await clearGraph(pp);
        const r = await timeGraph(pp, message);
        if (r.error) {
          error = r.error;
          break;
        }
        if (i > 0) runs.push(r); // run 0 is the warm-up
      }
      const row = {
        spec: spec.name,
        kind: spec.kind,
        layers,
        nodes: message.graph.nodes.length,
        edges: message.graph.edges.length,
        mermaidChars: message.mermaid.TB.length,
        specErrors: errors.length,
        ...(error
          ? { error }
          : {
              medianMs: round(median(runs.map((r) => r.ms))),
              minMs: round(Math.min(...runs.map((r) => r.ms))),
              maxMs: round(Math.max(...runs.map((r) => r.ms))),
              medianSvgInDomMs: round(median(runs.map((r) => r.domMs))),
              runsMs: runs.map((r) => round(r.ms)),
            }),
      };
      results.push(row);
      process.stderr.write(`graph ${spec.name}: ${error ? `ERROR ${error}` : `${row.medianMs} ms`}\n`);
    }
    const problems = pp.problems();
    return { results, pageProblems: problems };
  } finally {
    await pp.close();
  }
}

// ─── Curves ───────────────────────────────────────────────────────────────────────────────────

function curvePoints() {
  const runDir = '/bench/runs/live';
  const epochs = 50;
  const events = syntheticEvents({ epochs, batchesPerEpoch: TOTAL_POINTS / epochs, every: 1, seed: 7, runDir });
  const adapter = new CurveAdapter();
  const points = [];
  let batchPoints = 0;
  for (const e of events) {
    if (e.type === 'done') break; // the run is still live while it streams
    const p = adapter.push(e);
    if (!p) continue;
    points.push(p);
    if (p.kind === 'batch') batchPoints++;
  }
  const run = {
    id: runDir,
    label: 'bench · live run',
    specName: adapter.specName ?? 'bench',
    startedAt: adapter.startedAt ?? new Date(0).toISOString(),
    status: 'running',
    backend: adapter.backend,
    epochs: adapter.epochs,
    batchesPerEpoch: TOTAL_POINTS / epochs,
  };
  return { run, points, batchPoints };
}

async function benchCurves(browser, server) {
  const { run, points, batchPoints } = curvePoints();
  if (batchPoints !== TOTAL_POINTS) throw new Error(`expected ${TOTAL_POINTS} batch points, made ${batchPoints}`);
  const streamed = RATE * WINDOW_S;
  // Split after the (TOTAL - streamed)th batch point; epoch points travel with their batches.
  let seen = 0;
  let split = 0;
  while (split < points.length && seen < TOTAL_POINTS - streamed) if (points[split++].kind === 'batch') seen++;
  const preload = points.slice(0, split);
  const live = points.slice(split);

  const pp = await openPanel(browser, server, 'curves', { theme: 'dark', viewport: { width: 1200, height: 800 } });
  try {
    await pp.waitForMessage((m) => m.type === 'ready');
    await pp.send({ type: 'init', runs: [run], current: run.id, compare: [] });
    const tLoad = Date.now();
    await pp.send({ type: 'runData', run, points: preload });
    await pp.page.waitForSelector('.chart[data-metric="loss"] canvas');
    await settled(pp.page);
    const preloadMs = Date.now() - tLoad;
    await sleep(500);

    // The frame recorder.
    await pp.page.evaluate(() => {
      const rec = { intervals: [], busy: [], longTasks: [], renders: [], on: true };
      window.__bench = rec;
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (rec.on) rec.longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: false });
        rec.longTaskSupported = true;
      } catch {
        rec.longTaskSupported = false;
      }
      const c = window.modelyamlCurves;
      let last = 0;
      let lastRenders = c.renders();
      const ch = new MessageChannel();
      let frameStart = 0;
      ch.port1.onmessage = () => rec.busy.push(performance.now() - frameStart);
      const tick = (ts) => {
        if (!rec.on) return;
        frameStart = performance.now();
        if (last) rec.intervals.push(ts - last);
        last = ts;
        const r = c.renders();
        if (r !== lastRenders) {
          // The panel's render of the previous frame.
          rec.renders.push(c.lastRenderMs());
          lastRenders = r;
        }
        ch.port2.postMessage(0);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });

    // MODELYAML_BENCH_CPU_PROFILE=file: a CPU profile of the page while it streams (Chrome DevTools format).
    const profileTo = process.env.MODELYAML_BENCH_CPU_PROFILE;
    const cdp = profileTo ? await pp.page.context().newCDPSession(pp.page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }

    // Stream: 20 points every 100 ms, on schedule (no drift).
    const perMessage = (RATE * FLUSH_MS) / 1000;
    const t0 = Date.now();
    let sent = 0;
    let messages = 0;
    let late = 0;
    let i = 0;
    while (i < live.length) {
      const batch = [];
      let b = 0;
      while (i < live.length && b < perMessage) {
        const p = live[i++];
        batch.push(p);
        if (p.kind === 'batch') b++;
      }
      const due = t0 + (messages + 1) * FLUSH_MS;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      else late++;
      await pp.send({ type: 'points', runId: run.id, points: batch });
      sent += b;
      messages++;
    }
    const streamMs = Date.now() - t0;
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(profileTo, JSON.stringify(profile));
      console.log(`CPU profile of the streaming window: ${profileTo}`);
    }
    // Every point drawn, then a few more frames.
    await pp.page.waitForFunction(
      (n) => {
        const r = window.modelyamlCurves.runs()[0];
        return r && r.points >= n && !window.modelyamlCurves.pending();
      },
      points.length,
      { timeout: 30_000 },
    );
    await settled(pp.page);
    const rec = await pp.page.evaluate(() => {
      window.__bench.on = false;
      return window.__bench;
    });
    const drawnLoss = await pp.page.evaluate(() => {
      const c = window.modelyamlCurves.charts().find((x) => x.metric === 'loss');
      const s = c?.series.find((x) => x.id.endsWith('|loss|batch') && x.role === 'raw');
      return s ? s.values.filter((v) => v !== null).length : 0;
    });

    const iv = rec.intervals;
    const stats = (xs) => ({ p50: round(pct(xs, 50), 2), p95: round(pct(xs, 95), 2), p99: round(pct(xs, 99), 2), max: round(xs.length ? Math.max(...xs) : null, 2) });
    return {
      method:
        `compressed: ${TOTAL_POINTS - sent} of ${TOTAL_POINTS} batch points preloaded (runData), the last ${sent} streamed in real time at ${RATE} points/s ` +
        `(${messages} 'points' messages of ${perMessage} points every ${FLUSH_MS} ms, as the host flushes) over ${round(streamMs / 1000)} s; ` +
        `frames measured while the chart holds ${TOTAL_POINTS - sent}–${TOTAL_POINTS} points`,
      totalBatchPoints: TOTAL_POINTS,
      preloadedBatchPoints: TOTAL_POINTS - sent,
      streamedBatchPoints: sent,
      epochPoints: points.length - batchPoints,
      messages,
      messagesSentLate: late,
      streamSeconds: round(streamMs / 1000, 2),
      preloadMs,
      drawnLossBatchPoints: drawnLoss,
      frames: iv.length,
      frameIntervalMs: stats(iv),
      framesOver16_7ms: iv.filter((x) => x > VSYNC_MS + 0.05).length,
      framesOver25ms: iv.filter((x) => x > 1.5 * VSYNC_MS).length,
      frameBusyMs: stats(rec.busy),
      framesBusyOver16ms: rec.busy.filter((x) => x > FRAME_TARGET_MS).length,
      panelRenders: rec.renders.length,
      panelRenderMs: stats(rec.renders),
      longTasksSupported: rec.longTaskSupported,
      longTasks: rec.longTasks.length,
      longTaskMaxMs: round(rec.longTasks.length ? Math.max(...rec.longTasks.map((t) => t.duration)) : 0, 1),
      pageProblems: pp.problems(),
    };
  } finally {
    await pp.close();
  }
}

// ─── Main ─────────────────────────────────────────────────────────────────────────────────────

const load0 = loadavg();
const browser = await launchChromium();
const server = await startServer();
let graph;
let curves;
const chromiumVersion = browser.version();
try {
  graph = await benchGraph(browser, server);
  curves = await benchCurves(browser, server);
} finally {
  await browser.close();
  await server.close();
}
const load1 = loadavg();

const g100 = graph.results.find((r) => r.spec === 'generated-100.model.yaml');
const curvesMet = curves.frameBusyMs.p99 !== null && curves.frameBusyMs.p99 < FRAME_TARGET_MS && curves.frameIntervalMs.p99 < 1.5 * VSYNC_MS;
const result = {
  date: new Date().toISOString(),
  chromium: chromiumVersion,
  chromiumPath: process.env.MODELYAML_CHROMIUM ?? '/usr/bin/chromium',
  node: process.version,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgStart: load0.map((x) => round(x, 2)), loadavgEnd: load1.map((x) => round(x, 2)) },
  settings: { graphRuns: RUNS, graphWarmupRuns: 1, viewport: { graph: '1100x800', curves: '1200x800' }, headless: true, gpu: 'disabled (--disable-gpu)' },
  targets: {
    graph100LayersMs: {
      target: `< ${GRAPH_TARGET_MS} ms`,
      measured: g100?.medianMs ?? null,
      met: g100?.medianMs !== undefined && g100.medianMs < GRAPH_TARGET_MS,
    },
    curvesFrameMs: {
      target: `< ${FRAME_TARGET_MS} ms per frame while streaming`,
      criterion: 'p99 of per-frame main-thread busy time < 16 ms and p99 frame interval < 1.5 vsync (25 ms, i.e. no regular dropped frames)',
      measured: { busyP99: curves.frameBusyMs.p99, intervalP99: curves.frameIntervalMs.p99 },
      met: curvesMet,
    },
  },
  graph: graph.results,
  graphPageProblems: graph.pageProblems,
  curves,
};
const outDir = join(root, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, 'webviews.json');
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');

const pad = (s, n) => String(s).padEnd(n);
console.log(`\nGraph: ${RUNS} runs after a warm-up, median ms from 'graph' message to SVG drawn (Chromium ${chromiumVersion})`);
console.log(`${pad('spec', 32)}${pad('layers', 8)}${pad('nodes', 7)}${pad('median', 10)}${pad('min', 10)}max`);
for (const r of graph.results) {
  console.log(`${pad(r.spec, 32)}${pad(r.layers, 8)}${pad(r.nodes, 7)}${r.error ? `ERROR: ${r.error}` : `${pad(r.medianMs, 10)}${pad(r.minMs, 10)}${r.maxMs}`}`);
}
const f = (s) => `p50 ${s.p50} · p95 ${s.p95} · p99 ${s.p99} · max ${s.max}`;
console.log(`\nCurves: ${curves.method}`);
console.log(`  frame interval ms : ${f(curves.frameIntervalMs)}  (${curves.frames} frames; ${curves.framesOver16_7ms} over 16.7 ms, ${curves.framesOver25ms} over 25 ms)`);
console.log(`  frame busy ms     : ${f(curves.frameBusyMs)}  (${curves.framesBusyOver16ms} over 16 ms)`);
console.log(`  panel render() ms : ${f(curves.panelRenderMs)}  (${curves.panelRenders} renders)`);
console.log(`  long tasks        : ${curves.longTasks}${curves.longTasks ? ` (max ${curves.longTaskMaxMs} ms)` : ''}`);
console.log(`\nTargets: graph of 100 layers < ${GRAPH_TARGET_MS} ms: ${result.targets.graph100LayersMs.met ? 'met' : 'NOT met'} (${g100?.medianMs ?? g100?.error} ms)`);
console.log(`         curves < ${FRAME_TARGET_MS} ms per frame: ${curvesMet ? 'met' : 'NOT met'} (busy p99 ${curves.frameBusyMs.p99} ms, interval p99 ${curves.frameIntervalMs.p99} ms)`);
console.log(`Load average ${load0.map((x) => x.toFixed(2)).join(' ')} → ${load1.map((x) => x.toFixed(2)).join(' ')}\nWrote ${outFile}`);
