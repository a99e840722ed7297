import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MATH_COLOR,
  TexRenderError,
  clearMathCache,
  escapeMarkdownAlt,
  isMathEngineLoaded,
  mathCacheSize,
  renderTexToSvg,
  texToDataUri,
  texToMarkdownImage,
  tryRenderTexToSvg,
} from '../../server/math';

const FORMULAS = {
  sgd: String.raw`\theta \leftarrow \theta - \alpha \nabla_\theta L`,
  adamBias: String.raw`\hat m_t = \frac{m_t}{1-\beta_1^t}`,
  softmax: String.raw`\sigma(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}`,
  convOut: String.raw`\left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1`,
};

/** Minimal XML well-formedness check: every start tag is closed in order, attributes quoted. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(xml)) !== null) {
    expect(m.index).toBe(consumed);
    consumed = token.lastIndex;
    if (m[6]) throw new Error(`stray '<' at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (m[5] !== undefined) continue; // text
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `close </${name}>`).toBe(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(consumed).toBe(xml.length);
  expect(stack).toEqual([]);
}

function rootAttrs(svg: string): Record<string, string> {
  const open = /^<svg\b([^>]*)>/.exec(svg);
  expect(open, 'root <svg> tag').not.toBeNull();
  return Object.fromEntries([...open![1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

const px = (v: string): number => {
  expect(v).toMatch(/^\d+(\.\d+)?px$/);
  return parseFloat(v);
};

describe('math rendering (MathJax TeX → SVG)', () => {
  // Must run first in this file: nothing has rendered yet.
  it('loads MathJax lazily, on the first render only', () => {
    expect(isMathEngineLoaded()).toBe(false);
    expect(texToMarkdownImage('', 'empty')).toBe(''); // rejected before the engine is needed
    expect(isMathEngineLoaded()).toBe(false);
    renderTexToSvg('x');
    expect(isMathEngineLoaded()).toBe(true);
  });

  it.each(Object.entries(FORMULAS))('renders %s as a standalone, explicitly coloured SVG', (_name, tex) => {
    const svg = renderTexToSvg(tex, { color: '#cccccc', fontSizePx: 14 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    assertWellFormedXml(svg);
    const a = rootAttrs(svg);
    expect(a.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(a['xmlns:xlink']).toBe('http://www.w3.org/1999/xlink');
    expect(px(a.width)).toBeGreaterThan(14);
    expect(px(a.height)).toBeGreaterThanOrEqual(14);
    expect(px(a.height)).toBeLessThan(14 * 4);
    expect(a.viewBox.split(' ').map(Number).every(Number.isFinite)).toBe(true);
    expect(svg).toMatch(/<path\b/);
    expect(svg).toMatch(/<use\b/);
    expect(a.fill).toBe('#cccccc');
    expect(a.stroke).toBe('#cccccc');
    expect(svg).toContain('fill="#cccccc"');
    expect(svg).not.toMatch(/currentColor/i); // <img> SVGs cannot inherit it
    // Self-contained: every <use> points into the SVG's own <defs>.
    for (const [, id] of svg.matchAll(/xlink:href="#([^"]+)"/g)) expect(svg).toContain(`id="${id}"`);
    expect(svg).not.toMatch(/(?:xlink:)?href="(?!#)/); // nothing external
  });

  it('uses a neutral default colour when none (or an unsafe one) is given', () => {
    expect(rootAttrs(renderTexToSvg(FORMULAS.sgd)).fill).toBe(DEFAULT_MATH_COLOR);
    for (const color of ['currentColor', '"><script>', 'red; x', '']) {
      expect(rootAttrs(renderTexToSvg(FORMULAS.sgd, { color })).fill).toBe(DEFAULT_MATH_COLOR);
    }
    expect(rootAttrs(renderTexToSvg(FORMULAS.sgd, { color: 'rgb(204, 204, 204)' })).fill).toBe('rgb(204, 204, 204)');
  });

  it('markdown image: escaped alt text and a base64 data URI that decodes to the same SVG', () => {
    const opts = { color: '#3b3b3b', fontSizePx: 13 };
    for (const tex of Object.values(FORMULAS)) {
      const md = texToMarkdownImage(tex, 'f[x] = ⌊y⌋\n+ 1', opts);
      const m = /^!\[((?:[^\]\\\n]|\\.)*)\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/]+=*)\)$/.exec(md);
      expect(m, md.slice(0, 80)).not.toBeNull();
      expect(m![1]).toBe('f\\[x\\] \\= ⌊y⌋ \\+ 1');
      expect(Buffer.from(m![2], 'base64').toString('utf8')).toBe(renderTexToSvg(tex, opts));
      expect(texToDataUri(tex, opts)).toBe(`data:image/svg+xml;base64,${m![2]}`);
    }
  });

  it('escapes alt text so it cannot break the image syntax', () => {
    expect(escapeMarkdownAlt('a]b[c')).toBe('a\\]b\\[c');
    expect(escapeMarkdownAlt('line1\r\nline2\n\n')).toBe('line1 line2');
    expect(escapeMarkdownAlt('x\\')).toBe('x\\\\'); // a trailing backslash must not escape the ']'
    expect(escapeMarkdownAlt('σ(z)_i = e^{z_i} / Σ_j e^{z_j}')).toBe('σ\\(z\\)\\_i \\= e\\^\\{z\\_i\\} \\/ Σ\\_j e\\^\\{z\\_j\\}');
  });

  it('sizes the image for the editor font size', () => {
    for (const tex of Object.values(FORMULAS)) {
      // 20 → 40 px is a pure scale: scripts stay above MathJax's scriptminsize (8 px) at both.
      const a20 = rootAttrs(renderTexToSvg(tex, { fontSizePx: 20 }));
      const a40 = rootAttrs(renderTexToSvg(tex, { fontSizePx: 40 }));
      expect(px(a40.width)).toBeCloseTo(2 * px(a20.width), 1);
      expect(px(a40.height)).toBeCloseTo(2 * px(a20.height), 1);
      expect(a40.viewBox).toBe(a20.viewBox); // same drawing, scaled
      // width/height agree with the viewBox (1/1000 em units): 1em = fontSizePx.
      const [, , w, h] = a20.viewBox.split(' ').map(Number);
      expect(px(a20.width)).toBeCloseTo((w / 1000) * 20, 1);
      expect(px(a20.height)).toBeCloseTo((h / 1000) * 20, 1);
      // Smaller fonts: nearly proportional (MathJax enlarges scripts that would fall below
      // scriptminsize, so the drawing may change a little), and always smaller.
      const a14 = rootAttrs(renderTexToSvg(tex, { fontSizePx: 14 }));
      const a7 = rootAttrs(renderTexToSvg(tex, { fontSizePx: 7 }));
      expect(Math.abs(px(a14.width) / px(a20.width) - 14 / 20)).toBeLessThan(0.03);
      expect(Math.abs(px(a14.height) / px(a20.height) - 14 / 20)).toBeLessThan(0.03);
      expect(px(a7.width)).toBeLessThan(px(a14.width));
      expect(px(a7.height)).toBeLessThan(px(a14.height));
    }
  });

  it('renders display style taller than inline style for fractions', () => {
    const display = rootAttrs(renderTexToSvg(FORMULAS.adamBias, { display: true }));
    const inline = rootAttrs(renderTexToSvg(FORMULAS.adamBias, { display: false }));
    expect(px(display.height)).toBeGreaterThan(px(inline.height));
  });

  it('returns the failure value for invalid TeX without throwing', () => {
    for (const bad of [String.raw`\frac{`, String.raw`\undefinedmacro`, String.raw`x^`, String.raw`\begin{nosuchenv}x\end{nosuchenv}`, '', '   ']) {
      expect(() => tryRenderTexToSvg(bad)).not.toThrow();
      expect(tryRenderTexToSvg(bad)).toBeNull();
      expect(texToDataUri(bad)).toBeNull();
      expect(texToMarkdownImage(bad, 'alt')).toBe('');
      expect(texToMarkdownImage(bad, 'alt')).toBe(''); // cached failure, same answer
      expect(() => renderTexToSvg(bad)).toThrow(TexRenderError);
    }
    try {
      renderTexToSvg(String.raw`\undefinedmacro`);
    } catch (err) {
      expect((err as Error).message).toMatch(/undefined control sequence/i);
    }
  });

  it('is stateless: definitions are rejected and labels do not collide between formulas', () => {
    for (const def of [String.raw`\def\x{1}\x`, String.raw`\newcommand{\x}{1}\x`, String.raw`\DeclareMathOperator{\foo}{foo}\foo`, String.raw`\definecolor{c}{rgb}{1,0,0}`]) {
      expect(tryRenderTexToSvg(def)).toBeNull();
    }
    expect(tryRenderTexToSvg(String.raw`\foo`)).toBeNull();
    expect(tryRenderTexToSvg(String.raw`x \label{eq}`)).not.toBeNull();
    expect(tryRenderTexToSvg(String.raw`y \label{eq}`)).not.toBeNull(); // no "multiply defined"
    // Renders are deterministic, independent of history and of the cache.
    const before = renderTexToSvg(FORMULAS.softmax);
    clearMathCache();
    expect(renderTexToSvg(FORMULAS.softmax)).toBe(before);
  });

  it('handles \\tag (100%-width MathJax output) with a px size', () => {
    const svg = renderTexToSvg(String.raw`a + b \tag{1}`);
    assertWellFormedXml(svg);
    const a = rootAttrs(svg);
    expect(px(a.width)).toBeGreaterThan(20);
    expect(px(a.height)).toBeGreaterThan(10);
    expect(a.viewBox).toBeDefined();
  });

  it('caches renders: a repeated render is the cached result, with no new cache entry', () => {
    clearMathCache();
    const texts = [...Object.values(FORMULAS), String.raw`\mathbf{W} x + b`, String.raw`\operatorname{ReLU}(x) = \max(0, x)`];
    const opts = { color: '#123456', fontSizePx: 15 };
    const first = texts.map((tex) => texToMarkdownImage(tex, tex, opts));
    expect(mathCacheSize()).toBe(texts.length);
    const second = texts.map((tex) => texToMarkdownImage(tex, tex, opts));
    expect(mathCacheSize()).toBe(texts.length);
    expect(second).toEqual(first);
    expect(first.every((md) => md.startsWith('!['))).toBe(true);
    // The data URI is built once per cached render: the same string object comes back.
    expect(texToDataUri(texts[0], opts)).toBe(texToDataUri(texts[0], opts));
  });

  it('keys the cache by colour, size and display, and bounds it (LRU)', () => {
    clearMathCache();
    renderTexToSvg(FORMULAS.sgd, { color: '#111111' });
    renderTexToSvg(FORMULAS.sgd, { color: '#222222' });
    renderTexToSvg(FORMULAS.sgd, { color: '#111111', fontSizePx: 20 });
    renderTexToSvg(FORMULAS.sgd, { color: '#111111', display: false });
    renderTexToSvg(FORMULAS.sgd, { color: '#111111' });
    expect(mathCacheSize()).toBe(4);
    for (let i = 0; i < 300; i++) tryRenderTexToSvg(`x_{${i}}`);
    expect(mathCacheSize()).toBeLessThanOrEqual(256);
    expect(mathCacheSize()).toBeGreaterThan(200);
  });
});
