/**
 * The search journal's events and replay (src/core/search/journal.ts): a study replays to its
 * trials, a trial started again after a kill shows its new attempt, a line a SIGKILL cut short
 * at the end is dropped, damage elsewhere is reported with its line.
 */
import { describe, expect, it } from 'vitest';
import { bestTrial, type JournalEvent, parseJournal, replayJournal } from '../../src/core/search/journal';
import type { SearchSettings } from '../../src/core/search/types';

const settings: SearchSettings = {
  metric: 'val_loss', goal: 'minimize', trials: 4, parallel: 2, sampler: 'random', pruner: { kind: 'asha', minEpochs: 1, reduction: 3 }, seed: 3,
  space: [{ path: 'model.layers[0].dense.units', dist: { kind: 'choice', values: [4, 8] } }],
};
const study: JournalEvent = { type: 'study', time: 1, version: 1, name: 'iris', spec: '/w/iris.model.yaml', specHash: 'abc', settings };
const lines = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

describe('search journal', () => {
  it('replays trials: complete, pruned with why, failed with why, running; the best is the complete one with the lowest value', () => {
    const events: JournalEvent[] = [
      study,
      { type: 'trial', time: 2, number: 0, params: { 'model.layers[0].dense.units': 4 } },
      { type: 'trial', time: 2, number: 1, params: { 'model.layers[0].dense.units': 8 } },
      { type: 'run', time: 3, number: 0, runDir: '../../../runs/iris/t0' },
      { type: 'epoch', time: 3, number: 0, epoch: 1, value: 0.9 },
      { type: 'epoch', time: 3, number: 1, epoch: 1, value: 1.2 },
      { type: 'pruned', time: 4, number: 1, epoch: 1, reason: 'worse than the rung' },
      { type: 'epoch', time: 4, number: 0, epoch: 2, value: 0.5 },
      { type: 'complete', time: 5, number: 0, value: 0.5, epochs: 2 },
      { type: 'trial', time: 6, number: 2, params: { 'model.layers[0].dense.units': 8 } },
      { type: 'failed', time: 7, number: 2, reason: 'The trainer crashed' },
      { type: 'trial', time: 8, number: 3, params: { 'model.layers[0].dense.units': 4 } },
      { type: 'epoch', time: 9, number: 3, epoch: 1, value: null },
    ];
    const { events: parsed, problems } = parseJournal(lines(events));
    expect(problems).toEqual([]);
    const s = replayJournal(parsed);
    expect(s.trials.map((t) => [t.number, t.state, t.value, t.reason])).toEqual([
      [0, 'complete', 0.5, undefined],
      [1, 'pruned', undefined, 'worse than the rung'],
      [2, 'failed', undefined, 'The trainer crashed'],
      [3, 'running', undefined, undefined],
    ]);
    expect(s.trials[0]).toMatchObject({ intermediate: [0.9, 0.5], runDir: '../../../runs/iris/t0' });
    expect(s.trials[3].intermediate).toEqual([NaN]);
    expect(bestTrial(s)?.number).toBe(0);
    expect(bestTrial({ ...s, settings: { ...settings, goal: 'maximize' } })?.number).toBe(0);
  });

  it('a trial started again after a kill shows the new attempt; resumed sets the budget; interrupted and finished are kept', () => {
    const events: JournalEvent[] = [
      study,
      { type: 'trial', time: 2, number: 0, params: { a: 1 } },
      { type: 'epoch', time: 3, number: 0, epoch: 1, value: 0.9 },
      { type: 'interrupted', time: 4, running: [0] },
    ];
    expect(replayJournal(events).interrupted).toBe(true);
    const again = replayJournal([...events, { type: 'resumed', time: 5, rerun: [0], trials: 6, parallel: 1 }, { type: 'trial', time: 6, number: 0, params: { a: 1 } }, { type: 'finished', time: 7 }]);
    expect(again).toMatchObject({ interrupted: false, finished: true, settings: { trials: 6, parallel: 1 } });
    expect(again.trials[0]).toMatchObject({ state: 'running', intermediate: [] });
  });

  it('drops a last line a kill cut short, and names the line of damage elsewhere', () => {
    const good = lines([study, { type: 'trial', time: 2, number: 0, params: { a: 1 } }]);
    const cut = parseJournal(good + '{"type":"epoch","time":3,"num');
    expect(cut.problems).toEqual([]);
    expect(cut.events).toHaveLength(2);
    const bad = parseJournal(lines([study, { type: 'epoch', time: 3, number: -1, epoch: 1, value: 1 }, { type: 'trial', time: 2, number: 0, params: { a: 1 } }]));
    expect(bad.problems).toEqual([{ line: 2, message: 'invalid `epoch` journal event: field `number` missing or of the wrong type' }]);
    expect(parseJournal(lines([{ type: 'trial', time: 2, number: 0, params: { a: [1] } }, study])).problems[0].line).toBe(1);
    expect(parseJournal('').problems).toEqual([{ line: 1, message: 'the journal does not start with the `study` event' }]);
  });
});
