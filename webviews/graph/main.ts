/**
 * The architecture panel: the core's Mermaid graph of the spec, drawn by Mermaid (bundled whole,
 * `securityLevel: 'strict'`), themed from VS Code's colours. Nodes are focusable buttons that
 * reveal their line; the editor's cursor highlights its node; pan and zoom stay put across edits.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '../shared/base.css';
import './styles.css';
import mermaid from 'mermaid';
import {
  graphStateOrDefault,
  toMermaid,
  validateGraphToWebview,
  type ArchitectureGraph,
  type GraphFromWebview,
  type GraphNode,
  type GraphPayload,
  type GraphToWebview,
  type GraphViewState,
} from '../../src/core/protocol/webview';
import { connectToHost } from '../shared/host';
import { announce, el, safeFileName } from '../shared/dom';
import { cssColor, fontFamily, onThemeChange, themeKind } from '../shared/theme';
import { PanZoom } from './view';
import { blockSubgraphs, collapseBlocks, findRepeatedBlocks, type RepeatedBlock } from './collapse';

const conn = connectToHost<GraphToWebview, GraphFromWebview, GraphViewState>(validateGraphToWebview);
let state: GraphViewState = graphStateOrDefault(conn.initialState());
let payload: GraphPayload | undefined;
let highlighted: string | null = null;
/** The graph as drawn (repeated blocks collapsed or not), and which drawn node each hidden layer is in. */
let shown: { graph: ArchitectureGraph; groupOf: Map<string, string> } | undefined;
let blocks: RepeatedBlock[] = [];
/** Blocks the user expanded (while the panel follows the same spec). */
const expanded = new Set<string>();
/** Models this long start with their repeated blocks collapsed. */
const COLLAPSE_FROM_LAYERS = 30;
/** What is drawn now: the Mermaid text and the theme it was drawn with. */
let drawnKey = '';
let renderCount = 0;
let renderSeq = 0;
let lastError: string | undefined;

// ─── DOM ─────────────────────────────────────────────────────────────────────────────────────

const app = document.getElementById('app')!;
const direction = el(
  'vscode-single-select',
  { id: 'direction', label: 'Layout' },
  el('vscode-option', { value: 'TB' }, 'Top-down'),
  el('vscode-option', { value: 'LR' }, 'Left-right'),
) as HTMLElement & { value: string };
const btn = (id: string, text: string, aria: string) => el('vscode-button', { id, 'aria-label': aria, title: aria, secondary: '' }, text);
const zoomIn = btn('zoom-in', '+', 'Zoom in');
const zoomOut = btn('zoom-out', '−', 'Zoom out');
const zoomFit = btn('zoom-fit', 'Fit', 'Fit the graph in the panel');
const zoomReset = btn('zoom-reset', '1:1', 'Actual size');
const collapseBtn = btn('collapse', 'Collapse repeats', 'Draw each run of repeated layer blocks as one node (click it to expand)');
const exportSvg = btn('export-svg', 'SVG', 'Export the graph as SVG');
const exportMmd = btn('export-mmd', '.mmd', 'Export the Mermaid source (.mmd)');
const title = el('h1', { class: 'graph-title' }, 'Architecture');
const summary = el('span', { class: 'summary muted', id: 'summary' });
const toolbar = el(
  'div',
  { class: 'toolbar', role: 'group', 'aria-label': 'Graph settings' },
  el('div', { class: 'group' }, title, summary),
  el('div', { class: 'group' }, el('vscode-label', { for: 'direction' }, 'Layout'), direction),
  el('div', { class: 'group', role: 'group', 'aria-label': 'Zoom' }, zoomOut, zoomIn, zoomFit, zoomReset),
  el('div', { class: 'group' }, collapseBtn),
  el('div', { class: 'group', role: 'group', 'aria-label': 'Export' }, el('span', { class: 'muted' }, 'Export'), exportSvg, exportMmd),
);
const banner = el('div', { class: 'banner error', id: 'graph-error', role: 'alert', hidden: '' });
const empty = el('div', { class: 'empty', id: 'empty', role: 'status' }, 'Waiting for the extension…');
const canvas = el('div', { class: 'canvas', id: 'canvas' });
const viewport = el(
  'div',
  { class: 'viewport', id: 'viewport', tabindex: '0', role: 'region', 'aria-label': 'Architecture graph. Arrow keys pan, plus and minus zoom, Tab moves between layers, Enter shows a layer in the editor.' },
  canvas,
);
const hint = el('div', { class: 'hint muted', 'aria-hidden': 'true' }, 'Click a layer to show it in the editor · drag to pan · wheel to zoom');
app.append(toolbar, banner, empty, viewport, hint);

const view = new PanZoom(viewport, canvas, (t) => {
  state = { ...state, view: { ...t } };
  conn.saveState(state);
});

function syncControls(): void {
  direction.value = state.direction;
  collapseBtn.setAttribute('aria-pressed', String(collapsing()));
  collapseBtn.textContent = collapsing() ? 'Expand repeats' : 'Collapse repeats';
  collapseBtn.toggleAttribute('disabled', !blocks.length);
}

function collapsing(): boolean {
  const layers = payload?.graph.nodes.filter((n) => n.kind === 'layer').length ?? 0;
  return blocks.length > 0 && (state.collapse ?? layers >= COLLAPSE_FROM_LAYERS);
}

function setCollapse(on: boolean): void {
  state = { ...state, collapse: on };
  expanded.clear();
  conn.saveState(state);
  syncControls();
  void draw();
}

function toggleBlock(id: string, open: boolean): void {
  if (open) expanded.add(id);
  else expanded.delete(id);
  void draw();
}

direction.addEventListener('change', () => {
  const v = direction.value;
  if ((v === 'TB' || v === 'LR') && v !== state.direction) {
    state = { ...state, direction: v, view: undefined };
    conn.saveState(state);
    void draw(true);
  }
});
zoomIn.addEventListener('click', () => view.zoom(1.25));
zoomOut.addEventListener('click', () => view.zoom(1 / 1.25));
zoomFit.addEventListener('click', () => fit());
collapseBtn.addEventListener('click', () => setCollapse(!collapsing()));
zoomReset.addEventListener('click', () => view.set({ ...view.t, scale: 1 }));
exportSvg.addEventListener('click', () => doExport('svg'));
exportMmd.addEventListener('click', () => doExport('mmd'));
viewport.addEventListener('keydown', (e) => {
  if (e.target === viewport && e.key === '0') {
    fit();
    e.preventDefault();
  }
});

// ─── Mermaid ─────────────────────────────────────────────────────────────────────────────────

function themeSignature(): string {
  return `${themeKind()}|${cssColor('--vscode-editor-background', '#1e1e1e')}|${cssColor('--vscode-foreground', '#cccccc')}`;
}

function configureMermaid(): void {
  const kind = themeKind();
  const dark = kind === 'dark' || kind === 'high-contrast';
  const hc = kind.startsWith('high-contrast');
  const bg = cssColor('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff');
  const fg = cssColor('--vscode-foreground', dark ? '#cccccc' : '#3b3b3b');
  const nodeBg = cssColor('--vscode-editorWidget-background', dark ? '#252526' : '#f3f3f3');
  const border = hc ? cssColor('--vscode-contrastBorder', '#6fc3df') : cssColor('--vscode-charts-blue', dark ? '#3794ff' : '#1a85ff');
  const line = hc ? fg : cssColor('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#6f6f6f');
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: 'strict',
    theme: 'base',
    darkMode: dark,
    fontFamily: fontFamily(),
    logLevel: 'fatal',
    // Mermaid's defaults (50,000 characters, 500 edges) would draw a 500-layer model as an error box.
    maxTextSize: 2_000_000,
    maxEdges: 20_000,
    flowchart: { htmlLabels: true, useMaxWidth: false, curve: 'basis', padding: 12, nodeSpacing: 36, rankSpacing: 44 },
    themeVariables: {
      darkMode: dark,
      background: bg,
      fontFamily: fontFamily(),
      fontSize: '13px',
      primaryColor: nodeBg,
      primaryTextColor: fg,
      primaryBorderColor: border,
      mainBkg: nodeBg,
      nodeBorder: border,
      nodeTextColor: fg,
      textColor: fg,
      lineColor: line,
      edgeLabelBackground: bg,
      secondaryColor: nodeBg,
      tertiaryColor: bg,
      clusterBkg: nodeBg,
      titleColor: fg,
    },
  });
}

/** Fit: the whole drawing as large as the panel allows. */
function fit(): void {
  const svg = canvas.querySelector('svg');
  if (!svg) return;
  const { w, h } = svgSize(svg);
  view.fit(w, h);
}

/** Where a new drawing starts: fitted, but readable (see PanZoom.place). */
function place(): void {
  const svg = canvas.querySelector('svg');
  if (!svg) return;
  const { w, h } = svgSize(svg);
  view.place(w, h);
}

/** The graph to draw and its Mermaid text: the core's, or with the repeated blocks collapsed. */
function drawing(p: GraphPayload): { graph: ArchitectureGraph; groupOf: Map<string, string>; text: string } {
  if (!collapsing()) return { graph: p.graph, groupOf: new Map(), text: p.mermaid[state.direction] };
  const c = collapseBlocks(p.graph, blocks, expanded);
  return { ...c, text: toMermaid(c.graph, { direction: state.direction }) + blockSubgraphs(blocks, expanded) };
}

function svgSize(svg: SVGSVGElement): { w: number; h: number } {
  const vb = svg.viewBox?.baseVal;
  const w = parseFloat(svg.getAttribute('width') ?? '') || vb?.width || svg.getBoundingClientRect().width / view.t.scale;
  const h = parseFloat(svg.getAttribute('height') ?? '') || vb?.height || svg.getBoundingClientRect().height / view.t.scale;
  return { w, h };
}

/** Draws the current payload (unless the same text is drawn already with the same theme). */
async function draw(refit = false): Promise<void> {
  if (!payload) return;
  const d = drawing(payload);
  const text = d.text;
  shown = { graph: d.graph, groupOf: d.groupOf };
  const key = `${text}\n${themeSignature()}`;
  if (key === drawnKey && !refit) {
    decorate();
    return;
  }
  const seq = ++renderSeq;
  configureMermaid();
  let svg: string;
  try {
    ({ svg } = await mermaid.render(`modelyaml-graph-${seq}`, text));
  } catch (e) {
    if (seq !== renderSeq) return;
    lastError = (e as Error)?.message ?? String(e);
    banner.textContent = `Could not draw the graph: ${lastError}`;
    banner.removeAttribute('hidden');
    conn.post({ type: 'log', level: 'error', message: `mermaid failed: ${lastError}` });
    return;
  } finally {
    document.getElementById(`dmodelyaml-graph-${seq}`)?.remove();
  }
  if (seq !== renderSeq) return; // a newer render superseded this one
  lastError = undefined;
  banner.setAttribute('hidden', '');
  const first = !drawnKey;
  drawnKey = key;
  const template = document.createElement('template');
  template.innerHTML = svg;
  canvas.replaceChildren(template.content);
  renderCount++;
  decorate();
  if (refit || (first && !state.view)) place();
  else if (first && state.view) view.set(state.view, false);
}

/** Makes nodes focusable buttons with a full description; marks errors and the highlight. */
function decorate(): void {
  const svg = canvas.querySelector('svg');
  if (!svg || !payload) return;
  svg.setAttribute('role', 'group');
  svg.setAttribute('aria-label', `${payload.graph.nodes.length} nodes, ${payload.graph.edges.length} edges`);
  const nodes = shown?.graph.nodes ?? payload.graph.nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const groups = new Set(blocks.map((b) => b.id));
  const errorStroke = cssColor('--vscode-editorError-foreground', '#f14c4c');
  const errorFill = cssColor('--vscode-inputValidation-errorBackground', themeKind() === 'light' ? '#f2dede' : '#5a1d1d');
  for (const g of svg.querySelectorAll<SVGGElement>('g.node')) {
    const id = nodeIdOf(g, svg);
    const node = byId.get(id);
    if (!node) continue;
    g.dataset.nodeId = id;
    if (g.dataset.decorated !== '1') {
      g.dataset.decorated = '1';
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      // A collapsed block expands; a layer shows its line in the editor.
      const act = () => (groups.has(id) ? toggleBlock(id, true) : reveal(id));
      g.addEventListener('click', () => {
        if (!view.justDragged) act();
      });
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          act();
        }
      });
      const t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      t.textContent = describe(node);
      g.prepend(t);
    }
    g.setAttribute('aria-label', describe(node));
    g.classList.toggle('has-error', !!node.error);
    if (node.error) {
      // Mermaid writes the core's classDef as an inline style: restyle with the theme's error colours
      // (concrete colours, so an exported SVG keeps them).
      for (const shape of g.querySelectorAll<SVGElement>(':scope > rect, :scope > polygon, :scope > path')) {
        shape.style.setProperty('stroke', errorStroke, 'important');
        shape.style.setProperty('stroke-width', '2px', 'important');
        shape.style.setProperty('fill', errorFill, 'important');
      }
    }
    g.classList.toggle('highlighted', id === shownHighlight());
    g.classList.toggle('block', groups.has(id));
  }
  // An expanded block's box collapses it again.
  for (const c of svg.querySelectorAll<SVGGElement>('g.cluster')) {
    const id = blocks.find((b) => c.id === b.id || c.id.endsWith(`-${b.id}`) || c.getAttribute('data-id') === b.id)?.id;
    if (!id || c.dataset.decorated === '1') continue;
    c.dataset.decorated = '1';
    c.dataset.blockId = id;
    c.setAttribute('tabindex', '0');
    c.setAttribute('role', 'button');
    c.setAttribute('aria-label', `collapse the repeated block ${id}`);
    c.addEventListener('click', (e) => {
      if (e.target instanceof Element && e.target.closest('g.node')) return;
      if (!view.justDragged) toggleBlock(id, false);
    });
  }
}

/** The drawn node that shows the highlighted layer: the layer, or the collapsed block it is in. */
function shownHighlight(): string | null {
  return highlighted === null ? null : (shown?.groupOf.get(highlighted) ?? highlighted);
}

/** The graph's node id of a Mermaid node element (`<svg id>-flowchart-<node id>-<n>`, or `data-id`). */
function nodeIdOf(g: SVGGElement, svg: SVGSVGElement): string {
  if (g.dataset.nodeId) return g.dataset.nodeId;
  const dataId = g.getAttribute('data-id');
  if (dataId) return dataId;
  const prefix = `${svg.id}-flowchart-`;
  const id = g.id.startsWith(prefix) ? g.id.slice(prefix.length) : g.id.replace(/^.*?flowchart-/, '');
  return id.replace(/-\d+$/, '');
}

function describe(n: GraphNode): string {
  const parts = [n.kind === 'input' ? `input ${n.name}` : `${n.name} (${n.type})`];
  if (n.shape) parts.push(`output ${n.shape}`);
  if (n.kind === 'layer' && n.params !== undefined) parts.push(`${n.params.toLocaleString('en-US')} parameters`);
  if (n.error) parts.push(`error: ${n.error}`);
  return parts.join(', ');
}

function reveal(nodeId: string): void {
  conn.post({ type: 'reveal', nodeId });
}

function applyHighlight(): void {
  const svg = canvas.querySelector('svg');
  if (!svg) return;
  let target: SVGGElement | undefined;
  const id = shownHighlight();
  for (const g of svg.querySelectorAll<SVGGElement>('g.node')) {
    const on = nodeIdOf(g, svg) === id;
    g.classList.toggle('highlighted', on);
    if (on) target = g;
  }
  if (target) {
    const box = target.getBBox();
    const ctm = target.getCTM();
    const svgCtm = svg.getCTM();
    if (ctm && svgCtm) {
      // The node's box in the drawing's own (unscaled) coordinates.
      const m = svgCtm.inverse().multiply(ctm);
      const p = new DOMPoint(box.x, box.y).matrixTransform(m);
      view.ensureVisible({ x: p.x, y: p.y, width: box.width, height: box.height });
    }
    const n = shown?.graph.nodes.find((x) => x.id === id);
    if (n) announce(describe(n));
  }
}

function showSummary(): void {
  if (!payload) return;
  const layers = payload.graph.nodes.filter((n) => n.kind === 'layer').length;
  const params = payload.graph.totalParams;
  const parts = [payload.document.fileName, `${layers} layer${layers === 1 ? '' : 's'}`];
  if (params !== null) parts.push(`${params.toLocaleString('en-US')} params`);
  if (payload.errors) parts.push(`${payload.errors} error${payload.errors === 1 ? '' : 's'}`);
  summary.textContent = parts.join(' · ');
  summary.classList.toggle('errors', payload.errors > 0);
}

// ─── Export ──────────────────────────────────────────────────────────────────────────────────

function doExport(format: 'svg' | 'mmd'): void {
  if (!payload) return;
  const base = safeFileName(payload.document.fileName.replace(/\.model\.ya?ml$/i, '').replace(/\.ya?ml$/i, '') || 'architecture');
  let data: string;
  if (format === 'mmd') data = payload.mermaid[state.direction];
  else {
    const svg = canvas.querySelector('svg');
    if (!svg) return;
    const copy = svg.cloneNode(true) as SVGSVGElement;
    for (const g of copy.querySelectorAll('g.node')) {
      g.removeAttribute('tabindex');
      g.removeAttribute('role');
      g.removeAttribute('data-decorated');
      g.removeAttribute('data-node-id');
      g.classList.remove('highlighted', 'has-error');
    }
    copy.removeAttribute('role');
    copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    copy.style.backgroundColor = cssColor('--vscode-editor-background', '#ffffff');
    data = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
  }
  conn.post({ type: 'export', format, fileName: `${base}-architecture.${format}`, encoding: 'utf8', data });
}

// ─── Messages ────────────────────────────────────────────────────────────────────────────────

function onMessage(m: GraphToWebview): void {
  switch (m.type) {
    case 'graph': {
      const switched = payload?.document.uri !== m.document.uri;
      payload = { document: m.document, graph: m.graph, mermaid: m.mermaid, errors: m.errors };
      // The host resets its highlight with every graph and sends the new one after it (none when the
      // cursor is in no node): a node id of the previous drawing must not stay lit in this one.
      highlighted = null;
      blocks = findRepeatedBlocks(m.graph);
      if (switched) expanded.clear();
      syncControls();
      if (state.uri !== m.document.uri) {
        state = { ...state, uri: m.document.uri, ...(switched && state.uri ? { view: undefined } : {}) };
        conn.saveState(state);
      }
      empty.setAttribute('hidden', '');
      viewport.removeAttribute('hidden');
      title.textContent = 'Architecture';
      showSummary();
      void draw(switched && drawnKey !== '');
      break;
    }
    case 'empty':
      payload = undefined;
      highlighted = null;
      drawnKey = '';
      canvas.replaceChildren();
      summary.textContent = '';
      empty.textContent = m.message;
      empty.removeAttribute('hidden');
      viewport.setAttribute('hidden', '');
      break;
    case 'highlight':
      highlighted = m.nodeId;
      applyHighlight();
      break;
    case 'exported':
      if (m.outcome === 'saved') announce(`Saved ${m.path ?? m.format}`);
      else if (m.outcome === 'failed') announce(`Export failed: ${m.message ?? ''}`);
      break;
  }
}

onThemeChange(() => void draw());

// For tests and debugging.
(window as unknown as { modelyamlGraph: unknown }).modelyamlGraph = {
  state: () => structuredClone(state),
  renders: () => renderCount,
  drawn: () => drawnKey.split('\n').slice(0, -1).join('\n'),
  error: () => lastError,
  view: () => ({ ...view.t }),
  blocks: () => blocks.map((b) => ({ ...b, expanded: expanded.has(b.id) })),
  shownNodes: () => (shown?.graph.nodes ?? []).map((n) => n.id),
};

syncControls();
conn.start(onMessage);
