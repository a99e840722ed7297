/**
 * "ModelYAML: Download Hugging Face Model…": asks for a model id (`owner/name`, or
 * `owner/name@revision`), downloads what the `bert` layer and `wordpiece` step read into the
 * workspace's `models/<name>` (src/node/hfDownload.ts, the module `modelyaml download` uses) with
 * a cancellable progress notification, checks the folder as the `bert` layer will, and reveals it
 * in the Explorer with the `from:` path to write. HF_TOKEN and HF_ENDPOINT come from the
 * environment VS Code was started in, as for `huggingface_hub`.
 *
 * package.json (contributes) needs: commands: modelyaml.downloadHfModel ("Download Hugging Face
 * Model…", category "ModelYAML").
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkBertFolder, defaultModelFolder, downloadHfModel, formatSize, HfDownloadError, repoIdProblem, type HfDownloadProgress } from '../node/hfDownload';
import type { VscodeApi } from './panels/host';

export const DOWNLOAD_HF_COMMAND = 'modelyaml.downloadHfModel';
export const DOWNLOAD_HF = 'Download Hugging Face Model…';
export const REPLACE_FILES = 'Replace Files';

export interface HfDownloadDone {
  folder: string;
  /** The folder as a spec at the workspace's root names it in `from:`. */
  from: string;
  /** Why the `bert` layer cannot use it, when it cannot. */
  problem?: string;
}

/** `owner/name@revision` → its parts. */
function parseModelId(answer: string): { repo: string; revision: string } {
  const [repo, revision] = answer.trim().split('@');
  return { repo: repo.replace(/^https?:\/\/[^/]+\//, '').replace(/\/+$/, ''), revision: revision?.trim() || 'main' };
}

function progressMessage(p: HfDownloadProgress): string {
  return p.total ? `${p.file}: ${formatSize(p.received)} of ${formatSize(p.total)} (${Math.floor((100 * p.received) / p.total)}%)` : `${p.file}: ${formatSize(p.received)}`;
}

export async function downloadHfModelCommand(api: VscodeApi): Promise<HfDownloadDone | undefined> {
  const workspace = api.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!workspace) {
    void api.window.showErrorMessage('Open a folder first: the model is downloaded into the workspace (models/<name>).');
    return undefined;
  }
  const answer = await api.window.showInputBox({
    title: DOWNLOAD_HF.replace('…', ''),
    prompt: 'A Hugging Face model id (owner/name, or owner/name@revision); HF_TOKEN in the environment opens gated models',
    placeHolder: 'prajjwal1/bert-tiny',
    validateInput: (v) => (v.trim() ? repoIdProblem(parseModelId(v).repo) : 'Name a model'),
  });
  if (!answer?.trim()) return undefined;
  const { repo, revision } = parseModelId(answer);
  const folder = join(workspace, defaultModelFolder(repo));
  if (existsSync(folder) && readdirSync(folder).length) {
    const go = await api.window.showWarningMessage(`${folder} is not empty: the downloaded files (config.json, model.safetensors, …) would replace those of the same name.`, { modal: true }, REPLACE_FILES);
    if (go !== REPLACE_FILES) return undefined;
  }
  try {
    await api.window.withProgress({ location: api.ProgressLocation.Notification, title: `Downloading ${repo}`, cancellable: true }, (progress, token) => {
      const cancel = new AbortController();
      token.onCancellationRequested(() => cancel.abort());
      let shown = 0;
      return downloadHfModel({
        repo,
        revision,
        out: folder,
        signal: cancel.signal,
        onProgress: (p) => {
          if (Date.now() - shown < 250 && p.received !== p.total) return;
          shown = Date.now();
          progress.report({ message: progressMessage(p) });
        },
      });
    });
  } catch (e) {
    if (!(e instanceof HfDownloadError)) throw e;
    const resume = e.resumable ? ' (the part that arrived is kept: download it again to resume)' : '';
    if (e.code === 'hf/cancelled') void api.window.showInformationMessage(`The download of ${repo} was cancelled; nothing was written${resume}.`);
    else void api.window.showErrorMessage(`Downloading ${repo} failed: ${e.message}${resume}`);
    return undefined;
  }
  const from = relative(workspace, folder).split('\\').join('/');
  await api.commands.executeCommand('revealInExplorer', api.Uri.file(folder));
  const check = checkBertFolder(folder);
  if ('problem' in check) {
    void api.window.showWarningMessage(`${repo} is in ${from}, but the \`bert\` layer cannot use it: ${check.problem}`);
    return { folder, from, problem: check.problem };
  }
  const c = check.config;
  void api.window.showInformationMessage(
    `${repo} is in ${from}: a BERT encoder (${c.numHiddenLayers} layers, hidden size ${c.hiddenSize}, ${check.params.toLocaleString('en-US')} parameters). ` +
      `In a spec at the workspace's root: \`bert: { from: ${from} }\`${check.vocabulary ? ` and \`wordpiece: { from: ${from}, max_length: 128 }\`` : ''}.`,
  );
  return { folder, from };
}
