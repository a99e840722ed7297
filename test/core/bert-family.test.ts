/**
 * The `bert` layer's checker on the family's real configs: DistilBERT folders (its own config keys
 * and weight names), and the published sizes of bert-tiny, all-MiniLM-L6-v2, distilbert-base and
 * bert-base, each with a header-only model.safetensors (a real header, the data left sparse) so no
 * weights are needed: the parameter counts are the ones transformers' `num_parameters()` reports.
 */
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import { bertWeightShapes, parseBertConfig } from '../../src/core/weights/bertConfig';
import { fileDataHost } from '../../src/node/dataHost';

const FIXTURES = join(__dirname, '..', 'fixtures');
const spec = (from: string, pooling = 'cls', length = 24) => `name: family-check
model:
  input: [${length}]
  layers:
    - bert: { from: ${from}, pooling: ${pooling} }
    - dense: { units: 2, activation: softmax }
`;
const check = (text: string, dir: string) => analyze(text, { host: fileDataHost(dir, { workspaces: [dir] }) });
const errors = (text: string, dir: string) => check(text, dir).diagnostics.filter((d) => d.severity === 'error');

/** A model.safetensors with a real header for `shapes` and zero (sparse) data of the right length. */
function headerOnlySafetensors(path: string, shapes: Map<string, number[]>): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.concat([length, json]));
  ftruncateSync(fd, 8 + json.length + offset);
  closeSync(fd);
}

/** A folder with `config` and a header-only safetensors of the weights it implies, under `prefix` (a task model's) and with `extra` head tensors. */
function folder(root: string, name: string, config: Record<string, unknown>, prefix = '', extra: [string, number[]][] = []): string {
  const parsed = parseBertConfig(config);
  if ('error' in parsed) throw new Error(parsed.error.message);
  mkdirSync(join(root, name));
  writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
  const shapes = new Map([...[...bertWeightShapes(parsed, true)].map(([k, v]): [string, number[]] => [prefix + k, v]), ...extra]);
  headerOnlySafetensors(join(root, name, 'model.safetensors'), shapes);
  return name;
}

/** A published checkpoint's config.json (test/fixtures/hf-configs). */
const hubConfig = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, 'hf-configs', `${name}.json`), 'utf8')) as Record<string, unknown>;

describe('bert layer: configs of the family, without weights', () => {
  const root = mkdtempSync(join(tmpdir(), 'bert-family-'));
  const cases = [
    // name, config, checkpoint prefix, published BertModel/DistilBertModel parameter count (BERT with its pooler)
    { name: 'bert-tiny', config: hubConfig('bert-tiny'), prefix: '', params: 4_385_920, hidden: 128, pooler: 128 * 128 + 128 },
    { name: 'all-MiniLM-L6-v2', config: hubConfig('all-MiniLM-L6-v2'), prefix: '', params: 22_713_216, hidden: 384, pooler: 384 * 384 + 384 },
    { name: 'distilbert-base-uncased', config: hubConfig('distilbert-base-uncased'), prefix: 'distilbert.', params: 66_362_880, hidden: 768, pooler: 0, extra: [['vocab_projector.weight', [30522, 768]], ['vocab_projector.bias', [30522]]] as [string, number[]][] },
    { name: 'bert-base-uncased', config: hubConfig('bert-base-uncased'), prefix: 'bert.', params: 109_482_240, hidden: 768, pooler: 768 * 768 + 768, extra: [['cls.predictions.bias', [30522]]] as [string, number[]][] },
  ];
  for (const c of cases) folder(root, c.name, c.config, c.prefix, c.extra);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(cases)('$name: shapes and the published parameter count from config.json and the safetensors header', ({ name, params, hidden, pooler }) => {
    const cls = check(spec(name, 'cls', 128), root);
    expect(cls.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(cls.model?.layers[0].outputShape).toEqual([null, hidden]);
    expect(cls.model?.layers[0].params).toBe(params);
    const none = check(spec(name, 'none', 128), root);
    expect(none.model?.layers[0].outputShape).toEqual([null, 128, hidden]);
    // Without `cls` BERT's pooler is not built (DistilBERT has none to leave out).
    expect(none.model?.layers[0].params).toBe(params - pooler);
    expect(errors(spec(name, 'mean', 513), root).map((d) => d.code)).toEqual(['bert/too-long']);
  });
});

describe('bert layer: DistilBERT folders', () => {
  const fixture = (f: string) => readFileSync(join(FIXTURES, 'hf-distilbert-small-random', f));

  it('takes shapes and the parameter count from a DistilBERT config.json: no pooler, cls is the [CLS] state', () => {
    for (const pooling of ['cls', 'mean', 'none']) {
      const a = check(spec('hf-distilbert-small-random', pooling), FIXTURES);
      expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(a.model?.layers[0].outputShape).toEqual(pooling === 'none' ? [null, 24, 32] : [null, 32]);
      // The fixture's model.safetensors holds 21,418 weights, and every one of them is the encoder's.
      expect(a.model?.layers[0].params).toBe(21_418);
    }
  });

  it('counts a sinusoidal position table as non-trainable, as transformers freezes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distilbert-sin-'));
    mkdirSync(join(dir, 'sin'));
    writeFileSync(join(dir, 'sin', 'config.json'), JSON.stringify({ ...JSON.parse(fixture('config.json').toString()), sinusoidal_pos_embds: true }));
    writeFileSync(join(dir, 'sin', 'model.safetensors'), fixture('model.safetensors'));
    const layer = check(spec('sin'), dir).model?.layers[0];
    expect(layer?.params).toBe(21_418);
    expect(layer?.nonTrainableParams).toBe(64 * 32);
  });

  it('reports an unsupported DistilBERT field, a misshapen or missing tensor at `from`, naming the field or tensor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distilbert-check-'));
    const write = (name: string, config: Record<string, unknown>, weights = fixture('model.safetensors')) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'config.json'), JSON.stringify({ ...JSON.parse(fixture('config.json').toString()), ...config }));
      writeFileSync(join(dir, name, 'model.safetensors'), weights);
    };
    write('swish', { activation: 'swish' });
    write('heads', { n_heads: 5 });
    write('deeper', { n_layers: 3 });
    write('wider', { hidden_dim: 40 });
    write('bert-config', { model_type: 'bert', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 37 });
    for (const [name, pattern] of [
      ['swish', /config\.json \(field `activation`\): activation "swish" is not supported/],
      ['heads', /\(field `n_heads`\): dim 32 is not a multiple of n_heads 5/],
      ['deeper', /has no tensor `transformer\.layer\.2\.attention\.q_lin\.weight`, which config\.json implies/],
      ['wider', /`transformer\.layer\.0\.ffn\.lin1\.weight` has shape \[37, 32\], but config\.json implies \[40, 32\]/],
      // A DistilBERT checkpoint under a BERT config: BERT's names are not there.
      ['bert-config', /has no tensor `embeddings\.token_type_embeddings\.weight`/],
    ] as const) {
      const text = spec(name);
      const found = errors(text, dir);
      expect(found.length, name).toBe(1);
      expect(found[0].message).toMatch(pattern);
      expect(text.slice(found[0].range.start, found[0].range.end)).toBe(name);
    }
  });
});
