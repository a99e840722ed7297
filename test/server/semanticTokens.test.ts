import { describe, expect, it } from 'vitest';
import { semanticTokensLegend } from '../../server/service';
import { doc, example, service } from './helpers';
import type { TextDocument } from 'vscode-languageserver-textdocument';

const ls = service();

/** Decodes tokens to `[text, type, modifiers]`. */
function decode(d: TextDocument, data: number[]) {
  const lines = d.getText().split('\n');
  const out: [string, string, string[]][] = [];
  let line = 0;
  let ch = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i];
    ch = data[i] ? data[i + 1] : ch + data[i + 1];
    const mods = semanticTokensLegend.tokenModifiers.filter((_, b) => data[i + 4] & (1 << b));
    out.push([lines[line].slice(ch, ch + data[i + 2]), semanticTokensLegend.tokenTypes[data[i + 3]], mods]);
  }
  return out;
}

describe('semantic tokens', () => {
  it('colours layer types, activations, parameters, numbers, names and enum values', () => {
    const d = doc(`model:
  input: [28, 28, 1]
  layers:
    - conv2d: { filters: 8, kernel_size: 3, padding: same, activation: relu }
      name: stem
    - add:
      inputs: [stem, stem]
    - flatten
train:
  loss: categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.001 } }
  metrics: [accuracy]
`);
    const tokens = decode(d, ls.getSemanticTokens(d).data);
    expect(tokens).toEqual([
      ['28', 'number', []],
      ['28', 'number', []],
      ['1', 'number', []],
      ['conv2d', 'class', ['defaultLibrary']],
      ['filters', 'property', []],
      ['8', 'number', []],
      ['kernel_size', 'property', []],
      ['3', 'number', []],
      ['padding', 'property', []],
      ['same', 'enumMember', []],
      ['activation', 'property', []],
      ['relu', 'function', ['defaultLibrary']],
      ['stem', 'variable', ['declaration']],
      ['add', 'class', ['defaultLibrary']],
      ['stem', 'variable', []],
      ['stem', 'variable', []],
      ['flatten', 'class', ['defaultLibrary']],
      ['categorical_crossentropy', 'function', ['defaultLibrary']],
      ['adam', 'function', ['defaultLibrary']],
      ['learning_rate', 'property', []],
      ['0.001', 'number', []],
      ['accuracy', 'function', ['defaultLibrary']],
    ]);
  });

  it('answers a range', () => {
    const d = example('mnist-cnn.model.yaml');
    const line = d.getText().split('\n').findIndex((l) => l.includes('- flatten'));
    const tokens = decode(d, ls.getSemanticTokens(d, { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).data);
    expect(tokens.map((t) => t[0])).toContain('flatten');
    expect(tokens.map((t) => t[0])).not.toContain('conv2d');
  });

  it('uses only standard token types', () => {
    const standard = ['namespace', 'type', 'class', 'enum', 'interface', 'struct', 'typeParameter', 'parameter', 'variable', 'property', 'enumMember', 'event', 'function', 'method', 'macro', 'keyword', 'modifier', 'comment', 'string', 'number', 'regexp', 'operator', 'decorator'];
    for (const t of semanticTokensLegend.tokenTypes) expect(standard).toContain(t);
  });
});
