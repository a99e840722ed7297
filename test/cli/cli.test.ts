import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { run } from './runCli';

const root = join(__dirname, '../..');
const ex = (f: string) => join(root, 'examples', f);


function tmpSpec(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelyaml-cli-'));
  const file = join(dir, 'bad.model.yaml');
  writeFileSync(file, text);
  return file;
}

describe('modelyaml CLI', () => {
  it('check passes on every example and exits 0', async () => {
    const r = await run('check', ...['mnist-cnn', 'mlp', 'house-prices', 'lstm-sentiment', 'transformer-text', 'residual-cnn'].map((n) => ex(`${n}.model.yaml`)));
    expect(r.out).toContain('6 specs checked: 0 errors, 0 warnings');
    expect(r.code).toBe(0);
  });

  it('check reports file:line:col with the code and a caret, and exits 1', async () => {
    const file = tmpSpec('version: 1\nmodel:\n  input: [784]\n  layers:\n    - desne: 10\ntrain:\n  loss: mean_squared_error\n');
    const r = await run('check', file);
    expect(r.code).toBe(1);
    expect(r.out).toContain(':5:7: error[name/unknown]: Unknown layer type `desne`. Did you mean `dense`?');
    expect(r.out).toContain('    - desne: 10');
    expect(r.out).toMatch(/\n\s+\|\s{7}\^{5}\n/);
  });

  it('check --format json gives machine-readable findings', async () => {
    const file = tmpSpec('version: 1\nmodel:\n  input: [784]\n  layers:\n    - dense: { units: 0 }\ntrain:\n  loss: mean_squared_error\n');
    const r = await run('check', '--format', 'json', file);
    const findings = JSON.parse(r.out);
    expect(findings).toContainEqual(expect.objectContaining({ line: 5, column: 23, severity: 'error', code: 'value/range' }));
    expect(r.code).toBe(1);
  });

  it('check on a missing file names it and fails', async () => {
    const r = await run('check', '/nonexistent/x.model.yaml');
    expect(r.err).toContain('/nonexistent/x.model.yaml: cannot read: ENOENT');
    expect(r.code).toBe(1);
  });

  it('summary prints the Keras-like table with 93,322 parameters', async () => {
    const r = await run('summary', ex('mnist-cnn.model.yaml'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/conv2d_1 \(conv2d\)\s+\(None, 26, 26, 32\)\s+320/);
    expect(r.out).toContain('Total params: 93,322');
  });

  it('graph prints Mermaid, left-right on request', async () => {
    const r = await run('graph', '--direction', 'LR', ex('residual-cnn.model.yaml'));
    expect(r.code).toBe(0);
    expect(r.out.startsWith('flowchart LR\n')).toBe(true);
    expect(r.out).toMatch(/L0 -->\|"#40;None, 28, 28, 16#41;"\| L1|L0 -->\|"\(None, 28, 28, 16\)"\| L1/);
  });

  it('schema exports a JSON Schema that accepts every example and rejects a typo', async () => {
    const r = await run('schema');
    const schema = JSON.parse(r.out);
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const n of ['mnist-cnn', 'mlp', 'house-prices', 'lstm-sentiment', 'transformer-text', 'residual-cnn']) {
      const doc = parse(execFileSync('cat', [ex(`${n}.model.yaml`)], { encoding: 'utf8' }));
      expect(validate(doc), `${n}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
    expect(validate({ version: 1, model: { input: [4], layers: [{ desne: { units: 3 } }] }, train: { loss: 'mean_squared_error' } })).toBe(false);
  });

  it('unknown commands suggest the right one; --help is friendly', async () => {
    const r = await run('chekc');
    expect(r.code).toBe(2);
    expect(r.err).toContain("Did you mean 'check'?");
    const h = await run('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('modelyaml check <files…>');
  });

  it('the built bin runs', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/modelyaml.js'), 'summary', ex('mlp.model.yaml')], { encoding: 'utf8' });
    if (r.error || (r.status !== 0 && r.stderr.includes("Cannot find module '../dist/cli.js'"))) throw new Error('run `npm run build` first');
    expect(r.stdout).toContain('Total params: 101,770');
    expect(r.status).toBe(0);
  });
});
