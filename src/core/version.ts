/**
 * The product's version, from package.json. esbuild (esbuild.mjs) and vitest (vitest.config.ts)
 * define `__MODELYAML_VERSION__` at build time, so no bundle reads package.json at run time.
 */
declare const __MODELYAML_VERSION__: string;

// Code run from source without either (tsx scripts) says so instead of failing.
export const VERSION: string = typeof __MODELYAML_VERSION__ === 'string' ? __MODELYAML_VERSION__ : '0.0.0-source';
