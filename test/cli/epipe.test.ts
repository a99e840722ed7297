/**
 * A reader that closes the pipe early (`modelyaml docs | head -1`): the CLI stops quietly with 0,
 * without a stack trace about EPIPE. Runs the built CLI (`node esbuild.mjs` first).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from './run';

/** Runs the CLI with its stdout read until `readUpTo` bytes have come (0: closed before any), then closed. */
function pipedIntoEarlyCloser(args: string[], readUpTo: number): Promise<{ code: number | null; err: string; read: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let read = '';
  let err = '';
  if (readUpTo === 0) child.stdout.destroy();
  else
    child.stdout.on('data', (b: Buffer) => {
      read += b.toString('utf8');
      if (read.length >= readUpTo) child.stdout.destroy();
    });
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  return new Promise((done, failed) => {
    child.on('error', failed);
    child.on('close', (code) => done({ code, err, read }));
  });
}

beforeAll(() => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
});

describe('stdout closed early', () => {
  it.each([
    ['--help', ['--help']],
    ['summary', ['summary', 'examples/mnist-cnn.model.yaml']],
    ['runs', ['runs', 'examples']],
    ['docs', ['docs']],
  ])('%s into a reader that closed before reading: exit 0, nothing on stderr', async (_name, args) => {
    const r = await pipedIntoEarlyCloser(args, 0);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('docs (larger than a pipe holds) into a reader that takes the first line and closes, like head -1', async () => {
    const r = await pipedIntoEarlyCloser(['docs'], 1);
    expect(r.read.length).toBeGreaterThan(0);
    expect(r.err).not.toMatch(/EPIPE|at \w+ \(/);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
