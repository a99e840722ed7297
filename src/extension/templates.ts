/**
 * "ModelYAML: New Model from Template…": the example specs, with the data files they read, copied
 * into the workspace so they train offline out of the box, and a `.gitignore` that keeps the run
 * records out of git. The vscode API is passed in, so the tests drive it with a stand-in.
 */
import type * as vscode from 'vscode';
import { analyze } from '../core/analyze';
import { withRunsIgnored } from './gitignore';
import type { VscodeApi } from './panels/host';

export interface Template {
  file: string;
  name: string;
  description: string;
  /** Data files the spec reads, relative to the examples folder. */
  dataFiles: string[];
}

/** Every string parameter of the data source that names a file under the examples folder. */
function dataFilesOf(text: string): string[] {
  const a = analyze(text);
  const files = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string' && /^data\//.test(v)) files.add(v);
    else if (v && typeof v === 'object') Object.values(v as Record<string, unknown>).forEach(visit);
  };
  visit(a.spec.data?.source?.params);
  for (const step of a.spec.data?.pipeline ?? []) visit(step.params);
  return [...files];
}

export async function listTemplates(api: VscodeApi, examples: vscode.Uri): Promise<Template[]> {
  const entries = await api.workspace.fs.readDirectory(examples);
  const out: Template[] = [];
  for (const [file, type] of entries) {
    if (type !== api.FileType.File || !file.endsWith('.model.yaml')) continue;
    const text = new TextDecoder().decode(await api.workspace.fs.readFile(api.Uri.joinPath(examples, file)));
    const spec = analyze(text).spec;
    out.push({ file, name: spec.name?.value ?? file, description: spec.description?.value ?? '', dataFiles: dataFilesOf(text) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function newFromTemplate(extensionUri: vscode.Uri, api: VscodeApi = require('vscode') as VscodeApi): Promise<vscode.Uri | undefined> {
  const examples = api.Uri.joinPath(extensionUri, 'examples');
  const templates = await listTemplates(api, examples);
  const pick = await api.window.showQuickPick(
    templates.map((t) => ({ label: t.name, description: t.file, detail: t.description, template: t })),
    { title: 'New Model from Template', placeHolder: 'Pick a model to start from (all train offline)' },
  );
  if (!pick) return undefined;
  let folder = api.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    const chosen = await api.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create here' });
    folder = chosen?.[0];
  }
  if (!folder) return undefined;
  const target = api.Uri.joinPath(folder, pick.template.file);
  try {
    await api.workspace.fs.stat(target);
    const answer = await api.window.showWarningMessage(`${pick.template.file} exists. Replace it?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') return undefined;
  } catch {
    // does not exist: nothing to confirm
  }
  await api.workspace.fs.copy(api.Uri.joinPath(examples, pick.template.file), target, { overwrite: true });
  for (const data of pick.template.dataFiles) {
    await api.workspace.fs.copy(api.Uri.joinPath(examples, data), api.Uri.joinPath(folder, data), { overwrite: true });
  }
  await ensureGitignore(api, folder);
  // Pinned, not a preview: a preview would take the place of the walkthrough this is often run from.
  const beside = !api.window.activeTextEditor && !!api.window.tabGroups?.activeTabGroup?.activeTab;
  await api.window.showTextDocument(target, { preview: false, viewColumn: beside ? api.ViewColumn.Beside : api.ViewColumn.Active });
  return target;
}

/** A new project gets a `.gitignore` that keeps the run records out (an existing one is left alone). */
async function ensureGitignore(api: VscodeApi, folder: vscode.Uri): Promise<void> {
  const file = api.Uri.joinPath(folder, '.gitignore');
  try {
    await api.workspace.fs.stat(file);
  } catch {
    await api.workspace.fs.writeFile(file, new TextEncoder().encode(withRunsIgnored('')));
  }
}
