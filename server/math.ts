/**
 * TeX → SVG rendering for hovers.
 *
 * VS Code's Markdown renderer does not typeset LaTeX, so the language server renders formulas
 * itself with MathJax (TeX input, SVG output, lite DOM adaptor — the approach LaTeX Workshop
 * uses) and embeds the result as a base64 `data:image/svg+xml` image:
 *
 *     ![θ ← θ − α∇θ L](data:image/svg+xml;base64,PHN2Zy...)
 *
 * Design notes
 *  - Lazy: MathJax is loaded with `require()` inside {@link getEngine}, so neither Node nor an
 *    esbuild CommonJS bundle evaluates any MathJax module until the first formula is rendered.
 *    esbuild still bundles those modules (the specifiers are string literals) and wraps each in
 *    a lazy `__commonJS` initialiser.
 *  - Self-contained output: `fontCache: 'local'` puts the glyph paths used by a formula into the
 *    SVG's own `<defs>`; nothing is fetched or loaded from disk at run time.
 *  - An `<img>` SVG is a separate document: it cannot inherit the editor's `currentColor` nor
 *    its font size. We therefore replace `currentColor` with an explicit colour and give the
 *    root explicit `width`/`height` in px (1em of math = `fontSizePx`).
 *  - Stateless: TeX packages that can define macros/options which would persist between
 *    conversions (`newcommand`, `\DeclareMathOperator`, `\definecolor`, …) are excluded or
 *    rejected, and equation labels are reset before each conversion, so a formula's SVG depends
 *    only on its own source — which is what makes the LRU cache sound.
 *  - Errors never escape {@link tryRenderTexToSvg} / {@link texToMarkdownImage}: `noerrors` and
 *    `noundefined` are not loaded and `formatError` rethrows, so bad TeX surfaces as an exception
 *    that we catch; the output is also checked for `merror` nodes as a second line of defence.
 */

import type { LiteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import type { LiteDocument } from 'mathjax-full/js/adaptors/lite/Document.js';
import type { LiteElement } from 'mathjax-full/js/adaptors/lite/Element.js';
import type { LiteText } from 'mathjax-full/js/adaptors/lite/Text.js';
import type { MathDocument } from 'mathjax-full/js/core/MathDocument.js';
import type { TeX } from 'mathjax-full/js/input/tex.js';

export interface MathRenderOptions {
  /**
   * CSS colour of the glyphs, e.g. the theme's `editor.foreground` when the client knows it
   * (`'#cccccc'` for Dark+, `'#3b3b3b'` for Light+). Must be a hex colour, a named colour or an
   * `rgb()/rgba()/hsl()/hsla()` function; anything else falls back to the default.
   *
   * Default {@link DEFAULT_MATH_COLOR} (`#7f7f7f`): an `<img>` SVG cannot use `currentColor`
   * (it would resolve to black, invisible on dark themes), and the server does not know the
   * theme. Mid grey (near the point where the contrast ratios against dark and light hover
   * backgrounds are equal) reads on all default themes: 3.8:1 on Dark+ (#252526), 4.1:1 on Dark
   * Modern (#202020), 3.6:1 on Light+ (#f3f3f3), 3.8:1 on Light Modern (#f8f8f8), 5.2:1 on black
   * and 4.0:1 on white (high contrast) — all above WCAG's 3:1 for graphics. Lighter greys such as
   * `#888` favour dark themes (3.2:1 on Light+); darker ones favour light themes. For AA text
   * contrast (4.5:1) pass the theme's real foreground.
   */
  color?: string;
  /**
   * Editor font size in px: 1em of math is this many px, and the SVG's px width/height follow.
   * Default 14. (Below ~16 px MathJax keeps second-level scripts at its 8 px `scriptminsize`, so
   * tiny sizes are not an exact scale-down.)
   */
  fontSizePx?: number;
  /**
   * Display style (`\displaystyle`: full-size fractions, limits under `\sum`). Default `true`,
   * since each hover formula stands on its own line.
   */
  display?: boolean;
}

/** Default glyph colour; see {@link MathRenderOptions.color}. */
export const DEFAULT_MATH_COLOR = '#7f7f7f';
/** Default font size in px (VS Code's default `editor.fontSize`). */
export const DEFAULT_MATH_FONT_SIZE_PX = 14;

/** Thrown by {@link renderTexToSvg} for TeX that MathJax cannot typeset. */
export class TexRenderError extends Error {
  constructor(
    message: string,
    readonly tex: string,
  ) {
    super(message);
    this.name = 'TexRenderError';
  }
}

// ---------------------------------------------------------------------------------------------
// MathJax engine (lazy)

/** MathJax TeX font x-height in em: MathJax's SVG sizes are in ex of this font. */
const X_HEIGHT_EM = 0.442;
/** Padding around the formula, in 1/1000 em (MathJax's SVG user units), so that glyph overhang
 * and anti-aliasing at the bounding box are not clipped by the `<img>` viewport. */
const PAD = 80;

interface Engine {
  adaptor: LiteAdaptor;
  tex: TeX<LiteElement, LiteText, LiteDocument>;
  doc: MathDocument<LiteElement, LiteText, LiteDocument>;
}

let engine: Engine | undefined;
let engineInitMs: number | undefined;

/**
 * TeX packages: base + the everyday LaTeX math packages. Deliberately not included:
 *  - `noerrors`, `noundefined`: they turn errors into rendered output; we want them to surface.
 *  - `newcommand`, `configmacros`, `setoptions`, `require`, `autoload`: definitions and loading
 *    would make rendering stateful or dynamic.
 *  - `mhchem`, `physics`, `bussproofs`, `html`, `action`, `verb`, `unicode`, …: not needed for
 *    model formulas; leaving them out trims the bundle (~200 kB of the ~2.6 MB AllPackages build).
 */
const TEX_PACKAGES = [
  'base',
  'ams',
  'bbox',
  'boldsymbol',
  'braket',
  'cancel',
  'cases',
  'centernot',
  'color',
  'enclose',
  'gensymb',
  'mathtools',
  'textcomp',
  'textmacros',
  'upgreek',
];

/**
 * Commands that would leave state behind in MathJax's parse options (macro/operator/colour
 * definitions, package option changes). `newcommand` is not loaded, so `\def` & co. are already
 * undefined; the rest belong to packages we do load and are rejected up front.
 */
const STATEFUL_COMMANDS =
  /\\(?:def|gdef|edef|xdef|let|futurelet|global|(?:re)?newcommand|providecommand|(?:re)?newenvironment|DeclareMathOperator|DeclarePairedDelimiter[A-Za-z]*|(?:re)?newtagform|usetagform|mathtoolsset|definecolor|Newextarrow)(?![A-Za-z])/;

function getEngine(): Engine {
  if (engine) return engine;
  const t0 = performance.now();
   
  const { mathjax } = require('mathjax-full/js/mathjax.js') as typeof import('mathjax-full/js/mathjax.js');
  const { TeX } = require('mathjax-full/js/input/tex.js') as typeof import('mathjax-full/js/input/tex.js');
  const { SVG } = require('mathjax-full/js/output/svg.js') as typeof import('mathjax-full/js/output/svg.js');
  const { liteAdaptor } =
    require('mathjax-full/js/adaptors/liteAdaptor.js') as typeof import('mathjax-full/js/adaptors/liteAdaptor.js');
  const { RegisterHTMLHandler } =
    require('mathjax-full/js/handlers/html.js') as typeof import('mathjax-full/js/handlers/html.js');
  // Each configuration module registers its package when evaluated.
  require('mathjax-full/js/input/tex/base/BaseConfiguration.js');
  require('mathjax-full/js/input/tex/ams/AmsConfiguration.js');
  require('mathjax-full/js/input/tex/bbox/BboxConfiguration.js');
  require('mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js');
  require('mathjax-full/js/input/tex/braket/BraketConfiguration.js');
  require('mathjax-full/js/input/tex/cancel/CancelConfiguration.js');
  require('mathjax-full/js/input/tex/cases/CasesConfiguration.js');
  require('mathjax-full/js/input/tex/centernot/CenternotConfiguration.js');
  require('mathjax-full/js/input/tex/color/ColorConfiguration.js');
  require('mathjax-full/js/input/tex/enclose/EncloseConfiguration.js');
  require('mathjax-full/js/input/tex/gensymb/GensymbConfiguration.js');
  require('mathjax-full/js/input/tex/mathtools/MathtoolsConfiguration.js');
  require('mathjax-full/js/input/tex/textcomp/TextcompConfiguration.js');
  require('mathjax-full/js/input/tex/textmacros/TextMacrosConfiguration.js');
  require('mathjax-full/js/input/tex/upgreek/UpgreekConfiguration.js');
  // Unknown HTML entities would otherwise trigger an async load of entity files (a rejected
  // promise, since there is no loader here). TeX input does not parse HTML, but be safe.
  const entities = require('mathjax-full/js/util/Entities.js') as typeof import('mathjax-full/js/util/Entities.js');
  entities.options.loadMissingEntities = false;
   

  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  const tex = new TeX<LiteElement, LiteText, LiteDocument>({
    packages: TEX_PACKAGES,
    // Default formatError turns a TexError into an <merror> node; rethrow so we can fall back.
    formatError: (_jax: unknown, err: Error) => {
      throw err;
    },
  });
  // localID '' gives deterministic glyph ids (MJX-TEX-I-1D703): each SVG is its own document.
  const svg = new SVG<LiteElement, LiteText, LiteDocument>({ fontCache: 'local', localID: '' });
  const doc = mathjax.document('', { InputJax: tex, OutputJax: svg }) as MathDocument<
    LiteElement,
    LiteText,
    LiteDocument
  >;
  engine = { adaptor, tex, doc };
  engineInitMs = performance.now() - t0;
  return engine;
}

/** Whether MathJax has been loaded (it is loaded on the first render). */
export function isMathEngineLoaded(): boolean {
  return engine !== undefined;
}

/** Milliseconds the lazy MathJax load + set-up took, once it has happened. */
export function mathEngineInitMs(): number | undefined {
  return engineInitMs;
}

// ---------------------------------------------------------------------------------------------
// Cache

type Entry = { svg: string; dataUri?: string } | { error: string };

const CACHE_CAPACITY = 256;
/** Map iteration order is insertion order: re-inserting on hit makes the first key the LRU. */
const cache = new Map<string, Entry>();

function cacheGet(key: string): Entry | undefined {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
  }
  return hit;
}

function cachePut(key: string, entry: Entry): void {
  cache.set(key, entry);
  if (cache.size > CACHE_CAPACITY) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

/** Empties the render cache (MathJax itself stays loaded). */
export function clearMathCache(): void {
  cache.clear();
}

/** Number of cached renders (successes and failures), for diagnostics and tests. */
export function mathCacheSize(): number {
  return cache.size;
}

// ---------------------------------------------------------------------------------------------
// Rendering

interface Resolved {
  color: string;
  fontSizePx: number;
  display: boolean;
}

const SAFE_COLOR = /^(?:#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,32}|(?:rgba?|hsla?)\([0-9a-zA-Z\s.,%/+-]{1,64}\))$/;

function resolve(opts: MathRenderOptions | undefined): Resolved {
  const color = opts?.color?.trim();
  const size = opts?.fontSizePx;
  return {
    // Validated because it is spliced into SVG attributes.
    color: color && SAFE_COLOR.test(color) && color.toLowerCase() !== 'currentcolor' ? color : DEFAULT_MATH_COLOR,
    fontSizePx: typeof size === 'number' && Number.isFinite(size) && size > 0 ? Math.min(size, 512) : DEFAULT_MATH_FONT_SIZE_PX,
    display: opts?.display ?? true,
  };
}

function render(tex: string, o: Resolved): Entry {
  const key = `${o.display ? 'D' : 'I'}\u0000${o.fontSizePx}\u0000${o.color}\u0000${tex}`;
  const hit = cacheGet(key);
  if (hit) return hit;
  let entry: Entry;
  try {
    entry = { svg: convert(tex, o) };
  } catch (err) {
    // MathJax's TexError is not an Error subclass, but has a message.
    const message = (err as { message?: unknown } | null)?.message;
    entry = { error: typeof message === 'string' && message !== '' ? message : String(err) };
  }
  cachePut(key, entry);
  return entry;
}

const num = (x: number): string => String(Math.round(x * 1000) / 1000);

function convert(tex: string, o: Resolved): string {
  if (tex.trim() === '') throw new Error('empty formula');
  const stateful = STATEFUL_COMMANDS.exec(tex);
  if (stateful) throw new Error(`${stateful[0]} is not supported (definitions would persist between formulas)`);

  const { adaptor, tex: input, doc } = getEngine();
  input.reset(); // forget \label/\tag numbering from earlier formulas
  const em = o.fontSizePx;
  const node = doc.convert(tex, { display: o.display, em, ex: em * X_HEIGHT_EM, containerWidth: 80 * em });
  const raw = adaptor.innerHTML(node as LiteElement);
  if (/data-mml-node="merror"|<mjx-merror|data-mjx-error/.test(raw)) throw new Error('TeX error');

  const open = /^<svg\b([^>]*)>/.exec(raw);
  if (!open) throw new Error('MathJax produced no SVG');
  const attrs = new Map<string, string>();
  for (const m of open[1].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs.set(m[1], m[2]);

  const exToPx = (v: string | undefined): number | undefined => {
    const m = v === undefined ? null : /^(-?[\d.]+)ex$/.exec(v.trim());
    return m ? parseFloat(m[1]) * X_HEIGHT_EM * em : undefined;
  };
  const style = attrs.get('style') ?? '';
  // Width is "100%" (and min-width holds the natural width) when the math has a \tag label.
  const widthPx = exToPx(attrs.get('width')) ?? exToPx(/min-width:\s*([^;]+)/.exec(style)?.[1]);
  const heightPx = exToPx(attrs.get('height'));
  if (widthPx === undefined || heightPx === undefined) throw new Error('MathJax SVG has no size');

  const padPx = (PAD / 1000) * em;
  const body = raw
    .slice(open[0].length, raw.lastIndexOf('</svg>'))
    .replace(/ data-[\w-]+="[^"]*"/g, '') // MathJax bookkeeping (node kinds, char codes): bytes only
    .replace(/currentColor/g, o.color);
  const root =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"` +
    ` width="${num(widthPx + 2 * padPx)}px" height="${num(heightPx + 2 * padPx)}px"`;
  const paint = ` fill="${o.color}" stroke="${o.color}"`;

  const vb = attrs.get('viewBox')?.trim().split(/\s+/).map(Number);
  if (vb && vb.length === 4 && vb.every(Number.isFinite)) {
    // Usual case: viewBox in 1/1000 em; pad it.
    const viewBox = [vb[0] - PAD, vb[1] - PAD, vb[2] + 2 * PAD, vb[3] + 2 * PAD].map(num).join(' ');
    return `${root} viewBox="${viewBox}"${paint}>${body}</svg>`;
  }
  // Width "100%" without viewBox (a \tag label): MathJax scaled the content so that user units
  // are px at the metrics passed to convert(), and positions table and label with nested
  // 100%-wide viewports. Give those an inner viewport of the natural size, inset by the padding.
  return (
    `${root} viewBox="0 0 ${num(widthPx + 2 * padPx)} ${num(heightPx + 2 * padPx)}"${paint}>` +
    `<svg x="${num(padPx)}" y="${num(padPx)}" width="${num(widthPx)}" height="${num(heightPx)}" overflow="visible">` +
    `${body}</svg></svg>`
  );
}

/**
 * Renders TeX to a standalone SVG document string (with `xmlns`, px `width`/`height` for the
 * given font size and an explicit colour). Results are cached (LRU, keyed by TeX, colour, size
 * and display). MathJax is loaded on the first call.
 *
 * @throws {TexRenderError} when the TeX is invalid (syntax error, undefined macro, unsupported
 *   definition). Use {@link tryRenderTexToSvg} or {@link texToMarkdownImage} to never throw.
 */
export function renderTexToSvg(tex: string, opts?: MathRenderOptions): string {
  const entry = render(tex, resolve(opts));
  if ('error' in entry) throw new TexRenderError(entry.error, tex);
  return entry.svg;
}

/** Like {@link renderTexToSvg}, but returns `null` instead of throwing. Never throws. */
export function tryRenderTexToSvg(tex: string, opts?: MathRenderOptions): string | null {
  try {
    const entry = render(tex, resolve(opts));
    return 'error' in entry ? null : entry.svg;
  } catch {
    return null; // e.g. MathJax failed to load
  }
}

/** `data:image/svg+xml;base64,…` URI of the rendered formula, or `null` on failure. Never throws. */
export function texToDataUri(tex: string, opts?: MathRenderOptions): string | null {
  try {
    const entry = render(tex, resolve(opts));
    if ('error' in entry) return null;
    entry.dataUri ??= `data:image/svg+xml;base64,${Buffer.from(entry.svg, 'utf8').toString('base64')}`;
    return entry.dataUri;
  } catch {
    return null;
  }
}

/**
 * Escapes text for use as Markdown image alt text: runs of whitespace and control characters
 * (newlines included) become one space, and every ASCII punctuation character is
 * backslash-escaped, so that `]`, `[`, `\`, emphasis markers, entities and HTML can neither end
 * the alt text nor be interpreted.
 */
export function escapeMarkdownAlt(alt: string): string {
  return alt
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim()
    .replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/**
 * Markdown image `![alt](data:image/svg+xml;base64,…)` of the formula, for hovers. `alt` should
 * be the plain-Unicode formula (it is escaped here). Returns `''` when the TeX cannot be
 * rendered, so the caller can fall back to the Unicode text. Never throws.
 */
export function texToMarkdownImage(tex: string, alt: string, opts?: MathRenderOptions): string {
  const uri = texToDataUri(tex, opts);
  return uri === null ? '' : `![${escapeMarkdownAlt(alt)}](${uri})`;
}
