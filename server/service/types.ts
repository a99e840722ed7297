/** Settings and client features every language-service feature may read. */

export interface LanguageSettings {
  inlayHints: {
    /** Show output shapes and parameter counts after layers (and the total on `model:`). */
    enabled: boolean;
  };
  /** CSS colour of rendered formulas, e.g. the theme's editor foreground. */
  formulaColor?: string;
  /** Editor font size in px; formula images are sized to it. */
  fontSize?: number;
  /** A high-contrast theme: formulas in pure white or black. */
  highContrast?: boolean;
}

/** What the client can show; defaults assume a capable client (VS Code). */
export interface ClientFeatures {
  snippets: boolean;
  hoverMarkdown: boolean;
  /** Hover Markdown may embed (data-URI SVG) images: the server only knows when the client says so. */
  formulaImages: boolean;
  completionMarkdown: boolean;
  relatedInformation: boolean;
  hierarchicalSymbols: boolean;
  /** Client accepts `version` on published diagnostics (informational). */
  diagnosticVersions: boolean;
}

export const defaultSettings = (): LanguageSettings => ({ inlayHints: { enabled: true } });

export const defaultClientFeatures = (): ClientFeatures => ({
  snippets: true,
  hoverMarkdown: true,
  formulaImages: true,
  completionMarkdown: true,
  relatedInformation: true,
  hierarchicalSymbols: true,
  diagnosticVersions: true,
});

export interface ServiceEnv {
  settings: LanguageSettings;
  client: ClientFeatures;
}
