/**
 * `modelyaml download` (the built CLI, `node esbuild.mjs` first) against a stand-in Hub on
 * 127.0.0.1 (fakeHub.ts): the files arrive byte for byte through the CDN redirect, an absent
 * optional file is skipped, gated and unknown models and revisions are clear errors, HF_TOKEN
 * goes to the Hub only and never to the output, and a connection that drops mid-file or a
 * repository without safetensors leaves nothing behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './run';
import { FIXTURE, HUB_TOKEN, startFakeHub, type FakeHub } from './fakeHub';

let hub: FakeHub;
let cwd: string;

beforeAll(async () => {
  expect(existsSync(CLI), 'dist/cli.js is missing: run `node esbuild.mjs` first').toBe(true);
  hub = await startFakeHub();
  cwd = mkdtempSync(join(tmpdir(), 'modelyaml-download-'));
});

afterAll(() => hub?.close());

const download = (args: string[], token = '') => runCli(['download', ...args], { cwd, env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: token, HUGGING_FACE_HUB_TOKEN: '' }, timeoutMs: 60_000 });

/** The address of a port on 127.0.0.1 that nothing listens on (it just stopped). */
async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

/** What a folder holds, hidden files (a staging folder) included. */
const contents = (folder: string): string[] => (existsSync(folder) ? readdirSync(folder).sort() : []);
/** What a folder holds but a staging folder kept to resume from. */
const visible = (folder: string): string[] => contents(folder).filter((n) => !/^\.download-[0-9a-f]{12}$/.test(n));

describe('modelyaml download', () => {
  it('fetches what the bert layer reads into models/<name>, the weights through the CDN redirect, byte for byte; checks the folder and prints the from: lines', async () => {
    const r = await download(['tiny/bert-small-random']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const folder = join(cwd, 'models', 'bert-small-random');
    expect(contents(folder)).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
    for (const f of contents(folder)) expect(readFileSync(join(folder, f)).equals(readFileSync(join(FIXTURE, f))), f).toBe(true);
    expect(r.out).toMatch(/special_tokens_map\.json\s+not in the repository, skipped/);
    expect(r.out).toMatch(/model\.safetensors\s+91\.9 KiB/);
    expect(r.out).toContain('✓ models/bert-small-random: a BERT encoder, 2 layers, hidden size 32, 2 heads');
    expect(r.out).toContain('- wordpiece: { from: models/bert-small-random, max_length: 64 }');
    expect(r.out).toContain('- bert: { from: models/bert-small-random, pooling: cls }');
    const weights = hub.requests.filter((q) => q.path.endsWith('/model.safetensors') || q.path === '/lfs/weights');
    expect(weights.map((q) => `${q.server} ${q.path}`)).toEqual(['hub /tiny/bert-small-random/resolve/main/model.safetensors', 'cdn /lfs/weights']);
  });

  it('sends HF_TOKEN as a bearer token to the Hub only (not to the CDN), and never prints it; a gated model opens with it', async () => {
    hub.requests.length = 0;
    const out = join(cwd, 'gated');
    const r = await download(['acme/gated-bert', '--out', 'gated'], HUB_TOKEN);
    expect(r.code, r.err).toBe(0);
    expect(contents(out)).toContain('model.safetensors');
    expect(hub.requests.filter((q) => q.server === 'hub').every((q) => q.authorization === `Bearer ${HUB_TOKEN}`)).toBe(true);
    expect(hub.requests.filter((q) => q.server === 'cdn').map((q) => q.authorization)).toEqual([undefined]);
    expect(r.out + r.err).not.toContain(HUB_TOKEN);
  });

  it('a gated model without HF_TOKEN (401) says to set it; with a token the account may not use (403) says to accept the terms; nothing is written', async () => {
    const anonymous = await download(['acme/gated-bert', '--out', 'gated-anon']);
    expect(anonymous.code).toBe(1);
    expect(anonymous.err).toMatch(/^modelyaml download: acme\/gated-bert is gated or private \(HTTP 401\): accept its terms at http:\/\/127\.0\.0\.1:\d+\/acme\/gated-bert while logged in, then set HF_TOKEN/);
    const refused = await download(['acme/gated-bert', '--out', 'gated-anon'], 'hf_someone_else');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('(HTTP 403)');
    expect(refused.err).toContain('check that the token in HF_TOKEN belongs to that account');
    expect(refused.err).not.toContain('hf_someone_else');
    expect(existsSync(join(cwd, 'gated-anon'))).toBe(false);
    expect(anonymous.err + refused.err).not.toMatch(/\n\s+at /);
  });

  it('an unknown model, an unknown revision, and a relative redirect of a renamed repository', async () => {
    const unknown = await download(['nobody/nothing']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/nobody\/nothing was not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 401\): check the id; if the model is private or gated, set HF_TOKEN/);
    const revision = await download(['tiny/bert-small-random', '--revision', 'v9', '--out', 'v9']);
    expect(revision.code).toBe(1);
    expect(revision.err).toContain("tiny/bert-small-random has no revision 'v9' (HTTP 404)");
    expect(existsSync(join(cwd, 'v9'))).toBe(false);
    const renamed = await download(['old-name/bert', '--out', 'renamed', '--files', 'config.json,vocab.txt']);
    expect(renamed.code, renamed.err).toBe(1); // no model.safetensors asked for: the bert layer's check says so
    expect(renamed.err).toContain('the files are in renamed, but the `bert` layer cannot use them: `renamed` has no model.safetensors');
    expect(contents(join(cwd, 'renamed'))).toEqual(['config.json', 'vocab.txt']);
  });

  it('a connection dropped halfway through model.safetensors: a clear error, no model.safetensors (nor any other file) left behind', async () => {
    const folder = join(cwd, 'flaky');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    const r = await download(['acme/flaky', '--out', 'flaky']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^modelyaml download: The connection dropped after \d+ of 94112 bytes of model\.safetensors \(.+\)\. Check the network connection and HF_ENDPOINT/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(visible(folder)).toEqual(['notes.txt']);
  });

  it('the CDN refusing the redirected download (an expired link) is not mistaken for a gated model', async () => {
    const r = await download(['acme/expired']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^modelyaml download: http:\/\/127\.0\.0\.1:\d+, where http:\/\/127\.0\.0\.1:\d+ sent the download of model\.safetensors, answered HTTP 403 Forbidden: try again \(its links expire\)\. Nothing was written into models\/expired\.\n$/);
  });

  it('Ctrl-C while model.safetensors is arriving: exit 130, nothing written', async () => {
    let cli: ChildProcess | undefined;
    const running = runCli(['download', 'acme/stalled'], { cwd, env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: '' }, onStdout: (_s, child) => (cli = child) });
    await hub.stalled;
    cli!.kill('SIGINT');
    const r = await running;
    expect(r.code).toBe(130);
    // Whether part of the file had arrived when Ctrl-C came decides whether a part is kept to resume from.
    expect(r.err).toMatch(/^modelyaml download: The download was cancelled\. Nothing was written into models\/stalled(\.| yet; the part that arrived is kept: run the same command again to resume\.)\n$/);
    expect(visible(join(cwd, 'models', 'stalled'))).toEqual([]);
  });

  it('a repository with pytorch_model.bin but no model.safetensors: says ModelYAML needs safetensors and how to convert', async () => {
    const r = await download(['acme/torch-only']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('acme/torch-only has pytorch_model.bin but no model.safetensors, and ModelYAML reads only safetensors');
    expect(r.err).toContain("AutoModel.from_pretrained('acme/torch-only').save_pretrained('models/torch-only', safe_serialization=True)");
    expect(r.err).toContain('Nothing was written into models/torch-only.');
    expect(existsSync(join(cwd, 'models', 'torch-only'))).toBe(false);
  });

  it('a truncated model.safetensors that arrived whole fails the bert layer\'s check, naming the problem', async () => {
    const r = await download(['acme/corrupt']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the files are in models\/corrupt, but the `bert` layer cannot use them: .*model\.safetensors.*truncated/);
  });

  it('network failure, a disk error, and bad arguments', async () => {
    const nobody = await closedPort();
    const closed = await runCli(['download', 'tiny/bert-small-random', '--out', 'deep/er/offline'], { cwd, env: { HF_ENDPOINT: nobody, HF_TOKEN: '' } });
    expect(closed.code).toBe(1);
    expect(closed.err).toContain(`modelyaml download: Cannot reach ${nobody} (ECONNREFUSED). Check the network connection and HF_ENDPOINT (${nobody}), and try again.`);
    expect(existsSync(join(cwd, 'deep')), 'the folders it made for the download are gone again').toBe(false);
    writeFileSync(join(cwd, 'a-file'), '');
    const disk = await download(['tiny/bert-small-random', '--out', 'a-file/model']);
    expect(disk.code).toBe(1);
    expect(disk.err).toMatch(/^modelyaml download: Cannot write a-file\/model: a file stands where a folder is needed\./);
    const badId = await download(['not a model']);
    expect(badId.code).toBe(2);
    expect(badId.err).toContain("'not a model' is not a Hugging Face model id: write owner/name, e.g. prajjwal1/bert-tiny.");
    const none = await download([]);
    expect(none.code).toBe(2);
    const badFile = await download(['tiny/bert-small-random', '--files', '../escape.json']);
    expect(badFile.code).toBe(2);
    expect(badFile.err).toContain("'../escape.json' is not a file path inside the repository.");
  });
});
