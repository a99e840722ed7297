/**
 * The pruners against Optuna's own (Debian's python3-optuna at /usr/bin/python3): the same
 * learning curves, trial after trial, must be stopped at the same epochs. Optuna's steps are the
 * 1-based epochs, so `warmupEpochs: w` is its `n_warmup_steps = w + 1`.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createPruner } from '../../../src/core/search';
import { createRng } from '../../../src/core/search/rng';
import type { Goal, PrunerSettings, TrialRecord } from '../../../src/core/search/types';
import { settingsOf } from './helpers';

const PYTHON = '/usr/bin/python3';
const hasOptuna = spawnSync(PYTHON, ['-c', 'import optuna'], { encoding: 'utf8' }).status === 0;
if (!hasOptuna) console.warn(`test/core/search/pruners.optuna.test.ts skipped: ${PYTHON} cannot import optuna (npm run setup:test)`);

const EPOCHS = 9;

/** Learning curves: each trial its own level and slope, with noise. */
function curves(trials: number, seed: number): number[][] {
  return Array.from({ length: trials }, (_, n) => {
    const rng = createRng(seed, n);
    const level = 0.2 + rng.next();
    const slope = 0.5 + rng.next();
    return Array.from({ length: EPOCHS }, (_, e) => level + slope / (e + 1) + 0.1 * rng.next());
  });
}

const OPTUNA_SCRIPT = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
def run(cfg):
    p = cfg["pruner"]
    if p["kind"] == "median":
        pruner = optuna.pruners.MedianPruner(n_startup_trials=p["startupTrials"], n_warmup_steps=p["warmupEpochs"] + 1)
    else:
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=p["minEpochs"], reduction_factor=p["reduction"], min_early_stopping_rate=0)
    study = optuna.create_study(direction=cfg["goal"], pruner=pruner)
    epochs = []
    for curve in cfg["curves"]:
        trial = study.ask()
        ran = len(curve)
        for epoch, value in enumerate(curve, start=1):
            trial.report(value, epoch)
            if trial.should_prune():
                ran = epoch
                break
        if ran < len(curve):
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, min(curve) if cfg["goal"] == "minimize" else max(curve))
        epochs.append(ran)
    return epochs
print(json.dumps([run(cfg) for cfg in json.load(sys.stdin)]))
`;

interface Case {
  name: string;
  pruner: PrunerSettings;
  goal: Goal;
  curves: number[][];
}

/** Every case through Optuna in one Python process (its import takes seconds). */
function optunaEpochs(cases: readonly Case[]): number[][] {
  const r = spawnSync(PYTHON, ['-c', OPTUNA_SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as number[][];
}

function ourEpochs(pruner: PrunerSettings, goal: Goal, data: number[][]): number[] {
  const settings = settingsOf([], { pruner, goal });
  const p = createPruner(settings);
  const history: TrialRecord[] = [];
  return data.map((curve, number) => {
    const t: TrialRecord = { number, params: {}, state: 'running', intermediate: [] };
    history.push(t);
    const intermediate: number[] = [];
    for (const value of curve) {
      intermediate.push(value);
      t.intermediate = [...intermediate];
      if (p.shouldPrune(t, history, settings).prune) {
        t.state = 'pruned';
        return intermediate.length;
      }
    }
    t.state = 'complete';
    t.value = goal === 'minimize' ? Math.min(...curve) : Math.max(...curve);
    return curve.length;
  });
}

describe.skipIf(!hasOptuna)("pruners stop the same trials at the same epochs as Optuna's", () => {
  const pruners: [string, PrunerSettings][] = [
    ['median', { kind: 'median', startupTrials: 5, warmupEpochs: 0 }],
    ['median, 2 warm-up epochs', { kind: 'median', startupTrials: 3, warmupEpochs: 2 }],
    ['ASHA 1 × 3^k', { kind: 'asha', minEpochs: 1, reduction: 3 }],
    ['ASHA 2 × 2^k', { kind: 'asha', minEpochs: 2, reduction: 2 }],
  ];
  const cases: Case[] = pruners.flatMap(([name, pruner], i) =>
    (['minimize', 'maximize'] as const).map((goal) => ({ name: `${name}, ${goal}`, pruner, goal, curves: curves(40, i) })),
  );
  const theirs = hasOptuna ? optunaEpochs(cases) : [];
  cases.forEach((c, i) =>
    it(c.name, () => {
      const ours = ourEpochs(c.pruner, c.goal, c.curves);
      expect(ours).toEqual(theirs[i]);
      // The comparison means something only if some trials were stopped and some were not.
      expect(ours.some((e) => e < EPOCHS) && ours.some((e) => e === EPOCHS)).toBe(true);
    }),
  );
});
