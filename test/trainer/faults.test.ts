/**
 * The trainer under faults, through the real client and trainer process: a full disk (a real
 * tiny tmpfs), SIGTERM, SIGKILL and a crash with its own words on stderr, user and environment
 * errors that are not our bugs, over-long names, and the threaded wasm build's temp folder.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { trainCommand } from '../../src/cli/train';
import { closeAbandonedRecord, readEvents, readRunRecord, RunRecordWriter, safeName } from '../../src/node/runRecord';
import { errorEvent } from '../../src/trainer/train';
import { irisSpec, mnistMlpSpec, ofType, tempDir, train, trainerBundle, workspace } from './helpers';

beforeAll(async () => {
  await trainerBundle();
}, 120_000);

const iris = (epochs: number, name = 'iris') => irisSpec({ epochs, name });
/** 51k parameters: 200 KB of weights, more than a 200 KB disk holds. */
const mnistMlp = mnistMlpSpec({ samples: 500, epochs: 3, batchSize: 50, optimizer: 'sgd' });

const specIn = (yaml: string) => join(workspace({ 's.model.yaml': yaml }), 's.model.yaml');

/** Every file and folder under `dir`, relative. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => [prefix + e.name, ...(e.isDirectory() ? tree(join(dir, e.name), `${prefix}${e.name}/`) : [])]);
}

// ─── A full disk: a real 200 KB tmpfs (needs root and mount; skipped, saying why, otherwise) ───

const mounted: string[] = [];
function tinyDisk(): string {
  const dir = tempDir('modelyaml-full-disk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', dir]);
  mounted.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of mounted) execFileSync('umount', [d]);
});
const cannotMount = (() => {
  if (process.getuid?.() !== 0) return 'not root: mounting a tiny tmpfs needs root';
  try {
    const d = tinyDisk();
    execFileSync('umount', [d]);
    mounted.pop();
    return undefined;
  } catch (e) {
    return `mount -t tmpfs failed: ${(e as Error).message.split('\n')[0]}`;
  }
})();

describe.skipIf(cannotMount)(`a full disk${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, () => {
  /** What every run on a full disk must end with: failed, saying so, a closed record, no leftovers. */
  function expectDiskFull(t: Awaited<ReturnType<typeof train>>) {
    expect(t.result.status).toBe('failed');
    const err = ofType(t.events, 'error')[0];
    expect(err).toMatchObject({ code: 'trainer/disk-full', message: expect.stringMatching(/^The disk is full: .* \(ENOSPC\)\. Free some space/) });
    expect(err.message).not.toMatch(/\n\s+at |Internal/);
    expect(readRunRecord(t.result.runDir!)).toMatchObject({ status: 'failed', error: { code: 'trainer/disk-full' } });
    expect(tree(t.result.runDir!).filter((f) => /\.tmp-|\.partial/.test(f))).toEqual([]);
  }

  it('metrics.jsonl fills it: the run fails saying the disk is full, and run.json says so', async () => {
    const t = await train(specIn(iris(400)), { backend: 'cpu', batchEventEvery: 1, out: tinyDisk() });
    expectDiskFull(t);
    expect(ofType(t.events, 'epoch').length).toBeGreaterThan(0);
  });

  it('a checkpoint does not fit: no half checkpoint stays, and the record says failed', async () => {
    const t = await train(specIn(mnistMlp), { backend: 'cpu', out: tinyDisk() });
    expectDiskFull(t);
    expect(tree(t.result.runDir!).some((f) => f.startsWith('checkpoints/'))).toBe(false);
  });

  it('modelyaml train on a full disk: error[trainer/disk-full], exit 1, no stack trace, nothing uncaught', async () => {
    const io = { stdout: '', stderr: '', out: (x: string) => void (io.stdout += x), err: (x: string) => void (io.stderr += x) };
    expect(await trainCommand([specIn(mnistMlp)], { out: tinyDisk() }, io, { trainerPath: await trainerBundle(), backend: 'cpu' })).toBe(1);
    expect(io.stderr).toMatch(/^error\[trainer\/disk-full\]: The disk is full: .*\(ENOSPC\)/m);
    expect(io.stderr).not.toMatch(/\n\s+at /);
  });

  it("closing a dead trainer's record on a full disk: never throws, run.json overwritten in place, no temporaries", () => {
    const disk = tinyDisk();
    const record = new RunRecordWriter(disk, { status: 'running', spec: '/s', specName: 's', specHash: 'h', seed: 1, versions: {}, startedAt: new Date().toISOString() });
    record.event({ type: 'log', time: 1, level: 'info', message: 'x' });
    // Fill every last byte.
    const fill = join(disk, 'filler');
    for (let chunk = 64 * 1024; chunk >= 1; chunk = Math.floor(chunk / 2)) {
      try {
        for (;;) appendFileSync(fill, Buffer.alloc(chunk));
      } catch {
        /* this chunk no longer fits: try a smaller one */
      }
    }
    expect(closeAbandonedRecord(disk, 'failed', { code: 'trainer/crashed', message: 'The trainer was killed by SIGKILL before finishing.' })).toBe(true);
    expect(readRunRecord(disk)).toMatchObject({ status: 'failed', error: { code: 'trainer/crashed' } });
    expect(tree(disk).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

// ─── SIGTERM, SIGKILL, a crash ─────────────────────────────────────────────────────────────────

describe('signals and crashes', () => {
  it('SIGTERM after an epoch: the record says what really ran (epochs and the last metrics), cancelled', async () => {
    let sent = false;
    const t = await train(specIn(iris(500)), { backend: 'cpu' }, (e, _c, kill) => {
      if (e.type === 'epoch' && !sent) {
        sent = true;
        kill('SIGTERM');
      }
    });
    expect(t.result.status).toBe('cancelled');
    expect(t.result.error).toBeUndefined();
    expect(ofType(t.events, 'error')).toEqual([]);
    const lines = readEvents(t.result.runDir!);
    const epochs = ofType(lines, 'epoch');
    const done = ofType(lines, 'done');
    expect(done).toHaveLength(1);
    expect(epochs.length).toBeGreaterThanOrEqual(1);
    expect(done[0]).toMatchObject({ status: 'cancelled', epochs: epochs.length, final: epochs.at(-1)!.metrics, reason: `stopped by SIGTERM after epoch ${epochs.length}` });
    expect(lines.at(-1)!.type).toBe('done');
    expect(ofType(t.events, 'done')[0]).toMatchObject({ epochs: epochs.length, final: epochs.at(-1)!.metrics });
    expect(readRunRecord(t.result.runDir!)).toMatchObject({ status: 'cancelled', epochs: epochs.length, final: epochs.at(-1)!.metrics });
    // Stopped in the middle of a checkpoint or not, no temporary stays.
    expect(tree(t.result.runDir!).filter((f) => /\.tmp-|\.partial/.test(f))).toEqual([]);
  });

  /** A script preloaded into the trainer (`node --require`): real output on its stderr. */
  const preload = (code: string) => {
    const f = join(tempDir(), 'preload.js');
    writeFileSync(f, code);
    return ['--require', f];
  };
  const startupNoise = `process.stderr.write('Warning: WebGPU adapter llvmpipe is a software adapter\\n[dawn] Error: vkCreateDevice failed on adapter 1, trying the next one\\n');`;

  it('SIGKILL: the reason quotes nothing from start-up (WebGPU warnings), only the signal', async () => {
    const t = await train(specIn(iris(500)), { backend: 'cpu', batchEventEvery: 1, execArgv: preload(startupNoise) }, (e, _c, kill) => e.type === 'batch' && e.batch === 3 && kill('SIGKILL'));
    expect(t.result.stderr).toMatch(/vkCreateDevice/);
    const err = ofType(t.events, 'error')[0];
    expect(err).toMatchObject({ code: 'trainer/crashed', message: 'The trainer was killed by SIGKILL before finishing.' });
  });

  it('a crash that says why on stderr: the reason quotes that line, not the start-up noise', async () => {
    // After the second batch event is out, the trainer writes a fatal error and dies.
    const crash = `${startupNoise}
let n = 0;
const send = process.send.bind(process);
process.send = (m, ...rest) => {
  const r = send(m, ...rest);
  if (m && m.type === 'batch' && ++n === 2) process.stderr.write('FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal\\n    at something (file.js:1:1)\\n', () => process.kill(process.pid, 'SIGKILL'));
  return r;
};`;
    const t = await train(specIn(iris(500)), { backend: 'cpu', batchEventEvery: 1, execArgv: preload(crash) });
    const err = ofType(t.events, 'error')[0];
    expect(err.code).toBe('trainer/crashed');
    expect(err.message).toBe('The trainer was killed by SIGKILL before finishing. Its last error output: FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal');
  });
});

// ─── The user's mistakes and the environment's refusals are not internal errors ────────────────

describe('errors that are not our bugs', () => {
  it('file-system refusals get their own codes, with no stack trace', () => {
    const fsError = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: failed, ${syscall} '${path}'`), { code, syscall, path });
    expect(errorEvent(fsError('ENOSPC', 'write', '/r/metrics.jsonl'))).toEqual({ type: 'error', code: 'trainer/disk-full', message: expect.stringMatching(/^The disk is full: \/r\/metrics\.jsonl \(ENOSPC\)/), file: '/r/metrics.jsonl' });
    expect(errorEvent(fsError('EDQUOT', 'write', '/r/a')).code).toBe('trainer/disk-full');
    expect(errorEvent(fsError('EIO', 'write', '/r/a')).code).toBe('trainer/disk-error');
    expect(errorEvent(fsError('EACCES', 'open', '/r/a')).code).toBe('trainer/permission-denied');
    expect(errorEvent(fsError('EISDIR', 'read', '/d')).code).toBe('trainer/is-a-folder');
    expect(errorEvent(fsError('ENAMETOOLONG', 'mkdir', '/x')).code).toBe('trainer/name-too-long');
    expect(errorEvent(new TypeError('x is undefined')).code).toBe('trainer/internal');
    // Our bugs are named as such, without a stack trace (that goes to stderr, shown with --verbose).
    const internal = errorEvent(new TypeError('x is undefined'));
    expect(internal.message).toContain('x is undefined');
    expect(internal.message).not.toMatch(/\n\s+at /);
  });

  it('a runs folder under a file fails as not-a-folder, not as an internal error', async () => {
    const dir = workspace({ 'file.txt': 'x' });
    const t = await train(specIn(iris(1)), { backend: 'cpu', out: join(dir, 'file.txt', 'runs') });
    expect(t.result.status).toBe('failed');
    expect(ofType(t.events, 'error')[0]).toMatchObject({ code: 'trainer/not-a-folder', message: expect.stringMatching(/file\.txt/) });
  });

  it('a 300-character name: the core says so on `name:`, and run folder names stay short', async () => {
    const long = 'n'.repeat(300);
    const a = analyze(iris(1, long));
    const d = a.diagnostics.find((x) => x.code === 'value/too-long')!;
    expect(d).toMatchObject({ severity: 'error', message: expect.stringMatching(/at most 100 characters, but has 300/) });
    expect(a.text.slice(d.range.start, d.range.end)).toBe(long);
    expect(analyze(iris(1, 'n'.repeat(100))).diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    // The trainer refuses it with that diagnostic, before any folder is made.
    const t = await train(specIn(iris(1, long)), { backend: 'cpu' });
    expect(ofType(t.events, 'error')[0]).toMatchObject({ code: 'spec/invalid', diagnostics: [expect.stringMatching(/value\/too-long/)] });
    // Folder names from names (a run record of an older spec, say) are capped and kept apart.
    expect(safeName(long).length).toBeLessThanOrEqual(100);
    expect(safeName(long)).not.toBe(safeName(`${long}x`));
    expect(safeName('iris')).toBe('iris');
  });
});

// ─── Leftovers ────────────────────────────────────────────────────────────────────────────────

describe('leftovers', () => {
  it("the threaded wasm build's fallback temp folder is removed at exit", async () => {
    // The shared cache folder is not the user's own (mode 0777): the trainer must use a fresh one.
    const tmp = tempDir('modelyaml-tmpdir-');
    const shared = join(tmp, `modelyaml-wasm-${process.getuid?.() ?? 'user'}`);
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const t = await train(specIn(iris(1)), { device: 'cpu', env: { TMPDIR: tmp, MODELYAML_WASM_THREADS: '2' } });
    expect(t.result.status).toBe('completed');
    expect(ofType(t.events, 'started')[0].device).toMatch(/2 threads/);
    expect(readdirSync(tmp)).toEqual([`modelyaml-wasm-${process.getuid?.() ?? 'user'}`]);
    expect(readdirSync(shared)).toEqual([]);
    expect(statSync(shared).mode & 0o777).toBe(0o777);
  });
});
