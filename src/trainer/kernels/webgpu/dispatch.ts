/**
 * A cheaper dispatch for the tfjs 'webgpu' backend: uniform buffers and bind groups are made once
 * and reused, instead of once per kernel launch.
 *
 * tfjs-backend-webgpu 4.22's recordAndSubmit, for every launch: builds the uniforms (NaN,
 * Infinity, every binding's shape and strides, the program's own values), takes a uniform buffer
 * from its pool and writes it (queue.writeBuffer), asks the pipeline for its bind-group layout,
 * creates a bind group, then encodes the dispatch; the uniform buffers go back to the pool at each
 * submit (a linear search per buffer). Through Dawn's node bindings each of those calls crosses
 * N-API and marshals a descriptor. A training step repeats the same launches with the same shapes,
 * often on the same pooled buffers (40-60% of bind groups were found again on an H100), so here:
 *   - uniform buffers are kept per uniform content (written once, never returned to the pool);
 *   - bind groups are kept per (pipeline, bound buffers, uniform buffer);
 *   - the bind-group layout is asked for once per pipeline.
 * Everything else is tfjs's code path, in the same order. Launches that tfjs times (tf.profile
 * with timestamp queries) or that draw to a canvas take tfjs's own path. A launch whose own
 * uniform values keep changing for the same pipeline and shapes (Adam's bias corrections change at
 * every step) is found out after VOLATILE_CHANGES changes and from then on gets tfjs's pooled
 * per-launch uniform buffer and an uncached bind group, so the caches hold only what repeats.
 * Both caches are bounded: past MAX_ENTRIES they start again empty (a buffer or bind group stays
 * alive while a pending command buffer uses it).
 *
 * MODELYAML_WEBGPU_DISPATCH_CACHE=0 keeps tfjs's recordAndSubmit (for measurements).
 */
import * as tf from '../../tf';
import { version as installedVersion } from '@tensorflow/tfjs-backend-webgpu/package.json';
import { env } from '../../../node/config';

/** The version whose recordAndSubmit this mirrors; any other keeps its own. */
const TFJS_WEBGPU_VERSION = '4.22.0';
const MAX_ENTRIES = 4096;
const VOLATILE_CHANGES = 3;

interface UniformEntry {
  type: string;
  data: number[];
}
interface Program {
  pipeline: GPUComputePipeline | Promise<GPUComputePipeline>;
  pixelsOpType?: unknown;
  size?: boolean;
  outputShape: number[];
  outputComponent?: number;
  dispatch: [number, number, number];
}
interface Backend {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: object): { resource: unknown } };
  commandQueueOwnedIds: WeakSet<object>;
  activeTimers: unknown;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  makeUniforms(entries: UniformEntry[]): GPUBufferBinding;
  recordAndSubmit(program: Program, output: tf.TensorInfo, inputs: tf.TensorInfo[], programDefinedUniform?: UniformEntry[]): void;
}

/** Byte layout of a uniform struct as tfjs's makeUniforms lays it out (WGSL alignment rules). */
function uniformBytes(entries: UniformEntry[]): ArrayBuffer {
  let offset = 0;
  let preLength = 0;
  let maxAlign = 1;
  const offsets: number[] = [];
  for (const d of entries) {
    let align = d.data.length === 1 ? 4 : d.data.length === 2 ? 8 : 16;
    if (d.data.length > 6) throw new Error(`Unsupported ${d.data.length}D shape`);
    if (preLength === 5 || preLength === 6) align = 16;
    maxAlign = Math.max(maxAlign, align);
    offset = Math.ceil(offset / align) * align;
    preLength = d.data.length;
    offsets.push(offset);
    offset += d.data.length * 4;
  }
  const bytes = new ArrayBuffer(Math.ceil(offset / maxAlign) * maxAlign);
  entries.forEach((d, i) => {
    const Typed = d.type === 'int32' ? Int32Array : d.type === 'uint32' ? Uint32Array : Float32Array;
    new Typed(bytes, offsets[i], d.data.length).set(d.data);
  });
  return bytes;
}

/** Whether `backend` is the tfjs-backend-webgpu this file mirrors, with the members it uses. */
function mirrors(backend: Partial<Backend>): backend is Backend {
  return installedVersion === TFJS_WEBGPU_VERSION && typeof backend.recordAndSubmit === 'function' &&
    typeof backend.ensureCommandEncoderReady === 'function' && typeof backend.endComputePassEncoder === 'function' &&
    typeof backend.submitQueue === 'function' && typeof backend.makeUniforms === 'function' && typeof backend.dispatchCountInPass === 'number' &&
    backend.commandQueueOwnedIds instanceof WeakSet && !!backend.tensorMap && !!backend.device && !!backend.queue;
}

export interface DispatchCacheStats {
  /** Launches through the cache. */
  launches: number;
  /** Cached bind groups and uniform buffers made (the rest of the launches found theirs). */
  bindGroupsMade: number;
  uniformBuffersMade: number;
}

/**
 * Replaces the webgpu backend's recordAndSubmit with the caching one. Returns the counters (for
 * tests and benchmarks), or null where it is switched off or the tfjs version differs.
 */
export function installDispatchCache(backend: tf.KernelBackend): DispatchCacheStats | null {
  if (env.webgpuDispatchCache() === false) return null;
  const b = backend as unknown as Partial<Backend>;
  const existing = installed.get(backend);
  if (existing) return existing;
  if (!mirrors(b)) return null;
  const stock = b.recordAndSubmit;
  const stats: DispatchCacheStats = { launches: 0, bindGroupsMade: 0, uniformBuffersMade: 0 };
  const ids = new WeakMap<object, number>();
  let nextId = 1;
  const idOf = (o: object) => {
    let id = ids.get(o);
    if (id === undefined) ids.set(o, (id = nextId++));
    return id;
  };
  const layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  /** Per pipeline and shapes: the last program-defined uniform values, and how often they changed. */
  const definedSeen = new Map<string, { last: string; changes: number }>();
  let uniforms = new Map<string, { buffer: GPUBuffer; size: number }>();
  let bindGroups = new Map<string, GPUBindGroup>();

  b.recordAndSubmit = function (program, output, inputs, programDefinedUniform) {
    const pipeline = program.pipeline;
    if (this.activeTimers != null || program.pixelsOpType != null || pipeline instanceof Promise) {
      stock.call(this, program, output, inputs, programDefinedUniform);
      return;
    }
    const bound: GPUBuffer[] = [];
    for (const t of [output, ...inputs]) {
      const resource = this.tensorMap.get(t.dataId).resource;
      if (!(resource instanceof GPUBuffer)) {
        stock.call(this, program, output, inputs, programDefinedUniform);
        return;
      }
      bound.push(resource);
    }
    stats.launches++;
    // tfjs's uniforms, in its order: NaN, Infinity, each binding's shape and strides, the size.
    const entries: UniformEntry[] = [{ type: 'float32', data: [NaN] }, { type: 'float32', data: [Infinity] }];
    for (const t of [...inputs, output]) entries.push({ type: 'int32', data: t.shape }, { type: 'int32', data: tf.util.computeStrides(t.shape) });
    if (program.size) {
      const size = tf.util.sizeFromShape(program.outputShape);
      entries.push({ type: 'int32', data: [program.outputComponent ? size / program.outputComponent : size] });
    }
    if (programDefinedUniform) entries.push(...programDefinedUniform);
    let layout = layouts.get(pipeline);
    if (!layout) layouts.set(pipeline, (layout = pipeline.getBindGroupLayout(0)));
    const bufferBindings = (uniform: GPUBufferBinding) =>
      [...bound.map((buffer) => ({ buffer })), uniform].map((resource, binding) => ({ binding, resource }));
    let shapeKey = `${idOf(pipeline)}:`;
    let definedKey = '';
    entries.forEach((d, i) => {
      if (d.data.length === 0) d.data = [1];
      const part = `${d.type[0]}${d.data.join(',')};`;
      if (i < entries.length - (programDefinedUniform?.length ?? 0)) shapeKey += part;
      else definedKey += part;
    });
    let seen = definedSeen.get(shapeKey);
    if (!seen) {
      if (definedSeen.size >= MAX_ENTRIES) definedSeen.clear();
      definedSeen.set(shapeKey, (seen = { last: definedKey, changes: 0 }));
    } else if (seen.last !== definedKey) {
      seen.last = definedKey;
      seen.changes++;
    }
    let group: GPUBindGroup | undefined;
    if (seen.changes >= VOLATILE_CHANGES) {
      // Uniforms that change from launch to launch: tfjs's pooled buffer, a bind group of its own.
      group = this.device.createBindGroup({ layout, entries: bufferBindings(this.makeUniforms(entries)) });
    } else {
      const uniformKey = `${shapeKey}|${definedKey}`;
      if (uniforms.size >= MAX_ENTRIES || bindGroups.size >= MAX_ENTRIES) {
        uniforms = new Map();
        bindGroups = new Map();
      }
      let uniform = uniforms.get(uniformKey);
      if (!uniform) {
        const bytes = uniformBytes(entries);
        const buffer = this.device.createBuffer({ size: bytes.byteLength, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM });
        this.queue.writeBuffer(buffer, 0, bytes, 0, bytes.byteLength);
        uniform = { buffer, size: bytes.byteLength };
        uniforms.set(uniformKey, uniform);
        stats.uniformBuffersMade++;
      }
      let groupKey = `${idOf(pipeline)}:${idOf(uniform.buffer)}`;
      for (const buffer of bound) groupKey += `,${idOf(buffer)}`;
      group = bindGroups.get(groupKey);
      if (!group) {
        group = this.device.createBindGroup({ layout, entries: bufferBindings({ buffer: uniform.buffer, offset: 0, size: uniform.size }) });
        bindGroups.set(groupKey, group);
        stats.bindGroupsMade++;
      }
    }
    for (const t of inputs) this.commandQueueOwnedIds.add(t.dataId);
    this.commandQueueOwnedIds.add(output.dataId);
    this.ensureCommandEncoderReady();
    this.computePassEncoder ??= this.commandEncoder!.beginComputePass({});
    this.computePassEncoder.setPipeline(pipeline);
    this.computePassEncoder.setBindGroup(0, group);
    this.computePassEncoder.dispatchWorkgroups(program.dispatch[0], program.dispatch[1], program.dispatch[2]);
    this.dispatchCountInPass++;
    if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= this.dispatchCountInPass) {
      this.endComputePassEncoder();
      this.submitQueue();
    }
  };
  installed.set(backend, stats);
  return stats;
}

const installed = new WeakMap<tf.KernelBackend, DispatchCacheStats>();

/**
 * Submits what a training step recorded, so that every step starts from the same buffer-pool
 * state: tfjs returns a step's freed buffers to its pool at each submit, and a submit falling at a
 * different point of every step hands the next step different buffers, whose bind groups are then
 * not in the cache. Off unless MODELYAML_WEBGPU_STEP_SUBMIT=1: on an H100 it found 85% of bind
 * groups again instead of 42%, but the step did not get reliably faster (probe at batch 64 / 256:
 * 5,112 / 26,054 samples/s with it, 5,915 / 34,379 without; the trainer 6,974 / 28,571 with,
 * 6,780 / 21,930 without, in the same run).
 */
export function submitStep(backend: tf.KernelBackend): void {
  if (!installed.has(backend) || env.webgpuStepSubmit() !== true) return;
  const b = backend as unknown as Backend;
  if (!b.commandEncoder) return;
  b.endComputePassEncoder();
  b.submitQueue();
}
