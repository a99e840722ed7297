/**
 * The .vsix holds exactly what VS Code loads: the bundles, the wasm files, grammar, snippets,
 * language configuration, icon, walkthrough, templates, README and LICENSE, and nothing else.
 * Platform packages add the WebGPU bindings for their platform only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { packageVsix, zipEntries, zipRead } from './harness';

const MB = 1024 * 1024;

describe('the .vsix', () => {
  const vsix = inject('vsix');

  it('contains the bundles, wasm, grammar, snippets, icon and templates, and nothing else', () => {
    const names = zipEntries(vsix.file).map((e) => e.name);
    const files = names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
    for (const needed of [
      'package.json',
      'readme.md',
      'LICENSE.txt',
      'dist/extension.js',
      'dist/server.js',
      'dist/trainer.js',
      'dist/cli.js',
      'dist/h5wasm.js',
      'dist/tf.min.js',
      'dist/tfjs-backend-wasm.wasm',
      'dist/tfjs-backend-wasm-simd.wasm',
      // The threaded build's binary and glue (its worker threads load the glue by path).
      'dist/tfjs-backend-wasm-threaded-simd.wasm',
      'dist/tfjs-backend-wasm-threaded-simd.js',
      'dist/data/mnist.bin',
      'dist/webviews/curves.js',
      'dist/webviews/graph.js',
      'dist/webviews/evaluation.js',
      'dist/webviews/try.js',
      'dist/webviews/diff.js',
      'dist/webviews/search.js',
      'syntaxes/modelyaml.tmLanguage.json',
      'snippets/modelyaml.code-snippets',
      'language-configuration.json',
      'media/icon.png',
      'examples/mnist-cnn.model.yaml',
      // The BERT folder the bert-sentiment example (and its template's copy) reads.
      'examples/data/bert-reviews/config.json',
      'examples/data/bert-reviews/vocab.txt',
      'examples/data/bert-reviews/model.safetensors',
    ]) {
      expect(files, needed).toContain(needed);
    }
    const allowed = [
      /^package\.json$/,
      /^readme\.md$/,
      /^LICENSE\.txt$/,
      /^language-configuration\.json$/,
      /^dist\/(extension|server|trainer|cli|h5wasm)\.js$/,
      /^dist\/tf\.min\.js$/,
      /^dist\/tfjs-backend-wasm[-a-z]*\.wasm$/,
      /^dist\/tfjs-backend-wasm-threaded-simd\.js$/,
      /^dist\/data\/[a-z0-9-]+\.bin$/,
      /^dist\/webviews\/[a-z]+\.(js|css)$/,
      /^syntaxes\/[a-z.]+\.tmLanguage\.json$/,
      /^snippets\/[a-z]+\.code-snippets$/,
      /^media\/icon\.png$/,
      /^media\/walkthrough\/[a-z-]+\.md$/,
      /^examples\/[a-z0-9-]+\.model\.yaml$/,
      /^examples\/data\/[a-z0-9-]+\.(csv|jsonl)$/,
      /^examples\/data\/bert-reviews\/(config\.json|tokenizer_config\.json|vocab\.txt|model\.safetensors)$/,
    ];
    expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    // No sources, tests, source maps or node_modules.
    expect(files.filter((f) => /\.map$|\.ts$|^src\/|^test\/|^server\/|node_modules/.test(f))).toEqual([]);
  });

  it('declares the icon, targets every platform, and is under 10 MB (universal)', () => {
    const manifest = zipRead(vsix.file, 'extension.vsixmanifest').toString('utf8');
    expect(manifest).toContain('Path="extension/media/icon.png"');
    expect(manifest).not.toMatch(/TargetPlatform=/);
    const pkg = JSON.parse(zipRead(vsix.file, 'extension/package.json').toString('utf8')) as { main: string; icon: string };
    expect(pkg.main).toBe('./dist/extension.js');
    expect(pkg.icon).toBe('media/icon.png');
    if (vsix.bytes) expect(vsix.bytes).toBeLessThan(10 * MB);
  });

  it('platform packages carry dawn.node for their platform only', () => {
    // A stand-in for the `webgpu` npm package, shaped like the real one (one folder per platform).
    const fake = mkdtempSync(join(tmpdir(), 'modelyaml-webgpu-'));
    try {
      writeFileSync(join(fake, 'package.json'), JSON.stringify({ name: 'webgpu', version: '0.0.0-test', type: 'module', main: 'index.js' }));
      writeFileSync(join(fake, 'index.js'), 'export {};\n');
      for (const p of ['linux-x64', 'linux-arm64', 'darwin-universal', 'win32-x64']) {
        mkdirSync(join(fake, 'dist', p), { recursive: true });
        writeFileSync(join(fake, 'dist', p, 'dawn.node'), `not a real ${p} binary`);
      }
      const out = join(fake, 'linux-x64.vsix');
      const r = packageVsix(['--no-build', '--target', 'linux-x64', '--webgpu', fake, '--out', out]);
      expect(r.target).toBe('linux-x64');
      expect(r.webgpu?.folder).toBe('linux-x64');
      const names = zipEntries(out).map((e) => e.name);
      expect(names).toContain('extension/dist/node_modules/webgpu/dist/linux-x64/dawn.node');
      expect(names).toContain('extension/dist/node_modules/webgpu/package.json');
      expect(names.filter((n) => /dawn\.node$/.test(n))).toEqual(['extension/dist/node_modules/webgpu/dist/linux-x64/dawn.node']);
      expect(zipRead(out, 'extension.vsixmanifest').toString('utf8')).toContain('TargetPlatform="linux-x64"');
      expect(zipRead(out, 'extension/dist/node_modules/webgpu/dist/linux-x64/dawn.node').toString()).toBe('not a real linux-x64 binary');
      // The staging folder is removed again, so the next universal package holds no native code.
      const universal = packageVsix(['--no-build', '--out', join(fake, 'universal.vsix')]);
      expect(zipEntries(universal.file).filter((e) => /webgpu|\.node$/.test(e.name))).toEqual([]);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});
