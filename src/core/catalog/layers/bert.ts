/** BERT-family encoders built from a Hugging Face model folder (config.json + model.safetensors). */
import { bertParamCount, bertWeightShapes, checkpointName, encoderNames, fixedParamCount, parseBertConfig, type BertConfig } from '../../weights/bertConfig';
import { pathError } from '../sources';
import type { DataHost, LayerEntry, ShapeOutcome } from '../types';
import { pyFloat } from '../torch';
import { fail, rankError } from './shared';

/** The folder's `config.json` path, relative to the spec like the folder. */
export const bertConfigPath = (folder: string): string => `${folder.replace(/[\\/]+$/, '')}/config.json`;

/** The folder's config as the host reads it: the config, an error at `from`, or undefined when the host cannot tell. */
export function bertFolderConfig(folder: unknown, host: DataHost | undefined, pooler = true): BertConfig | { error: ShapeOutcome } | undefined {
  if (typeof folder !== 'string' || !host) return undefined;
  const refused = pathError('from', folder, host, 'folder');
  if (refused) return { error: refused };
  const path = bertConfigPath(folder);
  if (host.exists?.(path) === false) return { error: fail('bert/no-config', `\`${folder}\` has no config.json: \`from\` names a Hugging Face model folder (config.json, model.safetensors, vocab.txt).`, undefined, 'from') };
  const read = host.readJson?.(path);
  if (!read) return undefined;
  if ('problem' in read) return { error: fail('bert/bad-config', read.problem, undefined, 'from') };
  const config = parseBertConfig(read.value);
  if ('error' in config) {
    const field = config.error.field ? ` (field \`${config.error.field}\`)` : '';
    return { error: fail('bert/unsupported-config', `${path}${field}: ${config.error.message}`, undefined, 'from') };
  }
  if (host.exists?.(`${folder.replace(/[\\/]+$/, '')}/model.safetensors`) === false) {
    return { error: fail('bert/no-weights', `\`${folder}\` has no model.safetensors: the \`bert\` layer starts from those weights (convert a pytorch_model.bin with transformers' save_pretrained(…, safe_serialization=True)).`, undefined, 'from') };
  }
  return weightsMismatch(`${folder.replace(/[\\/]+$/, '')}/model.safetensors`, config, host, pooler) ?? config;
}

/** The first weight model.safetensors lacks or holds in another shape than config.json implies (the pooler only for `pooling: cls`). */
function weightsMismatch(path: string, config: BertConfig, host: DataHost, pooler: boolean): { error: ShapeOutcome } | undefined {
  const read = host.safeTensorShapes?.(path);
  if (!read) return undefined;
  if ('problem' in read) return { error: fail('bert/bad-weights', read.problem, undefined, 'from') };
  const names = new Set(Object.keys(read.shapes));
  const { taskPrefix } = encoderNames(config);
  for (const [name, want] of bertWeightShapes(config, pooler)) {
    const key = checkpointName(name, names, taskPrefix);
    if (key === undefined) return { error: fail('bert/weights-mismatch', `${path} has no tensor \`${name}\`, which config.json implies.`, undefined, 'from') };
    const got = read.shapes[key];
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      return { error: fail('bert/weights-mismatch', `${path}: \`${key}\` has shape [${got.join(', ')}], but config.json implies [${want.join(', ')}].`, undefined, 'from') };
    }
  }
  return undefined;
}

/** The config as config.json spells it, as a Python dict literal (hf_bert.BertEncoder's argument). */
function pyConfig(c: BertConfig): string {
  const hf: Record<string, number | string> = {
    vocab_size: c.vocabSize, hidden_size: c.hiddenSize, num_hidden_layers: c.numHiddenLayers, num_attention_heads: c.numAttentionHeads,
    intermediate_size: c.intermediateSize, hidden_act: c.hiddenAct, max_position_embeddings: c.maxPositionEmbeddings, type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps, pad_token_id: c.padTokenId, hidden_dropout_prob: c.hiddenDropoutProb, attention_probs_dropout_prob: c.attentionProbsDropoutProb,
  };
  const value = (k: string, v: number | string) => (typeof v === 'string' ? JSON.stringify(v) : FLOAT_KEYS.has(k) ? pyFloat(v) : String(v));
  return `{${Object.entries(hf).map(([k, v]) => `"${k}": ${value(k, v)}`).join(', ')}}`;
}
const FLOAT_KEYS = new Set(['layer_norm_eps', 'hidden_dropout_prob', 'attention_probs_dropout_prob']);

export const bert: LayerEntry = {
  name: 'bert',
  category: 'layer',
  arity: 'one',
  summary: 'A pretrained BERT-family encoder (BERT, DistilBERT) from a Hugging Face folder: token ids (N, L) → pooled (N, hidden) or (N, L, hidden).',
  docs:
    'Builds the encoder that the folder\'s `config.json` describes and starts it from the folder\'s `model.safetensors`. ' +
    '`model_type: bert` (BERT and the variants that differ only in sizes: bert-tiny/mini/small, MiniLM…): word + position + ' +
    'token-type embeddings with LayerNorm, `num_hidden_layers` encoder layers (multi-head self-attention where padded tokens ' +
    'get no weight, a GELU feed-forward block, residual connections and LayerNorm). `model_type: distilbert`: the same ' +
    'encoder without token types or pooler (`dim`, `n_layers`, `n_heads`, `hidden_dim`, `activation` in its config). ' +
    'Then `pooling`: `cls` is BERT\'s pooler (dense + tanh on the `[CLS]` state, what `BertModel` calls `pooler_output`) ' +
    'and, for DistilBERT, which has no pooler, the `[CLS]` state itself (what `DistilBertForSequenceClassification` feeds ' +
    'its head); `mean` averages the states of the real (unpadded) tokens, `none` keeps every token\'s state. Its input ' +
    'is the ids a `wordpiece` step makes from the same folder; the padding id (`pad_token_id`, 0) marks the padded ' +
    'positions. `trainable: false` freezes the whole encoder.',
  params: [
    { name: 'from', type: { kind: 'path', folder: true }, required: true, doc: 'The Hugging Face model folder (config.json, model.safetensors), relative to the spec.' },
    { name: 'pooling', type: { kind: 'enum', values: ['cls', 'mean', 'none'] }, default: 'cls', doc: '`cls`: the pooler output on `[CLS]` (DistilBERT: the `[CLS]` state); `mean`: the mean over unpadded tokens; `none`: every token\'s hidden state.' },
    { name: 'trainable', type: { kind: 'bool' }, default: true, doc: 'Fine-tune the encoder\'s weights (false: keep them frozen).' },
  ],
  formulas: [
    { label: 'embeddings', latex: 'h^{(0)}_t = \\mathrm{LN}(E_{x_t} + P_t + T_{s_t})', unicode: 'h⁽⁰⁾ₜ = LN(E[xₜ] + P[t] + T[sₜ])' },
    {
      label: 'encoder layer',
      latex: 'a = \\mathrm{LN}(h + \\mathrm{MHA}(h, h, h; m)), \\quad h\' = \\mathrm{LN}(a + W_2\\, \\mathrm{GELU}(W_1 a + b_1) + b_2)',
      unicode: "a = LN(h + MHA(h, h, h; m)),  h′ = LN(a + W₂·GELU(W₁a + b₁) + b₂)",
    },
    { label: 'pooling', latex: 'y_{cls} = \\tanh(W_p h_{[CLS]} + b_p), \\quad y_{mean} = \\frac{\\sum_t m_t h_t}{\\sum_t m_t}', unicode: 'y_cls = tanh(W_p·h[CLS] + b_p),  y_mean = Σₜ mₜhₜ / Σₜ mₜ' },
    { label: 'DistilBERT', latex: 'h^{(0)}_t = \\mathrm{LN}(E_{x_t} + P_t), \\quad y_{cls} = h_{[CLS]}', unicode: 'h⁽⁰⁾ₜ = LN(E[xₜ] + P[t]),  y_cls = h[CLS]' },
  ],
  tfjs: 'a custom layer (ModelYamlBertEncoder) holding the checkpoint\'s weights under their Hugging Face names',
  aliases: ['BertModel', 'bert_encoder', 'transformers', 'from_pretrained', 'minilm', 'distilbert', 'DistilBertModel'],
  primary: 'from',
  shapeRule: '(N, L) token ids → (N, hidden_size) with pooling cls/mean, (N, L, hidden_size) with none; L ≤ max_position_embeddings; params from config.json',
  infer([input], p, ctx) {
    if (input.length !== 2) return rankError('bert', 'token ids (N, L)', input, 'feed it the ids of a `wordpiece` step, with `model.input: [max_length]`');
    const config = bertFolderConfig(p.from, ctx?.host, p.pooling === 'cls');
    if (config === undefined) return { shape: p.pooling === 'none' ? [null, input[1], null] : [null, null], params: 0 };
    if ('error' in config) return config.error;
    if (input[1] !== null && input[1] > config.maxPositionEmbeddings) {
      return fail('bert/too-long', `Sequences of ${input[1]} tokens are longer than this encoder's max_position_embeddings (${config.maxPositionEmbeddings}).`, `set the \`wordpiece\` step's max_length to at most ${config.maxPositionEmbeddings}`);
    }
    const params = bertParamCount(config, p.pooling === 'cls');
    const shape = p.pooling === 'none' ? [null, input[1], config.hiddenSize] : [null, config.hiddenSize];
    return { shape, params, nonTrainable: p.trainable === false ? params : fixedParamCount(config) };
  },
  // Not exported yet: the encoder is many ONNX operators and its own test against onnxruntime.
  onnx: { ops: '(not exported yet)', emit: (e) => e.refuse('the ONNX export does not write BERT encoders yet') },
  torch: {
    modules: 'hf_bert.BertEncoder (BertModel\'s modules under their Hugging Face names: embeddings, encoder.layer.N, pooler)',
    layout: 'last',
    emit(c) {
      const from = c.params.from as string;
      const pooling = c.params.pooling as string;
      const config = bertFolderConfig(from, c.host, pooling === 'cls');
      if (config === undefined) return c.refuse(`its folder's ${bertConfigPath(from)} could not be read`, 'from');
      if ('error' in config) return c.refuse('error' in config.error ? config.error.error.message : 'its folder could not be read', 'from');
      // hf_bert.py writes BertModel's modules: another family of the layer (DistilBERT's names) is refused, not mis-mapped.
      if (config.modelType !== undefined && config.modelType !== 'bert') return c.refuse(`hf_bert.py writes BERT encoders, not model_type "${config.modelType}"`, 'from');
      const folder = from.replace(/[\\/]+$/, '');
      const trainable = c.params.trainable === false ? ', trainable=False' : '';
      return {
        module: `hf_bert.BertEncoder(${pyConfig(config)}, pooling="${pooling}", checkpoint=spec_path(${JSON.stringify(`${folder}/model.safetensors`)})${trainable})`,
        forward: '{m}(x)',
        // The trainer's layer keeps the checkpoint's names and PyTorch's layouts: a copy each way.
        weights: [...bertWeightShapes(config, pooling === 'cls').keys()].map((name) => ({ tf: name, torch: name })),
        load: ['{m}.load_pretrained()'],
      };
    },
  },
  shapeCases: [{ params: { from: 'bert-tiny' }, inputs: [[null, 8, 16]], error: 'shape/rank' }],
};
