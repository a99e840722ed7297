import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // src/core/version.ts, as esbuild.mjs defines it for the bundles.
  define: { __MODELYAML_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  test: {
    include: ['test/**/*.test.ts'],
    // Training and process tests fork children and load wasm: separate processes keep them isolated.
    pool: 'forks',
    // Debian's torch is installed here and in CI, where `auto` would train through PyTorch: tests of
    // the embedded trainer stay on it; the engine's own tests (test/cli/torch-engine.test.ts) ask for pytorch.
    env: { MODELYAML_ENGINE: 'tfjs' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
