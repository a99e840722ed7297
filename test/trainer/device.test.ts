import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/trainer/device';
import { workspace } from './helpers';

afterEach(() => {
  delete process.env.MODELYAML_TFJS_NODE_PATH;
});

describe('backend choice', () => {
  it('auto without native packages: WebAssembly, saying why', async () => {
    const c = await chooseBackend({ device: 'auto', searchFrom: [] });
    expect(c.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(c.reason).toMatch(/train\.device is auto: @tensorflow\/tfjs-node-gpu is not installed; @tensorflow\/tfjs-node is not installed; using WebAssembly/);
    expect(c.device).toMatch(/^CPU: .*WebAssembly/);
  });

  it('gpu without a GPU backend falls back to the CPU with a warning', async () => {
    const c = await chooseBackend({ device: 'gpu', searchFrom: [] });
    expect(c.backend).toBe('wasm');
    expect(c.notes.join('\n')).toMatch(/no GPU backend could be loaded/);
  });

  it('a forced backend, and a configured native package that fails to load', async () => {
    const dir = workspace({ 'package.json': JSON.stringify({ name: '@tensorflow/tfjs-node', main: 'index.js' }), 'index.js': 'throw new Error("libtensorflow.so: cannot open shared object file")' });
    process.env.MODELYAML_TFJS_NODE_PATH = dir;
    const c = await chooseBackend({ device: 'cpu', searchFrom: [] });
    expect(c.backend).toBe('wasm');
    expect(c.notes.join('\n')).toMatch(/@tensorflow\/tfjs-node is installed but failed to load: libtensorflow\.so/);
    const forced = await chooseBackend({ device: 'auto', backend: 'cpu', searchFrom: [] });
    expect(forced).toMatchObject({ backend: 'cpu', reason: 'backend forced to cpu (plain JavaScript)' });
    expect(tf.getBackend()).toBe('cpu');
  });
});
