/**
 * Every catalog layer's PyTorch mapping (vocabulary in torch.ts). A layer missing here, or a
 * parameter value a mapping refuses, has no faithful PyTorch equivalent: the exporter names it
 * and its spec line instead of writing a model that computes something else.
 */
import { toTuple, type Shape } from '../shape';
import type { Params } from './types';
import { refOf, pyFloat, type TorchContext, type TorchLayer, type TorchLayerMapping, type TorchWeight } from './torch';

const ints = (v: unknown, n: number, d: number) => toTuple(v, n, d);
const tuple = (xs: readonly number[]) => (xs.length === 1 ? `${xs[0]}` : `(${xs.join(', ')})`);
const channels = (s: Shape) => s[s.length - 1] as number;

/** Kernel and bias initialisation and penalties shared by dense and convolutions: `target` the module (`{m}`, `{m}[1]`), `key` its state_dict prefix. */
function kernelBias(c: TorchContext, kernel: string, target: string, key: string, useBias: boolean): Pick<TorchLayer, 'init' | 'regularize'> {
  const init = [c.initializer(c.params[`${kernel}_initializer`], `${target}.weight`)];
  const regularize = [{ torch: `${key}weight`, value: c.params[`${kernel}_regularizer`] }];
  if (useBias) {
    init.push(c.initializer(c.params.bias_initializer, `${target}.bias`));
    regularize.push({ torch: `${key}bias`, value: c.params.bias_regularizer });
  }
  return { init, regularize: regularize.filter((r) => r.value !== undefined && r.value !== null) };
}

const dense: TorchLayerMapping = {
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

/** conv1d / conv2d / depthwise_conv2d: the module, with a ZeroPad in front where `same` needs explicit pads. */
function conv(rank: 1 | 2, depthwise: boolean): TorchLayerMapping {
  const Conv = `nn.Conv${rank}d`;
  return {
    modules: depthwise ? 'nn.Conv2d(groups=C)' : Conv,
    layout: 'first',
    emit(c) {
      const p = c.params;
      const input = c.inputShapes[0];
      const cin = channels(input);
      const kernel = ints(p.kernel_size, rank, 1);
      const strides = ints(p.strides, rank, 1);
      const dilation = ints(p.dilation_rate, rank, 1);
      const mult = depthwise ? ((p.depth_multiplier as number | undefined) ?? 1) : 1;
      const cout = depthwise ? cin * mult : (p.filters as number);
      const useBias = p.use_bias !== false;
      let padding = '';
      let pad: number[][] | undefined;
      if (p.padding === 'same') {
        if (strides.every((s) => s === 1)) padding = ', padding="same"';
        else pad = samePads(c, input.slice(1, 1 + rank), kernel, strides, dilation);
      }
      const args = [`${cin}, ${cout}, kernel_size=${tuple(kernel)}`];
      if (strides.some((s) => s !== 1)) args.push(`stride=${tuple(strides)}`);
      if (dilation.some((d) => d !== 1)) args.push(`dilation=${tuple(dilation)}`);
      if (depthwise) args.push(`groups=${cin}`);
      if (!useBias) args.push('bias=False');
      const convText = `${Conv}(${args.join(', ')}${padding})`;
      // nn.ZeroPad2d takes (left, right, top, bottom): the last axis first.
      const padText = pad && `nn.ConstantPad${rank}d(${tuple(pad.slice().reverse().flat())}, 0.0)`;
      const key = pad ? '1.' : '';
      const kernelName = depthwise ? 'depthwise_kernel' : 'kernel';
      const weights: TorchWeight[] = [
        depthwise
          ? { tf: kernelName, torch: `${key}weight`, perm: [2, 3, 0, 1], shape: [cout, 1, ...kernel] }
          : { tf: kernelName, torch: `${key}weight`, perm: rank === 1 ? [2, 1, 0] : [3, 2, 0, 1] },
      ];
      if (useBias) weights.push({ tf: 'bias', torch: `${key}bias` });
      return {
        module: pad ? `nn.Sequential(${padText}, ${convText})` : convText,
        forward: c.activation(p.activation, '{m}(x)', 1),
        weights,
        ...kernelBias(c, depthwise ? 'depthwise' : 'kernel', pad ? '{m}[1]' : '{m}', key, useBias),
      };
    },
  };
}

function pool(kind: 'max' | 'avg', rank: 1 | 2): TorchLayerMapping {
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

function globalPool(kind: 'max' | 'avg', rank: 1 | 2): TorchLayerMapping {
  const dims = rank === 1 ? '1' : '(2, 3)';
  return {
    modules: kind === 'max' ? 'torch.amax' : 'torch.mean',
    layout: rank === 1 ? 'last' : 'first',
    emit: () => ({ forward: kind === 'max' ? `torch.amax(x, dim=${dims})` : `torch.mean(x, dim=${dims})`, outLayout: 'last' }),
  };
}

const batchNorm: TorchLayerMapping = {
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

/** LSTM and GRU: batch_first, Keras's single bias as bias_ih (bias_hh frozen at zero), the last step unless return_sequences. */
function recurrent(kind: 'lstm' | 'gru' | 'simple_rnn'): TorchLayerMapping {
  const Mod = kind === 'lstm' ? 'nn.LSTM' : kind === 'gru' ? 'nn.GRU' : 'nn.RNN';
  return {
    modules: Mod,
    layout: 'last',
    emit(c) {
      const p = c.params;
      const units = p.units as number;
      const act = refOf(p.activation ?? 'tanh').type;
      if (act !== 'tanh' && !(kind === 'simple_rnn' && act === 'relu')) c.refuse(`\`${kind}\` with activation \`${act}\`: PyTorch's ${Mod} computes tanh`, 'activation');
      if (kind !== 'simple_rnn' && refOf(p.recurrent_activation ?? 'sigmoid').type !== 'sigmoid') c.refuse(`\`${kind}\` gates other than sigmoid: PyTorch's ${Mod} gates are sigmoid`, 'recurrent_activation');
      if (kind === 'gru' && p.reset_after === false) c.refuse('`gru` with `reset_after: false`: PyTorch\'s GRU applies the reset gate after the recurrent product', 'reset_after');
      if (p.use_bias === false) c.refuse(`\`${kind}\` without bias is not written yet`, 'use_bias');
      if ((p.dropout as number | undefined ?? 0) > 0 || (p.recurrent_dropout as number | undefined ?? 0) > 0) c.refuse(`\`${kind}\` with input or recurrent dropout: PyTorch's ${Mod} drops between layers only`, 'dropout');
      const gates = kind === 'gru' ? [1, 0, 2] : undefined;
      const weights: TorchWeight[] = [
        { tf: 'kernel', torch: 'weight_ih_l0', perm: [1, 0], gates },
        { tf: 'recurrent_kernel', torch: 'weight_hh_l0', perm: [1, 0], gates },
      ];
      if (kind === 'gru') weights.push({ tf: 'bias', torch: 'bias_ih_l0', row: 0, gates }, { tf: 'bias', torch: 'bias_hh_l0', row: 1, gates });
      else weights.push({ tf: 'bias', torch: 'bias_ih_l0' });
      const input = `x.flip(1)`;
      const seq = `{m}(${p.go_backwards === true ? input : 'x'})[0]`;
      const init = [
        c.initializer(p.kernel_initializer, '{m}.weight_ih_l0'),
        c.initializer(p.recurrent_initializer, '{m}.weight_hh_l0'),
        c.initializer(p.bias_initializer, '{m}.bias_ih_l0'),
      ];
      if (kind === 'lstm' && p.unit_forget_bias !== false) init.push(`nn.init.ones_({m}.bias_ih_l0[${units}:${2 * units}])  # unit_forget_bias`);
      if (kind === 'gru') init.push('nn.init.zeros_({m}.bias_hh_l0)');
      const nonlin = kind === 'simple_rnn' ? `, nonlinearity="${act}"` : '';
      return {
        module: `${Mod}(${channels(c.inputShapes[0])}, ${units}, batch_first=True${nonlin})`,
        forward: p.return_sequences === true ? seq : `${seq}[:, -1]`,
        weights,
        frozenZeros: kind === 'gru' ? [] : [{ torch: 'bias_hh_l0' }],
        init,
      };
    },
  };
}

const embedding: TorchLayerMapping = {
  modules: 'nn.Embedding',
  layout: 'last',
  emit(c) {
    if (c.params.mask_zero === true) c.refuse('`embedding` with `mask_zero: true`: the mask Keras passes to the next layers has no PyTorch module', 'mask_zero');
    return {
      module: `nn.Embedding(${c.params.input_dim as number}, ${c.params.output_dim as number})`,
      forward: '{m}(x.long())',
      weights: [{ tf: 'embeddings', torch: 'weight' }],
      init: [c.initializer(c.params.embeddings_initializer, '{m}.weight')],
      regularize: c.params.embeddings_regularizer ? [{ torch: 'weight', value: c.params.embeddings_regularizer }] : [],
    };
  },
};

const merge = (op: string, modules: string): TorchLayerMapping => ({ modules, layout: 'any', emit: (c) => ({ forward: c.inputShapes.map((_, i) => `xs[${i}]`).join(` ${op} `) }) });

const featureDim = (c: TorchContext) => (c.inputLayout === 'first' && c.inputShapes[0].length > 2 ? 1 : -1);

/** The catalog layers that have a faithful PyTorch mapping. */
export const TORCH_LAYERS: Record<string, TorchLayerMapping> = {
  dense,
  flatten: { modules: 'torch.flatten', layout: 'last', emit: (c) => ({ forward: c.inputShapes[0].length > 2 ? 'torch.flatten(x, 1)' : 'x' }) },
  reshape: {
    modules: 'Tensor.reshape',
    layout: 'last',
    emit: (c) => ({ forward: `x.reshape(x.shape[0], ${c.outputShape.slice(1).map((d) => d ?? -1).join(', ')})` }),
  },
  permute: { modules: 'Tensor.permute', layout: 'last', emit: (c) => ({ forward: `x.permute(0, ${(c.params.dims as number[]).join(', ')})` }) },
  repeat_vector: { modules: 'Tensor.unsqueeze + expand', layout: 'last', emit: (c) => ({ forward: `x.unsqueeze(1).expand(-1, ${c.params.n as number}, -1)` }) },
  conv1d: conv(1, false),
  conv2d: conv(2, false),
  depthwise_conv2d: conv(2, true),
  max_pool1d: pool('max', 1),
  avg_pool1d: pool('avg', 1),
  max_pool2d: pool('max', 2),
  avg_pool2d: pool('avg', 2),
  global_max_pool1d: globalPool('max', 1),
  global_avg_pool1d: globalPool('avg', 1),
  global_max_pool2d: globalPool('max', 2),
  global_avg_pool2d: globalPool('avg', 2),
  batch_norm: batchNorm,
  lstm: recurrent('lstm'),
  gru: recurrent('gru'),
  simple_rnn: recurrent('simple_rnn'),
  embedding,
  dropout: { modules: 'nn.Dropout', layout: 'any', emit: (c) => ({ module: `nn.Dropout(${pyFloat(c.params.rate as number)})`, forward: '{m}(x)' }) },
  activation: { modules: '(the activation)', layout: 'any', emit: (c) => ({ forward: c.activation(c.params.activation, 'x', featureDim(c)) }) },
  leaky_relu: { modules: 'nn.LeakyReLU', layout: 'any', emit: (c) => ({ module: `nn.LeakyReLU(${pyFloat(c.params.alpha as number)})`, forward: '{m}(x)' }) },
  add: merge('+', 'a + b'),
  multiply: merge('*', 'a * b'),
  average: { modules: 'torch.stack(…).mean(0)', layout: 'any', emit: (c) => ({ forward: `torch.stack([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}]).mean(0)` }) },
  maximum: { modules: 'torch.stack(…).amax(0)', layout: 'any', emit: (c) => ({ forward: `torch.stack([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}]).amax(0)` }) },
  minimum: { modules: 'torch.stack(…).amin(0)', layout: 'any', emit: (c) => ({ forward: `torch.stack([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}]).amin(0)` }) },
  concatenate: {
    modules: 'torch.cat',
    layout: 'last',
    emit: (c) => ({ forward: `torch.cat([${c.inputShapes.map((_, i) => `xs[${i}]`).join(', ')}], dim=${(c.params.axis as number | undefined) ?? -1})` }),
  },
};

/** Layers only the TensorFlow.js side has, with why; the exporter refuses them with this reason. */
export const TORCH_REFUSED: Record<string, string> = {
  transformer_encoder: 'its attention and feed-forward sub-layers are not mapped to PyTorch modules yet',
  multi_head_attention: 'Keras\'s per-head kernel layout is not mapped to nn.MultiheadAttention yet',
  positional_embedding: 'its learned position table is not mapped yet',
};

export type { Params };

/** The docs' layer ↔ module table (docs/cluster.md), from the mappings above and the catalog's layer list. */
export function torchModuleTable(layerNames: readonly string[]): string {
  const rows = layerNames.map((name) => {
    const m = TORCH_LAYERS[name];
    const layout = m ? (m.layout === 'first' ? 'channels first' : m.layout === 'last' ? 'channels last' : 'as given') : '';
    return m ? `| \`${name}\` | \`${m.modules.replace(/\|/g, '\\|')}\` | ${layout} |` : `| \`${name}\` | refused: ${TORCH_REFUSED[name] ?? 'no PyTorch mapping yet'} | |`;
  });
  return ['| Layer | PyTorch | Runs in |', '| --- | --- | --- |', ...rows].join('\n');
}
