/**
 * The TextMate injection grammar that colours catalog names on top of VS Code's YAML grammar,
 * generated from the catalog so a new layer is coloured without touching the grammar by hand.
 */
import { entries } from './catalog';
import type { Category } from './catalog/types';
import { specStructure, type Field } from './structure';

function words(categories: Category[]): string {
  const names = new Set<string>();
  for (const c of categories) for (const e of entries(c)) names.add(e.name);
  // Longest first, so `conv2d_transpose` wins over `conv2d`.
  return [...names].sort((a, b) => b.length - a.length || a.localeCompare(b)).join('|');
}

/** The named forms of the structure's variant fields (`search.pruner`'s `asha`, a space's `loguniform`, …). */
function variantWords(): string {
  const names = new Set<string>();
  const walk = (f: Field | null) => {
    if (!f) return;
    const t = f.type;
    if (t.kind === 'object') Object.values(t.fields).forEach(walk);
    else if (t.kind === 'map') walk(t.value);
    else if (t.kind === 'variant') {
      for (const [k, v] of Object.entries(t.variants)) {
        names.add(k);
        walk(v);
      }
    }
  };
  walk(specStructure);
  return [...names].sort((a, b) => b.length - a.length || a.localeCompare(b)).join('|');
}

/** Keys that start a parameter path of `search.space`: the sections a path may begin with. */
function pathRoots(): string {
  const t = specStructure.type;
  return t.kind === 'object' ? Object.keys(t.fields).filter((k) => k !== 'search').join('|') : '';
}

export function injectionGrammar(): object {
  const layer = words(['layer']);
  const fn = words(['activation', 'loss', 'optimizer', 'metric', 'regularizer', 'initializer', 'schedule']);
  const data = words(['source', 'step']);
  // A name is coloured where YAML puts it as a key (`dense:`), a bare list item (`- flatten`) or a value (`: relu`).
  const at = (alts: string) => `(?<=^\\s*-\\s+|[:{,\\[]\\s*|^\\s*)(?:${alts})(?=\\s*(?::(?:\\s|$)|,|\\}|\\]|$|\\s+#))`;
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    scopeName: 'modelyaml.injection',
    injectionSelector: 'L:source.modelyaml -comment -string.quoted',
    patterns: [{ include: '#layer' }, { include: '#references' }, { include: '#reference' }, { include: '#searchPath' }, { include: '#function' }, { include: '#data' }, { include: '#searchForm' }, { include: '#number' }],
    repository: {
      // A layer type is the key or the bare value of a list item (`- dense:`, `- flatten`), or what `layer:` wraps.
      layer: {
        match: `^(\\s*-\\s+|.*\\blayer:\\s*\\{?\\s*)(${layer})(?=\\s*(?::(?:\\s|$)|\\}|$|\\s+#))`,
        captures: { 1: { patterns: [{ match: '-', name: 'punctuation.definition.block.sequence.item.yaml' }] }, 2: { name: 'entity.name.type.layer.modelyaml' } },
      },
      references: {
        begin: '^(\\s*(?:-\\s+)?)(inputs)(\\s*:\\s*)(\\[)',
        beginCaptures: { 2: { name: 'entity.name.tag.yaml' }, 3: { name: 'punctuation.separator.key-value.mapping.yaml' }, 4: { name: 'punctuation.definition.sequence.begin.yaml' } },
        end: '\\]',
        endCaptures: { 0: { name: 'punctuation.definition.sequence.end.yaml' } },
        patterns: [{ match: '[A-Za-z_][\\w.-]*', name: 'variable.other.layer-name.modelyaml' }],
      },
      function: { match: at(fn), name: 'support.function.modelyaml' },
      data: { match: at(data), name: 'entity.name.function.data.modelyaml' },
      // `search.space` keys: a dotted path into the spec (`model.layers[3].dropout.rate`).
      searchPath: {
        match: `^\\s+((?:${pathRoots()})(?:\\.|\\[)[\\w.\\[\\]-]*)(?=\\s*:(?:\\s|$))`,
        captures: { 1: { name: 'variable.other.parameter-path.modelyaml' } },
      },
      // The named forms of the search section: `uniform`, `loguniform`, `int`, `choice`, `grid`, `asha`, `median`, `none`.
      searchForm: { match: at(variantWords()), name: 'keyword.other.search.modelyaml' },
      number: { match: '(?<=[:\\[,{-]\\s*|^\\s*-\\s+)-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?(?=\\s*(?:[,\\]}#]|$))', name: 'constant.numeric.modelyaml' },
      reference: {
        match: '^(\\s*(?:-\\s+)?)(name|inputs|output)(\\s*:\\s*)([A-Za-z_][\\w.-]*)(?=\\s*(?:#.*)?$)',
        captures: { 2: { name: 'entity.name.tag.yaml' }, 3: { name: 'punctuation.separator.key-value.mapping.yaml' }, 4: { name: 'variable.other.layer-name.modelyaml' } },
      },
    },
  };
}

/** The base grammar: YAML itself; the injection adds the catalog on top. */
export function baseGrammar(): object {
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'ModelYAML',
    scopeName: 'source.modelyaml',
    patterns: [{ include: 'source.yaml' }],
  };
}
