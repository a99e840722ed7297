import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { allEntries } from '../../src/core/catalog';
import { typeText } from '../../src/core/docs';
import { entryDoc } from '../../server/service/markdown';
import { caret, example, service } from './helpers';
import { markdownTables, splitRow } from './markdownTable';

const ls = service();
const hover = (src: string) => {
  const { document, position } = caret(src);
  const h = ls.doHover(document, position);
  return h ? { text: (h.contents as { value: string }).value, range: h.range!, document } : undefined;
};

/** Hover at the n-th occurrence of `needle` in an example, cursor one character in. */
function hoverIn(d: TextDocument, needle: string, n = 0) {
  const text = d.getText();
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`${needle} not found`);
  const h = ls.doHover(d, d.positionAt(at + 1));
  return h ? (h.contents as { value: string }).value : undefined;
}

const svgOf = (markdown: string) => {
  const m = /data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(markdown);
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : undefined;
};

describe('hover', () => {
  it('shows an optimizer with its formulas as images and Unicode text', () => {
    const h = hover('train:\n  loss: mean_squared_error\n  optimizer: ad|am\n')!;
    expect(h.text).toContain('**adam**');
    expect(h.text).toContain('data:image/svg+xml;base64,');
    expect(h.text).toContain('m̂');
    expect(h.text).toMatch(/\| `learning_rate`/);
    expect(svgOf(h.text)).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* width="[\d.]+px" height="[\d.]+px"/);
    // The range is the hovered name.
    expect(h.range).toEqual({ start: { line: 2, character: 13 }, end: { line: 2, character: 17 } });
  });

  it('shows a layer with its inferred shapes and parameter count', () => {
    const text = hoverIn(example('mnist-cnn.model.yaml'), 'conv2d')!;
    expect(text).toContain('**conv2d**');
    expect(text).toContain('input (None, 28, 28, 1) → output (None, 26, 26, 32) · 320 params');
    expect(text).toContain('| `filters`');
    expect(text).toContain('data:image/svg+xml;base64,');
  });

  it('shows a bare layer name (`- flatten`) with its shapes', () => {
    const text = hoverIn(example('mnist-cnn.model.yaml'), '- flatten', 0)?.toString();
    expect(hoverIn(example('mnist-cnn.model.yaml'), 'flatten')).toContain('input (None, 3, 3, 64) → output (None, 576) · 0 params');
    expect(text).toBeUndefined(); // on the dash: nothing
  });

  it('renders the parameter table with one cell per column, enum types included', () => {
    const text = hoverIn(example('mnist-cnn.model.yaml'), 'conv2d')!;
    const [table] = markdownTables(text);
    expect(table.header).toEqual(['parameter', 'type', 'default', '']);
    const padding = table.rows.find((r) => r[0] === 'padding')!;
    expect(padding.slice(0, 3)).toEqual(['padding', 'valid | same', 'valid']);
    expect(padding).toHaveLength(4);
  });

  it('renders every catalog entry\'s parameter table as a well-formed table', () => {
    const plain = (md: string) => md.replace(/`|\\/g, '');
    for (const entry of allEntries()) {
      if (!entry.params.length) continue;
      const [table] = markdownTables(entryDoc(entry, { markdown: true, images: false }));
      expect(table, entry.name).toBeDefined();
      expect(table.rows.map((r) => r[0].replace(' ★', '')), entry.name).toEqual(entry.params.map((p) => p.name));
      for (const [i, row] of table.rows.entries()) {
        expect(row, `${entry.name}.${row[0]}`).toHaveLength(4);
        expect(row[1], `${entry.name}.${row[0]}`).toBe(plain(typeText(entry.params[i].type)));
      }
    }
  });

  it('renders, through marked (the Markdown renderer VS Code\'s hovers use), to a table whose padding row reads valid | same, valid', () => {
    // The rendered HTML, not the Markdown string: the cells a reader sees.
    const rendered = marked.parse(hoverIn(example('mnist-cnn.model.yaml'), 'conv2d')!, { async: false, gfm: true });
    const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim();
    const rows = [...rendered.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => text(c[1])));
    expect(rows[0]).toEqual(['parameter', 'type', 'default', '']);
    const padding = rows.find((r) => r[0] === 'padding')!;
    expect(padding).toHaveLength(4);
    expect(padding.slice(0, 3)).toEqual(['padding', 'valid | same', 'valid']);
    for (const row of rows) expect(row, row[0]).toHaveLength(4);
  });

  it('reads table rows as GFM does (the test\'s own table reader)', () => {
    expect(splitRow('| `valid` \\| `same` | x |')).toEqual(['`valid` | `same`', 'x']);
    expect(splitRow('| `valid` \\\\| `same` | x |')).toEqual(['`valid` \\\\', '`same`', 'x']);
  });

  it('shows a parameter key: doc, type, default, range', () => {
    const h = hover('model:\n  input: [4]\n  layers:\n    - conv2d: { filters: 8, kernel_size: 3, pad|ding: same }\n')!;
    expect(h.text).toContain('**padding** — parameter of `conv2d`');
    expect(h.text).toContain('`valid` \\| `same`');
    expect(h.text).toContain('default `valid`');
  });

  it('shows a parameter value with the parameter doc', () => {
    const h = hover('model:\n  input: [4]\n  layers:\n    - dense: { un|its: 3 }\n')!;
    expect(h.text).toContain('integer ≥ 1');
    expect(h.text).toContain('*required*');
    const v = hover('model:\n  input: [4]\n  layers:\n    - dense: { units: 3| }\n')!;
    expect(v.text).toContain('Here: `3`');
  });

  it('shows an activation named as a parameter value', () => {
    const h = hover('model:\n  input: [4]\n  layers:\n    - dense: { units: 3, activation: rel|u }\n')!;
    expect(h.text).toContain('**relu**');
    expect(h.text).toContain('data:image/svg+xml;base64,');
  });

  it('shows structure keys', () => {
    expect(hover('train:\n  epo|chs: 3\n')!.text).toContain('Passes over the training data');
    expect(hover('mod|el:\n  input: [4]\n')!.text).toContain('**model**');
  });

  it('shows the layer a reference names', () => {
    const text = hoverIn(example('residual-cnn.model.yaml'), 'block_conv2]')!;
    expect(text).toContain('**block_conv2**');
    expect(text).toContain('output (None, 28, 28, 16)');
  });

  it('shows nothing on whitespace, comments, unknown names and past the end', () => {
    expect(hover('train:\n  |  loss: mse\n')).toBeUndefined();
    expect(hover('# comm|ent\nversion: 1\n')).toBeUndefined();
    expect(hover('train:\n  loss: not_a_lo|ss\n')).toBeUndefined();
    const { document } = caret('version: 1|');
    expect(ls.doHover(document, { line: 99, character: 99 })).toBeNull();
  });

  it('draws formulas in the colour and size the client gives', () => {
    const themed = service({ settings: { formulaColor: '#123456', fontSize: 20 } });
    const { document, position } = caret('train:\n  optimizer: ad|am\n');
    const svg = svgOf((themed.doHover(document, position)!.contents as { value: string }).value)!;
    expect(svg).toContain('fill="#123456"');
    themed.configure({ formulaColor: '#abcdef' });
    const svg2 = svgOf((themed.doHover(document, position)!.contents as { value: string }).value)!;
    expect(svg2).toContain('fill="#abcdef"');
  });

  it('answers plain text without images for clients without Markdown', () => {
    const plain = service({ client: { hoverMarkdown: false } });
    const { document, position } = caret('train:\n  optimizer: ad|am\n');
    const h = plain.doHover(document, position)!;
    expect(h.contents).toMatchObject({ kind: 'plaintext' });
    const v = (h.contents as { value: string }).value;
    expect(v).not.toContain('data:image');
    expect(v).toContain('m̂');
  });

  it('renders a hover once: the same hover again is the cached text', () => {
    const d = example('mnist-cnn.model.yaml');
    const first = hoverIn(d, 'conv2d')!;
    const again = hoverIn(d, 'conv2d')!;
    expect(again).toBe(first);
  });
});
