/**
 * Go to definition, references and rename for layer names (`name:` declares, `inputs:` and
 * `model.output` refer) and for the names of a multi-input model's inputs; document links for
 * data file paths.
 */
import type { DocumentLink, Location, Position, Range as LspRange, WorkspaceEdit } from 'vscode-languageserver-types';
import { isScalar, type Node as YNode } from 'yaml';
import type { Range } from '../../src/core/diagnostics';
import { isLeaf } from '../../src/core/locate';
import type { DocContext } from './document';
import { expectAt, scalarExpect, type Expect } from './schema';
import { unquoted } from './text';
import { walk } from './walk';

interface NameAt {
  name: string;
  range: Range;
}

/** The layer or input name under the cursor, if any. */
function nameAt(ctx: DocContext, offset: number): NameAt | undefined {
  const loc = ctx.locate(offset);
  if (!loc.inNode || !loc.node || !isLeaf(loc.node) || !isScalar(loc.node)) return undefined;
  const r = loc.node.range;
  const value = loc.node.value;
  if (!r || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  const keys = loc.steps.map((s) => s.key);
  const name = String(value);
  const range = unquoted(ctx.text, { start: r[0], end: r[1] });
  if (loc.onKey) {
    // A named model input: `input: { image: [28, 28, 1], … }`.
    const parent = expectAt(keys.slice(0, -1));
    return parent.kind === 'input' && ctx.analysis.spec.model?.inputs?.value.has(name) ? { name, range } : undefined;
  }
  const e: Expect = scalarExpect(expectAt(keys));
  if (e.kind === 'layerName' || e.kind === 'ref' || (e.kind === 'value' && e.path === 'model.output')) return { name, range };
  return undefined;
}

interface Occurrence {
  range: Range;
  declaration: boolean;
}

function occurrences(ctx: DocContext, name: string): Occurrence[] {
  const out: Occurrence[] = [];
  const model = ctx.analysis.spec.model;
  if (!model) return out;
  const text = ctx.text;
  const input = model.inputs?.value.get(name);
  if (input?.keyRange && model.inputs!.value.size > 1) out.push({ range: unquoted(text, input.keyRange), declaration: true });
  for (const l of model.layers) {
    if (l.name?.value === name) out.push({ range: unquoted(text, l.name.range), declaration: true });
    for (const ref of l.inputs ?? []) if (ref.value === name) out.push({ range: unquoted(text, ref.range), declaration: false });
  }
  if (model.output?.value === name) out.push({ range: unquoted(text, model.output.range), declaration: false });
  return out.sort((a, b) => a.range.start - b.range.start);
}

export function getDefinition(ctx: DocContext, position: Position): Location[] {
  const at = nameAt(ctx, ctx.offset(position));
  if (!at) return [];
  return occurrences(ctx, at.name)
    .filter((o) => o.declaration)
    .map((o) => ({ uri: ctx.uri, range: ctx.range(o.range) }));
}

export function getReferences(ctx: DocContext, position: Position, includeDeclaration: boolean): Location[] {
  const at = nameAt(ctx, ctx.offset(position));
  if (!at) return [];
  return occurrences(ctx, at.name)
    .filter((o) => includeDeclaration || !o.declaration)
    .map((o) => ({ uri: ctx.uri, range: ctx.range(o.range) }));
}

export function prepareRename(ctx: DocContext, position: Position): { range: LspRange; placeholder: string } | null {
  const at = nameAt(ctx, ctx.offset(position));
  if (!at || !occurrences(ctx, at.name).some((o) => o.declaration)) return null;
  return { range: ctx.range(at.range), placeholder: at.name };
}

export const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Rename edits, or null when nothing here can be renamed. Throws a message for an invalid new name. */
export function doRename(ctx: DocContext, position: Position, newName: string): WorkspaceEdit | null {
  const at = nameAt(ctx, ctx.offset(position));
  if (!at) return null;
  const occ = occurrences(ctx, at.name);
  if (!occ.some((o) => o.declaration)) return null;
  if (!VALID_NAME.test(newName)) throw new RenameError(`'${newName}' is not a valid layer name: use letters, digits, '_', '-' and '.', starting with a letter or '_'.`);
  return { changes: { [ctx.uri]: occ.map((o) => ({ range: ctx.range(o.range), newText: newName })) } };
}

export class RenameError extends Error {}

// ------------------------------------------------------------------------------------------------
// Links

function isPathType(t: { kind: string; types?: readonly { kind: string }[] }): boolean {
  return t.kind === 'path' || (t.kind === 'one_of' && !!t.types?.some(isPathType));
}

function resolveTarget(base: string, path: string): string | undefined {
  if (!/^file:/i.test(base)) return undefined;
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)) return undefined; // a URL, not a path
    const p = path.replace(/\\/g, '/');
    if (/^[a-z]:\//i.test(p)) return new URL(`file:///${p}`).href;
    return new URL(p.split('/').map(encodeURIComponent).join('/'), base).href;
  } catch {
    return undefined;
  }
}

export function getDocumentLinks(ctx: DocContext): DocumentLink[] {
  const links: DocumentLink[] = [];
  walk(ctx.analysis.doc, {
    value(node, at) {
      const e = scalarExpect(at);
      if (e.kind !== 'value' || typeof node.value !== 'string' || !node.value || !isPathType(e.type)) return;
      const r = (node as YNode).range;
      if (!r) return;
      const target = resolveTarget(ctx.uri, node.value);
      if (!target) return;
      links.push({ range: ctx.range(unquoted(ctx.text, { start: r[0], end: r[1] })), target, tooltip: `Open ${node.value}` });
    },
  });
  return links;
}
