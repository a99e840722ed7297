/**
 * Search from the editor on a stand-in vscode API: the "Run Search" CodeLens on the `search:`
 * key, the command running the bundled CLI (`node esbuild.mjs` first) in a task terminal that
 * shows its lines and exit code, Ctrl+C interrupting it, a tasks.json entry resuming it, and
 * Workspace Trust.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerSearch, RUN_SEARCH_COMMAND, SEARCH_TASK_TYPE, searchArgs, searchCodeLens, searchKeyLine } from '../../src/extension/search';
import { CLI } from '../cli/run';
import { irisSpec } from '../trainer/helpers';
import { FakeDocument, fakeVscode, Uri, type FakeTerminal, type FakeVscode } from './fakeVscode';

const SPEC = `${irisSpec({ name: 'iris-host-search', units: 8, epochs: 3 })}search:
  metric: val_loss
  trials: 2
  sampler: random
  space:
    model.layers[0].dense.units: { choice: [4, 8] }
`;

const subscriptions: { dispose(): unknown }[] = [];
afterEach(() => {
  for (const d of subscriptions.splice(0)) d.dispose();
});

beforeAll(() => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
});

function host(trusted = true): { vs: FakeVscode; ws: string; spec: string } {
  const ws = mkdtempSync(join(tmpdir(), 'modelyaml-search-host-'));
  const spec = join(ws, 'iris.model.yaml');
  writeFileSync(spec, SPEC);
  const vs = fakeVscode({ origin: 'https://webview.test', workspace: ws, trusted });
  subscriptions.push(...registerSearch({ api: vs.api, cliPath: CLI }));
  return { vs, ws, spec };
}

const nextTerminal = (vs: FakeVscode) => new Promise<FakeTerminal>((done) => vs.terminalOpened.event(done));

describe('Run Search', () => {
  it('the CodeLens sits on the search: key and runs the command with the spec; none without the key', () => {
    const { vs, spec } = host();
    const doc = new FakeDocument(Uri.file(spec), SPEC);
    expect(searchKeyLine(SPEC)).toBe(18);
    const lens = searchCodeLens(vs.api, doc as never)!;
    expect(lens.range.start).toMatchObject({ line: 18, character: 0 });
    expect(lens.command).toMatchObject({ title: '$(beaker) Run Search', command: RUN_SEARCH_COMMAND, arguments: [doc.uri] });
    expect(searchCodeLens(vs.api, new FakeDocument(Uri.file(spec), SPEC.replace(/search:[\s\S]*$/, '')) as never)).toBeUndefined();
    // A nested `search:` is not the section.
    expect(searchKeyLine('train:\n  search: 1\n')).toBeUndefined();
  });

  it('the command runs the search in a task terminal: its trials, the table and the best, exit 0', async () => {
    const { vs, ws, spec } = host();
    const opened = nextTerminal(vs);
    await vs.api.commands.executeCommand(RUN_SEARCH_COMMAND, Uri.file(spec));
    const terminal = await opened;
    expect(terminal.name).toBe('search iris.model.yaml');
    expect(await terminal.closed, terminal.output).toBe(0);
    const lines = terminal.lines();
    expect(lines).toContain('trial 0 started: model.layers[0].dense.units=4');
    expect(lines.some((l) => /^best: trial \d, val_loss \d\.\d{4} → \.modelyaml\/searches\/iris-host-search\/.+\/best\.model\.yaml$/.test(l))).toBe(true);
    // \r\n line ends, as a terminal wants them.
    expect(terminal.output).not.toMatch(/[^\r]\n/);
    const [dir] = readdirSync(join(ws, '.modelyaml', 'searches', 'iris-host-search'));
    expect(existsSync(join(ws, '.modelyaml', 'searches', 'iris-host-search', dir, 'best.model.yaml'))).toBe(true);
  }, 300_000);

  it('Ctrl+C interrupts (exit 130); a tasks.json entry with resume: latest finishes it', async () => {
    const { vs, spec } = host();
    const opened = nextTerminal(vs);
    await vs.api.commands.executeCommand(RUN_SEARCH_COMMAND, Uri.file(spec));
    const terminal = await opened;
    // Once the first epoch is reported (the terminal's own write event: no polling).
    await new Promise<void>((done) => {
      const seen = () => /trial 0 epoch 1:/.test(terminal.output) && done();
      seen();
      terminal.pty.onDidWrite(() => setImmediate(seen));
    });
    terminal.type('\u0003');
    expect(await terminal.closed).toBe(130);
    expect(terminal.output).toMatch(/interrupted\. Resume with: modelyaml search/);

    const provider = vs.taskProviders.get(SEARCH_TASK_TYPE) as unknown as { provideTasks(): unknown[]; resolveTask(t: unknown): { name: string; execution: unknown } };
    expect(provider.provideTasks()).toEqual([]);
    const task = provider.resolveTask({ definition: { type: SEARCH_TASK_TYPE, spec: 'iris.model.yaml', resume: 'latest' }, scope: { uri: Uri.file(join(spec, '..')) } });
    const resumed = nextTerminal(vs);
    await vs.api.tasks.executeTask(task as never);
    const again = await resumed;
    expect(await again.closed, again.output).toBe(0);
    expect(again.lines()).toContain('resumed: trial 0 run again, then up to 2 trials');
  }, 300_000);

  it('the CLI arguments of a tasks.json entry', () => {
    expect(searchArgs('/w/a.model.yaml', { trials: 12, parallel: 2, resume: 'latest' })).toEqual(['search', '/w/a.model.yaml', '--trials', '12', '--parallel', '2', '--resume', 'latest']);
  });

  it('an untrusted workspace: a warning, no search', async () => {
    const { vs, spec } = host(false);
    await vs.api.commands.executeCommand(RUN_SEARCH_COMMAND, Uri.file(spec));
    expect(vs.terminals).toEqual([]);
    expect(vs.messages[0]).toMatchObject({ level: 'warning' });
    expect(vs.messages[0].text).toMatch(/^ModelYAML: A search needs a trusted workspace/);
  });
});
