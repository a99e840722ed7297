/** What `exportTfjs` refuses, with a code and, for a layer, the spec line that made it. */
export class ExportError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The spec file and 1-based line and column, when a layer of the spec is at fault. */
    readonly where?: { file: string; line: number; column: number },
  ) {
    super(message);
    this.name = 'ExportError';
  }
}
