/** The runs table's core on real run folders: what differs, the labels, the metrics, the groups. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { specParams } from '../../src/core/runs/params';
import { bestMetrics, differingParams, groupRuns, runLabels, runsTable, shortParamNames, type RunSummary } from '../../src/core/runs/table';
import { runSummary, workspaceRuns } from '../../src/node/runSummaries';
import { listRuns } from '../../src/node/runFolders';
import { trainedWorkspace, type TrainedWorkspace } from './trainedRuns';

let t: TrainedWorkspace;
beforeAll(async () => {
  t = await trainedWorkspace();
}, 300_000);

describe('the runs table from real runs', () => {
  it('finds the parameters that differ between runs, by the search section’s dotted paths', () => {
    const runs = workspaceRuns([t.runsRoot]);
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.status === 'completed' && r.params && r.final && r.test && r.best)).toBe(true);
    const p = runs.find((r) => r.id === t.runs[0])!.params!;
    expect(p).toMatchObject({ 'train.optimizer': 'adam', 'train.optimizer.adam.learning_rate': 0.05, 'model.layers[0].dense.units': 16, 'train.batch_size': 16, 'train.epochs': 2 });
    expect(differingParams(runs)).toEqual(['train.optimizer.adam.learning_rate', 'model.layers[0].dense.units']);
  });

  it('labels each run by what differs, the same everywhere', () => {
    const runs = workspaceRuns([t.runsRoot]);
    const labels = runLabels(runs);
    expect(t.runs.map((d) => labels.get(d))).toEqual(['lr 0.05 · units 16', 'lr 0.01 · units 16', 'lr 0.05 · units 32']);
    const table = runsTable(runs);
    expect(table.shortNames).toEqual({ 'train.optimizer.adam.learning_rate': 'lr', 'model.layers[0].dense.units': 'units' });
    expect(table.metrics).toEqual(['final.loss', 'final.val_loss', 'final.accuracy', 'final.val_accuracy', 'best.val_loss', 'best.val_accuracy', 'test.loss', 'test.accuracy']);
    // Two runs alike in everything but their start read apart by it.
    const twins = runs.slice(0, 2).map((r) => ({ ...r, params: { a: 1 } }));
    const two = runLabels([...twins, { ...runs[2], params: { a: 2 } }]);
    expect(two.get(runs[0].id)).toMatch(/^a 1 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(two.get(runs[2].id)).toBe('a 2');
  });

  it('takes each metric’s best over the epochs from metrics.jsonl', () => {
    const r = runSummary(listRuns(t.runsRoot).find((f) => f.dir === t.runs[0])!);
    const epochs = readFileSync(join(t.runs[0], 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(2);
    expect(r.best!.val_loss).toBe(Math.min(...epochs.map((e) => e.metrics.val_loss)));
    expect(r.best!.val_accuracy).toBe(Math.max(...epochs.map((e) => e.metrics.val_accuracy)));
    expect(r.final).toEqual(epochs[1].metrics);
  });

  it('groups a search’s trials under the search, and tolerates a run without the tag or a malformed one', () => {
    const trial = join(t.runsRoot, 'iris', 'trial-0');
    const readSearchTag = (dir: string) => runSummary(listRuns(t.runsRoot).find((f) => f.dir === dir)!).search;
    cpSync(t.runs[1], trial, { recursive: true });
    const rec = JSON.parse(readFileSync(join(trial, 'run.json'), 'utf8'));
    writeFileSync(join(trial, 'run.json'), JSON.stringify({ ...rec, startedAt: '2030-01-01T00:00:00.000Z', search: { name: 'lr-sweep', dir: '.modelyaml/searches/lr-sweep/t1', trial: 0, params: { 'train.optimizer.adam.learning_rate': 0.01 } } }));
    expect(readSearchTag(trial)).toEqual({ name: 'lr-sweep', dir: '.modelyaml/searches/lr-sweep/t1', trial: 0, params: { 'train.optimizer.adam.learning_rate': 0.01 } });
    writeFileSync(join(trial, 'run.json'), JSON.stringify({ ...rec, startedAt: '2030-01-01T00:00:00.000Z', search: 'not an object' }));
    expect(readSearchTag(trial)).toBeUndefined();
    writeFileSync(join(trial, 'run.json'), JSON.stringify({ ...rec, startedAt: '2030-01-01T00:00:00.000Z', search: { name: 'lr-sweep', trial: 0 } }));
    expect(readSearchTag(trial)).toBeUndefined();
    writeFileSync(join(trial, 'run.json'), JSON.stringify({ ...rec, startedAt: '2030-01-01T00:00:00.000Z', search: { name: 'lr-sweep', dir: '.modelyaml/searches/lr-sweep/t1', trial: 0, params: {} } }));
    const groups = groupRuns(workspaceRuns([t.runsRoot]));
    expect(groups.map((g) => [g.title, g.search, g.runs.length])).toEqual([
      ['iris', undefined, 3],
      ['lr-sweep (t1)', 'lr-sweep', 1],
    ]);
  });
});

describe('parameter paths', () => {
  it('names a named layer by its name and an unnamed one by index and type; defaults applied', () => {
    const p = specParams(`version: 1\nname: x\ndata: { source: { dataset: iris } }\nmodel:\n  input: [4]\n  layers:\n    - dense: { units: 8 }\n      name: hidden\n    - dropout: 0.2\n    - dense: 3\ntrain:\n  loss: categorical_crossentropy\n  optimizer: sgd\n`);
    expect(p).toMatchObject({ 'model.layers.hidden.units': 8, 'model.layers.hidden.type': 'dense', 'model.layers[1].dropout.rate': 0.2, 'model.layers[2].dense.units': 3, 'train.optimizer': 'sgd', 'train.epochs': 10, 'model.layers': 3 });
    expect(p['train.optimizer.sgd.learning_rate']).toBeTypeOf('number');
    expect(Object.keys(p).some((k) => k.startsWith('train.checkpoint') || k === 'name')).toBe(false);
  });

  it('a changed optimizer is one difference, not its parameters; short names stay unique', () => {
    const base = { id: 'a', spec: 's', specName: 's', status: 'completed', startedAt: '2026-01-01T00:00:00Z' } as const;
    const a: RunSummary = { ...base, params: { 'train.optimizer': 'adam', 'train.optimizer.adam.learning_rate': 0.001, 'model.layers.hidden.units': 8, 'model.layers.out.units': 3 } };
    const b: RunSummary = { ...base, id: 'b', params: { 'train.optimizer': 'sgd', 'train.optimizer.sgd.learning_rate': 0.01, 'model.layers.hidden.units': 16, 'model.layers.out.units': 4 } };
    expect(differingParams([a, b])).toEqual(['train.optimizer', 'model.layers.hidden.units', 'model.layers.out.units']);
    expect(shortParamNames(differingParams([a, b]))).toEqual({ 'train.optimizer': 'optimizer', 'model.layers.hidden.units': 'hidden.units', 'model.layers.out.units': 'out.units' });
    expect(runLabels([a, b]).get('b')).toBe('optimizer sgd · hidden.units 16 · out.units 4');
    expect(bestMetrics([{ loss: 1, acc: 0.5 }, { loss: 0.5, acc: 0.4 }, { loss: null, acc: 0.45 }])).toEqual({ loss: 0.5, acc: 0.5 });
  });
});
