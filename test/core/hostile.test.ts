import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { MAX_REPEATS } from '../../src/core/diagnostics';
import { reanalyze } from '../../src/core/incremental';
import { MAX_NESTING, tooDeep } from '../../src/core/nesting';
import { closest, Suggester, suggestWork } from '../../src/core/suggest';

const core = join(__dirname, '../../src/core');

/**
 * Runs `body` in a fresh Node process with the core loaded: an abort inside V8 (which no
 * try/catch sees) shows as the exit status there instead of killing the test runner.
 */
function inFreshProcess(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    const load = async (f) => { const m = await import(f); return m.default ?? m; };
    const { analyze } = await load(${JSON.stringify(join(core, 'analyze.ts'))});
    const { reanalyze } = await load(${JSON.stringify(join(core, 'incremental.ts'))});
    ${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('deeply nested YAML', () => {
  it('is refused with a diagnostic at the first level too deep, three times in one fresh process', () => {
    const r = inFreshProcess(`
      const out = [];
      for (let k = 0; k < 3; k++) for (const n of [5000, 10000, 20000]) {
        const a = analyze('x: ' + '['.repeat(n));
        out.push(a.diagnostics.map((d) => d.code + '@' + d.range.start).join(','));
        const spec = 'model:\\n  input: [4]\\n  layers:\\n    - dense: { units: 4 }\\n    - dense: { units: 2 }\\n';
        const edited = spec.replace('units: 2', 'units: ' + '['.repeat(n));
        out.push(reanalyze(analyze(spec), edited).diagnostics.map((d) => d.code).join(','));
      }
      console.log(JSON.stringify(out));`);
    expect(r.stderr).not.toMatch(/FATAL|Maximum call stack/);
    expect(r.status).toBe(0);
    // `x:` is one level, each `[` one more: the bracket that makes MAX_NESTING + 1.
    const first = 'x: '.length + MAX_NESTING - 1;
    expect(JSON.parse(r.stdout)).toEqual(Array.from({ length: 9 }, () => [`yaml/too-deep@${first}`, 'yaml/too-deep']).flat());
  });

  it('names the level past the bound, in flow and in block collections', () => {
    const flow = analyze('model:\n  input: ' + '['.repeat(MAX_NESTING + 5));
    expect(flow.diagnostics).toHaveLength(1);
    expect(flow.diagnostics[0]).toMatchObject({ code: 'yaml/too-deep', severity: 'error', range: { start: 'model:\n  input: '.length + MAX_NESTING - 2 } });
    expect(flow.diagnostics[0].message).toContain(`more than ${MAX_NESTING} levels`);
    const block = Array.from({ length: MAX_NESTING + 1 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(analyze(block).diagnostics.map((d) => d.code)).toEqual(['yaml/too-deep']);
    expect(analyze('- '.repeat(MAX_NESTING + 1) + 'x').diagnostics.map((d) => d.code)).toEqual(['yaml/too-deep']);
  });

  it('reads specs just inside the bound, and brackets that are text (quotes, comments, block scalars)', () => {
    expect(analyze('x: ' + '['.repeat(MAX_NESTING - 1) + ']'.repeat(MAX_NESTING - 1)).diagnostics.map((d) => d.code)).toEqual(['key/unknown']);
    const text = `description: "${'['.repeat(500)}" # ${'{'.repeat(500)}\nname: '${'['.repeat(500)}'\nseed: 1\n`;
    expect(tooDeep(text)).toBeUndefined();
    expect(tooDeep(`description: |\n  ${'['.repeat(500)}\n  ${'{'.repeat(500)}\nname: x\n`)).toBeUndefined();
    expect(tooDeep(`description: "a\n  ${'['.repeat(500)}"\nname: x\n`)).toBeUndefined();
    expect(tooDeep(`name: a[${'['.repeat(500)}\n`)).toBeUndefined();
  });

  it('gives an incremental analysis the same answer as a full one', () => {
    const spec = 'model:\n  input: [4]\n  layers:\n    - dense: { units: 4 }\n    - dense: { units: 2 }\n';
    const edited = spec.replace('units: 2', 'units: ' + '['.repeat(MAX_NESTING + 1));
    expect(reanalyze(analyze(spec), edited).diagnostics).toEqual(analyze(edited).diagnostics);
  });
});

/** `n` layers, each reading a layer that does not exist. */
function unknownRefs(n: number, ref = (i: number) => `nope_${i}`): string {
  let s = 'model:\n  input: [4]\n  layers:\n';
  for (let i = 0; i < n; i++) s += `    - dense: { units: 4 }\n      name: layer_${i}\n      inputs: ${ref(i)}\n`;
  return s;
}

describe('work per analysis', () => {
  it('grows linearly with unknown `inputs` references, not with their square', () => {
    const work = (n: number) => {
      const before = suggestWork.editDistances;
      analyze(unknownRefs(n));
      return suggestWork.editDistances - before;
    };
    const small = work(500);
    const large = work(4000);
    // 8× the layers: at most 8× the did-you-mean comparisons (the quadratic search did 64×).
    expect(large).toBeLessThanOrEqual(8 * small);
    expect(large).toBeLessThanOrEqual(20_000 + 4000);
  });

  it('still suggests the layer meant, from an index over the names', () => {
    const a = analyze(unknownRefs(300, (i) => (i === 299 ? 'layr_7' : `layer_${i - 1}`)).replace('inputs: layer_-1', 'inputs: input'));
    expect(a.diagnostics.filter((d) => d.code === 'ref/unknown').map((d) => d.message)).toEqual(['No layer or input is named `layr_7`. Did you mean `layer_7`?']);
    const names = Array.from({ length: 1000 }, (_, i) => `block${i}_conv`);
    const index = new Suggester(names);
    for (const w of ['block12_cnv', 'Block-7-conv', 'block99', 'blok3_conv', 'zzz']) expect(index.suggest(w)).toBe(closest(w, names));
  });

  it('lists a finding repeated hundreds of times a few times, then one that counts the rest', () => {
    const text = 'model:\n  input: [4]\n  layers:\n' + '    - dense: { units: 0 }\n'.repeat(600);
    const found = analyze(text).diagnostics;
    expect(found).toHaveLength(MAX_REPEATS + 1);
    expect(found.slice(0, MAX_REPEATS).every((d) => d.message === '`dense.units` must be an integer ≥ 1, but is 0.')).toBe(true);
    expect(found[MAX_REPEATS]).toMatchObject({ code: 'value/range', severity: 'error' });
    // The report is capped at 500 findings: 495 more of them are this one, and more were not collected.
    expect(found[MAX_REPEATS].message).toBe('At least 495 more times from here on (not listed one by one): `dense.units` must be an integer ≥ 1, but is 0.');
    const uncapped = analyze('model:\n  input: [4]\n  layers:\n' + '    - dense: { units: 0 }\n'.repeat(20)).diagnostics;
    expect(uncapped.map((d) => d.message.split(':')[0])).toEqual([...Array(MAX_REPEATS).fill('`dense.units` must be an integer ≥ 1, but is 0.'), '15 more times from here on (not listed one by one)']);
  });
});
