/**
 * The VS Code theme as the webview sees it: CSS variables on <html> and a class on <body>
 * (`vscode-light`, `vscode-dark`, `vscode-high-contrast`, `vscode-high-contrast-light`).
 * Canvas and SVG drawing need concrete colours, so they read them here and redraw on a change.
 */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  if (c.contains('vscode-dark')) return 'dark';
  // Outside VS Code (or before it says): follow the page's background.
  return luminance(cssColor('--vscode-editor-background', '#1e1e1e')) > 0.5 ? 'light' : 'dark';
}

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour as `#rrggbb` or `rgba(r, g, b, a)` (what canvas and Mermaid understand). */
export function normalizeColor(color: string, fallback = '#888888'): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return fallback;
  probe.fillStyle = fallback;
  probe.fillStyle = color.trim() || fallback;
  return probe.fillStyle as string;
}

/** A theme colour variable, resolved to a concrete colour. */
export function cssColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name) || getComputedStyle(document.body).getPropertyValue(name);
  return normalizeColor(v || fallback, fallback);
}

export function cssValue(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name) || getComputedStyle(document.body).getPropertyValue(name);
  return v.trim() || fallback;
}

export function withAlpha(color: string, alpha: number): string {
  const [r, g, b] = rgb(color);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export function rgb(color: string): [number, number, number] {
  const c = normalizeColor(color);
  if (c.startsWith('#')) return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
  const m = /rgba?\(([^)]+)\)/.exec(c);
  const parts = m ? m[1].split(',').map((x) => parseFloat(x)) : [136, 136, 136];
  return [parts[0], parts[1], parts[2]];
}

export function luminance(color: string): number {
  const [r, g, b] = rgb(color).map((x) => x / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Calls `cb` (once per frame at most) when VS Code changes the theme. */
export function onThemeChange(cb: () => void): void {
  let scheduled = false;
  let last = signature();
  const fire = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const now = signature();
      if (now !== last) {
        last = now;
        cb();
      }
    });
  };
  const mo = new MutationObserver(fire);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

function signature(): string {
  return `${document.body.className}|${document.documentElement.getAttribute('style') ?? ''}`;
}

export function fontFamily(): string {
  return cssValue('--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", sans-serif');
}

export function editorFontFamily(): string {
  return cssValue('--vscode-editor-font-family', 'monospace');
}
