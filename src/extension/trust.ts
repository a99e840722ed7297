/**
 * Workspace Trust: editing works in any folder, but training runs code the workspace can plant
 * (a `node_modules/@tensorflow/tfjs-node*` the trainer loads, a `modelyaml.tfjsNodePath` setting),
 * so it waits until the user trusts the folder.
 */
import type { VscodeApi } from './panels/host';

export const UNTRUSTED_TRAINING =
  'Training is off in this untrusted workspace: it can load packages from the workspace (node_modules/@tensorflow/tfjs-node…). Trust the folder (Manage Workspace Trust) to train; editing and checking work as they are.';

export const MANAGE_TRUST = 'Manage Workspace Trust';

/** Whether `what` may run here; when not, says why and offers to open the trust editor. */
export function requireTrust(api: VscodeApi, what: string): boolean {
  if (api.workspace.isTrusted) return true;
  void api.window
    .showWarningMessage(`ModelYAML: ${what} needs a trusted workspace. ${UNTRUSTED_TRAINING.replace(/^Training is off in this untrusted workspace: it/, 'Training')}`, MANAGE_TRUST)
    .then((picked) => picked === MANAGE_TRUST && api.commands.executeCommand('workbench.trust.manage'));
  return false;
}
