/**
 * The checker's file answers (`fileDataHost`) on real files: only regular files inside the
 * spec's workspace are read, symlinks are judged by where they lead, a FIFO is refused without
 * being opened, CSV headers are read by csv-parse, and what a message echoes of a file is short
 * and sanitised.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { fileDataHost } from '../../src/node/dataHost';
import { DATA_PATHS_ENV, dataRoots } from '../../src/node/dataPaths';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
afterEach(() => {
  delete process.env[DATA_PATHS_ENV];
});

/** A fresh folder (outside any git repository) with `files`; returns its real path. */
function folder(files: Record<string, string> = {}): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'modelyaml-host-')));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const spec = (source: string) => `version: 1
data:
  source: ${source}
model:
  input: [2]
  layers: [{ dense: { units: 1 } }]
train: { loss: mean_squared_error }
`;

/** The data diagnostics of a spec checked in `dir` with the CLI's host (working folder `cwd`). */
function dataDiagnostics(dir: string, source: string, cwd = dir) {
  const text = spec(source);
  const a = analyze(text, { host: fileDataHost(dir, { workspaces: [cwd] }) });
  return a.diagnostics.filter((d) => d.code.startsWith('data/')).map((d) => ({ code: d.code, message: d.message, at: text.slice(d.range.start, d.range.end) }));
}

describe('fileDataHost: which files it reads', () => {
  it('refuses a FIFO without opening it (opening one would block until a writer comes)', () => {
    const dir = folder();
    execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
    const host = fileDataHost(dir);
    expect(host.columns?.('pipe.csv', 'csv')).toBeUndefined();
    expect(dataDiagnostics(dir, '{ csv: { path: pipe.csv, label: y } }')).toEqual([
      { code: 'data/not-a-file', message: expect.stringContaining('`pipe.csv` is not a regular file (it is a named pipe (FIFO))'), at: 'pipe.csv' },
    ]);
  });

  it('says a folder is a folder, not a file, at the path', () => {
    const dir = folder({ 'd.csv/inner.csv': 'a,y\n1,2\n' });
    expect(dataDiagnostics(dir, '{ csv: { path: d.csv, label: y } }')).toEqual([{ code: 'data/not-a-file', message: '`d.csv` is a folder, not a file.', at: 'd.csv' }]);
  });

  it('says a file is not a folder for an images source', () => {
    const dir = folder({ 'imgs.png': 'x' });
    expect(dataDiagnostics(dir, '{ images: { path: imgs.png, image_size: 8 } }')[0]).toMatchObject({ code: 'data/not-a-folder', at: 'imgs.png' });
  });

  it.each([
    ['/proc/self/environ', '/proc/self/environ'],
    ['/etc/passwd', '/etc/passwd'],
  ])('refuses %s: outside the workspace, and shows none of it', (path) => {
    const dir = folder();
    const found = dataDiagnostics(dir, `{ csv: { path: ${path}, label: nope } }`);
    expect(found).toEqual([{ code: 'data/outside-workspace', message: expect.stringContaining(`\`${path}\` is outside the workspace (${dir})`), at: path }]);
    expect(JSON.stringify(found)).not.toMatch(/PATH=|HOME=|root:/);
  });

  it('refuses ../outside.csv, and a symlink that leads out of the workspace', () => {
    const outer = folder({ 'outside.csv': 'secret,y\n1,2\n' });
    const dir = join(outer, 'ws');
    mkdirSync(dir);
    symlinkSync(join(outer, 'outside.csv'), join(dir, 'link.csv'));
    expect(dataDiagnostics(dir, '{ csv: { path: ../outside.csv, label: nope } }')).toEqual([
      { code: 'data/outside-workspace', message: expect.stringContaining('`../outside.csv` is outside the workspace'), at: '../outside.csv' },
    ]);
    expect(dataDiagnostics(dir, '{ csv: { path: link.csv, label: nope } }')).toEqual([
      { code: 'data/outside-workspace', message: expect.stringContaining('`link.csv` is outside the workspace'), at: 'link.csv' },
    ]);
  });

  it('reads through a symlink inside the workspace, the working folder above the spec, a git repository, and the allow-list', () => {
    const ws = folder({ 'data/d.csv': 'a,b,y\n1,2,3\n', 'specs/x': '' });
    symlinkSync(join(ws, 'data', 'd.csv'), join(ws, 'specs', 'link.csv'));
    const specs = join(ws, 'specs');
    // The spec's folder alone is the workspace when the working folder does not hold it.
    expect(dataDiagnostics(specs, '{ csv: { path: link.csv, label: y } }', '/')).toEqual([{ code: 'data/outside-workspace', message: expect.any(String), at: 'link.csv' }]);
    expect(dataDiagnostics(specs, '{ csv: { path: ../data/d.csv, label: y } }', ws)).toEqual([]);
    expect(dataDiagnostics(specs, '{ csv: { path: link.csv, label: y } }', ws)).toEqual([]);
    mkdirSync(join(ws, '.git'));
    expect(dataRoots(specs, [])).toEqual([ws]);
    expect(dataDiagnostics(specs, '{ csv: { path: ../data/d.csv, label: nope } }', '/')[0].message).toContain('Column `nope` is not in `../data/d.csv`');
    const other = folder({ 'o.csv': 'p,r,q\n1,2,3\n' });
    process.env[DATA_PATHS_ENV] = other;
    expect(dataDiagnostics(specs, `{ csv: { path: ${join(other, 'o.csv')}, label: q } }`, ws)).toEqual([]);
  });

  it('a workspace at the file system root allows nothing beyond the spec', () => {
    const dir = folder();
    expect(dataRoots(dir, ['/'])).toEqual([dir]);
  });
});

describe('fileDataHost: CSV headers', () => {
  it('reads quoted headers with newlines, delimiters and whitespace inside quotes', () => {
    const dir = folder({ 'q.csv': '"first\nname", " padded " ,"a,b",y\n1,2,3,4\n', 's.csv': 'a;b;y\n1;2;3\n', 't.tsv': 'a\tb\ty\n1\t2\t3\n' });
    const host = fileDataHost(dir);
    expect(host.columns?.('q.csv', 'csv')).toEqual(['first\nname', ' padded ', 'a,b', 'y']);
    expect(host.columns?.('s.csv', 'csv', { delimiter: ';' })).toEqual(['a', 'b', 'y']);
    expect(host.columns?.('t.tsv', 'csv', { delimiter: '\\t' })).toEqual(['a', 'b', 'y']);
    expect(dataDiagnostics(dir, '{ csv: { path: s.csv, label: y, delimiter: ";" } }')).toEqual([]);
  });

  it('a header longer than the bytes it reads is unknown, not cut', () => {
    const dir = folder({ 'wide.csv': `${Array.from({ length: 20_000 }, (_, i) => `column_${i}`).join(',')}\n1\n` });
    expect(fileDataHost(dir).columns?.('wide.csv', 'csv')).toBeUndefined();
  });

  it('echoes at most five column names, 40 characters each, without control characters', () => {
    const long = `${'k'.repeat(100)}\u001b[31m\u202e`;
    const names = [long, ...Array.from({ length: 30 }, (_, i) => `c${i}`), 'y'];
    const dir = folder({ 'h.csv': `${names.join(',')}\n` });
    const [d] = dataDiagnostics(dir, '{ csv: { path: h.csv, label: nope } }');
    expect(d.code).toBe('data/missing-column');
    expect(d.message).toBe(`Column \`nope\` is not in \`h.csv\`. Its columns: \`${'k'.repeat(39)}…\`, \`c0\`, \`c1\`, \`c2\`, \`c3\`, … (27 more).`);
  });
});
