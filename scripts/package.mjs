#!/usr/bin/env node
// Packages the extension as a .vsix with @vscode/vsce.
//
//   node scripts/package.mjs                     universal package (CPU training: wasm backend)
//   node scripts/package.mjs --target linux-x64  platform package: adds the WebGPU bindings
//   options: --out <file.vsix>   --no-build (reuse dist/)   --webgpu <dir of the `webgpu` package>
//
// The bundles in dist/ carry their dependencies (esbuild), so vsce runs with --no-dependencies
// and .vscodeignore is an allowlist (dist bundles + wasm, grammar, snippets, language
// configuration, icon, walkthrough, example templates, README, LICENSE).
//
// Platform packages: the `webgpu` npm package's `dawn.node` for the target is staged as
// dist/node_modules/webgpu/, where the trainer bundle's `require('webgpu')` (external in
// esbuild.mjs) finds it. Its source is --webgpu, $MODELYAML_WEBGPU_DIR or node_modules/webgpu;
// when none exists the platform package is built without it and says so.
//
// Prints one JSON line: { file, bytes, entries, target, webgpu }.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const target = opt('--target');
const build = !args.includes('--no-build');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(root, opt('--out') ?? `${pkg.name}-${target ? `${target}-` : ''}${pkg.version}.vsix`);

// vsce's platform names → the folder of the `webgpu` package holding that platform's dawn.node.
const webgpuFolders = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

function run(cmd, argv, cwd = root) {
  const r = spawnSync(cmd, argv, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`${cmd} ${argv.join(' ')} failed (${r.status ?? r.signal})`);
}

function fail(message) {
  console.error(`[package] ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

// Package from a private staging folder, so that a build running at the same time in the
// working tree (dist/ is shared with `npm test`, watch builds, other packaging runs) can neither
// change a file while vsce zips it nor end up in the package; dist/ itself is left as it was.
let webgpu = null;
const stage = mkdtempSync(join(tmpdir(), 'modelyaml-package-'));
try {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore', 'language-configuration.json']) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f));
  }
  for (const d of ['syntaxes', 'snippets', 'media', 'examples']) cpSync(join(root, d), join(stage, d), { recursive: true });

  if (build) {
    // esbuild.mjs works relative to its working directory (and to its own location, for the
    // helper it builds into out/): run a copy in the stage, with the sources by symlink, so it
    // writes stage/dist (a production build: minified, no source maps).
    const links = ['src', 'server', 'webviews', 'node_modules'];
    for (const l of links) if (existsSync(join(root, l))) symlinkSync(join(root, l), join(stage, l), 'dir');
    for (const f of ['esbuild.mjs', 'tsconfig.json']) cpSync(join(root, f), join(stage, f));
    run(process.execPath, [join(stage, 'esbuild.mjs'), '--production'], stage);
    for (const l of links) rmSync(join(stage, l), { force: true });
  } else {
    cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.includes(`${join(root, 'dist', 'node_modules')}`) });
  }
  for (const f of ['dist/extension.js', 'dist/server.js', 'dist/trainer.js']) {
    if (!existsSync(join(stage, f))) {
      fail(`${f} is missing: ${build ? 'the build did not produce it' : 'run `node esbuild.mjs --production` or drop --no-build'}`);
    }
  }

  if (target) {
    if (!(target in webgpuFolders)) {
      fail(`unknown --target ${target}; one of ${Object.keys(webgpuFolders).join(', ')}`);
    }
    const candidates = [opt('--webgpu'), process.env.MODELYAML_WEBGPU_DIR, join(root, 'node_modules/webgpu')].filter(Boolean);
    const src = candidates.find((d) => existsSync(join(d, 'package.json')) && existsSync(join(d, 'dist', webgpuFolders[target])));
    if (src) {
      const dest = join(stage, 'dist/node_modules/webgpu');
      mkdirSync(dest, { recursive: true });
      for (const f of ['package.json', 'index.js', 'types.d.ts', 'LICENSE.md']) if (existsSync(join(src, f))) cpSync(join(src, f), join(dest, f));
      cpSync(join(src, 'dist', webgpuFolders[target]), join(dest, 'dist', webgpuFolders[target]), { recursive: true });
      webgpu = { from: src, version: JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')).version, folder: webgpuFolders[target] };
      console.error(`[package] ${target}: WebGPU bindings webgpu@${webgpu.version} (${webgpuFolders[target]}) go in dist/node_modules/webgpu`);
    } else {
      console.error(
        `[package] warning: ${target}: no \`webgpu\` package found (--webgpu, $MODELYAML_WEBGPU_DIR, node_modules/webgpu); ` +
          'the platform package is built WITHOUT dawn.node and trains on the CPU only',
      );
    }
  }

  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  mkdirSync(dirname(out), { recursive: true });
  run(
    process.execPath,
    [
      vsce,
      'package',
      '--no-dependencies', // the bundles carry their dependencies
      '--allow-missing-repository',
      '--no-rewrite-relative-links',
      '--skip-license', // LICENSE is shipped; this only silences the prompt when it is absent
      '--out',
      out,
      ...(target ? ['--target', target] : []),
    ],
    stage,
  );
} catch (e) {
  if (!process.exitCode) console.error(e);
  process.exitCode = 1;
} finally {
  rmSync(stage, { recursive: true, force: true });
}
if (process.exitCode) process.exit();

// Count the entries from the zip's end-of-central-directory record.
const buf = readFileSync(out);
const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
const entries = eocd >= 0 ? buf.readUInt16LE(eocd + 10) : null;
console.log(JSON.stringify({ file: out, bytes: statSync(out).size, entries, target: target ?? 'universal', webgpu }));
