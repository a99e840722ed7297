/**
 * Gradient replacements for tfjs 4.22 ops whose stock gradient is far too slow to train with.
 *
 * Tile: tfjs sums the gradient with one `slice` + `add` per tile (a JS loop over every repetition).
 * tf.layers.layerNormalization tiles γ and β to the input's shape, so each layer norm in a
 * transformer on (32, 40, 32) inputs costs 2 × 1,280 slices per step (seconds on wasm). The same
 * sum as one reshape and one reduction: dy viewed as [r₀, s₀, r₁, s₁, …], summed over the rᵢ axes.
 *
 * ResizeNearestNeighbor (upsampling2d, nearest): the CPU backend's gradient kernel is wrong when the
 * input has several channels. For an integer upscale (what upsampling2d does) each input pixel was
 * copied to an sh × sw block, so its gradient is the block's sum: dy viewed as [N, H, sh, W, sw, C],
 * summed over the sh and sw axes. Other resizes keep tfjs's gradient.
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
    const nearest = tf.getGradient('ResizeNearestNeighbor');
    tf.registerGradient({
      kernelName: 'ResizeNearestNeighbor',
      inputsToSave: ['images'],
      gradFunc: (dy, saved, attrs) => {
        const [images] = saved;
        const { alignCorners, halfPixelCenters } = attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean };
        const [n, h, w, c] = images.shape as number[];
        const [oh, ow] = (dy as tf.Tensor).shape.slice(1, 3) as number[];
        const blocks = !alignCorners && !halfPixelCenters && oh % h === 0 && ow % w === 0;
        if (!blocks && nearest) return nearest.gradFunc(dy, saved, attrs);
        return { images: () => tf.sum(tf.reshape(dy as tf.Tensor, [n, h, oh / h, w, ow / w, c]), [2, 4]) };
      },
    });
  } finally {
    console.warn = warn;
  }
}
