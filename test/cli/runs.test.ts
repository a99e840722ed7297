/** `modelyaml runs`: the workspace's runs by spec, as text and JSON, on real trained runs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run';
import { trainedWorkspace, type TrainedWorkspace } from '../node/trainedRuns';
import { join, relative } from 'node:path';
import { writeFileSync } from 'node:fs';

let t: TrainedWorkspace;
beforeAll(async () => {
  t = await trainedWorkspace();
}, 300_000);

describe('modelyaml runs', () => {
  it('prints a table a spec: labels by what differs, status, metrics and the differing parameters', async () => {
    const r = await runCli(['runs', t.ws]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('iris.model.yaml (3 runs)');
    expect(lines[1]).toBe('differs: lr = train.optimizer.adam.learning_rate, units = model.layers[0].dense.units');
    expect(lines[2]).toMatch(/^run\s+status\s+started\s+backend\s+duration\s+final\.loss\s+final\.val_loss .* test\.accuracy\s+lr\s+units$/);
    // Newest first.
    expect(lines.slice(3, 6).map((l) => l.split(/\s{2,}/)[0])).toEqual(['lr 0.05 · units 32', 'lr 0.01 · units 16', 'lr 0.05 · units 16']);
    expect(lines[3]).toMatch(/completed\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\S+\s+\d+\.\d s/);
  }, 60_000);

  it('gives the same as JSON, and filters by spec', async () => {
    const r = await runCli(['runs', t.ws, '--format', 'json', '--spec', t.spec]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.formatVersion).toBe(1);
    expect(j.groups).toHaveLength(1);
    const g = j.groups[0];
    expect(g.params).toEqual(['train.optimizer.adam.learning_rate', 'model.layers[0].dense.units']);
    expect(g.runs.map((x: { label: string }) => x.label)).toEqual(['lr 0.05 · units 32', 'lr 0.01 · units 16', 'lr 0.05 · units 16']);
    expect(g.runs[0]).toMatchObject({ status: 'completed', specName: 'iris', test: { accuracy: expect.any(Number) }, final: { val_loss: expect.any(Number) } });
    expect(g.runs[0].dir).toBe(relative(join(__dirname, '..', '..'), t.runs[2]));
    const other = join(t.ws, 'other.model.yaml');
    writeFileSync(other, 'version: 1\nname: other\n');
    const none = await runCli(['runs', t.ws, '--spec', other]);
    expect(none.out).toMatch(/^No runs in .* for /);
  }, 60_000);

  it('says clearly what is wrong with its arguments', async () => {
    expect(await runCli(['runs', t.ws, '--format', 'xml'])).toMatchObject({ code: 2, err: 'modelyaml runs: --format must be text or json, not xml.\n' });
    expect(await runCli(['runs', join(t.ws, 'missing')])).toMatchObject({ code: 1, err: `modelyaml runs: ${join(t.ws, 'missing')} is not a folder.\n` });
    const r = await runCli(['runs', t.ws, '--spec', join(t.ws, 'nope.model.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.model\.yaml: cannot read: ENOENT/);
  }, 60_000);
});
