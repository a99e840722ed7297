import { describe, expect, it } from 'vitest';
import { createPruner } from '../../../src/core/search';
import type { PrunerSettings, TrialRecord, TrialState } from '../../../src/core/search/types';
import { settingsOf } from './helpers';

const trial = (number: number, intermediate: number[], state: TrialState = 'complete'): TrialRecord => ({
  number,
  params: {},
  state,
  intermediate,
  value: state === 'complete' ? Math.min(...intermediate) : undefined,
});

function decide(pruner: PrunerSettings, current: number[], history: TrialRecord[], goal: 'minimize' | 'maximize' = 'minimize') {
  const t = trial(history.length, current, 'running');
  return createPruner(settingsOf([], { pruner, goal })).shouldPrune(t, [...history, t], settingsOf([], { pruner, goal }));
}

describe('median pruner', () => {
  const median = (startupTrials = 5, warmupEpochs = 0): PrunerSettings => ({ kind: 'median', startupTrials, warmupEpochs });
  // Five completed trials: epoch 1 values 1…5 (median 3), epoch 2 values 0.5…4.5 (median 2.5).
  const done = [0, 1, 2, 3, 4].map((k) => trial(k, [k + 1, k + 0.5]));

  it('waits for the startup trials to complete', () => {
    expect(decide(median(), [100], done.slice(0, 4))).toEqual({ prune: false, reason: '4 of 5 startup trials completed: no pruning yet' });
    // Running and pruned trials are not completed ones.
    const others = [trial(4, [0.1], 'running'), trial(5, [0.1], 'pruned')];
    expect(decide(median(), [100], [...done.slice(0, 4), ...others]).prune).toBe(false);
  });

  it('prunes a trial worse than the median at its epoch, and keeps one equal to it', () => {
    expect(decide(median(), [3.5], done)).toEqual({ prune: true, reason: 'val_loss 3.5 (best by epoch 1) is worse than the median 3 of 5 completed trials at epoch 1' });
    expect(decide(median(), [3], done)).toEqual({ prune: false, reason: 'val_loss 3 (best by epoch 1) is no worse than the median 3 of 5 completed trials at epoch 1' });
    expect(decide(median(), [2.9, 2.6], done).prune).toBe(true);
  });

  it("judges a trial by its best value so far, as Optuna's MedianPruner", () => {
    expect(decide(median(), [2.4, 2.6], done)).toMatchObject({ prune: false });
  });

  it('interpolates the median of an even count and honours maximize', () => {
    expect(decide(median(4), [2.6], done.slice(0, 4)).reason).toContain('the median 2.5 of 4 completed trials');
    expect(decide(median(), [2.9], done, 'maximize')).toEqual({ prune: true, reason: 'val_loss 2.9 (best by epoch 1) is worse than the median 3 of 5 completed trials at epoch 1' });
    expect(decide(median(), [3.1], done, 'maximize').prune).toBe(false);
  });

  it('keeps trials during warm-up and past the completed trials’ epochs', () => {
    expect(decide(median(5, 1), [100], done)).toEqual({ prune: false, reason: 'epoch 1 is within the 1 warm-up epochs' });
    expect(decide(median(5, 1), [100, 100], done).prune).toBe(true);
    expect(decide(median(), [0, 0, 100], done)).toEqual({ prune: false, reason: 'no completed trial reported val_loss at epoch 3' });
  });

  it('prunes a trial whose metric is NaN throughout', () => {
    expect(decide(median(), [NaN], done)).toEqual({ prune: true, reason: 'val_loss is NaN at every epoch so far' });
  });
});

describe('ASHA pruner', () => {
  const asha = (minEpochs = 1, reduction = 3): PrunerSettings => ({ kind: 'asha', minEpochs, reduction });

  it('promotes the first trial at a rung and prunes a worse second while fewer than `reduction` are there', () => {
    expect(decide(asha(), [5], [])).toEqual({ prune: false, reason: 'val_loss 5 at epoch 1 is within the best of 1 trial at rung 0 (epoch 1) (≤ 5)' });
    expect(decide(asha(), [6], [trial(0, [5], 'running')])).toEqual({ prune: true, reason: 'val_loss 6 at epoch 1 is not within the best of 2 trials at rung 0 (epoch 1) (≤ 5)' });
  });

  it('keeps the top 1/reduction of the values recorded at a rung, running and pruned trials included', () => {
    // Five others at epoch 1: 1 (complete), 2 (pruned), 3, 4, 5 (running); six with the new one: the top two go on.
    const history = [trial(0, [1, 1, 1]), trial(1, [2], 'pruned'), trial(2, [3, 3], 'running'), trial(3, [4], 'pruned'), trial(4, [5], 'running')];
    expect(decide(asha(), [2.5], history)).toEqual({ prune: true, reason: 'val_loss 2.5 at epoch 1 is not within the top third of 6 trials at rung 0 (epoch 1) (≤ 2)' });
    expect(decide(asha(), [2], history).prune).toBe(false);
    // Epoch 2 is no rung; epoch 3 is rung 1, where only trial 0 has been: the best of 2 goes on.
    expect(decide(asha(), [2.5, 0.1], history)).toEqual({ prune: false });
    expect(decide(asha(), [2, 1.5, 1.2], history)).toEqual({ prune: true, reason: 'val_loss 1.2 at epoch 3 is not within the best of 2 trials at rung 1 (epoch 3) (≤ 1)' });
    expect(decide(asha(), [2, 1.5, 0.9], history).prune).toBe(false);
  });

  it('places rungs at min_epochs · reduction^k and honours maximize', () => {
    const history = [trial(0, [0.9, 0.9, 0.9, 0.9]), trial(1, [0.5, 0.5, 0.5, 0.5])];
    expect(decide(asha(2, 2), [0.1], history)).toEqual({ prune: false });
    expect(decide(asha(2, 2), [0.1, 0.7], history, 'maximize')).toEqual({ prune: true, reason: 'val_loss 0.7 at epoch 2 is not within the top half of 3 trials at rung 0 (epoch 2) (≥ 0.9)' });
    expect(decide(asha(2, 2), [0.1, 0.95], history, 'maximize').prune).toBe(false);
    expect(decide(asha(2, 2), [0.1, 0.95, 0.1, 0.6], history, 'maximize')).toMatchObject({ prune: true, reason: expect.stringContaining('at rung 1 (epoch 4)') });
  });

  it('prunes a NaN at a rung', () => {
    expect(decide(asha(), [NaN], [])).toEqual({ prune: true, reason: 'val_loss is NaN at epoch 1 (rung 0)' });
  });
});

describe('no pruner', () => {
  it('never prunes', () => expect(decide({ kind: 'none' }, [NaN], [])).toEqual({ prune: false }));
});
