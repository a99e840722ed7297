/**
 * "ModelYAML: Download Hugging Face Model…" on a stand-in vscode API, downloading from a stand-in
 * Hub on 127.0.0.1 (test/cli/fakeHub.ts): into the workspace's models/<name> with progress, the
 * folder revealed and its `from:` path said; Cancel leaves nothing; a gated model asks for a token,
 * keeps it in secret storage once it worked, asks again when it is refused; without a store, the error.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_HF, DOWNLOAD_HF_COMMAND, downloadHfModelCommand, FORGET_HF_TOKEN, FORGET_HF_TOKEN_COMMAND, forgetHfTokenCommand, HF_TOKEN_SECRET, REPLACE_FILES, type TokenStore } from '../../src/extension/hfDownload';
import { HUB_TOKEN, startFakeHub, type FakeHub } from '../cli/fakeHub';
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

/** VS Code's SecretStorage, in memory. */
function secretStore(): TokenStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (key) => values.get(key),
    store: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
  };
}

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
    expect(manifest.contributes.commands).toContainEqual(expect.objectContaining({ command: FORGET_HF_TOKEN_COMMAND, title: FORGET_HF_TOKEN, category: 'ModelYAML' }));
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

  it('a gated model without HF_TOKEN asks for a token (a password box), opens the model with it, and keeps it in secret storage for the next one', async () => {
    const secrets = secretStore();
    const first = host(undefined);
    first.vs.inputFor = (o) => (o.password ? HUB_TOKEN : 'acme/gated-bert');
    hub.requests.length = 0;
    expect((await downloadHfModelCommand(first.vs.api, secrets))?.from).toBe('models/gated-bert');
    expect(first.vs.inputBoxes.map((o) => !!o.password)).toEqual([false, true]);
    expect(first.vs.inputBoxes[1].title).toBe('acme/gated-bert needs a Hugging Face access token');
    expect(secrets.values.get(HF_TOKEN_SECRET)).toBe(HUB_TOKEN);
    expect(hub.requests.some((r) => r.authorization === `Bearer ${HUB_TOKEN}`)).toBe(true);
    // The token is never shown in a message.
    expect(first.vs.messages.map((m) => m.text).join('\n')).not.toContain(HUB_TOKEN);

    // The next gated download uses the kept token without asking.
    const again = host('acme/gated-bert');
    again.vs.answer = (m) => (m.level === 'warning' ? REPLACE_FILES : undefined);
    expect((await downloadHfModelCommand(again.vs.api, secrets))?.from).toBe('models/gated-bert');
    expect(again.vs.inputBoxes.map((o) => !!o.password)).toEqual([false]);

    // A refused token asks again; Escape ends it with an error, and the refused token is not kept.
    secrets.values.set(HF_TOKEN_SECRET, 'hf_wrong');
    const refused = host(undefined);
    refused.vs.answer = (m) => (m.level === 'warning' ? REPLACE_FILES : undefined);
    refused.vs.inputFor = (o) => (o.password ? undefined : 'acme/gated-bert');
    expect(await downloadHfModelCommand(refused.vs.api, secrets)).toBeUndefined();
    expect(refused.vs.inputBoxes[1].prompt).toMatch(/^The token was refused: /);
    expect(refused.vs.messages.find((m) => m.level === 'error')?.text).toMatch(/^Downloading acme\/gated-bert failed: acme\/gated-bert refused the token given/);

    // "Forget Hugging Face Token" removes it.
    const forget = host(undefined);
    await forgetHfTokenCommand(forget.vs.api, secrets);
    expect(secrets.values.has(HF_TOKEN_SECRET)).toBe(false);
    expect(forget.vs.messages.map((m) => m.text)).toEqual(['The Hugging Face token is forgotten: the next gated download asks for one.']);
  });

  it('a gated model without HF_TOKEN and no secret storage (the CLI\'s case): an error that says to set it; no id typed: nothing happens', async () => {
    const gated = host('acme/gated-bert');
    gated.vs.answer = (m) => (m.level === 'warning' ? REPLACE_FILES : undefined);
    expect(await downloadHfModelCommand(gated.vs.api)).toBeUndefined();
    expect(gated.vs.messages.find((m) => m.level === 'error')?.text).toMatch(/^Downloading acme\/gated-bert failed: acme\/gated-bert is gated or private \(HTTP 401\).*set HF_TOKEN/);
    const cancelled = host(undefined);
    expect(await downloadHfModelCommand(cancelled.vs.api)).toBeUndefined();
    expect(cancelled.vs.progress).toEqual([]);
  });
});
