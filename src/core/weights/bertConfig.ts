/**
 * A Hugging Face BERT-family `config.json`, read and checked (pure), with what follows from it:
 * the weights an encoder of that config holds (names as `BertModel` / `DistilBertModel` save
 * them) and its parameter count. DistilBERT is BERT without token types or pooler, with other
 * config keys and weight names; one config type covers both so one layer builds both.
 */

export type BertActivation = 'gelu' | 'gelu_new' | 'relu';
/** The `model_type`s the `bert` layer builds. */
export type EncoderModelType = 'bert' | 'distilbert';

export interface BertConfig {
  /** Absent in checkpoints saved before DistilBERT was supported: those are BERT. */
  modelType?: EncoderModelType;
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: BertActivation;
  maxPositionEmbeddings: number;
  /** 0 for DistilBERT, which has no token-type embeddings. */
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  /** DistilBERT's `sinusoidal_pos_embds`: the position table is fixed (loaded, never trained). */
  sinusoidalPositions?: boolean;
}

/** What is wrong with a config: `field` is the config.json key at fault. */
export interface BertConfigProblem {
  field: string;
  message: string;
}

type Parsed = BertConfig | { error: BertConfigProblem };

const SUPPORTED_TYPES: readonly string[] = ['bert', 'distilbert'] satisfies EncoderModelType[];
const ACTIVATIONS: Record<string, BertActivation> = { gelu: 'gelu', gelu_new: 'gelu_new', gelu_pytorch_tanh: 'gelu_new', relu: 'relu' };

/** The positive integers `table` names ([our key, config.json key, default]), or the first problem. */
function readSizes(c: Record<string, unknown>, table: [keyof BertConfig, string, number | undefined][]): Partial<BertConfig> | { error: BertConfigProblem } {
  const out: Partial<BertConfig> = {};
  for (const [key, field, fallback] of table) {
    const v = c[field] ?? fallback;
    if (v === undefined) return { error: { field, message: `config.json has no \`${field}\`.` } };
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return { error: { field, message: `\`${field}\` must be a positive integer, not ${JSON.stringify(v)}.` } };
    (out as Record<string, number>)[key] = v;
  }
  return out;
}

/** The activation `field` names, or a problem naming the field. */
function readActivation(c: Record<string, unknown>, field: string): BertActivation | { error: BertConfigProblem } {
  const act = c[field] ?? 'gelu';
  if (typeof act !== 'string' || !(act in ACTIVATIONS)) return { error: { field, message: `${field} ${JSON.stringify(act)} is not supported: use ${Object.keys(ACTIVATIONS).join(', ')}.` } };
  return ACTIVATIONS[act];
}

/** The heads must split the hidden size evenly (`hidden`/`heads` are the config's names for the two). */
function headsProblem(sizes: Partial<BertConfig>, hidden: string, heads: string): { error: BertConfigProblem } | undefined {
  if (sizes.hiddenSize! % sizes.numAttentionHeads! === 0) return undefined;
  return { error: { field: heads, message: `${hidden} ${sizes.hiddenSize} is not a multiple of ${heads} ${sizes.numAttentionHeads}.` } };
}

const number = (c: Record<string, unknown>, field: string, fallback: number): number => (typeof c[field] === 'number' ? (c[field] as number) : fallback);

/** The config, or the first problem found in it. */
export function parseBertConfig(json: unknown): Parsed {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { error: { field: '', message: 'config.json is not a JSON object.' } };
  const c = json as Record<string, unknown>;
  if (c.model_type !== undefined && !SUPPORTED_TYPES.includes(c.model_type as string)) {
    return { error: { field: 'model_type', message: `model_type ${JSON.stringify(c.model_type)} is not supported: the \`bert\` layer builds BERT and DistilBERT encoders (model_type "bert" or "distilbert").` } };
  }
  return c.model_type === 'distilbert' ? parseDistilBert(c) : parseBert(c);
}

function parseBert(c: Record<string, unknown>): Parsed {
  if (c.position_embedding_type !== undefined && c.position_embedding_type !== 'absolute') {
    return { error: { field: 'position_embedding_type', message: `position_embedding_type ${JSON.stringify(c.position_embedding_type)} is not supported: only "absolute".` } };
  }
  if (c.is_decoder === true || c.add_cross_attention === true) {
    const field = c.is_decoder === true ? 'is_decoder' : 'add_cross_attention';
    return { error: { field, message: `${field}: true is not supported: the \`bert\` layer is an encoder.` } };
  }
  const sizes = readSizes(c, [
    ['vocabSize', 'vocab_size', undefined],
    ['hiddenSize', 'hidden_size', 768],
    ['numHiddenLayers', 'num_hidden_layers', 12],
    ['numAttentionHeads', 'num_attention_heads', 12],
    ['intermediateSize', 'intermediate_size', 3072],
    ['maxPositionEmbeddings', 'max_position_embeddings', 512],
    ['typeVocabSize', 'type_vocab_size', 2],
  ]);
  if ('error' in sizes) return sizes;
  const act = readActivation(c, 'hidden_act');
  if (typeof act === 'object') return act;
  const eps = c.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) return { error: { field: 'layer_norm_eps', message: '`layer_norm_eps` must be a positive number.' } };
  const heads = headsProblem(sizes, 'hidden_size', 'num_attention_heads');
  if (heads) return heads;
  return {
    ...(sizes as BertConfig),
    modelType: 'bert',
    hiddenAct: act,
    layerNormEps: eps,
    padTokenId: typeof c.pad_token_id === 'number' ? c.pad_token_id : 0,
    hiddenDropoutProb: number(c, 'hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: number(c, 'attention_probs_dropout_prob', 0.1),
  };
}

/**
 * DistilBertConfig's keys (defaults as transformers' configuration_distilbert.py). Its LayerNorms
 * are built with eps 1e-12 whatever the config says; `seq_classif_dropout` and `qa_dropout` belong
 * to task heads, which the spec writes itself.
 */
function parseDistilBert(c: Record<string, unknown>): Parsed {
  const sizes = readSizes(c, [
    ['vocabSize', 'vocab_size', undefined],
    ['hiddenSize', 'dim', 768],
    ['numHiddenLayers', 'n_layers', 6],
    ['numAttentionHeads', 'n_heads', 12],
    ['intermediateSize', 'hidden_dim', 3072],
    ['maxPositionEmbeddings', 'max_position_embeddings', 512],
  ]);
  if ('error' in sizes) return sizes;
  const act = readActivation(c, 'activation');
  if (typeof act === 'object') return act;
  const heads = headsProblem(sizes, 'dim', 'n_heads');
  if (heads) return heads;
  const sinusoidal = c.sinusoidal_pos_embds ?? false;
  if (typeof sinusoidal !== 'boolean') return { error: { field: 'sinusoidal_pos_embds', message: '`sinusoidal_pos_embds` must be true or false.' } };
  return {
    ...(sizes as BertConfig),
    modelType: 'distilbert',
    typeVocabSize: 0,
    hiddenAct: act,
    layerNormEps: 1e-12,
    padTokenId: typeof c.pad_token_id === 'number' ? c.pad_token_id : 0,
    hiddenDropoutProb: number(c, 'dropout', 0.1),
    attentionProbsDropoutProb: number(c, 'attention_dropout', 0.1),
    sinusoidalPositions: sinusoidal,
  };
}

/** The modules of one encoder layer, by their checkpoint names (without `.weight`/`.bias`). */
export interface EncoderLayerNames {
  query: string;
  key: string;
  value: string;
  attentionOutput: string;
  attentionNorm: string;
  intermediate: string;
  output: string;
  outputNorm: string;
}

/** Where each part of the encoder lives in the checkpoint (module names, without `.weight`/`.bias`). */
export interface EncoderNames {
  /** The prefix a task model (`…ForSequenceClassification`) puts before every name. */
  taskPrefix: string;
  words: string;
  positions: string;
  tokenTypes?: string;
  embeddingNorm: string;
  layer(i: number): EncoderLayerNames;
  /** BERT's pooler (dense + tanh on `[CLS]`); DistilBERT has none. */
  pooler?: string;
}

const BERT_NAMES: EncoderNames = {
  taskPrefix: 'bert',
  words: 'embeddings.word_embeddings',
  positions: 'embeddings.position_embeddings',
  tokenTypes: 'embeddings.token_type_embeddings',
  embeddingNorm: 'embeddings.LayerNorm',
  layer: (i) => {
    const p = `encoder.layer.${i}.`;
    return {
      query: `${p}attention.self.query`,
      key: `${p}attention.self.key`,
      value: `${p}attention.self.value`,
      attentionOutput: `${p}attention.output.dense`,
      attentionNorm: `${p}attention.output.LayerNorm`,
      intermediate: `${p}intermediate.dense`,
      output: `${p}output.dense`,
      outputNorm: `${p}output.LayerNorm`,
    };
  },
  pooler: 'pooler.dense',
};

const DISTILBERT_NAMES: EncoderNames = {
  taskPrefix: 'distilbert',
  words: 'embeddings.word_embeddings',
  positions: 'embeddings.position_embeddings',
  embeddingNorm: 'embeddings.LayerNorm',
  layer: (i) => {
    const p = `transformer.layer.${i}.`;
    return {
      query: `${p}attention.q_lin`,
      key: `${p}attention.k_lin`,
      value: `${p}attention.v_lin`,
      attentionOutput: `${p}attention.out_lin`,
      attentionNorm: `${p}sa_layer_norm`,
      intermediate: `${p}ffn.lin1`,
      output: `${p}ffn.lin2`,
      outputNorm: `${p}output_layer_norm`,
    };
  },
};

export const encoderNames = (c: BertConfig): EncoderNames => (c.modelType === 'distilbert' ? DISTILBERT_NAMES : BERT_NAMES);

/** Whether the encoder has a pooler of its own for `pooling: cls` (BERT: yes; DistilBERT: `[CLS]`'s state is the output). */
export const hasPooler = (c: BertConfig): boolean => encoderNames(c).pooler !== undefined;

/** Every weight of the encoder of this config, by its Hugging Face name (PyTorch layouts: Linear is [out, in]). */
export function bertWeightShapes(c: BertConfig, pooler: boolean): Map<string, number[]> {
  const H = c.hiddenSize;
  const I = c.intermediateSize;
  const n = encoderNames(c);
  const w = new Map<string, number[]>([
    [`${n.words}.weight`, [c.vocabSize, H]],
    [`${n.positions}.weight`, [c.maxPositionEmbeddings, H]],
  ]);
  if (n.tokenTypes) w.set(`${n.tokenTypes}.weight`, [c.typeVocabSize, H]);
  const linear = (name: string, out: number, inp: number): void => {
    w.set(`${name}.weight`, [out, inp]);
    w.set(`${name}.bias`, [out]);
  };
  const norm = (name: string): void => {
    w.set(`${name}.weight`, [H]);
    w.set(`${name}.bias`, [H]);
  };
  norm(n.embeddingNorm);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = n.layer(i);
    for (const m of [l.query, l.key, l.value, l.attentionOutput]) linear(m, H, H);
    norm(l.attentionNorm);
    linear(l.intermediate, I, H);
    linear(l.output, H, I);
    norm(l.outputNorm);
  }
  if (pooler && n.pooler) linear(n.pooler, H, H);
  return w;
}

/** The encoder's parameter count (with BERT's pooler when `pooler`), as transformers' `num_parameters()` counts it. */
export function bertParamCount(c: BertConfig, pooler: boolean): number {
  let n = 0;
  for (const shape of bertWeightShapes(c, pooler).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Weights that never train whatever `trainable` says: DistilBERT's sinusoidal position table (as transformers freezes it). */
export const fixedParamCount = (c: BertConfig): number => (c.sinusoidalPositions ? c.maxPositionEmbeddings * c.hiddenSize : 0);

/**
 * The checkpoint's name for a weight: the bare model saves `embeddings.…`, a task model
 * (`BertForSequenceClassification`, `DistilBertForSequenceClassification`, …) `bert.embeddings.…`
 * / `distilbert.embeddings.…`; old BERT checkpoints say LayerNorm `gamma`/`beta`.
 */
export function checkpointName(name: string, available: ReadonlySet<string>, taskPrefix = 'bert'): string | undefined {
  const legacy = name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
  for (const candidate of [name, `${taskPrefix}.${name}`, legacy, `${taskPrefix}.${legacy}`]) if (available.has(candidate)) return candidate;
  return undefined;
}
