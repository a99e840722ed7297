/** The runs table panel's messages: what the host sends is accepted; damaged or foreign messages are refused saying why. */
import { describe, expect, it } from 'vitest';
import { runsTable, type RunSummary } from '../../src/core/runs/table';
import { validateRunsFromWebview, validateRunsToWebview } from '../../src/core/protocol/runsWebview';

const run = (id: string, lr: number): RunSummary => ({
  id: `/ws/.modelyaml/runs/iris/${id}`,
  spec: '/ws/iris.model.yaml',
  specName: 'iris',
  status: 'completed',
  startedAt: '2026-12-06T17:00:00.000Z',
  durationMs: 900,
  backend: 'wasm',
  final: { loss: 0.3, val_loss: 0.4 },
  best: { val_loss: 0.35 },
  test: { accuracy: 0.9 },
  params: { 'train.optimizer.adam.learning_rate': lr, 'train.optimizer': 'adam' },
});
const table = runsTable([run('a', 0.01), run('b', 0.05)]);
const groups = [{ key: 'spec:/ws/iris.model.yaml', title: 'iris', count: 2 }];

describe('runs table panel messages', () => {
  it('accepts a real table (as JSON crossed the boundary), the empty message and each request', () => {
    expect(validateRunsToWebview(JSON.parse(JSON.stringify({ type: 'runs', group: groups[0].key, groups, table })))).toMatchObject({ ok: true });
    expect(validateRunsToWebview({ type: 'empty', message: 'no runs' })).toMatchObject({ ok: true });
    for (const m of [
      { type: 'ready', version: 1 },
      { type: 'compareCurves', runIds: ['a', 'b'] },
      { type: 'openSpec', runId: 'a' },
      { type: 'resume', runId: 'a' },
      { type: 'delete', runIds: ['a'] },
      { type: 'showGroup', group: 'spec:x' },
    ]) expect(validateRunsFromWebview(m), m.type).toMatchObject({ ok: true });
  });

  it('refuses a run with an unknown status or a metric that is not a number, ids that are not a list, an unknown type', () => {
    const bad = (r: object) => validateRunsToWebview({ type: 'runs', group: 'g', groups, table: { ...table, runs: [{ ...table.runs[0], ...r }] } });
    expect(bad({ status: 'exploded' })).toEqual({ ok: false, error: 'invalid `runs` runs host message: field `table` missing or of the wrong type' });
    expect(bad({ final: { loss: '0.3' } })).toMatchObject({ ok: false });
    expect(bad({ params: { lr: { nested: 1 } } })).toMatchObject({ ok: false });
    expect(validateRunsFromWebview({ type: 'compareCurves', runIds: 'a' })).toMatchObject({ ok: false });
    expect(validateRunsFromWebview({ type: 'delete', runIds: Array.from({ length: 1001 }, (_, i) => String(i)) })).toMatchObject({ ok: false });
    expect(validateRunsFromWebview({ type: 'rm', path: '/' })).toEqual({ ok: false, error: 'unknown runs webview message type "rm"' });
  });
});
