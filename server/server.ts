/**
 * The language server: a thin LSP adapter over the language service (`server/service/`). Handlers
 * only fetch the document and call the service; everything is guarded so a failing handler
 * answers with an empty result and logs, and the server keeps answering.
 *
 * Validation is scheduled per document with a leading edge: a change is checked on the next turn
 * of the event loop (so changes already queued are applied first), and while a check is scheduled
 * further changes only move the document on — the scheduled check reads the newest text when it
 * runs, so a burst of changes costs one check, and no check is ever postponed by later typing.
 * Checking right away costs nothing extra for completion and hover: they need the analysis of the
 * new version anyway, and the check leaves it in the cache. Only on pathological documents, whose
 * analysis takes more than a second, consecutive checks keep a gap of half the last one's
 * duration, so continuous typing does not pin a core. Diagnostics carry the version
 * they were computed for and are only published while that version is current, so a stale result
 * never replaces a newer one.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  WatchKind,
  ProposedFeatures,
  ResponseError,
  ErrorCodes,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import type { DataHost } from '../src/core/catalog/types';
import { graphRequest, isGraphParams, isThemeParams, themeNotification, type InitializationOptions, type ServerSettings } from '../src/core/protocol/lsp';
import { fileDataHost } from '../src/node/dataHost';
import { warmFormulas } from './service/markdown';
import { createLanguageService, RenameError, semanticTokensLegend, type LanguageService } from './service';

export interface ServerOptions {
  /** File answers for a spec (default: the file system next to `file:` specs). */
  host?: (uri: string) => DataHost | undefined;
  /** Warm the formula renderer when idle (default true). */
  warmup?: boolean;
}

function defaultHost(uri: string): DataHost | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileDataHost(dirname(fileURLToPath(uri)));
  } catch {
    return undefined;
  }
}

const VERSION = process.env.MODELYAML_VERSION ?? '0.1.0';
/** `MODELYAML_TRACE=1`: log each check's duration to stderr. */
const TRACE = !!process.env.MODELYAML_TRACE;

export function startServer(connection: Connection = createConnection(ProposedFeatures.all), options: ServerOptions = {}): Connection {
  const documents = new TextDocuments(TextDocument);
  const log = (m: string) => {
    try {
      connection.console.error(m);
    } catch {
      // no console (connection closing)
    }
  };
  const service: LanguageService = createLanguageService({
    host: options.host ?? defaultHost,
    onError: (feature, e) => log(`modelyaml: ${feature} failed: ${(e as Error)?.stack ?? e}`),
  });

  let capabilities: ClientCapabilities = {};
  let configurationSupport = false;
  let inlayRefreshSupport = false;
  let lastActivity = Date.now();
  const touch = () => (lastActivity = Date.now());

  /** Wraps a request handler: never throws, answers `empty` on failure. */
  function handle<P, R>(name: string, empty: R, run: (params: P) => R): (params: P) => R {
    return (params: P) => {
      touch();
      try {
        return run(params);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        log(`modelyaml: ${name} failed: ${(e as Error)?.stack ?? e}`);
        return empty;
      }
    };
  }

  const doc = (p: { textDocument?: { uri?: string } } | undefined) => (p?.textDocument?.uri ? documents.get(p.textDocument.uri) : undefined);

  // ------------------------------------------------------------------------------------------
  // Settings

  function applySettings(s: ServerSettings | undefined | null): void {
    if (!s || typeof s !== 'object') return;
    const enabled = s.inlayHints?.enabled;
    if (typeof enabled === 'boolean' && enabled !== service.settings.inlayHints.enabled) {
      service.configure({ inlayHints: { enabled } });
      if (inlayRefreshSupport) connection.languages.inlayHint.refresh().catch(() => undefined);
    }
  }

  async function pullSettings(): Promise<void> {
    if (!configurationSupport) return;
    try {
      const [s] = await connection.workspace.getConfiguration([{ section: 'modelyaml' }]);
      applySettings(s as ServerSettings);
    } catch {
      // the client may not answer; settings stay as they are
    }
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    touch();
    capabilities = params.capabilities ?? {};
    const td = capabilities.textDocument ?? {};
    configurationSupport = !!capabilities.workspace?.configuration;
    inlayRefreshSupport = !!capabilities.workspace?.inlayHint?.refreshSupport;
    const has = (formats: string[] | undefined) => (formats ? formats.includes('markdown') : true);
    service.setClientFeatures({
      snippets: !!td.completion?.completionItem?.snippetSupport,
      completionMarkdown: has(td.completion?.completionItem?.documentationFormat),
      hoverMarkdown: has(td.hover?.contentFormat),
      relatedInformation: !!td.publishDiagnostics?.relatedInformation,
      hierarchicalSymbols: !!td.documentSymbol?.hierarchicalDocumentSymbolSupport,
      diagnosticVersions: !!td.publishDiagnostics?.versionSupport,
    });
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    if (init && typeof init === 'object') {
      // Images only where the client says it shows them: elsewhere they are ~30 KB of base64 text.
      service.setClientFeatures({ formulaImages: init.formulaImages === true });
      service.configure({
        formulaColor: typeof init.formulaColor === 'string' ? init.formulaColor : undefined,
        fontSize: typeof init.fontSize === 'number' ? init.fontSize : undefined,
        highContrast: init.highContrast === true,
      });
      applySettings(init.settings);
      if (init.inlayHints) applySettings({ inlayHints: init.inlayHints });
    } else service.setClientFeatures({ formulaImages: false });
    return {
      capabilities: {
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
      },
      serverInfo: { name: 'modelyaml', version: VERSION },
    };
  });

  connection.onInitialized(() => {
    touch();
    if (configurationSupport) {
      if (capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
        connection.client.register(DidChangeConfigurationNotification.type, { section: 'modelyaml' }).catch(() => undefined);
      }
      void pullSettings();
    }
    if (capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      // Data files the checks read: created or deleted anywhere; CSV/JSONL headers when they change.
      connection.client
        .register(DidChangeWatchedFilesNotification.type, {
          watchers: [
            { globPattern: '**/*', kind: WatchKind.Create | WatchKind.Delete },
            { globPattern: '**/*.{csv,jsonl}', kind: WatchKind.Change },
          ],
        })
        .catch(() => undefined);
    }
    if (options.warmup !== false) scheduleWarmup();
  });

  connection.onDidChangeConfiguration((p) => {
    touch();
    if (configurationSupport) void pullSettings();
    else applySettings((p?.settings as { modelyaml?: ServerSettings } | undefined)?.modelyaml);
  });

  connection.onNotification(themeNotification, (p) => {
    touch();
    if (!isThemeParams(p)) return;
    service.configure({ formulaColor: p.color, fontSize: p.fontSize, highContrast: p.highContrast === true });
    if (options.warmup !== false) scheduleWarmup();
  });

  // ------------------------------------------------------------------------------------------
  // Validation

  const pending = new Map<string, NodeJS.Immediate | NodeJS.Timeout>();
  const cancel = (p: NodeJS.Immediate | NodeJS.Timeout) => {
    clearTimeout(p as NodeJS.Timeout);
    clearImmediate(p as NodeJS.Immediate);
  };
  const lastEnd = new Map<string, number>();
  const lastCost = new Map<string, number>();

  function validate(uri: string): void {
    pending.delete(uri);
    const document = documents.get(uri);
    if (!document) return;
    const t0 = performance.now();
    const version = document.version;
    const diagnostics = service.doValidation(document);
    const cost = service.analyze(document).cost;
    lastCost.set(uri, cost);
    lastEnd.set(uri, performance.now());
    // Publish only while the version is current; a newer one has its own check scheduled.
    if (documents.get(uri)?.version !== version) return;
    connection.sendDiagnostics({ uri, version, diagnostics }).catch(() => undefined);
    if (TRACE) process.stderr.write(`modelyaml: checked ${uri}@${version} in ${cost.toFixed(1)} ms (analysis), ${(performance.now() - t0).toFixed(1)} ms in all\n`);
    if (performance.now() - t0 > 2000) log(`modelyaml: checking ${uri} took ${Math.round(performance.now() - t0)} ms`);
  }

  function schedule(uri: string): void {
    touch();
    if (pending.has(uri)) return; // the scheduled check will read the newest text
    const cost = lastCost.get(uri) ?? 0;
    const gap = cost > 1000 ? Math.min(cost, 4000) / 2 : 0;
    const wait = Math.max(0, (lastEnd.get(uri) ?? 0) + gap - performance.now());
    const run = () => {
      try {
        validate(uri);
      } catch (e) {
        pending.delete(uri);
        log(`modelyaml: validation failed: ${(e as Error)?.stack ?? e}`);
      }
    };
    pending.set(uri, wait > 0 ? setTimeout(run, wait) : setImmediate(run));
  }

  documents.onDidOpen((e) => schedule(e.document.uri));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    const p = pending.get(uri);
    if (p) cancel(p);
    pending.delete(uri);
    lastEnd.delete(uri);
    lastCost.delete(uri);
    service.forget(uri);
    connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
  });

  // A data file appeared, changed or went away: file checks may answer differently now. Events
  // come in bursts (a checkout, an unzip): one re-check after the burst.
  let filesChanged: NodeJS.Timeout | undefined;
  connection.onDidChangeWatchedFiles(() => {
    if (filesChanged) clearTimeout(filesChanged);
    filesChanged = setTimeout(() => {
      filesChanged = undefined;
      service.reset();
      for (const d of documents.all()) schedule(d.uri);
    }, 100);
  });

  // ------------------------------------------------------------------------------------------
  // Features

  connection.onHover(handle('hover', null, (p) => {
    const d = doc(p);
    return d ? service.doHover(d, p.position) : null;
  }));
  connection.onCompletion(handle('completion', { isIncomplete: false, items: [] }, (p) => {
    const d = doc(p);
    return d ? service.doComplete(d, p.position) : { isIncomplete: false, items: [] };
  }));
  connection.languages.inlayHint.on(handle('inlayHint', [], (p) => {
    const d = doc(p);
    return d ? service.getInlayHints(d, p.range) : [];
  }));
  connection.onDocumentSymbol(handle('documentSymbol', [], (p) => {
    const d = doc(p);
    if (!d) return [];
    return capabilities.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport ? service.getDocumentSymbols(d) : service.getSymbolInformation(d);
  }));
  connection.onFoldingRanges(handle('foldingRange', [], (p) => {
    const d = doc(p);
    return d ? service.getFoldingRanges(d, { rangeLimit: capabilities.textDocument?.foldingRange?.rangeLimit }) : [];
  }));
  connection.onSelectionRanges(handle('selectionRange', [], (p) => {
    const d = doc(p);
    return d ? service.getSelectionRanges(d, p.positions ?? []) : [];
  }));
  connection.onCodeAction(handle('codeAction', [], (p) => {
    const d = doc(p);
    return d ? service.getCodeActions(d, p.range, p.context) : [];
  }));
  connection.onDefinition(handle('definition', [], (p) => {
    const d = doc(p);
    return d ? service.getDefinition(d, p.position) : [];
  }));
  connection.onReferences(handle('references', [], (p) => {
    const d = doc(p);
    return d ? service.getReferences(d, p.position, p.context) : [];
  }));
  connection.onPrepareRename(handle('prepareRename', null, (p) => {
    const d = doc(p);
    return d ? service.prepareRename(d, p.position) : null;
  }));
  connection.onRenameRequest(handle('rename', null, (p) => {
    const d = doc(p);
    if (!d) return null;
    try {
      return service.doRename(d, p.position, p.newName);
    } catch (e) {
      if (e instanceof RenameError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
      throw e;
    }
  }));
  connection.onDocumentLinks(handle('documentLink', [], (p) => {
    const d = doc(p);
    return d ? service.getDocumentLinks(d) : [];
  }));
  connection.languages.semanticTokens.on(handle('semanticTokens', { data: [] }, (p) => {
    const d = doc(p);
    return d ? service.getSemanticTokens(d) : { data: [] };
  }));
  connection.languages.semanticTokens.onRange(handle('semanticTokens', { data: [] }, (p) => {
    const d = doc(p);
    return d ? service.getSemanticTokens(d, p.range) : { data: [] };
  }));

  connection.onDocumentFormatting(handle('formatting', [], (p) => {
    const d = doc(p);
    return d ? service.format(d, p.options) : [];
  }));
  connection.onDocumentRangeFormatting(handle('rangeFormatting', [], (p) => {
    const d = doc(p);
    return d ? service.format(d, p.options, p.range) : [];
  }));

  connection.onRequest(graphRequest, handle('graph', null, (p) => {
    if (!isGraphParams(p)) throw new ResponseError(ErrorCodes.InvalidParams, 'modelyaml/graph needs { uri: string }');
    const d = documents.get(p.uri);
    return d ? { uri: d.uri, version: d.version, ...service.getGraph(d) } : null;
  }));

  connection.onShutdown(() => {
    for (const p of pending.values()) cancel(p);
    pending.clear();
    if (filesChanged) clearTimeout(filesChanged);
    stopWarmup();
  });

  // ------------------------------------------------------------------------------------------
  // Formula warm-up: MathJax's first use costs a few hundred ms and each formula a few ms, so
  // they are rendered ahead of time while the server is idle — formulas of names the open
  // documents use first — and the first hover finds them in the cache.

  let warm: Iterator<void> | undefined;
  let warmTimer: NodeJS.Timeout | undefined;
  const IDLE_MS = 200;

  function scheduleWarmup(): void {
    warm = warmFormulas(service.settings, () => documents.all().map((d) => d.getText()));
    if (!warmTimer) warmTimer = setTimeout(warmTick, IDLE_MS);
  }
  function stopWarmup(): void {
    if (warmTimer) clearTimeout(warmTimer);
    warmTimer = undefined;
    warm = undefined;
  }
  function warmTick(): void {
    warmTimer = undefined;
    if (!warm) return;
    const idle = Date.now() - lastActivity;
    if (idle < IDLE_MS) {
      warmTimer = setTimeout(warmTick, IDLE_MS - idle);
      return;
    }
    try {
      // Short slices (a few formulas, ~10 ms), then back to the event loop: a request that
      // arrives meanwhile waits for at most one slice.
      const t0 = performance.now();
      do {
        if (warm.next().done) {
          warm = undefined;
          return;
        }
      } while (performance.now() - t0 < 10);
    } catch {
      warm = undefined;
      return;
    }
    warmTimer = setTimeout(warmTick, 0);
  }

  documents.listen(connection);
  connection.listen();
  return connection;
}
