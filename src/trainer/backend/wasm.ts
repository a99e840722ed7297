/**
 * Starts the tfjs 'wasm' backend for training in Node.
 *
 *   await initWasmBackend();             // .wasm files from node_modules
 *   await initWasmBackend(__dirname);    // bundled: .wasm files copied next to dist/trainer.js
 *   await initWasmBackend(undefined, 2); // XNNPACK on 2 threads (the threaded SIMD build)
 *
 * Registers the training kernels tfjs-backend-wasm lacks (see
 * ../kernels/wasm/index.ts) and switches tf to 'wasm'.
 *
 * tfjs-backend-wasm never runs its threaded build in Node: its feature test answers "no" there
 * (tfjs issue 3830), and in a browser it hands Emscripten's pthread workers their scripts as
 * blob: URLs, which Node's worker_threads cannot load. startThreadedModule() instead gives the
 * workers two files (the worker script, written once to a cache folder, and the build's own
 * glue script) and builds BackendWasm around the module itself.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../tf';
import { BackendWasm, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The Emscripten pthread worker script, as the string tfjs-backend-wasm itself embeds.
import { wasmWorkerContents } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import { registerWasmTrainingKernels } from '../kernels/wasm/index';

/** The binaries tfjs-backend-wasm may load (Node: the SIMD one, or the plain one without SIMD). */
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
/** The threaded build's Emscripten glue: next to the binaries in the bundle, in wasm-out/ in the package. */
const THREADED_GLUE = 'tfjs-backend-wasm-threaded-simd.js';

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
/** XNNPACK threads of the running 'wasm' backend (1 for the stock single-threaded build). */
let runningThreads = 1;

/** XNNPACK threads of the running 'wasm' backend: 1 unless started with more. */
export function wasmThreadCount(): number {
  return tf.getBackend() === 'wasm' ? runningThreads : 1;
}

/** tfjs caps its thread pool at 8 (the pthread workers its build creates up front). */
const MAX_THREADS = 8;
/** How long the threaded build may take to load its workers before the single-threaded one is used. */
const START_TIMEOUT_MS = 30_000;

/** The threaded build's glue script for `dir` (the bundle's folder or the package's dist/). */
function threadedGlue(dir: string): string | undefined {
  for (const candidate of [path.join(dir, THREADED_GLUE), path.join(dir, '..', 'wasm-out', THREADED_GLUE)]) {
    if (fs.existsSync(candidate) && fs.existsSync(path.join(dir, WASM_FILES[2]))) return candidate;
  }
  return undefined;
}

/**
 * The pthread worker script as a file: Node's worker_threads load scripts from paths. Written
 * once per content into a cache folder of this user's own (no one else can put a script where
 * the trainer will run it), through a rename so that trainers starting at the same time never
 * see half a file.
 */
function workerScriptFile(): string {
  // The embedded string escapes its newlines once more than the script needs (tfjs undoes it with
  // the same replace before making its blob).
  const text = (wasmWorkerContents as string).replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = path.join(privateCacheDir(), `tfjs-backend-wasm-threaded-simd.worker.${hash}.js`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

/** <tmp>/modelyaml-wasm-<uid>, made 0700 and checked to be this user's; else a fresh folder, removed at exit. */
export function privateCacheDir(): string {
  const uid = process.getuid?.();
  const dir = path.join(os.tmpdir(), `modelyaml-wasm-${uid ?? 'user'}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    // Windows has no uids; its temp folder is already the user's own.
    if (st.isDirectory() && (uid === undefined || (st.uid === uid && (st.mode & 0o077) === 0))) return dir;
  } catch {
    // Falls through to a fresh folder.
  }
  // A fresh folder is this process's alone: it goes when the process exits.
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'modelyaml-wasm-'));
  process.once('exit', () => fs.rmSync(fresh, { recursive: true, force: true }));
  return fresh;
}

interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { terminateAllThreads(): void };
  tfjs?: unknown;
}

/**
 * Instantiates the threaded SIMD build with `threads` XNNPACK threads and wraps it in tfjs's
 * BackendWasm, as tfjs-backend-wasm's own init() does for a browser.
 */
async function startThreadedModule(dir: string, glue: string, threads: number): Promise<tf.KernelBackend> {
  const factory = nodeRequire()!(glue) as (config: object) => Promise<ThreadedModule>;
  // Compiled up front so that a bad binary fails here, not inside Emscripten's callbacks.
  const compiled = await WebAssembly.compile(fs.readFileSync(path.join(dir, WASM_FILES[2])));
  const workerFile = workerScriptFile();
  let failed: (e: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => { failed = reject; });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the threaded build's ${threads} workers did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  const module = await Promise.race([factory({
    locateFile: (file: string) => (file.endsWith('.worker.js') ? workerFile : path.join(dir, file)),
    // Each worker reads the glue script from this path (importScripts) before it runs the module.
    mainScriptUrlOrBlob: glue,
    // tfjs sizes its pool as min(requested, logical cores / 2, 8): it assumes two hardware
    // threads per core. Reporting twice the threads asked for makes the request the answer.
    instantiateWasm: (info: { env: Record<string, unknown> }, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) => {
      info.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(compiled, info as WebAssembly.Imports).then((instance) => receive(instance, compiled), failed);
      return {};
    },
    onAbort: (what: unknown) => failed(new Error(`the threaded build aborted: ${String(what)}`)),
  }), failure, timeout]).finally(() => clearTimeout(timer));
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  return new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
}

/**
 * Points tfjs-backend-wasm at its .wasm files, registers the training kernels
 * and makes 'wasm' the active backend. Throws if the backend fails to start.
 *
 * @param wasmDir folder holding tfjs-backend-wasm*.wasm; defaults to the
 *   installed package's dist/ folder (resolved with require.resolve), then to
 *   this module's own folder (the esbuild bundle with the files copied to dist/).
 */
export async function initWasmBackend(wasmDir?: string, threads = 1): Promise<void> {
  registerWasmTrainingKernels();
  if (tf.getBackend() === 'wasm') return;
  const dir = resolveWasmDir(wasmDir);
  const want = Math.max(1, Math.min(MAX_THREADS, Math.floor(threads)));
  const glue = want > 1 ? threadedGlue(dir) : undefined;
  if (glue && typeof SharedArrayBuffer === 'function') {
    const stock = tf.engine().findBackendFactory('wasm');
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => startThreadedModule(dir, glue, want), 2);
    try {
      if (await tf.setBackend('wasm')) {
        runningThreads = (tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } }).wasm.tfjs.getThreadsCount();
        return;
      }
    } catch {
      // Falls back to the single-threaded build below.
    }
    tf.removeBackend('wasm');
    if (stock) tf.registerBackend('wasm', stock, 2);
  }
  runningThreads = 1;
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
