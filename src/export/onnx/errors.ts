/** Why an export stopped: a message for the user, and where in the spec when a layer is at fault. */
import type { Range } from '../../core/diagnostics';

export class ExportError extends Error {
  override name = 'ExportError';
  constructor(
    message: string,
    /** The spec range (of the run's spec snapshot) the message is about. */
    readonly range?: Range,
  ) {
    super(message);
  }
}
