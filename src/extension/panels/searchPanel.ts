/**
 * The host side of the search panel: one search folder's journal, replayed by the journal module
 * (src/node/search/journal.ts) and sent as the core's `SearchPanelView`; a file-system watcher on
 * the searches' journals re-sends it as trials run (and opens a search the Run Search command just
 * started). The webview's requests: a trial's curves and spec copy and overlaying trials (through
 * the runs view's actions, which check the folders), and "Apply best": the trial's values written
 * into the spec by `applyTrialParams` as one WorkspaceEdit (Undo takes it back in one step).
 */
import type * as vscode from 'vscode';
import { dirname, relative, resolve } from 'node:path';
import { spanEdit } from '../../core/edit';
import { validateSearchFromWebview, type SearchFromWebview, type SearchToWebview } from '../../core/protocol/searchWebview';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { applyTrialParams, UnknownParamPathError } from '../../core/search/apply';
import type { Study } from '../../core/search/journal';
import { searchPanelView } from '../../core/search/panelView';
import { JOURNAL_FILE, readJournal, searchDirs } from '../../node/search/journal';
import type { RunActions } from '../runs/actions';
import { PanelConnection, type PanelLog, type VscodeApi } from './host';

export const SHOW_SEARCH_COMMAND = 'modelyaml.showSearch';
/** Every search's journal, in any workspace folder. */
export const JOURNAL_GLOB = `**/.modelyaml/searches/**/${JOURNAL_FILE}`;

export interface SearchPanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  /** Opens trials' curves and spec copies (checked to lie under the runs folders). */
  actions: Pick<RunActions, 'curves' | 'spec'>;
  /** How long journal changes gather before one re-send, in ms. */
  debounceMs?: number;
}

export class SearchPanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.search;
  private conn?: PanelConnection<SearchFromWebview, SearchToWebview>;
  /** The search folder shown. */
  private dir?: string;
  private study?: Study;
  /** A spec whose next search opens the panel (Run Search was just used). */
  private following?: string;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly o: SearchPanelOptions) {
    const watcher = o.api.workspace.createFileSystemWatcher(JOURNAL_GLOB);
    this.disposables.push(watcher, watcher.onDidCreate((u) => this.onJournal(u.fsPath)), watcher.onDidChange((u) => this.onJournal(u.fsPath)));
  }

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  /** The search folder shown (undefined: none yet). */
  get folder(): string | undefined {
    return this.dir;
  }

  /** Opens (or reveals) the panel on a search folder, else the newest search of the workspace. */
  show(dir?: string): void {
    this.dir = dir ?? this.dir ?? this.newest();
    if (this.conn) {
      this.conn.panel.reveal(undefined, true);
      this.send();
      return;
    }
    const panel = this.o.api.window.createWebviewPanel(SearchPanel.viewType, 'Search', { viewColumn: this.o.api.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
    this.attach(panel);
  }

  /** Restores a panel VS Code kept across a reload: the search it showed (its webview's state names it), else the newest. */
  restore(panel: vscode.WebviewPanel, state?: unknown): void {
    const folder = (state as { folder?: unknown } | undefined)?.folder;
    this.dir = (typeof folder === 'string' ? this.searchNamed(folder) : undefined) ?? this.dir ?? this.newest();
    this.attach(panel);
  }

  /** The workspace's search folder shown as `folder` (relative to its workspace folder), if it is still there. */
  private searchNamed(folder: string): string | undefined {
    return (this.o.api.workspace.workspaceFolders ?? []).flatMap((f) => searchDirs(f.uri.fsPath).filter((d) => relative(f.uri.fsPath, d) === folder))[0];
  }

  /** Opens the panel on the next search of this spec as soon as its journal appears. */
  follow(specPath: string): void {
    this.following = resolve(specPath);
  }

  private newest(): string | undefined {
    return (this.o.api.workspace.workspaceFolders ?? []).flatMap((f) => searchDirs(f.uri.fsPath)).sort((a, b) => b.localeCompare(a))[0];
  }

  private onJournal(file: string): void {
    const dir = dirname(file);
    if (this.following && dir !== this.dir && this.isFollowed(dir)) {
      this.following = undefined;
      this.show(dir);
      return;
    }
    if (dir === this.dir && this.conn && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.send();
      }, this.o.debounceMs ?? 150);
    }
  }

  /** Whether a search folder is a search of the spec followed. */
  private isFollowed(dir: string): boolean {
    try {
      return resolve(readJournal(dir).study.spec) === this.following;
    } catch {
      return false; // its first line is still being written: the next change tells
    }
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.conn?.dispose();
    this.conn = new PanelConnection<SearchFromWebview, SearchToWebview>(panel, {
      api: this.o.api,
      extensionUri: this.o.extensionUri,
      kind: 'search',
      log: this.o.log,
      validate: validateSearchFromWebview,
      onReady: () => this.send(),
      onMessage: (m) => void this.onMessage(m),
      // The connection disposes itself; forget it unless another panel replaced it.
      onClosed: () => {
        if (this.conn?.panel === panel) this.conn = undefined;
      },
    });
  }

  /** Re-reads the journal and sends the view (or why there is none). */
  private send(): void {
    const conn = this.conn;
    if (!conn?.isReady) return;
    if (!this.dir) {
      conn.post({ type: 'empty', message: 'No searches yet. Add a `search:` section to a spec and run it (the Run Search lens, or `modelyaml search <spec>`).' });
      return;
    }
    try {
      this.study = readJournal(this.dir).study;
    } catch (e) {
      this.study = undefined;
      conn.post({ type: 'empty', message: (e as Error).message });
      return;
    }
    const folder = this.o.api.workspace.getWorkspaceFolder?.(this.o.api.Uri.file(this.dir))?.uri.fsPath;
    const rel = (p: string) => (folder ? relative(folder, p) : p);
    conn.panel.title = `Search: ${this.study.name}`;
    conn.post({ type: 'search', view: searchPanelView(this.study, { spec: rel(this.study.spec), folder: rel(this.dir) }) });
  }

  /** A trial's run folder, when the journal knows the trial and its run. */
  private runDirOf(number: number): string | undefined {
    const t = this.study?.trials.find((x) => x.number === number);
    if (!t?.runDir || !this.dir) {
      this.o.log.warn(`search panel: trial ${number} has no run folder in ${this.dir ?? 'the search'}`);
      return undefined;
    }
    return resolve(this.dir, t.runDir);
  }

  private async onMessage(m: Exclude<SearchFromWebview, { type: 'ready' | 'log' }>): Promise<void> {
    switch (m.type) {
      case 'openTrial': {
        const dir = this.runDirOf(m.number);
        if (!dir) return;
        this.o.actions.curves([dir]);
        await this.o.actions.spec(dir);
        break;
      }
      case 'compareTrials':
        this.o.actions.curves(m.numbers.map((n) => this.runDirOf(n)).filter((d): d is string => !!d));
        break;
      case 'applyTrial':
        await this.applyTrial(m.number);
        break;
    }
  }

  /**
   * Writes a trial's values into the searched spec as one WorkspaceEdit over the span that
   * changes; the document is left unsaved and shown, and Undo restores it. True when it was edited.
   */
  async applyTrial(number: number): Promise<boolean> {
    const { api } = this.o;
    const study = this.study;
    const trial = study?.trials.find((t) => t.number === number);
    if (!study || !trial) return false;
    const doc = await api.workspace.openTextDocument(api.Uri.file(study.spec));
    const before = doc.getText();
    let after: string;
    try {
      after = applyTrialParams(before, trial.params);
    } catch (e) {
      const why = e instanceof UnknownParamPathError ? e.message : `the values could not be written (${(e as Error).message})`;
      void api.window.showErrorMessage(`ModelYAML: ${study.spec}: ${why}. The spec changed since the search; edit it by hand.`);
      return false;
    }
    const edit = spanEdit(before, after);
    if (!edit) {
      void api.window.showInformationMessage(`ModelYAML: ${relative(dirname(study.spec), study.spec)} already has trial ${number}'s values.`);
      return false;
    }
    const we = new api.WorkspaceEdit();
    we.replace(doc.uri, new api.Range(doc.positionAt(edit.range.start), doc.positionAt(edit.range.end)), edit.newText);
    const ok = await api.workspace.applyEdit(we);
    if (!ok) {
      void api.window.showErrorMessage(`ModelYAML: could not edit ${study.spec}.`);
      return false;
    }
    await api.window.showTextDocument(doc, { preview: false });
    return true;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.conn?.panel.dispose();
    this.conn?.dispose();
  }
}

/** The newest search folder of a spec's search of that name (the Runs view's search node). */
function newestSearchOf(dirs: readonly string[], spec: string, name: string): string | undefined {
  return dirs.find((d) => {
    try {
      const { study } = readJournal(d);
      return study.name === name && resolve(study.spec) === resolve(spec);
    } catch {
      return false;
    }
  });
}

/**
 * "ModelYAML: Show Search…": a search folder (`{ searchDir }` or a path), a search node of the Runs
 * view (its newest search), or, from the palette, a pick of every search, newest first.
 */
export async function showSearchCommand(api: VscodeApi, panel: SearchPanel, arg?: unknown): Promise<void> {
  const given = typeof arg === 'string' ? arg : (arg as { searchDir?: unknown } | undefined)?.searchDir;
  if (typeof given === 'string') return panel.show(given);
  const dirs = (api.workspace.workspaceFolders ?? []).flatMap((f) => searchDirs(f.uri.fsPath).map((d) => ({ d, root: f.uri.fsPath })));
  const node = arg as { kind?: unknown; group?: { spec?: unknown; search?: unknown } } | undefined;
  if (node?.kind === 'search' && typeof node.group?.spec === 'string' && typeof node.group.search === 'string') {
    const dir = newestSearchOf(dirs.map((x) => x.d), node.group.spec, node.group.search);
    if (dir) return panel.show(dir);
    void api.window.showInformationMessage(`ModelYAML: no journal of the search ${node.group.search} is left in .modelyaml/searches.`);
    return;
  }
  if (dirs.length <= 1) return panel.show(dirs[0]?.d);
  const pick = await api.window.showQuickPick(
    dirs.map(({ d, root }) => ({ label: `${relative(root, dirname(d)).split(/[\\/]/).pop()}`, description: d.split(/[\\/]/).pop(), detail: relative(root, d), dir: d })),
    { title: 'Show Search', placeHolder: 'Which search to show', matchOnDescription: true },
  );
  if (pick) panel.show(pick.dir);
}
