import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { beforeAll, describe, expect, it } from 'vitest';
import { injectionGrammar } from '../../src/core/grammar';

const root = join(__dirname, '../..');
let grammar: vsctm.IGrammar;

beforeAll(async () => {
  await oniguruma.loadWASM(readFileSync(join(root, 'node_modules/vscode-oniguruma/release/onig.wasm')).buffer as ArrayBuffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    // VS Code's own YAML grammar stands in for the built-in one the extension injects into.
    loadGrammar: async (scope) => {
      const file = {
        'source.modelyaml': 'syntaxes/modelyaml.tmLanguage.json',
        'modelyaml.injection': 'syntaxes/modelyaml.injection.tmLanguage.json',
        'source.yaml': 'node_modules/tm-grammars/grammars/yaml.json',
      }[scope];
      return file ? vsctm.parseRawGrammar(readFileSync(join(root, file), 'utf8'), join(root, file)) : null;
    },
    getInjections: (scope) => (scope === 'source.modelyaml' ? ['modelyaml.injection'] : undefined),
  });
  grammar = (await registry.loadGrammar('source.modelyaml'))!;
});

/** The scopes at the first character of each word (the YAML grammar may split a word into tokens). */
function scopesOf(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let state = vsctm.INITIAL;
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, state);
    for (const m of line.matchAll(/[#\w][\w ]*[\w]|\w/g)) {
      const t = r.tokens.find((tok) => tok.startIndex <= m.index! && m.index! < tok.endIndex)!;
      if (!out.has(m[0])) out.set(m[0], t.scopes);
    }
    state = r.ruleStack;
  }
  return out;
}

describe('TextMate grammar', () => {
  it('is the generated one (run `npm run generate` after changing the catalog)', () => {
    expect(JSON.parse(readFileSync(join(root, 'syntaxes/modelyaml.injection.tmLanguage.json'), 'utf8'))).toEqual(injectionGrammar());
  });

  it('colours layer types, activations, losses, numbers and layer names distinctly on top of YAML', () => {
    const s = scopesOf(
      [
        'model:',
        '  input: [28, 28, 1]',
        '  layers:',
        '    - conv2d: { filters: 32, kernel_size: 3, activation: relu }',
        '    - flatten',
        '    - dense: { units: 10, activation: softmax }',
        '      name: head',
        '    - add: { }',
        '      inputs: [head, stem]',
        'train:',
        '  loss: categorical_crossentropy',
        '  # dense in a comment stays a comment',
      ].join('\n'),
    );
    expect(s.get('conv2d')).toContain('entity.name.type.layer.modelyaml');
    expect(s.get('flatten')).toContain('entity.name.type.layer.modelyaml');
    expect(s.get('relu')).toContain('support.function.modelyaml');
    expect(s.get('categorical_crossentropy')).toContain('support.function.modelyaml');
    expect(s.get('32')).toContain('constant.numeric.modelyaml');
    expect(s.get('head')).toContain('variable.other.layer-name.modelyaml');
    expect(s.get('stem')).toContain('variable.other.layer-name.modelyaml');
    expect(s.get('add')).toContain('entity.name.type.layer.modelyaml');
    expect(s.get('activation')).not.toContain('entity.name.type.layer.modelyaml'); // a parameter, not the layer
    expect(s.get('filters')?.join(' ')).toMatch(/entity\.name\.tag/); // YAML keys stay YAML keys
    expect(s.get('# dense in a comment stays a comment')?.join(' ')).toContain('comment');
  });

  it('colours the search section: parameter paths and the space and pruner forms', () => {
    const s = scopesOf(
      [
        'search:',
        '  pruner: { asha: { min_epochs: 1 } }',
        '  space:',
        '    model.layers[3].dropout.rate: { uniform: [0.1, 0.5] }',
        '    train.optimizer.adam.learning_rate: { loguniform: [1.0e-4, 1.0e-2] }',
        '    train.batch_size: { choice: [32, 64] }',
      ].join('\n'),
    );
    expect(s.get('model')).toContain('variable.other.parameter-path.modelyaml');
    expect(s.get('train')).toContain('variable.other.parameter-path.modelyaml');
    for (const w of ['asha', 'uniform', 'loguniform', 'choice']) expect(s.get(w), w).toContain('keyword.other.search.modelyaml');
    expect(s.get('space')?.join(' ')).toMatch(/entity\.name\.tag/);
    expect(s.get('min_epochs')?.join(' ')).not.toContain('keyword.other.search.modelyaml');
  });
});
