/**
 * The data checks' quick fixes through the language service, with the real file host on real
 * files: each fix is applied as the client would, and the fixed spec checks clean.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction } from 'vscode-languageserver-types';
import { fileDataHost } from '../../src/node/dataHost';
import { service } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'modelyaml-data-fixes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ls = service({ host: () => fileDataHost(dir) });
let version = 0;

function apply(d: TextDocument, a: CodeAction): string {
  const edits = [...a.edit!.changes![d.uri]].sort((p, q) => d.offsetAt(q.range.start) - d.offsetAt(p.range.start));
  let text = d.getText();
  for (const e of edits) text = text.slice(0, d.offsetAt(e.range.start)) + e.newText + text.slice(d.offsetAt(e.range.end));
  return text;
}

const open = (text: string) => TextDocument.create(pathToFileURL(join(dir, 's.model.yaml')).toString(), 'modelyaml', ++version, text);
const codes = (text: string) => ls.doValidation(open(text)).map((d) => d.code);

/** Applies the action titled `title` of the diagnostic `code`; returns the new text. */
function fix(text: string, code: string, title: RegExp): string {
  const d = open(text);
  const diag = ls.doValidation(d).find((x) => x.code === code);
  if (!diag) throw new Error(`no ${code} in ${JSON.stringify(ls.doValidation(d).map((x) => x.code))}`);
  const action = ls.getCodeActions(d, diag.range, { diagnostics: [diag] }).find((a) => title.test(a.title));
  if (!action) throw new Error(`no action ${title} for ${code}`);
  return apply(d, action);
}

const reviews = (inputDim: number) => `version: 1
name: t
data:
  source:
    jsonl: { path: r.jsonl, text: text, label: positive, label_type: binary }
  pipeline:
    - tokenize: { num_words: 1000 }
    - pad_sequences: { maxlen: 12 }
model:
  input: [12]
  layers:
    - embedding: { input_dim: ${inputDim}, output_dim: 8 }
    - global_avg_pool1d
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: adam
`;

describe('data checks: quick fixes', () => {
  it('input_dim below the real vocabulary: the fix sets it to the largest id + 1', () => {
    const words = Array.from({ length: 74 }, (_, i) => `word${i}`);
    writeFileSync(join(dir, 'r.jsonl'), `${Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: words.slice((i * 4) % 72, ((i * 4) % 72) + 6).join(' '), positive: i % 2 })).join('\n')}\n`);
    const fixed = fix(reviews(50), 'data/vocabulary-overflow', /input_dim/);
    expect(fixed).toContain('embedding: { input_dim: 76, output_dim: 8 }');
    expect(codes(fixed)).toEqual(['data/vocabulary-headroom']);
    const shrunk = fix(reviews(50), 'data/vocabulary-overflow', /num_words/);
    expect(shrunk).toContain('tokenize: { num_words: 50 }');
    expect(codes(shrunk)).toEqual([]);
  });

  it('a copied label and a constant column: the fixes rewrite `features`', () => {
    writeFileSync(join(dir, 'c.csv'), `${['tenure,copy,region,churned', ...Array.from({ length: 30 }, (_, i) => `${i % 9},${i % 2},7,${i % 2}`)].join('\n')}\n`);
    const text = `version: 1
name: t
data:
  source:
    csv: { path: c.csv, label: churned, label_type: binary }
  pipeline: [standardize]
model:
  input: [3]
  layers:
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: adam
`;
    expect(codes(text).sort()).toEqual(['data/constant-feature', 'data/label-leak']);
    const noCopy = fix(text, 'data/label-leak', /copy/);
    expect(noCopy).toContain('csv: { path: c.csv, label: churned, label_type: binary, features: [tenure, region] }');
    const clean = fix(noCopy.replace('input: [3]', 'input: [2]'), 'data/constant-feature', /region/);
    expect(clean).toContain('features: [tenure] }');
    expect(codes(clean.replace('input: [2]', 'input: [1]'))).toEqual([]);
  });

  it('a validation split under one batch: the fix adds `batch_size` to `train`', () => {
    const text = `version: 1
name: t
data:
  source: { dataset: { name: xor, samples: 60 } }
  validation: { split: 0.2 }
model:
  input: [2]
  layers:
    - dense: { units: 4, activation: tanh }
    - dense: { units: 1, activation: sigmoid }
train:
  loss: binary_crossentropy
  optimizer: sgd
`;
    const fixed = fix(text, 'data/validation-too-small', /batch_size/);
    expect(fixed).toContain('  optimizer: sgd\n  batch_size: 8');
    expect(codes(fixed)).toEqual([]);
  });
});
