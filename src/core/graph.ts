/**
 * The architecture as a graph (nodes with type, output shape and parameter count; edges labelled
 * with shapes) and its Mermaid text. Generated here so the CLI and the webview draw the same thing.
 */
import type { Analysis } from './analyze';
import type { Range } from './diagnostics';
import { formatShape } from './shape';

export interface GraphNode {
  /** Mermaid-safe id. */
  id: string;
  /** Layer name or input name, as the user knows it. */
  name: string;
  kind: 'input' | 'layer';
  type: string;
  shape?: string;
  params?: number;
  error?: string;
  /** Index of the layer in `model.layers` (layers only). */
  layerIndex?: number;
  /** Where the node is written in the spec. */
  range?: Range;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
}

export interface ArchitectureGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  totalParams: number | null;
}

export function architectureGraph(a: Analysis): ArchitectureGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const model = a.model;
  if (!model) return { nodes, edges, totalParams: null };
  const errorsByStart = new Map<number, string>();
  for (const d of a.diagnostics) if (d.severity === 'error' && !errorsByStart.has(d.range.start)) errorsByStart.set(d.range.start, d.message);
  const inputId = (name: string) => `in_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  for (const [name, shape] of model.inputs) {
    nodes.push({ id: inputId(name), name, kind: 'input', type: 'input', shape: formatShape(shape), range: a.spec.model?.inputs?.value.get(name)?.range });
  }
  for (const info of model.layers) {
    const l = info.layer;
    // A layer's error: its shape problem, or any error written inside the layer item.
    const inside = a.diagnostics.find((d) => d.severity === 'error' && d.range.start >= l.range.start && d.range.end <= l.range.end);
    nodes.push({
      id: `L${l.index}`,
      name: info.id,
      kind: 'layer',
      type: l.type,
      shape: info.outputShape ? formatShape(info.outputShape) : undefined,
      params: info.params ?? undefined,
      error: info.problem?.message ?? inside?.message,
      layerIndex: l.index,
      range: l.range,
    });
    for (const s of info.sources) {
      if ('input' in s) edges.push({ from: inputId(s.input), to: `L${l.index}`, label: formatShape(model.inputs.get(s.input)!) });
      else {
        const src = model.layers[s.layer];
        edges.push({ from: `L${src.layer.index}`, to: `L${l.index}`, label: src.outputShape ? formatShape(src.outputShape) : undefined });
      }
    }
  }
  return { nodes, edges, totalParams: model.totalParams };
}

/** Escapes text for a quoted Mermaid label: entity codes, so spec text can never become markup. */
export function mermaidEscape(text: string): string {
  return text.replace(/[&"<>#;`{}[\]|\\]/g, (c) => `#${c.charCodeAt(0)};`);
}

export interface MermaidOptions {
  direction?: 'TB' | 'LR';
}

export function toMermaid(g: ArchitectureGraph, opts: MermaidOptions = {}): string {
  const out = [`flowchart ${opts.direction ?? 'TB'}`];
  for (const n of g.nodes) {
    const lines = [n.kind === 'input' ? `input ${n.name}` : n.name === n.type ? n.type : `${n.name} · ${n.type}`];
    if (n.shape) lines.push(n.shape);
    if (n.params !== undefined && n.kind === 'layer') lines.push(`${n.params.toLocaleString('en-US')} params`);
    if (n.error) lines.push(`⚠ ${n.error.length > 80 ? n.error.slice(0, 79) + '…' : n.error}`);
    const label = lines.map(mermaidEscape).join('<br/>');
    out.push(n.kind === 'input' ? `  ${n.id}[/"${label}"/]` : `  ${n.id}["${label}"]`);
  }
  for (const e of g.edges) out.push(e.label ? `  ${e.from} -->|"${mermaidEscape(e.label)}"| ${e.to}` : `  ${e.from} --> ${e.to}`);
  out.push('  classDef input stroke-dasharray: 4 2;');
  out.push('  classDef error stroke:#e51400,stroke-width:2px;');
  const inputs = g.nodes.filter((n) => n.kind === 'input').map((n) => n.id);
  const errors = g.nodes.filter((n) => n.error).map((n) => n.id);
  if (inputs.length) out.push(`  class ${inputs.join(',')} input;`);
  if (errors.length) out.push(`  class ${errors.join(',')} error;`);
  return out.join('\n') + '\n';
}

/** What the architecture panel draws: the graph, its Mermaid text both ways, and the spec's error count. */
export interface ArchitectureView {
  graph: ArchitectureGraph;
  mermaid: { TB: string; LR: string };
  /** Number of errors in the spec (the graph may still be drawn). */
  errors: number;
}

export function architectureView(a: Analysis): ArchitectureView {
  const graph = architectureGraph(a);
  return {
    graph,
    mermaid: { TB: toMermaid(graph, { direction: 'TB' }), LR: toMermaid(graph, { direction: 'LR' }) },
    errors: a.diagnostics.filter((d) => d.severity === 'error').length,
  };
}
