/**
 * Backend choice for `train.device: auto | gpu | cpu`. `auto` tries, in order, tfjs-node-gpu
 * (CUDA), WebGPU on Dawn (a hardware adapter only: a software one such as lavapipe is slower
 * than WebAssembly), tfjs-node (native CPU), WebAssembly, plain JS. `gpu` tries tfjs-node-gpu
 * then WebGPU (any adapter) and fails, saying what was tried and why each failed, when neither
 * works. The chosen backend, why, and the device name go to the first event and the run record.
 * MODELYAML_WEBGPU=off skips WebGPU.
 */
import * as tf from './tf';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { initWasmBackend, wasmThreadCount } from './backend/wasm';
import { initWebGpuBackend } from './backend/webgpu';
import { fail } from './util';
import { env } from '../node/config';

export interface BackendChoice {
  /** tfjs backend name: tensorflow, wasm, cpu. */
  backend: string;
  /** Human device name: "CPU: AMD EPYC … (WebAssembly, SIMD)". */
  device: string;
  reason: string;
  /** Messages worth a `log` event (a native package that failed to load, …). */
  notes: string[];
  /** Details for a `debug` log event. */
  details?: string[];
}

const cpuName = () => cpus()[0]?.model?.trim() || 'CPU';

/** A package loaded from outside the trainer: its code runs in the trainer, so it is announced first. */
export interface LoadedPackage {
  name: string;
  version: string;
  /** The package's folder. */
  path: string;
}

/** The folder and version of the package that `entry` (a resolved file or a package folder) belongs to. */
function packageOf(pkg: string, entry: string): LoadedPackage {
  for (let dir = entry; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (json.name === pkg) return { name: pkg, version: String(json.version ?? 'unknown version'), path: dir };
    } catch {
      // Not this folder: go up.
    }
  }
  return { name: pkg, version: 'unknown version', path: entry };
}

/** Tries to load a native tfjs package from the workspace, then next to the trainer bundle. */
function tryNative(pkg: string, from: string[], notes: string[], announce?: (p: LoadedPackage) => void): boolean {
  for (const dir of from) {
    try {
      const req = createRequire(join(dir, 'noop.js'));
      // `dir` may be the package folder itself (a configured path) or a folder above node_modules.
      let path: string;
      try {
        path = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === pkg ? dir : req.resolve(pkg);
      } catch {
        path = req.resolve(pkg);
      }
      announce?.(packageOf(pkg, path));
      req(path);
      return true;
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      if (!/Cannot find module/.test(msg)) notes.push(`${pkg} is installed but failed to load: ${msg}`);
    }
  }
  return false;
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

const debug: string[] = [];

async function useWasm(wasmDir: string | undefined, threads: number, notes: string[]): Promise<boolean> {
  try {
    await initWasmBackend(wasmDir, threads);
    if (threads > 1 && wasmThreadCount() < 2) notes.push(`WebAssembly: the threaded build did not start, training on one thread`);
    await tf.ready();
    if (tf.getBackend() !== 'wasm') return false;
    wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT').catch(() => false)) === true;
    // The CPU backend hosts the fallback kernels.
    tf.findBackend('cpu');
    const added = registerCpuFallbacks();
    if (added.length) debug.push(`wasm: ${added.length} kernels fall back to the JS CPU backend (${added.slice(0, 6).join(', ')}${added.length > 6 ? ', …' : ''})`);
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
  /** Threads for the wasm backend's XNNPACK pool (1: the single-threaded build). */
  wasmThreads?: number;
  /** Where to look for native packages (the workspace), besides the bundle's own folder. */
  searchFrom: string[];
  /** A tfjs-node installation to try before `searchFrom` (else MODELYAML_TFJS_NODE_PATH). */
  tfjsNodePath?: string;
  /** Told about each package about to be loaded from outside the trainer, before its code runs. */
  announce?: (p: LoadedPackage) => void;
}

export async function chooseBackend(o: ChooseOptions): Promise<BackendChoice & { details: string[] }> {
  const r = await choose(o);
  return { ...r, details: debug };
}

async function choose(o: ChooseOptions): Promise<BackendChoice> {
  const notes: string[] = [];
  const threads = o.wasmThreads ?? 1;
  const simd = () => `${wasmSimd ? 'WebAssembly, SIMD' : 'WebAssembly'}${wasmThreadCount() > 1 ? `, ${wasmThreadCount()} threads` : ''}`;
  if (o.backend) {
    if (o.backend === 'wasm' && (await useWasm(o.wasmDir, threads, notes))) return { backend: 'wasm', device: `CPU: ${cpuName()} (${simd()})`, reason: 'backend forced to wasm', notes };
    if (o.backend === 'cpu' && (await tf.setBackend('cpu'))) return { backend: 'cpu', device: `CPU: ${cpuName()} (plain JavaScript)`, reason: 'backend forced to cpu (plain JavaScript)', notes };
    if (o.backend === 'webgpu') {
      const w = await initWebGpuBackend({ searchFrom: o.searchFrom, allowSoftware: true });
      if (w.ok) return { backend: 'webgpu', device: `GPU: ${w.adapter.name} (WebGPU, Dawn)`, reason: 'backend forced to webgpu', notes };
      notes.push(`WebGPU: ${w.reason}`);
    } else if (o.backend !== 'wasm' && o.backend !== 'cpu' && (await tf.setBackend(o.backend).catch(() => false))) {
      return { backend: o.backend, device: o.backend, reason: `backend forced to ${o.backend}`, notes };
    }
    notes.push(`the forced backend ${o.backend} is not available`);
  }
  // A configured location (the extension's modelyaml.tfjsNodePath), the workspace, the bundle's folder.
  const configured = o.tfjsNodePath ?? env.tfjsNodePath();
  const from = [...(configured ? [configured] : []), ...o.searchFrom, __dirname];
  const tried: string[] = [];
  if (o.device === 'auto' || o.device === 'gpu') {
    if (tryNative('@tensorflow/tfjs-node-gpu', from, notes, o.announce) && (await tf.setBackend('tensorflow').catch(() => false))) {
      return { backend: 'tensorflow', device: 'GPU (CUDA, @tensorflow/tfjs-node-gpu)', reason: `train.device is ${o.device}: @tensorflow/tfjs-node-gpu loaded`, notes };
    }
    tried.push('@tensorflow/tfjs-node-gpu is not installed');
    if (env.webgpu() === false) {
      tried.push('WebGPU is turned off (MODELYAML_WEBGPU)');
    } else {
      const w = await initWebGpuBackend({ searchFrom: o.searchFrom, allowSoftware: o.device === 'gpu' });
      if (w.ok) {
        const soft = w.adapter.software ? ' (a software adapter: slow, but it runs the GPU code path)' : '';
        return { backend: 'webgpu', device: `GPU: ${w.adapter.name} (WebGPU, Dawn)`, reason: `train.device is ${o.device}: ${[...tried, `WebGPU adapter ${w.adapter.name}${soft}`].join('; ')}`, notes };
      }
      tried.push(w.reason);
    }
  }
  if (o.device === 'gpu') {
    fail('train/no-gpu', `train.device is gpu, but no GPU backend could be started: ${tried.join('; ')}${notes.length ? `; ${notes.join('; ')}` : ''}. Install @tensorflow/tfjs-node-gpu (CUDA) in the workspace or set modelyaml.tfjsNodePath, make a Vulkan/Metal/D3D12 GPU driver available for WebGPU, or set train.device to auto or cpu.`);
  }
  if (o.device === 'auto' || o.device === 'cpu') {
    if (tryNative('@tensorflow/tfjs-node', from, notes, o.announce) && (await tf.setBackend('tensorflow').catch(() => false))) {
      return { backend: 'tensorflow', device: `CPU: ${cpuName()} (native TensorFlow)`, reason: `train.device is ${o.device}: ${[...tried, '@tensorflow/tfjs-node loaded'].join('; ')}`, notes };
    }
    tried.push('@tensorflow/tfjs-node is not installed');
  }
  if (await useWasm(o.wasmDir, threads, notes)) {
    return { backend: 'wasm', device: `CPU: ${cpuName()} (${simd()})`, reason: `train.device is ${o.device}: ${[...tried, 'using WebAssembly'].join('; ')}`, notes };
  }
  await tf.setBackend('cpu');
  return { backend: 'cpu', device: `CPU: ${cpuName()} (plain JavaScript)`, reason: `train.device is ${o.device}: ${[...tried, 'WebAssembly unavailable', 'using plain JavaScript'].join('; ')}`, notes };
}
