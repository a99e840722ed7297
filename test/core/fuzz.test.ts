import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { architectureGraph, toMermaid } from '../../src/core/graph';
import { summarize } from '../../src/core/summary';

const dir = join(__dirname, '../../examples');
const seeds = readdirSync(dir)
  .filter((f) => f.endsWith('.model.yaml'))
  .map((f) => readFileSync(join(dir, f), 'utf8'));

const tokens = ['-', ':', ' ', '  ', '\n', '\t', '[', ']', '{', '}', ',', '&a', '*a', '!!str', '"', "'", '#', '|', '>', '?', '0', '-1', '1e309', 'null', 'true', 'inputs: [x]', 'name: a', 'dense', 'conv2d', '\u0000', '\uFEFF', '𝛼'];

/** A mutation of a seed spec: deletions, insertions, line swaps and duplications. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...tokens) }),
        fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
        fc.record({ op: fc.constant('dup' as const), a: fc.nat() }),
      ),
      { minLength: 1, maxLength: 8 },
    ),
  )
  .map(([seed, ops]) => {
    let text = seed;
    for (const o of ops) {
      if (o.op === 'delete') {
        const at = o.at % (text.length + 1);
        text = text.slice(0, at) + text.slice(at + o.len);
      } else if (o.op === 'insert') {
        const at = o.at % (text.length + 1);
        text = text.slice(0, at) + o.text + text.slice(at);
      } else {
        const lines = text.split('\n');
        const a = o.a % lines.length;
        if (o.op === 'swap') {
          const b = o.b % lines.length;
          [lines[a], lines[b]] = [lines[b], lines[a]];
        } else lines.splice(a, 0, lines[a]);
        text = lines.join('\n');
      }
    }
    return text;
  });

describe('parse + check on mutated specs', () => {
  it('never throws, keeps ranges inside the text, and stays fast', () => {
    let slowest = 0;
    fc.assert(
      fc.property(mutated, (text) => {
        const t0 = performance.now();
        const a = analyze(text);
        summarize(a);
        toMermaid(architectureGraph(a));
        const ms = performance.now() - t0;
        slowest = Math.max(slowest, ms);
        expect(ms).toBeLessThan(250);
        for (const d of a.diagnostics) {
          expect(d.range.start).toBeGreaterThanOrEqual(0);
          expect(d.range.end).toBeGreaterThanOrEqual(d.range.start);
          expect(d.range.end).toBeLessThanOrEqual(text.length + 1);
          expect(d.code).toMatch(/^[a-z-]+(\/[a-z0-9-]+)?$/);
          expect(d.message).not.toMatch(/undefined|\[object Object\]|NaN/);
        }
        expect(a.diagnostics.some((d) => d.code === 'internal')).toBe(false);
      }),
      { numRuns: 2000, seed: 20261126 },
    );
    expect(slowest).toBeLessThan(250);
  });

  it('refuses 10 MB of YAML at once with a clear error', () => {
    const big = 'model:\n  input: [4]\n  layers:\n' + '    - dense: { units: 4, activation: relu }\n'.repeat(230_000);
    expect(big.length).toBeGreaterThan(10_000_000);
    const t0 = performance.now();
    const a = analyze(big);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(a.diagnostics.map((d) => d.code)).toEqual(['spec/too-large']);
  });

  it('checks a 440 KB spec (10,000 layers) completely, with a bounded report', () => {
    const big = 'model:\n  input: [4]\n  layers:\n' + '    - dense: { units: 4, activation: relu }\n'.repeat(10_000);
    const a = analyze(big);
    expect(a.model?.layers.length).toBe(10_000);
    expect(a.model?.totalParams).toBe(10_000 * 20);
    // The same size with an error on every layer reports a bounded number of findings: the same one
    // five times, then one that counts the rest.
    expect(analyze(big.replace(/units: 4/g, 'units: 0')).diagnostics.length).toBe(6);
  });
});
