/**
 * Collapsing repeated blocks: in a long model, runs of the same layer-type sequence one after the
 * other in a chain (6× [conv2d, batch_norm, activation]) are found and drawn as one group node
 * "×6" until expanded. Pure (no DOM): the panel draws the result with the core's Mermaid writer.
 */
import type { ArchitectureGraph, GraphNode } from '../../src/core/protocol/webview';

export interface RepeatedBlock {
  /** `G<first layer's index>`: stable while the spec's head does not change. */
  id: string;
  /** The layer types of one repetition. */
  types: string[];
  times: number;
  /** The graph's node ids the block covers, in order. */
  nodeIds: string[];
}

/** The longest sequence of layers one repetition may have. */
const MAX_PERIOD = 8;
/** A block is worth collapsing when it hides at least this many nodes. */
const MIN_NODES = 4;

/**
 * The repeated blocks of a graph: inside each chain of layers (every link the only edge out of one
 * layer and into the next), the longest consecutive repetitions of a type sequence, left to right.
 */
export function findRepeatedBlocks(g: ArchitectureGraph): RepeatedBlock[] {
  const blocks: RepeatedBlock[] = [];
  for (const chain of chainsOf(g)) {
    const types = chain.map((n) => n.type);
    for (let i = 0; i < chain.length; ) {
      let best: { period: number; times: number } | undefined;
      for (let p = 1; p <= MAX_PERIOD && i + 2 * p <= chain.length; p++) {
        let times = 1;
        while (i + (times + 1) * p <= chain.length && sameRun(types, i, i + times * p, p)) times++;
        if (times >= 2 && p * times >= MIN_NODES && (!best || p * times > best.period * best.times)) best = { period: p, times };
      }
      if (!best) {
        i++;
        continue;
      }
      const nodes = chain.slice(i, i + best.period * best.times);
      blocks.push({ id: `G${nodes[0].layerIndex ?? i}`, types: types.slice(i, i + best.period), times: best.times, nodeIds: nodes.map((n) => n.id) });
      i += nodes.length;
    }
  }
  return blocks;
}

function sameRun(types: string[], a: number, b: number, p: number): boolean {
  for (let k = 0; k < p; k++) if (types[a + k] !== types[b + k]) return false;
  return true;
}

/** Maximal chains of layers, each linked to the next by the only edge out of it and into the next. */
function chainsOf(g: ArchitectureGraph): GraphNode[][] {
  const outs = new Map<string, string[]>();
  const ins = new Map<string, string[]>();
  for (const e of g.edges) {
    outs.set(e.from, [...(outs.get(e.from) ?? []), e.to]);
    ins.set(e.to, [...(ins.get(e.to) ?? []), e.from]);
  }
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const linked = (a: string, b: string) => outs.get(a)?.length === 1 && outs.get(a)![0] === b && ins.get(b)?.length === 1;
  const layers = g.nodes.filter((n) => n.kind === 'layer');
  const chains: GraphNode[][] = [];
  const seen = new Set<string>();
  for (const n of layers) {
    if (seen.has(n.id)) continue;
    // A chain starts at a layer not linked from a single predecessor layer.
    const prev = ins.get(n.id);
    if (prev?.length === 1 && byId.get(prev[0])?.kind === 'layer' && linked(prev[0], n.id)) continue;
    const chain = [n];
    seen.add(n.id);
    for (let cur = n.id; outs.get(cur)?.length === 1; ) {
      const next = outs.get(cur)![0];
      if (!linked(cur, next) || seen.has(next) || byId.get(next)?.kind !== 'layer') break;
      chain.push(byId.get(next)!);
      seen.add(next);
      cur = next;
    }
    chains.push(chain);
  }
  return chains;
}

/**
 * The graph with each block not in `expanded` drawn as one node: named "×6", typed with its
 * sequence, the last layer's output shape, the parameters of all, the first error inside, and the
 * source range of the whole block (so the editor's cursor in any of its layers highlights it).
 */
export function collapseBlocks(g: ArchitectureGraph, blocks: readonly RepeatedBlock[], expanded: ReadonlySet<string>): { graph: ArchitectureGraph; groupOf: Map<string, string> } {
  const groupOf = new Map<string, string>();
  const collapsed = blocks.filter((b) => !expanded.has(b.id));
  if (!collapsed.length) return { graph: g, groupOf };
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const firstOf = new Map<string, RepeatedBlock>();
  for (const b of collapsed) {
    for (const id of b.nodeIds) groupOf.set(id, b.id);
    firstOf.set(b.nodeIds[0], b);
  }
  const nodes: GraphNode[] = [];
  for (const n of g.nodes) {
    const b = firstOf.get(n.id);
    if (b) nodes.push(groupNode(b, b.nodeIds.map((id) => byId.get(id)!)));
    else if (!groupOf.has(n.id)) nodes.push(n);
  }
  const at = (id: string) => groupOf.get(id) ?? id;
  const edges = g.edges.filter((e) => at(e.from) !== at(e.to)).map((e) => ({ ...e, from: at(e.from), to: at(e.to) }));
  return { graph: { nodes, edges, totalParams: g.totalParams }, groupOf };
}

function groupNode(b: RepeatedBlock, members: GraphNode[]): GraphNode {
  const last = members[members.length - 1];
  const params = members.every((m) => m.params !== undefined) ? members.reduce((s, m) => s + m.params!, 0) : undefined;
  const ranges = members.map((m) => m.range).filter((r) => r !== undefined);
  const error = members.find((m) => m.error)?.error;
  return {
    id: b.id,
    name: `×${b.times}`,
    kind: 'layer',
    type: `[${b.types.join(' → ')}]`,
    ...(last.shape ? { shape: last.shape } : {}),
    ...(params !== undefined ? { params } : {}),
    ...(error ? { error } : {}),
    ...(ranges.length ? { range: { start: Math.min(...ranges.map((r) => r.start)), end: Math.max(...ranges.map((r) => r.end)) } } : {}),
  };
}

/** Mermaid lines that put an expanded block's layers in a titled box (a subgraph). */
export function blockSubgraphs(blocks: readonly RepeatedBlock[], expanded: ReadonlySet<string>): string {
  return blocks
    .filter((b) => expanded.has(b.id))
    .map((b) => `  subgraph ${b.id} ["${b.times}× ${b.types.join(', ')} (click to collapse)"]\n${b.nodeIds.map((id) => `    ${id}\n`).join('')}  end\n`)
    .join('');
}
