/**
 * "ModelYAML: Download Hugging Face Model…": asks for a model id (`owner/name`, or
 * `owner/name@revision`), downloads what the `bert` layer and `wordpiece` step read into the
 * workspace's `models/<name>` (src/node/hfDownload.ts, the module `modelyaml download` uses) with
 * a cancellable progress notification, checks the folder as the `bert` layer will, and reveals it
 * in the Explorer with the `from:` path to write. HF_ENDPOINT and HF_TOKEN come from the
 * environment VS Code was started in, as for `huggingface_hub`; without HF_TOKEN, a gated or private
 * model asks for an access token (a password box) and, once it has opened the model, keeps it in
 * VS Code's secret storage for the next download ("Forget Hugging Face Token" removes it).
 *
 * package.json (contributes) needs: commands: modelyaml.downloadHfModel ("Download Hugging Face
 * Model…") and modelyaml.forgetHfToken ("Forget Hugging Face Token"), category "ModelYAML".
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkBertFolder, defaultModelFolder, downloadHfModel, formatSize, HfDownloadError, hfEnvironment, repoIdProblem, type HfDownloadProgress } from '../node/hfDownload';
import type { VscodeApi } from './panels/host';

export const DOWNLOAD_HF_COMMAND = 'modelyaml.downloadHfModel';
export const DOWNLOAD_HF = 'Download Hugging Face Model…';
export const REPLACE_FILES = 'Replace Files';
export const FORGET_HF_TOKEN_COMMAND = 'modelyaml.forgetHfToken';
export const FORGET_HF_TOKEN = 'Forget Hugging Face Token';
/** The secret storage key of the token typed in (never in settings or logs). */
export const HF_TOKEN_SECRET = 'modelyaml.huggingFaceToken';

/** What the command needs of VS Code's SecretStorage (`context.secrets`). */
export interface TokenStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

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

/** One download with a progress notification; the HfDownloadError that ended it, or undefined when every file arrived. */
async function fetchModel(api: VscodeApi, repo: string, revision: string, folder: string, token: string | undefined): Promise<HfDownloadError | undefined> {
  try {
    await api.window.withProgress({ location: api.ProgressLocation.Notification, title: `Downloading ${repo}`, cancellable: true }, (progress, cancelled) => {
      const cancel = new AbortController();
      cancelled.onCancellationRequested(() => cancel.abort());
      let shown = 0;
      return downloadHfModel({
        repo,
        revision,
        out: folder,
        token,
        signal: cancel.signal,
        onProgress: (p) => {
          if (Date.now() - shown < 250 && p.received !== p.total) return;
          shown = Date.now();
          progress.report({ message: progressMessage(p) });
        },
      });
    });
    return undefined;
  } catch (e) {
    if (e instanceof HfDownloadError) return e;
    throw e;
  }
}

/** "Forget Hugging Face Token": removes the token the download command kept. */
export async function forgetHfTokenCommand(api: VscodeApi, secrets: TokenStore): Promise<void> {
  const had = await secrets.get(HF_TOKEN_SECRET);
  await secrets.delete(HF_TOKEN_SECRET);
  void api.window.showInformationMessage(had ? 'The Hugging Face token is forgotten: the next gated download asks for one.' : 'No Hugging Face token was kept.');
}

export async function downloadHfModelCommand(api: VscodeApi, secrets?: TokenStore): Promise<HfDownloadDone | undefined> {
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
  // HF_TOKEN outranks a stored token; without either, a refusal asks for one (at most twice).
  const hub = hfEnvironment();
  const fromEnvironment = hub.token;
  let token = fromEnvironment ?? (await secrets?.get(HF_TOKEN_SECRET));
  for (let asked = 0; ; asked++) {
    const e = await fetchModel(api, repo, revision, folder, token);
    if (!e) break;
    const denied = e.code === 'hf/gated' || e.code === 'hf/auth';
    if (denied && secrets && !fromEnvironment && asked < 2) {
      const typed = await api.window.showInputBox({
        title: `${repo} needs a Hugging Face access token`,
        prompt: `${token ? 'The token was refused: ' : ''}${repo} is gated or private (or does not exist). Paste an access token (read) of an account that may read it; it is kept in VS Code's secret storage.`,
        placeHolder: 'hf_…',
        password: true,
        ignoreFocusOut: true,
      });
      if (typed?.trim()) {
        token = typed.trim();
        continue;
      }
    }
    const resume = e.resumable ? ' (the part that arrived is kept: download it again to resume)' : '';
    if (e.code === 'hf/cancelled') void api.window.showInformationMessage(`The download of ${repo} was cancelled; nothing was written${resume}.`);
    else void api.window.showErrorMessage(`Downloading ${repo} failed: ${denied && !fromEnvironment && token ? `${repo} refused the token given (gated or private: accept its terms at ${hub.endpoint}/${repo} with the account the token belongs to).` : e.message}${resume}`);
    return undefined;
  }
  // A typed token that opened the model is kept for the next gated download.
  if (token && !fromEnvironment && secrets) await secrets.store(HF_TOKEN_SECRET, token);
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
