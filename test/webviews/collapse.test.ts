/** Finding and collapsing repeated layer blocks for the architecture panel (pure; drawn in graph.test.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { architectureGraph } from '../../src/core/graph';
import { collapseBlocks, findRepeatedBlocks } from '../../webviews/graph/collapse';
import { root } from './harness';

const graphOf = (text: string) => architectureGraph(analyze(text));
const spec = (layers: string[]) => `version: 1\nname: t\nmodel:\n  input: [8]\n  layers:\n${layers.map((l) => `    - ${l}\n`).join('')}`;

describe('repeated blocks', () => {
  it('finds the longest repetition in a chain, left to right', () => {
    const g = graphOf(spec(['dense: 8', 'dropout: 0.1', 'dense: 8', 'dropout: 0.1', 'dense: 8', 'dropout: 0.1', 'dense: 4', 'dense: 4', 'dense: 4', 'dense: 4', 'dense: 2']));
    expect(findRepeatedBlocks(g).map((b) => [b.id, b.times, b.types])).toEqual([
      ['G0', 3, ['dense', 'dropout']],
      ['G6', 5, ['dense']],
    ]);
  });

  it('leaves short repeats and branching graphs alone', () => {
    expect(findRepeatedBlocks(graphOf(spec(['dense: 8', 'dense: 8', 'dense: 8', 'dropout: 0.1'])))).toEqual([]);
    expect(findRepeatedBlocks(architectureGraph(analyze(readFileSync(join(root, 'examples', 'residual-cnn.model.yaml'), 'utf8'))))).toEqual([]);
  });

  it('collapses a block into one node with the edges rewired and the parameters summed', () => {
    const g = graphOf(spec(['dense: 8', 'dropout: 0.1', 'dense: 8', 'dropout: 0.1', 'dense: 2']));
    const blocks = findRepeatedBlocks(g);
    const { graph, groupOf } = collapseBlocks(g, blocks, new Set());
    expect(graph.nodes.map((n) => [n.id, n.name, n.type])).toEqual([
      ['in_input', 'input', 'input'],
      ['G0', '×2', '[dense → dropout]'],
      ['L4', 'dense_5', 'dense'],
    ]);
    expect(graph.nodes[1].params).toBe(72 + 72);
    expect(graph.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['in_input>G0', 'G0>L4']);
    expect(groupOf.get('L3')).toBe('G0');
    expect(collapseBlocks(g, blocks, new Set(['G0'])).graph).toBe(g);
  });
});
