/**
 * "ModelYAML: Download Hugging Face Model…" on a stand-in vscode API, downloading from a stand-in
 * Hub on 127.0.0.1 (test/cli/fakeHub.ts): into the workspace's models/<name> with progress, the
 * folder revealed and its `from:` path said; Cancel leaves nothing; a gated model's error.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_HF, DOWNLOAD_HF_COMMAND, downloadHfModelCommand, REPLACE_FILES } from '../../src/extension/hfDownload';
import { startFakeHub, type FakeHub } from '../cli/fakeHub';
import { ROOT } from '../cli/run';
import { fakeVscode } from './fakeVscode';

let hub: FakeHub;
let workspace: string;
const saved = { endpoint: process.env.HF_ENDPOINT, token: process.env.HF_TOKEN };

beforeAll(async () => {
  hub = await startFakeHub();
  workspace = mkdtempSync(join(tmpdir(), 'modelyaml-hf-download-cmd-'));
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.HF_TOKEN = '';
});

afterAll(async () => {
  for (const [key, value] of [['HF_ENDPOINT', saved.endpoint], ['HF_TOKEN', saved.token]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await hub?.close();
});

function host(input: string | undefined) {
  const vs = fakeVscode({ origin: 'vscode-webview://hf', workspace });
  vs.input = input;
  const revealed: string[] = [];
  vs.api.commands.registerCommand('revealInExplorer', (uri: { fsPath: string }) => revealed.push(uri.fsPath));
  return { vs, revealed };
}

describe('Download Hugging Face Model… command', () => {
  it('is contributed under the ModelYAML category', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string; category: string }[] } };
    expect(manifest.contributes.commands).toContainEqual(expect.objectContaining({ command: DOWNLOAD_HF_COMMAND, title: DOWNLOAD_HF, category: 'ModelYAML' }));
  });

  it('downloads into models/<name> with progress, reveals the folder, and says the from: path', async () => {
    const { vs, revealed } = host('tiny/bert-small-random@main');
    const done = await downloadHfModelCommand(vs.api);
    const folder = join(workspace, 'models', 'bert-small-random');
    expect(done).toEqual({ folder, from: 'models/bert-small-random' });
    expect(readdirSync(folder).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
    expect(vs.progress).toEqual(['Downloading tiny/bert-small-random']);
    expect(vs.progressReports.map((r) => r.message)).toContainEqual(expect.stringMatching(/^model\.safetensors: 91\.9 KiB of 91\.9 KiB \(100%\)$/));
    expect(revealed).toEqual([folder]);
    const info = vs.messages.find((m) => m.level === 'info')!;
    expect(info.text).toContain('tiny/bert-small-random is in models/bert-small-random: a BERT encoder (2 layers, hidden size 32, 22,538 parameters)');
    expect(info.text).toContain('`bert: { from: models/bert-small-random }`');
  });

  it('asks before replacing the files of a folder that holds some; declined, nothing is fetched', async () => {
    const { vs } = host('tiny/bert-small-random');
    hub.requests.length = 0;
    expect(await downloadHfModelCommand(vs.api)).toBeUndefined();
    expect(vs.messages.find((m) => m.level === 'warning')?.items).toEqual([REPLACE_FILES]);
    expect(hub.requests).toEqual([]);
    const agreed = host('tiny/bert-small-random');
    agreed.vs.answer = (m) => (m.level === 'warning' ? REPLACE_FILES : undefined);
    expect((await downloadHfModelCommand(agreed.vs.api))?.from).toBe('models/bert-small-random');
  });

  it('Cancel while the weights arrive: nothing is written, and it says so', async () => {
    const { vs, revealed } = host('acme/stalled');
    const running = downloadHfModelCommand(vs.api);
    await hub.stalled;
    vs.cancelProgress();
    expect(await running).toBeUndefined();
    expect(existsSync(join(workspace, 'models', 'stalled', 'model.safetensors'))).toBe(false);
    // A part is kept to resume from when some of the file had arrived before Cancel.
    expect(vs.messages.map((m) => `${m.level}: ${m.text}`)).toEqual([expect.stringMatching(/^info: The download of acme\/stalled was cancelled; nothing was written( \(the part that arrived is kept: download it again to resume\))?\.$/)]);
    expect(revealed).toEqual([]);
  });

  it('a gated model without HF_TOKEN: an error that says to set it; no id typed: nothing happens', async () => {
    const gated = host('acme/gated-bert');
    expect(await downloadHfModelCommand(gated.vs.api)).toBeUndefined();
    expect(gated.vs.messages.find((m) => m.level === 'error')?.text).toMatch(/^Downloading acme\/gated-bert failed: acme\/gated-bert is gated or private \(HTTP 401\).*set HF_TOKEN/);
    const cancelled = host(undefined);
    expect(await downloadHfModelCommand(cancelled.vs.api)).toBeUndefined();
    expect(cancelled.vs.progress).toEqual([]);
  });
});
