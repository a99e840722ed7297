/**
 * What is expected at a place in a spec, from the structure (`src/core/structure.ts`) and the
 * catalog: the language service's one model of the language. A path of keys and indices (from
 * `locateNode`, or from the indentation of a half-typed line) is walked one step at a time, so
 * hover, completion and semantic tokens all agree, and all read the catalog generically.
 */
import { fieldKind, typeText } from '../../src/core/docs';
import { categoryNoun, entries, lookup } from '../../src/core/catalog';
import type { Category, CatalogEntry, ParamSpec, ParamType } from '../../src/core/catalog/types';
import type { PathKey } from '../../src/core/locate';
import { layerSiblingFields, specStructure, type Field } from '../../src/core/structure';

export type Expect =
  /** A mapping of structure keys (the spec root, `data`, `train`, `train.early_stopping`, …). */
  | { kind: 'object'; field: Field; path: string }
  /** A mapping with keys the user chooses (`search.space`: parameter paths). */
  | { kind: 'map'; field: Field; path: string }
  /** One of a structure field's named forms (`search.pruner`, a space's `uniform`/`choice`/…). */
  | { kind: 'variant'; field: Field; path: string }
  /** A list of plain values (a space's `choice`/`grid`). */
  | { kind: 'values'; field: Field; path: string }
  /** A plain value: a structure field's, a parameter's, or an element of a list-valued one. */
  | { kind: 'value'; type: ParamType; path: string; field?: Field; entry?: CatalogEntry; param?: ParamSpec }
  /** One catalog item: a bare name, or a one-key mapping from the name to its parameters. */
  | { kind: 'item'; category: Category; path: string; field?: Field; entry?: CatalogEntry; param?: ParamSpec }
  /** A list of catalog items (`data.pipeline`, `train.metrics`). */
  | { kind: 'items'; category: Category; path: string; field: Field }
  /** `model.layers`. */
  | { kind: 'layers'; path: string; field: Field }
  /** One element of `model.layers`: an item that may also carry `name` and `inputs`. */
  | { kind: 'layer'; index: number; path: string }
  /** The parameters of an item: the value after its type key. */
  | { kind: 'params'; entry: CatalogEntry; path: string }
  /** A layer's `name`. */
  | { kind: 'layerName'; index: number; path: string }
  /** A layer's `inputs` (a name or a list of names). */
  | { kind: 'inputs'; index: number; path: string }
  /** One name in a layer's `inputs`. */
  | { kind: 'ref'; index: number; path: string }
  /** `model.input`: a shape, or a mapping from input names to shapes. */
  | { kind: 'input'; path: string; field: Field }
  /** One shape in `model.input`. */
  | { kind: 'shape'; name: string; path: string }
  | { kind: 'unknown'; path: string };

export const rootExpect: Expect = { kind: 'object', field: specStructure, path: '' };

const join = (path: string, key: PathKey) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

export function fromField(field: Field, path: string): Expect {
  const t = field.type;
  switch (t.kind) {
    case 'object':
      return { kind: 'object', field, path };
    case 'item':
      return { kind: 'item', category: t.category, path, field };
    case 'items':
      return { kind: 'items', category: t.category, path, field };
    case 'layers':
      return { kind: 'layers', path, field };
    case 'input_shape':
      return { kind: 'input', path, field };
    case 'value':
      return { kind: 'value', type: t.type, path, field };
    case 'map':
      return { kind: 'map', field, path };
    case 'variant':
      return { kind: 'variant', field, path };
    case 'values':
      return { kind: 'values', field, path };
  }
}

export function fromParam(entry: CatalogEntry, param: ParamSpec, path: string): Expect {
  const t = param.type;
  if (t.kind === 'ref') return { kind: 'item', category: t.category, path, entry, param };
  if (t.kind === 'layer') return { kind: 'item', category: 'layer', path, entry, param };
  if (t.kind === 'source') return { kind: 'item', category: 'source', path, entry, param };
  return { kind: 'value', type: t, path, entry, param };
}

function elementType(t: ParamType): ParamType | undefined {
  switch (t.kind) {
    case 'ints':
    case 'int_or_ints':
      return { kind: 'int', min: t.min };
    case 'floats':
      return { kind: 'float' };
    case 'strings':
      return { kind: 'string' };
    case 'one_of':
      for (const s of t.types) {
        const e = elementType(s);
        if (e) return e;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** One step down from `e` by a map key or a list index. */
export function step(e: Expect, key: PathKey): Expect {
  const path = join(e.path, key);
  const unknown: Expect = { kind: 'unknown', path };
  switch (e.kind) {
    case 'object': {
      if (e.field.type.kind !== 'object') return unknown;
      const t = e.field.type;
      // The list form of a mapping (`uniform: [0.1, 0.5]`): item i is the i-th listed field.
      if (typeof key === 'number') return t.list && key < t.list.length ? fromField(t.fields[t.list[key]], path) : unknown;
      const f = t.fields[key];
      return f && Object.prototype.hasOwnProperty.call(e.field.type.fields, key) ? fromField(f, path) : unknown;
    }
    case 'value': {
      if (typeof key !== 'number') return unknown;
      const t = elementType(e.type);
      return t ? { ...e, kind: 'value', type: t, path } : unknown;
    }
    case 'item': {
      if (typeof key !== 'string') return unknown;
      const entry = lookup(e.category, key);
      return entry ? { kind: 'params', entry, path } : unknown;
    }
    case 'items':
      return typeof key === 'number' ? { kind: 'item', category: e.category, path, field: e.field } : unknown;
    case 'map':
      return typeof key === 'string' && e.field.type.kind === 'map' ? fromField(e.field.type.value, path) : unknown;
    case 'variant': {
      const v = typeof key === 'string' && e.field.type.kind === 'variant' && Object.prototype.hasOwnProperty.call(e.field.type.variants, key) ? e.field.type.variants[key] : null;
      return v ? fromField(v, path) : unknown;
    }
    case 'values':
      return typeof key === 'number' ? { kind: 'value', type: { kind: 'one_of', types: [{ kind: 'float' }, { kind: 'string' }, { kind: 'bool' }] }, path, field: e.field } : unknown;
    case 'layers':
      return typeof key === 'number' ? { kind: 'layer', index: key, path } : unknown;
    case 'layer': {
      if (key === 'name') return { kind: 'layerName', index: e.index, path };
      if (key === 'inputs') return { kind: 'inputs', index: e.index, path };
      if (typeof key !== 'string') return unknown;
      const entry = lookup('layer', key);
      return entry ? { kind: 'params', entry, path } : unknown;
    }
    case 'params': {
      if (typeof key !== 'string') return unknown;
      const p = e.entry.params.find((x) => x.name === key);
      return p ? fromParam(e.entry, p, path) : unknown;
    }
    case 'inputs':
      return typeof key === 'number' ? { kind: 'ref', index: e.index, path } : unknown;
    case 'input':
      return typeof key === 'string' ? { kind: 'shape', name: key, path } : { kind: 'value', type: { kind: 'int', min: 1 }, path };
    case 'shape':
      return typeof key === 'number' ? { kind: 'value', type: { kind: 'int', min: 1 }, path } : unknown;
    default:
      return unknown;
  }
}

export function expectAt(keys: readonly PathKey[]): Expect {
  let e = rootExpect;
  for (const k of keys) {
    e = step(e, k);
    if (e.kind === 'unknown') return e;
  }
  return e;
}

/**
 * What a scalar at a place expecting `e` means: `{ dropout: 0.2 }` sets the primary parameter;
 * `inputs: stem` is one reference; `model.input: 4` is a one-axis shape.
 */
export function scalarExpect(e: Expect): Expect {
  if (e.kind === 'params') {
    const p = e.entry.primary ? e.entry.params.find((x) => x.name === e.entry.primary) : undefined;
    return p ? fromParam(e.entry, p, e.path) : { kind: 'unknown', path: e.path };
  }
  if (e.kind === 'inputs') return { kind: 'ref', index: e.index, path: e.path };
  if (e.kind === 'layer') return { kind: 'item', category: 'layer', path: e.path };
  if (e.kind === 'items') return { kind: 'item', category: e.category, path: e.path, field: e.field };
  return e;
}

/** The category whose names are valid at `e`, if names are what it takes. */
export function nameCategory(e: Expect): Category | undefined {
  if (e.kind === 'item') return e.category;
  if (e.kind === 'layer') return 'layer';
  if (e.kind === 'items') return e.category;
  return undefined;
}

/** Enum-like values of a plain type. */
export function enumValues(t: ParamType): string[] {
  switch (t.kind) {
    case 'enum':
      return [...t.values];
    case 'bool':
      return ['true', 'false'];
    case 'one_of':
      return t.types.flatMap(enumValues);
    default:
      return [];
  }
}

/** Categories named by a plain type (`one_of` may admit a reference). */
export function refCategories(t: ParamType): Category[] {
  if (t.kind === 'ref') return [t.category];
  if (t.kind === 'one_of') return t.types.flatMap(refCategories);
  return [];
}

/** A type in words, for hovers and completion details (Markdown): the docs' wording. */
export const describeType = typeText;

/** A field's type in words. */
export function describeField(f: Field): string {
  const t = f.type;
  switch (t.kind) {
    case 'object':
      return 'mapping';
    case 'item':
      return categoryNoun[t.category];
    case 'items':
      return `list of ${categoryNoun[t.category]}s`;
    case 'layers':
      return 'list of layers';
    case 'input_shape':
      return 'shape, or mapping of input names to shapes';
    case 'value':
      return describeType(t.type);
    default:
      return fieldKind(f);
  }
}

/** Every name of a category, as the catalog lists them. */
export function names(category: Category): readonly CatalogEntry[] {
  return entries(category) as readonly CatalogEntry[];
}

export { layerSiblingFields };
