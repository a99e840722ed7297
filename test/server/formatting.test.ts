/**
 * Format Document and Format Selection through the real server: the `yaml` document API lays the
 * spec out again with the file's own indentation, keeping comments (and their alignment), blank
 * lines and the user's flow/block choices; documents with YAML errors are left alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextEdit } from 'vscode-languageserver-protocol';
import { parse, parseDocument } from 'yaml';
import { doc, examplesDir, service } from './helpers';
import { startLsp, type LspClient } from './lspClient';
import { open, serverJs, start } from './serverProcess';

const MESSY = [
  '# A messy spec',
  'version: 1',
  'data:',
  '  source:',
  '    csv: {path: a.csv,  features: [x], label: y}',
  'model:',
  '  input: [4]          # features',
  '  layers:',
  '  - dense: {units: 8,   activation: relu}   # hidden',
  '  -    dropout: 0.1',
  '',
  '',
  '  - dense:',
  '        units: 1',
  'train:',
  '    loss: mean_squared_error',
  '    metrics: [ mean_absolute_error ]',
  '    epochs:   3',
  '',
].join('\n');

const TIDY = [
  '# A messy spec',
  'version: 1',
  'data:',
  '  source:',
  '    csv: {path: a.csv, features: [x], label: y}',
  'model:',
  '  input: [4]          # features',
  '  layers:',
  '  - dense: {units: 8, activation: relu}     # hidden', // aligned comments keep their column
  '  - dropout: 0.1',
  '',
  '  - dense:',
  '      units: 1',
  'train:',
  '  loss: mean_squared_error',
  '  metrics: [mean_absolute_error]',
  '  epochs: 3',
  '',
].join('\n');

let c: LspClient;
let version = 0;
beforeAll(async () => {
  c = await start();
});
afterAll(async () => {
  expect(c.stderr()).toBe('');
  await c.stop();
});

const options = { tabSize: 4, insertSpaces: true };

async function format(text: string, range?: { start: { line: number; character: number }; end: { line: number; character: number } }, name = `fmt-${++version}.model.yaml`): Promise<{ edits: TextEdit[]; result: string }> {
  const { uri, diags } = open(c, name, text);
  await diags;
  const edits = ((await c.connection.sendRequest(range ? 'textDocument/rangeFormatting' : 'textDocument/formatting', { textDocument: { uri }, options, ...(range ? { range } : {}) })) ?? []) as TextEdit[];
  return { edits, result: TextDocument.applyEdits(TextDocument.create(uri, 'modelyaml', 1, text), edits) };
}

describe('formatting', () => {
  it('never changes what a document means, and a second pass changes nothing (every example, re-indented)', () => {
    const ls = service();
    for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.model.yaml'))) {
      const original = readFileSync(join(examplesDir, file), 'utf8');
      for (const text of [original, original.replace(/^( +)/gm, '$1$1'), original.replace(/^( +)- /gm, '$1-   ').replace(/, /g, ',  ')]) {
        if (parseDocument(text).errors.length) {
          expect(ls.format(doc(text), options)).toEqual([]);
          continue;
        }
        const once = TextDocument.applyEdits(doc(text), ls.format(doc(text), options));
        expect(parse(once), file).toEqual(parse(text));
        expect(ls.format(doc(once), options), file).toEqual([]);
      }
    }
  });

  it('offers document and range formatting', async () => {
    const raw = startLsp('node', [serverJs, '--stdio']);
    const result = (await raw.connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} })) as { capabilities: Record<string, unknown> };
    expect(result.capabilities).toMatchObject({ documentFormattingProvider: true, documentRangeFormattingProvider: true });
    await raw.stop();
  });

  it('normalises messy indentation and spacing, keeping comments, blank lines and flow maps', async () => {
    const { result } = await format(MESSY);
    expect(result).toBe(TIDY);
    expect(parse(result)).toEqual(parse(MESSY));
  });

  it('is idempotent, and leaves the shipped examples as they are', async () => {
    expect((await format(TIDY)).edits).toEqual([]);
    for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.model.yaml'))) {
      const { diags, uri } = open(c, file);
      await diags;
      expect(await c.connection.sendRequest('textDocument/formatting', { textDocument: { uri }, options }), file).toEqual([]);
    }
  });

  it('keeps block mappings block and four-space files four-space', async () => {
    const text = 'model:\n    input: [4]\n    layers:\n        -   dense:\n                units: 3\n                activation: relu\n';
    const { result } = await format(text);
    expect(result).toBe('model:\n    input: [4]\n    layers:\n        - dense:\n              units: 3\n              activation: relu\n');
  });

  it('formats only the sections a range touches', async () => {
    const line = MESSY.split('\n').indexOf('    loss: mean_squared_error');
    const { result } = await format(MESSY, { start: { line, character: 0 }, end: { line, character: 5 } });
    const lines = result.split('\n');
    expect(lines.slice(lines.indexOf('train:'))).toEqual(TIDY.split('\n').slice(TIDY.split('\n').indexOf('train:')));
    expect(result.slice(0, result.indexOf('train:'))).toBe(MESSY.slice(0, MESSY.indexOf('train:')));
  });

  it('keeps CRLF line ends', async () => {
    const { result } = await format(MESSY.replace(/\n/g, '\r\n'));
    expect(result).toBe(TIDY.replace(/\n/g, '\r\n'));
  });

  it('leaves documents with YAML errors alone', async () => {
    expect((await format('model:\n  input: [4\n  layers:\n     - dense: {units: 3\n')).edits).toEqual([]);
    expect((await format('a: 1\n---\nb: 2\n')).edits).toEqual([]);
  });
});
