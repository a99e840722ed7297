// The end-to-end suite: the packaged .vsix in a real VS Code workbench (code-server + headless
// Chromium). Separate from `npm test`: it needs `npm run e2e:setup` once (code-server in a cache
// folder outside the repository) and takes a few minutes. `npm run test:e2e`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/globalSetup.ts'],
    pool: 'forks',
    // One workbench at a time: two cores.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 300_000,
    reporters: ['verbose'],
    // The workbench's trainer inherits this: the e2e runs exercise the embedded trainer even where
    // torch is installed (`auto` would pick PyTorch there).
    env: { MODELYAML_ENGINE: 'tfjs' },
  },
});
