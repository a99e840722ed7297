/**
 * The "Try the model" panel: a form for one input of the run — a canvas to draw on (or a picture
 * to drop or pick) for image models, a text box for text models, a field per feature column for
 * tabular ones — and the class probabilities, updated live as the user draws or types. The
 * webview only gathers the input and shows the answer: the model runs in the trainer's prediction
 * session (docs/try.md). At most one request per animation frame leaves; answers to older
 * requests than the one shown are dropped.
 */
import '../shared/base.css';
import './styles.css';
import { validateTryToWebview, type TryForm, type TryFromWebview, type TryInput, type TryRunInfo, type TryToWebview, type TryViewState } from '../../src/core/protocol/tryPanel';
import type { PredictionOutput } from '../../src/core/protocol/trainer';
import { connectToHost } from '../shared/host';
import { announce, el } from '../shared/dom';
import { DrawingPad } from './pad';

const conn = connectToHost<TryToWebview, TryFromWebview, TryViewState>(validateTryToWebview);
const app = document.getElementById('app')!;
const status = el('p', { id: 'status', class: 'muted', role: 'status' });
const inputArea = el('section', { id: 'input', 'aria-label': 'Input' });
const results = el('section', { id: 'results', 'aria-label': 'Prediction', 'aria-live': 'polite' });
const banner = el('div', { id: 'banner', class: 'banner error', hidden: '' });
app.append(el('header', { class: 'toolbar' }, el('strong', { id: 'run-label' }, 'Try the model'), status), banner, el('div', { class: 'try' }, inputArea, results));

let form: TryForm | undefined;
let seq = 0;
let shownSeq = -1;
let pending: (() => TryInput | undefined) | undefined;
let frame = 0;

/** Sends the newest input once per animation frame (a stroke moves the pointer far more often). */
function request(read: () => TryInput | undefined): void {
  pending = read;
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const input = pending?.();
    pending = undefined;
    if (input) conn.post({ type: 'predict', seq: ++seq, input });
  });
}

function showError(message: string | undefined): void {
  banner.textContent = message ?? '';
  banner.toggleAttribute('hidden', !message);
}

function percent(p: number): string {
  return `${(p * 100).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;
}

/** Classes in their own order (digits read best 0…9); long lists show the ten most probable. */
function renderOutput(o: PredictionOutput, ms: number): void {
  results.replaceChildren();
  if (o.probabilities && o.classes) {
    const order = o.classes.map((_, i) => i);
    const rows = o.classes.length > 20 ? order.sort((a, b) => o.probabilities![b] - o.probabilities![a]).slice(0, 10) : order;
    const best = o.probabilities.indexOf(Math.max(...o.probabilities));
    const list = el('ol', { id: 'probabilities', class: 'bars', 'aria-label': 'Class probabilities' });
    for (const i of rows) {
      const p = o.probabilities[i];
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      list.append(el('li', { class: i === best ? 'top' : undefined, 'data-class': o.classes[i], 'data-p': String(p), 'aria-label': `${o.classes[i]}: ${percent(p)}` },
        el('span', { class: 'name' }, o.classes[i]), el('span', { class: 'track' }, bar), el('span', { class: 'value' }, percent(p))));
    }
    results.append(el('p', { id: 'answer', class: 'answer' }, el('span', { class: 'label' }, o.label ?? o.classes[best]), ` ${percent(o.probabilities[best])}`), list);
    announce(`${o.label ?? o.classes[best]}, ${percent(o.probabilities[best])}`);
  } else if (o.value) {
    results.append(el('p', { id: 'answer', class: 'answer' }, o.value.map((v) => Number(v.toPrecision(5))).join(', ')));
  }
  results.append(el('p', { id: 'timing', class: 'muted' }, `${ms.toFixed(1)} ms`));
}

function imageInput(f: Extract<TryForm, { kind: 'image' }>): void {
  const pad = new DrawingPad(f, (read) => request(read), () => {
    pending = undefined;
    shownSeq = seq + 1;
    results.replaceChildren(el('p', { class: 'muted empty' }, 'Draw, or drop a picture, to see what the model says.'));
  });
  inputArea.append(pad.element);
}

function textInput(f: Extract<TryForm, { kind: 'text' }>): void {
  const box = el('textarea', { id: 'text', rows: '6', 'aria-label': `Text (${f.field})`, placeholder: 'Type something…' });
  box.addEventListener('input', () => request(() => ({ kind: 'text', text: box.value })));
  inputArea.append(el('label', { for: 'text' }, f.field), box);
}

function tableInput(f: Extract<TryForm, { kind: 'table' }>): void {
  const fields = el('form', { id: 'fields', class: 'fields' });
  const read = (): TryInput => ({ kind: 'table', values: Object.fromEntries(f.columns.map((c, i) => [c.name, (fields.elements[i] as HTMLInputElement).value])) });
  f.columns.forEach((c, i) => {
    const id = `field-${i}`;
    const control = c.type === 'category'
      ? el('select', { id, name: c.name }, ...(c.options ?? []).map((o) => el('option', { value: o }, o)))
      : el('input', { id, name: c.name, type: 'text', inputmode: 'decimal', value: c.initial, spellcheck: 'false' });
    control.addEventListener('input', () => request(read));
    control.addEventListener('change', () => request(read));
    fields.append(el('label', { for: id }, c.name), control);
  });
  fields.addEventListener('submit', (e) => e.preventDefault());
  inputArea.append(fields);
  // The form starts filled in (training means): its prediction shows at once.
  request(read);
}

function showForm(run: TryRunInfo, f: TryForm): void {
  form = f;
  conn.saveState({ runDir: run.id });
  showError(undefined);
  document.getElementById('run-label')!.textContent = run.label;
  document.getElementById('run-label')!.title = run.id;
  status.textContent = `${run.checkpoint.split(/[\\/]/).slice(-2).join('/')} · ${run.backend}`;
  inputArea.replaceChildren();
  results.replaceChildren(el('p', { class: 'muted empty' }, f.kind === 'image' ? 'Draw, or drop a picture, to see what the model says.' : 'The probabilities show here.'));
  if (f.kind === 'image') imageInput(f);
  else if (f.kind === 'text') textInput(f);
  else if (f.kind === 'table') tableInput(f);
  else showError(f.reason);
}

conn.start((m) => {
  switch (m.type) {
    case 'loading':
      form = undefined;
      document.getElementById('run-label')!.textContent = m.label;
      status.textContent = 'Loading the model…';
      inputArea.replaceChildren();
      results.replaceChildren();
      break;
    case 'form':
      showForm(m.run, m.form);
      break;
    case 'prediction':
      if (!form || m.seq < shownSeq) return;
      shownSeq = m.seq;
      showError(m.error?.message);
      if (m.output) renderOutput(m.output, m.ms);
      break;
    case 'failed':
      form = undefined;
      status.textContent = '';
      inputArea.replaceChildren();
      results.replaceChildren();
      showError(m.message);
      break;
  }
});
