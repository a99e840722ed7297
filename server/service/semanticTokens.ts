/**
 * Semantic tokens on top of the YAML grammar: layer types (`class`), activations, losses,
 * optimizers, metrics and pipeline steps (`function`), data sources (`type`), parameters
 * (`property`), layer names (`variable`), enum values (`enumMember`) and numbers (`number`).
 * Standard token types, so every client's theme colours them.
 */
import type { SemanticTokens, SemanticTokensLegend, Range as LspRange } from 'vscode-languageserver-types';
import { lookup } from '../../src/core/catalog';
import type { Category } from '../../src/core/catalog/types';
import type { DocContext } from './document';
import { enumValues, layerSiblingFields, scalarExpect } from './schema';
import { walk } from './walk';

export const tokenTypes = ['class', 'function', 'type', 'property', 'variable', 'number', 'enumMember'] as const;
export const tokenModifiers = ['declaration', 'defaultLibrary'] as const;

export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: [...tokenModifiers] };

const T = Object.fromEntries(tokenTypes.map((t, i) => [t, i])) as Record<(typeof tokenTypes)[number], number>;
const DECLARATION = 1 << 0;
const DEFAULT_LIBRARY = 1 << 1;

function categoryToken(c: Category): number {
  return c === 'layer' ? T.class : c === 'source' ? T.type : T.function;
}

export function getSemanticTokens(ctx: DocContext, range?: LspRange): SemanticTokens {
  const tokens: [number, number, number, number, number][] = []; // start, end, type, modifiers, (unused)
  const text = ctx.text;
  const push = (r: readonly number[] | null | undefined, type: number, mods = 0) => {
    if (!r || r[1] <= r[0]) return;
    // Tokens may not span lines.
    const nl = text.indexOf('\n', r[0]);
    if (nl >= 0 && nl < r[1]) return;
    tokens.push([r[0], r[1], type, mods, 0]);
  };
  const window = range ? { start: ctx.offset(range.start), end: ctx.offset(range.end) } : undefined;
  walk(
    ctx.analysis.doc,
    {
      key(node, key, parent) {
        switch (parent.kind) {
          case 'layer':
            if (!Object.prototype.hasOwnProperty.call(layerSiblingFields, key) && lookup('layer', key)) push(node.range, T.class, DEFAULT_LIBRARY);
            return;
          case 'item':
            if (lookup(parent.category, key)) push(node.range, categoryToken(parent.category), DEFAULT_LIBRARY);
            return;
          case 'params':
            if (parent.entry.params.some((p) => p.name === key)) push(node.range, T.property);
            return;
          default:
            return;
        }
      },
      value(node, at) {
        const v = node.value;
        if (typeof v === 'number') return push(node.range, T.number);
        if (typeof v !== 'string') return;
        const e = scalarExpect(at);
        switch (e.kind) {
          case 'item':
            if (lookup(e.category, v)) push(node.range, categoryToken(e.category), DEFAULT_LIBRARY);
            return;
          case 'value':
            if (e.path === 'model.output') push(node.range, T.variable);
            else if (enumValues(e.type).includes(v) && e.type.kind !== 'bool') push(node.range, T.enumMember);
            return;
          case 'layerName':
            return push(node.range, T.variable, DECLARATION);
          case 'ref':
            return push(node.range, T.variable);
          default:
            return;
        }
      },
    },
    window,
  );
  tokens.sort((a, b) => a[0] - b[0]);
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  let lastEnd = -1;
  for (const [start, end, type, mods] of tokens) {
    if (start < lastEnd) continue; // never overlap
    lastEnd = end;
    const p = ctx.position(start);
    const dl = p.line - prevLine;
    data.push(dl, dl === 0 ? p.character - prevChar : p.character, end - start, type, mods);
    prevLine = p.line;
    prevChar = p.character;
  }
  return { data };
}
