/**
 * Inlay hints: after each layer its output shape and parameter count
 * (`→ (None, 26, 26, 32) · 320 params`, the count left out when there are none), and the total on
 * `model:`.
 */
import { InlayHintKind, type InlayHint, type Range as LspRange } from 'vscode-languageserver-types';
import { formatShape } from '../../src/core/shape';
import type { DocContext } from './document';
import { formatCount, layerShapeLine, paramCount } from './markdown';
import { contentEnd, lineEndAt, lineStartAt } from './text';
import type { ServiceEnv } from './types';

/** `→ (None, 26, 26, 32) · 320 params`; a layer without parameters (flatten, dropout) shows only its shape. */
export function layerHintLabel(shape: readonly (number | null)[], params: number | null): string {
  return `→ ${formatShape(shape)}${params ? ` · ${paramCount(params)}` : ''}`;
}

export function getInlayHints(ctx: DocContext, range: LspRange | undefined, env: ServiceEnv): InlayHint[] {
  if (!env.settings.inlayHints.enabled) return [];
  const info = ctx.analysis.model;
  const model = ctx.analysis.spec.model;
  if (!info || !model) return [];
  const text = ctx.text;
  const from = range ? ctx.offset(range.start) : 0;
  const to = range ? ctx.offset(range.end) : text.length;
  const hints: InlayHint[] = [];

  const ms = lineStartAt(text, model.keyRange.start);
  const mAt = contentEnd(text, ms, lineEndAt(text, model.keyRange.start));
  if (info.totalParams !== null && mAt >= from && mAt <= to) {
    const at = mAt;
    const out = info.output !== null ? info.layers[info.output]?.outputShape : null;
    hints.push({
      position: ctx.position(at),
      label: `Σ ${paramCount(info.totalParams)}${out ? ` · output ${formatShape(out)}` : ''}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: `${formatCount(info.totalParams)} parameters in ${info.layers.length} layer${info.layers.length === 1 ? '' : 's'}`,
    });
  }

  const layers = model.layers;
  // Layers are in source order: find the first one in the window by binary search.
  let lo = 0;
  let hi = layers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (layers[mid].range.end < from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < layers.length; i++) {
    const layer = layers[i];
    if (layer.typeRange.start > to) break;
    const li = ctx.layerInfo(layer.index);
    if (!li?.outputShape) continue;
    const ls = lineStartAt(text, layer.typeRange.start);
    const le = lineEndAt(text, layer.typeRange.start);
    // Several layers on one line (a flow list): put each hint right after its layer.
    const shared = (layers[i + 1] && layers[i + 1].typeRange.start < le) || (layers[i - 1] && layers[i - 1].range.end > ls);
    const at = shared ? layer.range.end : contentEnd(text, ls, le);
    if (at < from || at > to) continue;
    hints.push({
      position: ctx.position(at),
      label: layerHintLabel(li.outputShape, li.params),
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: layerShapeLine(li),
    });
  }
  return hints;
}
