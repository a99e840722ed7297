/**
 * The ModelYAML language service, in the style of vscode-json-languageservice: one factory, one
 * module per feature, each a function from a `TextDocument` (+ position or params) to plain LSP
 * data. It never sees a connection; the server (`server/server.ts`) only fetches documents and
 * calls it. Every function answers any input, broken or not, without throwing: a bug in a feature
 * is reported to `onError` and answered with an empty result.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type {
  CodeAction,
  CodeActionContext,
  CompletionList,
  Diagnostic,
  DocumentLink,
  DocumentSymbol,
  FoldingRange,
  FormattingOptions,
  Hover,
  InlayHint,
  Location,
  Position,
  Range,
  SelectionRange,
  SemanticTokens,
  SymbolInformation,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-types';
import type { DataHost } from '../../src/core/catalog/types';
import { architectureView, type ArchitectureView } from '../../src/core/graph';
import { getCodeActions } from './codeActions';
import { doComplete } from './completion';
import { AnalysisCache, type DocContext } from './document';
import { formatDocument, formatRange } from './formatting';
import { doHover } from './hover';
import { getInlayHints } from './inlayHints';
import { doRename, getDefinition, getDocumentLinks, getReferences, prepareRename, RenameError } from './navigation';
import { getSemanticTokens, semanticTokensLegend } from './semanticTokens';
import { getDocumentSymbols, getFoldingRanges, getSelectionRanges, toSymbolInformation } from './structure';
import { defaultClientFeatures, defaultSettings, type ClientFeatures, type LanguageSettings, type ServiceEnv } from './types';
import { doValidation } from './validation';

export type { ClientFeatures, LanguageSettings } from './types';
export { semanticTokensLegend, RenameError };

export interface LanguageServiceOptions {
  /** File answers for the data checks of the spec at `uri` (the CLI's and server's `fileDataHost`). */
  host?: (uri: string) => DataHost | undefined;
  settings?: Partial<LanguageSettings>;
  client?: Partial<ClientFeatures>;
  /** Called when a feature throws (it then answers with an empty result). */
  onError?: (feature: string, error: unknown) => void;
}

export interface LanguageService {
  configure(settings: Partial<LanguageSettings>): void;
  setClientFeatures(features: Partial<ClientFeatures>): void;
  readonly settings: Readonly<LanguageSettings>;
  /** The (cached) analysis of a document version. */
  analyze(document: TextDocument): DocContext;
  /** Drops a closed document's cached analysis. */
  forget(uri: string): void;
  /** Drops every cached analysis (e.g. after data files changed). */
  reset(): void;

  doValidation(document: TextDocument): Diagnostic[];
  doHover(document: TextDocument, position: Position): Hover | null;
  doComplete(document: TextDocument, position: Position): CompletionList;
  getInlayHints(document: TextDocument, range?: Range): InlayHint[];
  getDocumentSymbols(document: TextDocument): DocumentSymbol[];
  getSymbolInformation(document: TextDocument): SymbolInformation[];
  getFoldingRanges(document: TextDocument, context?: { rangeLimit?: number }): FoldingRange[];
  getSelectionRanges(document: TextDocument, positions: Position[]): SelectionRange[];
  getCodeActions(document: TextDocument, range: Range, context?: CodeActionContext): CodeAction[];
  getDefinition(document: TextDocument, position: Position): Location[];
  getReferences(document: TextDocument, position: Position, context?: { includeDeclaration: boolean }): Location[];
  prepareRename(document: TextDocument, position: Position): { range: Range; placeholder: string } | null;
  /** Throws `RenameError` for an invalid new name (the server answers it as an error). */
  doRename(document: TextDocument, position: Position, newName: string): WorkspaceEdit | null;
  getDocumentLinks(document: TextDocument): DocumentLink[];
  getSemanticTokens(document: TextDocument, range?: Range): SemanticTokens;
  /** The architecture graph and its Mermaid text, for the VS Code panel (`modelyaml/graph`). */
  getGraph(document: TextDocument): ArchitectureView;
  /** Edits laying the document out again (none when it has YAML errors). */
  format(document: TextDocument, options: FormattingOptions, range?: Range): TextEdit[];
}

export function createLanguageService(options: LanguageServiceOptions = {}): LanguageService {
  const env: ServiceEnv = {
    settings: { ...defaultSettings(), ...options.settings, inlayHints: { ...defaultSettings().inlayHints, ...options.settings?.inlayHints } },
    client: { ...defaultClientFeatures(), ...options.client },
  };
  const cache = new AnalysisCache(options.host);

  /** Runs a feature; a throw is reported and answered with `empty`. */
  function guard<T>(feature: string, empty: () => T, run: () => T): T {
    try {
      return run();
    } catch (e) {
      if (e instanceof RenameError) throw e;
      try {
        options.onError?.(feature, e);
      } catch {
        // the reporter must not take the answer down either
      }
      return empty();
    }
  }
  const ctx = (d: TextDocument) => cache.get(d);
  const inside = (d: TextDocument, p: Position) => ctx(d).inside(p);

  return {
    configure(s) {
      if (s.inlayHints) env.settings.inlayHints = { ...env.settings.inlayHints, ...s.inlayHints };
      if ('formulaColor' in s) env.settings.formulaColor = s.formulaColor;
      if ('fontSize' in s) env.settings.fontSize = s.fontSize;
      if ('highContrast' in s) env.settings.highContrast = s.highContrast;
    },
    setClientFeatures(f) {
      Object.assign(env.client, f);
    },
    get settings() {
      return env.settings;
    },
    analyze: (d) => cache.get(d),
    forget: (uri) => cache.delete(uri),
    reset: () => cache.clear(),

    doValidation: (d) => guard('validation', () => [], () => doValidation(ctx(d), env)),
    doHover: (d, p) => guard('hover', () => null, () => (inside(d, p) ? doHover(ctx(d), p, env) : null)),
    doComplete: (d, p) => guard<CompletionList>('completion', () => ({ isIncomplete: false, items: [] }), () => (inside(d, p) ? doComplete(ctx(d), p, env) : { isIncomplete: false, items: [] })),
    getInlayHints: (d, r) => guard('inlayHint', () => [], () => getInlayHints(ctx(d), r, env)),
    getDocumentSymbols: (d) => guard('documentSymbol', () => [], () => getDocumentSymbols(ctx(d))),
    getSymbolInformation: (d) => guard('documentSymbol', () => [], () => toSymbolInformation(d.uri, getDocumentSymbols(ctx(d)))),
    getFoldingRanges: (d, c) => guard('foldingRange', () => [], () => getFoldingRanges(ctx(d), c?.rangeLimit)),
    getSelectionRanges: (d, ps) =>
      guard(
        'selectionRange',
        () => ps.map((p) => ({ range: { start: p, end: p } })),
        () => getSelectionRanges(ctx(d), ps),
      ),
    getCodeActions: (d, r, c) => guard('codeAction', () => [], () => getCodeActions(ctx(d), r, c, env)),
    getDefinition: (d, p) => guard('definition', () => [], () => (inside(d, p) ? getDefinition(ctx(d), p) : [])),
    getReferences: (d, p, c) => guard('references', () => [], () => (inside(d, p) ? getReferences(ctx(d), p, c?.includeDeclaration ?? true) : [])),
    prepareRename: (d, p) => guard('prepareRename', () => null, () => (inside(d, p) ? prepareRename(ctx(d), p) : null)),
    doRename: (d, p, n) => guard('rename', () => null, () => (inside(d, p) ? doRename(ctx(d), p, n) : null)),
    getDocumentLinks: (d) => guard('documentLink', () => [], () => getDocumentLinks(ctx(d))),
    getSemanticTokens: (d, r) => guard<SemanticTokens>('semanticTokens', () => ({ data: [] }), () => getSemanticTokens(ctx(d), r)),
    getGraph: (d) =>
      guard<ArchitectureView>('graph', () => ({ graph: { nodes: [], edges: [], totalParams: null }, mermaid: { TB: '', LR: '' }, errors: 0 }), () => architectureView(ctx(d).analysis)),
    format: (d, o, r) => guard('formatting', () => [], () => (r ? formatRange(ctx(d), r, o) : formatDocument(ctx(d), o))),
  };
}
