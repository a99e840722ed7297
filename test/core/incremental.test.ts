import { readdirSync, readFileSync } from 'node:fs';
import { searchBase } from './searchSpec';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNode, isPair, visit, type Document } from 'yaml';
import { analyze, type Analysis } from '../../src/core/analyze';
import { LineIndex } from '../../src/core/diagnostics';
import { reanalyze, tryReanalyze } from '../../src/core/incremental';
import { locateNode } from '../../src/core/locate';

const dir = join(__dirname, '../../examples');
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.model.yaml'))
  .map((f) => readFileSync(join(dir, f), 'utf8'));

/** A spec of `n` layers in mixed styles: block and flow parameters, names, `inputs`, comments, blank lines. */
function generated(n: number, opts: { indent?: number; trainFirst?: boolean } = {}): string {
  const pad = ' '.repeat(opts.indent ?? 4);
  const model = ['model:', '  input: [28, 28, 1]', '  layers:'];
  for (let i = 0; i < n; i++) {
    switch (i % 6) {
      case 0:
        model.push(`${pad}- conv2d: { filters: 8, kernel_size: 3, padding: same, activation: relu }`, `${pad}  name: c${i}`);
        break;
      case 1:
        model.push(`${pad}- batch_norm:`, `${pad}    momentum: 0.99`, `${pad}  name: n${i}`);
        break;
      case 2:
        model.push(`${pad}- add:`, `${pad}  name: a${i}`, `${pad}  inputs: [c${i - 2}, n${i - 1}]`, '', `${pad}# a comment between layers`);
        break;
      case 3:
        model.push(`${pad}- dropout: 0.1   # trailing comment`);
        break;
      case 4:
        model.push(`${pad}- conv2d:`, `${pad}    filters: 8`, `${pad}    kernel_size: [3, 3]`, `${pad}    padding: same`, `${pad}  name: c${i}`);
        break;
      case 5:
        model.push(`${pad}- activation: relu`);
        break;
    }
  }
  model.push(`${pad}- global_avg_pool2d`, `${pad}- dense:`, `${pad}    units: 10`, `${pad}    activation: softmax`);
  const head = ['version: 1', `name: gen-${n}`, 'data:', '  source: { dataset: mnist }', '  pipeline:', '    - scale: 255', '    - reshape: { shape: [28, 28, 1] }', '    - one_hot: 10'];
  const train = ['train:', '  loss: categorical_crossentropy', '  optimizer: { adam: { learning_rate: 0.001 } }', '  metrics: [accuracy]'];
  return [...head, ...(opts.trainFirst ? [...train, ...model] : [...model, ...train]), ''].join('\n');
}

// A search section after the layers: its ranges move with an edit, and its paths name layers by name and index.
const withSearch = `${searchBase}search:\n  metric: val_accuracy\n  trials: 4\n  space:\n    model.layers.hidden.units: { grid: [8, 64] }\n    model.layers[1].dropout.rate: { uniform: [0.1, 0.5] }\n    model.layers[2].dense.units: { int: [10, 12] }\n    train.batch_size: { grid: [16, 32, 64] }\n`;
const seeds = [...examples, generated(12), generated(30, { indent: 2 }), generated(20, { trainFirst: true }), withSearch];

/** What must be equal between an incremental and a full analysis. */
function essence(a: Analysis) {
  // An internal error's message carries the stack, which names the caller: compare its first line.
  const diagnostics = a.diagnostics.map((d) => (d.code === 'internal' ? { ...d, message: d.message.split('\n')[0] } : d));
  return { spec: a.spec, diagnostics, model: a.model, data: a.data };
}

/** Every node of the YAML tree with its path and range, in order. */
function tree(doc: Document | undefined): string[] {
  const out: string[] = [];
  if (!doc) return out;
  visit(doc, (key, node, path) => {
    if (isNode(node) || isPair(node)) out.push(`${path.length}:${String(key)}:${isNode(node) ? node.range?.join(',') : 'pair'}`);
  });
  return out;
}

function expectSame(got: Analysis, text: string, offsets: number[]): void {
  const want = analyze(text);
  expect(got.text).toBe(text);
  expect(essence(got)).toEqual(essence(want));
  expect(got.lines.lineCount).toBe(want.lines.lineCount);
  const lineStarts = (a: Analysis) => Array.from({ length: a.lines.lineCount }, (_, k) => a.lines.offset(k, 0));
  expect(lineStarts(got)).toEqual(lineStarts(want));
  expect(tree(got.doc)).toEqual(tree(want.doc));
  for (const o of offsets) {
    const a = locateNode(got.doc, o);
    const b = locateNode(want.doc, o);
    expect([a.steps.map((s) => s.key), a.onKey, a.inNode, a.node?.range]).toEqual([b.steps.map((s) => s.key), b.onKey, b.inNode, b.node?.range]);
    expect(got.lines.position(o)).toEqual(want.lines.position(o));
  }
}

/** Text that keeps the YAML well-formed more often than not: values, names, keys, new lines. */
const benign = ['x', '1', '0', ' ', '\n', '\n        ', 'units', 'unit', 'filters: 4', '\n        padding: valid', '\n      inputs: [c0]', '\n      name: c0', 'name: zz', 'dense', 'dens', ': 0.5'];
/** Text that often breaks it, or ties the item to the rest (anchors, aliases). */
const rough = ['  ', ':', ': ', '-', '- ', '#', '[', ']', '{', '}', ',', '"', "'", '&a ', '*a', '|', '\t', '\u0000'];

/** One edit: an insertion, a deletion or a replacement, mostly inside a layer, sometimes across layers. */
const edit = fc.record({
  at: fc.nat(),
  inLayers: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
  del: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.constant(0), fc.integer({ min: 1, max: 60 })),
  ins: fc.oneof(fc.constant(''), fc.constantFrom(...benign), fc.constantFrom(...benign), fc.constantFrom(...rough)),
});
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, e: Edit): string {
  const start = text.indexOf('  layers:');
  const end = text.indexOf('\ntrain:', start) > 0 ? text.indexOf('\ntrain:', start) : text.length;
  const lo = e.inLayers && start >= 0 ? start : 0;
  const hi = e.inLayers && start >= 0 ? end : text.length;
  const at = lo + (e.at % (hi - lo + 1));
  return text.slice(0, at) + e.ins + text.slice(at + e.del);
}

describe('reanalyze', () => {
  it('equals a full analysis after random edits, one after another', () => {
    let fast = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (seed, edits, probes) => {
        let prev = analyze(seed);
        let text = seed;
        for (const e of edits) {
          text = apply(text, e);
          const quick = tryReanalyze(prev, text);
          const next = reanalyze(prev, text);
          // Edits between well-formed texts are the ones the incremental path is for.
          if (!prev.doc?.errors.length && !next.doc?.errors.length) {
            runs++;
            if (quick) fast++;
          }
          expectSame(next, text, probes.map((p) => p % (text.length + 1)));
          prev = next;
        }
      }),
      { numRuns: 400, seed: 20261127 },
    );
    // The fuzz must exercise the incremental path, not only the fallback.
    expect(runs).toBeGreaterThan(200);
    expect(fast / runs).toBeGreaterThan(0.3);
  });

  it('moves the search section after a layer edit, and checks its paths against the edited layers', () => {
    const renamed = withSearch.replace('name: hidden', 'name: hiddn');
    const a = tryReanalyze(analyze(withSearch), renamed);
    expect(a).toBeDefined();
    expectSame(a!, renamed, [renamed.indexOf('search:'), renamed.indexOf('hidden.units'), renamed.length]);
    expect(a!.diagnostics.find((d) => d.code === 'search/unknown-path')?.message).toBe('No layer is named `hidden`. Did you mean `hiddn`?');
    const wider = withSearch.replace('units: 64, activation: relu', 'units: 640, activation: relu');
    const b = tryReanalyze(analyze(withSearch), wider);
    expect(b).toBeDefined();
    expectSame(b!, wider, [wider.indexOf('grid: [8, 64]'), wider.length - 3]);
  });

  it('leaves the previous analysis as it was', () => {
    const text = generated(12);
    const prev = analyze(text);
    const before = { ...essence(prev), tree: tree(prev.doc) };
    const at = text.indexOf('momentum: 0.99');
    const next = tryReanalyze(prev, text.slice(0, at) + 'momentum: 0.9' + text.slice(at + 'momentum: 0.99'.length));
    expect(next).toBeDefined();
    expect({ ...essence(prev), tree: tree(prev.doc) }).toEqual(before);
  });

  it('equals a full analysis when a layer named by `inputs` is renamed, and back', () => {
    const text = generated(12);
    const at = text.indexOf('name: c6') + 'name: c'.length;
    const renamed = text.slice(0, at) + 'x' + text.slice(at);
    const a = tryReanalyze(analyze(text), renamed);
    expect(a).toBeDefined();
    expectSame(a!, renamed, [at, renamed.indexOf('inputs: [c6')]);
    expect(a!.diagnostics.map((d) => d.code)).toContain('ref/unknown');
    const back = tryReanalyze(a!, text);
    expect(back).toBeDefined();
    expectSame(back!, text, [at]);
    expect(back!.diagnostics.map((d) => d.code)).not.toContain('ref/unknown');
  });

  describe('takes the incremental path', () => {
    const text = generated(30);
    const prev = analyze(text);
    const change = (from: string, to: string) => {
      // The last occurrence: a layer in the middle of the list, or the last layer.
      const at = text.lastIndexOf(from);
      return text.slice(0, at) + to + text.slice(at + from.length);
    };
    it.each([
      ['a value', 'momentum: 0.99', 'momentum: 0.9'],
      ['a typo in a parameter name', 'momentum: 0.99', 'momentm: 0.99'],
      ['a typo in a layer type', '- batch_norm:', '- batch_nrm:'],
      ['a new parameter line', 'momentum: 0.99', 'momentum: 0.99\n        epsilon: 0.01'],
      ['a flow mapping', 'filters: 8, kernel_size: 3', 'filters: 9, kernel_size: 3'],
      ['the last layer', 'units: 10', 'units: 12'],
      ['a trailing comment', '# trailing comment', '# trailing comments'],
    ])('for %s', (_, from, to) => {
      const next = change(from, to);
      const a = tryReanalyze(prev, next);
      expect(a).toBeDefined();
      expectSame(a!, next, [next.indexOf(to), next.length >> 1]);
    });
  });

  describe('falls back to a full analysis', () => {
    const text = generated(12);
    const prev = analyze(text);
    it.each([
      ['an edit across two layers', (t: string) => t.replace('relu }\n      name: c0\n    - batch_norm', 'relu }\n    - batch_norm')],
      ['an edit outside the layers', (t: string) => t.replace('optimizer: { adam', 'optimizer: { adm')],
      ['a new layer', (t: string) => t.replace('    - activation: relu\n', '    - activation: relu\n    - activation: tanh\n')],
      ['a YAML error', (t: string) => t.replace('momentum: 0.99', 'momentum: [0.99')],
      ['an alias', (t: string) => t.replace('momentum: 0.99', 'momentum: *m')],
      ['a dedented line', (t: string) => t.replace('      name: n1', 'name: n1')],
    ])('for %s', (_, f) => {
      const next = f(text);
      expect(next).not.toBe(text);
      expect(tryReanalyze(prev, next)).toBeUndefined();
      expectSame(reanalyze(prev, next), next, [0]);
    });
  });

  it('moves line starts after an edit as a fresh scan finds them', () => {
    const text = fc.stringMatching(/^[ab\n]{0,40}$/);
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), text, (old, a, b, ins) => {
        const start = a % (old.length + 1);
        const oldEnd = start + (b % (old.length - start + 1));
        const next = old.slice(0, start) + ins + old.slice(oldEnd);
        const got = LineIndex.edited(new LineIndex(old), next, start, oldEnd, start + ins.length);
        const want = new LineIndex(next);
        expect(got.lineCount).toBe(want.lineCount);
        for (let o = 0; o <= next.length; o++) expect(got.position(o)).toEqual(want.position(o));
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('reanalyze on what the YAML around the item decides', () => {
  const yaml11 = '%YAML 1.1\n---\nmodel:\n  input: [4]\n  layers:\n    - dense: { units: 2 }\n    - dense: { units: 3 }\n';

  it('reads an edited item under the document\'s `%YAML 1.1` directive, as a full analysis does', () => {
    const next = yaml11.replace('dense: { units: 3 }', 'dense: { <<: {units: 2} }');
    const got = reanalyze(analyze(yaml11), next);
    expectSame(got, next, [next.indexOf('<<')]);
  });

  it('refuses an item edited to nest thousands of levels deep, as a full analysis does', () => {
    const text = generated(12);
    const prev = analyze(text);
    const at = text.indexOf('momentum: 0.99') + 'momentum: '.length;
    for (const n of [5000, 10000, 20000]) {
      const next = text.slice(0, at) + '['.repeat(n) + text.slice(at + 4);
      const got = reanalyze(prev, next);
      expect(got.diagnostics.map((d) => d.code)).toEqual(['yaml/too-deep']);
      expectSame(got, next, [at]);
    }
  });
});

describe('reanalyze equals analyze on hostile edits', () => {
  const base = generated(10);
  const hostileSeeds = [
    `%YAML 1.1\n---\n${base}`,
    `%YAML 1.2\n%TAG !m! tag:modelyaml.dev,2026:\n---\n${base}`,
    base.replace('  layers:\n', '  layers:\n    - &first dense: { units: 4 }\n    - dense: *first\n'),
    base.replace('    - dropout: 0.1', '    - dense: { <<: {units: 2} }\n    - dropout: 0.1'),
    `%YAML 1.1\n---\n${base.replace('    - dropout: 0.1', '    - dense: &d { units: 2 }\n    - dense: { <<: *d, activation: relu }\n    - dropout: 0.1')}`,
    base.replace('momentum: 0.99', `momentum: ${'['.repeat(60)}0.99${']'.repeat(60)}`),
  ];
  const hostile = ['<<: ', '<<: {units: 2}', '{ <<: {units: 2} }', '%YAML 1.1\n', '---\n', '&x ', '*x', '!!str ', '!m!x ', '[[[[[[[[[[', '['.repeat(120), '{'.repeat(40), ' yes', ' 010', ' .inf', ' 1e309'];
  const hostileEdit = fc.record({
    at: fc.nat(),
    inLayers: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    del: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
    ins: fc.oneof(fc.constantFrom(...hostile), fc.constantFrom(...benign), fc.constantFrom(...rough)),
  });

  /** A parameter's value inside `model.layers` replaced: the edits the incremental path takes. */
  const valueEdit = fc.record({ which: fc.nat(), value: fc.constantFrom('{ <<: {units: 2} }', '{<<: *d}', 'yes', '010', '0o10', '.inf', '1e309', '!!str 4', '!m!x 4', '*first', `${'['.repeat(120)}`, '[[4]]', '2') });
  function replaceValue(text: string, e: { which: number; value: string }): string {
    const start = text.indexOf('  layers:');
    const end = text.indexOf('\ntrain:', start);
    const values = [...text.slice(start, end).matchAll(/: ([^,{}[\]\n#]+)/g)];
    if (!values.length) return text;
    const m = values[e.which % values.length];
    const at = start + m.index + 2;
    return text.slice(0, at) + e.value + text.slice(at + m[1].trimEnd().length);
  }

  it('over random edits with directives, merge keys, anchors, aliases, tags and deep nesting', () => {
    const step = fc.oneof(hostileEdit.map((e) => (t: string) => apply(t, e)), valueEdit.map((e) => (t: string) => replaceValue(t, e)));
    fc.assert(
      fc.property(fc.constantFrom(...hostileSeeds), fc.array(step, { minLength: 1, maxLength: 4 }), fc.nat(), (seed, edits, probe) => {
        let prev = analyze(seed);
        let text = seed;
        for (const e of edits) {
          text = e(text);
          const next = reanalyze(prev, text);
          expectSame(next, text, [probe % (text.length + 1)]);
          prev = next;
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS || 150), seed: Number(process.env.FUZZ_SEED || 20261206) },
    );
  });
});
