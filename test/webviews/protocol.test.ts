/** The webview protocol's validators, the trainer-event adapter and the panels' HTML and CSP. */
import { describe, expect, it } from 'vitest';
import { validateTrainerEvent } from '../../src/core/protocol/trainer';
import {
  CurveAdapter,
  curvesStateOrDefault,
  defaultCurvesState,
  graphStateOrDefault,
  validateCurvesFromWebview,
  validateCurvesToWebview,
  validateGraphFromWebview,
  validateGraphToWebview,
  WEBVIEW_PROTOCOL_VERSION,
} from '../../src/core/protocol/webview';
import { contentSecurityPolicy, jsonForScript, makeNonce, panelHtml } from '../../src/extension/panels/html';
import { readEvents, recorded, syntheticEvents } from './fixtures/runs';

describe('webview messages', () => {
  it('accepts what the webviews send', () => {
    for (const m of [
      { type: 'ready', version: WEBVIEW_PROTOCOL_VERSION },
      { type: 'compare', runIds: ['/w/.modelyaml/runs/a/1'] },
      { type: 'export', format: 'png', fileName: 'mnist-curves.png', encoding: 'base64', data: 'iVBORw0KGgo=' },
      { type: 'log', level: 'error', message: 'boom' },
    ]) expect(validateCurvesFromWebview(m), JSON.stringify(m)).toMatchObject({ ok: true });
    for (const m of [
      { type: 'ready', version: 1 },
      { type: 'reveal', nodeId: 'L3' },
      { type: 'export', format: 'mmd', fileName: 'net.mmd', encoding: 'utf8', data: 'flowchart TB' },
    ]) expect(validateGraphFromWebview(m), JSON.stringify(m)).toMatchObject({ ok: true });
  });

  it('refuses anything else, saying why', () => {
    expect(validateCurvesFromWebview(null)).toEqual({ ok: false, error: 'a curves webview message must be an object' });
    expect(validateCurvesFromWebview({ type: 'eval', code: '1' })).toEqual({ ok: false, error: 'unknown curves webview message type "eval"' });
    expect(validateCurvesFromWebview({ type: 'toString' })).toMatchObject({ ok: false }); // not an inherited key
    expect(validateCurvesFromWebview({ type: 'compare', runIds: [1] })).toEqual({ ok: false, error: 'invalid `compare` curves webview message: field `runIds` missing or of the wrong type' });
    expect(validateGraphFromWebview({ type: 'reveal', nodeId: 'x'.repeat(201) })).toMatchObject({ ok: false });
    // Exports: only the panel's formats, a plain file name (no folders), a known encoding.
    const exp = { type: 'export', format: 'svg', fileName: 'a.svg', encoding: 'utf8', data: '<svg/>' };
    expect(validateGraphFromWebview(exp)).toMatchObject({ ok: true });
    expect(validateGraphFromWebview({ ...exp, format: 'png' })).toMatchObject({ ok: false });
    for (const fileName of ['../a.svg', 'a/b.svg', 'C:\\x.svg', '', '..', 'a\u0000.svg']) expect(validateGraphFromWebview({ ...exp, fileName }), fileName).toMatchObject({ ok: false });
    expect(validateGraphFromWebview({ ...exp, encoding: 'hex' })).toMatchObject({ ok: false });
  });

  it('checks what the host sends, too', () => {
    const run = { id: 'r', label: 'r', specName: 's', startedAt: '2025-01-01T00:00:00Z', status: 'crashed' };
    expect(validateCurvesToWebview({ type: 'init', runs: [run], compare: [] })).toMatchObject({ ok: true });
    expect(validateCurvesToWebview({ type: 'points', runId: 'r', points: [{ kind: 'batch', step: 1, epoch: 0.1, time: 0, values: { loss: null } }] })).toMatchObject({ ok: true });
    expect(validateCurvesToWebview({ type: 'points', runId: 'r', points: [{ kind: 'batch', step: 1, epoch: 0.1, time: 0, values: { loss: 'x' } }] })).toMatchObject({ ok: false });
    expect(validateCurvesToWebview({ type: 'runStatus', run: { ...run, status: 'exploded' } })).toMatchObject({ ok: false });
    // A run's settings (labels) and test metrics (the banner).
    expect(validateCurvesToWebview({ type: 'runStatus', run: { ...run, settings: { lr: 0.01, optimizer: 'adam', shuffle: true, note: null }, test: { loss: 0.5 } } })).toMatchObject({ ok: true });
    expect(validateCurvesToWebview({ type: 'runStatus', run: { ...run, settings: { lr: [1] } } })).toMatchObject({ ok: false });
    expect(validateCurvesToWebview({ type: 'runStatus', run: { ...run, test: { loss: 'low' } } })).toMatchObject({ ok: false });
    expect(validateGraphToWebview({ type: 'highlight', nodeId: null })).toMatchObject({ ok: true });
    expect(validateGraphToWebview({ type: 'graph', document: { uri: 'u', fileName: 'f', version: 1 }, graph: { nodes: [], edges: [], totalParams: null }, mermaid: { TB: '', LR: '' }, errors: 0 })).toMatchObject({ ok: true });
  });

  it('restores persisted state with defaults for anything missing or damaged', () => {
    expect(curvesStateOrDefault(undefined)).toEqual(defaultCurvesState());
    expect(curvesStateOrDefault({ smoothing: 0.3, yScale: 'log' })).toMatchObject({ smoothing: 0.3, yScale: 'log', xAxis: 'step' });
    expect(curvesStateOrDefault({ smoothing: 7 })).toEqual(defaultCurvesState());
    expect(graphStateOrDefault({ direction: 'LR', view: { scale: 2, x: 1, y: 2 } })).toEqual({ v: 1, direction: 'LR', view: { scale: 2, x: 1, y: 2 } });
    expect(graphStateOrDefault({ direction: 'RL' })).toEqual({ v: 1, direction: 'TB' });
    expect(graphStateOrDefault({ collapse: false })).toEqual({ v: 1, direction: 'TB', collapse: false });
    expect(graphStateOrDefault({ collapse: 'yes' })).toEqual({ v: 1, direction: 'TB' });
  });
});

describe('trainer events → curve points', () => {
  it('turns a recorded run into batch and epoch points with steps, fractional epochs and seconds', () => {
    const events = readEvents(recorded.completed);
    for (const e of events) expect(validateTrainerEvent(e)).toMatchObject({ ok: true });
    const a = new CurveAdapter();
    const points = events.map((e) => a.push(e)).filter((p) => p !== undefined);
    const batchEvents = events.filter((e) => e.type === 'batch');
    const batch = points.filter((p) => p.kind === 'batch');
    const epoch = points.filter((p) => p.kind === 'epoch');
    expect(batch).toHaveLength(batchEvents.length);
    expect(epoch.map((p) => [p.step, p.epoch])).toEqual([
      [282, 1],
      [564, 2],
      [846, 3],
    ]);
    const first = batchEvents[0];
    const started = events.find((e) => e.type === 'started')!;
    if (first.type !== 'batch') throw new Error('unreachable');
    expect(batch[0]).toMatchObject({ step: first.batch, epoch: first.batch / first.batches });
    expect(batch[0].time).toBeCloseTo((first.time - started.time) / 1000, 9); // from the start of training, after data loading
    // The first point of an epoch: the mean over its batches so far, for the loss and the metrics alike.
    expect(batch[0].values).toEqual({ loss: first.metrics.loss, accuracy: first.metrics.accuracy });
    // Each later point is the mean over the batches since the previous one: weighted by the samples
    // each window holds, an epoch's points give back the trainer's running mean at its last batch.
    const started0 = started.type === 'started' ? started : undefined;
    for (const n of [1, 2, 3]) {
      const evs = batchEvents.filter((e) => e.type === 'batch' && e.epoch === n) as Extract<typeof first, { type: 'batch' }>[];
      const pts = batch.filter((p) => Math.ceil(p.epoch) === n);
      const seen = evs.map((e) => Math.min(e.batch * started0!.batchSize, started0!.samples.train));
      for (const key of ['loss', 'accuracy']) {
        const total = pts.reduce((sum, p, i) => sum + (p.values[key] as number) * (seen[i] - (i ? seen[i - 1] : 0)), 0);
        expect(total / seen[seen.length - 1]).toBeCloseTo(evs[evs.length - 1].metrics[key], 10);
      }
    }
    expect(Object.keys(epoch[0].values)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(a).toMatchObject({ status: 'completed', reason: 'completed 3 epochs', backend: 'wasm', epochs: 3, specName: 'mnist-mlp' });
  });

  it('knows how a run ended', () => {
    const end = (o: Parameters<typeof syntheticEvents>[0]) => {
      const a = new CurveAdapter();
      for (const e of syntheticEvents(o)) a.push(e);
      return a;
    };
    expect(end({ epochs: 2, batchesPerEpoch: 4, end: 'cancelled', stopAfter: 1 })).toMatchObject({ status: 'cancelled', reason: 'cancelled by the user' });
    expect(end({ epochs: 2, batchesPerEpoch: 4, end: 'failed', stopAfter: 1 })).toMatchObject({ status: 'failed', error: { code: 'train/nan-loss' } });
    expect(end({ epochs: 2, batchesPerEpoch: 4, end: 'crashed', stopAfter: 1 })).toMatchObject({ status: 'running' });
  });

  it('gives per-batch values for the loss and the metrics alike when the trainer reports every batch', () => {
    const perBatch = { loss: [] as number[], accuracy: [] as number[] };
    const a = new CurveAdapter();
    const points = syntheticEvents({ epochs: 2, batchesPerEpoch: 25, every: 1, perBatch }).map((e) => a.push(e)).filter((p) => p?.kind === 'batch');
    expect(points).toHaveLength(50);
    points.forEach((p, i) => {
      expect(p!.values.loss).toBeCloseTo(perBatch.loss[i], 10);
      expect(p!.values.accuracy).toBeCloseTo(perBatch.accuracy[i], 10);
    });
  });

  it('keeps the test metrics a run ended with', () => {
    const a = new CurveAdapter();
    for (const e of syntheticEvents({ epochs: 1, batchesPerEpoch: 3, test: { loss: 0.25, accuracy: 0.9 } })) a.push(e);
    expect(a.test).toEqual({ loss: 0.25, accuracy: 0.9 });
  });

  it('keeps NaN and infinite values as missing', () => {
    const a = new CurveAdapter();
    const p = a.push({ type: 'epoch', time: 1, epoch: 1, epochs: 1, metrics: { loss: NaN, val_loss: null as unknown as number, acc: Infinity }, durationMs: 1, learningRate: 0.1 });
    expect(p?.values).toEqual({ loss: null, val_loss: null, acc: null });
  });
});

describe('panel HTML', () => {
  const nonce = makeNonce();
  const html = panelHtml({ panel: 'graph', scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/graph.js', styleUri: 'https://x/graph.css', cspSource: 'https://*.vscode-cdn.net', nonce, state: { note: '</script><script>alert(1)</script>' } });

  it('has a strict CSP: nonce scripts only, no eval, nothing remote, nothing by default', () => {
    const csp = contentSecurityPolicy('https://*.vscode-cdn.net', nonce);
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      'img-src https://*.vscode-cdn.net',
      "style-src https://*.vscode-cdn.net 'unsafe-inline'",
      'font-src https://*.vscode-cdn.net',
      `script-src 'nonce-${nonce}'`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-src 'none'",
      "worker-src 'none'",
      "object-src 'none'",
    ]);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
    expect(html).not.toMatch(/unsafe-eval|connect-src/);
  });

  it('loads the bundle with the nonce, and embeds state that cannot end the script element', () => {
    expect(html).toContain(`<script nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/graph.js"></script>`);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e');
    expect(JSON.parse(jsonForScript({ a: '</script>' }))).toEqual({ a: '</script>' });
  });

  it('makes a fresh nonce each time and refuses a weak one', () => {
    expect(makeNonce()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(makeNonce()).not.toBe(makeNonce());
    expect(() => panelHtml({ panel: 'curves', scriptUri: 'a', cspSource: 'b', nonce: "x' 'unsafe-inline" })).toThrow(/nonce/);
  });
});
