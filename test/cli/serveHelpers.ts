/**
 * `modelyaml serve` as a child process for the serve tests (test/cli/serve*.test.ts): started on
 * port 0 and awaited until it prints its listening line; JSON posts and the /metrics text. Every
 * wait is for an event (a line, a response, the exit), never a fixed sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import type { PredictionRow } from '../../src/core/protocol/trainer';
import { CLI, ROOT } from './run';

export interface Server {
  child: ChildProcess;
  url: string;
  out: string[];
  exited: Promise<number | null>;
  /** Resolves once its stderr holds `text`. */
  stderrHas(text: string): Promise<void>;
}

/** Starts `modelyaml serve <target>` (a run folder or a model.onnx) and resolves once it prints its listening line. */
export function serve(target: string, ...flags: string[]): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', target, '--port', '0', ...flags], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  const out: string[] = [];
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const stderrHas = (text: string) =>
    new Promise<void>((resolve) => {
      const look = () => err.includes(text) && (child.stderr.off('data', look), resolve());
      child.stderr.on('data', look);
      look();
    });
  return new Promise<Server>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out.push(b.toString());
      const m = /listening on (http:\/\/\S+?);/.exec(out.join(''));
      if (m) resolve({ child, url: m[1], out, exited, stderrHas });
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${err}`)));
  });
}

export async function post(s: Server, body: unknown, raw?: string) {
  const r = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

export const metrics = async (s: Server) => (await fetch(`${s.url}/metrics`)).text();
export const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"+]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
export const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+|\.ts:\d+/);

/** A prediction as `predict` wrote it, without its file and row. */
export const asServed = ({ file: _f, row: _r, ...p }: PredictionRow) => p;
