/**
 * JSON Schema (draft-07, what yaml-language-server and most YAML tooling read) generated from the
 * structure and the catalog, so users of other editors get completion and validation too.
 */
import { categoryNoun, entries } from './catalog';
import type { Category, CatalogEntry, ParamType } from './catalog/types';
import { layerSiblingFields, specStructure, type Field } from './structure';

type Schema = Record<string, unknown>;

function paramSchema(t: ParamType): Schema {
  switch (t.kind) {
    case 'int':
    case 'float': {
      const s: Schema = { type: t.kind === 'int' ? 'integer' : 'number' };
      if (t.min !== undefined) s[t.kind === 'float' && t.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = t.min;
      if (t.max !== undefined) s[t.kind === 'float' && t.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = t.max;
      return s;
    }
    case 'bool':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string', minLength: 1, ...(t.maxLength !== undefined ? { maxLength: t.maxLength } : {}) };
    case 'path':
      return { type: 'string', minLength: 1 };
    case 'enum':
      return { enum: [...t.values] };
    case 'ref':
      return { $ref: `#/definitions/${t.category}` };
    case 'layer':
      return { $ref: '#/definitions/layer' };
    case 'source':
      return { $ref: '#/definitions/source' };
    case 'ints':
      return { type: 'array', items: { type: 'integer', ...(t.min !== undefined ? { minimum: t.min } : {}) }, ...(t.minLength ? { minItems: t.minLength } : {}), ...(t.maxLength ? { maxItems: t.maxLength } : {}) };
    case 'int_or_ints': {
      const int = { type: 'integer', ...(t.min !== undefined ? { minimum: t.min } : {}) };
      return { oneOf: [int, { type: 'array', items: int, minItems: t.length, maxItems: t.length }] };
    }
    case 'strings':
      return { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
    case 'floats':
      return { type: 'array', items: { type: 'number' } };
    case 'one_of':
      return { oneOf: t.types.map(paramSchema) };
  }
}

function entryDescription(e: CatalogEntry): string {
  return `${e.summary}\n\n${e.formulas.map((f) => `${f.label}: ${f.unicode}`).join('\n')}`;
}

function paramsObject(e: CatalogEntry): Schema {
  const properties: Record<string, Schema> = {};
  for (const p of e.params) properties[p.name] = { ...paramSchema(p.type), description: p.doc, ...(p.default !== undefined ? { default: p.default } : {}) };
  const required = e.params.filter((p) => p.required).map((p) => p.name);
  return { type: 'object', properties, additionalProperties: false, ...(required.length ? { required } : {}) };
}

/** One catalog item: a bare name (when nothing is required), or `{ name: params | primary }`. */
function itemSchema(category: Category, extra: Record<string, Field> = {}): Schema {
  const list = entries(category) as readonly CatalogEntry[];
  const bare = list.filter((e) => !e.params.some((p) => p.required)).map((e) => e.name);
  const variants: Schema[] = [];
  if (bare.length) variants.push({ enum: bare, description: `A ${categoryNoun[category]} with default parameters.` });
  for (const e of list) {
    const primary = e.primary ? e.params.find((p) => p.name === e.primary) : undefined;
    const value: Schema = primary
      ? { oneOf: [paramsObject(e), paramSchema(primary.type), ...(e.params.some((p) => p.required && p.name !== e.primary) ? [] : [{ type: 'null' }])] }
      : e.params.some((p) => p.required)
        ? paramsObject(e)
        : { oneOf: [paramsObject(e), { type: 'null' }] };
    const properties: Record<string, Schema> = { [e.name]: { ...value, description: entryDescription(e) } };
    for (const [k, f] of Object.entries(extra)) properties[k] = fieldSchema(f);
    variants.push({ type: 'object', properties, required: [e.name], additionalProperties: false, description: e.summary });
  }
  return { description: `A ${categoryNoun[category]}.`, oneOf: variants };
}

function fieldSchema(f: Field): Schema {
  const t = f.type;
  let s: Schema;
  switch (t.kind) {
    case 'object': {
      const properties: Record<string, Schema> = {};
      for (const [k, sub] of Object.entries(t.fields)) properties[k] = fieldSchema(sub);
      const required = Object.entries(t.fields).filter(([, sub]) => sub.required).map(([k]) => k);
      s = { type: 'object', properties, additionalProperties: false, ...(required.length ? { required } : {}) };
      if (t.list) {
        // The list form: the fields in order; the first two (the required ones) must be there.
        const items = t.list.map((k) => fieldSchema(t.fields[k]));
        s = { oneOf: [s, { type: 'array', items, minItems: 2, maxItems: t.list.length }] };
      }
      break;
    }
    case 'map':
      s = { type: 'object', additionalProperties: fieldSchema(t.value), propertyNames: { description: t.keyDoc } };
      break;
    case 'variant': {
      const bare = Object.entries(t.variants).filter(([, v]) => v === null || (v.type.kind === 'object' && !Object.values(v.type.fields).some((x) => x.required))).map(([k]) => k);
      const forms: Schema[] = Object.entries(t.variants)
        .filter((e): e is [string, Field] => e[1] !== null)
        .map(([k, v]) => ({ type: 'object', properties: { [k]: fieldSchema(v) }, required: [k], additionalProperties: false }));
      s = { oneOf: [...(bare.length ? [{ enum: bare }] : []), ...forms] };
      break;
    }
    case 'values':
      s = { type: 'array', minItems: 1, items: { type: ['number', 'string', 'boolean'] } };
      break;
    case 'item':
      s = { $ref: `#/definitions/${t.category}` };
      break;
    case 'items':
      s = { oneOf: [{ type: 'array', items: { $ref: `#/definitions/${t.category}` } }, { $ref: `#/definitions/${t.category}` }] };
      break;
    case 'layers':
      s = { type: 'array', items: { $ref: '#/definitions/layerItem' } };
      break;
    case 'input_shape': {
      const shape = { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 };
      s = { oneOf: [shape, { type: 'object', additionalProperties: shape }] };
      break;
    }
    case 'value':
      s = paramSchema(t.type);
      break;
  }
  return { ...s, description: f.doc, ...(f.default !== undefined ? { default: f.default } : {}) };
}

export function jsonSchema(): Schema {
  const categories: Category[] = ['layer', 'activation', 'loss', 'optimizer', 'metric', 'regularizer', 'initializer', 'schedule', 'source', 'step'];
  const definitions: Record<string, Schema> = {};
  for (const c of categories) definitions[c] = itemSchema(c);
  definitions.layerItem = itemSchema('layer', layerSiblingFields);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://modelyaml.dev/schema/v1.json',
    title: 'ModelYAML spec',
    ...fieldSchema(specStructure),
    definitions,
  };
}
