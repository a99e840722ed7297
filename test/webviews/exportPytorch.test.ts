/**
 * "ModelYAML: Export as PyTorch Project…" on a stand-in vscode API, spawning the built CLI
 * (`node esbuild.mjs` first): from a spec's context menu into the folder the user names (its
 * README opened), from a run (its weights come along), the question before writing into a folder
 * that holds files, and a spec the export refuses, with the CLI's message naming the layer's line.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportPytorchCommand, WRITE_INTO } from '../../src/extension/exportPytorch';
import { irisSpec } from '../trainer/helpers';
import { CLI, runCli } from '../cli/run';
import { fakeVscode } from './fakeVscode';

let workspace: string;
let spec: string;

beforeAll(() => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
  workspace = mkdtempSync(join(tmpdir(), 'modelyaml-export-pytorch-cmd-'));
  spec = join(workspace, 'iris.model.yaml');
  writeFileSync(spec, irisSpec({ name: 'iris-pt', seed: 7, epochs: 1 }));
});

function host(input: string | undefined) {
  const vs = fakeVscode({ origin: 'vscode-webview://export', workspace });
  vs.input = input;
  const previews: string[] = [];
  vs.api.commands.registerCommand('markdown.showPreview', (uri: { fsPath: string }) => previews.push(uri.fsPath));
  return { vs, previews, deps: { api: vs.api, cliPath: CLI, runsRoots: () => [join(workspace, 'runs')] } };
}

describe('Export as PyTorch Project… command', () => {
  it('from a spec\'s context menu: writes the package into the named workspace folder and opens its README', async () => {
    const { vs, deps, previews } = host('pytorch/iris');
    const done = await exportPytorchCommand(deps, vs.api.Uri.file(spec));
    const folder = join(workspace, 'pytorch', 'iris');
    expect(done).toEqual({ folder, readme: join(folder, 'README.md') });
    expect(readdirSync(folder)).toEqual(expect.arrayContaining(['model.py', 'train.py', 'data.py', 'weights.py', 'README.md']));
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toMatch(/torchrun --standalone --nproc_per_node=4 train\.py/);
    expect(vs.progress).toEqual(['Exporting iris.model.yaml as a PyTorch project…']);
    expect(previews).toEqual([join(folder, 'README.md')]);
  }, 120_000);

  it('asks before writing into a folder that holds files, and writes nothing when told no', async () => {
    const folder = join(workspace, 'taken');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    const declined = host('taken');
    expect(await exportPytorchCommand(declined.deps, declined.vs.api.Uri.file(spec))).toBeUndefined();
    expect(declined.vs.messages.find((m) => m.level === 'warning')?.items).toEqual([WRITE_INTO]);
    expect(readdirSync(folder)).toEqual(['notes.txt']);
    const agreed = host('taken');
    agreed.vs.answer = (m) => (m.level === 'warning' ? WRITE_INTO : undefined);
    expect((await exportPytorchCommand(agreed.deps, agreed.vs.api.Uri.file(spec)))?.folder).toBe(folder);
    expect(readdirSync(folder)).toEqual(expect.arrayContaining(['notes.txt', 'model.py']));
  }, 120_000);

  it('from a run ({ runDir }): the run\'s checkpoint comes along as tfjs/', async () => {
    const r = await runCli(['train', spec, '--out', join(workspace, 'runs'), '--engine', 'tfjs'], { cwd: workspace });
    expect(r.code, r.err).toBe(0);
    const [name] = readdirSync(join(workspace, 'runs'));
    const [time] = readdirSync(join(workspace, 'runs', name));
    const { deps, vs } = host(undefined);
    vs.input = 'from-run';
    const done = await exportPytorchCommand(deps, { runDir: join(workspace, 'runs', name, time) });
    expect(existsSync(join(done!.folder, 'tfjs', 'model.json'))).toBe(true);
  }, 180_000);

  it('a spec the export refuses: the CLI\'s message with the layer\'s line, no stack trace', async () => {
    const bad = join(workspace, 'noisy.model.yaml');
    // Bilinear upsampling has no faithful PyTorch equivalent (docs/cluster.md).
    writeFileSync(
      bad,
      irisSpec({ name: 'noisy', epochs: 1 }).replace('    - dense: { units: 16, activation: relu }', '    - dense: { units: 16, activation: relu }\n    - reshape: [4, 4, 1]\n    - upsampling2d: { size: 2, interpolation: bilinear }\n    - flatten'),
    );
    const { vs, deps, previews } = host('pytorch/noisy');
    expect(await exportPytorchCommand(deps, vs.api.Uri.file(bad))).toBeUndefined();
    const error = vs.messages.find((m) => m.level === 'error')!;
    expect(error.text).toMatch(/^PyTorch export failed: .*noisy\.model\.yaml:\d+:\d+.*upsampling2d/);
    expect(error.text).not.toMatch(/\n\s+at /);
    expect(previews).toEqual([]);
  }, 120_000);
});
