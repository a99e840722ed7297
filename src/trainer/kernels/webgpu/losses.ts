/**
 * Fused cross-entropy and categorical accuracy for the tfjs 'webgpu' backend.
 *
 * The trainer's categorical cross-entropy on probabilities is seven kernels forward (sum,
 * divide, clip, log, multiply, sum, negate) and about fifteen backward; from logits, log-softmax's
 * chain instead. Accuracy is argMax twice, equal and cast. Every dispatch costs the host a fixed
 * ~100 µs through Dawn's node bindings, far more than these kernels' GPU time, so each becomes one
 * kernel with one thread per row (a row is one sample's class scores): the loss, its gradient with
 * respect to the predictions, and the per-sample hit. The arithmetic is the unfused one's, term
 * by term (objectives.ts crossEntropy), so values match it to float rounding (tests compare).
 *
 * `fusedCrossEntropy(y, p, fromLogits)` returns the per-row loss, shaped as `p` without its last
 * axis, with a gradient for `p` (none for the labels: zeros).
 */
import * as tf from '../../tf';
import { fusedKernelsOn, runKernelSource } from './program';

const EPS = 1e-7;

/** Row-wise kernels: each thread owns one row of K class scores. */
function rowKernel(name: string, inputs: string[], outPerRow: boolean, body: (k: string) => string): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: 'webgpu',
    kernelFunc: ({ inputs: ins, backend, attrs }) => {
      const infos = inputs.map((n) => ins[n]!);
      const shape = infos[inputs.indexOf('P')].shape;
      const k = shape[shape.length - 1];
      const rows = shape.reduce((a, b) => a * b, 1) / k;
      const fromLogits = (attrs as { fromLogits?: boolean }).fromLogits === true;
      return runKernelSource(backend, {
        key: `${name}_${fromLogits ? 'logits' : 'probs'}`,
        inputs, scalars: ['rows', 'k', 'eps', 'oneMinusEps'], ints: ['rows', 'k'], threads: rows,
        outputShape: outPerRow ? [...shape] : shape.slice(0, -1),
        body: `if (index < uniforms.rows) {
          let k = uniforms.k;
          let base = index * k;
          ${body(fromLogits ? 'logits' : 'probs')}
        }`,
      }, infos, [rows, k, EPS, 1 - EPS]);
    },
  };
}

// −Σ y·log(clip(p/Σp, ε, 1−ε)), or from logits −Σ y·(z − max − log Σ e^(z−max)).
const crossEntropyKernel = rowKernel('FusedCrossEntropy', ['Y', 'P'], false, (mode) => mode === 'probs' ? `
          var s = 0.0;
          for (var j = 0; j < k; j++) { s = s + f32(P[base + j]); }
          var acc = 0.0;
          for (var j = 0; j < k; j++) {
            let q = clamp(f32(P[base + j]) / s, uniforms.eps, uniforms.oneMinusEps);
            acc = acc + f32(Y[base + j]) * log(q);
          }
          setOutputAtIndex(index, -acc);` : `
          var m = f32(P[base]);
          for (var j = 1; j < k; j++) { m = max(m, f32(P[base + j])); }
          var e = 0.0;
          for (var j = 0; j < k; j++) { e = e + exp(f32(P[base + j]) - m); }
          let lse = log(e);
          var acc = 0.0;
          for (var j = 0; j < k; j++) { acc = acc + f32(Y[base + j]) * (f32(P[base + j]) - m - lse); }
          setOutputAtIndex(index, -acc);`);

// d/dp: with q = p/s and g = −y/q where ε ≤ q ≤ 1−ε (clip passes the gradient there), else 0:
// (g_j − Σ g·q) / s. From logits: softmax_j·Σy − y_j. Both times the row's upstream gradient.
const crossEntropyGradKernel = rowKernel('FusedCrossEntropyGrad', ['Y', 'P', 'DY'], true, (mode) => mode === 'probs' ? `
          var s = 0.0;
          for (var j = 0; j < k; j++) { s = s + f32(P[base + j]); }
          var gq = 0.0;
          for (var j = 0; j < k; j++) {
            let q = f32(P[base + j]) / s;
            if (q >= uniforms.eps && q <= uniforms.oneMinusEps) { gq = gq + (-f32(Y[base + j]) / q) * q; }
          }
          let dy = f32(DY[index]);
          for (var j = 0; j < k; j++) {
            let q = f32(P[base + j]) / s;
            var g = 0.0;
            if (q >= uniforms.eps && q <= uniforms.oneMinusEps) { g = -f32(Y[base + j]) / q; }
            setOutputAtIndex(base + j, dy * (g - gq) / s);
          }` : `
          var m = f32(P[base]);
          for (var j = 1; j < k; j++) { m = max(m, f32(P[base + j])); }
          var e = 0.0;
          var ys = 0.0;
          for (var j = 0; j < k; j++) { e = e + exp(f32(P[base + j]) - m); ys = ys + f32(Y[base + j]); }
          let dy = f32(DY[index]);
          for (var j = 0; j < k; j++) {
            setOutputAtIndex(base + j, dy * (exp(f32(P[base + j]) - m) / e * ys - f32(Y[base + j])));
          }`);

// 1 where the first index of the row's maximum is the same in labels and predictions (argMax's rule).
const accuracyKernel = rowKernel('FusedCategoricalAccuracy', ['Y', 'P'], false, () => `
          var ay = 0;
          var ap = 0;
          for (var j = 1; j < k; j++) {
            if (f32(Y[base + j]) > f32(Y[base + ay])) { ay = j; }
            if (f32(P[base + j]) > f32(P[base + ap])) { ap = j; }
          }
          setOutputAtIndex(index, select(0.0, 1.0, ay == ap));`);

const KERNELS = [crossEntropyKernel, crossEntropyGradKernel, accuracyKernel];

/** Registers the fused loss and metric kernels with the webgpu backend. Idempotent. */
export function registerFusedLossKernels(): void {
  for (const k of KERNELS) if (!tf.getKernel(k.kernelName, 'webgpu')) tf.registerKernel(k);
}

/** Whether the active backend has the fused kernels (webgpu, after registerFusedLossKernels). */
export function fusedLossesAvailable(): boolean {
  return tf.getBackend() === 'webgpu' && !!tf.getKernel('FusedCrossEntropy', 'webgpu') && fusedKernelsOn();
}

/** Per-row categorical cross-entropy, one kernel forward and one backward. */
export function fusedCrossEntropy(y: tf.Tensor, p: tf.Tensor, fromLogits: boolean): tf.Tensor {
  const attrs = { fromLogits } as unknown as tf.NamedAttrMap;
  const f = tf.customGrad((yy, pp, save) => {
    const yt = yy as tf.Tensor;
    const pt = pp as tf.Tensor;
    (save as tf.GradSaveFunc)([yt, pt]);
    const value = tf.engine().runKernel('FusedCrossEntropy', { Y: yt, P: pt }, attrs) as tf.Tensor;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ys, ps] = saved;
        // Labels get no gradient (they are data); the engine wants a tensor of their shape.
        return [tf.zerosLike(ys), tf.engine().runKernel('FusedCrossEntropyGrad', { Y: ys, P: ps, DY: dy }, attrs) as tf.Tensor];
      },
    };
  });
  return f(y, p);
}

/** Per-row 1/0: does the predicted class (first maximum) equal the labelled one? */
export function fusedCategoricalAccuracy(y: tf.Tensor, p: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel('FusedCategoricalAccuracy', { Y: y, P: p }, {}) as tf.Tensor;
}
