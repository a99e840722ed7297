/**
 * The end of a run, told once: a notification with the final and test metrics (or why it stopped)
 * and what to do next — the curves, resuming from the last checkpoint, and any action other parts
 * of the extension add (an "Evaluate" later).
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { endingText } from '../core/protocol/trainer';
import type { TrainingResult } from '../node/trainerClient';
import { resumableCheckpoint } from '../node/runFolders';
import type { VscodeApi } from './panels/host';

/** A button on the run-end notification. */
export interface RunEndAction {
  title: string;
  /** Whether this run gets the button. */
  offer(result: TrainingResult): boolean;
  run(specPath: string, result: TrainingResult): unknown;
}

export const SHOW_CURVES = 'Show Curves';
export const RESUME_TRAINING = 'Resume Training';
export const SHOW_OUTPUT = 'Show Output';

export function formatMetrics(m: Record<string, number | null>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${v === null ? 'NaN' : Number(v).toPrecision(4)}`)
    .join(' · ');
}

/** The final metrics worth a notification: the training ones, their `val_` twins after them. */
function finalLine(final: Record<string, number | null>): string {
  const keys = Object.keys(final).sort((a, b) => Number(a.startsWith('val_')) - Number(b.startsWith('val_')));
  return formatMetrics(Object.fromEntries(keys.map((k) => [k, final[k]])));
}

export interface RunEndMessage {
  level: 'info' | 'warning' | 'error';
  text: string;
}

/** What the notification says about a run that ended. */
export function runEndMessage(specName: string, result: TrainingResult): RunEndMessage {
  const done = result.done;
  const seconds = done ? ` in ${(done.durationMs / 1000).toFixed(1)} s` : '';
  switch (result.status) {
    case 'completed': {
      const parts = [`ModelYAML: ${specName} — ${done?.reason ?? 'completed'}${seconds}.`];
      if (done && Object.keys(done.final).length) parts.push(`Final: ${finalLine(done.final)}.`);
      if (done?.test && Object.keys(done.test).length) parts.push(`Test: ${formatMetrics(done.test)}.`);
      return { level: 'info', text: parts.join(' ') };
    }
    case 'cancelled':
      return { level: 'info', text: `ModelYAML: ${specName} was ${endingText('cancelled', done?.reason)}. The run record is kept.` };
    case 'failed':
      return { level: 'error', text: `ModelYAML: training ${specName} failed: ${result.error?.message ?? done?.reason ?? 'the trainer stopped unexpectedly'}` };
  }
}

export interface AnnounceOptions {
  specPath: string;
  result: TrainingResult;
  actions: readonly RunEndAction[];
  output: Pick<vscode.OutputChannel, 'show'>;
  resume?: (spec: vscode.Uri, runDir: string) => Promise<void>;
}

/** Shows the notification and runs the action the user picks. */
export async function announceRunEnd(api: VscodeApi, o: AnnounceOptions): Promise<void> {
  const { result, specPath } = o;
  const specName = path.basename(specPath).replace(/\.model\.ya?ml$/, '');
  const message = runEndMessage(specName, result);
  const checkpoint = result.status !== 'completed' && result.runDir ? resumableCheckpoint(result.runDir) : undefined;
  const actions: RunEndAction[] = [
    ...(result.runDir ? [{ title: SHOW_CURVES, offer: () => true, run: () => api.commands.executeCommand('modelyaml.showCurves', api.Uri.file(specPath)) }] : []),
    ...(checkpoint && o.resume ? [{ title: RESUME_TRAINING, offer: () => true, run: () => o.resume!(api.Uri.file(specPath), result.runDir!) }] : []),
    ...(result.status === 'failed' ? [{ title: SHOW_OUTPUT, offer: () => true, run: () => o.output.show(true) }] : []),
    ...o.actions.filter((a) => a.offer(result)),
  ];
  const show = message.level === 'error' ? api.window.showErrorMessage : message.level === 'warning' ? api.window.showWarningMessage : api.window.showInformationMessage;
  const picked = await show(message.text, ...actions.map((a) => a.title));
  await actions.find((a) => a.title === picked)?.run(specPath, result);
}
