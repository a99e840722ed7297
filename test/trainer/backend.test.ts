/**
 * The backend chain with stand-ins: a fake @tensorflow/tfjs-node(-gpu) package on disk (its index
 * registers a backend named 'tensorflow', as the real one does), WebGPU turned off or pointed at a
 * missing dawn.node, and the classification of WebGPU adapters (software ones lose to wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { dawnCandidates, describeAdapter } from '../../src/trainer/backend/webgpu';
import { chooseBackend } from '../../src/trainer/device';
import { workspace } from './helpers';

/** A stand-in for a native tfjs package: registers 'tensorflow' (a plain CPU backend inside). */
function fakeNative(name: string): Record<string, string> {
  const index = `
    const tf = globalThis.__modelyamlTestTf;
    globalThis.__modelyamlLoaded = ${JSON.stringify(name)};
    const Cpu = tf.findBackend('cpu').constructor;
    tf.registerBackend('tensorflow', () => new Cpu(), 0);
  `;
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({ name, version: '4.22.0', main: 'index.js' }),
    [`node_modules/${name}/index.js`]: index,
  };
}

const g = globalThis as Record<string, unknown>;

afterEach(async () => {
  delete process.env.MODELYAML_TFJS_NODE_PATH;
  delete process.env.MODELYAML_WEBGPU;
  delete process.env.MODELYAML_DAWN_NODE;
  delete g.__modelyamlLoaded;
  if (tf.findBackendFactory('tensorflow')) {
    if (tf.getBackend() === 'tensorflow') await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
  }
});

describe('backend chain with stand-in packages', () => {
  g.__modelyamlTestTf = tf;

  it('auto: tfjs-node-gpu from the workspace comes first', async () => {
    tf.findBackend('cpu');
    const ws = workspace(fakeNative('@tensorflow/tfjs-node-gpu'));
    const c = await chooseBackend({ device: 'auto', searchFrom: [ws] });
    expect(g.__modelyamlLoaded).toBe('@tensorflow/tfjs-node-gpu');
    expect(c).toMatchObject({ backend: 'tensorflow', device: 'GPU (CUDA, @tensorflow/tfjs-node-gpu)' });
    expect(c.reason).toMatch(/train\.device is auto: @tensorflow\/tfjs-node-gpu loaded/);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('gpu: tfjs-node-gpu from a configured package folder', async () => {
    tf.findBackend('cpu');
    const ws = workspace(fakeNative('@tensorflow/tfjs-node-gpu'));
    process.env.MODELYAML_TFJS_NODE_PATH = `${ws}/node_modules/@tensorflow/tfjs-node-gpu`;
    const c = await chooseBackend({ device: 'gpu', searchFrom: [] });
    expect(c.backend).toBe('tensorflow');
    expect(c.reason).toMatch(/train\.device is gpu/);
  });

  it('auto: WebGPU turned off, tfjs-node next, each step in the reason', async () => {
    tf.findBackend('cpu');
    process.env.MODELYAML_WEBGPU = 'off';
    const ws = workspace(fakeNative('@tensorflow/tfjs-node'));
    const c = await chooseBackend({ device: 'auto', searchFrom: [ws] });
    expect(g.__modelyamlLoaded).toBe('@tensorflow/tfjs-node');
    expect(c.backend).toBe('tensorflow');
    expect(c.device).toMatch(/^CPU: .*native TensorFlow/);
    expect(c.reason).toBe('train.device is auto: @tensorflow/tfjs-node-gpu is not installed; WebGPU is turned off (MODELYAML_WEBGPU); @tensorflow/tfjs-node loaded');
  });

  it('cpu never tries the GPU packages', async () => {
    tf.findBackend('cpu');
    const ws = workspace({ ...fakeNative('@tensorflow/tfjs-node-gpu') });
    const c = await chooseBackend({ device: 'cpu', searchFrom: [ws] });
    expect(g.__modelyamlLoaded).toBeUndefined();
    expect(c.backend).toBe('wasm');
  });

  it('gpu with nothing usable fails and lists what was tried', async () => {
    process.env.MODELYAML_WEBGPU = 'off';
    await expect(chooseBackend({ device: 'gpu', searchFrom: [] })).rejects.toMatchObject({
      code: 'train/no-gpu',
      message: expect.stringMatching(/@tensorflow\/tfjs-node-gpu is not installed; WebGPU is turned off/),
    });
  });
});

describe('WebGPU adapters', () => {
  it('tells software adapters (lavapipe, SwiftShader) from GPUs', async () => {
    const lvp = await describeAdapter({ info: { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 19.1.7, 256 bits)', description: '' } });
    expect(lvp.software).toBe(true);
    expect(lvp.name).toBe('llvmpipe (LLVM 19.1.7, 256 bits) (mesa, software)');
    expect((await describeAdapter({ info: { vendor: 'google', device: 'swiftshader' } })).software).toBe(true);
    expect((await describeAdapter({ info: { vendor: 'x', device: 'y', isFallbackAdapter: true } })).software).toBe(true);
    const h100 = await describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 580.0' } });
    expect(h100).toMatchObject({ software: false, name: 'NVIDIA H100 80GB HBM3 (nvidia, hopper)' });
    expect((await describeAdapter({ requestAdapterInfo: async () => ({ vendor: 'amd', device: 'Radeon' }) })).name).toBe('Radeon (amd)');
  });

  it('looks for dawn.node where configured first, then next to the bundle and in the webgpu package', () => {
    process.env.MODELYAML_DAWN_NODE = '/opt/x/dawn.node';
    const c = dawnCandidates();
    expect(c[0]).toBe('/opt/x/dawn.node');
    expect(c.some((p) => /webgpu[/\\]dist[/\\][a-z0-9]+-[a-z0-9]+[/\\]dawn\.node$/.test(p))).toBe(true);
  });

  it('a forced webgpu backend that cannot start says why', async () => {
    process.env.MODELYAML_DAWN_NODE = '/nonexistent/dawn.node';
    // Whatever this machine has, forcing webgpu either works or records why not.
    const c = await chooseBackend({ device: 'cpu', backend: 'webgpu', searchFrom: [] });
    if (c.backend !== 'webgpu') expect(c.notes.join('\n')).toMatch(/WebGPU: /);
  });
});
