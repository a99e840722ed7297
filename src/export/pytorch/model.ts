/**
 * model.py from the core's analysis of a spec: one `nn.Module` attribute and one forward line per
 * spec layer, named as the spec names it, each commented with its output shape and parameter
 * count; the trainer's initializers; the weight table weights.py converts checkpoints with.
 * Layouts: values stay channels last as the spec declares them, except through convolution
 * stacks, which run channels first with one permute in and one out.
 */
import type { Analysis } from '../../core/analyze';
import { lookup, tfName, withDefaults } from '../../core/catalog';
import { kerasFans, refOf, TORCH_ACTIVATIONS, TORCH_INITIALIZERS, type TorchContext, type TorchLayout, type TorchWeight } from '../../core/catalog/torch';
import type { LayerInfo } from '../../core/infer';
import type { ModelFolders } from '../modelFolders';
import type { Shape } from '../../core/shape';
import { ExportError } from '../errors';

/** One row of WEIGHT_MAP: a TorchWeight with full names. */
export type WeightRow = Omit<TorchWeight, 'sub'>;

export interface GeneratedModel {
  text: string;
  weightMap: WeightRow[];
  /** Per layer emitted: id, type, module, for the README. */
  layers: { id: string; type: string; module: string; shape: string; params: number; attr?: string; tfWeights: string[] }[];
}

interface Value {
  name: string;
  rank: number;
  layout: TorchLayout;
}

const PY_RESERVED = new Set(['forward', 'training', 'parameters', 'buffers', 'modules', 'children', 'state_dict', 'train', 'eval', 'to', 'cuda', 'cpu', 'type', 'float', 'double', 'half', 'x', 'xs', 'input', 'self', 'torch', 'nn', 'F', 'keras_init',
  'and', 'as', 'assert', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'None', 'True', 'False']);

/** A Python identifier for a spec id, unique among `used`. */
function pyName(id: string, used: Set<string>): string {
  let base = id.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(base) || PY_RESERVED.has(base)) base = `layer_${base}`;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/** The tensor's shape as PyTorch holds it: channels moved to axis 1 in `first` layout. */
function torchShape(shape: Shape, layout: TorchLayout): string {
  const dims = shape.map((d, i) => (i === 0 ? 'N' : d === null ? '?' : String(d)));
  const moved = layout === 'first' && dims.length > 2 ? [dims[0], dims[dims.length - 1], ...dims.slice(1, -1)] : dims;
  return `(${moved.join(', ')})`;
}

/** The regularizer value as (l1, l2) factors, Keras's definitions. */
function factors(value: unknown): [number, number] {
  const r = refOf(value);
  const p = withDefaults(lookup('regularizer', r.type)?.params ?? [], r.params);
  return [r.type === 'l2' ? 0 : Number(p.l1 ?? 0), r.type === 'l1' ? 0 : Number(p.l2 ?? 0)];
}

const py = (v: unknown) => JSON.stringify(v).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False');


export function generateModel(a: Analysis, file: string, folders: ModelFolders = {}): GeneratedModel {
  const info = a.model;
  if (!info || info.output === null) throw new ExportError('export/no-model', `${file}: the spec has no model to export (fix its errors first: \`modelyaml check ${file}\`).`);
  if (info.inputs.size !== 1) throw new ExportError('export/multi-input', `${file}: models with several inputs are not exported to PyTorch yet.`);
  const pyUsed = new Set<string>();
  const tfUsed = new Set<string>();
  const [inputName, inputShape] = [...info.inputs][0];
  tfName(inputName === 'input' ? 'input' : inputName, tfUsed);
  const init: string[] = [];
  const reset: string[] = [];
  const load: string[] = [];
  const forward: string[] = [];
  const weightMap: WeightRow[] = [];
  const frozen: string[] = [];
  const regularized: [string, number, number][] = [];
  const layers: GeneratedModel['layers'] = [];
  const graph = info.isGraph;
  const values = new Map<number, Value>();
  const converted = new Map<string, string>();
  const input: Value = { name: 'x', rank: inputShape.length, layout: 'last' };

  /** `v` in `layout`, emitting one permute line when it differs. */
  const inLayout = (v: Value, layout: TorchLayout): string => {
    if (v.rank <= 2 || v.layout === layout) return v.name;
    const key = `${v.name}:${layout}`;
    const done = converted.get(key);
    if (done) return done;
    const to = graph ? `${v.name}_${layout === 'first' ? 'cf' : 'cl'}` : v.name;
    forward.push(`${to} = to_channels_${layout}(${v.name})`);
    if (graph) converted.set(key, to);
    return to;
  };

  const visiting = new Set<number>();
  const visit = (i: number): Value => {
    const done = values.get(i);
    if (done) return done;
    if (visiting.has(i)) throw new ExportError('export/cycle', `${file}: the model has a cycle.`);
    visiting.add(i);
    const li = info.layers[i];
    const sources = li.sources.map((s) => ('input' in s ? input : visit(s.layer)));
    const v = emitLayer(li, sources);
    values.set(i, v);
    return v;
  };

  const emitLayer = (li: LayerInfo, sources: Value[]): Value => {
    const l = li.layer;
    const pos = a.lines.position(l.range.start);
    const where = { file, line: pos.line + 1, column: pos.character + 1 };
    const refuse = (message: string, param?: string): never => {
      throw new ExportError('export/pytorch-unsupported', `${file}:${where.line}:${where.column}: layer \`${li.id}\` (${l.type})${param ? `, \`${param}\`` : ''} has no faithful PyTorch equivalent: ${message}.`, where);
    };
    const entry = lookup('layer', l.type);
    const mapping = entry?.torch;
    if (!mapping) return refuse('the catalog has no PyTorch mapping for it');
    if (!li.inputShapes || !li.outputShape) return refuse('its shapes are unknown (fix the spec first)');
    const params = withDefaults(entry.params, l.params);
    const layout: TorchLayout = mapping.layout === 'any' ? (sources[0].rank > 2 ? sources[0].layout : 'last') : mapping.layout;
    const names = sources.map((s) => inLayout(s, layout));
    const tfLayer = tfName(li.id, tfUsed);
    const ctx: TorchContext = {
      tfName: tfLayer,
      params,
      inputShapes: li.inputShapes,
      outputShape: li.outputShape,
      inputLayout: layout,
      host: folders.host,
      refuse,
      activation(value, expr, dim) {
        if (value === undefined || value === null) return expr;
        const r = refOf(value);
        const act = TORCH_ACTIVATIONS[r.type];
        if (!act) return refuse(`the activation \`${r.type}\` has no PyTorch mapping`, 'activation');
        return act.expr(expr, withDefaults(lookup('activation', r.type)?.params ?? [], r.params), dim);
      },
      initializer(value, target, kerasShape) {
        const r = refOf(value);
        const make = TORCH_INITIALIZERS[r.type];
        if (!make) return refuse(`the initializer \`${r.type}\` has no PyTorch mapping`);
        return make(target, withDefaults(lookup('initializer', r.type)?.params ?? [], r.params), kerasShape && kerasFans(kerasShape));
      },
    };
    const out = mapping.emit(ctx);
    const name = pyName(li.id, pyUsed);
    const outLayout: TorchLayout = li.outputShape.length <= 2 ? 'last' : (out.outLayout ?? layout);
    const shape = torchShape(li.outputShape, outLayout);
    const params0 = li.params ?? 0;
    const m = `self.${name}`;
    if (out.module) init.push(`self.${name} = ${out.module}  # ${l.type} → ${shape}, ${params0.toLocaleString('en-US')} params (line ${where.line})`);
    for (const line of out.init ?? []) reset.push(line.replaceAll('{m}', m));
    for (const line of out.load ?? []) load.push(line.replaceAll('{m}', m));
    for (const w of out.weights ?? []) {
      const { sub, ...rest } = w;
      weightMap.push({ ...rest, tf: `${tfLayer}${sub ?? ''}/${w.tf}`, torch: `${name}.${w.torch}` });
    }
    for (const z of out.frozenZeros ?? []) frozen.push(`${name}.${z.torch}`);
    for (const r of out.regularize ?? []) regularized.push([`${name}.${r.torch}`, ...factors(r.value)]);
    const outName = graph ? name : 'x';
    const expr = out.forward.replaceAll('{m}', m).replace(/\bxs\[(\d+)\]/g, (_s, k: string) => names[Number(k)]).replace(/\bx\b/g, names[0]);
    forward.push(`${outName} = ${expr}${out.module ? '' : `  # ${li.id}: ${l.type} → ${shape}`}`);
    // The layer's tfjs weights in the order the trainer's layer holds them (pretrained sources load in that order).
    const tfWeights = [...new Set((out.weights ?? []).map((w) => `${tfLayer}${w.sub ?? ''}/${w.tf}`))];
    layers.push({ id: li.id, type: l.type, module: out.module ?? out.forward, shape, params: params0, attr: out.module ? name : undefined, tfWeights });
    return { name: outName, rank: li.outputShape.length, layout: outLayout };
  };

  const result = visit(info.output);
  const last = inLayout(result, 'last');
  const modules = Object.fromEntries(layers.flatMap((l) => (l.attr ? [[l.id, l.attr]] : [])));
  const text = modelPy(a, file, { specDir: folders.specDir, inputShape, init, reset, load, forward, last, weightMap, frozen, regularized, modules, totalParams: info.totalParams ?? 0 });
  return { text, weightMap, layers };
}

function modelPy(a: Analysis, file: string, g: { specDir?: string; inputShape: Shape; init: string[]; reset: string[]; load: string[]; forward: string[]; last: string; weightMap: WeightRow[]; frozen: string[]; regularized: [string, number, number][]; modules: Record<string, string>; totalParams: number }): string {
  const name = a.spec.name?.value ?? 'model';
  const ind = (lines: string[], n: number) => lines.map((l) => ' '.repeat(n) + l).join('\n');
  const bert = g.init.some((l) => l.includes('hf_bert.'));
  return `"""${name}: generated by ModelYAML from ${file.split(/[\\/]/).pop()}; one module per spec layer, named as in the spec.

Inputs and outputs are channels last, as the spec declares them (N, ${g.inputShape.slice(1).join(', ')}); convolution
stacks run channels first (PyTorch's layout) between one permute in and one out. ${g.totalParams.toLocaleString('en-US')} parameters.
"""
${bert ? 'import os\n\n' : ''}import torch
import torch.nn.functional as F  # noqa: F401
from torch import nn

import keras_init  # noqa: F401
import keras_layers  # noqa: F401
${bert ? `import hf_bert

# The spec's folder: its model folders (a \`bert\` layer's model.safetensors) are found relative to it.
# Set MODELYAML_SPEC_DIR where the package runs elsewhere (a cluster).
SPEC_DIR = os.environ.get("MODELYAML_SPEC_DIR", ${JSON.stringify(g.specDir ?? '.')})


def spec_path(rel):
    return os.path.join(SPEC_DIR, rel)
` : ''}
INPUT_SHAPE = (${g.inputShape.slice(1).join(', ')}${g.inputShape.length === 2 ? ',' : ''})


def to_channels_first(x):
    return x.movedim(-1, 1)


def to_channels_last(x):
    return x.movedim(1, -1)


class Model(nn.Module):
    # (state_dict key, l1, l2): Keras's penalties, added to the loss by objectives.regularization.
    REGULARIZED = ${py(g.regularized)}

    def __init__(self, checkpoints=True):
        """checkpoints=False: leave out the weights the spec's layers read from their own files (a whole checkpoint is loaded next)."""
        super().__init__()
${ind(g.init, 8)}
        self.reset_parameters()${g.load.length ? `
        if checkpoints:
            self.load_checkpoints()` : ''}
        # Keras's recurrent layers have one bias: PyTorch's second one stays zero.
        for key in FROZEN_ZEROS:
            self.get_parameter(key).requires_grad_(False)

    @torch.no_grad()
    def reset_parameters(self):
        """The trainer's initializers (Keras's formulas)."""
${g.reset.length ? ind(g.reset, 8) : '        pass'}
        for key in FROZEN_ZEROS:
            nn.init.zeros_(self.get_parameter(key))

${g.load.length ? `    @torch.no_grad()
    def load_checkpoints(self):
        """The weights the spec's layers name files for (a pretrained encoder's checkpoint)."""
${ind(g.load, 8)}

` : ''}    def forward(self, x):
${ind(g.forward, 8)}
        return ${g.last}


# tfjs checkpoint weight → state_dict key, and how its layout changes (weights.py applies it both ways).
WEIGHT_MAP = [
${g.weightMap.map((w) => `    ${py(w)},`).join('\n')}
]

# Parameters PyTorch has and Keras does not: held at zero, not trained.
FROZEN_ZEROS = ${py(g.frozen)}

# Spec layer name → its module's attribute (layers with weights), for freezing and rate multipliers.
LAYERS = ${py(g.modules)}
`;
}
