/**
 * Resuming a download (src/node/hfDownload.ts) against the stand-in Hub of test/cli/fakeHub.ts:
 * a download cancelled halfway through model.safetensors keeps that half, and the next one asks
 * only for the rest (Range + If-Range on the ETag); a kept part of a file that has since changed
 * (another ETag) is thrown away and the file fetched whole.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadHfModel, HfDownloadError } from '../../src/node/hfDownload';
import { FIXTURE, startFakeHub, WEIGHTS_ETAG, type FakeHub } from '../cli/fakeHub';

let hub: FakeHub;
let tmp: string;
const weights = readFileSync(join(FIXTURE, 'model.safetensors'));
const FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt'];

beforeAll(async () => {
  hub = await startFakeHub();
  tmp = mkdtempSync(join(tmpdir(), 'modelyaml-hf-resume-'));
});

afterAll(() => hub?.close());

const stagingName = (repo: string, revision = 'main'): string => `.download-${createHash('sha256').update(`${repo}\0${revision}`).digest('hex').slice(0, 12)}`;

describe('resuming a download', () => {
  it('cancelled after half of model.safetensors: the half is kept, and the next download asks for the rest only', async () => {
    const out = join(tmp, 'stalled');
    const cancel = new AbortController();
    const half = weights.length >> 1;
    const first = await downloadHfModel({
      repo: 'acme/stalled',
      out,
      endpoint: hub.endpoint,
      token: '',
      signal: cancel.signal,
      onProgress: (p) => {
        if (p.file === 'model.safetensors' && p.received === half) cancel.abort();
      },
    }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(HfDownloadError);
    expect(first).toMatchObject({ code: 'hf/cancelled', resumable: true });
    expect(readdirSync(out)).toEqual([stagingName('acme/stalled')]);
    expect(readFileSync(join(out, stagingName('acme/stalled'), 'model.safetensors.incomplete')).equals(weights.subarray(0, half))).toBe(true);

    hub.requests.length = 0;
    const second = await downloadHfModel({ repo: 'acme/stalled', out, endpoint: hub.endpoint, token: '' });
    expect(second.files.find((f) => f.name === 'model.safetensors')?.bytes).toBe(weights.length);
    expect(readFileSync(join(out, 'model.safetensors')).equals(weights)).toBe(true);
    expect(hub.requests.filter((q) => q.server === 'cdn').map((q) => q.range)).toEqual([`bytes=${half}-`]);
    expect(readdirSync(out).sort()).toEqual(FILES);
  });

  it('a kept part of a file that has changed since (another ETag) is thrown away: the file comes whole', async () => {
    const out = join(tmp, 'changed');
    const staging = join(out, stagingName('tiny/bert-small-random'));
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'model.safetensors.incomplete'), Buffer.alloc(1000, 7));
    writeFileSync(join(staging, 'model.safetensors.incomplete.etag'), '"an-older-version"');
    expect(WEIGHTS_ETAG).not.toBe('"an-older-version"');
    hub.requests.length = 0;
    await downloadHfModel({ repo: 'tiny/bert-small-random', out, endpoint: hub.endpoint, token: '' });
    expect(hub.requests.filter((q) => q.server === 'cdn').map((q) => q.range)).toEqual(['bytes=1000-']);
    expect(readFileSync(join(out, 'model.safetensors')).equals(weights)).toBe(true);
    expect(readdirSync(out).sort()).toEqual(FILES);
  });
});
