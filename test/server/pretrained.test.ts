/**
 * The real server (`dist/server.js`) checks `model.weights` as you type, tensor by tensor, from each
 * kind of source: Keras 3's `.keras` and legacy `.h5` files (test/fixtures/keras-small) and a
 * TF.js run folder. A spec that fits its source is clean; a tensor shaped otherwise is an error at
 * the layer's name saying which tensor and both shapes, in the trainer's words.
 */
import * as tf from '@tensorflow/tfjs';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover } from 'vscode-languageserver-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { buildModel } from '../../src/trainer/model/build';
import { folderSaveHandler } from '../../src/trainer/checkpoint';
import { root } from './helpers';
import { startInWorkspace, type LspClient } from './lspClient';

const serverJs = join(root, 'dist', 'server.js');
const KERAS = join(root, 'test', 'fixtures', 'keras-small');

const runSpec = (input: number) => `name: from-run
model:
  input: [${input}]
  weights: { from: runs/mlp/latest }
  layers:
    - dense: { units: 8, activation: relu }
      name: hidden
    - layer_norm: {}
      name: norm
    - dense: { units: 3, activation: softmax }
      name: out
`;

describe('language server: pretrained weights, tensor by tensor', () => {
  let c: LspClient;
  let ws: string;
  let version = 0;
  beforeAll(async () => {
    if (!existsSync(serverJs)) throw new Error('run `npm run build` first');
    ws = realpathSync(mkdtempSync(join(tmpdir(), 'modelyaml-lsp-weights-')));
    for (const f of ['small_cnn.keras', 'small_rnn.h5', 'reviews.jsonl']) copyFileSync(join(KERAS, f), join(ws, f));
    // A TF.js run folder as the trainer writes it: the checkpoint of a model built from a spec.
    const built = analyze(runSpec(4));
    const model = buildModel(built.spec, built.model!, 1);
    mkdirSync(join(ws, 'runs', 'mlp', 'latest', 'checkpoints', 'best'), { recursive: true });
    await model.save(folderSaveHandler(join(ws, 'runs', 'mlp', 'latest', 'checkpoints', 'best')));
    tf.disposeVariables();
    c = await startInWorkspace(serverJs, ws);
  });
  afterAll(async () => {
    await c.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  /** Opens a spec; its weights diagnostics with the text they cover. */
  async function check(file: string, text: string) {
    const uri = pathToFileURL(join(ws, file)).href;
    version += 1;
    const diags = c.diagnostics(uri, version);
    c.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'modelyaml', version, text } });
    const lines = text.split('\n');
    const got = await diags;
    const found = got.diagnostics
      .filter((d) => String(d.code).startsWith('weights/'))
      .map((d) => ({ code: d.code, message: d.message, at: lines[d.range.start.line].slice(d.range.start.character, d.range.end.character) }));
    return { uri, found };
  }

  it('.keras: clean as Keras saved it; conv2 with a 1×9 kernel has the same parameter count but not the same kernel', async () => {
    const text = readFileSync(join(KERAS, 'small_cnn.model.yaml'), 'utf8');
    expect((await check('cnn-good.model.yaml', text)).found).toEqual([]);
    const bad = text.replace('filters: 16, kernel_size: 3', 'filters: 16, kernel_size: [1, 9]');
    const { uri, found } = await check('cnn-bad.model.yaml', bad);
    expect(found).toEqual([
      { code: 'weights/shape-mismatch', message: 'Layer `conv2`: its kernel is [1, 9, 8, 16] here but layers/conv2d_1/vars/0 is [3, 3, 8, 16] in small_cnn.keras.', at: 'conv2' },
    ]);
    // Hovering the name the error marks shows the tensors shape inference gives the layer.
    const lines = bad.split('\n');
    const at = (name: string) => ({ line: lines.indexOf(`      name: ${name}`), character: 13 });
    const hover = async (name: string) => ((await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: at(name) })) as Hover).contents as { value: string };
    expect((await hover('conv2')).value).toContain('weights: kernel [1, 9, 8, 16], bias [16]');
    expect((await hover('bn')).value).toContain('weights: gamma [16], beta [16], moving_mean [16] (non-trainable), moving_variance [16] (non-trainable)');
  });

  it('.h5: clean as Keras saved it; a GRU without reset_after has one bias row, not two', async () => {
    const text = readFileSync(join(KERAS, 'small_rnn.model.yaml'), 'utf8');
    expect((await check('rnn-good.model.yaml', text)).found).toEqual([]);
    const bad = text.replace('gru: { units: 5 }', 'gru: { units: 5, reset_after: false }');
    const { found } = await check('rnn-bad.model.yaml', bad);
    expect(found).toEqual([{ code: 'weights/shape-mismatch', message: expect.stringMatching(/^Layer `gru1`: its bias is \[15\] here but \S*gru1\S*bias\S* is \[2, 15\] in small_rnn\.h5\.$/), at: 'gru1' }]);
  });

  it('a TF.js run folder: clean for the spec it was trained from; a wider input changes the first kernel; hovering `from:` lists it', async () => {
    const good = await check('run-good.model.yaml', runSpec(4));
    expect(good.found).toEqual([]);
    expect((await check('run-bad.model.yaml', runSpec(5))).found).toEqual([
      { code: 'weights/shape-mismatch', message: 'Layer `hidden`: its kernel is [5, 8] here but hidden/kernel is [4, 8] in runs/mlp/latest.', at: 'hidden' },
    ]);
    const line = runSpec(4).split('\n').findIndex((l) => l.includes('runs/mlp'));
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri: good.uri }, position: { line, character: runSpec(4).split('\n')[line].indexOf('runs/') + 2 } })) as Hover;
    const value = (hover.contents as { value: string }).value;
    expect(value).toContain('**Pretrained weights** (tfjs): 3 layers with weights, 83 parameters');
    expect(value).toContain('| `norm` |  | [8] [8] | 16 |');
  });
});
