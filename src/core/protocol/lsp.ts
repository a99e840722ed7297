/**
 * The language server's custom protocol: what a client may add to standard LSP. All optional — any
 * LSP client works without it. Typed once here; the server (`server/`) and the VS Code client
 * (`src/extension/`) both use these declarations.
 *
 * (`vscode-jsonrpc` only provides the message-type class, no transport or Node API, so the core
 * stays free of editor and process dependencies.)
 */
import { NotificationType } from 'vscode-jsonrpc/lib/common/messages';

/** The editor theme, so formulas in hovers are drawn in the theme's colour and font size. */
export interface ThemeParams {
  /** CSS colour, e.g. the theme's `editor.foreground` (`#cccccc`). */
  color: string;
  /** Editor font size in px. */
  fontSize?: number;
  /**
   * A high-contrast theme: formulas are drawn in pure white or black (whichever `color` is
   * nearer), whatever `color` says, for the 7:1 contrast such themes promise.
   */
  highContrast?: boolean;
}

/** Client → server: the theme changed (or is first known). Optional. */
export const themeNotification = new NotificationType<ThemeParams>('modelyaml/theme');

/** Settings under the `modelyaml` section (`workspace/configuration`, or `initializationOptions.settings`). */
export interface ServerSettings {
  inlayHints?: { enabled?: boolean };
}

/** `initializationOptions` the server understands. All optional. */
export interface InitializationOptions {
  /** CSS colour for formulas (as in `modelyaml/theme`). */
  formulaColor?: string;
  /** Editor font size in px, for formula images. */
  fontSize?: number;
  /** A high-contrast theme (as in `modelyaml/theme`). */
  highContrast?: boolean;
  /**
   * The client shows images in hover Markdown (VS Code does): formulas are sent as SVG images with
   * the Unicode formula as alt text. Without it, clients get the Unicode formula as text.
   */
  formulaImages?: boolean;
  /** Initial settings, for clients without `workspace/configuration`. */
  settings?: ServerSettings;
  /** Shorthand for `settings.inlayHints`. */
  inlayHints?: { enabled?: boolean };
}

export function isThemeParams(x: unknown): x is ThemeParams {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Record<string, unknown>;
  return (
    typeof t.color === 'string' &&
    (t.fontSize === undefined || (typeof t.fontSize === 'number' && Number.isFinite(t.fontSize) && t.fontSize > 0)) &&
    (t.highContrast === undefined || typeof t.highContrast === 'boolean')
  );
}
