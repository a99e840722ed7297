/**
 * A small WGSL kernel on tfjs-backend-webgpu's program interface: one thread per output element
 * (or per row, for kernels that loop over a row), inputs as flat arrays (`A[i]`), scalars as
 * uniforms. Kernels built on it are registered with `tf.registerKernel` under their own names, so
 * they show up in `tf.profile()` and run through the engine (tidy, disposal) like tfjs's own.
 */
import * as tf from '../../tf';
import { env } from '../../../node/config';

/** The parts of tfjs-backend-webgpu's WebGPUProgram interface used here. */
export interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size: boolean;
  getUserCode(): string;
}
interface WebGpuBackendLike {
  runWebGPUProgram(p: Program, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: { type: string; data: number[] }[]): tf.TensorInfo;
}

const WORKGROUP = 64;

/**
 * Whether the trainer's own webgpu kernels (fused updates, loss, gradients, filter gradient) are
 * used: on unless MODELYAML_WEBGPU_FUSED=0 (tfjs's kernels, for comparisons and benchmarks).
 */
export function fusedKernelsOn(): boolean {
  return env.webgpuFused() !== false;
}

export interface KernelSource {
  /** Unique: the pipeline cache key. */
  key: string;
  inputs: string[];
  /** Uniform scalars, in order: f32 unless named in `ints`. */
  scalars: string[];
  ints?: string[];
  /** Threads to launch (rounded up to whole workgroups). */
  threads: number;
  outputShape: number[];
  /**
   * WGSL statements with the thread's `index` in scope. They check their own bounds (tfjs sets
   * `uniforms.size` to the output's element count) and call setOutputAtIndex(i, value). Read
   * inputs as `f32(A[i])`: tfjs casts int32 → float32 without copying, so a float32 tensor's
   * buffer can hold (and be declared as) int32.
   */
  body: string;
}

class KernelProgram implements Program {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;
  readonly uniforms?: string;

  constructor(private readonly src: KernelSource) {
    this.variableNames = src.inputs;
    this.outputShape = src.outputShape;
    this.shaderKey = `modelyaml_${src.key}`;
    this.dispatchLayout = { x: src.outputShape.map((_, i) => i) };
    const groups = Math.max(1, Math.ceil(src.threads / WORKGROUP));
    // At most 65,535 workgroups along x; tfjs's global index spans x, y and z.
    this.dispatch = groups > 65535 ? [65535, Math.ceil(groups / 65535), 1] : [groups, 1, 1];
    if (src.scalars.length) this.uniforms = src.scalars.map((s) => `${s} : ${src.ints?.includes(s) ? 'i32' : 'f32'},`).join(' ');
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        ${this.src.body}
      }`;
  }
}

/** Runs a kernel on the webgpu backend; `values` are the uniform scalars' values, in order. */
export function runKernelSource(backend: unknown, src: KernelSource, inputs: tf.TensorInfo[], values: number[]): tf.TensorInfo {
  const program = new KernelProgram(src);
  const uniforms = src.scalars.map((s, i) => ({ type: src.ints?.includes(s) ? 'int32' : 'float32', data: [values[i]] }));
  return (backend as WebGpuBackendLike).runWebGPUProgram(program, inputs, 'float32', uniforms);
}
