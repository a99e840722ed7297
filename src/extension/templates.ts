/**
 * "ModelYAML: New Model from Template…": the example specs, with the data files they read, copied
 * into the workspace so they train offline out of the box.
 */
import * as vscode from 'vscode';
import { analyze } from '../core/analyze';

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

export async function listTemplates(examples: vscode.Uri): Promise<Template[]> {
  const entries = await vscode.workspace.fs.readDirectory(examples);
  const out: Template[] = [];
  for (const [file, type] of entries) {
    if (type !== vscode.FileType.File || !file.endsWith('.model.yaml')) continue;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(examples, file)));
    const spec = analyze(text).spec;
    out.push({ file, name: spec.name?.value ?? file, description: spec.description?.value ?? '', dataFiles: dataFilesOf(text) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function newFromTemplate(extensionUri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const examples = vscode.Uri.joinPath(extensionUri, 'examples');
  const templates = await listTemplates(examples);
  const pick = await vscode.window.showQuickPick(
    templates.map((t) => ({ label: t.name, description: t.file, detail: t.description, template: t })),
    { title: 'New Model from Template', placeHolder: 'Pick a model to start from (all train offline)' },
  );
  if (!pick) return undefined;
  let folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create here' });
    folder = chosen?.[0];
  }
  if (!folder) return undefined;
  const target = vscode.Uri.joinPath(folder, pick.template.file);
  try {
    await vscode.workspace.fs.stat(target);
    const answer = await vscode.window.showWarningMessage(`${pick.template.file} exists. Replace it?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') return undefined;
  } catch {
    // does not exist: nothing to confirm
  }
  await vscode.workspace.fs.copy(vscode.Uri.joinPath(examples, pick.template.file), target, { overwrite: true });
  for (const data of pick.template.dataFiles) {
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(examples, data), vscode.Uri.joinPath(folder, data), { overwrite: true });
  }
  await vscode.window.showTextDocument(target);
  return target;
}
