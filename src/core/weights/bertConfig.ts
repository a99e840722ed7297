/**
 * A Hugging Face BERT-family `config.json`, read and checked (pure), with what follows from it:
 * the weights an encoder of that config holds (names as `BertModel` saves them) and its
 * parameter count.
 */

export type BertActivation = 'gelu' | 'gelu_new' | 'relu';

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: BertActivation;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
}

/** What is wrong with a config: `field` is the config.json key at fault. */
export interface BertConfigProblem {
  field: string;
  message: string;
}

const SUPPORTED_TYPES = ['bert'];
const ACTIVATIONS: Record<string, BertActivation> = { gelu: 'gelu', gelu_new: 'gelu_new', gelu_pytorch_tanh: 'gelu_new', relu: 'relu' };

/** The config, or the first problem found in it. */
export function parseBertConfig(json: unknown): BertConfig | { error: BertConfigProblem } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { error: { field: '', message: 'config.json is not a JSON object.' } };
  const c = json as Record<string, unknown>;
  if (c.model_type !== undefined && !SUPPORTED_TYPES.includes(c.model_type as string)) {
    return { error: { field: 'model_type', message: `model_type ${JSON.stringify(c.model_type)} is not supported: the \`bert\` layer builds BERT encoders (model_type "bert").` } };
  }
  if (c.position_embedding_type !== undefined && c.position_embedding_type !== 'absolute') {
    return { error: { field: 'position_embedding_type', message: `position_embedding_type ${JSON.stringify(c.position_embedding_type)} is not supported: only "absolute".` } };
  }
  if (c.is_decoder === true || c.add_cross_attention === true) {
    const field = c.is_decoder === true ? 'is_decoder' : 'add_cross_attention';
    return { error: { field, message: `${field}: true is not supported: the \`bert\` layer is an encoder.` } };
  }
  const ints: [keyof BertConfig, string, number | undefined][] = [
    ['vocabSize', 'vocab_size', undefined],
    ['hiddenSize', 'hidden_size', 768],
    ['numHiddenLayers', 'num_hidden_layers', 12],
    ['numAttentionHeads', 'num_attention_heads', 12],
    ['intermediateSize', 'intermediate_size', 3072],
    ['maxPositionEmbeddings', 'max_position_embeddings', 512],
    ['typeVocabSize', 'type_vocab_size', 2],
  ];
  const out: Partial<BertConfig> = {};
  for (const [key, field, fallback] of ints) {
    const v = c[field] ?? fallback;
    if (v === undefined) return { error: { field, message: `config.json has no \`${field}\`.` } };
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return { error: { field, message: `\`${field}\` must be a positive integer, not ${JSON.stringify(v)}.` } };
    (out as Record<string, number>)[key] = v;
  }
  const act = c.hidden_act ?? 'gelu';
  if (typeof act !== 'string' || !(act in ACTIVATIONS)) {
    return { error: { field: 'hidden_act', message: `hidden_act ${JSON.stringify(act)} is not supported: use ${Object.keys(ACTIVATIONS).join(', ')}.` } };
  }
  const eps = c.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) return { error: { field: 'layer_norm_eps', message: '`layer_norm_eps` must be a positive number.' } };
  if (out.hiddenSize! % out.numAttentionHeads! !== 0) {
    return { error: { field: 'num_attention_heads', message: `hidden_size ${out.hiddenSize} is not a multiple of num_attention_heads ${out.numAttentionHeads}.` } };
  }
  const prob = (field: string, fallback: number): number => (typeof c[field] === 'number' ? (c[field] as number) : fallback);
  return {
    ...(out as BertConfig),
    hiddenAct: ACTIVATIONS[act],
    layerNormEps: eps,
    padTokenId: typeof c.pad_token_id === 'number' ? c.pad_token_id : 0,
    hiddenDropoutProb: prob('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: prob('attention_probs_dropout_prob', 0.1),
  };
}

/** Every weight of a `BertModel` of this config, by its Hugging Face name (PyTorch layouts: Linear is [out, in]). */
export function bertWeightShapes(c: BertConfig, pooler: boolean): Map<string, number[]> {
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const w = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [c.vocabSize, H]],
    ['embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, H]],
    ['embeddings.token_type_embeddings.weight', [c.typeVocabSize, H]],
    ['embeddings.LayerNorm.weight', [H]],
    ['embeddings.LayerNorm.bias', [H]],
  ]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const m of ['query', 'key', 'value']) {
      w.set(`${p}attention.self.${m}.weight`, [H, H]);
      w.set(`${p}attention.self.${m}.bias`, [H]);
    }
    w.set(`${p}attention.output.dense.weight`, [H, H]);
    w.set(`${p}attention.output.dense.bias`, [H]);
    w.set(`${p}attention.output.LayerNorm.weight`, [H]);
    w.set(`${p}attention.output.LayerNorm.bias`, [H]);
    w.set(`${p}intermediate.dense.weight`, [I, H]);
    w.set(`${p}intermediate.dense.bias`, [I]);
    w.set(`${p}output.dense.weight`, [H, I]);
    w.set(`${p}output.dense.bias`, [H]);
    w.set(`${p}output.LayerNorm.weight`, [H]);
    w.set(`${p}output.LayerNorm.bias`, [H]);
  }
  if (pooler) {
    w.set('pooler.dense.weight', [H, H]);
    w.set('pooler.dense.bias', [H]);
  }
  return w;
}

/** The encoder's parameter count (with the pooler when `pooler`). */
export function bertParamCount(c: BertConfig, pooler: boolean): number {
  let n = 0;
  for (const shape of bertWeightShapes(c, pooler).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * The checkpoint's name for a weight: `BertModel` saves `embeddings.…`, a task model
 * (`BertForSequenceClassification`, …) `bert.embeddings.…`; old checkpoints say LayerNorm
 * `gamma`/`beta`.
 */
export function checkpointName(name: string, available: ReadonlySet<string>): string | undefined {
  const legacy = name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
  for (const candidate of [name, `bert.${name}`, legacy, `bert.${legacy}`]) if (available.has(candidate)) return candidate;
  return undefined;
}
