/**
 * Grid search: the cartesian product of every `grid` and `choice` parameter's values and every
 * int parameter's steps, in a fixed order (the space's order, the last parameter varying
 * fastest), each point tried once. Each trial takes the first point no earlier trial (of any
 * state) has taken, so a resumed or parallel search neither repeats nor skips one; `undefined`
 * once all are taken. Continuous parameters (uniform, loguniform) have no grid: they are drawn
 * at random for each point.
 */
import { intSteps, sampleParam } from './random';
import type { ParamValue, Sampler, SamplerContext, SearchParam, TrialParams } from '../types';

/** The values a parameter takes on the grid, or undefined for a continuous one. */
function gridValues(p: SearchParam): readonly ParamValue[] | undefined {
  const d = p.dist;
  if (d.kind === 'grid' || d.kind === 'choice') return d.values;
  if (d.kind === 'int') return Array.from({ length: intSteps(d) + 1 }, (_, k) => d.low + k * d.step);
  return undefined;
}

/** How many points the grid of `space` has (1 for a space with no discrete parameter). */
export function gridSize(space: readonly SearchParam[]): number {
  return space.reduce((n, p) => n * (gridValues(p)?.length ?? 1), 1);
}

/** The grid point at `index` (mixed radix, last parameter fastest), discrete parameters only. */
export function gridPoint(space: readonly SearchParam[], index: number): TrialParams {
  const point: TrialParams = {};
  let rest = index;
  for (let i = space.length - 1; i >= 0; i--) {
    const values = gridValues(space[i]);
    if (!values) continue;
    point[space[i].path] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  return point;
}

function samePoint(a: TrialParams, b: TrialParams): boolean {
  return Object.keys(a).every((k) => a[k] === b[k]);
}

function sampleGrid(ctx: SamplerContext): TrialParams | undefined {
  const { space } = ctx.settings;
  const size = gridSize(space);
  for (let index = 0; index < size; index++) {
    const point = gridPoint(space, index);
    if (ctx.history.some((t) => samePoint(point, t.params))) continue;
    const params: TrialParams = {};
    for (const p of space) params[p.path] = p.path in point ? point[p.path] : sampleParam(p.dist, ctx.rng);
    return params;
  }
  return undefined;
}

export function createGridSampler(): Sampler {
  return { sample: sampleGrid };
}
