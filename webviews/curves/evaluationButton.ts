/**
 * The banner's "Evaluation" button: offered for a run that kept an evaluation of its test split
 * (`RunInfo.evaluated`); a click asks the host to open the evaluation panel on it.
 */
import type { CurvesFromWebview, RunInfo } from '../../src/core/protocol/webview';
import { el } from '../shared/dom';

export class EvaluationButton {
  readonly root: HTMLElement;
  private runId?: string;

  constructor(post: (m: CurvesFromWebview) => void) {
    this.root = el('vscode-button', { id: 'show-evaluation', secondary: '', hidden: '' }, 'Evaluation');
    this.root.addEventListener('click', () => {
      if (this.runId) post({ type: 'showEvaluation', runId: this.runId });
    });
  }

  update(run: RunInfo | undefined): void {
    this.runId = run?.evaluated ? run.id : undefined;
    this.root.toggleAttribute('hidden', !this.runId);
    if (run && this.runId) {
      const label = `Show the evaluation of ${run.label}: confusion matrix, scores per class and curves`;
      this.root.setAttribute('aria-label', label);
      this.root.setAttribute('title', label);
    }
  }
}
