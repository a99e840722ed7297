/**
 * Backend choice for `train.device: auto | gpu | cpu`. `auto` tries, in order, tfjs-node-gpu
 * (CUDA), tfjs-node (native CPU), WebAssembly, plain JS; the chosen backend, why, and the device
 * name go to the first event and the run record.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { registerWasmTrainingKernels } from './kernels/wasm';

export interface BackendChoice {
  /** tfjs backend name: tensorflow, wasm, cpu. */
  backend: string;
  /** Human device name: "CPU: AMD EPYC … (WebAssembly, SIMD)". */
  device: string;
  reason: string;
  /** Messages worth a `log` event (a native package that failed to load, …). */
  notes: string[];
}

const cpuName = () => cpus()[0]?.model?.trim() || 'CPU';

/** Tries to load a native tfjs package from the workspace, then next to the trainer bundle. */
function tryNative(pkg: string, from: string[], notes: string[]): boolean {
  for (const dir of from) {
    try {
      const req = createRequire(join(dir, 'noop.js'));
      const path = req.resolve(pkg);
      req(path);
      return true;
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      if (!/Cannot find module/.test(msg)) notes.push(`${pkg} is installed but failed to load: ${msg}`);
    }
  }
  return false;
}

/** Folder holding tfjs-backend-wasm's .wasm files: next to the bundle, or in node_modules. */
export function defaultWasmDir(): string | undefined {
  const candidates = [__dirname, join(__dirname, '..', 'dist')];
  try {
    candidates.push(join(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm'), '..'));
  } catch {
    /* bundled: not resolvable */
  }
  return candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm.wasm')));
}

let wasmSafetyNet = false;
let wasmSimd = false;

/**
 * A last resort for any kernel the wasm backend still lacks: run the CPU backend's kernel on
 * copies of the inputs. Correct, if slow; the wasm training kernels cover the common ones.
 */
function registerCpuFallbacks(): string[] {
  if (wasmSafetyNet) return [];
  wasmSafetyNet = true;
  const have = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const added: string[] = [];
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (have.has(k.kernelName)) continue;
    added.push(k.kernelName);
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const wasm = backend as unknown as { readSync(id: object): tf.TypedArray; makeOutput?: unknown } & tf.KernelBackend;
        const cpu = tf.findBackend('cpu') as unknown as { makeTensorInfo(s: number[], d: tf.DataType, v: tf.TypedArray): tf.TensorInfo; readSync(id: object): tf.TypedArray; disposeData(id: object): void };
        const cpuInputs: Record<string, tf.TensorInfo> = {};
        for (const [name, t] of Object.entries(inputs)) if (t) cpuInputs[name] = cpu.makeTensorInfo(t.shape, t.dtype, wasm.readSync(t.dataId) as tf.TypedArray);
        const out = k.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu as unknown as tf.KernelBackend });
        const outs = Array.isArray(out) ? out : [out];
        const results = outs.map((o) => (wasm as unknown as { makeTensorInfo(s: number[], d: tf.DataType, v: tf.TypedArray): tf.TensorInfo }).makeTensorInfo(o.shape, o.dtype, cpu.readSync(o.dataId)));
        for (const t of [...Object.values(cpuInputs), ...outs]) cpu.disposeData(t.dataId);
        return Array.isArray(out) ? results : results[0];
      },
    });
  }
  return added;
}

async function useWasm(wasmDir: string | undefined, notes: string[]): Promise<boolean> {
  try {
    const dir = wasmDir ?? defaultWasmDir();
    if (dir) setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) return false;
    await tf.ready();
    if (tf.getBackend() !== 'wasm') return false;
    wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT').catch(() => false)) === true;
    // The CPU backend hosts the fallback kernels.
    tf.findBackend('cpu');
    const added = registerCpuFallbacks();
    if (added.length) notes.push(`wasm: ${added.length} kernels fall back to the JS CPU backend (${added.slice(0, 6).join(', ')}${added.length > 6 ? ', …' : ''})`);
    return true;
  } catch (e) {
    notes.push(`WebAssembly backend failed to start: ${(e as Error).message}`);
    return false;
  }
}

export interface ChooseOptions {
  device: 'auto' | 'gpu' | 'cpu';
  /** Force a backend by tfjs name (tests, benchmarks). */
  backend?: string;
  wasmDir?: string;
  /** Where to look for native packages (the workspace), besides the bundle's own folder. */
  searchFrom: string[];
}

export async function chooseBackend(o: ChooseOptions): Promise<BackendChoice> {
  const notes: string[] = [];
  const simd = () => (wasmSimd ? 'WebAssembly, SIMD' : 'WebAssembly');
  if (o.backend) {
    if (o.backend === 'wasm' && (await useWasm(o.wasmDir, notes))) return { backend: 'wasm', device: `CPU: ${cpuName()} (${simd()})`, reason: 'backend forced to wasm', notes };
    if (o.backend === 'cpu' && (await tf.setBackend('cpu'))) return { backend: 'cpu', device: `CPU: ${cpuName()} (plain JavaScript)`, reason: 'backend forced to cpu (plain JavaScript)', notes };
    if (o.backend !== 'wasm' && o.backend !== 'cpu' && (await tf.setBackend(o.backend).catch(() => false))) {
      return { backend: o.backend, device: o.backend, reason: `backend forced to ${o.backend}`, notes };
    }
    notes.push(`the forced backend ${o.backend} is not available`);
  }
  const from = [...o.searchFrom, __dirname];
  const tried: string[] = [];
  if (o.device === 'auto' || o.device === 'gpu') {
    if (tryNative('@tensorflow/tfjs-node-gpu', from, notes) && (await tf.setBackend('tensorflow').catch(() => false))) {
      return { backend: 'tensorflow', device: 'GPU (CUDA, @tensorflow/tfjs-node-gpu)', reason: `train.device is ${o.device}: @tensorflow/tfjs-node-gpu loaded`, notes };
    }
    tried.push('@tensorflow/tfjs-node-gpu is not installed');
  }
  if (o.device === 'auto' || o.device === 'cpu') {
    if (tryNative('@tensorflow/tfjs-node', from, notes) && (await tf.setBackend('tensorflow').catch(() => false))) {
      return { backend: 'tensorflow', device: `CPU: ${cpuName()} (native TensorFlow)`, reason: `train.device is ${o.device}: ${[...tried, '@tensorflow/tfjs-node loaded'].join('; ')}`, notes };
    }
    tried.push('@tensorflow/tfjs-node is not installed');
  }
  if (o.device === 'gpu') notes.push('train.device is gpu, but no GPU backend could be loaded: training on the CPU instead');
  if (await useWasm(o.wasmDir, notes)) {
    return { backend: 'wasm', device: `CPU: ${cpuName()} (${simd()})`, reason: `train.device is ${o.device}: ${[...tried, 'using WebAssembly'].join('; ')}`, notes };
  }
  await tf.setBackend('cpu');
  return { backend: 'cpu', device: `CPU: ${cpuName()} (plain JavaScript)`, reason: `train.device is ${o.device}: ${[...tried, 'WebAssembly unavailable', 'using plain JavaScript'].join('; ')}`, notes };
}
