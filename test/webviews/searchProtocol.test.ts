/** The search panel's messages: what the host sends is accepted, damaged or foreign messages are refused saying why. */
import { describe, expect, it } from 'vitest';
import { validateSearchFromWebview, validateSearchToWebview } from '../../src/core/protocol/searchWebview';
import { replayJournal, JOURNAL_VERSION, type JournalEvent } from '../../src/core/search/journal';
import { searchPanelView } from '../../src/core/search/panelView';
import type { SearchSettings } from '../../src/core/search/types';

const settings: SearchSettings = {
  metric: 'val_loss', goal: 'minimize', trials: 6, parallel: 2, sampler: 'tpe', pruner: { kind: 'asha', minEpochs: 1, reduction: 3 }, seed: 3,
  space: [{ path: 'train.batch_size', dist: { kind: 'choice', values: [16, 32] } }, { path: 'model.layers[0].dense.units', dist: { kind: 'int', low: 4, high: 64, step: 4, log: true } }],
};
const events: JournalEvent[] = [
  { type: 'study', time: 0, version: JOURNAL_VERSION, name: 's', spec: '/w/s.model.yaml', specHash: 'h', settings },
  ...[0, 1, 2, 3, 4].flatMap((number): JournalEvent[] => [
    { type: 'trial', time: 1, number, params: { 'train.batch_size': number % 2 ? 16 : 32, 'model.layers[0].dense.units': 4 * (number + 1) } },
    { type: 'run', time: 1, number, runDir: `../../../runs/s/${number}` },
    { type: 'epoch', time: 2, number, epoch: 1, value: number === 3 ? null : 1 / (number + 1) },
    number === 2 ? { type: 'pruned', time: 3, number, epoch: 1, reason: 'worse than the rung' } : { type: 'complete', time: 3, number, value: 1 / (number + 1), epochs: 1 },
  ]),
];
const view = searchPanelView(replayJournal(events), { spec: 's.model.yaml', folder: '.modelyaml/searches/s/1' });

describe('search panel messages', () => {
  it('builds the view from a replayed journal: rows, best, best so far, settings in words, log axes', () => {
    expect(view.trials.map((t) => [t.number, t.state, t.value, t.last, t.epochs, t.bestSoFar])).toEqual([
      [0, 'complete', 1, 1, 1, 1],
      [1, 'complete', 0.5, 0.5, 1, 0.5],
      [2, 'pruned', null, 1 / 3, 1, 0.5],
      // A NaN epoch and a NaN final value travel as null.
      [3, 'complete', 0.25, null, 1, 0.25],
      [4, 'complete', 0.2, 0.2, 1, 0.2],
    ]);
    expect(view.best).toBe(4);
    expect(view.settings).toBe('tpe · ASHA (min 1 epoch, reduction 3) · 6 trials, 2 at a time · seed 3');
    expect(view.params).toEqual([
      { path: 'train.batch_size', short: 'batch', log: false },
      { path: 'model.layers[0].dense.units', short: 'units', log: true },
    ]);
  });

  it('accepts the view (as JSON crossed the boundary), the empty message and what the webview sends', () => {
    expect(validateSearchToWebview(JSON.parse(JSON.stringify({ type: 'search', view })))).toMatchObject({ ok: true });
    expect(validateSearchToWebview({ type: 'empty', message: 'No searches yet.' })).toMatchObject({ ok: true });
    for (const m of [{ type: 'ready', version: 1 }, { type: 'openTrial', number: 2 }, { type: 'compareTrials', numbers: [0, 4] }, { type: 'applyTrial', number: 4 }]) {
      expect(validateSearchFromWebview(m)).toMatchObject({ ok: true });
    }
  });

  it('refuses a damaged view, a trial that is no trial number, an unknown message type', () => {
    const bad = { ...view, trials: [{ ...view.trials[0], state: 'paused' }] };
    expect(validateSearchToWebview({ type: 'search', view: bad })).toEqual({ ok: false, error: 'invalid `search` search host message: field `view` missing or of the wrong type' });
    expect(validateSearchFromWebview({ type: 'openTrial', number: -1 })).toMatchObject({ ok: false });
    expect(validateSearchFromWebview({ type: 'compareTrials', numbers: ['0'] })).toMatchObject({ ok: false });
    expect(validateSearchFromWebview({ type: 'deleteTrial', number: 1 })).toEqual({ ok: false, error: 'unknown search webview message type "deleteTrial"' });
  });
});
