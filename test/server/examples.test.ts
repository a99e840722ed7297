/** Every feature on every example spec. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { entries } from '../../src/core/catalog';
import { example, examplesDir, examplesHost, service } from './helpers';

// With the server's data host, as in the editor: `bert` reads its folder's config.json for its shape.
const ls = service({ host: examplesHost });
const files = readdirSync(examplesDir).filter((f) => f.endsWith('.model.yaml')).sort();

describe.each(files)('%s', (file) => {
  const d = example(file);
  const text = d.getText();
  const a = ls.analyze(d).analysis;

  it('has no errors', () => {
    expect(ls.doValidation(d).filter((x) => x.severity === DiagnosticSeverity.Error)).toEqual([]);
  });

  it('hovers every layer type with its shapes, and every catalog name', () => {
    for (const l of a.spec.model?.layers ?? []) {
      const h = ls.doHover(d, d.positionAt(l.typeRange.start + 1));
      const v = (h?.contents as { value: string } | undefined)?.value ?? '';
      expect(v, l.type).toContain(`**${l.type}**`);
      expect(v, l.type).toMatch(/output \(None/);
    }
    for (const item of [a.spec.train?.loss, a.spec.train?.optimizer, ...(a.spec.train?.metrics ?? []), a.spec.data?.source, ...(a.spec.data?.pipeline ?? [])]) {
      if (!item) continue;
      const v = (ls.doHover(d, d.positionAt(item.typeRange.start + 1))?.contents as { value: string } | undefined)?.value ?? '';
      expect(v, item.type).toContain(`**${item.type}**`);
      expect(v, item.type).toContain('data:image/svg+xml;base64,');
    }
  });

  it('shows an inlay hint for every layer and the total', () => {
    const hints = ls.getInlayHints(d);
    expect(hints.length).toBe((a.spec.model?.layers.length ?? 0) + 1);
    // The parameter count only where there are parameters.
    expect(hints.slice(1).every((h) => /^→ \(None(, \d+)*,?\)( · [1-9][\d,]* params?)?$/.test(String(h.label)))).toBe(true);
  });

  it('outlines the model with every layer', () => {
    const model = ls.getDocumentSymbols(d).find((s) => s.name === 'model')!;
    const layers = model.children!.find((s) => s.name === 'layers')!;
    expect(layers.children!.length).toBe(a.spec.model!.layers.length);
    expect(layers.children!.every((s) => s.detail?.startsWith('(None'))).toBe(true);
  });

  it('folds, selects, colours', () => {
    expect(ls.getFoldingRanges(d).length).toBeGreaterThan(2);
    expect(ls.getSemanticTokens(d).data.length).toBeGreaterThan(20 * 5);
    const [sel] = ls.getSelectionRanges(d, [d.positionAt(text.indexOf('layers:') + 2)]);
    expect(sel.parent).toBeDefined();
  });

  it('completes a new layer after the last one', () => {
    const last = a.spec.model!.layers[a.spec.model!.layers.length - 1];
    const lineEnd = text.indexOf('\n', last.range.end - 1);
    const indent = /^\s*/.exec(text.slice(text.lastIndexOf('\n', last.typeRange.start) + 1))![0];
    const edited = `${text.slice(0, lineEnd)}\n${indent}- ${text.slice(lineEnd)}`;
    const d2 = TextDocument.create(d.uri, 'modelyaml', d.version + 1, edited);
    const items = ls.doComplete(d2, d2.positionAt(lineEnd + 1 + indent.length + 2)).items.map((i) => i.label);
    expect(items).toEqual(entries('layer').map((e) => e.name));
  });

  it('renames named layers consistently', () => {
    const named = a.spec.model?.layers.filter((l) => l.name) ?? [];
    for (const l of named) {
      const edit = ls.doRename(d, d.positionAt(l.name!.range.start), `${l.name!.value}_x`);
      expect(edit?.changes?.[d.uri].length).toBe(1 + (a.spec.model?.layers.flatMap((x) => x.inputs ?? []).filter((r) => r.value === l.name!.value).length ?? 0) + (a.spec.model?.output?.value === l.name!.value ? 1 : 0));
    }
  });
});
