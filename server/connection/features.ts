/** The requests the server answers: each fetches the document and asks the language service. */
import { ErrorCodes, ResponseError, type CompletionList } from 'vscode-languageserver/node';
import { graphRequest, isGraphParams } from '../../src/core/protocol/lsp';
import { RenameError } from '../service';
import { guarded, onDocument, type ServerContext } from './context';

export function registerFeatures(ctx: ServerContext): void {
  const { connection, service, client } = ctx;
  const noCompletions: CompletionList = { isIncomplete: false, items: [] };
  connection.onHover(onDocument(ctx, 'hover', null, (d, p) => service.doHover(d, p.position)));
  connection.onCompletion(onDocument(ctx, 'completion', noCompletions, (d, p) => service.doComplete(d, p.position)));
  connection.languages.inlayHint.on(onDocument(ctx, 'inlayHint', [], (d, p) => service.getInlayHints(d, p.range)));
  connection.onDocumentSymbol(
    onDocument(ctx, 'documentSymbol', [], (d) =>
      client.capabilities.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport ? service.getDocumentSymbols(d) : service.getSymbolInformation(d),
    ),
  );
  connection.onFoldingRanges(onDocument(ctx, 'foldingRange', [], (d) => service.getFoldingRanges(d, { rangeLimit: client.capabilities.textDocument?.foldingRange?.rangeLimit })));
  connection.onSelectionRanges(onDocument(ctx, 'selectionRange', [], (d, p) => service.getSelectionRanges(d, p.positions ?? [])));
  connection.onCodeAction(onDocument(ctx, 'codeAction', [], (d, p) => service.getCodeActions(d, p.range, p.context)));
  connection.onDefinition(onDocument(ctx, 'definition', [], (d, p) => service.getDefinition(d, p.position)));
  connection.onReferences(onDocument(ctx, 'references', [], (d, p) => service.getReferences(d, p.position, p.context)));
  connection.onPrepareRename(onDocument(ctx, 'prepareRename', null, (d, p) => service.prepareRename(d, p.position)));
  connection.onRenameRequest(
    onDocument(ctx, 'rename', null, (d, p) => {
      try {
        return service.doRename(d, p.position, p.newName);
      } catch (e) {
        if (e instanceof RenameError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
        throw e;
      }
    }),
  );
  connection.onDocumentLinks(onDocument(ctx, 'documentLink', [], (d) => service.getDocumentLinks(d)));
  connection.languages.semanticTokens.on(onDocument(ctx, 'semanticTokens', { data: [] }, (d) => service.getSemanticTokens(d)));
  connection.languages.semanticTokens.onRange(onDocument(ctx, 'semanticTokens', { data: [] }, (d, p) => service.getSemanticTokens(d, p.range)));
  connection.onDocumentFormatting(onDocument(ctx, 'formatting', [], (d, p) => service.format(d, p.options)));
  connection.onDocumentRangeFormatting(onDocument(ctx, 'rangeFormatting', [], (d, p) => service.format(d, p.options, p.range)));
  connection.onRequest(
    graphRequest,
    guarded(ctx, 'graph', null, (p) => {
      if (!isGraphParams(p)) throw new ResponseError(ErrorCodes.InvalidParams, 'modelyaml/graph needs { uri: string }');
      const d = ctx.documents.get(p.uri);
      return d ? { uri: d.uri, version: d.version, ...service.getGraph(d) } : null;
    }),
  );
}
