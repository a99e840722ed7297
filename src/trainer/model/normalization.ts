/**
 * Batch and layer normalization without a learned offset β or scale γ (`center: false`,
 * `scale: false`). tfjs-layers 4.22 cannot train those: batch norm reads γ and β unconditionally,
 * and both hand a null γ/β to core's batchNorm, whose tape node then has an undefined input that
 * tfjs's gradient trips over. These subclasses normalise with plain ops, (x − μ)/√(σ² + ε)·γ + β,
 * which have correct gradients. They keep Keras's class names, weight names and shapes, so a
 * saved run, its exports and the parameter count are those of the stock layers; with both γ and
 * β present they are the stock layers.
 */
import * as tf from '../tf';

type Kwargs = Record<string, unknown>;
const one = (x: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(x) ? x[0] : x);

/** The fields of tfjs's normalization layers these read (private in its typings). */
interface NormFields {
  center: boolean;
  scale: boolean;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
}

type LayerClass = new (args: Kwargs) => tf.layers.Layer;
const StockLayerNorm = tf.layers.layerNormalization({}).constructor as LayerClass;
const StockBatchNorm = tf.layers.batchNormalization({}).constructor as LayerClass;

/** x̂·γ + β with γ and β reshaped to `shape`, each only when the layer has it. */
function scaleAndShift(normed: tf.Tensor, f: NormFields, shape: number[]): tf.Tensor {
  let y = normed;
  if (f.scale && f.gamma) y = tf.mul(y, tf.reshape(f.gamma.read(), shape));
  if (f.center && f.beta) y = tf.add(y, tf.reshape(f.beta.read(), shape));
  return y;
}

/** tf.layers.layerNormalization, trainable with center or scale off. */
export class OptionalWeightsLayerNorm extends StockLayerNorm {
  static className = 'LayerNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const f = this as unknown as NormFields & { axis: number[] };
    if (f.center && f.scale) return super.call(inputs, kwargs) as tf.Tensor;
    return tf.tidy(() => {
      const x = one(inputs);
      const { mean, variance } = tf.moments(x, f.axis, true);
      const shape = x.shape.map((d, i) => (f.axis.includes(i) ? d : 1));
      return scaleAndShift(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, f.epsilon))), f, shape);
    });
  }
}

/**
 * tf.layers.batchNormalization, trainable with center or scale off (inference of a trainable one is the stock path).
 * A frozen one (`trainable` false) runs in inference mode even while the model trains, as Keras 3
 * does: it normalises with its moving statistics and leaves them as they are (tfjs would update
 * them from each batch, so a frozen pretrained base would drift towards the new data).
 */
export class OptionalWeightsBatchNorm extends StockBatchNorm {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], given: Kwargs): tf.Tensor {
    const kwargs = given.training === true && !this.trainable ? { ...given, training: false } : given;
    const f = this as unknown as NormFields & { axis: number; momentum: number; movingMean: tf.LayerVariable; movingVariance: tf.LayerVariable };
    if ((f.center && f.scale) || (!kwargs.training && this.trainable)) return super.call(inputs, kwargs) as tf.Tensor;
    return tf.tidy(() => {
      const x = one(inputs);
      const axis = f.axis >= 0 ? f.axis : f.axis + x.rank;
      const shape = x.shape.map((d, i) => (i === axis ? d : 1));
      // Frozen while the model trains: the moving statistics, through ops whose gradients reach the layers before.
      if (!kwargs.training) return scaleAndShift(tf.mul(tf.sub(x, tf.reshape(f.movingMean.read(), shape)), tf.rsqrt(tf.add(tf.reshape(f.movingVariance.read(), shape), f.epsilon))), f, shape);
      const reduce = x.shape.map((_, i) => i).filter((i) => i !== axis);
      const { mean, variance } = tf.moments(x, reduce, true);
      const y = scaleAndShift(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, f.epsilon))), f, shape);
      // As tfjs: moving ← moving − (moving − batch)·(1 − momentum), on the batch's population variance.
      for (const [v, batch] of [[f.movingMean, mean], [f.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const old = v.read();
          v.write(tf.sub(old, tf.mul(tf.sub(old, tf.reshape(batch, old.shape)), 1 - f.momentum)));
        });
      }
      return y;
    });
  }
}

// Loading a saved run makes these, under the stock class names.
for (const c of [OptionalWeightsLayerNorm, OptionalWeightsBatchNorm]) tf.serialization.registerClass(c as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
