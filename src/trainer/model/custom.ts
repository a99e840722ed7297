/**
 * Layers the catalog defines that tfjs-layers 4.22 has no factory for. Each is registered with
 * tf.serialization so a checkpoint in TensorFlow.js layers format loads again (in the trainer,
 * or in any tfjs program that imports this module first).
 */
import * as tf from '@tensorflow/tfjs';

type Kwargs = Record<string, unknown>;
const one = (x: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(x) ? x[0] : x);
type ShapeLike = tf.Shape | tf.Shape[];
const firstShape = (s: ShapeLike): tf.Shape => (Array.isArray(s[0]) ? (s[0] as tf.Shape) : (s as tf.Shape));

export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Token embedding + learned position embedding (keras_nlp TokenAndPositionEmbedding). */
export class PositionalEmbedding extends tf.layers.Layer {
  static className = 'ModelYamlPositionalEmbedding';
  readonly vocabSize: number;
  readonly maxLength: number;
  readonly outputDim: number;
  /** Not serialized: a loaded checkpoint overwrites the weights anyway. */
  private readonly initializer?: Initializer;
  private tokens!: tf.LayerVariable;
  private positions!: tf.LayerVariable;

  constructor(args: { vocabSize: number; maxLength: number; outputDim: number; initializer?: Initializer; name?: string }) {
    super({ name: args.name });
    this.vocabSize = args.vocabSize;
    this.maxLength = args.maxLength;
    this.outputDim = args.outputDim;
    this.initializer = args.initializer;
  }

  override build(): void {
    const init = () => this.initializer ?? tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 });
    this.tokens = this.addWeight('token_embeddings', [this.vocabSize, this.outputDim], 'float32', init());
    this.positions = this.addWeight('position_embeddings', [this.maxLength, this.outputDim], 'float32', init());
    this.built = true;
  }

  override computeOutputShape(inputShape: ShapeLike): tf.Shape {
    return [...firstShape(inputShape), this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const ids = tf.cast(x, 'int32');
      const length = x.shape[1] as number;
      const emb = tf.gather(this.tokens.read(), ids);
      const pos = tf.slice(this.positions.read(), [0, 0], [length, this.outputDim]);
      return tf.add(emb, pos);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      vocabSize: this.vocabSize,
      maxLength: this.maxLength,
      outputDim: this.outputDim,
    };
  }
}

/**
 * softmax(QKᵀ/√k)V over heads, on already projected queries, keys and values
 * ([…, T, heads·k], [T, heads·k], [T, heads·v]); no weights of its own.
 */
export class ScaledDotProductAttention extends tf.layers.Layer {
  static className = 'ModelYamlScaledDotProductAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly rate: number;

  constructor(args: { numHeads: number; keyDim: number; valueDim: number; rate?: number; name?: string }) {
    super({ name: args.name });
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim;
    this.rate = args.rate ?? 0;
  }

  override computeOutputShape(inputShape: ShapeLike): tf.Shape {
    const q = firstShape(inputShape);
    return [...q.slice(0, -1), this.numHeads * this.valueDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [q, k, v] = inputs as tf.Tensor[];
      const h = this.numHeads;
      const lead = q.shape.slice(0, -2);
      const t = q.shape[q.rank - 2];
      const heads = (x: tf.Tensor, d: number) => tf.reshape(tf.transpose(tf.reshape(x, [-1, t, h, d]), [0, 2, 1, 3]), [-1, t, d]);
      const q3 = heads(q, this.keyDim);
      const k3 = heads(k, this.keyDim);
      const v3 = heads(v, this.valueDim);
      let weights = tf.softmax(tf.mul(tf.matMul(q3, k3, false, true), 1 / Math.sqrt(this.keyDim)));
      if (kwargs.training === true && this.rate > 0) weights = tf.dropout(weights, this.rate);
      const o = tf.matMul(weights, v3);
      const merged = tf.transpose(tf.reshape(o, [-1, h, t, this.valueDim]), [0, 2, 1, 3]);
      return tf.reshape(merged, [...lead, t, h * this.valueDim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim, rate: this.rate };
  }
}

/** ELU with any α (tf.layers.elu accepts only α = 1). */
export class ScaledElu extends tf.layers.Layer {
  static className = 'ModelYamlElu';
  readonly alpha: number;
  constructor(args: { alpha: number; name?: string }) {
    super({ name: args.name });
    this.alpha = args.alpha;
  }
  override computeOutputShape(s: ShapeLike): tf.Shape {
    return firstShape(s);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      return tf.where(tf.greater(x, 0), x, tf.mul(this.alpha, tf.sub(tf.exp(x), 1)));
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

for (const c of [PositionalEmbedding, ScaledDotProductAttention, ScaledElu]) tf.serialization.registerClass(c);
