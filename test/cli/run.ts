/**
 * The built CLI as a child process, awaited: the test worker's event loop stays free while a run
 * trains (a blocking spawnSync of a minute starves vitest's worker RPC: "Timeout calling onTaskUpdate").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Runs the built CLI (or the bundle `o.cli`) with `args`; resolves when it exits. `onStdout` sees the output so far (to act mid-run). */
export function runCli(
  args: string[],
  o: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number; cli?: string; onStdout?: (soFar: string, child: ChildProcess) => void } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [o.cli ?? CLI, ...args], { cwd: o.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...o.env }, stdio: ['pipe', 'pipe', 'pipe'], timeout: o.timeoutMs ?? 300_000 });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => {
    out.push(b);
    o.onStdout?.(Buffer.concat(out).toString('utf8'), child);
  });
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined); // the CLI may exit before reading all of its input
  child.stdin.end(o.input ?? '');
  return new Promise((done, failed) => {
    child.on('error', failed);
    child.on('close', (code) => done({ code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') }));
  });
}
