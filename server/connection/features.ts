/** The requests the server answers: each fetches the document and asks its analysis worker (`analysisPool.ts`). */
import { ErrorCodes, ResponseError, type CompletionList, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver/node';
import { graphRequest, isGraphParams } from '../../src/core/protocol/lsp';
import { RenameError } from '../service';
import { guarded, onDocument, type ServerContext } from './context';

export function registerFeatures(ctx: ServerContext): void {
  const { connection, pool, client } = ctx;
  const noCompletions: CompletionList = { isIncomplete: false, items: [] };
  connection.onHover(onDocument(ctx, 'hover', null, (d, p) => pool.call(d, 'doHover', p.position)));
  connection.onCompletion(onDocument(ctx, 'completion', noCompletions, (d, p) => pool.call(d, 'doComplete', p.position)));
  connection.languages.inlayHint.on(onDocument(ctx, 'inlayHint', [], (d, p) => pool.call(d, 'getInlayHints', p.range)));
  connection.onDocumentSymbol(
    onDocument(ctx, 'documentSymbol', [], (d): Promise<DocumentSymbol[] | SymbolInformation[]> =>
      client.capabilities.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport ? pool.call(d, 'getDocumentSymbols') : pool.call(d, 'getSymbolInformation'),
    ),
  );
  connection.onFoldingRanges(onDocument(ctx, 'foldingRange', [], (d) => pool.call(d, 'getFoldingRanges', { rangeLimit: client.capabilities.textDocument?.foldingRange?.rangeLimit })));
  connection.onSelectionRanges(onDocument(ctx, 'selectionRange', [], (d, p) => pool.call(d, 'getSelectionRanges', p.positions ?? [])));
  connection.onCodeAction(onDocument(ctx, 'codeAction', [], (d, p) => pool.call(d, 'getCodeActions', p.range, p.context)));
  connection.onDefinition(onDocument(ctx, 'definition', [], (d, p) => pool.call(d, 'getDefinition', p.position)));
  connection.onReferences(onDocument(ctx, 'references', [], (d, p) => pool.call(d, 'getReferences', p.position, p.context)));
  connection.onPrepareRename(onDocument(ctx, 'prepareRename', null, (d, p) => pool.call(d, 'prepareRename', p.position)));
  connection.onRenameRequest(
    onDocument(ctx, 'rename', null, async (d, p) => {
      try {
        return await pool.call(d, 'doRename', p.position, p.newName);
      } catch (e) {
        if (e instanceof RenameError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
        throw e;
      }
    }),
  );
  connection.onDocumentLinks(onDocument(ctx, 'documentLink', [], (d) => pool.call(d, 'getDocumentLinks')));
  connection.languages.semanticTokens.on(onDocument(ctx, 'semanticTokens', { data: [] }, (d) => pool.call(d, 'getSemanticTokens')));
  connection.languages.semanticTokens.onRange(onDocument(ctx, 'semanticTokens', { data: [] }, (d, p) => pool.call(d, 'getSemanticTokens', p.range)));
  connection.onDocumentFormatting(onDocument(ctx, 'formatting', [], (d, p) => pool.call(d, 'format', p.options)));
  connection.onDocumentRangeFormatting(onDocument(ctx, 'rangeFormatting', [], (d, p) => pool.call(d, 'format', p.options, p.range)));
  connection.onRequest(
    graphRequest,
    guarded(ctx, 'graph', null, (p) => {
      if (!isGraphParams(p)) throw new ResponseError(ErrorCodes.InvalidParams, 'modelyaml/graph needs { uri: string }');
      const d = ctx.documents.get(p.uri);
      return d ? pool.call(d, 'getGraph').then((view) => ({ uri: d.uri, version: d.version, ...view })) : null;
    }),
  );
}
