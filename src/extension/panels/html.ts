/**
 * The one HTML page both panels are served in. Pure (no vscode), so the webview tests render
 * exactly what the extension serves.
 *
 * The Content-Security-Policy: nothing by default; scripts only with this page's nonce (no
 * `unsafe-eval`, no remote hosts); styles from the bundle folder plus inline styles, which Mermaid
 * needs (it writes a `<style>` into every SVG it draws and style attributes on its nodes; a nonce
 * in `style-src` would disable `'unsafe-inline'`, so there is none); images and fonts from the
 * bundle folder only; no `connect-src`, so a lazily loaded chunk would be refused (and reported)
 * rather than fetched.
 */
import type { PanelKind } from '../../core/protocol/webview';

export interface PanelHtmlOptions {
  panel: PanelKind;
  /** The bundle, as the webview sees it (`webview.asWebviewUri`). */
  scriptUri: string;
  /** The bundle's stylesheet (esbuild writes `curves.css` next to `curves.js` when the bundle imports CSS). */
  styleUri?: string;
  /** `webview.cspSource`: the origin the bundle is served from. */
  cspSource: string;
  /** A fresh random nonce per page load. */
  nonce: string;
  /** Initial state for the webview (it prefers the state VS Code kept for it). */
  state?: unknown;
  /** The page's title (screen readers announce it). */
  title?: string;
}

const titles: Record<PanelKind, string> = { curves: 'Training curves', graph: 'Architecture', evaluation: 'Evaluation', try: 'Try the model', diff: 'Model comparison', runs: 'Runs', search: 'Search' };

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "object-src 'none'",
  ].join('; ');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script type="application/json">` element. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v ?? null).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A nonce: 32 random characters from [A-Za-z0-9]. */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}

export function panelHtml(o: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce)) throw new Error('panelHtml: the nonce must be at least 16 base64 characters');
  const title = o.title ?? titles[o.panel];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
${o.styleUri ? `<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">` : ''}
</head>
<body data-panel="${escapeHtml(o.panel)}">
<main id="app" aria-label="${escapeHtml(title)}"></main>
<script type="application/json" id="modelyaml-initial-state">${jsonForScript(o.state)}</script>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
