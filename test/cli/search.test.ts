/**
 * `modelyaml search` end to end through the built CLI (`node esbuild.mjs` first): real trainer
 * processes training a small iris model (mean squared error on a linear output, SGD). The random
 * sampler with seed 2 gives, over learning rate × width, the trials good·8, slow·8, good·4,
 * good·4, diverging·8, slow·8: the diverging one (learning rate 1e30) fails with the trainer's
 * NaN error and the search goes on;
 * the last slow one starts after a good trial has passed epoch 1, so ASHA prunes it there.
 * Also: the journal, run folders tagged with the search, best.model.yaml with its comments, a
 * resume after a real SIGKILL of the CLI, the same seed giving the same trials, Ctrl-C, and the
 * errors for bad input.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/protocol/trainer';
import { createRng, createSampler } from '../../src/core/search';
import { type JournalEvent, parseJournal } from '../../src/core/search/journal';
import { CLI, runCli } from './run';

const LR = 'train.optimizer.sgd.learning_rate';
const UNITS = 'model.layers[0].dense.units';
const GOOD = 0.1;
const SLOW = 1.0e-6;
const DIVERGING = 1.0e30;

/** A tiny iris spec (4 epochs) with a search section; `extra` goes at the end of the section. */
const spec = ({ trials = 6, parallel = 2, seed = 2, pruner = '{ asha: { min_epochs: 1, reduction: 3 } }', values = '[0.1, 1.0e-6, 1.0e+30]' } = {}) => `# Iris, searched. This comment stays in best.model.yaml.
version: 1
name: iris-search
seed: 3
data:
  source: { dataset: iris }
  pipeline: [standardize, { one_hot: 3 }]
  validation: { split: 0.2 }
model:
  input: [4]
  layers:
    - dense: { units: 16, activation: relu }   # the width is searched
    - dense: { units: 3, activation: linear }
train:
  loss: mean_squared_error   # unbounded: a learning rate of 1e30 makes it overflow
  optimizer: { sgd: { learning_rate: 0.01 } }
  epochs: 4
  batch_size: 16

search:
  metric: val_loss
  trials: ${trials}
  parallel: ${parallel}
  sampler: random
  pruner: ${pruner}
  seed: ${seed}
  space:
    ${LR}: { choice: ${values} }
    ${UNITS}: { choice: [4, 8] }
`;

/** A workspace folder with the spec in it. */
function workspace(text = spec()): { ws: string; file: string } {
  const ws = mkdtempSync(join(tmpdir(), 'modelyaml-search-'));
  const file = join(ws, 'iris.model.yaml');
  writeFileSync(file, text);
  return { ws, file };
}

const searchDirs = (ws: string) => {
  const root = join(ws, '.modelyaml', 'searches', 'iris-search');
  return existsSync(root) ? readdirSync(root).map((d) => join(root, d)) : [];
};
const journalOf = (dir: string): JournalEvent[] => {
  const { events, problems } = parseJournal(readFileSync(join(dir, 'journal.jsonl'), 'utf8'));
  expect(problems).toEqual([]);
  return events;
};
const ofType = <T extends JournalEvent['type']>(events: JournalEvent[], type: T) => events.filter((e): e is Extract<JournalEvent, { type: T }> => e.type === type);
/** Trial numbers with how many times each ended (complete, pruned or failed). */
const ends = (events: JournalEvent[]) => {
  const n = new Map<number, number>();
  for (const e of events) if (e.type === 'complete' || e.type === 'pruned' || e.type === 'failed') n.set(e.number, (n.get(e.number) ?? 0) + 1);
  return n;
};
/** Trial params in number order (the last start of each). */
const paramsByNumber = (events: JournalEvent[]) => {
  const p: Record<string, unknown>[] = [];
  for (const e of ofType(events, 'trial')) p[e.number] = e.params;
  return p;
};

/** The CLI as a child process, resolving when `stdout` first matches `until` (then SIGKILLed) or when it exits. */
function runUntil(args: string[], cwd: string, until: RegExp): Promise<{ killed: boolean; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let killed = false;
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
    if (!killed && until.test(out)) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  child.stderr.resume();
  return new Promise((done) => child.on('close', () => done({ killed, out })));
}

let full: { ws: string; file: string; out: string; err: string; code: number | null; dir: string; events: JournalEvent[] };

beforeAll(async () => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
  const { ws, file } = workspace();
  const r = await runCli(['search', file], { cwd: ws });
  const [dir] = searchDirs(ws);
  full = { ws, file, ...r, dir, events: dir ? journalOf(dir) : [] };
}, 600_000);

describe('modelyaml search', () => {
  it('runs 6 trials two at a time: the diverging one fails and the search goes on, a slow one is pruned by ASHA, the best is a good one', () => {
    expect(full.code, full.err).toBe(0);
    const { events } = full;
    expect(events[0]).toMatchObject({ type: 'study', name: 'iris-search', spec: full.file, settings: { metric: 'val_loss', goal: 'minimize', trials: 6, parallel: 2, sampler: 'random', pruner: { kind: 'asha' } } });
    const params = paramsByNumber(events);
    expect(params.map((p) => [p[LR], p[UNITS]])).toEqual([[GOOD, 8], [SLOW, 8], [GOOD, 4], [GOOD, 4], [DIVERGING, 8], [SLOW, 8]]);
    // Every trial ended exactly once.
    expect([...ends(events).entries()].sort((a, b) => a[0] - b[0])).toEqual([0, 1, 2, 3, 4, 5].map((n) => [n, 1]));
    const failed = ofType(events, 'failed');
    expect(failed.map((f) => f.number)).toEqual([4]);
    expect(failed[0].reason).toMatch(/The loss became (NaN|[+-]Infinity) at epoch 1/);
    const pruned = ofType(events, 'pruned');
    expect(pruned.map((p) => p.number)).toContain(5);
    const five = pruned.find((p) => p.number === 5)!;
    expect(five.epoch).toBe(1);
    expect(five.reason).toMatch(/^val_loss \d\.\d+ at epoch 1 is not within the (best|top third) of \d+ trials at rung 0/);
    const finished = ofType(events, 'finished');
    expect(finished).toHaveLength(1);
    const best = finished[0].best!;
    expect(params[best][LR]).toBe(GOOD);
    const complete = ofType(events, 'complete');
    expect(complete.find((c) => c.number === best)).toMatchObject({ epochs: 4 });
    expect(Math.min(...complete.map((c) => c.value))).toBe(complete.find((c) => c.number === best)!.value);
    // The summary table, the best line and the trials' lines.
    expect(full.out).toMatch(/^trial +train\.optimizer\.sgd\.learning_rate +model\.layers\[0\]\.dense\.units +state +val_loss +epochs +why$/m);
    expect(full.out).toMatch(/^4 +1e\+30 +8 +failed +— +0 +The loss became/m);
    expect(full.out).toMatch(new RegExp(`^${best} \\* +`, 'm'));
    expect(full.out).toMatch(/^trial 5 pruned after epoch 1: val_loss/m);
    expect(full.out).toContain(`best: trial ${best}, val_loss`);
  });

  it('each trial is an ordinary run, tagged in run.json with the search, its number and values; the journal says where', () => {
    const runs = ofType(full.events, 'run');
    expect(new Set(runs.map((r) => r.number))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    const params = paramsByNumber(full.events);
    for (const r of runs) {
      const runDir = resolve(full.dir, r.runDir);
      expect(runDir.startsWith(join(full.ws, '.modelyaml', 'runs', 'iris-search'))).toBe(true);
      const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
      expect(record.search).toEqual({ name: 'iris-search', dir: full.dir, trial: r.number, params: params[r.number] });
      expect(record.spec).toBe(full.file);
      const expected = r.number === 4 ? 'failed' : ofType(full.events, 'pruned').some((p) => p.number === r.number) ? 'cancelled' : 'completed';
      expect(record.status).toBe(expected);
      // Two trials at once: one thread each (the typed train option, recorded with the run).
      const resolved = JSON.parse(readFileSync(join(runDir, 'resolved.json'), 'utf8'));
      expect(resolved.options).toMatchObject({ maxThreads: 1, search: { trial: r.number } });
      expect(resolved.options.specText).toBeUndefined();
      // The run trained the trial's values.
      const snapshot = readFileSync(join(runDir, 'spec.snapshot.yaml'), 'utf8');
      expect(snapshot).toContain(`units: ${params[r.number][UNITS]}`);
    }
  });

  it('best.model.yaml is the spec with the best values written in, comments and layout kept', () => {
    const best = ofType(full.events, 'finished')[0].best!;
    const p = paramsByNumber(full.events)[best];
    const text = readFileSync(join(full.dir, 'best.model.yaml'), 'utf8');
    const original = readFileSync(full.file, 'utf8');
    expect(text).toContain('# Iris, searched. This comment stays in best.model.yaml.');
    expect(text).toContain(`    - dense: { units: ${p[UNITS]}, activation: relu }   # the width is searched`);
    expect(text).toContain('  optimizer: { sgd: { learning_rate: 0.1 } }');
    // Nothing else changed.
    const changed = text.split('\n').filter((l, i) => l !== original.split('\n')[i]);
    expect(changed.length).toBeLessThanOrEqual(2);
  });

  it('--format json: the summary as one document', async () => {
    const { ws, file } = workspace(spec({ trials: 2, parallel: 1, values: '[0.1]' }));
    const r = await runCli(['search', file, '--format', 'json', '--trials', '1'], { cwd: ws });
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ interrupted: false, metric: 'val_loss', goal: 'minimize', best: { trial: 0, params: { [LR]: GOOD } } });
    expect(doc.trials).toHaveLength(1);
    expect(doc.trials[0]).toMatchObject({ trial: 0, state: 'complete', epochs: 4 });
    expect(doc.trials[0].intermediate).toHaveLength(4);
    expect(existsSync(doc.best.spec)).toBe(true);
  }, 300_000);
});

describe('resume', () => {
  it('after a SIGKILL of the CLI mid-search: no trial number repeated or lost, the running one run again with its values, the same trials as an unbroken search', async () => {
    const { ws, file } = workspace(spec({ parallel: 1, pruner: 'none', values: '[0.1, 1.0e-6]', trials: 4 }));
    // Trial 1 has started (so trial 0 has ended): kill the CLI with no chance to write anything.
    const first = await runUntil(['search', file], ws, /^trial 1 started/m);
    expect(first.killed, first.out).toBe(true);
    const [dir] = searchDirs(ws);
    const before = journalOf(dir);
    expect(ofType(before, 'trial').map((t) => t.number)).toEqual([0, 1]);
    expect([...ends(before).keys()]).toEqual([0]);

    const r = await runCli(['search', file, '--resume', dir], { cwd: ws });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^resumed: trial 1 run again, then up to 4 trials$/m);
    const after = journalOf(dir);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(ofType(after, 'resumed')).toMatchObject([{ rerun: [1], trials: 4 }]);
    // Trial 0 ended once (before the kill); trial 1 started twice with the same values; 2 and 3 new.
    expect([...ends(after).entries()].sort((a, b) => a[0] - b[0])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1]]);
    const starts = ofType(after, 'trial');
    expect(starts.map((t) => t.number)).toEqual([0, 1, 1, 2, 3]);
    expect(starts[2].params).toEqual(starts[1].params);
    expect(ofType(after, 'finished')).toHaveLength(1);
    // The same seed gives the same trials: those the sampler gives for seed 2 and each trial's number.
    const settings = (before[0] as Extract<JournalEvent, { type: 'study' }>).settings;
    const sampler = createSampler(settings);
    const seeded = [0, 1, 2, 3].map((n) => sampler.sample({ settings, history: [], trialNumber: n, rng: createRng(2, n) }));
    expect(paramsByNumber(after)).toEqual(seeded);
  }, 600_000);

  it('refuses a spec that changed since the search started, and a folder without a journal', async () => {
    const { ws, file } = workspace(spec({ trials: 1, values: '[0.1]' }));
    expect((await runCli(['search', file], { cwd: ws })).code).toBe(0);
    const [dir] = searchDirs(ws);
    writeFileSync(file, spec({ trials: 1, values: '[0.2]' }));
    const changed = await runCli(['search', file, '--resume', dir], { cwd: ws });
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/iris\.model\.yaml changed since the search in .* started: resuming would mix two specs/);
    const missing = await runCli(['search', file, '--resume', ws], { cwd: ws });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/journal\.jsonl: cannot read: ENOENT/);
    expect(missing.err + changed.err).not.toMatch(/\n\s+at /);
  }, 300_000);
});

describe('Ctrl-C', () => {
  // As a terminal sends it: to the whole process group, the trainers included (they cancel by
  // themselves, and may end before the search hears it); and to the CLI alone.
  it.each([['the process group', true], ['the CLI alone', false]])('to %s: stops starting trials, cancels the running one, says interrupted in the journal, exits 130 without a stack trace', async (_, group) => {
    const { ws, file } = workspace(spec({ parallel: 1, pruner: 'none', values: '[0.1]', trials: 3 }));
    const child = spawn(process.execPath, [CLI, 'search', file], { cwd: ws, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (!sent && /^trial 0 epoch 1:/m.test(out)) {
        sent = true;
        if (group) process.kill(-child.pid!, 'SIGINT');
        else child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code, out + err).toBe(130);
    expect(err).toMatch(/modelyaml search: interrupted\. Resume with: modelyaml search .*iris\.model\.yaml --resume /);
    expect(err).not.toMatch(/\n\s+at /);
    const events = journalOf(searchDirs(ws)[0]);
    expect(ofType(events, 'trial').map((t) => t.number)).toEqual([0]);
    expect(ofType(events, 'interrupted')).toMatchObject([{ running: [0] }]);
    expect(ends(events).size).toBe(0);
  }, 300_000);
});

describe('bad input', () => {
  it('a spec without search: says so', async () => {
    const { ws, file } = workspace(spec().replace(/\nsearch:[\s\S]*$/, '\n'));
    const r = await runCli(['search', file], { cwd: ws });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/iris\.model\.yaml: no `search:` section to run/);
  });

  it('an error in the section is printed like check prints it (file:line:col) and nothing runs', async () => {
    const { ws, file } = workspace(spec().replace('model.layers[0].dense.units', 'model.layers[0].dense.unit'));
    const r = await runCli(['search', file], { cwd: ws });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^iris\.model\.yaml:29:\d+: error\[[^\]]+\]: .*unit/m);
    expect(r.err).toMatch(/not searching/);
    expect(searchDirs(ws)).toEqual([]);
  });

  it('a search: key that is not a section is an error at its place, not a missing section', async () => {
    const { ws, file } = workspace(spec().replace(/\nsearch:[\s\S]*$/, '\nsearch: 5\n'));
    const r = await runCli(['search', file], { cwd: ws });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^iris\.model\.yaml:20:9: error\[type\/mismatch\]: `search` must be a mapping/m);
    expect(r.err).not.toMatch(/no `search:` section/);
  });

  it('all trials failed: exit 1 and why', async () => {
    const { ws, file } = workspace(spec({ trials: 2, parallel: 1, values: '[1.0e+30]', pruner: 'none' }));
    const r = await runCli(['search', file], { cwd: ws });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^modelyaml search: all 2 trials failed; trial 0: The loss became/m);
    expect(existsSync(join(searchDirs(ws)[0], 'best.model.yaml'))).toBe(false);
  }, 300_000);

  it('bad flags', async () => {
    const { ws, file } = workspace();
    const r = await runCli(['search', file, '--trials', '0'], { cwd: ws });
    expect(r.code).toBe(2);
    expect(r.err).toBe('modelyaml search: --trials must be a whole number ≥ 1, not 0.\n');
  });
});
