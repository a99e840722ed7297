/**
 * Code actions: the core's machine-readable fixes (replace, insert_layer_before, set_param,
 * add_key) turned into workspace edits. The fixes come from the analysis of the document's
 * current version, so they always apply to the text the user sees.
 */
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionContext,
  type Diagnostic as LspDiagnostic,
  type Range as LspRange,
  type TextEdit,
} from 'vscode-languageserver-types';
import { isMap, type YAMLMap } from 'yaml';
import type { Fix, Range } from '../../src/core/diagnostics';
import { locateNode } from '../../src/core/locate';
import type { ItemNode } from '../../src/core/spec';
import type { DocContext } from './document';
import { addToMap, setParamEdits, yamlValue } from '../../src/core/edit';
import { lineEndAt, lineStartAt } from './text';
import type { ServiceEnv } from './types';
import { toLspDiagnostic } from './validation';

interface Edit {
  range: Range;
  newText: string;
}

/** The mapping node that starts at `start` (the root, or a value somewhere below it). */
function mapAt(ctx: DocContext, start: number): YAMLMap | undefined {
  const root = ctx.analysis.doc?.contents;
  if (isMap(root) && root.range?.[0] === start) return root;
  const loc = locateNode(ctx.analysis.doc, start);
  for (let i = loc.steps.length - 1; i >= 0; i--) {
    const n = loc.steps[i].node;
    if (isMap(n) && n.range?.[0] === start) return n;
  }
  if (isMap(root) && start === 0) return root;
  return undefined;
}

function indentOfLine(text: string, offset: number): { col: number; keyCol: number } {
  const ls = lineStartAt(text, offset);
  const line = text.slice(ls, lineEndAt(text, offset));
  const m = /^([ \t]*)((?:-[ \t]+)*)/.exec(line)!;
  return { col: m[1].length, keyCol: m[0].length };
}

function findItem(ctx: DocContext, r: Range): ItemNode | undefined {
  return ctx.items.find((i) => i.range.start === r.start && i.range.end === r.end);
}

function setParam(ctx: DocContext, fix: Extract<Fix, { kind: 'set_param' }>): Edit[] | undefined {
  const item = findItem(ctx, fix.itemRange);
  return item ? setParamEdits(ctx.text, ctx.analysis.doc, item, fix.param, yamlValue(fix.value)) : undefined;
}

function insertLayerBefore(ctx: DocContext, fix: Extract<Fix, { kind: 'insert_layer_before' }>): Edit[] | undefined {
  const layer = ctx.layer(fix.layerIndex);
  if (!layer) return undefined;
  const text = ctx.text;
  const ls = lineStartAt(text, layer.range.start);
  const before = text.slice(ls, layer.range.start);
  if (/^\s*-\s+$/.test(before)) return [{ range: { start: ls, end: ls }, newText: `${before}${fix.layer}\n` }];
  return [{ range: { start: layer.range.start, end: layer.range.start }, newText: `${fix.layer}, ` }];
}

function addKey(ctx: DocContext, fix: Extract<Fix, { kind: 'add_key' }>): Edit[] | undefined {
  const text = ctx.text;
  const map = mapAt(ctx, fix.parentRange.start);
  if (map) return addToMap(text, map, fix.key, fix.value);
  if (ctx.analysis.doc?.contents == null) return [{ range: { start: 0, end: 0 }, newText: `${fix.key}: ${fix.value}\n` }];
  // An empty value (`data:` with nothing after it): open a block mapping under its key.
  const r = fix.parentRange;
  if (r.end - r.start <= 0 || /^\s*(null|~)?\s*$/.test(text.slice(r.start, r.end))) {
    const { keyCol } = indentOfLine(text, r.start);
    return [{ range: { start: r.start, end: r.end }, newText: `\n${' '.repeat(keyCol + 2)}${fix.key}: ${fix.value}` }];
  }
  return undefined;
}

export function fixEdits(ctx: DocContext, fix: Fix): Edit[] | undefined {
  switch (fix.kind) {
    case 'replace':
      return [{ range: fix.range, newText: fix.text }];
    case 'insert_layer_before':
      return insertLayerBefore(ctx, fix);
    case 'set_param':
      return setParam(ctx, fix);
    case 'add_key':
      return addKey(ctx, fix);
    default:
      return undefined;
  }
}

function sameRange(a: LspRange, b: LspRange): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

export function getCodeActions(ctx: DocContext, range: LspRange, context: CodeActionContext | undefined, env: ServiceEnv): CodeAction[] {
  if (context?.only?.length && !context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === CodeActionKind.Empty)) return [];
  const start = ctx.offset(range.start);
  const end = ctx.offset(range.end);
  const asked = context?.diagnostics ?? [];
  const actions: CodeAction[] = [];
  const seen = new Set<string>();
  for (const d of ctx.analysis.diagnostics) {
    if (!d.fixes?.length) continue;
    const lsp = ctx.range(d.range);
    const match = asked.find((x) => x.code === d.code && sameRange(x.range, lsp));
    const touches = d.range.start <= end && start <= d.range.end;
    if (!touches && !match) continue;
    const diagnostic: LspDiagnostic = match ?? toLspDiagnostic(ctx, d, env);
    d.fixes.forEach((fix, i) => {
      const edits = fixEdits(ctx, fix);
      if (!edits?.length) return;
      const textEdits: TextEdit[] = edits.map((e) => ({ range: ctx.range(e.range), newText: e.newText }));
      const key = `${fix.title}\u0000${JSON.stringify(textEdits)}`;
      if (seen.has(key)) return;
      seen.add(key);
      actions.push({
        title: fix.title.replace(/`/g, "'"),
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: i === 0 ? true : undefined,
        edit: { changes: { [ctx.uri]: textEdits } },
      });
    });
  }
  return actions;
}
