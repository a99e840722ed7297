/**
 * Layers the catalog defines that tfjs-layers 4.22 has no factory for. Each is registered with
 * tf.serialization so a checkpoint in TensorFlow.js layers format loads again (in the trainer,
 * or in any tfjs program that imports this module first).
 */
import * as tf from '../tf';

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

type GRUCellArgs = Parameters<typeof tf.layers.gruCell>[0];
type GRUCellInstance = ReturnType<typeof tf.layers.gruCell>;
/** tfjs-layers exports GRUCell's factory but not the class; its weights and config are reused. */
const GRUCellBase = Object.getPrototypeOf(tf.layers.gruCell({ units: 1 })).constructor as new (args: GRUCellArgs) => GRUCellInstance;

/**
 * Keras 3's default GRU cell (reset_after=True), which tfjs's GRUCell refuses: two bias vectors
 * (bias[0] for the input product, bias[1] for the recurrent one), and the reset gate applied
 * after the recurrent product:
 *   z = σ(x W_z + b_z + h U_z + b′_z),  r = σ(x W_r + b_r + h U_r + b′_r),
 *   h̃ = tanh(x W_h + b_h + r ⊙ (h U_h + b′_h)),  h_t = z ⊙ h + (1 − z) ⊙ h̃.
 * Gates in Keras's order (z, r, h); weights in Keras's shapes, so they transfer as they are.
 */
export class ResetAfterGRUCell extends GRUCellBase {
  static className = 'ModelYamlResetAfterGRUCell';
  /** Dropout masks of the current sequence, one per call of the layer (kept across its steps). */
  inputMask: tf.Tensor | null = null;
  stateMask: tf.Tensor | null = null;

  constructor(args: GRUCellArgs) {
    super({ ...args, resetAfter: false });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = firstShape(inputShape);
    const d = shape[shape.length - 1] as number;
    const u = this.units;
    this.kernel = this.addWeight('kernel', [d, 3 * u], undefined, this.kernelInitializer, this.kernelRegularizer, true);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], undefined, this.recurrentInitializer, this.recurrentRegularizer, true);
    if (this.useBias) this.bias = this.addWeight('bias', [2, 3 * u], undefined, this.biasInitializer, this.biasRegularizer, true);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
    return tf.tidy(() => {
      const [x0, h0] = inputs as tf.Tensor[];
      const training = kwargs.training === true;
      if (training && this.dropout > 0 && this.dropout < 1 && !this.inputMask) this.inputMask = tf.keep(tf.dropout(tf.onesLike(x0), this.dropout));
      if (training && this.recurrentDropout > 0 && this.recurrentDropout < 1 && !this.stateMask) this.stateMask = tf.keep(tf.dropout(tf.onesLike(h0), this.recurrentDropout));
      const x = training && this.inputMask ? tf.mul(x0, this.inputMask) : x0;
      const h = training && this.stateMask ? tf.mul(h0, this.stateMask) : h0;
      let matrixX = tf.matMul(x as tf.Tensor2D, this.kernel.read() as tf.Tensor2D) as tf.Tensor;
      let matrixInner = tf.matMul(h as tf.Tensor2D, this.recurrentKernel.read() as tf.Tensor2D) as tf.Tensor;
      if (this.useBias) {
        const [inputBias, recurrentBias] = tf.unstack(this.bias.read());
        matrixX = tf.add(matrixX, inputBias);
        matrixInner = tf.add(matrixInner, recurrentBias);
      }
      const [xZ, xR, xH] = tf.split(matrixX, 3, -1);
      const [hZ, hR, hH] = tf.split(matrixInner, 3, -1);
      const z = this.recurrentActivation.apply(tf.add(xZ, hZ));
      const r = this.recurrentActivation.apply(tf.add(xR, hR));
      const candidate = this.activation.apply(tf.add(xH, tf.mul(r, hH)));
      const next = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate));
      return [next, next];
    });
  }

  /** Drops the masks: the next sequence draws new ones. */
  resetMasks(): void {
    tf.dispose([this.inputMask, this.stateMask].filter((t): t is tf.Tensor => t !== null));
    this.inputMask = null;
    this.stateMask = null;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: true };
  }
}

/** A GRU layer of {@link ResetAfterGRUCell}s: Keras 3's `GRU(reset_after=True)`. */
export class ResetAfterGRU extends tf.RNN {
  static override className = 'ModelYamlResetAfterGRU';

  constructor(args: Parameters<typeof tf.layers.gru>[0]) {
    super({ ...args, cell: new ResetAfterGRUCell(args as GRUCellArgs) });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    (this.cell as ResetAfterGRUCell).resetMasks();
    return super.call(inputs, { mask: kwargs?.mask, training: kwargs?.training, initialState: kwargs?.initialState });
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}

type Regularizer = ReturnType<typeof tf.regularizers.l2>;

/** A custom convolution's arguments, and its activation applied after it (as tfjs's `activation:`). */
abstract class ConvWithActivation<A extends { name?: string; activation?: string }> extends tf.layers.Layer {
  protected readonly args: A;
  protected readonly activationLayer: tf.layers.Layer;

  constructor(args: A) {
    super({ name: args.name });
    this.args = args;
    this.activationLayer = tf.layers.activation({ activation: (args.activation ?? 'linear') as 'linear' });
  }
}

/** An initializer, or the name of a tf.initializers factory (as in a loaded config). */
const initializerFrom = (i: Initializer | string | undefined, fallback: string): Initializer =>
  typeof i === 'object' ? i : (tf.initializers as unknown as Record<string, (a: object) => Initializer>)[i ?? fallback]({});

export interface DilatedDepthwiseArgs {
  name?: string;
  kernelSize: [number, number];
  strides: [number, number];
  dilationRate: [number, number];
  padding: 'valid' | 'same';
  depthMultiplier: number;
  /** Set for separable_conv2d: the 1×1 pointwise convolution's output channels. */
  filters?: number;
  activation?: string;
  useBias: boolean;
  /** Initializers, or the names of tf.initializers factories (as in a loaded config). */
  depthwiseInitializer?: Initializer | string;
  pointwiseInitializer?: Initializer | string;
  biasInitializer?: Initializer | string;
  depthwiseRegularizer?: Regularizer;
  pointwiseRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

/**
 * A [kh, kw, c, m] kernel with d−1 zeros between its taps: [(kh−1)·dh + 1, (kw−1)·dw + 1, c, m].
 * Convolving with it at dilation 1 is the dilated convolution, and every op here has a gradient.
 */
export function dilateKernel(k: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, c, m] = k.shape;
  const spread = tf.pad(tf.reshape(k, [kh, 1, kw, 1, c, m]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
  return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, c, m]) as tf.Tensor4D, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m]);
}

/**
 * Keras's DepthwiseConv2D / SeparableConv2D with dilation_rate > 1, which tfjs cannot train (its
 * depthwise gradient refuses dilations) nor combine with strides > 1. The dilated kernel is an
 * ordinary kernel with zeros inserted, so strides and `same` padding (TensorFlow's rule for the
 * dilated kernel's size) are those of a plain convolution. Weights are Keras's: depthwise_kernel
 * [kh, kw, c, m], pointwise_kernel [1, 1, c·m, filters] for separable, bias.
 */
export class DilatedDepthwiseConv2D extends ConvWithActivation<DilatedDepthwiseArgs> {
  static className = 'ModelYamlDilatedDepthwiseConv2D';
  private depthwiseKernel!: tf.LayerVariable;
  private pointwiseKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  override build(inputShape: ShapeLike): void {
    const shape = firstShape(inputShape);
    const c = shape[3] as number;
    const a = this.args;
    const [kh, kw] = a.kernelSize;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [kh, kw, c, a.depthMultiplier], 'float32', initializerFrom(a.depthwiseInitializer, 'glorotUniform'), a.depthwiseRegularizer);
    const out = a.filters ?? c * a.depthMultiplier;
    if (a.filters !== undefined) this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, c * a.depthMultiplier, a.filters], 'float32', initializerFrom(a.pointwiseInitializer, 'glorotUniform'), a.pointwiseRegularizer);
    if (a.useBias) this.bias = this.addWeight('bias', [out], 'float32', initializerFrom(a.biasInitializer, 'zeros'), a.biasRegularizer);
    this.built = true;
  }

  override computeOutputShape(inputShape: ShapeLike): tf.Shape {
    const [n, h, w, c] = firstShape(inputShape);
    const a = this.args;
    const size = (len: number | null, i: 0 | 1): number | null => {
      if (len === null) return null;
      const eff = (a.kernelSize[i] - 1) * a.dilationRate[i] + 1;
      return a.padding === 'same' ? Math.ceil(len / a.strides[i]) : Math.floor((len - eff) / a.strides[i]) + 1;
    };
    return [n, size(h, 0), size(w, 1), a.filters ?? (c === null ? null : c * a.depthMultiplier)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const a = this.args;
      const x = one(inputs) as tf.Tensor4D;
      const kernel = dilateKernel(this.depthwiseKernel.read() as tf.Tensor4D, a.dilationRate);
      let y: tf.Tensor4D = tf.depthwiseConv2d(x, kernel, a.strides, a.padding);
      if (this.pointwiseKernel) y = tf.conv2d(y, this.pointwiseKernel.read() as tf.Tensor4D, 1, 'valid');
      if (this.bias) y = tf.add(y, this.bias.read());
      return this.activationLayer.apply(y) as tf.Tensor;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const a = this.args;
    return {
      ...super.getConfig(),
      kernelSize: a.kernelSize,
      strides: a.strides,
      dilationRate: a.dilationRate,
      padding: a.padding,
      depthMultiplier: a.depthMultiplier,
      ...(a.filters !== undefined ? { filters: a.filters } : {}),
      activation: a.activation ?? 'linear',
      useBias: a.useBias,
    };
  }
}

export interface DilatedConvArgs {
  name?: string;
  /** 1: conv1d on (N, L, C), kernel [k, C, filters]; 2: conv2d on (N, H, W, C), kernel [kh, kw, C, filters]. */
  rank: 1 | 2;
  filters: number;
  kernelSize: number[];
  strides: number[];
  dilationRate: number[];
  padding: 'valid' | 'same';
  activation?: string;
  useBias: boolean;
  kernelInitializer?: Initializer | string;
  biasInitializer?: Initializer | string;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

/**
 * Keras's Conv1D / Conv2D with dilation_rate > 1: tfjs runs them forward but has no gradient for a
 * dilated convolution, so they could not train. The kernel dilated by inserted zeros
 * ({@link dilateKernel}) convolved at dilation 1 is the same convolution, with gradients. Weights
 * are Keras's (kernel, bias); a 1-D convolution runs as a 2-D one of height 1.
 */
export class DilatedConv extends ConvWithActivation<DilatedConvArgs> {
  static className = 'ModelYamlDilatedConv';
  private kernel!: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  /** The 2-D view: height 1 for a 1-D convolution. */
  private two(v: number[]): [number, number] {
    return this.args.rank === 1 ? [1, v[0]] : [v[0], v[1]];
  }

  override build(inputShape: ShapeLike): void {
    const shape = firstShape(inputShape);
    const c = shape[shape.length - 1] as number;
    const a = this.args;
    this.kernel = this.addWeight('kernel', [...a.kernelSize.slice(0, a.rank), c, a.filters], 'float32', initializerFrom(a.kernelInitializer, 'glorotUniform'), a.kernelRegularizer);
    if (a.useBias) this.bias = this.addWeight('bias', [a.filters], 'float32', initializerFrom(a.biasInitializer, 'zeros'), a.biasRegularizer);
    this.built = true;
  }

  override computeOutputShape(inputShape: ShapeLike): tf.Shape {
    const shape = firstShape(inputShape);
    const a = this.args;
    const spatial = shape.slice(1, 1 + a.rank).map((len, i) => {
      if (len === null) return null;
      const eff = (a.kernelSize[i] - 1) * a.dilationRate[i] + 1;
      return a.padding === 'same' ? Math.ceil(len / a.strides[i]) : Math.floor((len - eff) / a.strides[i]) + 1;
    });
    return [shape[0], ...spatial, a.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const a = this.args;
      const x = one(inputs);
      const x4 = (a.rank === 1 ? tf.expandDims(x, 1) : x) as tf.Tensor4D;
      const c = x.shape[x.rank - 1] as number;
      const k4 = tf.reshape(this.kernel.read(), [...this.two(a.kernelSize), c, a.filters]) as tf.Tensor4D;
      let y: tf.Tensor = tf.conv2d(x4, dilateKernel(k4, this.two(a.dilationRate)), this.two(a.strides), a.padding);
      if (a.rank === 1) y = tf.squeeze(y, [1]);
      if (this.bias) y = tf.add(y, this.bias.read());
      return this.activationLayer.apply(y) as tf.Tensor;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const a = this.args;
    return { ...super.getConfig(), rank: a.rank, filters: a.filters, kernelSize: a.kernelSize, strides: a.strides, dilationRate: a.dilationRate, padding: a.padding, activation: a.activation ?? 'linear', useBias: a.useBias };
  }
}

const StockSeparableConv2D = tf.layers.separableConv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: Kwargs) => tf.layers.Layer;

/**
 * tf.layers.separableConv2d, saving its depthMultiplier: tfjs leaves it out of the config, so a
 * saved model with depth_multiplier > 1 rebuilt a depthwise kernel of the wrong shape on load.
 * Keras's class name, so model.json is what TensorFlow.js and the exports read.
 */
export class SeparableConv2DWithMultiplier extends StockSeparableConv2D {
  static className = 'SeparableConv2D';

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depthMultiplier: (this as unknown as { depthMultiplier: number }).depthMultiplier };
  }
}

for (const c of [PositionalEmbedding, ScaledDotProductAttention, ScaledElu, ResetAfterGRUCell, ResetAfterGRU, DilatedDepthwiseConv2D, DilatedConv, SeparableConv2DWithMultiplier]) tf.serialization.registerClass(c as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
