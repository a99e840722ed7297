/**
 * The handshake and what the client tells the server afterwards: capabilities and initialization
 * options, settings (pulled with `workspace/configuration` where the client supports it, else
 * pushed), watched data files, and the editor theme for formula images.
 */
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  WatchKind,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
  type TextDocumentClientCapabilities,
} from 'vscode-languageserver/node';
import { isThemeParams, themeNotification, type InitializationOptions, type ServerSettings } from '../../src/core/protocol/lsp';
import { semanticTokensLegend } from '../service';
import { VERSION } from '../../src/core/version';
import type { ServerContext } from './context';

/** The workspace folders of `initialize` as paths (`file:` URIs only). */
function folderPaths(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  const paths: string[] = [];
  for (const uri of uris) {
    try {
      if (uri.startsWith('file:')) paths.push(fileURLToPath(uri));
    } catch {
      // not a path: no data is read through it
    }
  }
  if (!uris.length && params.rootPath) paths.push(params.rootPath);
  return paths;
}


function serverCapabilities(td: TextDocumentClientCapabilities): ServerCapabilities {
  return {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    hoverProvider: true,
    completionProvider: { triggerCharacters: [' ', ':', '-', '[', '{', ','], resolveProvider: false },
    inlayHintProvider: { resolveProvider: false },
    documentSymbolProvider: { label: 'ModelYAML' },
    foldingRangeProvider: true,
    selectionRangeProvider: true,
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    definitionProvider: true,
    referencesProvider: true,
    renameProvider: td.rename?.prepareSupport ? { prepareProvider: true } : true,
    documentLinkProvider: { resolveProvider: false },
    semanticTokensProvider: { legend: semanticTokensLegend, full: true, range: true },
    documentFormattingProvider: true,
    documentRangeFormattingProvider: true,
    // Data is read only inside the workspace folders: follow them as they are added and removed.
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
}

/** Settings: pulled with `workspace/configuration` where the client supports it, else as pushed. */
function settingsOf(ctx: ServerContext): { apply(s: ServerSettings | undefined | null): void; pull(): Promise<void> } {
  const { connection, pool, client } = ctx;
  const apply = (s: ServerSettings | undefined | null): void => {
    if (!s || typeof s !== 'object') return;
    const enabled = s.inlayHints?.enabled;
    if (typeof enabled === 'boolean' && enabled !== pool.settings.inlayHints.enabled) {
      pool.configure({ inlayHints: { enabled } });
      if (client.inlayRefreshSupport) connection.languages.inlayHint.refresh().catch(() => undefined);
    }
  };
  const pull = async (): Promise<void> => {
    if (!client.configurationSupport) return;
    try {
      const [s] = await connection.workspace.getConfiguration([{ section: 'modelyaml' }]);
      apply(s as ServerSettings);
    } catch {
      // the client may not answer; settings stay as they are
    }
  };
  return { apply, pull };
}

export function registerLifecycle(ctx: ServerContext): void {
  const { connection, pool, client } = ctx;
  const { apply: applySettings, pull: pullSettings } = settingsOf(ctx);

  function readInitializationOptions(raw: unknown): void {
    const init = (raw ?? {}) as InitializationOptions;
    if (typeof init !== 'object') return pool.setClientFeatures({ formulaImages: false });
    // Images only where the client says it shows them: elsewhere they are ~30 KB of base64 text.
    pool.setClientFeatures({ formulaImages: init.formulaImages === true });
    pool.configure({
      formulaColor: typeof init.formulaColor === 'string' ? init.formulaColor : undefined,
      fontSize: typeof init.fontSize === 'number' ? init.fontSize : undefined,
      highContrast: init.highContrast === true,
    });
    applySettings(init.settings);
    if (init.inlayHints) applySettings({ inlayHints: init.inlayHints });
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    client.capabilities = params.capabilities ?? {};
    const td = client.capabilities.textDocument ?? {};
    client.configurationSupport = !!client.capabilities.workspace?.configuration;
    client.inlayRefreshSupport = !!client.capabilities.workspace?.inlayHint?.refreshSupport;
    const has = (formats: string[] | undefined) => (formats ? formats.includes('markdown') : true);
    pool.setClientFeatures({
      snippets: !!td.completion?.completionItem?.snippetSupport,
      completionMarkdown: has(td.completion?.completionItem?.documentationFormat),
      hoverMarkdown: has(td.hover?.contentFormat),
      relatedInformation: !!td.publishDiagnostics?.relatedInformation,
      hierarchicalSymbols: !!td.documentSymbol?.hierarchicalDocumentSymbolSupport,
      diagnosticVersions: !!td.publishDiagnostics?.versionSupport,
    });
    readInitializationOptions(params.initializationOptions);
    ctx.workspaceFolders = folderPaths(params);
    return { capabilities: serverCapabilities(td), serverInfo: { name: 'modelyaml', version: VERSION } };
  });

  connection.onInitialized(() => {
    const workspace = client.capabilities.workspace;
    if (client.configurationSupport) {
      if (workspace?.didChangeConfiguration?.dynamicRegistration) {
        connection.client.register(DidChangeConfigurationNotification.type, { section: 'modelyaml' }).catch(() => undefined);
      }
      void pullSettings();
    }
    if (workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      // Data files the checks read: created or deleted anywhere; CSV/JSONL headers when they change.
      const watchers = [
        { globPattern: '**/*', kind: WatchKind.Create | WatchKind.Delete },
        { globPattern: '**/*.{csv,jsonl}', kind: WatchKind.Change },
      ];
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers }).catch(() => undefined);
    }
    if (workspace?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const paths = (folders: { uri: string }[]) => folderPaths({ workspaceFolders: folders } as InitializeParams);
        const removed = new Set(paths(e.removed));
        ctx.workspaceFolders = [...ctx.workspaceFolders.filter((f) => !removed.has(f)), ...paths(e.added)];
        ctx.recheckAll();
      });
    }
    ctx.pool.prestart();
  });

  connection.onDidChangeConfiguration((p) => {
    if (client.configurationSupport) void pullSettings();
    else applySettings((p?.settings as { modelyaml?: ServerSettings } | undefined)?.modelyaml);
  });

  connection.onNotification(themeNotification, (p) => {
    if (!isThemeParams(p)) return;
    pool.configure({ formulaColor: p.color, fontSize: p.fontSize, highContrast: p.highContrast === true });
  });
}
