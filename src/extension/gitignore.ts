/**
 * Run folders hold checkpoints and models (megabytes a run): they should not reach a team's git
 * by accident. Once per workspace, after its first run, offer to add the runs folder to
 * `.gitignore`; the templates write a `.gitignore` that has it.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { VscodeApi } from './panels/host';

export const GITIGNORE_OFFERED_KEY = 'modelyaml.gitignoreOffered';
export const ADD = 'Add';
export const NOT_NOW = 'Not now';

/** The `.gitignore` line for a runs folder given relative to the workspace (default `.modelyaml/runs`). */
export function ignoreLine(runsFolder = '.modelyaml/runs'): string {
  return `${runsFolder.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '')}/`;
}

/** Whether `.gitignore` text already keeps the runs folder out (the line itself, or a parent folder). */
export function ignores(gitignore: string, runsFolder = '.modelyaml/runs'): boolean {
  const target = ignoreLine(runsFolder).replace(/\/$/, '');
  const parents = target.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  return gitignore.split(/\r?\n/).some((raw) => {
    const line = raw.trim().replace(/^\//, '').replace(/\/?\*{0,2}$/, '').replace(/\/$/, '');
    return line !== '' && !raw.trim().startsWith('#') && !raw.trim().startsWith('!') && parents.includes(line);
  });
}

/** `.gitignore` text with the runs folder added (a comment says why). */
export function withRunsIgnored(gitignore: string, runsFolder?: string): string {
  const sep = gitignore === '' || gitignore.endsWith('\n') ? '' : '\n';
  return `${gitignore}${sep}${gitignore ? '\n' : ''}# ModelYAML run records: checkpoints, models and metrics of every training run\n${ignoreLine(runsFolder)}\n`;
}

export interface GitignoreOfferOptions {
  folder: vscode.Uri;
  state: Pick<vscode.Memento, 'get' | 'update'>;
  runsFolder?: string;
}

/**
 * Offers to ignore the runs folder, once per workspace, in a folder that uses git (a `.git` or a
 * `.gitignore`) and does not ignore it yet. Resolves with what happened.
 */
export async function offerGitignore(api: VscodeApi, o: GitignoreOfferOptions): Promise<'added' | 'declined' | 'skipped'> {
  if (o.state.get<boolean>(GITIGNORE_OFFERED_KEY)) return 'skipped';
  if (o.runsFolder && path.isAbsolute(o.runsFolder)) return 'skipped';
  const root = o.folder.fsPath;
  const file = path.join(root, '.gitignore');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (current === undefined && !existsSync(path.join(root, '.git'))) return 'skipped';
  if (current !== undefined && ignores(current, o.runsFolder)) return 'skipped';
  await o.state.update(GITIGNORE_OFFERED_KEY, true);
  const picked = await api.window.showInformationMessage(
    `ModelYAML: training runs are saved in ${ignoreLine(o.runsFolder)} (checkpoints and models, megabytes each). Add it to .gitignore so they stay out of git?`,
    ADD,
    NOT_NOW,
  );
  if (picked !== ADD) return 'declined';
  await api.workspace.fs.writeFile(api.Uri.file(file), new TextEncoder().encode(withRunsIgnored(current ?? '', o.runsFolder)));
  return 'added';
}
