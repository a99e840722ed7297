/**
 * `modelyaml check` (the built CLI, `npm run build`) on specs whose data paths are hostile: a
 * FIFO, a folder, files outside the workspace (absolute, `..`, a symlink out). Each ends with a
 * clear error at the `path:` value and prints nothing of the file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSpec as spec } from '../node/dataSpec';

const root = join(__dirname, '../..');
const bin = join(root, 'bin/modelyaml.js');

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('run `npm run build` first');
});

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `outer/` holds `outside.csv`; the workspace `outer/ws/` holds the spec. */
function workspace(): { outer: string; ws: string } {
  const outer = realpathSync(mkdtempSync(join(tmpdir(), 'modelyaml-paths-')));
  made.push(outer);
  const ws = join(outer, 'ws');
  mkdirSync(ws);
  writeFileSync(join(outer, 'outside.csv'), 'a,b,y\n1,2,3\n');
  return { outer, ws };
}

/** Runs the CLI in `cwd` and waits for it to exit (a hang fails the test by its timeout). */
function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function check(ws: string, path: string, flags: string[] = [], env: NodeJS.ProcessEnv = {}) {
  writeFileSync(join(ws, 's.model.yaml'), spec(path));
  return cli(ws, ['check', ...flags, 's.model.yaml'], env);
}

const atPath = (path: string) => `s.model.yaml:3:${spec(path).split('\n')[2].indexOf(path) + 1}`;

describe('modelyaml check: data paths', () => {
  it('a FIFO: finishes with "is not a regular file" instead of waiting for a writer', async () => {
    const { ws } = workspace();
    execFileSync('mkfifo', [join(ws, 'pipe.csv')]);
    const r = await check(ws, 'pipe.csv');
    expect(r.out).toContain(`${atPath('pipe.csv')}: error[data/not-a-file]: \`pipe.csv\` is not a regular file (it is a named pipe (FIFO))`);
    expect(r.code).toBe(1);
  });

  it('a folder: "is a folder, not a file" at the path', async () => {
    const { ws } = workspace();
    mkdirSync(join(ws, 'd.csv'));
    const r = await check(ws, 'd.csv');
    expect(r.out).toContain(`${atPath('d.csv')}: error[data/not-a-file]: \`d.csv\` is a folder, not a file.`);
    expect(r.code).toBe(1);
  });

  it.each(['/proc/self/environ', '/etc/passwd', '../outside.csv', 'link.csv'])('%s: outside the workspace, nothing of it printed', async (path) => {
    const { outer, ws } = workspace();
    symlinkSync(join(outer, 'outside.csv'), join(ws, 'link.csv'));
    const r = await check(ws, path);
    expect(r.out).toContain(`${atPath(path)}: error[data/outside-workspace]: \`${path}\` is outside the workspace (${ws})`);
    expect(r.out + r.err).not.toMatch(/PATH=|HOME=|root:|Its columns/);
    expect(r.code).toBe(1);
  });

  it('--allow-data-path (and MODELYAML_DATA_PATHS) let a spec read a folder outside', async () => {
    const { outer, ws } = workspace();
    const allowed = await check(ws, '../outside.csv', ['--allow-data-path', outer]);
    expect(allowed.out).toContain('1 spec checked: 0 errors, 0 warnings');
    expect(allowed.code).toBe(0);
    const byEnv = await check(ws, '../outside.csv', [], { MODELYAML_DATA_PATHS: outer });
    expect(byEnv.code).toBe(0);
    expect((await check(ws, '../outside.csv')).code).toBe(1);
  });
});
