import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLanguageService } from '../../server/service';
import { analyze, type Analysis } from '../../src/core/analyze';
import { MAX_REPEATS } from '../../src/core/diagnostics';
import { architectureGraph, toMermaid } from '../../src/core/graph';
import { reanalyze } from '../../src/core/incremental';
import { summarize } from '../../src/core/summary';

const dir = join(__dirname, '../../examples');
const seeds = readdirSync(dir)
  .filter((f) => f.endsWith('.model.yaml'))
  .map((f) => readFileSync(join(dir, f), 'utf8'));

/**
 * How many cases each property runs: `npm test` keeps it short; `npm run fuzz` sets FUZZ_RUNS
 * (and FUZZ_SEED for a fresh sequence) for a long run.
 */
const RUNS = Number(process.env.FUZZ_RUNS || 0);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : RUNS ? Date.now() % 2 ** 31 : 20261126;
if (RUNS) console.log(`fuzz: ${RUNS} runs per property, seed ${SEED} (FUZZ_SEED=${SEED} repeats them)`);
const runs = (inSuite: number) => ({ numRuns: RUNS || inSuite, seed: SEED });

/** What an attacker adds: deep nesting, directives, merge keys, non-finite numbers, repeated lines, long names. */
const hostileTokens = ['['.repeat(150), '{'.repeat(60), '- '.repeat(120), '%YAML 1.1\n---\n', '<<: {units: 2}', '{ <<: *a }', '.inf', '.nan', 'units: 1e20', '!!binary ', '&a [*a, *a]', 'inputs: nope\n'.repeat(40), 'x'.repeat(300), '"'.repeat(200)];

const tokens = ['-', ':', ' ', '  ', '\n', '\t', '[', ']', '{', '}', ',', '&a', '*a', '!!str', '"', "'", '#', '|', '>', '?', '0', '-1', '1e309', 'null', 'true', 'inputs: [x]', 'name: a', 'dense', 'conv2d', '\u0000', '\uFEFF', '𝛼'];

/** A mutation of a seed spec: deletions, insertions, line swaps and duplications. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...tokens) }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...hostileTokens) }),
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

/** Invariants of any analysis: ranges inside the text, well-formed codes and messages, no internal error, a bounded report. */
function expectSound(a: Analysis, text: string): void {
  for (const d of a.diagnostics) {
    expect(d.range.start).toBeGreaterThanOrEqual(0);
    expect(d.range.end).toBeGreaterThanOrEqual(d.range.start);
    expect(d.range.end).toBeLessThanOrEqual(text.length + 1);
    expect(d.code).toMatch(/^[a-z-]+(\/[a-z0-9-]+)?$/);
    expect(d.message).not.toMatch(/undefined|\[object Object\]|NaN|Maximum call stack|but is null/);
  }
  expect(a.diagnostics.some((d) => d.code === 'internal')).toBe(false);
  // At most the cap, and no message more than MAX_REPEATS times plus its summary.
  expect(a.diagnostics.length).toBeLessThanOrEqual(500 + 1);
  const counts = new Map<string, number>();
  for (const d of a.diagnostics) counts.set(d.message, (counts.get(d.message) ?? 0) + 1);
  expect(Math.max(0, ...counts.values())).toBeLessThanOrEqual(MAX_REPEATS);
}

/** What an incremental and a full analysis must agree on. */
function essence(a: Analysis) {
  return { spec: a.spec, diagnostics: a.diagnostics, model: a.model, data: a.data };
}

describe('parse + check on mutated specs', () => {
  it('never throws, keeps ranges inside the text, and bounds the report', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const a = analyze(text);
        summarize(a);
        toMermaid(architectureGraph(a));
        expectSound(a, text);
      }),
      runs(300),
    );
  });

  it('gives the same analysis incrementally as in full, edit after edit', () => {
    fc.assert(
      fc.property(fc.array(mutated, { minLength: 2, maxLength: 4 }), (texts) => {
        let prev = analyze(texts[0]);
        for (const text of texts.slice(1)) {
          const next = reanalyze(prev, text);
          expect(essence(next)).toEqual(essence(analyze(text)));
          prev = next;
        }
      }),
      runs(100),
    );
  });

  it('answers every language-service feature on mutated documents without a throw', () => {
    const errors: string[] = [];
    const service = createLanguageService({ onError: (feature, e) => errors.push(`${feature}: ${(e as Error)?.stack ?? e}`) });
    let version = 0;
    fc.assert(
      fc.property(mutated, mutated, fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), (text, edited, probes) => {
        // Two versions of one document: the second goes through the service's incremental path.
        for (const t of [text, edited]) {
          const d = TextDocument.create('file:///fuzz/spec.model.yaml', 'modelyaml', ++version, t);
          const at = probes.map((p) => d.positionAt(p % (t.length + 1)));
          const whole = { start: d.positionAt(0), end: d.positionAt(t.length) };
          expect(service.doValidation(d).length).toBeLessThanOrEqual(501);
          for (const p of at) {
            service.doHover(d, p);
            service.doComplete(d, p);
            service.getDefinition(d, p);
            service.getReferences(d, p, { includeDeclaration: true });
            service.prepareRename(d, p);
          }
          service.getInlayHints(d, whole);
          service.getDocumentSymbols(d);
          service.getFoldingRanges(d);
          service.getSelectionRanges(d, at);
          service.getCodeActions(d, whole, { diagnostics: service.doValidation(d) });
          service.getDocumentLinks(d);
          service.getSemanticTokens(d);
        }
        expect(errors).toEqual([]);
      }),
      runs(40),
    );
  });

  it('refuses 10 MB of YAML at once with a clear error', () => {
    const big = 'model:\n  input: [4]\n  layers:\n' + '    - dense: { units: 4, activation: relu }\n'.repeat(230_000);
    expect(big.length).toBeGreaterThan(10_000_000);
    const a = analyze(big);
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
