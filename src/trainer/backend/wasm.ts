/**
 * Starts the tfjs 'wasm' backend for training in Node.
 *
 *   await initWasmBackend();          // .wasm files from node_modules
 *   await initWasmBackend(__dirname); // bundled: .wasm files copied next to dist/trainer.js
 *
 * Registers the training kernels tfjs-backend-wasm lacks (see
 * ../kernels/wasm/index.ts) and switches tf to 'wasm'.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../kernels/wasm/index';

/** The binaries tfjs-backend-wasm may load (Node: the SIMD one, or the plain one without SIMD). */
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

declare const __dirname: string | undefined;

function nodeRequire(): NodeJS.Require | undefined {
  if (typeof require === 'function') return require;
  try {
    return createRequire(import.meta.url);
  } catch {
    return undefined;
  }
}

/** dist/ folder of the installed @tensorflow/tfjs-backend-wasm package, if resolvable. */
function packageWasmDir(): string | undefined {
  const req = nodeRequire();
  if (!req) return undefined;
  try {
    return path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

function hasWasmFiles(dir: string): boolean {
  // Node runs the SIMD binary where WebAssembly SIMD is supported, else the plain one.
  return WASM_FILES.slice(0, 2).some((f) => fs.existsSync(path.join(dir, f)));
}

/** Where the .wasm binaries are: the given folder, else the package, else next to this bundle. */
export function resolveWasmDir(wasmDir?: string): string {
  const candidates = wasmDir != null
    ? [wasmDir]
    : [packageWasmDir(), typeof __dirname === 'string' ? __dirname : undefined];
  for (const dir of candidates) {
    if (dir && hasWasmFiles(dir)) return path.resolve(dir);
  }
  const looked = candidates.filter((d): d is string => !!d);
  throw new Error(
    `tfjs wasm backend: cannot find ${WASM_FILES.join(' / ')}` +
      (looked.length ? ` in ${looked.map((d) => path.resolve(d)).join(', ')}` : '') +
      '. Pass the folder holding them to initWasmBackend(wasmDir).',
  );
}

let wasmPathSet: string | undefined;

/**
 * Points tfjs-backend-wasm at its .wasm files, registers the training kernels
 * and makes 'wasm' the active backend. Throws if the backend fails to start.
 *
 * @param wasmDir folder holding tfjs-backend-wasm*.wasm; defaults to the
 *   installed package's dist/ folder (resolved with require.resolve), then to
 *   this module's own folder (the esbuild bundle with the files copied to dist/).
 */
export async function initWasmBackend(wasmDir?: string): Promise<void> {
  registerWasmTrainingKernels();
  if (tf.getBackend() === 'wasm') return;
  const dir = resolveWasmDir(wasmDir);
  // setWasmPaths concatenates prefix + file name, so the separator matters.
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  if (wasmPathSet !== prefix) {
    setWasmPaths(prefix);
    wasmPathSet = prefix;
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } catch (err) {
    throw new Error(`tfjs wasm backend failed to start (wasm files in ${dir}): ${(err as Error)?.message ?? err}`);
  }
  if (!ok) {
    throw new Error(
      `tfjs wasm backend failed to start (tf.setBackend('wasm') returned false; wasm files in ${dir}). ` +
        'See the warning tfjs logged above for the cause.',
    );
  }
}
