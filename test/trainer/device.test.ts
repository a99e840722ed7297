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
    // Between the two native packages: WebGPU, refused here (no adapter, or a software one such as lavapipe).
    expect(c.reason).toMatch(/train\.device is auto: @tensorflow\/tfjs-node-gpu is not installed; .*WebGPU.*; @tensorflow\/tfjs-node is not installed; using WebAssembly/);
    expect(c.device).toMatch(/^CPU: .*WebAssembly/);
  });

  it('gpu without a GPU backend fails, saying what was tried', async () => {
    process.env.MODELYAML_WEBGPU = 'off';
    try {
      await expect(chooseBackend({ device: 'gpu', searchFrom: [] })).rejects.toThrow(/train\.device is gpu, but no GPU backend could be started: @tensorflow\/tfjs-node-gpu is not installed; WebGPU is turned off/);
    } finally {
      delete process.env.MODELYAML_WEBGPU;
    }
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
