/**
 * Builds the .vsix once for the whole suite (production bundles, `scripts/package.mjs`), or
 * reuses MODELYAML_VSIX when set, and checks the prerequisites before any workbench starts.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { artifactsDir, packageVsix, requireChromium, requireCodeServer, type PackageResult } from './harness';

declare module 'vitest' {
  export interface ProvidedContext {
    vsix: PackageResult;
  }
}

export default function setup(project: TestProject): void {
  requireCodeServer();
  requireChromium();
  rmSync(artifactsDir, { recursive: true, force: true });
  const given = process.env.MODELYAML_VSIX;
  let result: PackageResult;
  if (given) {
    if (!existsSync(given)) throw new Error(`MODELYAML_VSIX=${given} does not exist`);
    result = { file: given, bytes: 0, entries: null, target: 'given', webgpu: null };
  } else {
    result = packageVsix(['--out', join(artifactsDir, 'modelyaml.vsix')]);
  }
  project.provide('vsix', result);
}
