import { describe, expect, it } from 'vitest';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { RenameError } from '../../server/service';
import { analyze } from '../../src/core/analyze';
import { caret, doc, example, service } from './helpers';

const ls = service();

const GRAPH = `model:
  input: [28, 28, 1]
  layers:
    - conv2d: { filters: 8, kernel_size: 3, padding: same }
      name: stem
    - conv2d: { filters: 8, kernel_size: 3, padding: same }
      name: branch
    - add:
      name: merged
      inputs: [stem, branch]
    - conv2d: { filters: 8, kernel_size: 1 }
      inputs: merged
  output: merged
`;

function at(d: TextDocument, needle: string, n = 0, delta = 1) {
  let i = -1;
  for (let k = 0; k <= n; k++) i = d.getText().indexOf(needle, i + 1);
  return d.positionAt(i + delta);
}
const slice = (d: TextDocument, r: { start: { line: number; character: number }; end: { line: number; character: number } }) =>
  d.getText().slice(d.offsetAt(r.start), d.offsetAt(r.end));

describe('definition and references', () => {
  it('goes from a reference in `inputs` to the layer that declares the name', () => {
    const d = doc(GRAPH);
    const [def] = ls.getDefinition(d, at(d, 'stem', 1));
    expect(def.uri).toBe(d.uri);
    expect(def.range.start).toEqual(at(d, 'stem', 0, 0));
    expect(slice(d, def.range)).toBe('stem');
  });

  it('goes from `inputs: merged` and `output: merged` to the declaration', () => {
    const d = doc(GRAPH);
    for (const n of [1, 2]) expect(ls.getDefinition(d, at(d, 'merged', n))[0].range.start).toEqual(at(d, 'merged', 0, 0));
  });

  it('finds every reference, with or without the declaration', () => {
    const d = doc(GRAPH);
    expect(ls.getReferences(d, at(d, 'merged', 0), { includeDeclaration: true }).length).toBe(3);
    expect(ls.getReferences(d, at(d, 'merged', 0), { includeDeclaration: false }).length).toBe(2);
  });

  it('finds nothing on other words', () => {
    const d = doc(GRAPH);
    expect(ls.getDefinition(d, at(d, 'conv2d'))).toEqual([]);
    expect(ls.getReferences(d, at(d, 'filters'), { includeDeclaration: true })).toEqual([]);
  });

  it('works on the residual example', () => {
    const d = example('residual-cnn.model.yaml');
    const refs = ls.getReferences(d, at(d, 'block_conv2]'), { includeDeclaration: true });
    expect(refs.map((r) => slice(d, r.range))).toEqual(['block_conv2', 'block_conv2']);
  });
});

describe('rename', () => {
  it('prepares on a name and renames the declaration and every reference', () => {
    const d = doc(GRAPH);
    expect(ls.prepareRename(d, at(d, 'stem', 1))).toEqual({ range: { start: at(d, 'stem', 1, 0), end: at(d, 'stem', 1, 4) }, placeholder: 'stem' });
    const edit = ls.doRename(d, at(d, 'stem', 1), 'trunk')!;
    const edits = edit.changes![d.uri];
    expect(edits.length).toBe(2);
    let text = d.getText();
    for (const e of [...edits].sort((a, b) => d.offsetAt(b.range.start) - d.offsetAt(a.range.start))) {
      text = text.slice(0, d.offsetAt(e.range.start)) + e.newText + text.slice(d.offsetAt(e.range.end));
    }
    expect(text).toContain('name: trunk');
    expect(text).toContain('inputs: [trunk, branch]');
    expect(analyze(text).diagnostics.filter((x) => x.code.startsWith('ref/'))).toEqual([]);
  });

  it('keeps quotes around quoted names', () => {
    const d = doc(GRAPH.replace('name: stem', 'name: "stem"'));
    const edits = ls.doRename(d, at(d, 'stem', 1), 'trunk')!.changes![d.uri];
    expect(edits.map((e) => slice(d, e.range))).toEqual(['stem', 'stem']);
  });

  it('refuses invalid names and places that are not names', () => {
    const d = doc(GRAPH);
    expect(() => ls.doRename(d, at(d, 'stem', 1), 'two words')).toThrow(RenameError);
    expect(ls.prepareRename(d, at(d, 'conv2d'))).toBeNull();
    expect(ls.doRename(d, at(d, 'conv2d'), 'x')).toBeNull();
    // A reference to a name nothing declares cannot be renamed.
    const dangling = doc(GRAPH.replace('inputs: merged', 'inputs: nowhere'));
    expect(ls.prepareRename(dangling, at(dangling, 'nowhere'))).toBeNull();
  });
});

describe('document links', () => {
  it('links data file paths relative to the spec', () => {
    const d = example('house-prices.model.yaml');
    const links = ls.getDocumentLinks(d);
    expect(links.length).toBe(1);
    expect(slice(d, links[0].range)).toBe('data/houses.csv');
    expect(links[0].target).toBe(new URL('data/houses.csv', d.uri).href);
  });

  it('links nothing for documents that are not files', () => {
    const { document } = caret('data:\n  source:\n    csv: { path: data/x.csv, label: y }|\n');
    const untitled = doc(document.getText(), 'untitled:Untitled-1');
    expect(ls.getDocumentLinks(untitled)).toEqual([]);
    expect(ls.getDocumentLinks(document).length).toBe(1);
  });
});
