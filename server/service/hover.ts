/**
 * Hover: catalog names (summary, docs, formulas as images + Unicode, parameter table; for a layer
 * its inferred shapes and parameter count), parameters (doc, type, default, range), structure
 * keys, layer names and references.
 */
import type { Hover, Position } from 'vscode-languageserver-types';
import { isScalar } from 'yaml';
import { lookup } from '../../src/core/catalog';
import { layerId } from '../../src/core/infer';
import { describeSource } from '../../src/core/pretrained';
import { isLeaf, nodeRange } from '../../src/core/locate';
import { formatShape } from '../../src/core/shape';
import type { DocContext } from './document';
import { entryDoc, fieldDoc, formulaStyle, layerShapeLine, layerWeightsLine, paramDoc, type DocOptions } from './markdown';
import { expectAt, layerSiblingFields, scalarExpect, type Expect } from './schema';
import type { ServiceEnv } from './types';
import { spacePathDoc } from './search';

export function docOptions(env: ServiceEnv): DocOptions {
  return { markdown: env.client.hoverMarkdown, images: env.client.hoverMarkdown && env.client.formulaImages, ...formulaStyle(env.settings) };
}

function layerDoc(ctx: DocContext, index: number, o: DocOptions): string | undefined {
  const layer = ctx.layer(index);
  if (!layer) return undefined;
  const entry = lookup('layer', layer.type);
  const shape = layerShapeLine(ctx.layerInfo(index));
  const name = layer.name ? (o.markdown ? `layer \`${layer.name.value}\`` : `layer ${layer.name.value}`) : undefined;
  const extra = [name, shape].filter(Boolean).join(' · ') || undefined;
  return entry ? entryDoc(entry, o, extra) : extra;
}

/** A short description of the layer or model input a name refers to. */
function refDoc(ctx: DocContext, name: string, o: DocOptions): string | undefined {
  const layer = ctx.layersByName.get(name);
  if (layer) {
    const shape = layerShapeLine(ctx.layerInfo(layer.index));
    const title = o.markdown ? `**${name}** — layer ${layer.index + 1}, \`${layer.type}\`` : `${name} — layer ${layer.index + 1}, ${layer.type}`;
    return [title, shape].filter(Boolean).join('\n\n');
  }
  const input = ctx.analysis.model?.inputs.get(name);
  if (input) return o.markdown ? `**${name}** — model input, shape ${formatShape(input)}` : `${name} — model input, shape ${formatShape(input)}`;
  return undefined;
}

function keyHover(ctx: DocContext, parent: Expect, key: string, o: DocOptions): string | undefined {
  switch (parent.kind) {
    case 'object': {
      if (parent.field.type.kind !== 'object' || !Object.prototype.hasOwnProperty.call(parent.field.type.fields, key)) return undefined;
      return fieldDoc(key, parent.path ? `${parent.path}.${key}` : key, parent.field.type.fields[key], o);
    }
    case 'layer': {
      if (Object.prototype.hasOwnProperty.call(layerSiblingFields, key)) return fieldDoc(key, key, layerSiblingFields[key], o);
      const layer = ctx.layer(parent.index);
      if (layer && layer.type === key) return layerDoc(ctx, parent.index, o);
      const entry = lookup('layer', key);
      return entry ? entryDoc(entry, o) : undefined;
    }
    case 'item': {
      const entry = lookup(parent.category, key);
      return entry ? entryDoc(entry, o) : undefined;
    }
    case 'params': {
      const p = parent.entry.params.find((x) => x.name === key);
      return p ? paramDoc(parent.entry, p, o) : undefined;
    }
    case 'map':
      return spacePathDoc(ctx, key, o);
    case 'variant': {
      const f = parent.field.type.kind === 'variant' && Object.prototype.hasOwnProperty.call(parent.field.type.variants, key) ? parent.field.type.variants[key] : undefined;
      return f ? fieldDoc(key, `${parent.path}.${key}`, f, o) : undefined;
    }
    case 'input': {
      const shape = ctx.analysis.model?.inputs.get(key);
      return refDoc(ctx, key, o) ?? (shape ? `${key}: ${formatShape(shape)}` : undefined);
    }
    default:
      return undefined;
  }
}

function valueHover(ctx: DocContext, at: Expect, value: unknown, o: DocOptions): string | undefined {
  if (at.kind === 'layer') return layerDoc(ctx, at.index, o);
  const e = scalarExpect(at);
  const text = typeof value === 'string' ? value : undefined;
  switch (e.kind) {
    case 'item': {
      if (text === undefined) return undefined;
      const entry = lookup(e.category, text);
      return entry ? entryDoc(entry, o) : undefined;
    }
    case 'value': {
      if (e.path === 'model.output' && text) return refDoc(ctx, text, o);
      if (e.path === 'model.weights.from' && ctx.analysis.pretrained) return describeSource(ctx.analysis.pretrained);
      if (e.entry && e.param) return paramDoc(e.entry, e.param, o, value);
      if (e.field) return fieldDoc(e.path.split('.').pop() ?? e.path, e.path, e.field, o);
      return undefined;
    }
    case 'layerName': {
      const layer = ctx.layer(e.index);
      if (!layer) return undefined;
      const shape = layerShapeLine(ctx.layerInfo(e.index));
      const title = o.markdown ? `**${layerId(layer)}** — layer ${layer.index + 1}, \`${layer.type}\`` : `${layerId(layer)} — layer ${layer.index + 1}, ${layer.type}`;
      return [title, shape, layerWeightsLine(ctx.layerInfo(e.index))].filter(Boolean).join('\n\n');
    }
    case 'ref':
      return text ? refDoc(ctx, text, o) : undefined;
    case 'variant':
      // A bare form (`pruner: median`): the field, then the form.
      return [fieldDoc(e.path.split('.').pop() ?? e.path, e.path, e.field, o), text && e.field.type.kind === 'variant' && e.field.type.variants[text] ? e.field.type.variants[text]!.doc : undefined].filter(Boolean).join('\n\n');
    case 'input':
    case 'shape':
      return undefined;
    default:
      return undefined;
  }
}

export function doHover(ctx: DocContext, position: Position, env: ServiceEnv): Hover | null {
  const offset = ctx.offset(position);
  const loc = ctx.locate(offset);
  if (!loc.inNode || !loc.node || !isLeaf(loc.node)) return null;
  const range = nodeRange(loc.node);
  if (!range) return null;
  const keys = loc.steps.map((s) => s.key);
  const o = docOptions(env);
  let content: string | undefined;
  if (loc.onKey) {
    content = keyHover(ctx, expectAt(keys.slice(0, -1)), String(keys[keys.length - 1]), o);
  } else {
    content = valueHover(ctx, expectAt(keys), isScalar(loc.node) ? loc.node.value : undefined, o);
  }
  if (!content) return null;
  return { contents: { kind: o.markdown ? 'markdown' : 'plaintext', value: content }, range: ctx.range(range) };
}
