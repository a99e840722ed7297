/**
 * Completion: keys valid at the cursor, layer types after `- `, parameter names inside an item,
 * catalog names and enum values with their docs, names of earlier layers inside `inputs`, and
 * snippets for whole layers and whole specs. Everything is read from the catalog and the structure.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type CompletionList,
  type MarkupContent,
  type Position,
} from 'vscode-languageserver-types';
import { entries } from '../../src/core/catalog';
import type { Category, CatalogEntry, ParamSpec, ParamType } from '../../src/core/catalog/types';
import { placeholderFor } from '../../src/core/placeholders';
import { formatShape } from '../../src/core/shape';
import type { Field } from '../../src/core/structure';
import { cursorContext, type CursorContext } from './context';
import type { DocContext } from './document';
import { entryCompletionDoc, fieldDoc, paramDoc, yamlValue } from './markdown';
import { describeField, describeType, enumValues, layerSiblingFields, refCategories, scalarExpect, step, type Expect } from './schema';
import type { ServiceEnv } from './types';
import { loggedMetrics } from '../../src/core/search/metric';
import { choiceValueOffers, spaceFormOffers, spacePathOffers, type Offer } from './search';

const MAX_REFS = 500;

const kinds: Record<Category, CompletionItemKind> = {
  layer: CompletionItemKind.Class,
  activation: CompletionItemKind.Function,
  loss: CompletionItemKind.Function,
  optimizer: CompletionItemKind.Function,
  metric: CompletionItemKind.Function,
  regularizer: CompletionItemKind.Function,
  initializer: CompletionItemKind.Function,
  schedule: CompletionItemKind.Function,
  source: CompletionItemKind.Module,
  step: CompletionItemKind.Function,
};

/** Typical values for common parameter names, used as snippet placeholders. */
const TYPICAL: Record<string, unknown> = {
  units: 64,
  filters: 32,
  kernel_size: 3,
  pool_size: 2,
  rate: 0.5,
  num_heads: 4,
  key_dim: 32,
  ff_dim: 64,
  input_dim: 10000,
  output_dim: 64,
  vocab_size: 10000,
  max_length: 100,
  maxlen: 100,
  num_words: 10000,
  classes: 10,
  divisor: 255,
  learning_rate: 0.001,
  split: 0.1,
};

interface Builder {
  ctx: DocContext;
  cc: CursorContext;
  env: ServiceEnv;
  items: CompletionItem[];
  seen: Set<string>;
  truncated?: boolean;
}

/** Snippet syntax → plain text, for clients without snippet support. */
function plain(snippet: string): string {
  return snippet
    .replace(/\$\{\d+\|([^,|}]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\{\d+\}|\$\d+/g, '')
    .replace(/\\([$}\\])/g, '$1');
}

function escapeSnippet(s: string): string {
  return s.replace(/[$}\\]/g, (c) => `\\${c}`);
}

function markup(b: Builder, value: string): MarkupContent | string {
  return b.env.client.completionMarkdown ? { kind: 'markdown', value } : value;
}

function add(
  b: Builder,
  label: string,
  kind: CompletionItemKind,
  text: string,
  o: { detail?: string; doc?: string; sort: string; snippet?: boolean; filter?: string; preselect?: boolean },
): void {
  if (b.seen.has(label)) return;
  b.seen.add(label);
  const snippet = !!o.snippet && b.env.client.snippets;
  const newText = (b.cc.needsSpace ? ' ' : '') + (o.snippet && !snippet ? plain(text) : text);
  const item: CompletionItem = {
    label,
    kind,
    detail: o.detail,
    sortText: o.sort,
    filterText: o.filter ?? label,
    textEdit: { range: b.ctx.range(b.cc.replace), newText },
  };
  if (o.doc) item.documentation = markup(b, o.doc);
  if (snippet) item.insertTextFormat = InsertTextFormat.Snippet;
  if (o.preselect) item.preselect = true;
  b.items.push(item);
}

const pad = (i: number) => String(i).padStart(4, '0');

// ------------------------------------------------------------------------------------------------
// Placeholders and snippets

function placeholderValue(p: ParamSpec): unknown {
  if (p.name in TYPICAL) return TYPICAL[p.name];
  if (p.default !== undefined && typeof p.default !== 'object') return p.default;
  return placeholderFor(p.type, p.name);
}

/** A tab stop for a parameter's value: a choice list for enums and references, else a placeholder. */
function tabStop(n: number, p: ParamSpec): string {
  const t = p.type;
  let choices: string[] = [];
  if (t.kind === 'enum') choices = [...t.values];
  else if (t.kind === 'ref') choices = entries(t.category).map((e) => e.name);
  if (choices.length > 1 && choices.length <= 40 && choices.every((c) => /^[\w.-]+$/.test(c))) {
    const first = String(placeholderValue(p));
    const ordered = choices.includes(first) ? [first, ...choices.filter((c) => c !== first)] : choices;
    if (t.kind === 'ref' && t.category === 'activation') {
      // A layer's activation: a useful non-linearity first, not the `linear` default.
      const relu = ordered.find((c) => c === 'relu');
      if (relu) {
        ordered.splice(ordered.indexOf(relu), 1);
        ordered.unshift(relu);
      }
    }
    return `\${${n}|${ordered.join(',')}|}`;
  }
  return `\${${n}:${escapeSnippet(yamlValue(placeholderValue(p)))}}`;
}

/** The parameters a snippet spells out: the required ones, and a layer's activation. */
function snippetParams(entry: CatalogEntry): ParamSpec[] {
  return entry.params.filter((p) => p.required || (entry.category === 'layer' && p.name === 'activation' && p.type.kind === 'ref'));
}

/** `name: { p: ${1:…}, … }` (or just `name` when nothing needs saying). */
function itemSnippet(entry: CatalogEntry, opts: { braces: boolean }): { text: string; snippet: boolean } {
  const ps = snippetParams(entry);
  if (!ps.length) return { text: entry.name, snippet: false };
  const primary = entry.primary ? ps.find((p) => p.name === entry.primary) : undefined;
  const onlyPrimary = primary && ps.length === 1 && entry.params.filter((p) => p.required).length <= 1;
  const body = onlyPrimary ? tabStop(1, primary) : `{ ${ps.map((p, i) => `${p.name}: ${tabStop(i + 1, p)}`).join(', ')} }`;
  const text = `${entry.name}: ${body}`;
  return { text: opts.braces ? `{ ${text} }` : text, snippet: true };
}

// ------------------------------------------------------------------------------------------------
// Item groups

function catalogNames(b: Builder, category: Category, how: 'key' | 'item' | 'value', group = '1'): void {
  const list = entries(category) as readonly CatalogEntry[];
  list.forEach((e, i) => {
    let text: string;
    let snippet = false;
    if (b.cc.colonAfter) text = e.name;
    else if (how === 'key' || (how === 'item' && !b.cc.flow)) ({ text, snippet } = itemSnippet(e, { braces: false }));
    else ({ text, snippet } = itemSnippet(e, { braces: true }));
    if (how === 'value' && !snippetParams(e).some((p) => p.required)) {
      text = e.name;
      snippet = false;
    }
    add(b, e.name, kinds[category], text, {
      detail: e.summary,
      doc: entryCompletionDoc(e, b.env.client.completionMarkdown),
      sort: `${group}${pad(i)}`,
      snippet,
    });
  });
}

function keyText(b: Builder, key: string, f: Field | undefined): { text: string; snippet: boolean } {
  if (b.cc.colonAfter) return { text: key, snippet: false };
  if (!b.cc.flow && f) {
    const k = f.type.kind;
    if (k === 'layers' || k === 'items') return { text: `${key}:\n  - $0`, snippet: true };
    if (k === 'object') return { text: `${key}:\n  $0`, snippet: true };
  }
  return { text: `${key}: `, snippet: false };
}

function fieldKeys(b: Builder, fields: Readonly<Record<string, Field>>, path: string): void {
  Object.entries(fields).forEach(([key, f], i) => {
    if (b.cc.present.has(key)) return;
    const { text, snippet } = keyText(b, key, f);
    add(b, key, f.type.kind === 'object' ? CompletionItemKind.Module : CompletionItemKind.Property, text, {
      detail: describeField(f).replace(/`|\\/g, ''),
      doc: fieldDoc(key, path ? `${path}.${key}` : key, f, { markdown: b.env.client.completionMarkdown, images: false }),
      sort: `${f.required ? '0' : '1'}${pad(i)}`,
      snippet,
    });
  });
}

function paramKeys(b: Builder, entry: CatalogEntry): void {
  entry.params.forEach((p, i) => {
    if (b.cc.present.has(p.name)) return;
    const text = b.cc.colonAfter ? p.name : `${p.name}: `;
    add(b, p.name, CompletionItemKind.Property, text, {
      detail: `${describeType(p.type).replace(/`|\\/g, '')}${p.required ? ' · required' : p.default !== undefined ? ` = ${yamlValue(p.default)}` : ''}`,
      doc: paramDoc(entry, p, { markdown: b.env.client.completionMarkdown, images: false }),
      sort: `${p.required ? '0' : '1'}${pad(i)}`,
    });
  });
}

function plainValues(b: Builder, t: ParamType, doc: string | undefined, def: unknown): void {
  enumValues(t).forEach((v, i) => {
    add(b, v, t.kind === 'bool' || (t.kind === 'one_of' && (v === 'true' || v === 'false')) ? CompletionItemKind.Keyword : CompletionItemKind.EnumMember, v, {
      detail: def !== undefined && String(def) === v ? 'default' : undefined,
      doc,
      sort: `0${pad(i)}`,
      preselect: def !== undefined && String(def) === v,
    });
  });
  for (const c of refCategories(t)) catalogNames(b, c, 'value', '2');
}

/** Layer names a layer may read (nearest earlier layers first), and the model inputs. */
function layerRefs(b: Builder, index: number, exclude: Set<string>): void {
  const layers = b.ctx.analysis.spec.model?.layers ?? [];
  const named = layers.filter((l) => l.name && l.index !== index && !exclude.has(l.name.value));
  named.sort((x, y) => {
    const dx = x.index < index ? index - x.index : 1e9 + x.index;
    const dy = y.index < index ? index - y.index : 1e9 + y.index;
    return dx - dy;
  });
  let n = 0;
  for (const l of named) {
    if (n++ >= MAX_REFS) break;
    const info = b.ctx.layerInfo(l.index);
    add(b, l.name!.value, CompletionItemKind.Variable, l.name!.value, {
      detail: `${l.type}${info?.outputShape ? ` → ${formatShape(info.outputShape)}` : ''}${l.index > index ? ' (later layer)' : ''}`,
      sort: `0${pad(Math.min(n, 9999))}`,
    });
  }
  const inputs = b.ctx.analysis.model?.inputs;
  if (inputs) {
    [...inputs.entries()].forEach(([name, shape], i) => {
      if (exclude.has(name)) return;
      add(b, name, CompletionItemKind.Variable, name, { detail: `model input ${formatShape(shape)}`, sort: `1${pad(i)}` });
    });
  }
  b.truncated = named.length > MAX_REFS;
}

function monitorValues(b: Builder): void {
  const metrics = (b.ctx.analysis.spec.train?.metrics ?? []).map((m) => m.type);
  const values = ['val_loss', 'loss', ...metrics.flatMap((m) => [`val_${m}`, m])];
  values.forEach((v, i) => add(b, v, CompletionItemKind.Value, v, { sort: `0${pad(i)}` }));
}

// ------------------------------------------------------------------------------------------------
// Whole-spec snippet

function specSnippet(): string | undefined {
  const source = entries('source')[0] as CatalogEntry | undefined;
  const dense = entries('layer').find((e) => e.params.some((p) => p.name === 'units' && p.required));
  const losses = entries('loss').map((e) => e.name);
  const optimizers = entries('optimizer').map((e) => e.name);
  const metrics = entries('metric').map((e) => e.name);
  if (!source || !losses.length || !optimizers.length) return undefined;
  let n = 1;
  const choice = (values: string[], prefer?: string) => {
    const ordered = prefer && values.includes(prefer) ? [prefer, ...values.filter((v) => v !== prefer)] : values;
    return `\${${n++}|${ordered.join(',')}|}`;
  };
  const sourceParams = snippetParams(source);
  const src = sourceParams.length
    ? source.primary && sourceParams.length === 1
      ? `{ ${source.name}: ${tabStop(n++, sourceParams[0])} }`
      : `{ ${source.name}: { ${sourceParams.map((p) => `${p.name}: ${tabStop(n++, p)}`).join(', ')} } }`
    : source.name;
  const lines = ['version: 1', `name: \${${n++}:my-model}`, 'seed: 42', '', 'data:', `  source: ${src}`, '  validation: { split: 0.1 }', '', 'model:', `  input: [\${${n++}:784}]`, '  layers:'];
  if (dense) {
    lines.push(`    - ${dense.name}: { units: \${${n++}:64}, activation: relu }`);
    lines.push(`    - ${dense.name}: { units: \${${n++}:10}, activation: softmax }`);
  } else lines.push(`    - \${${n++}}`);
  lines.push('', 'train:', `  loss: ${choice(losses, 'sparse_categorical_crossentropy')}`, `  optimizer: ${choice(optimizers, 'adam')}`);
  if (metrics.length) lines.push(`  metrics: [${choice(metrics, 'accuracy')}]`);
  lines.push('  epochs: 10', '  batch_size: 32', '$0');
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------------

function offers(b: Builder, list: Offer[], kind: CompletionItemKind): void {
  list.forEach((o, i) => add(b, o.label, kind, b.cc.colonAfter ? o.label : o.text, { detail: o.detail, doc: o.doc, sort: `0${pad(i)}`, snippet: o.snippet && !b.cc.colonAfter }));
}

/** A variant's names (`search.pruner`: none, median, asha), as keys or as values. */
function variantNames(b: Builder, e: Extract<Expect, { kind: 'variant' }>, how: 'key' | 'value'): void {
  if (e.path.startsWith('search.space.')) {
    const forms = spaceFormOffers(b.ctx, e.path.slice('search.space.'.length));
    // As a key inside `{ … }` the form's name is what is typed; its value follows.
    return offers(b, how === 'key' ? forms.map((f) => ({ ...f, text: `${f.label}: `, snippet: false })) : forms, CompletionItemKind.EnumMember);
  }
  if (e.field.type.kind !== 'variant') return;
  Object.entries(e.field.type.variants).forEach(([name, f], i) => {
    if (how === 'key' && !f) return;
    add(b, name, CompletionItemKind.EnumMember, how === 'key' ? `${name}: ` : name, { detail: f?.doc.split(':')[0], doc: f?.doc, sort: `0${pad(i)}` });
  });
}

function keyMode(b: Builder, e: Expect): void {
  switch (e.kind) {
    case 'map':
      return offers(b, spacePathOffers(b.ctx), CompletionItemKind.Field);
    case 'variant':
      return variantNames(b, e, 'key');
    case 'object':
      if (e.field.type.kind === 'object') fieldKeys(b, e.field.type.fields, e.path);
      if (e.path === '' && b.cc.present.size === 0) {
        const s = specSnippet();
        if (s) add(b, 'spec', CompletionItemKind.Snippet, s, { detail: 'A whole ModelYAML spec', doc: 'Inserts a complete spec: data, model and train.', sort: '9', snippet: true, filter: 'spec' });
      }
      return;
    case 'params':
      return paramKeys(b, e.entry);
    case 'layer': {
      const layer = b.ctx.layer(e.index);
      const typed = [...b.cc.present].some((k) => !Object.prototype.hasOwnProperty.call(layerSiblingFields, k));
      const typeElsewhere = layer && (layer.typeRange.end < b.cc.replace.start || layer.typeRange.start > b.cc.replace.end);
      if (!typed && !typeElsewhere) catalogNames(b, 'layer', 'key');
      Object.entries(layerSiblingFields).forEach(([key, f], i) => {
        if (b.cc.present.has(key)) return;
        add(b, key, CompletionItemKind.Property, b.cc.colonAfter ? key : `${key}: `, {
          detail: describeField(f).replace(/`|\\/g, ''),
          doc: fieldDoc(key, key, f, { markdown: b.env.client.completionMarkdown, images: false }),
          sort: `5${pad(i)}`,
        });
      });
      return;
    }
    case 'item':
      return catalogNames(b, e.category, 'key');
    default:
      return;
  }
}

function valueMode(b: Builder, at: Expect, how: 'item' | 'value'): void {
  const e = scalarExpect(at);
  switch (e.kind) {
    case 'variant':
      return variantNames(b, e, 'value');
    case 'item':
      return catalogNames(b, e.category, at.kind === 'layer' ? 'item' : how);
    case 'value': {
      if (e.path === 'model.output') return layerRefs(b, -1, new Set());
      if (/(^|\.)monitor$/.test(e.path) && e.field) return monitorValues(b);
      const listed = /^search\.space\.(.+)\.(?:choice|grid)\[\d+\]$/.exec(e.path);
      if (listed) return offers(b, choiceValueOffers(b.ctx, listed[1]), CompletionItemKind.EnumMember);
      if (e.path === 'search.metric') return loggedMetrics(b.ctx.analysis.spec).forEach((v, i) => add(b, v, CompletionItemKind.Value, v, { sort: `0${pad(i)}` }));
      const doc = e.param && e.entry ? paramDoc(e.entry, e.param, { markdown: b.env.client.completionMarkdown, images: false }) : e.field?.doc;
      return plainValues(b, e.type, doc, e.param?.default ?? e.field?.default);
    }
    case 'ref': {
      const exclude = new Set<string>();
      for (const it of b.cc.siblings?.items ?? []) {
        const v = (it as { value?: unknown } | null)?.value;
        const r = (it as { range?: number[] } | null)?.range;
        if (typeof v === 'string' && !(r && r[0] <= b.cc.replace.start && b.cc.replace.start <= r[1])) exclude.add(v);
      }
      return layerRefs(b, e.index, exclude);
    }
    default:
      return;
  }
}

/**
 * A key typed inside `search.space`, or the value after one: a path, whose `[index]` brackets are
 * not word characters elsewhere. The context is that of the line's first character; a key is
 * replaced whole.
 */
function spaceContext(ctx: DocContext, offset: number): CursorContext | undefined {
  const text = ctx.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^([ \t]+)([\w.[\]-]*)(?:(:[ \t]*)([\w-]*))?$/.exec(text.slice(lineStart, offset));
  if (!m || !m[2].includes('[')) return undefined;
  const start = lineStart + m[1].length;
  const cc = cursorContext(ctx, start);
  if (!cc || cc.mode !== 'key' || cc.expect.kind !== 'map') return undefined;
  if (m[3] !== undefined) {
    const ws = offset - m[4].length;
    return { ...cc, mode: 'value', expect: step(cc.expect, m[2]), replace: { start: ws, end: offset }, word: m[4], colonAfter: false, needsSpace: m[3] === ':' };
  }
  let end = offset;
  while (end < text.length && /[\w.[\]-]/.test(text[end])) end++;
  return { ...cc, replace: { start, end }, word: m[2], colonAfter: /^[ \t]*:/.test(text.slice(end)) };
}

export function doComplete(ctx: DocContext, position: Position, env: ServiceEnv): CompletionList {
  const cc = spaceContext(ctx, ctx.offset(position)) ?? cursorContext(ctx, ctx.offset(position));
  if (!cc) return { isIncomplete: false, items: [] };
  const b: Builder = { ctx, cc, env, items: [], seen: new Set() };
  if (cc.mode === 'key') keyMode(b, cc.expect);
  else valueMode(b, cc.expect, cc.mode);
  return { isIncomplete: !!b.truncated, items: b.items };
}
