/**
 * Starts the tfjs 'webgpu' backend in Node on Dawn's bindings (`dawn.node` from the `webgpu` npm
 * package): any GPU with Vulkan (Linux), D3D12 (Windows) or Metal (macOS), no CUDA toolkit.
 *
 *   const r = await initWebGpuBackend({ searchFrom: [workspace], allowSoftware: false });
 *   if (r.ok) … r.adapter.vendor, r.adapter.device …
 *
 * `dawn.node` is loaded directly with `require` (the `webgpu` package's own index is an ES module,
 * which a CommonJS bundle cannot `require` on Node 20). Where it is looked for, in order:
 * `MODELYAML_DAWN_NODE` (a file), `dawn.node` next to this bundle (the platform vsix ships it in
 * dist/), then the `webgpu` package resolved from the bundle's folder and from the workspace.
 *
 * The adapter is requested and inspected before `@tensorflow/tfjs-backend-webgpu` is loaded, so a
 * software adapter (lavapipe, SwiftShader: slower than WebAssembly) can be refused for
 * `train.device: auto` without registering anything with tfjs.
 */
import * as tf from '../tf';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { installDispatchCache, type DispatchCacheStats } from '../kernels/webgpu/dispatch';
import { registerWebGpuKernels } from '../kernels/webgpu/index';
import { registerFusedGradients } from '../kernels/webgpu/gradients';
import { registerFusedLossKernels } from '../kernels/webgpu/losses';
import { registerFusedOptimizerKernels } from '../kernels/webgpu/optimizers';
import { env } from '../../node/config';

declare const __dirname: string | undefined;

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation of Vulkan/WebGPU (lavapipe/llvmpipe, SwiftShader, WARP). */
  software: boolean;
  /** "NVIDIA H100 (nvidia, hopper)", "llvmpipe (mesa, software)". */
  name: string;
}

export type WebGpuResult =
  | { ok: true; adapter: AdapterDescription; dawnPath: string }
  | { ok: false; reason: string; adapter?: AdapterDescription };

export interface WebGpuOptions {
  /** Folders to resolve the `webgpu` package from (the workspace), after the bundle's own. */
  searchFrom?: string[];
  /** Accept a software adapter (lavapipe). `auto` does not: it is slower than wasm. */
  allowSoftware: boolean;
}

interface Dawn {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<Record<string, unknown>>;
}
interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

const dawnDir = () => `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;

/** Candidate paths of dawn.node, most specific first. */
export function dawnCandidates(searchFrom: string[] = []): string[] {
  const out: string[] = [];
  const dawn = env.dawnNode();
  if (dawn) out.push(dawn);
  const here = typeof __dirname === 'string' ? __dirname : undefined;
  if (here) out.push(join(here, 'dawn.node'));
  for (const dir of [...(here ? [here] : []), ...searchFrom]) {
    try {
      const pkg = createRequire(join(dir, 'noop.js')).resolve('webgpu/package.json');
      out.push(join(dirname(pkg), 'dist', dawnDir(), 'dawn.node'));
    } catch {
      /* not resolvable from there */
    }
  }
  return [...new Set(out)];
}

function loadDawn(searchFrom: string[]): { dawn: Dawn; path: string } | { error: string } {
  const candidates = dawnCandidates(searchFrom);
  const failures: string[] = [];
  const req = createRequire(join(typeof __dirname === 'string' ? __dirname : process.cwd(), 'noop.js'));
  for (const p of candidates) {
    if (!existsSync(p)) continue;
    try {
      return { dawn: req(p) as Dawn, path: p };
    } catch (e) {
      failures.push(`${p}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (failures.length) return { error: `dawn.node failed to load (${failures.join('; ')})` };
  return { error: `the webgpu package (dawn.node) is not installed${candidates.length ? ` (looked in ${candidates.join(', ')})` : ''}` };
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Vendor, device and whether the adapter is a software renderer. */
export async function describeAdapter(adapter: AdapterLike): Promise<AdapterDescription> {
  let info: Record<string, unknown> = {};
  try {
    info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  } catch {
    /* no info */
  }
  const vendor = str(info.vendor);
  const architecture = str(info.architecture);
  const device = str(info.device);
  const description = str(info.description);
  const text = `${vendor} ${architecture} ${device} ${description}`;
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|\bwarp\b|software|microsoft basic render/i.test(text);
  const shown = device || description || vendor || 'unknown adapter';
  const extra = [vendor && vendor !== shown ? vendor : '', software ? 'software' : architecture].filter(Boolean);
  return { vendor, architecture, device, description, software, name: extra.length ? `${shown} (${extra.join(', ')})` : shown };
}

let installed: { path: string; gpu: GpuLike } | undefined;
let adapterSeen: AdapterDescription | undefined;
let backendLoaded = false;

/** Puts `navigator.gpu` and the WebGPU globals (GPUBufferUsage, …) in place, once. */
function install(dawn: Dawn, path: string): GpuLike {
  if (installed) return installed.gpu;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav && typeof nav === 'object') {
    try {
      Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, enumerable: true, writable: true });
    } catch {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    }
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  installed = { path, gpu };
  return gpu;
}

/**
 * Makes 'webgpu' the active tfjs backend, or says why it cannot. Never throws.
 */
let dispatchCache: DispatchCacheStats | null = null;

/** The dispatch cache's counters since the backend started; null where it is off. */
export function webGpuDispatchStats(): DispatchCacheStats | null {
  return dispatchCache;
}

export async function initWebGpuBackend(o: WebGpuOptions): Promise<WebGpuResult> {
  try {
    let gpu: GpuLike;
    let path: string;
    if (installed) {
      ({ gpu, path } = installed);
    } else {
      const loaded = loadDawn(o.searchFrom ?? []);
      if ('error' in loaded) return { ok: false, reason: loaded.error };
      gpu = install(loaded.dawn, loaded.path);
      path = loaded.path;
    }
    if (!adapterSeen) {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) return { ok: false, reason: 'WebGPU found no adapter (no Vulkan/Metal/D3D12 driver for a GPU, and no software Vulkan such as lavapipe)' };
      adapterSeen = await describeAdapter(adapter);
    }
    const adapter = adapterSeen;
    if (adapter.software && !o.allowSoftware) {
      return { ok: false, adapter, reason: `WebGPU's only adapter is ${adapter.name}, a software renderer on the CPU: slower than WebAssembly` };
    }
    if (!backendLoaded) {
      // Registers the 'webgpu' backend with tfjs (it checks navigator.gpu as it loads).
      await import('@tensorflow/tfjs-backend-webgpu');
      backendLoaded = true;
      registerWebGpuTrainingKernels();
    }
    let ok: boolean;
    try {
      ok = await tf.setBackend('webgpu');
    } catch (e) {
      return { ok: false, adapter, reason: `the tfjs webgpu backend failed to start on ${adapter.name}: ${(e as Error).message}` };
    }
    // setBackend can return false while getBackend() still names webgpu: the value is what counts.
    if (!ok) return { ok: false, adapter, reason: `the tfjs webgpu backend failed to start on ${adapter.name} (tf.setBackend('webgpu') returned false)` };
    // tfjs submits a command buffer every 15 dispatches; each submit through Dawn's node bindings
    // costs ~0.5 ms of host time. 100 made a CNN step 20 → 14.6 ms on an H100 (bench/webgpu-step.ts).
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', env.webgpuSubmitBatch() ?? 100);
    // Uniform buffers and bind groups made once per content, not once per launch (dispatch.ts).
    dispatchCache = installDispatchCache(tf.backend());
    // A first kernel, so a device that cannot run compute shaders is found out here.
    const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)));
    const v = await probe.data();
    probe.dispose();
    if (v[0] !== 2 || v[1] !== 3) return { ok: false, adapter, reason: `the webgpu backend on ${adapter.name} computed 1+1 = ${v[0]}` };
    return { ok: true, adapter, dawnPath: path };
  } catch (e) {
    return { ok: false, reason: `WebGPU failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Faster training kernels for webgpu (see ../kernels/webgpu). */
function registerWebGpuTrainingKernels(): void {
  registerWebGpuKernels();
  registerFusedOptimizerKernels();
  registerFusedLossKernels();
  registerFusedGradients();
}
