/**
 * The language server's custom protocol: what a client may add to standard LSP. All optional — any
 * LSP client works without it. Messages are checked on arrival (`is…` below). Typed once here; the server (`server/`) and the VS Code client
 * (`src/extension/`) both use these declarations.
 *
 * (`vscode-jsonrpc` only provides the message-type class, no transport or Node API, so the core
 * stays free of editor and process dependencies.)
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc/lib/common/messages';
import type { ArchitectureView } from '../graph';
import { bool, finite, number, opt, shape, string } from './check';

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

const themeParams = shape({ color: string, fontSize: opt((v) => finite(v) && (v as number) > 0), highContrast: opt(bool) });
export const isThemeParams = (x: unknown): x is ThemeParams => themeParams(x);

/** `modelyaml/graph` parameters: the document (open in the server) whose architecture to draw. */
export interface GraphParams {
  uri: string;
}

/** The architecture of the document's current version, from the server's own analysis of it. */
export interface GraphResult extends ArchitectureView {
  uri: string;
  /** The document version the graph was computed for. */
  version: number;
}

/**
 * Client → server: the architecture graph of an open document (the VS Code panel draws it), so
 * the client need not analyse the spec a second time. `null` when the server does not have the
 * document open.
 */
export const graphRequest = new RequestType<GraphParams, GraphResult | null, void>('modelyaml/graph');

const graphParams = shape({ uri: string });
export const isGraphParams = (x: unknown): x is GraphParams => graphParams(x);

/** A structural check of a `modelyaml/graph` answer (the panel draws what it holds). */
const graphResult = shape({
  uri: string,
  version: number,
  errors: number,
  graph: shape({ nodes: Array.isArray, edges: Array.isArray }),
  mermaid: shape({ TB: string, LR: string }),
});
export const isGraphResult = (x: unknown): x is GraphResult => graphResult(x);
