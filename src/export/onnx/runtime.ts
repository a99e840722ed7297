/**
 * Runs an exported model in onnxruntime-node, when it is installed (a dev dependency: the CLI
 * works without it, and then reports sizes but no accuracy).
 */
type Ort = typeof import('onnxruntime-node');

let ort: Ort | null | undefined;

/** onnxruntime-node, or null when it is not installed. */
export function onnxRuntime(): Ort | null {
  if (ort === undefined) {
    try {
      ort = require('onnxruntime-node') as Ort;
    } catch {
      ort = null;
    }
  }
  return ort;
}

/** How to get onnxruntime-node where it is missing (one line, for messages). */
export const INSTALL_ONNXRUNTIME = 'npm install onnxruntime-node';

/**
 * onnxruntime-node, imported on first use (`modelyaml serve model.onnx`): the bundles keep it
 * external and nothing loads it until a model.onnx is served. Null when it is not installed.
 */
export async function importOnnxRuntime(): Promise<Ort | null> {
  try {
    return (await import('onnxruntime-node')) as Ort;
  } catch {
    return null;
  }
}

/** The model's output rows for `n` samples of `shape` (without batch), predicted in batches. */
export async function predictOnnx(runtime: Ort, model: Uint8Array, input: string, x: Float32Array, n: number, shape: readonly number[], batch = 256): Promise<number[][]> {
  const session = await runtime.InferenceSession.create(model);
  try {
    const size = shape.reduce((a, b) => a * b, 1);
    const rows: number[][] = [];
    for (let from = 0; from < n; from += batch) {
      const m = Math.min(batch, n - from);
      const feed = new runtime.Tensor('float32', x.subarray(from * size, (from + m) * size), [m, ...shape]);
      const out = (await session.run({ [input]: feed })).output;
      const data = out.data as Float32Array;
      const width = data.length / m;
      for (let i = 0; i < m; i++) rows.push(Array.from(data.subarray(i * width, (i + 1) * width)));
    }
    return rows;
  } finally {
    await session.release();
  }
}
