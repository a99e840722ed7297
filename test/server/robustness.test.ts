/**
 * Every request at every position of broken documents answers with a valid result: mid-typing
 * prefixes, mutated examples, invalid YAML, unknown keys, binary data, deep nesting, alias bombs,
 * a huge file, and positions past the end. (How fast: `npm run bench:lsp`, which reports the
 * slowest request too.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { searchBase } from '../core/searchSpec';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver-types';
import { RenameError, type LanguageService } from '../../server/service';
import { examplesDir, service, serviceErrors } from './helpers';

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const examples = [
  ...readdirSync(examplesDir)
    .filter((f) => f.endsWith('.model.yaml'))
    .sort()
    .map((f) => readFileSync(join(examplesDir, f), 'utf8')),
  // A spec with every form of the search section (paths by name and index, a type choice, a pruner).
  `${searchBase}search:\n  metric: val_accuracy\n  pruner: { asha: { min_epochs: 1 } }\n  space:\n    train.optimizer: { choice: [adam, sgd] }\n    train.optimizer.sgd.momentum: { uniform: [0, 0.9] }\n    model.layers.hidden.units: { int: [8, 64, 8] }\n    model.layers[1].dropout.rate: { grid: [0.1, 0.5] }\n    data.pipeline[0].scale.divisor: { choice: [255, 127.5] }\n`,
];

const NOISE = [':', '-', '- ', '[', ']', '{', '}', ',', '"', "'", '#', '&a ', '*a', '!!', '\t', '\n', '  ', '|', '>', '?', '%', '@', '`', '\u0000', 'é', '😀', 'dense', 'inputs: [', 'name: x'];

function mutate(text: string, seed: number): string {
  const r = rng(seed);
  let t = text;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (t.length + 1));
    const op = Math.floor(r() * 5);
    if (op === 0) t = t.slice(0, at) + NOISE[Math.floor(r() * NOISE.length)] + t.slice(at);
    else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 12));
    else if (op === 2) {
      const lines = t.split('\n');
      const k = Math.floor(r() * lines.length);
      lines.splice(k, 0, lines[Math.floor(r() * lines.length)] ?? '');
      t = lines.join('\n');
    } else if (op === 3) {
      const lines = t.split('\n');
      const k = Math.floor(r() * lines.length);
      lines[k] = r() < 0.5 ? `  ${lines[k]}` : lines[k].replace(/^ {1,2}/, '');
      t = lines.join('\n');
    } else t = t.slice(0, at);
  }
  return t;
}

function hugeSpec(layers: number): string {
  const out = ['version: 1', 'model:', '  input: [32]', '  layers:'];
  for (let i = 0; i < layers; i++) out.push(i % 2 ? '    - dropout: 0.1' : `    - dense: { units: ${16 + (i % 7)}, activation: relu }`, `      name: l${i}`);
  out.push('train:', '  loss: mean_squared_error', '');
  return out.join('\n');
}

const documents: { name: string; text: string; positions?: number }[] = [
  ...examples.map((text, i) => ({ name: `example ${i}`, text })),
  ...examples.flatMap((text, i) => [0.3, 0.7].map((f) => ({ name: `example ${i} typed to ${f}`, text: text.slice(0, Math.floor(text.length * f)) }))),
  ...examples.flatMap((text, i) => [1, 2].map((s) => ({ name: `example ${i} mutation ${s}`, text: mutate(text, i * 100 + s) }))),
  { name: 'empty', text: '' },
  { name: 'whitespace', text: '  \n\t\n   ' },
  { name: 'dash', text: '-' },
  { name: 'scalar', text: 'just a string' },
  { name: 'list at the root', text: '- a\n- b: [1, 2\n' },
  { name: 'unknown keys', text: 'modle:\n  inptu: [4]\n  layer:\n    - dens: { unit: 3 }\ntrian: {}\n' },
  { name: 'wrong types', text: 'version: [1]\nmodel: 3\ntrain:\n  epochs: many\n  metrics: accuracy\n' },
  { name: 'invalid yaml', text: 'model:\n  input: [4\n  layers:\n  - dense: { units: 3\n    - : :\n\t- x\n"unterminated\n' },
  { name: 'binary', text: 'model:\u0000\u0001\u0002\n  layers: \u0000\n' },
  { name: 'deep nesting', text: `model: ${'['.repeat(300)}${']'.repeat(300)}\n` },
  { name: 'deep block nesting', text: Array.from({ length: 120 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') },
  { name: 'alias bomb', text: 'a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nmodel:\n  input: *c\n  layers: *c\n' },
  { name: 'aliases in layers', text: 'model:\n  input: [4]\n  layers:\n    - &d dense: { units: 3 }\n    - *d\n    - dense: &p { units: 2 }\n    - dense: *p\n' },
  { name: 'crlf', text: 'model:\r\n  input: [4]\r\n  layers:\r\n    - dense: { units: 3 }\r\n' },
  { name: 'multi-document', text: 'model:\n  input: [4]\n---\nmodel: {}\n...\n' },
  { name: 'long line', text: `description: ${'x'.repeat(20000)}\nmodel:\n  input: [4]\n`, positions: 400 },
  { name: 'graph with cycles', text: 'model:\n  input: [4]\n  layers:\n    - dense: { units: 3 }\n      name: a\n      inputs: b\n    - dense: { units: 3 }\n      name: b\n      inputs: [a, a, c]\n  output: zz\n' },
  { name: 'huge', text: hugeSpec(5000), positions: 600 },
];

interface Doc {
  text: string;
  lines: string[];
}

function validPosition(d: Doc, p: Position): boolean {
  return Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.line < d.lines.length && p.character >= 0 && p.character <= d.lines[p.line].length;
}
function validRange(d: Doc, r: Range): boolean {
  const ok = validPosition(d, r.start) && validPosition(d, r.end);
  return ok && (r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character));
}

function check(ls: LanguageService, document: TextDocument, positions: Position[]): void {
  const d: Doc = { text: document.getText(), lines: document.getText().split('\n') };
  const problems: string[] = [];
  const expectThat = (ok: boolean, what: string) => {
    if (!ok && problems.length < 10) problems.push(what);
  };
  // The first request analyses the document; the rest reuse it.
  const diagnostics = ls.doValidation(document);
  for (const x of diagnostics) expectThat(validRange(d, x.range) && typeof x.message === 'string' && typeof x.code === 'string', `diagnostic ${JSON.stringify(x)}`);
  for (const h of ls.getInlayHints(document)) expectThat(validPosition(d, h.position) && typeof h.label === 'string', `inlay ${JSON.stringify(h)}`);
  const symbols = ls.getDocumentSymbols(document);
  const walk = (list: typeof symbols) => {
    for (const s of list) {
      expectThat(validRange(d, s.range) && validRange(d, s.selectionRange) && typeof s.name === 'string' && s.name.length > 0, `symbol ${JSON.stringify(s)}`);
      if (s.children) walk(s.children);
    }
  };
  walk(symbols);
  for (const f of ls.getFoldingRanges(document)) expectThat(f.startLine <= f.endLine && f.endLine < d.lines.length, `folding ${JSON.stringify(f)}`);
  for (const l of ls.getDocumentLinks(document)) expectThat(validRange(d, l.range) && typeof l.target === 'string', `link ${JSON.stringify(l)}`);
  for (const e of ls.format(document, { tabSize: 2, insertSpaces: true })) expectThat(validRange(d, e.range) && typeof e.newText === 'string', `format ${JSON.stringify(e)}`);
  const tokens = ls.getSemanticTokens(document).data;
  expectThat(tokens.length % 5 === 0 && tokens.every((x) => Number.isInteger(x) && x >= 0), 'semantic tokens');

  for (const p of positions) {
    const hover = ls.doHover(document, p);
    if (hover) expectThat(typeof (hover.contents as { value: string }).value === 'string' && (!hover.range || validRange(d, hover.range)), `hover ${JSON.stringify(p)}`);
    const list = ls.doComplete(document, p);
    expectThat(typeof list.isIncomplete === 'boolean' && Array.isArray(list.items), `completion ${JSON.stringify(p)}`);
    for (const item of list.items) {
      const te = item.textEdit as { range: Range; newText: string } | undefined;
      expectThat(typeof item.label === 'string' && !!te && validRange(d, te.range) && typeof te.newText === 'string', `completion item ${JSON.stringify(item)} at ${JSON.stringify(p)}`);
    }
    for (const loc of ls.getDefinition(document, p)) expectThat(validRange(d, loc.range), 'definition');
    for (const loc of ls.getReferences(document, p, { includeDeclaration: true })) expectThat(validRange(d, loc.range), 'references');
    const prep = ls.prepareRename(document, p);
    if (prep) expectThat(validRange(d, prep.range), 'prepareRename');
    try {
      const edit = ls.doRename(document, p, 'renamed_layer');
      for (const e of edit?.changes?.[document.uri] ?? []) expectThat(validRange(d, e.range), 'rename');
    } catch (e) {
      expectThat(e instanceof RenameError, `rename threw ${e}`);
    }
    const [sel] = ls.getSelectionRanges(document, [p]);
    expectThat(!!sel && validRange(d, sel.range), `selection ${JSON.stringify(p)}`);
    const actions = ls.getCodeActions(document, { start: p, end: p }, { diagnostics });
    for (const a of actions) {
      for (const e of a.edit?.changes?.[document.uri] ?? []) expectThat(validRange(d, e.range) && typeof e.newText === 'string', `code action ${JSON.stringify(a)}`);
    }
  }
  expect(problems, problems.join('\n')).toEqual([]);
  expect(serviceErrors.splice(0)).toEqual([]);
}

function positionsOf(text: string, limit?: number): Position[] {
  const lines = text.split('\n');
  const all: Position[] = [];
  lines.forEach((l, line) => {
    for (let character = 0; character <= l.length + 1; character++) all.push({ line, character });
  });
  all.push({ line: lines.length, character: 0 }, { line: lines.length + 5, character: 3 }, { line: -1, character: -1 }, { line: 0, character: 1e9 });
  if (!limit || all.length <= limit) return all;
  const r = rng(7);
  return Array.from({ length: limit }, () => all[Math.floor(r() * all.length)]);
}

describe('robustness: every request at every position of broken documents', () => {
  const ls = service();
  let version = 0;
  it.each(documents.map((d) => [d.name, d] as const))('%s', (_, { text, positions }) => {
    const document = TextDocument.create(`file:///robust/${version}.model.yaml`, 'modelyaml', ++version, text);
    // How fast: `npm run bench:lsp` (the worst request on these documents and on 5,000 layers).
    check(ls, document, positionsOf(text, positions ?? 4000));
  });
});
