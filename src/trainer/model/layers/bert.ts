/**
 * A Hugging Face BERT-family encoder as one tfjs layer: embeddings (word + position [+ token type
 * for BERT], LayerNorm), N encoder layers (multi-head self-attention with padded keys masked out,
 * GELU feed-forward, residual + LayerNorm), then the pooler (BERT: dense + tanh on `[CLS]`;
 * DistilBERT: the `[CLS]` state), a mean over the unmasked tokens, or every token's state. BERT
 * and DistilBERT compute the same thing under other weight names (`encoderNames`). Weights keep
 * the checkpoint's names and PyTorch layouts ([out, in] matrices), so loading `model.safetensors`
 * is a copy.
 */
import { bertWeightShapes, checkpointName, encoderNames, type BertConfig, type EncoderLayerNames, type EncoderNames } from '../../../core/weights/bertConfig';
import type { Tensor32 } from '../../../core/weights/safetensors';
import * as tf from '../../tf';

export type BertPooling = 'cls' | 'mean' | 'none';

export interface BertEncoderArgs {
  config: BertConfig;
  pooling: BertPooling;
  name?: string;
  trainable?: boolean;
}

type ShapeLike = tf.Shape | tf.Shape[];

/** Large enough that exp(score − this) is 0 in float32, as HF's finfo.min bias. */
const MASKED = -1e9;

export class BertEncoder extends tf.layers.Layer {
  static className = 'ModelYamlBertEncoder';
  readonly config: BertConfig;
  readonly pooling: BertPooling;
  private readonly names: EncoderNames;
  private readonly vars = new Map<string, tf.LayerVariable>();

  constructor(args: BertEncoderArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.config = args.config;
    this.pooling = args.pooling;
    this.names = encoderNames(args.config);
  }

  override build(): void {
    const init = tf.initializers.truncatedNormal({ stddev: 0.02 });
    for (const [name, shape] of bertWeightShapes(this.config, this.pooling === 'cls')) {
      const initializer = /(LayerNorm|layer_norm)\.weight$/.test(name) ? tf.initializers.ones() : shape.length === 1 ? tf.initializers.zeros() : init;
      // DistilBERT's sinusoidal position table is fixed, as transformers sets requires_grad = False on it.
      const fixed = this.config.sinusoidalPositions === true && name === `${this.names.positions}.weight`;
      this.vars.set(name, this.addWeight(name, shape, 'float32', initializer, undefined, fixed ? false : undefined));
    }
    this.built = true;
  }

  /** Copies the checkpoint's tensors into the weights; throws naming the first missing or misshapen one. */
  loadCheckpoint(tensors: ReadonlyMap<string, Tensor32>): void {
    const available = new Set(tensors.keys());
    for (const [name, variable] of this.vars) {
      const key = checkpointName(name, available, this.names.taskPrefix);
      if (key === undefined) throw new Error(`model.safetensors has no tensor \`${name}\`.`);
      const t = tensors.get(key)!;
      const want = variable.shape;
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        throw new Error(`model.safetensors: \`${key}\` has shape [${t.shape.join(', ')}], but config.json gives [${want.join(', ')}].`);
      }
      variable.write(tf.tensor(t.values, t.shape, 'float32'));
    }
  }

  override computeOutputShape(inputShape: ShapeLike): tf.Shape {
    const ids = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.pooling === 'none' ? [ids[0], ids[1], this.config.hiddenSize] : [ids[0], this.config.hiddenSize];
  }

  private w(name: string): tf.Tensor {
    return this.vars.get(name)!.read();
  }

  /** PyTorch's Linear: x · Wᵀ + b. */
  private linear(x: tf.Tensor, prefix: string): tf.Tensor {
    const W = this.w(`${prefix}.weight`);
    const flat = tf.reshape(x, [-1, x.shape[x.shape.length - 1]]);
    const y = tf.add(tf.matMul(flat, W, false, true), this.w(`${prefix}.bias`));
    return tf.reshape(y, [...x.shape.slice(0, -1), W.shape[0]]);
  }

  private layerNorm(x: tf.Tensor, prefix: string): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.config.layerNormEps)));
    return tf.add(tf.mul(normed, this.w(`${prefix}.weight`)), this.w(`${prefix}.bias`));
  }

  private activation(x: tf.Tensor): tf.Tensor {
    switch (this.config.hiddenAct) {
      case 'relu':
        return tf.relu(x);
      case 'gelu_new': {
        const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
        return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
      }
      default:
        // Exact GELU, as torch's nn.functional.gelu: x · Φ(x) = x/2 · (1 + erf(x/√2)).
        return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    }
  }

  private dropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
    return training && rate > 0 ? tf.dropout(x, rate) : x;
  }

  private attention(x: tf.Tensor, bias: tf.Tensor, l: EncoderLayerNames, training: boolean): tf.Tensor {
    const [B, L, H] = x.shape as number[];
    const heads = this.config.numAttentionHeads;
    const d = H / heads;
    const split = (t: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(t, [B, L, heads, d]), [0, 2, 1, 3]);
    const q = split(this.linear(x, l.query));
    const k = split(this.linear(x, l.key));
    const v = split(this.linear(x, l.value));
    // Where each library scales: BERT divides the scores by √d, DistilBERT the query before the product.
    const raw = this.config.modelType === 'distilbert' ? tf.matMul(tf.div(q, Math.sqrt(d)), k, false, true) : tf.div(tf.matMul(q, k, false, true), Math.sqrt(d));
    const probs = this.dropout(tf.softmax(tf.add(raw, bias), -1), this.config.attentionProbsDropoutProb, training);
    const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B, L, H]);
    const out = this.dropout(this.linear(context, l.attentionOutput), this.config.hiddenDropoutProb, training);
    return this.layerNorm(tf.add(out, x), l.attentionNorm);
  }

  private encoderLayer(x: tf.Tensor, bias: tf.Tensor, i: number, training: boolean): tf.Tensor {
    const l = this.names.layer(i);
    const attended = this.attention(x, bias, l, training);
    const inner = this.activation(this.linear(attended, l.intermediate));
    const out = this.dropout(this.linear(inner, l.output), this.config.hiddenDropoutProb, training);
    return this.layerNorm(tf.add(out, attended), l.outputNorm);
  }

  /** Word + position (+ token-type, BERT only) embeddings, LayerNorm, dropout. */
  private embed(ids: tf.Tensor, types: tf.Tensor | undefined, training: boolean): tf.Tensor {
    const n = this.names;
    const L = ids.shape[1]!;
    const positions = tf.slice(this.w(`${n.positions}.weight`), [0, 0], [L, -1]);
    let x = tf.add(tf.gather(this.w(`${n.words}.weight`), ids), positions);
    if (n.tokenTypes) x = tf.add(x, tf.gather(this.w(`${n.tokenTypes}.weight`), types ? tf.cast(types, 'int32') : tf.zerosLike(ids)));
    return this.dropout(this.layerNorm(x, n.embeddingNorm), this.config.hiddenDropoutProb, training);
  }

  /** Inputs: token ids [B, L] (types 0, mask: ids ≠ pad_token_id), or [ids, token types (unused by DistilBERT), mask]. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const ids = tf.cast(list[0], 'int32');
      const [B, L] = ids.shape as number[];
      if (L > this.config.maxPositionEmbeddings) throw new Error(`Sequences of ${L} tokens are longer than the encoder's max_position_embeddings (${this.config.maxPositionEmbeddings}).`);
      const mask = list[2] ? tf.cast(list[2], 'float32') : tf.cast(tf.notEqual(ids, this.config.padTokenId), 'float32');
      const training = kwargs.training === true;
      let x = this.embed(ids, list[1], training);
      // Padded keys get a large negative score, so softmax gives them no weight.
      const bias = tf.reshape(tf.mul(tf.sub(1, mask), MASKED), [B, 1, 1, L]);
      for (let i = 0; i < this.config.numHiddenLayers; i++) x = this.encoderLayer(x, bias, i, training);
      if (this.pooling === 'none') return x;
      if (this.pooling === 'mean') {
        const m = tf.expandDims(mask, -1);
        return tf.div(tf.sum(tf.mul(x, m), 1), tf.maximum(tf.sum(m, 1), 1e-9));
      }
      const first = tf.reshape(tf.slice(x, [0, 0, 0], [B, 1, -1]), [B, -1]);
      return this.names.pooler ? tf.tanh(this.linear(first, this.names.pooler)) : first;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), config: { ...this.config }, pooling: this.pooling };
  }
}

tf.serialization.registerClass(BertEncoder as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
