/**
 * "ModelYAML: Compare Model with…": the spec against another spec file, its last commit, or any
 * git revision. Revisions come from the built-in git extension's API (`repository.show`); without
 * it, or when it fails, from `git show` itself (src/node/gitShow.ts, which also words the errors).
 */
import type * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import { diffSpecTexts, type DiffInput } from '../../core/diff';
import type { SpecDiff } from '../../core/diff/types';
import type { DiffSource, DiffSources } from '../../core/protocol/diffWebview';
import { fileDataHost } from '../../node/dataHost';
import { GitShowError, showFileAtRevision } from '../../node/gitShow';
import type { DiffPanel } from './diffPanel';
import { isSpecDocument } from './graphPanel';
import type { PanelLog, VscodeApi } from './host';

export const COMPARE_COMMAND = 'modelyaml.compareModel';

/** The slice of the git extension's API (`vscode.git`, getAPI(1)) used here. */
interface GitApi {
  getRepository(uri: vscode.Uri): { show(ref: string, path: string): Promise<string> } | null;
}

async function gitExtensionShow(api: VscodeApi, uri: vscode.Uri, ref: string): Promise<string | undefined> {
  const ext = api.extensions.getExtension<{ getAPI(v: 1): GitApi }>('vscode.git');
  if (!ext) return undefined;
  const exports = ext.isActive ? ext.exports : await ext.activate();
  return exports.getAPI(1).getRepository(uri)?.show(ref, uri.fsPath);
}

/** The spec's text at `ref`: the git extension first, `git show` as the fallback and for clear errors. */
export async function specAtRevision(api: VscodeApi, uri: vscode.Uri, ref: string, log: PanelLog): Promise<DiffInput> {
  try {
    const text = await gitExtensionShow(api, uri, ref);
    if (text !== undefined) return { text, label: `${ref}:${api.workspace.asRelativePath(uri, false)}` };
  } catch (e) {
    log.info(`compare: the git extension could not show ${ref}:${uri.fsPath} (${(e as Error)?.message ?? e}); asking git directly`);
  }
  const old = showFileAtRevision(uri.fsPath, ref);
  return { text: old.text, label: old.label };
}

type Choice = 'file' | 'head' | 'revision';

async function pickOtherFile(api: VscodeApi, self: vscode.Uri): Promise<vscode.Uri | undefined> {
  const specs = (await api.workspace.findFiles('**/*.model.{yaml,yml}', '**/node_modules/**', 500)).filter((u) => u.toString() !== self.toString());
  const browse = { label: '$(folder-opened) Browse…', uri: undefined as vscode.Uri | undefined };
  const items = [...specs.map((uri) => ({ label: basename(uri.fsPath), description: api.workspace.asRelativePath(uri, true), uri })), browse];
  const picked = await api.window.showQuickPick(items, { title: 'Compare with which spec?', matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const chosen = await api.window.showOpenDialog({ canSelectMany: false, filters: { 'ModelYAML spec': ['yaml', 'yml'] }, openLabel: 'Compare' });
  return chosen?.[0];
}

/** The other side, as where to read it from: another spec file or this spec at a revision; undefined when the user cancels. */
async function otherSide(api: VscodeApi, uri: vscode.Uri): Promise<DiffSource | undefined> {
  const items: { label: string; description: string; choice: Choice }[] = [
    { label: '$(git-commit) HEAD', description: 'the last committed version of this spec', choice: 'head' },
    { label: '$(git-branch) A git revision…', description: 'a branch, tag or commit', choice: 'revision' },
    { label: '$(file) Another spec file…', description: 'a *.model.yaml in the workspace or elsewhere', choice: 'file' },
  ];
  const picked = await api.window.showQuickPick(items, { title: `Compare ${basename(uri.fsPath)} with…` });
  if (!picked) return undefined;
  if (picked.choice === 'file') {
    const other = await pickOtherFile(api, uri);
    return other && { kind: 'file', path: other.fsPath };
  }
  const ref = picked.choice === 'head' ? 'HEAD' : (await api.window.showInputBox({ title: 'Compare with the spec at which revision?', value: 'HEAD~1', prompt: 'A branch, tag, commit or expression such as HEAD~1' }))?.trim();
  return ref ? { kind: 'revision', path: uri.fsPath, ref } : undefined;
}

/** One side's text: the file (as open in the editor, else on disk) or the spec at its revision. */
async function readSource(api: VscodeApi, source: DiffSource, log: PanelLog): Promise<DiffInput> {
  const uri = api.Uri.file(source.path);
  const options = { host: fileDataHost(dirname(source.path)) };
  if (source.kind === 'revision') return { ...(await specAtRevision(api, uri, source.ref, log)), options };
  const doc = await api.workspace.openTextDocument(uri);
  return { text: doc.getText(), label: api.workspace.asRelativePath(uri, false), options };
}

/** Reads both sides and compares them: the command, and the panel restored after a reload. */
export async function diffSources(api: VscodeApi, sources: DiffSources, log: PanelLog): Promise<SpecDiff> {
  return diffSpecTexts(await readSource(api, sources.before, log), await readSource(api, sources.after, log));
}

export async function compareModelWith(api: VscodeApi, target: unknown, panel: DiffPanel, log: PanelLog): Promise<void> {
  const active = api.window.activeTextEditor?.document;
  const uri = target instanceof api.Uri ? target : isSpecDocument(active) ? active.uri : undefined;
  if (!uri) {
    void api.window.showErrorMessage('Compare Model with…: open a *.model.yaml spec first.');
    return;
  }
  try {
    const other = await otherSide(api, uri);
    if (!other) return;
    // The other side is the "before": the changes read as what this spec did to it.
    const sources: DiffSources = { before: other, after: { kind: 'file', path: uri.fsPath } };
    panel.show(await diffSources(api, sources, log), sources);
  } catch (e) {
    if (e instanceof GitShowError) void api.window.showErrorMessage(`Compare Model with…: ${e.message}`);
    else {
      log.error(`compare: ${(e as Error)?.stack ?? e}`);
      void api.window.showErrorMessage(`Compare Model with… failed: ${(e as Error)?.message ?? e}`);
    }
  }
}
