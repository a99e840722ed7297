import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // src/core/version.ts, as esbuild.mjs defines it for the bundles.
  define: { __MODELYAML_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  test: {
    include: ['test/**/*.test.ts'],
    // Training and process tests fork children and load wasm: separate processes keep them isolated.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
