/** The curves' data functions: series per metric, smoothing, alignment, outlier ranges, CSV. */
import { describe, expect, it } from 'vitest';
import type { CurvePoint, RunInfo } from '../../src/core/protocol/webview';
import { differingSettings, endSummary, runLabels } from '../../webviews/curves/labels';
import { alignTo, decimationIndices, EmaSmoother, formatDuration, logScaleApplies, mergeXs, metricsOf, nearestIndex, outlierRange, quantile, SeriesBuilder, seriesOf, smoothEma, toCsv, type RunData } from '../../webviews/curves/model';

const info = (id: string): RunInfo => ({ id, label: `run ${id}`, specName: 's', startedAt: '2025-01-01T00:00:00.000Z', status: 'completed' });
const pt = (kind: 'batch' | 'epoch', step: number, values: Record<string, number | null>): CurvePoint => ({ kind, step, epoch: step / 10, time: step * 0.5, values });

describe('curves model', () => {
  it('splits runs into series per metric, train and validation, batch and epoch', () => {
    const run: RunData = { info: info('a'), points: [pt('batch', 1, { loss: 2, accuracy: 0.1 }), pt('batch', 2, { loss: 1.5, accuracy: 0.2 }), pt('epoch', 2, { loss: 1.7, val_loss: 1.9, accuracy: 0.15, val_accuracy: 0.1 })] };
    const s = seriesOf(run, 'step');
    expect(s.map((x) => [x.metric, x.cls, x.xs, x.ys])).toEqual([
      ['loss', 'train-batch', [1, 2], [2, 1.5]],
      ['accuracy', 'train-batch', [1, 2], [0.1, 0.2]],
      ['loss', 'train-epoch', [2], [1.7]],
      ['loss', 'val-epoch', [2], [1.9]],
      ['accuracy', 'train-epoch', [2], [0.15]],
      ['accuracy', 'val-epoch', [2], [0.1]],
    ]);
    expect(metricsOf(s)).toEqual(['loss', 'accuracy']);
    expect(seriesOf(run, 'time')[0].xs).toEqual([0.5, 1]);
  });

  it('keeps the latest value when a resumed run repeats steps', () => {
    const run: RunData = { info: info('a'), points: [pt('batch', 1, { loss: 3 }), pt('batch', 2, { loss: 2 }), pt('batch', 2, { loss: 1.9 }), pt('batch', 3, { loss: 1 })] };
    expect(seriesOf(run, 'step')[0]).toMatchObject({ xs: [1, 2, 3], ys: [3, 1.9, 1] });
  });

  it('SeriesBuilder follows a live run point by point and equals seriesOf, also after a repeated step', () => {
    const run: RunData = { info: info('a'), points: [] };
    const b = new SeriesBuilder(run, 'step');
    expect(b.series()).toEqual([]);
    const stream = [
      pt('batch', 1, { loss: 2, accuracy: 0.1 }),
      pt('batch', 2, { loss: Number.NaN, accuracy: 0.2 }),
      pt('epoch', 2, { loss: 1.7, val_loss: 1.9 }),
      pt('batch', 3, { loss: 1.2, accuracy: null }),
      pt('epoch', 4, { loss: 1.1, val_loss: 1.3 }),
    ];
    for (const p of stream) {
      run.points.push(p);
      expect(b.series()).toEqual(seriesOf(run, 'step'));
    }
    // The same arrays grow: nothing before the new points is copied again.
    const xs = b.series()[0].xs;
    run.points.push(pt('batch', 5, { loss: 1, accuracy: 0.5 }));
    expect(b.series()[0].xs).toBe(xs);
    expect(xs).toEqual([1, 2, 3, 5]);
    // A resumed run repeats step 3: from then on the builder answers as seriesOf (latest value wins).
    run.points.push(pt('batch', 3, { loss: 0.9, accuracy: 0.4 }));
    expect(b.series()).toEqual(seriesOf(run, 'step'));
    expect(b.series()[0]).toMatchObject({ xs: [1, 2, 3, 5], ys: [2, null, 0.9, 1] });
  });

  it('smooths like TensorBoard: a debiased exponential moving average', () => {
    expect(smoothEma([1, 1, 1, 1], 0.9)).toEqual([1, 1, 1, 1].map(() => expect.closeTo(1, 12)));
    const s = smoothEma([0, 10], 0.5) as number[];
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo((0.5 * 0 * 0.5 + 0.5 * 10) / (1 - 0.25), 12); // (0.25·0 + 0.5·10)/0.75
    expect(smoothEma([1, null, 3], 0.5)).toEqual([1, null, expect.closeTo((0.25 * 1 + 0.5 * 3) / 0.75, 12)]);
    expect(smoothEma([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });

  it('smooths a growing series incrementally, to the same values as all at once', () => {
    const ys: (number | null)[] = [];
    const smoother = new EmaSmoother(0.8);
    let seed = 3;
    for (let chunk = 0; chunk < 50; chunk++) {
      for (let i = 0; i < 20; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        ys.push(i === 7 ? null : i === 9 ? NaN : seed / 2 ** 31);
      }
      expect(smoother.extend(ys)).toEqual(smoothEma(ys, 0.8));
    }
    expect(smoother.length).toBe(1000);
  });

  it('aligns series on one x axis', () => {
    const x = mergeXs([
      [1, 2, 3],
      [2, 4],
    ]);
    expect(x).toEqual([1, 2, 3, 4]);
    expect(alignTo(x, [2, 4], [20, 40])).toEqual([null, 20, null, 40]);
    expect(nearestIndex([1, 5, 10], 6)).toBe(1);
    expect(nearestIndex([1, 5, 10], 8)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it('ignores outliers: 5th to 95th percentile, padded; positive only on a log scale', () => {
    const v = Array.from({ length: 100 }, (_, i) => i / 100);
    v[50] = 1000;
    const [lo, hi] = outlierRange(v, false)!;
    expect(hi).toBeLessThan(2);
    expect(lo).toBeLessThan(0.05);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    const [llo] = outlierRange([-1, 0, 0.1, 1, 10], true)!;
    expect(llo).toBeGreaterThan(0);
    expect(outlierRange([], false)).toBeNull();
  });

  it('writes CSV with one row per point, quoting text and neutralising formulas', () => {
    const runs: RunData[] = [
      { info: { ...info('a'), label: '=HYPERLINK("x"), run' }, points: [pt('batch', 1, { loss: 2 }), pt('epoch', 1, { loss: 2, val_loss: 3, accuracy: 0.5 })] },
    ];
    expect(toCsv(runs).split('\n')).toEqual([
      'run,run_started,status,kind,step,epoch,time_s,loss,val_loss,accuracy',
      `"'=HYPERLINK(""x""), run",2025-01-01T00:00:00.000Z,completed,batch,1,0.1,0.5,2,,`,
      `"'=HYPERLINK(""x""), run",2025-01-01T00:00:00.000Z,completed,epoch,1,0.1,0.5,2,3,0.5`,
      '',
    ]);
  });

  it('formats wall time', () => {
    expect(formatDuration(12)).toBe('12s');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});

describe('decimationIndices', () => {
  it('leaves short series alone', () => {
    expect(decimationIndices([1, 2, 3], 10)).toBeUndefined();
  });

  it('keeps at most the limit, in order, with the first, the last and every extreme', () => {
    const ys = Array.from({ length: 50_000 }, (_, i) => Math.sin(i / 50) + (i === 31_337 ? 9 : 0) + (i === 777 ? -9 : 0));
    const keep = decimationIndices(ys, 4000)!;
    expect(keep.length).toBeLessThanOrEqual(4000);
    expect(keep.length).toBeGreaterThan(3000);
    expect(keep[0]).toBe(0);
    expect(keep[keep.length - 1]).toBe(49_999);
    expect(keep).toContain(31_337);
    expect(keep).toContain(777);
    expect(keep.every((v, i) => i === 0 || v > keep[i - 1])).toBe(true);
  });

  it('skips missing values', () => {
    const ys = Array.from({ length: 100 }, (_, i) => (i % 2 ? null : i));
    const keep = decimationIndices(ys, 10)!;
    expect(keep.slice(1, -1).every((i) => ys[i] !== null)).toBe(true);
  });

  it('applies the log scale to losses and errors only', () => {
    expect(['loss', 'mean_squared_error', 'mean_absolute_error'].map(logScaleApplies)).toEqual([true, true, true]);
    expect(['accuracy', 'auc', 'precision', 'r2', 'f1'].map(logScaleApplies)).toEqual([false, false, false, false, false]);
  });
});

describe('run labels', () => {
  const run = (id: string, settings?: RunInfo['settings'], startedAt = '2025-01-01T10:00:00.000Z'): RunInfo => ({ ...info(id), startedAt, settings });

  it('labels runs by the settings that differ, learning rate and batch first', () => {
    const runs = [run('a', { optimizer: 'adam', lr: 0.001, batch: 32, dense_1: 'dense', 'dense_1.units': 64 }), run('b', { optimizer: 'adam', lr: 0.01, batch: 64, dense_1: 'dense', 'dense_1.units': 64 })];
    expect(differingSettings(runs)).toEqual(['lr', 'batch']);
    expect([...runLabels(runs).values()].map((l) => l.text)).toEqual(['lr 0.001 · batch 32', 'lr 0.01 · batch 64']);
  });

  it('leaves out the parameters of an item whose type differs, and caps the label', () => {
    const runs = [run('a', { loss: 'mse', 'loss.delta': 1, lr: 1, batch: 2, epochs: 3, seed: 4 }), run('b', { loss: 'huber', lr: 2, batch: 3, epochs: 4, seed: 5 })];
    expect(differingSettings(runs)).toEqual(['lr', 'batch', 'epochs', 'loss', 'seed']);
    const b = runLabels(runs).get('b')!;
    expect(b.text).toBe('lr 2 · batch 3 · epochs 4 · +2');
    expect(b.title).toContain('seed 5');
  });

  it('falls back to the time-stamped label when nothing differs, and adds the time where labels would clash', () => {
    const same = [run('a', { lr: 1 }), run('b', { lr: 1 })];
    expect([...runLabels(same).values()].map((l) => l.text)).toEqual(['run a', 'run b']);
    const clash = runLabels([run('a', { lr: 1 }, '2025-01-01T10:00:00Z'), run('b', { lr: 2 }), run('c', { lr: 1 }, '2025-01-01T11:30:00Z')]);
    expect(clash.get('b')!.text).toBe('lr 2');
    expect(clash.get('a')!.text).toMatch(/^lr 1 · \d\d:00:00$/);
    expect(clash.get('c')!.text).toMatch(/^lr 1 · \d\d:30:00$/);
  });

  it('labels runs whose spec copies were read as the runs table does: dotted parameter paths, shortest unique names', () => {
    const withParams = (id: string, lr: number, units: number): RunInfo => ({ ...run(id, { lr, batch: 32 }), params: { 'train.optimizer': 'adam', 'train.optimizer.adam.learning_rate': lr, 'model.layers.hidden.units': units, 'model.layers.out.units': 3 } });
    const labels = runLabels([withParams('a', 0.01, 64), withParams('b', 0.05, 128)]);
    expect(labels.get('a')!.text).toBe('lr 0.01 · units 64');
    expect(labels.get('b')!.text).toBe('lr 0.05 · units 128');
    expect(labels.get('b')!.title).toBe('run b\ntrain.optimizer.adam.learning_rate 0.05\nmodel.layers.hidden.units 128');
    // One run without a spec copy: the older rule for all.
    expect(runLabels([withParams('a', 0.01, 64), run('c', { lr: 0.05, batch: 32 })]).get('c')!.text).toBe('lr 0.05');
  });

  it('sums up how a run ended: train, validation and test metrics', () => {
    expect(endSummary({ ...info('a'), final: { loss: 0.5, accuracy: 0.8, val_loss: 0.6, val_accuracy: 0.75 }, test: { loss: 0.65, accuracy: 0.7 } })).toBe(
      'Train: loss 0.5 · accuracy 0.8 — Validation: loss 0.6 · accuracy 0.75 — Test: loss 0.65 · accuracy 0.7',
    );
    expect(endSummary(info('a'))).toBeUndefined();
  });
});
