import { describe, expect, it } from 'vitest';
import { allEntries, entries } from '../../src/core/catalog';
import type { Params, ParamSpec } from '../../src/core/catalog';

function withDefaults(specs: readonly ParamSpec[], given: Record<string, unknown> = {}): Params {
  const out: Record<string, unknown> = {};
  for (const p of specs) if (p.default !== undefined) out[p.name] = p.default;
  return { ...out, ...given };
}

describe('catalog completeness', () => {
  const all = allEntries();

  it('has every category populated', () => {
    for (const c of ['layer', 'activation', 'loss', 'optimizer', 'metric', 'regularizer', 'source', 'step'] as const) {
      expect(entries(c).length, c).toBeGreaterThan(0);
    }
  });

  it.each(all.map((e) => [`${e.category}:${e.name}`, e] as const))('%s is documented', (_, e) => {
    expect(e.name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(e.summary.length, 'summary').toBeGreaterThan(10);
    expect(e.docs.length, 'docs').toBeGreaterThan(20);
    expect(e.tfjs.length, 'tfjs mapping').toBeGreaterThan(0);
    expect(e.formulas.length, 'at least one formula').toBeGreaterThan(0);
    for (const f of e.formulas) {
      expect(f.latex.trim(), 'latex').not.toBe('');
      expect(f.unicode.trim(), 'unicode').not.toBe('');
      expect(f.label.trim(), 'label').not.toBe('');
    }
    const names = new Set<string>();
    for (const p of e.params) {
      expect(p.doc.length, `doc of ${p.name}`).toBeGreaterThan(5);
      expect(p.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(names.has(p.name), `duplicate param ${p.name}`).toBe(false);
      names.add(p.name);
    }
    if (e.primary) expect(names.has(e.primary), 'primary names a parameter').toBe(true);
  });

  it('has unique names per category', () => {
    const seen = new Set<string>();
    for (const e of all) {
      const key = `${e.category}:${e.name}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });
});

describe('layer shape rules', () => {
  for (const layer of entries('layer')) {
    it(`${layer.name} has shape cases, and infer agrees with them`, () => {
      expect(layer.shapeRule.length).toBeGreaterThan(3);
      expect(layer.shapeCases.length).toBeGreaterThan(0);
      for (const c of layer.shapeCases) {
        const out = layer.infer(c.inputs, withDefaults(layer.params, c.params));
        if (c.error) {
          expect('error' in out ? out.error.code : out, JSON.stringify(c)).toBe(c.error);
          if ('error' in out) expect(out.error.message.length).toBeGreaterThan(10);
        } else {
          expect(out, JSON.stringify(c)).toHaveProperty('shape');
          if ('shape' in out) {
            if (c.output) expect(out.shape, JSON.stringify(c)).toEqual(c.output);
            if (c.paramCount !== undefined) expect(out.params, JSON.stringify(c)).toBe(c.paramCount);
          }
        }
      }
    });
  }
});

describe('pipeline step shape rules', () => {
  for (const step of entries('step')) {
    it(`${step.name} has shape cases, and apply agrees with them`, () => {
      expect(step.shapeCases.length).toBeGreaterThan(0);
      for (const c of step.shapeCases) {
        const out = step.apply(structuredClone(c.input), { params: withDefaults(step.params, c.params), host: {} });
        if (c.error) {
          expect('error' in out ? out.error.code : out, JSON.stringify(c)).toBe(c.error);
        } else {
          expect(out, JSON.stringify(c)).toHaveProperty('data');
          if ('data' in out && c.output) expect(out.data).toMatchObject(c.output);
        }
      }
    });
  }
});

describe('ONNX mappings', () => {
  it('every layer and activation says how it exports to ONNX (test/export/onnx.test.ts runs them)', () => {
    for (const e of [...entries('layer'), ...entries('activation')]) {
      expect(e.onnx?.ops, `${e.name} has no onnx mapping`).toBeTruthy();
    }
  });
});

describe('PyTorch mappings', () => {
  it('every layer says how it exports to PyTorch (test/export/pytorch.test.ts runs them against the trainer)', () => {
    for (const e of entries('layer')) expect(e.torch?.modules, `${e.name} has no torch mapping`).toBeTruthy();
  });
});
