/**
 * The `bert` layer in the PyTorch package, exported from a spec (so the package reads the folder's
 * model.safetensors itself, with torch and the standard library): its hf_bert.BertEncoder gives
 * Hugging Face BertModel's outputs on the fixture (reference-outputs.json, computed by
 * transformers) within 1e-4 for each pooling; `trainable: false` leaves the encoder without
 * gradients and out of the optimizer. (The run-export parity with the trainer, one optimizer step
 * included, is the `bert` family of pytorch.test.ts.)
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPytorch, ExportError } from '../../src/export/pytorch';
import { ROOT, tempDir, workspace } from '../trainer/helpers';
import { hasTorch, python } from './python';
import { tinyRun } from './runs';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'hf-bert-small-random');
const L = 24;

/** A spec of the encoder alone (its outputs compared), or with a head and the data it trains on. */
const bertSpec = (layer: string, head = '') => `version: 1
name: bert-export
${head ? DATA : ''}model:
  input: [${L}]
  layers:
    - bert: ${layer}
      name: encoder
${head}train:
  loss: ${head ? 'binary_crossentropy' : 'mean_squared_error'}
  optimizer: { sgd: { learning_rate: 0.1 } }
`;

const REVIEWS = `${Array.from({ length: 8 }, (_, i) => JSON.stringify({ review: ['really good movie', 'the worst film ever', 'i love this story', 'boring and slow'][i % 4], positive: (i + 1) % 2 })).join('\n')}\n`;

const DATA = `data:
  source:
    jsonl: { path: reviews.jsonl, text: review, label: positive, label_type: binary }
  pipeline:
    - wordpiece: { from: bert-folder, max_length: ${L} }
`;

/** A workspace with the fixture folder beside the spec, exported; the package folder. */
function exported(spec: string): string {
  const dir = workspace({ 's.model.yaml': spec, 'reviews.jsonl': '{"review": "good", "positive": 1}\n' });
  cpSync(FIXTURE, join(dir, 'bert-folder'), { recursive: true });
  const out = join(dir, 'pkg');
  exportPytorch(join(dir, 's.model.yaml'), { out });
  return out;
}

// The reference's ids alone (the mask comes from pad_token_id, as the trainer's input is ids only).
const PARITY_PY = String.raw`
import json, sys
import torch
from model import Model
ref = json.load(open(sys.argv[1]))
model = Model().eval()
with torch.no_grad():
    out = model(torch.tensor(ref["input_ids"], dtype=torch.float32))
hidden = torch.tensor(ref["last_hidden_state"])
mask = torch.tensor(ref["attention_mask"], dtype=torch.float32)[:, :, None]
want = {"cls": torch.tensor(ref["pooler_output"]), "none": hidden, "mean": (hidden * mask).sum(1) / mask.sum(1)}[sys.argv[2]]
print(json.dumps({"diff": float((out - want).abs().max()), "keys": sorted(model.encoder.state_dict())[:3]}))
`;

describe.skipIf(!hasTorch)('the bert layer in the PyTorch package', () => {
  it.each(['cls', 'mean', 'none'])('pooling %s: the package, loading model.safetensors itself, gives transformers’ outputs within 1e-4', async (pooling) => {
    const out = exported(bertSpec(`{ from: bert-folder, pooling: ${pooling} }`));
    writeFileSync(join(out, 'parity.py'), PARITY_PY);
    const p = await python(['parity.py', join(FIXTURE, 'reference-outputs.json'), pooling], out);
    expect(p.code, p.stderr).toBe(0);
    const r = JSON.parse(p.stdout) as { diff: number; keys: string[] };
    console.log(`bert (${pooling}) PyTorch package vs transformers: max |Δ| ${r.diff.toExponential(2)}`);
    expect(r.diff).toBeLessThan(1e-4);
    // Hugging Face's own names under the layer's module: a checkpoint maps key for key.
    expect(r.keys).toEqual(['embeddings.LayerNorm.bias', 'embeddings.LayerNorm.weight', 'embeddings.position_embeddings.weight']);
  }, 120_000);

  it('trainable: false computes no gradient for the encoder and leaves it out of the optimizer; the head trains', async () => {
    const out = exported(bertSpec('{ from: bert-folder, pooling: cls, trainable: false }', '    - dense: { units: 1, activation: sigmoid }\n'));
    const script = String.raw`
import json, torch, train
from model import Model
model = Model().train()
encoder = dict(model.encoder.named_parameters())
before = {k: v.detach().clone() for k, v in encoder.items()}
opt = train.make_optimizer([p for p in model.parameters() if p.requires_grad])
stepped = {id(p) for g in opt.param_groups for p in g["params"]}
x = torch.tensor(json.load(open("ref.json"))["input_ids"], dtype=torch.float32)
y = torch.tensor([[1.0], [0.0]] * 4 + [[1.0]])
head = model.dense_2.weight.detach().clone()
loss = train.LOSS(y, model(x)).mean()
loss.backward(); opt.step()
print(json.dumps({
  "encoderGrads": sum(p.grad is not None for p in encoder.values()),
  "encoderInOptimizer": sum(id(p) in stepped for p in encoder.values()),
  "encoderMoved": max(float((p - before[k]).abs().max()) for k, p in encoder.items()),
  "headMoved": float((model.dense_2.weight - head).abs().max()),
}))
`;
    cpSync(join(FIXTURE, 'reference-outputs.json'), join(out, 'ref.json'));
    writeFileSync(join(out, 'frozen.py'), script);
    const p = await python(['frozen.py'], out);
    expect(p.code, p.stderr).toBe(0);
    const r = JSON.parse(p.stdout) as Record<string, number | boolean>;
    expect(r).toEqual({ encoderGrads: 0, encoderInOptimizer: 0, encoderMoved: 0, headMoved: expect.any(Number) });
    expect(r.headMoved).toBeGreaterThan(0);
  }, 120_000);

  it('refuses by name and line an encoder whose folder cannot be read', () => {
    const dir = tempDir('modelyaml-export-bert-');
    writeFileSync(join(dir, 's.model.yaml'), bertSpec('{ from: missing-folder, pooling: cls }'));
    const call = () => exportPytorch(join(dir, 's.model.yaml'), { out: join(dir, 'pkg') });
    expect(call).toThrow(ExportError);
    expect(call).toThrow(/s\.model\.yaml:6:7: layer `encoder` \(bert\), `from` has no faithful PyTorch equivalent: its folder's missing-folder\/config\.json could not be read/);
  });

  it('refuses a DistilBERT folder by name and line (hf_bert.py writes BertModel\'s modules)', () => {
    const dir = workspace({ 's.model.yaml': bertSpec('{ from: distil, pooling: mean }') });
    cpSync(join(ROOT, 'test', 'fixtures', 'hf-distilbert-small-random'), join(dir, 'distil'), { recursive: true });
    const call = () => exportPytorch(join(dir, 's.model.yaml'), { out: join(dir, 'pkg') });
    expect(call).toThrow(/s\.model\.yaml:6:7: layer `encoder` \(bert\), `from` has no faithful PyTorch equivalent: hf_bert\.py writes BERT encoders, not model_type "distilbert"/);
  });

  it('names the encoder\'s module after the spec layer, its config from config.json, its weights from the spec\'s folder', () => {
    const out = exported(bertSpec('{ from: bert-folder, pooling: cls }'));
    const model = readFileSync(join(out, 'model.py'), 'utf8');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('| `hf_bert.py` |');
    expect(model).toMatch(/self\.encoder = hf_bert\.BertEncoder\(\{"vocab_size": 179, "hidden_size": 32, .*\}, pooling="cls", checkpoint=spec_path\("bert-folder\/model\.safetensors"\)\)/);
  });

  it('a run\'s package starts from the run\'s weights without reading the folder\'s model.safetensors first', async () => {
    // The head and its data: a trained run, exported with its weights (train.py --init-from defaults to them).
    const dir = workspace({ 's.model.yaml': bertSpec('{ from: bert-folder, pooling: cls }', '    - dense: { units: 1, activation: sigmoid }\n'), 'reviews.jsonl': REVIEWS });
    cpSync(FIXTURE, join(dir, 'bert-folder'), { recursive: true });
    const run = await tinyRun(join(dir, 's.model.yaml'), 1);
    const out = join(dir, 'pkg');
    exportPytorch(run, { out });
    // Gone: were it read, hf_bert would say so on stderr (and a cluster would need the file for nothing).
    rmSync(join(dir, 'bert-folder', 'model.safetensors'));
    const p = await python(['train.py', '--epochs', '1', '--max-steps', '1', '--out', 'runs/t'], out, { ...process.env, MODELYAML_DATA_DIR: dir });
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/hf_bert|model\.safetensors/);
    // Built on its own (no checkpoint to load next), the model reads the file and says it is missing.
    const alone = await python(['-c', 'from model import Model; Model()'], out);
    expect(alone.stderr).toMatch(/hf_bert: .*model\.safetensors not found/);
  }, 240_000);
});
