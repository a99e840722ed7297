/**
 * "ModelYAML: Export as PyTorch Project…" (palette: the active spec, else a run picked; the editor's
 * and explorer's context menu on a `*.model.yaml`; `{ runDir }` from other commands): the spec's PyTorch package (docs/cluster.md) —
 * from the spec, or from a run with its weights and fitted preprocessing — written by the bundled
 * CLI (`export … --format pytorch`) into a folder of the workspace the user names, then its
 * README.md (the launch lines: one process, torchrun, Slurm, Kubeflow) opened.
 *
 * package.json (contributes) needs: commands: modelyaml.exportPytorch ("Export as PyTorch Project…",
 * category "ModelYAML"); menus: editor/context and explorer/context on `resourceFilename =~ /\.model\.ya?ml$/`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { readSpecSnapshot } from '../node/runRecord';
import { pickRun, runCli, type ExportDeps } from './exportModel';

export const EXPORT_PYTORCH_COMMAND = 'modelyaml.exportPytorch';
export const EXPORT_PYTORCH = 'Export as PyTorch Project…';
export const WRITE_INTO = 'Write Into It';

const SPEC_FILE = /\.model\.ya?ml$/;

/** What to export: a spec (a Uri from a menu, or the active editor's) or a run (`{ runDir }`, or picked). */
async function source(d: ExportDeps, arg: unknown): Promise<string | undefined> {
  const fsPath = (arg as { fsPath?: unknown } | undefined)?.fsPath;
  if (typeof fsPath === 'string' && SPEC_FILE.test(fsPath)) return fsPath;
  const runDir = (arg as { runDir?: unknown } | undefined)?.runDir;
  if (typeof runDir === 'string') return runDir;
  const active = d.api.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && SPEC_FILE.test(active.fsPath)) return active.fsPath;
  return pickRun(d);
}

/** The package's default folder: `pytorch/<spec or run's spec name>` in the workspace. */
function defaultFolder(from: string): string {
  const name = SPEC_FILE.test(from) ? basename(from).replace(SPEC_FILE, '') : (/^name:\s*(\S+)/m.exec(readSpecSnapshot(from) ?? '')?.[1] ?? basename(dirname(from)));
  return join('pytorch', name.replace(/[^A-Za-z0-9._-]+/g, '_'));
}

export interface PytorchExportDone {
  folder: string;
  readme: string;
}

export async function exportPytorchCommand(d: ExportDeps, arg?: unknown): Promise<PytorchExportDone | undefined> {
  const { api } = d;
  const from = await source(d, arg);
  if (!from) return undefined;
  const workspace = api.workspace.getWorkspaceFolder?.(api.Uri.file(from))?.uri.fsPath ?? api.workspace.workspaceFolders?.[0]?.uri.fsPath ?? dirname(from);
  const answer = await api.window.showInputBox({
    title: EXPORT_PYTORCH.replace('…', ''),
    prompt: `The folder to write the PyTorch package into (relative to ${workspace})`,
    value: defaultFolder(from),
    validateInput: (v) => (v.trim() ? undefined : 'Name a folder'),
  });
  if (!answer?.trim()) return undefined;
  const folder = isAbsolute(answer) ? answer : resolve(workspace, answer.trim());
  if (existsSync(folder) && readdirSync(folder).length) {
    const go = await api.window.showWarningMessage(`${folder} is not empty: the package's files (model.py, train.py, …) would replace those of the same name.`, { modal: true }, WRITE_INTO);
    if (go !== WRITE_INTO) return undefined;
  }
  if (!existsSync(d.cliPath)) {
    void api.window.showErrorMessage(`Export needs the ModelYAML CLI (${d.cliPath}), which this installation lacks: run \`npx modelyaml export ${from} --format pytorch --out ${folder}\` in a terminal.`);
    return undefined;
  }
  const r = await api.window.withProgress({ location: api.ProgressLocation.Notification, title: `Exporting ${basename(from)} as a PyTorch project…` }, () => runCli(d.cliPath, ['export', from, '--format', 'pytorch', '--out', folder]));
  const readme = join(folder, 'README.md');
  if (r.code !== 0 || !existsSync(readme)) {
    const said = r.err.trim().split('\n').filter(Boolean).pop() ?? `the CLI exited with ${r.code}`;
    void api.window.showErrorMessage(`PyTorch export failed: ${said.replace(/^modelyaml export: /, '')}`);
    return undefined;
  }
  await api.commands.executeCommand('markdown.showPreview', api.Uri.file(readme));
  return { folder, readme };
}
