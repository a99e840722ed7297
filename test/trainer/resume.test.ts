/**
 * Resume trusts nothing in a checkpoint: state.json's fields and ranges, an epoch past the run's
 * end, a spec that changed, files named outside the checkpoint folder, a short optimizer state.
 * And `modelyaml train SPEC --resume [RUN_DIR|latest]`.
 */
import { cpSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { trainCommand, type TrainIO } from '../../src/cli/train';
import { readRunRecord } from '../../src/node/runRecord';
import { irisSpec, ofType, tempDir, train, trainerBundle, workspace } from './helpers';

const iris = irisSpec({ units: 8, optimizer: '{ sgd: { learning_rate: 0.05, momentum: 0.9 } }', metrics: '[]' });

let trainerPath: string;
let spec: string;
let out: string;
/** The first run: 2 of the spec's 4 epochs, with checkpoints. */
let firstRun: string;

beforeAll(async () => {
  trainerPath = await trainerBundle();
  const dir = workspace({ 's.model.yaml': iris });
  spec = join(dir, 's.model.yaml');
  out = join(dir, 'runs');
  const first = await train(spec, { backend: 'cpu', epochs: 2, out });
  expect(first.result.status).toBe('completed');
  firstRun = first.result.runDir!;
}, 120_000);

/** A copy of the first run's last checkpoint, changed by `edit`. */
function tampered(edit: (dir: string) => void): string {
  const dir = join(tempDir(), 'checkpoint');
  cpSync(join(firstRun, 'checkpoints', 'last'), dir, { recursive: true });
  edit(dir);
  return dir;
}
const editJson = (file: string, edit: (v: Record<string, unknown>) => void) => {
  const v = JSON.parse(readFileSync(file, 'utf8'));
  edit(v);
  writeFileSync(file, JSON.stringify(v));
};

async function resumeFails(resume: string, code: string, message: RegExp, specPath = spec) {
  const t = await train(specPath, { backend: 'cpu', resume, out });
  expect(t.result.status).toBe('failed');
  expect(ofType(t.events, 'error')[0]).toMatchObject({ code, message: expect.stringMatching(message) });
  expect(ofType(t.events, 'epoch')).toEqual([]);
  return t;
}

describe('resume checks its checkpoint', () => {
  it('an epoch at or past the run\'s end: "nothing to resume", not "completed" having trained nothing', async () => {
    const t = await resumeFails(tampered((d) => editJson(join(d, 'state.json'), (v) => (v.epoch = 99))), 'train/resume-complete', /after epoch 99, and the run has 4 epochs.*--epochs/);
    // Refused before a run folder is made.
    expect(t.result.runDir).toBeUndefined();
    // A real checkpoint after the run's last epoch likewise.
    const done = await train(spec, { backend: 'cpu', resume: firstRun, out, epochs: 2 });
    expect(ofType(done.events, 'error')[0]).toMatchObject({ code: 'train/resume-complete', message: expect.stringMatching(/after epoch 2, and the run has 2 epochs/) });
  });

  it('a negative, fractional or missing epoch, or a bad learning rate, is refused naming the field', async () => {
    await resumeFails(tampered((d) => editJson(join(d, 'state.json'), (v) => (v.epoch = -5))), 'train/resume', /`epoch` must be a whole number ≥ 1, but is -5/);
    await resumeFails(tampered((d) => editJson(join(d, 'state.json'), (v) => (v.epoch = 1.5))), 'train/resume', /`epoch` must be a whole number ≥ 1, but is 1\.5/);
    await resumeFails(tampered((d) => editJson(join(d, 'state.json'), (v) => delete v.step)), 'train/resume', /`step` must be a whole number ≥ 0/);
    await resumeFails(tampered((d) => editJson(join(d, 'state.json'), (v) => (v.learningRate = 'fast'))), 'train/resume', /`learningRate` must be a number > 0/);
    await resumeFails(tampered((d) => writeFileSync(join(d, 'state.json'), '[1, 2')), 'train/resume', /state\.json cannot be read/);
  });

  it('files named outside the checkpoint folder are not read: `..` paths, absolute paths, symbolic links', async () => {
    const manifest = (path: string) => (d: string) => editJson(join(d, 'model.json'), (v) => ((v.weightsManifest as { paths: string[] }[])[0].paths = [path]));
    await resumeFails(tampered(manifest('../../../../../../../etc/hostname')), 'train/resume', /outside its folder \("\.\.\/\.\.\/.*etc\/hostname"\)/);
    await resumeFails(tampered(manifest('/etc/hostname')), 'train/resume', /outside its folder \("\/etc\/hostname"\)/);
    await resumeFails(
      tampered((d) => {
        rmSync(join(d, 'weights.bin'));
        symlinkSync('/etc/hostname', join(d, 'weights.bin'));
      }),
      'train/resume',
      /weights\.bin links to a file outside its folder/,
    );
  });

  it('a short optimizer state and a changed spec are refused', async () => {
    await resumeFails(tampered((d) => truncateSync(join(d, 'optimizer.bin'), 8)), 'train/resume', /optimizer\.bin holds 8 bytes, but optimizer\.json describes \d+/);
    const changed = join(workspace({ 's.model.yaml': iris.replace('seed: 3', 'seed: 4') }), 's.model.yaml');
    await resumeFails(join(firstRun, 'checkpoints', 'last'), 'train/resume-mismatch', /trained from a different version of s\.model\.yaml/, changed);
  });
});

function capture(): TrainIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (s: string) => void (io.stdout += s),
    err: (s: string) => void (io.stderr += s),
  };
  return io;
}

describe('modelyaml train --resume', () => {
  it('--resume with no folder means latest, and parses before other flags', async () => {
    const io = capture();
    expect(await main(['train', spec, '--resume', '--device', 'tpu'], io)).toBe(2);
    expect(io.stderr).toMatch(/--device must be auto, gpu or cpu/);
    expect(io.stderr).not.toMatch(/--resume/);
  });

  it('--resume latest carries on from the newest run of the spec', async () => {
    const dir = workspace({ 's.model.yaml': iris });
    const runs = join(dir, 'runs');
    const io = capture();
    expect(await trainCommand([join(dir, 's.model.yaml')], { resume: 'latest', out: runs }, io, { trainerPath, backend: 'cpu' })).toBe(1);
    expect(io.stderr).toMatch(/error\[train\/resume\]: There is no run of iris with a checkpoint to resume in .*runs/);

    expect(await trainCommand([join(dir, 's.model.yaml')], { epochs: '2', out: runs }, capture(), { trainerPath, backend: 'cpu' })).toBe(0);
    const resumed = capture();
    expect(await trainCommand([join(dir, 's.model.yaml')], { resume: 'latest', out: runs }, resumed, { trainerPath, backend: 'cpu' })).toBe(0);
    expect(resumed.stdout).not.toMatch(/^epoch [12]\/4/m);
    expect(resumed.stdout).toMatch(/^epoch 3\/4 .*\n(.*\n)*epoch 4\/4 /m);
    const runDir = /run record: (.*)/.exec(resumed.stdout)![1].trim();
    expect(readRunRecord(join(process.cwd(), runDir)) ?? readRunRecord(runDir)).toMatchObject({ status: 'completed', epochs: 4, resumedFrom: expect.stringContaining(join('runs', 'iris')) });
  });
});
