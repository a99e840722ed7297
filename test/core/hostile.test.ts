import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { reanalyze } from '../../src/core/incremental';
import { MAX_NESTING, tooDeep } from '../../src/core/nesting';

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
