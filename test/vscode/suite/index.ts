/**
 * Mocha inside VS Code's extension host: runs every *.itest.js next to this file (not *.test.*,
 * which is vitest's). When MODELYAML_VSCODE_RESULTS names a file, the results are also written
 * there as JSON (test/e2e/vscode-suite.e2e.ts runs this suite in code-server and reads them).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

interface Results {
  passed: string[];
  failed: { title: string; error: string }[];
  done: boolean;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: true, timeout: 180_000 });
  for (const f of readdirSync(__dirname)) if (f.endsWith('.itest.js')) mocha.addFile(join(__dirname, f));
  const results: Results = { passed: [], failed: [], done: false };
  const out = process.env.MODELYAML_VSCODE_RESULTS;
  const save = () => out && writeFileSync(out, JSON.stringify(results, null, 2));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      results.done = true;
      save();
      if (failures) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => {
      results.passed.push(t.fullTitle());
      save();
    });
    runner.on('fail', (t, err: Error) => {
      results.failed.push({ title: t.fullTitle(), error: err?.stack ?? String(err) });
      save();
    });
  });
}
