/**
 * `modelyaml train`: flags, a refused spec, plain progress lines off a terminal, the progress bar on
 * one, and Ctrl-C cancelling with the run record kept.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { parseTrainFlags, trainCommand, type TrainIO } from '../../src/cli/train';
import { readRunRecord } from '../../src/node/runRecord';
import { trainerBundle, workspace, xorSpec } from './helpers';

let trainerPath: string;
beforeAll(async () => {
  trainerPath = await trainerBundle();
}, 120_000);

const xor = (epochs = 3, samples = 200) => xorSpec({ epochs, samples });

function capture(isTTY = false, onOut?: (stdout: string) => void): TrainIO & { stdout: string; stderr: string; both: string; interrupt(): void } {
  let handler: (() => void) | undefined;
  const io = {
    stdout: '',
    stderr: '',
    /** stdout and stderr in the order they were written. */
    both: '',
    isTTY,
    columns: 100,
    out(s: string) {
      io.stdout += s;
      io.both += s;
      onOut?.(io.stdout);
    },
    err(s: string) {
      io.stderr += s;
      io.both += s;
    },
    onInterrupt(h: () => void) {
      handler = h;
      return () => (handler = undefined);
    },
    interrupt() {
      handler?.();
    },
  };
  return io;
}

describe('modelyaml train', () => {
  it('parses its flags', () => {
    expect(parseTrainFlags({ epochs: '3', device: 'cpu', out: 'x' })).toEqual({ options: { epochs: 3, device: 'cpu', out: 'x' } });
    expect(parseTrainFlags({ epochs: 'two' })).toMatchObject({ error: expect.stringContaining('--epochs') });
    expect(parseTrainFlags({ device: 'tpu' })).toMatchObject({ error: expect.stringContaining('--device') });
  });

  it('refuses a spec with errors, printing the diagnostics', async () => {
    const dir = workspace({ 'bad.model.yaml': xor().replace('units: 1,', 'unit: 1,') });
    const io = capture();
    expect(await main(['train', join(dir, 'bad.model.yaml')], io)).toBe(1);
    expect(io.stderr).toMatch(/bad\.model\.yaml:\d+:\d+: error\[param\/unknown\]/);
    expect(io.stderr).toMatch(/not training/);
    expect(await main(['train', join(dir, 'bad.model.yaml'), '--device', 'tpu'], io)).toBe(2);
    expect(await main(['trian', 'x'], io)).toBe(2);
    expect(io.stderr).toMatch(/Did you mean 'train'/);
  });

  it('prints plain lines off a terminal and honours --epochs and --out', async () => {
    const dir = workspace({ 'xor.model.yaml': xor(5) });
    const io = capture(false);
    const code = await trainCommand([join(dir, 'xor.model.yaml')], { epochs: '2', out: join(dir, 'out') }, io, { trainerPath });
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/training xor: 33 parameters on wasm/);
    expect(io.stdout).toMatch(/^epoch 1\/2 loss [\d.]+ · acc [\d.]+ · val loss/m);
    expect(io.stdout).toMatch(/^epoch 2\/2 /m);
    expect(io.stdout).not.toMatch(/\r/);
    expect(io.stdout).toMatch(/\ncompleted 2 epochs in /);
    expect(io.stdout).toMatch(/run record: .*out[/\\]xor[/\\]/);
  });

  it('draws a progress bar with ETA on a terminal', async () => {
    const dir = workspace({ 'xor.model.yaml': xor(2) });
    const io = capture(true);
    expect(await trainCommand([join(dir, 'xor.model.yaml')], { out: join(dir, 'out') }, io, { trainerPath, batchEventEvery: 1 })).toBe(0);
    expect(io.stdout).toMatch(/\r\x1b\[2Kepoch 1\/2 \[[█░]+\] \d+\/20 loss [\d.]+ · acc [\d.]+ · \d+\/s · ETA \d+:\d\d/);
  });

  it('Ctrl-C cancels cleanly and keeps the run record', async () => {
    const dir = workspace({ 'xor.model.yaml': xor(500, 4000) });
    let interrupted = false;
    const io = capture(false, (stdout) => {
      // Ctrl-C once the first epoch has been printed.
      if (interrupted || !stdout.includes('epoch 1/')) return;
      interrupted = true;
      io.interrupt();
    });
    const run = trainCommand([join(dir, 'xor.model.yaml')], { out: join(dir, 'out') }, io, { trainerPath });
    expect(await run).toBe(130);
    expect(io.stdout).toMatch(/cancelling…/);
    expect(io.stdout).toMatch(/\ncancelled/);
    const runDir = /run record: (.*)/.exec(io.stdout)![1].trim();
    expect(readRunRecord(join(process.cwd(), runDir)) ?? readRunRecord(runDir)).toMatchObject({ status: 'cancelled' });
  });

  it('SIGTERM to the trainer: reported as a cancellation (exit 130), not as a crash', async () => {
    const dir = workspace({ 'xor.model.yaml': xor(500, 4000) });
    let killed = false;
    const io = capture(false, (stdout) => {
      if (killed || !/^epoch 1\//m.test(stdout)) return;
      killed = true;
      // The trainer's pid is in its run record.
      const runDir = /run folder: (.*)/.exec(stdout)![1].trim();
      process.kill(readRunRecord(resolve(runDir))!.pid!, 'SIGTERM');
    });
    expect(await trainCommand([join(dir, 'xor.model.yaml')], { out: join(dir, 'out') }, io, { trainerPath })).toBe(130);
    expect(io.stderr).toBe('');
    expect(io.stdout).toMatch(/\ncancelled: stopped by SIGTERM after epoch \d+ in /);
  });

  it('debug lines only with --verbose', async () => {
    const dir = workspace({ 'xor.model.yaml': xor(1) });
    const quiet = capture(false);
    expect(await trainCommand([join(dir, 'xor.model.yaml')], { out: join(dir, 'out') }, quiet, { trainerPath })).toBe(0);
    expect(quiet.stdout + quiet.stderr).not.toMatch(/debug/);
    const verbose = capture(false);
    expect(await trainCommand([join(dir, 'xor.model.yaml')], { out: join(dir, 'out'), verbose: true }, verbose, { trainerPath })).toBe(0);
    expect(verbose.stdout).toMatch(/^debug: wasm build: single-threaded/m);
    expect(verbose.stdout).toMatch(/^info: run folder: /m);
    expect(await main(['train', join(dir, 'xor.model.yaml'), '--verbose', '--device', 'tpu'], capture())).toBe(2);
  });

  it("says which workspace package it loads (path and version), on stderr, before training", async () => {
    const dir = workspace({ 'xor.model.yaml': xor(1) });
    const pkg = join(dir, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '9.9.9-planted', main: 'index.js' }));
    // Planted code: it runs (and fails) in the trainer; the CLI must have said so first.
    writeFileSync(join(pkg, 'index.js'), "throw new Error('planted code ran');\n");
    const io = capture(false);
    expect(await trainCommand([join(dir, 'xor.model.yaml')], { out: join(dir, 'out') }, io, { trainerPath, workspace: dir })).toBe(0);
    expect(io.stderr).toContain(`modelyaml train: loading @tensorflow/tfjs-node-gpu 9.9.9-planted from ${pkg} (its code runs in the trainer)`);
    expect(io.stdout).toMatch(/warning: @tensorflow\/tfjs-node-gpu is installed but failed to load: planted code ran/);
    expect(io.both.indexOf('loading @tensorflow/tfjs-node-gpu')).toBeLessThan(io.both.indexOf('training xor'));
    expect(io.both).toMatch(/training xor/);
  });
});
