/** Debian's Python with torch (/usr/bin/python3), run without blocking the test worker. */
import { spawn, spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
export const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/** Runs the interpreter without blocking the test worker (a blocked worker misses vitest's RPC deadlines). */
export function python(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(PYTHON, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}
