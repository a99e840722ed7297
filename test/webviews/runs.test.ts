/** Reading run folders back for the curves panel: listing, loading, following, and what is allowed. */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenSettings, folderInfo, isInside, listRuns, LoadedRun, readSettings, runLabel, runsOfSpec, siblingRuns, specNameOf } from '../../src/node/runFolders';
import { readEvents, recorded, runRecordFor, syntheticEvents, writeRun } from './fixtures/runs';

function workspace(): { ws: string; runs: string } {
  const ws = mkdtempSync(join(tmpdir(), 'modelyaml-runs-'));
  const runs = join(ws, '.modelyaml', 'runs');
  for (const dir of Object.values(recorded)) cpSync(dir, join(runs, 'mnist-mlp', dir.split(/[\\/]/).pop()!), { recursive: true });
  return { ws, runs };
}

describe('run folders', () => {
  it('lists runs newest first, and the runs of one spec', () => {
    const { ws, runs } = workspace();
    const iris = syntheticEvents({ epochs: 1, batchesPerEpoch: 2, start: Date.UTC(2027, 0, 1) }).map((e) => (e.type === 'started' ? { ...e, spec: 'examples/iris.model.yaml', specName: 'iris' } : e));
    writeRun(join(runs, 'iris', '2027-01-01T00-00-00Z'), iris);
    const short = (r: { dir: string }) => r.dir.split(/[\\/]/).slice(-2).join('/');
    expect(listRuns(runs).map(short)).toEqual([
      'iris/2027-01-01T00-00-00Z',
      'mnist-mlp/2026-11-26T10-54-51-557Z',
      'mnist-mlp/2026-11-26T10-54-43-832Z',
      'mnist-mlp/2026-11-26T10-54-33-909Z',
      'mnist-mlp/2026-11-26T10-54-23-445Z',
    ]);
    // The runs whose run.json names this spec file…
    expect(runsOfSpec([runs], join(ws, 'examples', 'mlp.model.yaml'), ws, 'mnist-mlp').map(short)).toEqual(['mnist-mlp/2026-11-26T10-54-51-557Z', 'mnist-mlp/2026-11-26T10-54-23-445Z']);
    expect(runsOfSpec([runs], join(ws, 'examples', 'iris.model.yaml'), ws).map(short)).toEqual(['iris/2027-01-01T00-00-00Z']);
    // …else those filed under the spec's name (a moved workspace, a renamed file).
    expect(runsOfSpec([runs], join(ws, 'moved', 'mlp.model.yaml'), ws, 'mnist-mlp')).toHaveLength(4);
    expect(runsOfSpec([runs], join(ws, 'other.model.yaml'), ws, 'other')).toEqual([]);
    expect(siblingRuns(join(runs, 'mnist-mlp', '2026-11-26T10-54-23-445Z'))).toHaveLength(4);
    expect(listRuns(join(ws, 'missing'))).toEqual([]);
  });

  it('reads the spec name the run folders are filed under', () => {
    expect(specNameOf('version: 1\nname: mnist-mlp\n')).toBe('mnist-mlp');
    expect(specNameOf('name: "my net"   # comment\n')).toBe('my net');
    expect(specNameOf("model:\n  layers:\n    - dense: 1\n      name: head\nname: 'top'\n")).toBe('top');
    expect(specNameOf('model: {}\n')).toBeUndefined();
  });

  it('loads a run: points, status and why it ended', () => {
    const c = LoadedRun.read(recorded.completed);
    const events = readEvents(recorded.completed);
    expect(c.points).toHaveLength(events.filter((e) => e.type === 'batch' || e.type === 'epoch').length);
    expect(c.info()).toMatchObject({ id: recorded.completed, specName: 'mnist-mlp', status: 'completed', reason: 'completed 3 epochs', backend: 'wasm', epochs: 3, startedAt: '2026-11-26T10:54:23.280Z' });
    expect(c.info().label).toBe(runLabel('mnist-mlp', '2026-11-26T10:54:23.280Z'));
    expect(c.invalidLines).toBe(0);
    expect(LoadedRun.read(recorded.cancelled).info()).toMatchObject({ status: 'cancelled', reason: 'cancelled in epoch 3, batch 2' });
    const failed = LoadedRun.read(recorded.failed);
    expect(failed.info()).toMatchObject({ status: 'failed', error: { code: 'train/nan-loss' } });
    expect(failed.points).toEqual([]);
  });

  it('says a run crashed when its trainer is gone without a word', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'modelyaml-crash-')), 'r');
    const ev = syntheticEvents({ epochs: 2, batchesPerEpoch: 4, end: 'crashed', stopAfter: 1 });
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeRun(dir, ev, runRecordFor(ev, { pid: gone }));
    expect(LoadedRun.read(dir).info()).toMatchObject({ status: 'crashed', reason: `the trainer (pid ${gone}) stopped without finishing the run` });
    expect(LoadedRun.read(dir, () => true).info().status).toBe('running');
    expect(folderInfo({ dir, group: 'x', startedAt: '2025-01-01T00:00:00Z', record: runRecordFor(ev, { pid: gone }) }).status).toBe('crashed');
  });

  it('follows a file being written: complete lines only, invalid lines skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyaml-tail-'));
    const ev = syntheticEvents({ epochs: 1, batchesPerEpoch: 4 });
    const lines = ev.map((e) => JSON.stringify(e));
    writeFileSync(join(dir, 'metrics.jsonl'), lines.slice(0, 3).join('\n') + '\n' + lines[3].slice(0, 20));
    const r = LoadedRun.read(dir);
    expect(r.points).toHaveLength(2); // started + 2 batches; the 4th line is half written
    appendFileSync(join(dir, 'metrics.jsonl'), lines[3].slice(20) + '\n{"type":"batch","oops":1}\nnot json\n' + lines.slice(4).join('\n') + '\n');
    const added = r.poll();
    expect(added.map((p) => p.kind)).toEqual(['batch', 'batch', 'epoch']);
    expect(r.invalidLines).toBe(2);
    expect(r.info().status).toBe('completed');
    expect(r.poll()).toEqual([]);
  });

  it('reads only inside the runs roots', () => {
    const { ws, runs } = workspace();
    expect(isInside(join(runs, 'mnist-cnn', '2025-06-01T14-03-12Z'), [runs])).toBe(true);
    expect(isInside(join(runs, '..', '..', 'secrets'), [runs])).toBe(false);
    expect(isInside(runs, [runs])).toBe(false);
    expect(isInside('/etc', [runs])).toBe(false);
    mkdirSync(join(ws, 'outside'));
    symlinkSync(join(ws, 'outside'), join(runs, 'link'));
    expect(isInside(join(runs, 'link'), [runs])).toBe(false);
  });

  it('reads a run\'s resolved settings under short names, and its final and test metrics', () => {
    const settings = readSettings(recorded.faster)!;
    expect(settings).toMatchObject({ lr: 0.05, batch: 32, epochs: 3, optimizer: 'sgd', loss: 'categorical_crossentropy', layers: 3, 'dense_1.units': 128, 'dense_3.activation': 'softmax', scale: 255, one_hot: 10 });
    expect(LoadedRun.read(recorded.faster).info()).toMatchObject({ settings, final: { val_accuracy: 0.8970000147819519 } });
    expect(readSettings(join(recorded.faster, 'missing'))).toBeUndefined();
    expect(flattenSettings({ settings: { lrSchedule: { type: 'step_decay', params: { rate: 0.5 } } }, layers: [{ id: 'a', type: 'dense', params: { activation: { type: 'leaky_relu', params: { alpha: 0.1 } } } }] })).toEqual({
      schedule: 'step_decay',
      'schedule.rate': 0.5,
      layers: 1,
      a: 'dense',
      'a.activation': 'leaky_relu(alpha=0.1)',
    });
    const { runs } = workspace();
    const dir = join(runs, 'mnist-cnn', '2027-02-01T00-00-00Z');
    const ev = syntheticEvents({ epochs: 1, batchesPerEpoch: 2, test: { loss: 0.5, accuracy: 0.75 } });
    writeRun(dir, ev);
    expect(LoadedRun.read(dir).info().test).toEqual({ loss: 0.5, accuracy: 0.75 });
    expect(folderInfo(listRuns(runs).find((f) => f.dir === dir)!).test).toEqual({ loss: 0.5, accuracy: 0.75 });
  });
});
