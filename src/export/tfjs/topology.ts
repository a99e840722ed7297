/**
 * The checkpoint's topology in stock TensorFlow.js layers: the trainer's custom layers that have a
 * faithful stock equivalent are rewritten to it (with their weights), the others are refused with
 * the spec line that made them. Stock `tf.loadLayersModel` knows no `ModelYaml*` class.
 */
import { ExportError } from '../errors';
import type { StoredWeight } from '../checkpoint';
import type { SpecLayer } from './specLayers';

type Json = Record<string, unknown>;
type LayerJson = { class_name: string; config: Json; inbound_nodes?: unknown; name?: string };

/** Why a custom layer has no stock equivalent, by its class name. */
const REFUSED: Record<string, string> = {
  ModelYamlPositionalEmbedding: 'its token + learned position embedding has no stock TensorFlow.js layer',
  ModelYamlScaledDotProductAttention: 'TensorFlow.js has no attention layer (no MultiHeadAttention), so attention and transformer blocks cannot be written as stock layers',
  ModelYamlElu: 'TensorFlow.js\'s ELU layer supports only alpha: 1; use elu with alpha 1, or another activation',
  ModelYamlResetAfterGRU: 'TensorFlow.js\'s GRU supports only reset_after: false (Keras 3 defaults to true); set `reset_after: false` on the gru and train again',
  ModelYamlResetAfterGRUCell: 'TensorFlow.js\'s GRU supports only reset_after: false (Keras 3 defaults to true); set `reset_after: false` on the gru and train again',
};

/** [kh, kw, c, m] with d−1 zeros between taps: the trainer's own dilated kernel (custom.ts `dilateKernel`). */
export function dilateKernel(w: StoredWeight, [dh, dw]: number[]): StoredWeight {
  const [kh, kw, c, m] = w.shape;
  const eh = (kh - 1) * dh + 1;
  const ew = (kw - 1) * dw + 1;
  const out = new Float32Array(eh * ew * c * m);
  const inner = c * m;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) out.set(w.values.subarray((i * kw + j) * inner, (i * kw + j + 1) * inner), (i * dh * ew + j * dw) * inner);
  }
  return { ...w, shape: [eh, ew, c, m], values: out };
}

interface Rewrite {
  layer: LayerJson;
  /** Weight name (`<layer>/<weight>`) → its stock form. */
  weights?: Record<string, (w: StoredWeight) => StoredWeight>;
  /** What was done, for the export's report. */
  note: string;
}

const common = (c: Json) => ({ name: c.name, trainable: c.trainable ?? true, dtype: c.dtype ?? 'float32' });
const convCommon = (c: Json) => ({ padding: c.padding, data_format: 'channels_last', activation: c.activation ?? 'linear', use_bias: c.use_bias });

/** ModelYamlDilatedConv → Conv1D / Conv2D with dilation_rate (its strides are 1: the checker refuses strides with dilation). */
function dilatedConv(l: LayerJson): Rewrite {
  const c = l.config;
  const className = c.rank === 1 ? 'Conv1D' : 'Conv2D';
  const config = { ...common(c), filters: c.filters, kernel_size: c.kernel_size, strides: c.strides, dilation_rate: c.dilation_rate, ...convCommon(c) };
  return { layer: { ...l, class_name: className, config }, note: `${c.name}: ${className} with dilation_rate ${JSON.stringify(c.dilation_rate)}` };
}

/**
 * ModelYamlDilatedDepthwiseConv2D → DepthwiseConv2D, or SeparableConv2D when it has `filters`. With
 * strides > 1, tfjs's depthwise convolution refuses a dilation: the kernel is dilated in the file
 * instead (zeros between its taps, dilation 1), which is exactly what the trainer computes.
 */
function dilatedDepthwise(l: LayerJson): Rewrite {
  const c = l.config;
  const name = c.name as string;
  const dilation = c.dilation_rate as number[];
  const kernel = c.kernel_size as number[];
  const strided = (c.strides as number[]).some((s) => s > 1);
  const kernelSize = strided ? kernel.map((k, i) => (k - 1) * dilation[i] + 1) : kernel;
  const separable = typeof c.filters === 'number';
  const className = separable ? 'SeparableConv2D' : 'DepthwiseConv2D';
  const config = {
    ...common(c),
    kernel_size: kernelSize,
    strides: c.strides,
    dilation_rate: strided ? [1, 1] : dilation,
    depth_multiplier: c.depth_multiplier,
    ...(separable ? { filters: c.filters } : {}),
    ...convCommon(c),
  };
  const note = strided ? `${name}: ${className} with the dilated kernel written out (${kernelSize.join('×')}; strides and dilation together are not in tfjs)` : `${name}: ${className} with dilation_rate ${JSON.stringify(dilation)}`;
  return { layer: { ...l, class_name: className, config }, weights: strided ? { [`${name}/depthwise_kernel`]: (w) => dilateKernel(w, dilation) } : undefined, note };
}

const REWRITES: Record<string, (l: LayerJson) => Rewrite> = {
  ModelYamlDilatedConv: dilatedConv,
  ModelYamlDilatedDepthwiseConv2D: dilatedDepthwise,
};

/** Every `class_name` in a layer's config, nested ones (a wrapped layer, a cell) included. */
function classNames(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) classNames(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'class_name' && typeof x === 'string') out.push(x);
      else classNames(x, out);
    }
  }
  return out;
}

export interface StockModel {
  topology: Json;
  weights: StoredWeight[];
  /** One line per rewritten layer. */
  rewritten: string[];
}

/**
 * The topology in stock layers. `locate` names the spec layer of a tfjs layer for the error; the
 * first layer that cannot be exported faithfully is refused.
 */
export function toStockLayers(topology: Json, weights: StoredWeight[], locate: (tfjsName: string) => SpecLayer | undefined): StockModel {
  const config = topology.config as Json | undefined;
  const layers = config?.layers;
  if (!Array.isArray(layers)) throw new ExportError('export/bad-checkpoint', 'model.json\'s modelTopology has no layers: it is not a functional or sequential layers model.');
  const transforms: Record<string, (w: StoredWeight) => StoredWeight> = {};
  const rewritten: string[] = [];
  const stock = (layers as LayerJson[]).map((l) => {
    const rewrite = REWRITES[l.class_name];
    if (rewrite) {
      const r = rewrite(l);
      Object.assign(transforms, r.weights);
      rewritten.push(r.note);
      return r.layer;
    }
    const custom = classNames(l).find((n) => n.startsWith('ModelYaml'));
    if (custom) refuse(l, custom, locate);
    return l;
  });
  return {
    topology: { ...topology, config: { ...config, layers: stock } },
    weights: weights.map((w) => transforms[w.name]?.(w) ?? w),
    rewritten,
  };
}

function refuse(l: LayerJson, custom: string, locate: (tfjsName: string) => SpecLayer | undefined): never {
  const tfjsName = String(l.config?.name ?? l.name ?? '?');
  const spec = locate(tfjsName);
  const why = REFUSED[custom] ?? `it is the trainer's custom layer ${custom}, which stock TensorFlow.js does not know`;
  const what = spec ? `${spec.file}:${spec.line}:${spec.column}: layer \`${spec.id}\` (${spec.type})` : `layer \`${tfjsName}\``;
  throw new ExportError(
    'export/unsupported-layer',
    `${what} cannot be exported to TensorFlow.js: ${why}. Stock tf.loadLayersModel would not load it; nothing was written.`,
    spec && { file: spec.file, line: spec.line, column: spec.column },
  );
}
