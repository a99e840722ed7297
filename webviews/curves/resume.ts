/**
 * The banner's "Resume" button: offered for a run that ended early and kept a checkpoint
 * (`RunInfo.resumable`), never while a run of the spec trains (the host would refuse a second
 * one). A click asks the host to resume the run; the button stays disabled until the host answers
 * with news of the runs, so a double click starts one run, not two.
 */
import type { CurvesFromWebview, RunInfo } from '../../src/core/protocol/webview';
import { announce, el } from '../shared/dom';

export class ResumeButton {
  readonly root: HTMLElement;
  private runId?: string;
  /** The run a resume was asked for, until the host's next word on the runs. */
  private requested?: string;

  constructor(post: (m: CurvesFromWebview) => void) {
    this.root = el('vscode-button', { id: 'resume-run', hidden: '' }, 'Resume');
    this.root.addEventListener('click', () => {
      const id = this.runId;
      if (!id || this.requested === id || this.root.hasAttribute('hidden')) return;
      this.requested = id;
      this.root.setAttribute('disabled', '');
      announce('Resuming the run from its last checkpoint…');
      post({ type: 'resume', runId: id });
    });
  }

  /** Shows the button for `run` when it can be resumed and nothing of the spec is training. */
  update(run: RunInfo | undefined, runs: readonly RunInfo[]): void {
    const offered = !!run?.resumable && run.status !== 'running' && !runs.some((r) => r.status === 'running');
    this.runId = offered ? run!.id : undefined;
    this.root.toggleAttribute('hidden', !offered);
    this.root.toggleAttribute('disabled', !offered || this.requested === this.runId);
    if (offered) {
      const label = `Resume ${run!.label} from its last checkpoint`;
      this.root.setAttribute('aria-label', label);
      this.root.setAttribute('title', label);
    }
  }

  /** The host sent news of the runs: a refused or finished request may be made again. */
  hostAnswered(): void {
    this.requested = undefined;
  }
}
