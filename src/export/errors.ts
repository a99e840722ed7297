/**
 * Why an export stopped, for both exporters: a stable code (`export/unsupported-layer`, …), a
 * message the user reads as it is (it names the spec file:line:column itself when a layer is at
 * fault), and that spec location as data for editors and tests.
 */
import { LineIndex, type Range } from '../core/diagnostics';

/** The spec snapshot file and the 1-based line and column a refusal is about. */
export interface SpecLocation {
  file: string;
  line: number;
  column: number;
}

export class ExportError extends Error {
  override name = 'ExportError';
  constructor(
    readonly code: string,
    message: string,
    readonly where?: SpecLocation,
  ) {
    super(message);
  }
}

/** Turns ranges of a spec text into locations of the file it was read from. */
export type SpecLocator = (range: Range) => SpecLocation;

export function specLocator(file: string, text: string): SpecLocator {
  const lines = new LineIndex(text);
  return (range) => {
    const p = lines.position(range.start);
    return { file, line: p.line + 1, column: p.character + 1 };
  };
}

/** `file:line:column: ` for a location, '' without one. */
export const locationPrefix = (where: SpecLocation | undefined): string => (where ? `${where.file}:${where.line}:${where.column}: ` : '');
