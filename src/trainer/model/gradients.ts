/**
 * Gradient replacements for tfjs 4.22 ops whose stock gradient is far too slow to train with.
 *
 * Tile: tfjs sums the gradient with one `slice` + `add` per tile (a JS loop over every repetition).
 * tf.layers.layerNormalization tiles γ and β to the input's shape, so each layer norm in a
 * transformer on (32, 40, 32) inputs costs 2 × 1,280 slices per step (seconds on wasm). The same
 * sum as one reshape and one reduction: dy viewed as [r₀, s₀, r₁, s₁, …], summed over the rᵢ axes.
 */
import * as tf from '../tf';

let registered = false;

export function registerFastGradients(): void {
  if (registered) return;
  registered = true;
  const warn = console.warn;
  console.warn = () => undefined; // tfjs warns that it overrides a gradient: intended here
  try {
    tf.registerGradient({
      kernelName: 'Tile',
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const reps = (attrs as unknown as { reps: number[] }).reps;
        return {
          x: () => {
            const d = dy as tf.Tensor;
            const split: number[] = [];
            x.shape.forEach((s, i) => split.push(reps[i], s));
            const axes = reps.map((_, i) => 2 * i);
            return tf.reshape(tf.sum(tf.reshape(d, split), axes), x.shape);
          },
        };
      },
    });
  } finally {
    console.warn = warn;
  }
}
