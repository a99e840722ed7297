/**
 * Fused optimizer updates for the tfjs 'webgpu' backend.
 *
 * tfjs's Adam spends 14 element-wise kernels on every variable at every step (mul, mul, add,
 * square, mul, mul, add, div, div, sqrt, add, div, mul, add), SGD 2 and momentum 4-6. On a GPU
 * each dispatch costs the host about as much as a small kernel's whole run (bind group, uniform
 * buffer, encoding, a share of a queue submit through Dawn's node bindings), so a step of the
 * MNIST CNN (10 variables) spent half its ~280 dispatches on the optimizer. Here Adam is two
 * kernels per variable (both moments, kept packed in one tensor; then the value), momentum two,
 * SGD one, RMSprop three (four centred). The arithmetic is tfjs's, in the same order, so results match it to float rounding (a
 * test compares them on the webgpu backend).
 *
 *   const fused = fuseOptimizer(optimizer);   // true when this optimizer has fused kernels
 *
 * The optimizer keeps its tfjs state variables (`getWeights`/`setWeights`, checkpoints and resume
 * are unchanged; Adam's packed moments are written back to them when they are read). The kernels are registered for 'webgpu' only; on any other backend the patched
 * optimizer runs tfjs's own update.
 */
import * as tf from '../../tf';
import { runKernelSource } from './program';

interface FusedKernel {
  name: string;
  inputs: string[];
  scalars: string[];
  ints?: string[];
  /** WGSL over the inputs (lower-case names) and `uniforms.<scalar>`. */
  expression?: string;
  /** Or whole statements, for kernels that do not map element i to element i. */
  body?: string;
  /** The output's shape from the inputs' shapes (default: the first input's). */
  outputShape?: (shapes: number[][]) => number[];
}

// The expressions follow tfjs-core 4.22's optimizers term by term (see each optimizer's applyGradients).
const KERNELS: FusedKernel[] = [
  // Adam's moments packed as MV = [m; v] (2n values): m' = m·β₁ + g·(1−β₁), v' = v·β₂ + g²·(1−β₂).
  {
    name: 'FusedAdamMoments', inputs: ['MV', 'G'], scalars: ['n', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2'], ints: ['n'],
    body: `if (index < uniforms.n) {
      let g = f32(G[index]);
      setOutputAtIndex(index, f32(MV[index]) * uniforms.beta1 + g * uniforms.oneMinusBeta1);
    } else if (index < 2 * uniforms.n) {
      let g = f32(G[index - uniforms.n]);
      setOutputAtIndex(index, f32(MV[index]) * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2);
    }`,
    outputShape: ([mv]) => [...mv],
  },
  // θ' = (m'/(1−β₁ᵗ)) / (√(v'/(1−β₂ᵗ)) + ε) · (−lr) + θ
  {
    name: 'FusedAdamUpdate', inputs: ['X', 'MV'], scalars: ['n', 'oneMinusAccBeta1', 'oneMinusAccBeta2', 'epsilon', 'negLr'], ints: ['n'],
    body: `if (index < uniforms.n) {
      let m = f32(MV[index]);
      let v = f32(MV[index + uniforms.n]);
      setOutputAtIndex(index, ((m / uniforms.oneMinusAccBeta1) / (sqrt(v / uniforms.oneMinusAccBeta2) + uniforms.epsilon)) * uniforms.negLr + f32(X[index]));
    }`,
  },
  // θ' = −lr·g + θ
  { name: 'FusedSgdUpdate', inputs: ['X', 'G'], scalars: ['negLr'], expression: 'uniforms.negLr * g + x' },
  // a' = μ·a + g
  { name: 'FusedMomentumAccumulation', inputs: ['A', 'G'], scalars: ['momentum'], expression: 'uniforms.momentum * a + g' },
  // θ' = −lr·a' + θ
  { name: 'FusedMomentumUpdate', inputs: ['X', 'A'], scalars: ['negLr'], expression: 'uniforms.negLr * a + x' },
  // Nesterov: θ' = −lr·(g + a'·μ) + θ
  { name: 'FusedNesterovUpdate', inputs: ['X', 'A', 'G'], scalars: ['negLr', 'momentum'], expression: 'uniforms.negLr * (g + a * uniforms.momentum) + x' },
  // RMSprop: s' = s·ρ + g²·(1−ρ); centred also ḡ' = ḡ·ρ + g·(1−ρ)
  { name: 'FusedRmsMeanSquare', inputs: ['S', 'G'], scalars: ['rho', 'oneMinusRho'], expression: 's * uniforms.rho + (g * g) * uniforms.oneMinusRho' },
  { name: 'FusedRmsMeanGrad', inputs: ['MG', 'G'], scalars: ['rho', 'oneMinusRho'], expression: 'mg * uniforms.rho + g * uniforms.oneMinusRho' },
  // a' = a·μ + (g·lr)/√(s' + ε), centred (g·lr)/√(s' − (ḡ'² + ε)); then θ' = θ − a'
  { name: 'FusedRmsMoment', inputs: ['A', 'G', 'S'], scalars: ['momentum', 'lr', 'epsilon'], expression: 'a * uniforms.momentum + (g * uniforms.lr) / sqrt(s + uniforms.epsilon)' },
  {
    name: 'FusedRmsCenteredMoment', inputs: ['A', 'G', 'S', 'MG'], scalars: ['momentum', 'lr', 'epsilon'],
    expression: 'a * uniforms.momentum + (g * uniforms.lr) / sqrt(s - (mg * mg + uniforms.epsilon))',
  },
  { name: 'FusedRmsUpdate', inputs: ['X', 'A'], scalars: [], expression: 'x - a' },
];

const registered = new Set<string>();

/** Registers the fused kernels with the webgpu backend. Idempotent. */
export function registerFusedOptimizerKernels(): void {
  for (const k of KERNELS) {
    if (registered.has(k.name) || tf.getKernel(k.name, 'webgpu')) {
      registered.add(k.name);
      continue;
    }
    tf.registerKernel({
      kernelName: k.name,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const ins = k.inputs.map((n) => inputs[n]!);
        const outputShape = k.outputShape?.(ins.map((t) => t.shape)) ?? [...ins[0].shape];
        const size = outputShape.reduce((a, b) => a * b, 1);
        // f32(): tfjs may hand over a cast tensor whose buffer still holds int32 data.
        const reads = k.inputs.map((v) => `let ${v.toLowerCase()} = f32(${v}[index]);`).join(' ');
        return runKernelSource(backend, {
          key: k.name, inputs: k.inputs, scalars: k.scalars, ints: k.ints, threads: size, outputShape,
          body: k.body ?? `if (index < uniforms.size) { ${reads} setOutputAtIndex(index, ${k.expression}); }`,
        }, ins, (attrs as { scalars: number[] }).scalars);
      },
    });
    registered.add(k.name);
  }
}

function run(name: string, inputs: Record<string, tf.Tensor>, scalars: number[]): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, { scalars } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

type NamedTensor = { name: string; tensor: tf.Tensor };
type Gradients = tf.NamedTensorMap | NamedTensor[];
interface StateSlot {
  originalName: string;
  variable: tf.Variable;
}

function namesOf(g: Gradients): string[] {
  return Array.isArray(g) ? g.map((v) => v.name) : Object.keys(g);
}
function gradientOf(g: Gradients, name: string, i: number): tf.Tensor | undefined {
  return Array.isArray(g) ? g[i]?.tensor : g[name];
}
function slot(slots: (StateSlot | undefined)[], i: number, name: string, suffix: string, value: tf.Variable): tf.Variable {
  slots[i] ??= { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
  return slots[i]!.variable;
}

/** The tfjs internals of the optimizers patched here (their fields are public in the JS). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (StateSlot | undefined)[];
  accumulatedSecondMoment: (StateSlot | undefined)[];
  iterations: number;
  incrementIterations(): void;
}
interface SgdInternals {
  learningRate: number;
  incrementIterations(): void;
}
interface RmsInternals extends SgdInternals {
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: (StateSlot | undefined)[];
  accumulatedMoments: (StateSlot | undefined)[];
  accumulatedMeanGrads: (StateSlot | undefined)[];
}
interface MomentumInternals extends SgdInternals {
  momentum: number;
  useNesterov: boolean;
  accumulations: (StateSlot | undefined)[];
}

const variableNamed = (name: string) => tf.engine().registeredVariables[name];
const onWebGpu = () => tf.getBackend() === 'webgpu';

function fusedAdam(opt: tf.AdamOptimizer, original: (g: Gradients) => void): (g: Gradients) => void {
  const o = opt as unknown as AdamInternals & {
    getWeights(): Promise<NamedTensor[]>;
    setWeights(w: NamedTensor[]): Promise<void>;
    dispose(): void;
  };
  // Both moments of variable i in one tensor [m; v], so one kernel updates them. tfjs's moment
  // variables are brought up to date only when someone reads them (getWeights: checkpoints).
  const packed: (tf.Tensor | undefined)[] = [];
  const unpack = () => {
    packed.forEach((mv, i) => {
      if (!mv) return;
      const m = o.accumulatedFirstMoment[i]!.variable;
      const v = o.accumulatedSecondMoment[i]!.variable;
      tf.tidy(() => {
        m.assign(tf.reshape(tf.slice(mv, 0, m.size), m.shape));
        v.assign(tf.reshape(tf.slice(mv, m.size, v.size), v.shape));
      });
    });
  };
  const drop = () => {
    tf.dispose(packed.filter((t): t is tf.Tensor => !!t));
    packed.length = 0;
  };
  const getWeights = o.getWeights.bind(o);
  const setWeights = o.setWeights.bind(o);
  const dispose = o.dispose.bind(o);
  o.getWeights = async () => {
    unpack();
    return getWeights();
  };
  o.setWeights = async (w) => {
    drop();
    await setWeights(w);
  };
  o.dispose = () => {
    drop();
    dispose();
  };
  // β₁ᵗ and β₂ᵗ: tfjs keeps them as float32 tensors, multiplied by β once a step (and recomputed
  // with pow() by setWeights on resume). Here they are numbers rounded the same way.
  const f = Math.fround;
  let step = -1;
  let acc1 = 0;
  let acc2 = 0;
  return (grads) => {
    const t = o.iterations + 1;
    if (step === t - 1) {
      acc1 = f(acc1 * f(o.beta1));
      acc2 = f(acc2 * f(o.beta2));
    } else {
      acc1 = f(Math.pow(o.beta1, t));
      acc2 = f(Math.pow(o.beta2, t));
    }
    step = t;
    if (!onWebGpu()) {
      // tfjs's own update, from up-to-date moments and β powers.
      unpack();
      drop();
      tf.tidy(() => {
        o.accBeta1.assign(tf.scalar(acc1));
        o.accBeta2.assign(tf.scalar(acc2));
      });
      original(grads);
      return;
    }
    const names = namesOf(grads);
    names.forEach((name, i) => {
      const value = variableNamed(name);
      const m = slot(o.accumulatedFirstMoment, i, name, 'm', value);
      const v = slot(o.accumulatedSecondMoment, i, name, 'v', value);
      const g = gradientOf(grads, name, i);
      if (!g) return;
      const n = value.size;
      const mv = packed[i] ?? tf.tidy(() => tf.concat([tf.reshape(m, [-1]), tf.reshape(v, [-1])]));
      const mv2 = run('FusedAdamMoments', { MV: mv, G: g }, [n, o.beta1, 1 - o.beta1, o.beta2, 1 - o.beta2]);
      mv.dispose();
      packed[i] = mv2;
      tf.tidy(() => value.assign(run('FusedAdamUpdate', { X: value, MV: mv2 }, [n, f(1 - acc1), f(1 - acc2), o.epsilon, -o.learningRate])));
    });
    o.incrementIterations();
  };
}

function fusedSgd(opt: tf.SGDOptimizer, original: (g: Gradients) => void): (g: Gradients) => void {
  const o = opt as unknown as SgdInternals;
  return (grads) => {
    if (!onWebGpu()) return original(grads);
    tf.tidy(() => {
      namesOf(grads).forEach((name, i) => {
        const g = gradientOf(grads, name, i);
        if (!g) return;
        const value = variableNamed(name);
        value.assign(run('FusedSgdUpdate', { X: value, G: g }, [-o.learningRate]));
      });
    });
    o.incrementIterations();
  };
}

function fusedMomentum(opt: tf.MomentumOptimizer, original: (g: Gradients) => void): (g: Gradients) => void {
  const o = opt as unknown as MomentumInternals;
  return (grads) => {
    if (!onWebGpu()) return original(grads);
    tf.tidy(() => {
      namesOf(grads).forEach((name, i) => {
        const value = variableNamed(name);
        const a = slot(o.accumulations, i, name, 'momentum', value);
        const g = gradientOf(grads, name, i);
        if (!g) return;
        const a2 = run('FusedMomentumAccumulation', { A: a, G: g }, [o.momentum]);
        const x2 = o.useNesterov
          ? run('FusedNesterovUpdate', { X: value, A: a2, G: g }, [-o.learningRate, o.momentum])
          : run('FusedMomentumUpdate', { X: value, A: a2 }, [-o.learningRate]);
        a.assign(a2);
        value.assign(x2);
      });
    });
    o.incrementIterations();
  };
}

function fusedRmsprop(opt: tf.RMSPropOptimizer, original: (g: Gradients) => void): (g: Gradients) => void {
  const o = opt as unknown as RmsInternals;
  return (grads) => {
    if (!onWebGpu()) return original(grads);
    tf.tidy(() => {
      namesOf(grads).forEach((name, i) => {
        const value = variableNamed(name);
        const ms = slot(o.accumulatedMeanSquares, i, name, 'rms', value);
        const a = slot(o.accumulatedMoments, i, name, 'momentum', value);
        const mg = o.centered ? slot(o.accumulatedMeanGrads, i, name, 'mg', value) : undefined;
        const g = gradientOf(grads, name, i);
        if (!g) return;
        const ms2 = run('FusedRmsMeanSquare', { S: ms, G: g }, [o.decay, 1 - o.decay]);
        const mg2 = mg && run('FusedRmsMeanGrad', { MG: mg, G: g }, [o.decay, 1 - o.decay]);
        const a2 = mg2
          ? run('FusedRmsCenteredMoment', { A: a, G: g, S: ms2, MG: mg2 }, [o.momentum, o.learningRate, o.epsilon])
          : run('FusedRmsMoment', { A: a, G: g, S: ms2 }, [o.momentum, o.learningRate, o.epsilon]);
        ms.assign(ms2);
        if (mg && mg2) mg.assign(mg2);
        a.assign(a2);
        value.assign(run('FusedRmsUpdate', { X: value, A: a2 }, []));
      });
    });
    o.incrementIterations();
  };
}

/**
 * Gives an optimizer fused webgpu updates where this module has them (Adam, SGD, momentum/Nesterov,
 * RMSprop plain or centred; not Adamax, Adagrad, Adadelta).
 * Returns whether it did; other optimizers keep tfjs's updates.
 */
export function fuseOptimizer(opt: tf.Optimizer): boolean {
  registerFusedOptimizerKernels();
  const target = opt as unknown as { applyGradients(g: Gradients): void };
  const original = target.applyGradients.bind(opt);
  // By class name: tfjs's optimizers define Symbol.hasInstance by duck typing (an Adam optimizer
  // is `instanceof MomentumOptimizer`).
  const make = { Adam: fusedAdam, SGD: fusedSgd, Momentum: fusedMomentum, RMSProp: fusedRmsprop }[opt.getClassName()] as
    | ((o: tf.Optimizer, original: (g: Gradients) => void) => (g: Gradients) => void)
    | undefined;
  const fused = make?.(opt, original);
  if (!fused) return false;
  target.applyGradients = fused;
  return true;
}
