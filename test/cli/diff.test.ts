import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './runCli';

const ex = (f: string) => join(__dirname, '../../examples', f);


const tmp = () => mkdtempSync(join(tmpdir(), 'modelyaml-diff-'));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

describe('modelyaml diff <a> <b>', () => {
  it('prints the layer, total and training changes between two files and exits 0', async () => {
    const dir = tmp();
    const b = join(dir, 'wide.model.yaml');
    writeFileSync(b, readFileSync(ex('mnist-cnn.model.yaml'), 'utf8').replace('units: 64', 'units: 128').replace('learning_rate: 0.001', 'learning_rate: 0.0003'));
    const r = await run('diff', ex('mnist-cnn.model.yaml'), b);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('dense `dense_7`: units 64 → 128: +36,928 params (36,928 → 73,856), output (None, 64) → (None, 128)');
    expect(r.out).toContain('Total: 93,322 → 130,890 params (+37,568)');
    expect(r.out).toContain('train.optimizer.learning_rate: 0.001 → 0.0003');
  });

  it('--format json gives the versioned form', async () => {
    const r = await run('diff', '--format', 'json', ex('mlp.model.yaml'), ex('mnist-cnn.model.yaml'));
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.formatVersion).toBe(1);
    expect(d.totals).toEqual({ before: 101_770, after: 93_322, delta: -8_448 });
  });

  it('exits 2 on wrong usage and 1 on an unreadable file', async () => {
    expect((await run('diff', ex('mlp.model.yaml'))).code).toBe(2);
    expect((await run('diff', '--format', 'xml', ex('mlp.model.yaml'), ex('mlp.model.yaml'))).code).toBe(2);
    const r = await run('diff', ex('mlp.model.yaml'), '/nonexistent/b.model.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('/nonexistent/b.model.yaml: cannot read: ENOENT');
  });

  it('a spec with errors still diffs, with its errors noted', async () => {
    const dir = tmp();
    const b = join(dir, 'broken.model.yaml');
    writeFileSync(b, readFileSync(ex('mlp.model.yaml'), 'utf8').replace('- dropout: 0.2', '- dropout: 0.2\n    - desne: 5'));
    const r = await run('diff', ex('mlp.model.yaml'), b);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/note: the new spec \(.*broken\.model\.yaml\) has 1 error/);
    expect(r.out).toContain('+1 desne `desne_3`');
  });
});

describe('modelyaml diff <spec> --git <rev>', () => {
  let repo: string;
  let spec: string;
  beforeAll(() => {
    repo = tmp();
    git(repo, 'init', '-q');
    mkdirSync(join(repo, 'models'));
    spec = join(repo, 'models', 'mlp.model.yaml');
    copyFileSync(ex('mlp.model.yaml'), spec);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('units: 128', 'units: 256'));
    git(repo, 'commit', '-q', '-am', 'wider');
  });

  it('compares the spec with its version at a revision', async () => {
    const r = await run('diff', spec, '--git', 'HEAD~1');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Comparing HEAD~1:models/mlp.model.yaml → ');
    // 784·256 + 256 − (784·128 + 128)
    expect(r.out).toContain('dense `dense_1`: units 128 → 256: +100,480 params (100,480 → 200,960), output (None, 128) → (None, 256)');
    expect(r.out).toContain('dense `dense_3`: written the same, its input changed: +1,280 params');
  });

  it('HEAD against the committed file is no difference', async () => {
    const r = await run('diff', spec, '--git', 'HEAD');
    expect(r.code).toBe(0);
    expect(r.out).toContain('No differences');
  });

  it('names an unknown revision, a file absent at the revision, and a folder outside git', async () => {
    const unknown = await run('diff', spec, '--git', 'no-such-branch');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("unknown revision 'no-such-branch'");

    const fresh = join(repo, 'models', 'new.model.yaml');
    copyFileSync(ex('mlp.model.yaml'), fresh);
    const absent = await run('diff', fresh, '--git', 'HEAD');
    expect(absent.code).toBe(1);
    expect(absent.err).toBe("modelyaml diff: models/new.model.yaml does not exist at revision 'HEAD'.\n");

    const outside = join(tmp(), 'x.model.yaml');
    copyFileSync(ex('mlp.model.yaml'), outside);
    const notRepo = await run('diff', outside, '--git', 'HEAD');
    expect(notRepo.code).toBe(1);
    expect(notRepo.err).toContain('not inside a git repository');
  });
});
