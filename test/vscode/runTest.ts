/**
 * The end-to-end scenarios inside VS Code itself, for machines that can download VS Code (a
 * contributor's laptop, public CI): `npm run test:vscode`. @vscode/test-electron downloads VS
 * Code into .vscode-test/, starts it with this repository as the extension under development
 * and a throw-away copy of examples/ as the workspace, and runs suite/ in its extension host.
 * The offline machines run the same scenarios through the UI in code-server: test/e2e/.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { fixtures } from './suite/fixtures';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..', '..');
  const workspace = mkdtempSync(join(tmpdir(), 'modelyaml-vscode-ws-'));
  const userData = mkdtempSync(join(tmpdir(), 'modelyaml-vscode-ud-'));
  try {
    for (const f of readdirSync(join(root, 'examples'))) if (f.endsWith('.model.yaml')) cpSync(join(root, 'examples', f), join(workspace, f));
    cpSync(join(root, 'examples', 'data'), join(workspace, 'data'), { recursive: true });
    for (const [name, text] of Object.entries(fixtures(readFileSync(join(root, 'examples', 'mlp.model.yaml'), 'utf8'), readFileSync(join(root, 'examples', 'mnist-cnn.model.yaml'), 'utf8')))) {
      writeFileSync(join(workspace, name), text);
    }
    mkdirSync(join(userData, 'User'), { recursive: true });
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'git.enabled': false, 'update.mode': 'none', 'telemetry.telemetryLevel': 'off' }));
    await runTests({
      version: process.env.MODELYAML_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: join(__dirname, 'suite', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userData, '--skip-welcome', '--skip-release-notes'],
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(userData, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
