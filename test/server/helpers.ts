/** Test helpers: caret fixtures (`|` marks the cursor) and a language service over them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionItem, Position } from 'vscode-languageserver-types';
import { createLanguageService, type LanguageService, type LanguageServiceOptions } from '../../server/service';
import type { DataHost } from '../../src/core/catalog/types';
import { fileDataHost } from '../../src/node/dataHost';

export const root = join(__dirname, '..', '..');
export const examplesDir = join(root, 'examples');

let version = 0;

export function doc(text: string, uri = 'file:///work/spec.model.yaml'): TextDocument {
  return TextDocument.create(uri, 'modelyaml', ++version, text);
}

/** A document from a fixture with one caret marker (default `|`), and the caret's position. */
export function caret(src: string, marker = '|'): { document: TextDocument; position: Position; offset: number } {
  const offset = src.indexOf(marker);
  if (offset < 0 || src.indexOf(marker, offset + 1) >= 0) throw new Error(`fixture needs exactly one ${marker}`);
  const text = src.slice(0, offset) + src.slice(offset + marker.length);
  const document = doc(text);
  return { document, position: document.positionAt(offset), offset };
}

/** Errors the services reported (a feature threw and answered empty); any fails the test. */
export const serviceErrors: string[] = [];

afterEach(() => {
  if (serviceErrors.length) throw new Error(`a language-service feature threw:\n${serviceErrors.splice(0).join('\n')}`);
});

export function service(options: LanguageServiceOptions = {}): LanguageService {
  return createLanguageService({
    ...options,
    onError: (feature, e) => {
      serviceErrors.push(`${feature}: ${(e as Error)?.stack ?? e}`);
    },
  });
}

/**
 * The data host the language server gives a document under examples/ (its files, folders and
 * headers read from disk), for checks that need what a referenced file holds: the `bert` layer's
 * output shape comes from its folder's config.json.
 */
export function examplesHost(uri: string): DataHost | undefined {
  return uri.startsWith(`${pathToFileURL(examplesDir).href}/`) ? fileDataHost(examplesDir) : undefined;
}

export function example(name: string): TextDocument {
  const path = join(examplesDir, name);
  return TextDocument.create(`file://${path}`, 'modelyaml', ++version, readFileSync(path, 'utf8'));
}

export function labels(items: CompletionItem[]): string[] {
  return items.map((i) => i.label);
}

/** Applies a completion item's text edit to a document's text (snippet syntax removed). */
export function applyCompletion(document: TextDocument, item: CompletionItem): string {
  const edit = item.textEdit as { range: { start: Position; end: Position }; newText: string };
  const text = document.getText();
  const s = document.offsetAt(edit.range.start);
  const e = document.offsetAt(edit.range.end);
  const plain = edit.newText
    .replace(/\$\{\d+\|([^,|}]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\{\d+\}|\$\d+/g, '');
  return text.slice(0, s) + plain + text.slice(e);
}
