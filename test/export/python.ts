/** Debian's Python with torch (/usr/bin/python3), run without blocking the test worker. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
export const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

export interface PythonResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the interpreter: the process (to kill) and its result. */
export function startPython(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { proc: ChildProcess; result: Promise<PythonResult> } {
  const proc = spawn(PYTHON, args, { cwd, env });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { proc, result: new Promise((done) => proc.on('close', (code, signal) => done({ code, signal, stdout, stderr }))) };
}

/** Runs the interpreter without blocking the test worker (a blocked worker misses vitest's RPC deadlines). */
export function python(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonResult> {
  return startPython(args, cwd, env).result;
}
