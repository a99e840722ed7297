// Generates bert-reviews/: a small BERT encoder in Hugging Face's folder layout (config.json,
// vocab.txt, tokenizer_config.json, model.safetensors) with random weights from a fixed seed, so
// examples/bert-sentiment.model.yaml fine-tunes offline on a clean clone. Its vocabulary covers
// every word of reviews.jsonl plus common English words, letters and `##` letter pieces (so any
// text tokenizes). The weights are drawn as a fresh `transformers` BertModel draws them
// (`_init_weights`): N(0, 0.02²) matrices and embeddings, zero biases, LayerNorm γ = 1, β = 0, the
// [PAD] embedding row zero. It is an untrained encoder; the README and docs/fine-tuning.md say how
// to point the example at a real pretrained one (e.g. bert-tiny).
// Run: node examples/data/make-bert-reviews.mjs [out-folder]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2] ?? new URL('./bert-reviews/', import.meta.url).pathname;
const HIDDEN = 32;
const LAYERS = 2;
const HEADS = 2;
const INTERMEDIATE = 64;
const POSITIONS = 64;
const TYPES = 2;
const INIT_STD = 0.02;

// --- the vocabulary ---------------------------------------------------------------------------

const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const punctuation = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const digits = [...'0123456789'];
const letters = [...'abcdefghijklmnopqrstuvwxyz'];
const common = `the of and to a in is it you that he was for on are with as i his they be at one have this from
or had by not word but what some we can out other were all there when up use your how said an each she
which do their time if will way about many then them write would like so these her long make thing see him
two has look more day could go come did no most my over know than call who may down been now find any new
work part take get place made live where after back little only round man year came show every good me
give our under name very through just great say low line before same right too mean old any tell boy
follow why ask went men read need land different home us move try kind hand picture again change off
play spell air away animal house point page letter mother answer found study still learn should world
high above never last let thought head own keep eye light left late run while close night real life few
stop open seem together next white begin hard walk example ease paper often always music those both mark
book until mile river car feet care second group carry rain eat room friend began idea fish mountain
once base hear horse cut sure watch color face wood main enough plain girl usual young ready ever red
list though feel talk bird soon body dog family direct leave song measure door product black short
class wind question happen complete ship area half rock order fire south problem piece told knew pass
since top whole king space heard best hour better true during hundred five remember step early hold
ground interest reach fast sing listen six table travel less morning ten simple several toward war lay
against pattern slow center love person money serve appear road map rule govern pull cold notice voice
fall power town fine certain fly unit lead cry dark machine note wait plan figure star box field rest
able pound done beauty drive stood contain front teach week final gave green quick develop sleep warm
free minute strong special mind behind clear tail produce fact street inch lot nothing course stay
wheel full force blue object decide surface deep moon island foot yet busy test record boat common gold
possible plane age dry wonder laugh thousand ago ran check game shape yes hot miss brought heat snow bed
bring sit perhaps fill east weight language among bad nice fun funny sad happy hate liked loved enjoyed
boring awful terrible amazing perfect worst cheap expensive slow quick movie film story plot actor
acting ending scene price quality service food staff`.split(/\s+/);

const reviewWords = readFileSync(new URL('./reviews.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .flatMap((l) => JSON.parse(l).text.toLowerCase().match(/[a-z0-9]+/g) ?? []);

const seen = new Set([...specials, ...punctuation, ...digits, ...letters]);
const words = [...new Set([...reviewWords, ...common])].filter((w) => !seen.has(w)).sort();
const vocab = [...specials, ...punctuation, ...digits, ...letters, ...words, ...letters.map((c) => `##${c}`)];

// --- the weights ------------------------------------------------------------------------------

let state = 20261206;
/** mulberry32: a small seeded generator, so the file is the same on every machine. */
function uniform() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
/** Box–Muller: one N(0, std²) draw. */
const normal = (std) => std * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());

const size = (shape) => shape.reduce((a, b) => a * b, 1);
const randomTensor = (shape) => Float32Array.from({ length: size(shape) }, () => normal(INIT_STD));
const filled = (shape, v) => new Float32Array(size(shape)).fill(v);

/** BertModel's weights by their Hugging Face names, in the order BertModel registers them (PyTorch layouts: Linear is [out, in]). */
const tensors = [];
const add = (name, shape, data) => tensors.push({ name, shape, data });
const linear = (prefix, outDim, inDim) => {
  add(`${prefix}.weight`, [outDim, inDim], randomTensor([outDim, inDim]));
  add(`${prefix}.bias`, [outDim], filled([outDim], 0));
};
const layerNorm = (prefix) => {
  add(`${prefix}.weight`, [HIDDEN], filled([HIDDEN], 1));
  add(`${prefix}.bias`, [HIDDEN], filled([HIDDEN], 0));
};

const wordEmbeddings = randomTensor([vocab.length, HIDDEN]);
wordEmbeddings.fill(0, 0, HIDDEN); // nn.Embedding(padding_idx=0) keeps the [PAD] row at zero
add('embeddings.word_embeddings.weight', [vocab.length, HIDDEN], wordEmbeddings);
add('embeddings.position_embeddings.weight', [POSITIONS, HIDDEN], randomTensor([POSITIONS, HIDDEN]));
add('embeddings.token_type_embeddings.weight', [TYPES, HIDDEN], randomTensor([TYPES, HIDDEN]));
layerNorm('embeddings.LayerNorm');
for (let i = 0; i < LAYERS; i++) {
  const p = `encoder.layer.${i}`;
  for (const m of ['query', 'key', 'value']) linear(`${p}.attention.self.${m}`, HIDDEN, HIDDEN);
  linear(`${p}.attention.output.dense`, HIDDEN, HIDDEN);
  layerNorm(`${p}.attention.output.LayerNorm`);
  linear(`${p}.intermediate.dense`, INTERMEDIATE, HIDDEN);
  linear(`${p}.output.dense`, HIDDEN, INTERMEDIATE);
  layerNorm(`${p}.output.LayerNorm`);
}
linear('pooler.dense', HIDDEN, HIDDEN);

/** The safetensors layout: an 8-byte little-endian header length, the JSON header (padded with spaces to 8 bytes), the raw F32 data. */
function safetensors(list) {
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of list) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const bytes = Buffer.alloc(8 + json.length + offset);
  bytes.writeBigUInt64LE(BigInt(json.length), 0);
  bytes.write(json, 8, 'ascii');
  let at = 8 + json.length;
  for (const t of list) {
    // Float32Array is the platform's byte order; safetensors is little-endian (as every machine this runs on).
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(bytes, at);
    at += t.data.byteLength;
  }
  return bytes;
}

const config = {
  architectures: ['BertModel'],
  model_type: 'bert',
  vocab_size: vocab.length,
  hidden_size: HIDDEN,
  num_hidden_layers: LAYERS,
  num_attention_heads: HEADS,
  intermediate_size: INTERMEDIATE,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: POSITIONS,
  type_vocab_size: TYPES,
  initializer_range: INIT_STD,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
};
const tokenizerConfig = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  strip_accents: null,
  tokenize_chinese_chars: true,
  model_max_length: POSITIONS,
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  mask_token: '[MASK]',
};

mkdirSync(out, { recursive: true });
writeFileSync(`${out}/config.json`, `${JSON.stringify(config, null, 2)}\n`);
writeFileSync(`${out}/tokenizer_config.json`, `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
writeFileSync(`${out}/vocab.txt`, `${vocab.join('\n')}\n`);
writeFileSync(`${out}/model.safetensors`, safetensors(tensors));
