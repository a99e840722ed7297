/**
 * Hover and completion documentation for catalog entries, parameters and structure keys, as
 * Markdown (or plain text for clients that show no Markdown). Each formula appears once: for
 * clients that show images (they say so, `formulaImages`), rendered to SVG by `server/math.ts` and
 * embedded as a data-URI image whose alt text is the Unicode formula (screen readers read it);
 * for the others, the Unicode formula as text.
 */
import { yamlValue } from '../../src/core/edit';
import { allEntries, categoryNoun } from '../../src/core/catalog';
import type { CatalogEntry, Formula, ParamSpec } from '../../src/core/catalog/types';
import type { LayerInfo } from '../../src/core/infer';
import { formatShape } from '../../src/core/shape';
import type { Field } from '../../src/core/structure';
import { texToMarkdownImage } from '../math';
import { describeField, describeType } from './schema';

/**
 * The formula colour and size for the editor's theme. A high-contrast theme gets pure white or
 * black, whichever is nearer the colour the client gave (21:1 on such themes' black or white
 * backgrounds): a theme foreground like `#cccccc` would fall short of the 7:1 they promise.
 */
export function formulaStyle(settings: { formulaColor?: string; fontSize?: number; highContrast?: boolean }): { color?: string; fontSizePx?: number } {
  const color = settings.highContrast ? (isDark(settings.formulaColor) ? '#000000' : '#ffffff') : settings.formulaColor;
  return { color, fontSizePx: settings.fontSize };
}

/** Whether a CSS colour (hex or rgb()) is darker than mid grey; unknown colours count as light. */
function isDark(color: string | undefined): boolean {
  const c = color?.trim().toLowerCase() ?? '';
  let rgb: number[] | undefined;
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(c)?.[1];
  if (hex) rgb = (hex.length <= 4 ? [...hex.slice(0, 3)].map((x) => x + x) : [hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6)]).map((x) => parseInt(x, 16));
  else if (c === 'black') rgb = [0, 0, 0];
  else {
    const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(c);
    if (m) rgb = [m[1], m[2], m[3]].map(Number);
  }
  if (!rgb) return false;
  const lin = rgb.map((v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] < 0.18;
}

export interface DocOptions {
  /** Markdown (true) or plain text. */
  markdown: boolean;
  /** Embed formula images (Markdown only). */
  images: boolean;
  color?: string;
  fontSizePx?: number;
}

/** Escapes text so Markdown shows it literally. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, (c) => `\\${c}`);
}

/** Text as a Markdown code span: shown literally, with no backslashes to read in clients that show the source. */
export function codeSpan(s: string): string {
  const text = s.replace(/\r?\n/g, ' ');
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return fence.length > 1 || text.startsWith(' ') || text.endsWith(' ') ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/**
 * Text for one GFM table cell: one line, and every pipe escaped. A pipe that is escaped already
 * (`\|`, as in the enum types `typeText` writes) stays as it is: escaping it again would give
 * `\\|`, an escaped backslash followed by a cell separator.
 */
export function tableCell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/(\\*)\|/g, (m, slashes: string) => (slashes.length % 2 ? m : `${slashes}\\|`));
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function paramCount(n: number): string {
  return `${formatCount(n)} param${n === 1 ? '' : 's'}`;
}

/** A value as it would be written in YAML flow style. */
export { yamlValue };

/** `input (None, 28, 28, 1) → output (None, 26, 26, 32) · 320 params`. */
export function layerShapeLine(info: LayerInfo | undefined): string | undefined {
  if (!info) return undefined;
  const parts: string[] = [];
  if (info.inputShapes?.length) {
    parts.push(`${info.inputShapes.length > 1 ? 'inputs' : 'input'} ${info.inputShapes.map(formatShape).join(', ')}`);
  }
  if (info.outputShape) parts.push(`output ${formatShape(info.outputShape)}`);
  let line = parts.join(' → ');
  if (info.params !== null && info.outputShape) line += ` · ${paramCount(info.params)}`;
  if (info.problem) line += `${line ? ' · ' : ''}⚠ ${info.problem.message}`;
  return line || undefined;
}

/** `weights: kernel [3, 3, 8, 16], bias [16]`: the tensors a pretrained source must match (non-trainable ones marked). */
export function layerWeightsLine(info: LayerInfo | undefined): string | undefined {
  if (!info?.weights?.length) return undefined;
  return `weights: ${info.weights.map((w) => `${w.name} [${w.shape.join(', ')}]${w.trainable ? '' : ' (non-trainable)'}`).join(', ')}`;
}

// -------------------------------------------------------------------------------------------------

const bodyCache = new Map<string, string>();

function paramTable(entry: CatalogEntry, o: DocOptions): string {
  if (!entry.params.length) return '';
  if (!o.markdown) {
    return (
      'Parameters:\n' +
      entry.params.map((p) => `  ${p.name} (${describeType(p.type).replace(/`|\\/g, '')}${p.required ? ', required' : p.default !== undefined ? `, default ${yamlValue(p.default)}` : ''}): ${p.doc}`).join('\n')
    );
  }
  const rows = entry.params.map(
    (p) => `| \`${p.name}\`${entry.primary === p.name ? ' ★' : ''} | ${tableCell(describeType(p.type))} | ${p.required ? '*required*' : p.default !== undefined ? `\`${tableCell(yamlValue(p.default))}\`` : '—'} | ${tableCell(p.doc)} |`,
  );
  const note = entry.primary ? `\n\n★ a plain value sets it: \`${entry.name}: <value>\`` : '';
  return `| parameter | type | default | |\n| --- | --- | --- | --- |\n${rows.join('\n')}${note}`;
}

/** The formulas in reading order: an optimizer's parameter update first, then how it is computed. */
function mainFirst(formulas: readonly Formula[]): readonly Formula[] {
  const main = formulas.findIndex((f) => f.label === 'update');
  return main > 0 ? [formulas[main], ...formulas.slice(0, main), ...formulas.slice(main + 1)] : formulas;
}

/** Each formula once: as an image with the Unicode as its alt text, or as the Unicode text. */
function formulas(entry: CatalogEntry, o: DocOptions): string {
  return mainFirst(entry.formulas)
    .map((f) => {
      if (!o.markdown) return `${f.label}:  ${f.unicode}`;
      const img = o.images ? texToMarkdownImage(f.latex, f.unicode, { color: o.color, fontSizePx: o.fontSizePx }) : '';
      return img ? `*${escapeMarkdown(f.label)}*\n\n${img}` : `*${escapeMarkdown(f.label)}:* ${codeSpan(f.unicode)}`;
    })
    .join('\n\n');
}

function entryBody(entry: CatalogEntry, o: DocOptions): string {
  const key = `${entry.category}\u0000${entry.name}\u0000${o.markdown ? 1 : 0}${o.images ? 1 : 0}\u0000${o.color ?? ''}\u0000${o.fontSizePx ?? ''}`;
  const hit = bodyCache.get(key);
  if (hit !== undefined) return hit;
  const parts = [entry.docs.trim(), formulas(entry, o), paramTable(entry, o)];
  if (entry.tfjs) parts.push(o.markdown ? `TensorFlow.js: \`${entry.tfjs.replace(/\s+/g, ' ')}\`` : `TensorFlow.js: ${entry.tfjs}`);
  const body = parts.filter(Boolean).join('\n\n');
  if (bodyCache.size > 2000) bodyCache.clear();
  bodyCache.set(key, body);
  return body;
}

export function entryTitle(entry: CatalogEntry, o: DocOptions): string {
  return o.markdown ? `**${entry.name}** — ${entry.summary} *(${categoryNoun[entry.category]})*` : `${entry.name} — ${entry.summary} (${categoryNoun[entry.category]})`;
}

/** Full documentation of a catalog entry: title, extra lines (e.g. a layer's shapes), docs, formulas, parameters. */
export function entryDoc(entry: CatalogEntry, o: DocOptions, extra?: string): string {
  const head = entryTitle(entry, o);
  return [head, extra, entryBody(entry, o)].filter(Boolean).join('\n\n');
}

/** Short documentation (no images) for completion items. */
export function entryCompletionDoc(entry: CatalogEntry, markdown: boolean): string {
  return entryBody(entry, { markdown, images: false });
}

export function paramDoc(entry: CatalogEntry, p: ParamSpec, o: DocOptions, given?: unknown): string {
  const def = p.required ? 'required' : p.default !== undefined ? `default ${yamlValue(p.default)}` : 'optional';
  if (!o.markdown) {
    return `${p.name} — parameter of ${entry.name}\n${describeType(p.type).replace(/`|\\/g, '')}; ${def}${entry.primary === p.name ? '; a plain value sets it' : ''}\n\n${p.doc}`;
  }
  const lines = [
    `**${p.name}** — parameter of \`${entry.name}\``,
    `${describeType(p.type)} · ${p.required ? '*required*' : p.default !== undefined ? `default \`${yamlValue(p.default)}\`` : 'optional'}${entry.primary === p.name ? ` · a plain value sets it (\`${entry.name}: <value>\`)` : ''}`,
    p.doc,
  ];
  if (given !== undefined && typeof given !== 'object') lines.push(`Here: \`${yamlValue(given)}\``);
  return lines.join('\n\n');
}

export function fieldDoc(name: string, path: string, f: Field, o: DocOptions): string {
  const def = f.required ? 'required' : f.default !== undefined ? `default ${yamlValue(f.default)}` : 'optional';
  if (!o.markdown) return `${path || name}\n${describeField(f).replace(/`|\\/g, '')}; ${def}\n\n${f.doc}`;
  return [`**${path || name}**`, `${describeField(f)} · ${f.required ? '*required*' : f.default !== undefined ? `default \`${yamlValue(f.default)}\`` : 'optional'}`, f.doc].join('\n\n');
}

/**
 * Renders formulas ahead of hovers, one per step: MathJax's start-up first, then the formulas of
 * names the open documents use, then the rest of the catalog. The server runs the steps while idle.
 */
export function* warmFormulas(settings: { formulaColor?: string; fontSize?: number; highContrast?: boolean }, openTexts: () => string[]): Generator<void> {
  const style = formulaStyle(settings);
  // Completion documentation first: cheap, and needed at the first keystroke.
  for (const e of allEntries()) for (const md of [true, false]) entryCompletionDoc(e, md);
  yield;
  texToMarkdownImage('x', 'x', style);
  yield;
  const words = new Set<string>();
  for (const t of openTexts()) for (const w of t.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) words.add(w);
  const all = allEntries();
  const ordered = [...all.filter((e) => words.has(e.name)), ...all.filter((e) => !words.has(e.name))];
  for (const e of ordered) {
    for (const f of e.formulas) {
      texToMarkdownImage(f.latex, f.unicode, style);
      yield;
    }
  }
}
