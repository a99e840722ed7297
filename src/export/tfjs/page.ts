/**
 * The `index.html` beside an export: loads `tf.min.js` from the same folder (no network), the
 * model with stock `tf.loadLayersModel`, and runs it on one input: a drawing canvas and an image
 * picker for image models, a form of the feature columns for tables, a text box for text. The
 * run's fitted preprocessing (its `apply` steps) is replayed in plain JS, and the prediction is
 * shown with the class names of `preprocessing.json`.
 */
import type { Preprocessing } from '../../core/protocol/preprocessing';

/** What the page needs of the run, embedded as JSON. */
export interface PageConfig {
  name: string;
  input: Preprocessing['input'];
  featureShape: number[];
  steps: { type: string; params: Record<string, unknown>; fitted?: unknown }[];
  labels: Preprocessing['labels'];
}

export function pageConfig(name: string, pre: Preprocessing): PageConfig {
  return {
    name,
    input: pre.input,
    featureShape: pre.features.shape,
    steps: pre.steps.filter((s) => s.atInference === 'apply').map((s) => ({ type: s.type, params: s.params, ...(s.fitted ? { fitted: s.fitted } : {}) })),
    labels: pre.labels,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page; the config goes into a JSON script element (`<` escaped, so no text can close it). */
export function indexHtml(config: PageConfig): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(config.name)} · TensorFlow.js</title>
<style>
body { font: 15px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
canvas { border: 1px solid #888; touch-action: none; background: #000; }
label { display: block; margin: .3rem 0; } input, select, textarea { font: inherit; }
#result { display: block; margin-top: 1rem; font-size: 1.3rem; } .error { color: #b00020; }
</style>
</head>
<body>
<h1>${escapeHtml(config.name)}</h1>
<p id="status">Loading the model…</p>
<form id="form"></form>
<p><button id="predict" type="button" disabled>Predict</button></p>
<output id="result"></output>
<ol id="top"></ol>
<script id="modelyaml-config" type="application/json">${json}</script>
<script src="tf.min.js"></script>
<script>
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

/** The page's script: plain browser JS (it runs as written, not bundled). */
const PAGE_SCRIPT = String.raw`'use strict';
const config = JSON.parse(document.getElementById('modelyaml-config').textContent);
const $ = (id) => document.getElementById(id);
const form = $('form');
// Enter in a field predicts instead of reloading the page.
form.addEventListener('submit', (e) => { e.preventDefault(); $('predict').click(); });
const TOKEN_FILTER = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_\x60{|}~\t\n]/g;
const input = config.input;
const side = input.kind === 'values' && input.shape.length === 1 ? Math.sqrt(input.shape[0]) : 0;
const imageLike = input.kind === 'image' || (Number.isInteger(side) && side > 1);
const imageSize = input.kind === 'image' ? input.imageSize : [side, side];
const channels = input.kind === 'image' ? input.channels : 1;
let readInput;

function field(labelText, el) {
  const label = document.createElement('label');
  label.append(labelText + ' ', el);
  form.append(label);
  return el;
}

if (imageLike) {
  // Draw with the mouse (white on black, as MNIST digits are), or pick an image file.
  const canvas = document.createElement('canvas');
  canvas.id = 'canvas';
  canvas.width = canvas.height = 280;
  const ctx = canvas.getContext('2d');
  const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 280, 280); };
  clear();
  let drawing = false;
  const at = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  canvas.addEventListener('pointerdown', (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); });
  canvas.addEventListener('pointermove', (e) => { if (!drawing) return; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.strokeStyle = '#fff'; ctx.lineTo(...at(e)); ctx.stroke(); });
  window.addEventListener('pointerup', () => { drawing = false; });
  form.append(canvas);
  const clearButton = document.createElement('button');
  clearButton.type = 'button';
  clearButton.textContent = 'Clear';
  clearButton.onclick = clear;
  form.append(clearButton);
  const file = field('or an image file:', document.createElement('input'));
  file.type = 'file';
  file.accept = 'image/*';
  file.id = 'image';
  file.onchange = async () => { if (file.files[0]) ctx.drawImage(await createImageBitmap(file.files[0]), 0, 0, 280, 280); };
  readInput = () => {
    const [h, w] = imageSize;
    const small = document.createElement('canvas');
    small.width = w; small.height = h;
    const sctx = small.getContext('2d');
    sctx.drawImage(canvas, 0, 0, w, h);
    const rgba = sctx.getImageData(0, 0, w, h).data;
    const out = [];
    for (let i = 0; i < w * h; i++) {
      const [r, g, b, a] = rgba.slice(4 * i, 4 * i + 4);
      if (channels === 1) out.push(0.299 * r + 0.587 * g + 0.114 * b);
      else out.push(...[r, g, b, a].slice(0, channels));
    }
    return { values: out };
  };
} else if (input.kind === 'table') {
  const encoded = {};
  for (const s of config.steps) if (s.type === 'label_encode' && s.params.column) encoded[s.params.column] = s.fitted.classes;
  const els = input.columns.map((c) => {
    let el;
    if (encoded[c]) {
      el = document.createElement('select');
      for (const v of encoded[c]) el.append(new Option(String(v), String(v)));
    } else el = document.createElement('input');
    el.name = c;
    return field(c, el);
  });
  readInput = () => ({ row: els.map((el) => el.value), columns: input.columns.slice() });
} else if (input.kind === 'text') {
  const text = field(input.text, document.createElement('textarea'));
  text.rows = 4; text.cols = 50; text.name = input.text;
  readInput = () => ({ text: text.value });
} else {
  const values = field(input.shape.join('×') + ' numbers, comma-separated:', document.createElement('textarea'));
  values.name = 'values';
  readInput = () => ({ values: values.value.split(/[\s,]+/).filter(Boolean).map(Number) });
}

const number = (v, what) => {
  const n = typeof v === 'number' ? v : (String(v).trim() === '' ? NaN : Number(v));
  if (!Number.isFinite(n)) throw new Error(what + ': "' + v + '" is not a number');
  return n;
};

/** The run's fitted steps, as the trainer applies them to one record (docs/preprocessing.md). */
function preprocess(raw) {
  let { row, columns, values, text } = raw;
  let seq;
  if (values) row = values;
  const each = (f) => { row = row.map((v, e) => f(number(v, columns ? columns[e] : 'value ' + (e + 1)), e)); };
  for (const s of config.steps) {
    const p = s.params, fit = s.fitted;
    switch (s.type) {
      case 'fill_missing':
        row = row.map((v, e) => (v === '' || v === null ? (columns && fit.text[columns[e]] != null ? fit.text[columns[e]] : fit.values[e]) : v));
        break;
      case 'label_encode': {
        const e = columns.indexOf(p.column);
        const k = fit.classes.findIndex((c) => String(c) === String(row[e]).trim());
        if (k < 0) throw new Error(p.column + ': "' + row[e] + '" was not seen in training');
        row[e] = k;
        break;
      }
      case 'select':
        row = p.columns.map((c) => row[columns.indexOf(c)]);
        columns = p.columns.slice();
        break;
      case 'scale': each((v) => v / p.divisor); break;
      case 'clip_outliers': each((v, e) => Math.min(Math.max(v, fit.low[e]), fit.high[e])); break;
      case 'standardize': each((v, e) => (v - fit.mean[e]) / (fit.std[e] > 0 ? fit.std[e] : 1)); break;
      case 'normalize': each((v, e) => {
        const z = fit.max[e] > fit.min[e] ? (v - fit.min[e]) / (fit.max[e] - fit.min[e]) : 0;
        return p.range === 'minus_one_one' ? 2 * z - 1 : z;
      }); break;
      case 'reshape': break;
      case 'tokenize': {
        const index = new Map(fit.vocabulary.map((w, i) => [w, i + 2]));
        const lower = p.lowercase !== false ? text.toLowerCase() : text;
        const words = p.char_level === true ? [...lower] : lower.replace(TOKEN_FILTER, ' ').split(/\s+/).filter(Boolean);
        seq = words.map((w) => index.get(w) ?? 1);
        break;
      }
      case 'pad_sequences': {
        const from = seq ?? row;
        const n = p.maxlen;
        const cut = from.length > n ? ((p.truncating ?? 'pre') === 'pre' ? from.slice(from.length - n) : from.slice(0, n)) : from;
        const pad = new Array(n - cut.length).fill(p.value ?? 0);
        row = (p.padding ?? 'pre') === 'pre' ? pad.concat(cut) : cut.concat(pad);
        seq = undefined;
        break;
      }
      default: throw new Error('this page cannot apply the step ' + s.type + ': use modelyaml predict');
    }
  }
  const x = row.map((v, e) => number(v, columns ? columns[e] : 'value ' + (e + 1)));
  const size = config.featureShape.reduce((a, b) => a * b, 1);
  if (x.length !== size) throw new Error('the input has ' + x.length + ' values; the model takes ' + size);
  return x;
}

const className = (i) => (config.labels.names && config.labels.names[i] !== undefined ? String(config.labels.names[i]) : 'class ' + i);

/** The model's output, decoded as the run's labels are. */
function decode(y) {
  const kind = config.labels.kind;
  if (kind === 'continuous') return { text: y.map((v) => v.toPrecision(6)).join(', '), top: [] };
  if (kind === 'binary' || kind === 'signed' || y.length === 1) {
    const p = y[0];
    const threshold = kind === 'signed' ? 0 : 0.5;
    const k = p > threshold ? 1 : 0;
    // The probability (or score) of the positive class, named.
    return { text: className(k) + ' (' + className(1) + ': ' + p.toFixed(4) + ')', top: [] };
  }
  const order = y.map((v, i) => i).sort((a, b) => y[b] - y[a]);
  return { text: className(order[0]) + ' (' + (100 * y[order[0]]).toFixed(1) + '%)', top: order.slice(0, 3).map((i) => className(i) + ': ' + (100 * y[i]).toFixed(1) + '%') };
}

async function loadModel() {
  if (location.protocol !== 'file:') return tf.loadLayersModel('model.json');
  // Browsers do not fetch files from file:// pages: ask for the files instead.
  const picker = field('This page was opened from disk: choose model.json and its .bin files', document.createElement('input'));
  picker.type = 'file';
  picker.multiple = true;
  const files = await new Promise((resolve) => { picker.onchange = () => resolve([...picker.files]); });
  const json = files.find((f) => f.name === 'model.json');
  return tf.loadLayersModel(tf.io.browserFiles([json, ...files.filter((f) => f !== json)]));
}

(async () => {
  const result = $('result');
  try {
    const model = await loadModel();
    $('status').textContent = 'Model loaded (TensorFlow.js ' + tf.version.tfjs + ', ' + tf.getBackend() + ' backend).';
    $('predict').disabled = false;
    $('predict').onclick = () => {
      result.className = '';
      $('top').replaceChildren();
      try {
        const x = preprocess(readInput());
        window.modelyamlInput = x;
        const y = tf.tidy(() => model.predict(tf.tensor(x, [1, ...config.featureShape])).dataSync());
        const d = decode(Array.from(y));
        window.modelyamlOutput = Array.from(y);
        result.textContent = d.text;
        for (const t of d.top) { const li = document.createElement('li'); li.textContent = t; $('top').append(li); }
      } catch (e) {
        result.className = 'error';
        result.textContent = e.message;
      }
    };
  } catch (e) {
    $('status').className = 'error';
    $('status').textContent = 'The model did not load: ' + e.message;
  }
})();
`;
