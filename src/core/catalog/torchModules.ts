/**
 * The PyTorch mappings the catalog's layer entries carry in their `torch` field (vocabulary in
 * torch.ts): the convolution, pooling, normalization, core and merge families. A parameter value
 * a mapping refuses has no faithful PyTorch equivalent: the exporter names it and its spec line
 * instead of writing a model that computes something else.
 */
import { toTuple, type Shape } from '../shape';
import { pyFloat, type TorchContext, type TorchLayer, type TorchLayerMapping, type TorchWeight } from './torch';

const ints = (v: unknown, n: number, d: number) => toTuple(v, n, d);
const tuple = (xs: readonly number[]) => (xs.length === 1 ? `${xs[0]}` : `(${xs.join(', ')})`);
const channels = (s: Shape) => s[s.length - 1] as number;

/** Kernel and bias initialisation and penalties shared by dense and convolutions: `target` the module (`{m}`, `{m}[1]`), `key` its state_dict prefix. */
function kernelBias(c: TorchContext, kernel: string, target: string, key: string, useBias: boolean, kerasShape?: number[]): Pick<TorchLayer, 'init' | 'regularize'> {
  const init = [c.initializer(c.params[`${kernel}_initializer`], `${target}.weight`, kerasShape)];
  const regularize = [{ torch: `${key}weight`, value: c.params[`${kernel}_regularizer`] }];
  if (useBias) {
    init.push(c.initializer(c.params.bias_initializer, `${target}.bias`));
    regularize.push({ torch: `${key}bias`, value: c.params.bias_regularizer });
  }
  return { init, regularize: regularize.filter((r) => r.value !== undefined && r.value !== null) };
}

export const torchDense: TorchLayerMapping = {
  modules: 'nn.Linear',
  layout: 'last',
  emit(c) {
    const useBias = c.params.use_bias !== false;
    const d = channels(c.inputShapes[0]);
    const weights: TorchWeight[] = [{ tf: 'kernel', torch: 'weight', perm: [1, 0] }];
    if (useBias) weights.push({ tf: 'bias', torch: 'bias' });
    return {
      module: `nn.Linear(${d}, ${c.params.units as number}${useBias ? '' : ', bias=False'})`,
      forward: c.activation(c.params.activation, '{m}(x)', -1),
      weights,
      ...kernelBias(c, 'kernel', '{m}', '', useBias),
    };
  },
};

/**
 * Explicit TensorFlow `same` padding (extra at the end) where PyTorch's `padding="same"` does
 * not apply (strides > 1): [left, right] per spatial axis, from the known input sizes.
 */
function samePads(c: TorchContext, sizes: readonly (number | null)[], kernel: number[], strides: number[], dilation: number[]): number[][] {
  return kernel.map((k, i) => {
    const n = sizes[i];
    if (n === null) return c.refuse('`padding: same` with strides > 1 needs known input sizes to pad as TensorFlow does', 'padding');
    const eff = (k - 1) * dilation[i] + 1;
    const total = Math.max(0, (Math.ceil(n / strides[i]) - 1) * strides[i] + eff - n);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
}

/** The pads a convolution needs: `padding="same"` where PyTorch's applies (stride 1), else explicit pads for a ConstantPad in front. */
function convPadding(c: TorchContext, rank: number, kernel: number[], strides: number[], dilation: number[]): { arg: string; pad?: string } {
  if (c.params.padding !== 'same') return { arg: '' };
  if (strides.every((s) => s === 1)) return { arg: ', padding="same"' };
  const pads = samePads(c, c.inputShapes[0].slice(1, 1 + rank), kernel, strides, dilation);
  // ConstantPad takes (left, right, top, bottom): the last axis first.
  return { arg: '', pad: `nn.ConstantPad${rank}d(${tuple(pads.slice().reverse().flat())}, 0.0)` };
}

/**
 * conv1d / conv2d / depthwise_conv2d / separable_conv2d: the module, with a ConstantPad in front
 * where `same` needs explicit pads. Depthwise kernels [kh, kw, C, m] become a grouped convolution
 * whose output channel c·m + q is Keras's; separable adds the 1×1 pointwise convolution after it.
 */
export function torchConv(rank: 1 | 2, kind: 'conv' | 'depthwise' | 'separable'): TorchLayerMapping {
  const Conv = `nn.Conv${rank}d`;
  return {
    modules: kind === 'conv' ? Conv : kind === 'depthwise' ? 'nn.Conv2d(groups=C)' : 'nn.Conv2d(groups=C) → nn.Conv2d(1×1)',
    layout: 'first',
    emit(c) {
      const p = c.params;
      const cin = channels(c.inputShapes[0]);
      const kernel = ints(p.kernel_size, rank, 1);
      const strides = ints(p.strides, rank, 1);
      const dilation = ints(p.dilation_rate, rank, 1);
      const mult = kind === 'conv' ? 1 : ((p.depth_multiplier as number | undefined) ?? 1);
      const mid = kind === 'conv' ? (p.filters as number) : cin * mult;
      const useBias = p.use_bias !== false;
      const { arg, pad } = convPadding(c, rank, kernel, strides, dilation);
      const args = [`${cin}, ${mid}, kernel_size=${tuple(kernel)}`];
      if (strides.some((s) => s !== 1)) args.push(`stride=${tuple(strides)}`);
      if (dilation.some((d) => d !== 1)) args.push(`dilation=${tuple(dilation)}`);
      if (kind !== 'conv') args.push(`groups=${cin}`);
      if (!useBias || kind === 'separable') args.push('bias=False');
      const parts = [...(pad ? [pad] : []), `${Conv}(${args.join(', ')}${arg})`];
      const at = pad ? 1 : 0;
      if (kind === 'separable') parts.push(`${Conv}(${mid}, ${p.filters as number}, kernel_size=1${useBias ? '' : ', bias=False'})`);
      const convKey = parts.length > 1 ? `${at}.` : '';
      const weights: TorchWeight[] = [
        kind === 'conv'
          ? { tf: 'kernel', torch: `${convKey}weight`, perm: rank === 1 ? [2, 1, 0] : [3, 2, 0, 1] }
          : { tf: 'depthwise_kernel', torch: `${convKey}weight`, perm: [2, 3, 0, 1], shape: [mid, 1, ...kernel] },
      ];
      const target = (i: number) => (parts.length > 1 ? `{m}[${i}]` : '{m}');
      let init: Pick<TorchLayer, 'init' | 'regularize'>;
      if (kind === 'separable') {
        weights.push({ tf: 'pointwise_kernel', torch: `${at + 1}.weight`, perm: [3, 2, 0, 1] });
        if (useBias) weights.push({ tf: 'bias', torch: `${at + 1}.bias` });
        const dw = kernelBias(c, 'depthwise', target(at), `${at}.`, false, [...kernel, cin, mult]);
        const pw = kernelBias(c, 'pointwise', target(at + 1), `${at + 1}.`, useBias);
        init = { init: [...(dw.init ?? []), ...(pw.init ?? [])], regularize: [...(dw.regularize ?? []), ...(pw.regularize ?? [])] };
      } else {
        if (useBias) weights.push({ tf: 'bias', torch: `${convKey}bias` });
        init = kernelBias(c, kind === 'depthwise' ? 'depthwise' : 'kernel', target(at), convKey, useBias, kind === 'depthwise' ? [...kernel, cin, mult] : undefined);
      }
      return { module: parts.length > 1 ? `nn.Sequential(${parts.join(', ')})` : parts[0], forward: c.activation(p.activation, '{m}(x)', 1), weights, ...init };
    },
  };
}

/**
 * conv2d_transpose: nn.ConvTranspose2d, kernel [kh, kw, filters, C] → [C, filters, kh, kw].
 * TensorFlow's output is n·s (`same`) or n·s + max(k − s, 0) (`valid`); PyTorch's full output
 * (n − 1)·s + k is cropped by the forward `same` convolution's pads (the odd one at the end,
 * sliced off) or grown by output_padding where k < s (zeros there, as in TensorFlow).
 */
export const torchConvTranspose: TorchLayerMapping = {
  modules: 'nn.ConvTranspose2d',
  layout: 'first',
  emit(c) {
    const p = c.params;
    const kernel = ints(p.kernel_size, 2, 1);
    const strides = ints(p.strides, 2, 1);
    const useBias = p.use_bias !== false;
    const total = kernel.map((k, i) => (p.padding === 'same' ? Math.max(k - strides[i], 0) : 0));
    const padding = total.map((t) => Math.floor(t / 2));
    const outputPadding = kernel.map((k, i) => Math.max(strides[i] - k, 0));
    const args = [`${channels(c.inputShapes[0])}, ${p.filters as number}, kernel_size=${tuple(kernel)}`];
    if (strides.some((s) => s !== 1)) args.push(`stride=${tuple(strides)}`);
    if (padding.some((x) => x)) args.push(`padding=${tuple(padding)}`);
    if (outputPadding.some((x) => x)) args.push(`output_padding=${tuple(outputPadding)}`);
    if (!useBias) args.push('bias=False');
    const crop = total.map((t) => (t % 2 ? ':-1' : ':'));
    const weights: TorchWeight[] = [{ tf: 'kernel', torch: 'weight', perm: [3, 2, 0, 1] }];
    if (useBias) weights.push({ tf: 'bias', torch: 'bias' });
    return {
      module: `nn.ConvTranspose2d(${args.join(', ')})`,
      forward: c.activation(p.activation, crop.some((x) => x !== ':') ? `{m}(x)[:, :, ${crop.join(', ')}]` : '{m}(x)', 1),
      weights,
      ...kernelBias(c, 'kernel', '{m}', '', useBias),
    };
  },
};

export function torchPool(kind: 'max' | 'avg', rank: 1 | 2): TorchLayerMapping {
  const Pool = `nn.${kind === 'max' ? 'Max' : 'Avg'}Pool${rank}d`;
  return {
    modules: Pool,
    layout: 'first',
    emit(c) {
      const k = ints(c.params.pool_size, rank, 2);
      const s = c.params.strides === undefined || c.params.strides === null ? k : ints(c.params.strides, rank, 1);
      const text = `${Pool}(${tuple(k)}, stride=${tuple(s)})`;
      if (c.params.padding !== 'same') return { module: text, forward: '{m}(x)' };
      const pads = samePads(c, c.inputShapes[0].slice(1, 1 + rank), k, s, k.map(() => 1));
      if (pads.every(([a, b]) => a === 0 && b === 0)) return { module: text, forward: '{m}(x)' };
      // TensorFlow's average ignores the padded cells; PyTorch's count_include_pad=False does too, but only for symmetric pads.
      if (kind === 'avg') return c.refuse('`avg_pool` with `padding: same` that pads unevenly averages over the real cells only, which PyTorch cannot pad the same way', 'padding');
      return { module: `nn.Sequential(nn.ConstantPad${rank}d(${tuple(pads.slice().reverse().flat())}, float("-inf")), ${text})`, forward: '{m}(x)' };
    },
  };
}

export function torchGlobalPool(kind: 'max' | 'avg', rank: 1 | 2): TorchLayerMapping {
  const dims = rank === 1 ? '1' : '(2, 3)';
  return {
    modules: kind === 'max' ? 'torch.amax' : 'torch.mean',
    layout: rank === 1 ? 'last' : 'first',
    emit: () => ({ forward: kind === 'max' ? `torch.amax(x, dim=${dims})` : `torch.mean(x, dim=${dims})`, outLayout: 'last' }),
  };
}

export const torchBatchNorm: TorchLayerMapping = {
  modules: 'nn.BatchNorm1d / nn.BatchNorm2d (momentum = 1 − Keras momentum)',
  layout: 'first',
  emit(c) {
    const p = c.params;
    const rank = c.inputShapes[0].length;
    if (p.axis !== -1 && p.axis !== rank - 1) c.refuse('`batch_norm` over an axis other than the channels (the last) has no PyTorch BatchNorm', 'axis');
    if ((p.center !== false) !== (p.scale !== false)) c.refuse('`batch_norm` with only one of `center`/`scale` has no PyTorch BatchNorm (affine is both or neither)', 'center');
    const affine = p.center !== false;
    const BN = rank === 4 ? 'nn.BatchNorm2d' : rank === 5 ? 'nn.BatchNorm3d' : 'nn.BatchNorm1d';
    const weights: TorchWeight[] = affine ? [{ tf: 'gamma', torch: 'weight' }, { tf: 'beta', torch: 'bias' }] : [];
    weights.push({ tf: 'moving_mean', torch: 'running_mean' }, { tf: 'moving_variance', torch: 'running_var' });
    return {
      module: `${BN}(${channels(c.inputShapes[0])}, eps=${p.epsilon as number}, momentum=${pyFloat(Number((1 - (p.momentum as number)).toFixed(10)))}${affine ? '' : ', affine=False'})`,
      forward: '{m}(x)',
      weights,
    };
  },
};

export const torchEmbedding: TorchLayerMapping = {
  modules: 'nn.Embedding',
  layout: 'last',
  emit(c) {
    if (c.params.mask_zero === true) c.refuse('`embedding` with `mask_zero: true`: the mask Keras passes to the next layers has no PyTorch module', 'mask_zero');
    return {
      module: `nn.Embedding(${c.params.input_dim as number}, ${c.params.output_dim as number})`,
      forward: '{m}(x.long())',
      weights: [{ tf: 'embeddings', torch: 'weight' }],
      init: [c.initializer(c.params.embeddings_initializer, '{m}.weight', [c.params.input_dim as number, c.params.output_dim as number])],
      regularize: c.params.embeddings_regularizer ? [{ torch: 'weight', value: c.params.embeddings_regularizer }] : [],
    };
  },
};

export const torchMerge = (op: string, modules: string): TorchLayerMapping => ({ modules, layout: 'any', emit: (c) => ({ forward: c.inputShapes.map((_, i) => `xs[${i}]`).join(` ${op} `) }) });

export const torchFeatureDim = (c: TorchContext) => (c.inputLayout === 'first' && c.inputShapes[0].length > 2 ? 1 : -1);


/** layer_norm over the last axis: nn.LayerNorm with Keras's ε (1e-3 by default, PyTorch's is 1e-5). */
export const torchLayerNorm: TorchLayerMapping = {
  modules: 'nn.LayerNorm',
  layout: 'last',
  emit(c) {
    const p = c.params;
    const rank = c.inputShapes[0].length;
    if (p.axis !== -1 && p.axis !== rank - 1) c.refuse('`layer_norm` over an axis other than the last has no nn.LayerNorm', 'axis');
    if ((p.center !== false) !== (p.scale !== false)) c.refuse('`layer_norm` with only one of `center`/`scale`: nn.LayerNorm learns both or neither', 'center');
    const affine = p.center !== false;
    return {
      module: `nn.LayerNorm(${channels(c.inputShapes[0])}, eps=${p.epsilon as number}${affine ? '' : ', elementwise_affine=False'})`,
      forward: '{m}(x)',
      weights: affine ? [{ tf: 'gamma', torch: 'weight' }, { tf: 'beta', torch: 'bias' }] : [],
    };
  },
};

/** prelu: one α per input value (shared axes 1), in Keras's shape, so the checkpoint's alpha needs no reordering. */
export const torchPrelu: TorchLayerMapping = {
  modules: 'keras_layers.PReLU',
  layout: 'last',
  emit(c) {
    const shape = c.inputShapes[0].slice(1);
    const shared = Array.isArray(c.params.shared_axes) ? (c.params.shared_axes as number[]) : [];
    const alpha = shape.map((d, i) => (shared.includes(i + 1) ? 1 : d));
    if (alpha.some((d) => d === null)) c.refuse('`prelu` over an axis of unknown size needs that axis in `shared_axes`', 'shared_axes');
    return {
      module: `keras_layers.PReLU((${alpha.join(', ')}${alpha.length === 1 ? ',' : ''}))`,
      forward: '{m}(x)',
      weights: [{ tf: 'alpha', torch: 'alpha' }],
      init: [c.initializer(c.params.alpha_initializer, '{m}.alpha', alpha as number[])],
    };
  },
};

/** The four sides of zero_padding2d / cropping2d: n, [h, w] or [top, bottom, left, right]. */
function sides(v: unknown): [number, number, number, number] {
  if (typeof v === 'number') return [v, v, v, v];
  const xs = v as number[];
  return xs.length === 2 ? [xs[0], xs[0], xs[1], xs[1]] : [xs[0], xs[1], xs[2], xs[3]];
}

export const torchUpsampling: TorchLayerMapping = {
  modules: 'Tensor.repeat_interleave',
  layout: 'first',
  emit(c) {
    // tfjs's bilinear resize samples at dst·in/out (no half-pixel centres), which F.interpolate has no mode for.
    if (c.params.interpolation === 'bilinear') c.refuse('`interpolation: bilinear` resizes as TensorFlow 1 did (corners not aligned, no half-pixel centres), which F.interpolate cannot', 'interpolation');
    const [h, w] = ints(c.params.size, 2, 2);
    return { forward: `x.repeat_interleave(${h}, dim=2).repeat_interleave(${w}, dim=3)` };
  },
};

export const torchZeroPadding: TorchLayerMapping = {
  modules: 'F.pad',
  layout: 'first',
  emit(c) {
    const [t, b, l, r] = sides(c.params.padding);
    return { forward: `F.pad(x, (${l}, ${r}, ${t}, ${b}))` };
  },
};

export const torchCropping: TorchLayerMapping = {
  modules: 'Tensor slicing',
  layout: 'first',
  emit(c) {
    const [t, b, l, r] = sides(c.params.cropping);
    const cut = (a: number, z: number) => `${a || ''}:${z ? -z : ''}`;
    return { forward: `x[:, :, ${cut(t, b)}, ${cut(l, r)}]` };
  },
};

/** Layers that change only training (noise): identity in eval mode, Keras's noise in train mode (keras_layers). */
export const torchNoise = (cls: string, arg: string): TorchLayerMapping => ({
  modules: `keras_layers.${cls}`,
  layout: 'last',
  emit: (c) => ({ module: `keras_layers.${cls}(${pyFloat(c.params[arg] as number)})`, forward: '{m}(x)' }),
});
