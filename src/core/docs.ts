/** The catalog part of docs/language.md, generated so the reference never drifts from the code. */
import { categoryNoun, entries } from './catalog';
import type { Category, CatalogEntry, LayerEntry, ParamSpec, ParamType } from './catalog/types';
import { specStructure, type Field } from './structure';

const titles: Record<Category, string> = {
  layer: 'Layers',
  activation: 'Activations',
  loss: 'Losses',
  optimizer: 'Optimizers',
  metric: 'Metrics',
  regularizer: 'Regularizers',
  initializer: 'Initializers',
  schedule: 'Learning-rate schedules',
  source: 'Data sources',
  step: 'Pipeline steps',
};

export function typeText(t: ParamType): string {
  switch (t.kind) {
    case 'int':
      return t.min !== undefined && t.max !== undefined ? `integer ${t.min}…${t.max}` : t.min !== undefined ? `integer ≥ ${t.min}` : 'integer';
    case 'float': {
      const lo = t.min !== undefined ? `${t.exclusiveMin ? '>' : '≥'} ${t.min}` : '';
      const hi = t.max !== undefined ? `${t.exclusiveMax ? '<' : '≤'} ${t.max}` : '';
      return `number${lo || hi ? ' ' : ''}${[lo, hi].filter(Boolean).join(', ')}`;
    }
    case 'bool':
      return 'boolean';
    case 'string':
      return 'string';
    case 'path':
      return t.folder ? 'folder path' : 'file path';
    case 'enum':
      return t.values.map((v) => `\`${v}\``).join(' \\| ');
    case 'ref':
      return categoryNoun[t.category];
    case 'ints':
      return `list of integers${t.minLength !== undefined && t.minLength === t.maxLength ? ` (${t.minLength})` : ''}`;
    case 'int_or_ints':
      return `integer or ${t.length} integers${t.min !== undefined ? ` ≥ ${t.min}` : ''}`;
    case 'strings':
      return 'string or list of strings';
    case 'floats':
      return 'list of numbers';
    case 'layer':
      return 'layer';
    case 'source':
      return 'data source';
    case 'one_of':
      return t.types.map(typeText).join(' or ');
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function paramTable(params: readonly ParamSpec[]): string {
  if (!params.length) return '_No parameters._\n';
  return [
    '| parameter | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...params.map((p) => `| \`${p.name}\` | ${typeText(p.type)} | ${p.required ? '**required**' : p.default === undefined ? '—' : `\`${JSON.stringify(p.default)}\``} | ${cell(p.doc)} |`),
  ].join('\n') + '\n';
}

function entrySection(e: CatalogEntry): string {
  const parts = [`### \`${e.name}\`\n`, `${e.summary}\n`, `${e.docs}\n`];
  if (e.category === 'layer') parts.push(`Shape: ${(e as LayerEntry).shapeRule}\n`);
  parts.push(e.formulas.map((f) => `- ${f.label}: $${f.latex}$ — ${f.unicode}`).join('\n') + '\n');
  parts.push(paramTable(e.params));
  if (e.primary) parts.push(`A scalar value sets \`${e.primary}\`: \`${e.name}: …\`.\n`);
  parts.push(`TensorFlow.js: ${e.tfjs}${e.aliases?.length ? `. Also known as: ${e.aliases.join(', ')}` : ''}.\n`);
  return parts.join('\n');
}

/** A structure field's type in words (docs tables, hovers, completion details). */
export function fieldKind(f: Field): string {
  switch (f.type.kind) {
    case 'item':
      return categoryNoun[f.type.category];
    case 'items':
      return `list of ${categoryNoun[f.type.category]}s`;
    case 'layers':
      return 'list of layers';
    case 'input_shape':
      return 'shape, or mapping of names to shapes';
    case 'object':
      return f.type.list ? `mapping, or list [${f.type.list.join(', ')}]` : 'mapping';
    case 'map':
      return 'mapping of paths to values';
    case 'variant':
      return Object.keys(f.type.variants).map((v) => `\`${v}\``).join(' \\| ');
    case 'values':
      return 'list of values';
    case 'value':
      return typeText(f.type.type);
  }
}

/** A variant's named forms that have a value, as fields (for the reference's key table). */
function variantFields(variants: Readonly<Record<string, Field | null>>): Record<string, Field> {
  return Object.fromEntries(Object.entries(variants).filter((e): e is [string, Field] => e[1] !== null));
}

/** Every key outside the catalog, as a table per section. */
export function structureReference(): string {
  const rows: string[] = [];
  const walk = (f: Field, path: string) => {
    const fields = f.type.kind === 'object' ? f.type.fields : f.type.kind === 'variant' ? variantFields(f.type.variants) : f.type.kind === 'map' ? { '<path>': f.type.value } : undefined;
    if (!fields) return;
    for (const [k, sub] of Object.entries(fields)) {
      const p = path ? `${path}.${k}` : k;
      rows.push(`| \`${p}\` | ${fieldKind(sub)} | ${sub.required ? '**required**' : sub.default === undefined ? '—' : `\`${JSON.stringify(sub.default)}\``} | ${cell(sub.doc)} |`);
      walk(sub, p);
    }
  };
  walk(specStructure, '');
  return ['## Keys\n', '| key | type | default | meaning |', '| --- | --- | --- | --- |', ...rows, ''].join('\n');
}

export function catalogReference(): string {
  const order: Category[] = ['source', 'step', 'layer', 'activation', 'loss', 'optimizer', 'schedule', 'metric', 'regularizer', 'initializer'];
  const out: string[] = [structureReference()];
  for (const c of order) {
    const list = entries(c) as readonly CatalogEntry[];
    out.push(`## ${titles[c]}\n`);
    out.push('| name | summary |\n| --- | --- |\n' + list.map((e) => `| [\`${e.name}\`](#${e.name}) | ${cell(e.summary)} |`).join('\n') + '\n');
    for (const e of list) out.push(entrySection(e));
  }
  return out.join('\n');
}

/** docs/deploying.md's layer → ONNX operator tables, from the catalog's `onnx` mappings. */
export function onnxOperatorTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = (list: readonly { name: string; onnx?: { ops: string } }[]) =>
    list.map((e) => `| \`${e.name}\` | ${e.onnx ? cell(e.onnx.ops) : '**refused**: no ONNX mapping'} |`).join('\n');
  return (
    '### Layers\n\n| layer | ONNX operators (opset 17) |\n| --- | --- |\n' + rows(entries('layer')) +
    '\n\n### Activations\n\n| activation | ONNX operators |\n| --- | --- |\n' + rows(entries('activation')) + '\n'
  );
}
