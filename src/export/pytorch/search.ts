/**
 * search.py: the spec's `search:` section as an Optuna study over this package (issue 21 item 8).
 * Optuna is the engine beyond one machine: the same space, Optuna's equivalents of our sampler and
 * pruner, and workers that share one study through Optuna's RDB storage
 * (`--storage sqlite:///study.db`, or a PostgreSQL/MySQL URL for many machines). Each trial writes
 * its own generated files from templates (./searchTemplates.ts) and runs train.py on them as a
 * child process, reporting each epoch's metric to the trial from the run's metrics.jsonl.
 */
import type { SearchParam, SearchSettings } from '../../core/search/types';
import { ExportError } from '../errors';
import { buildTemplates, type GenerateFiles } from './searchTemplates';

const fence = (lang: string, body: string) => '```' + lang + '\n' + body.trim() + '\n```';

/** What search.py needs of the settings and the templates, as JSON. */
function studyConfig(settings: SearchSettings, name: string, templates: ReturnType<typeof buildTemplates>) {
  if (settings.sampler === 'grid') {
    const continuous = settings.space.find((p) => p.dist.kind === 'uniform' || p.dist.kind === 'loguniform');
    if (continuous) throw new ExportError('export/search-grid', `search.py runs \`sampler: grid\` with Optuna's GridSampler, which needs every parameter discrete: \`${continuous.path}\` is ${continuous.dist.kind}`);
  }
  return {
    name,
    metric: settings.metric,
    direction: settings.goal,
    trials: settings.trials,
    sampler: settings.sampler,
    seed: settings.seed,
    pruner: settings.pruner,
    space: settings.space.map((p: SearchParam) => ({ path: p.path, ...p.dist })),
    files: templates.files,
    choices: templates.choices,
  };
}

/** search.py for the spec `specText` (the package's other generated files come from `generate`). */
export function searchPy(specText: string, settings: SearchSettings, name: string, generate: GenerateFiles): string {
  if (settings.space.length === 0) throw new ExportError('export/search-empty', 'The search section has an empty space: nothing to search.');
  const config = studyConfig(settings, name, buildTemplates(specText, settings.space, generate));
  // A JSON text is a valid Python string literal once quoted as JSON again.
  return SEARCH_TEMPLATE.replace('@STUDY@', () => JSON.stringify(JSON.stringify(config)));
}

/** The README's section on search.py. */
export function searchReadme(settings: SearchSettings): string {
  return `
## Hyperparameter search (Optuna)

\`search.py\` runs the spec's \`search:\` section as an Optuna study (${settings.sampler} sampler, ${settings.pruner.kind} pruner, ${settings.trials} trials on \`${settings.metric}\`, ${settings.goal}): each trial trains this package with its values in \`runs/search/trial-N/\`.
Workers on any number of machines share one study through one database: start each with \`--storage\` pointing at it (\`sqlite:///study.db\` on one machine, \`postgresql://user:pass@host/db\` across machines).

${fence('sh', 'python search.py                                  # one process, the study in memory\npython search.py --storage sqlite:///study.db     # run it several times, at once: workers share the study')}
`;
}

const SEARCH_TEMPLATE = String.raw`"""Hyperparameter search over this package with Optuna: the spec's search section.

    python search.py                                   # one process; the study lives in memory
    python search.py --storage sqlite:///study.db      # workers (run this several times, anywhere
                                                       # the storage reaches) share one study

Each trial writes model.py, train.py and data.py with its values into runs/search/trial-N/, trains
there with train.py (a child process), and reports each epoch's metric to Optuna, which may prune
it. --trials caps the study's trials over all workers."""
import argparse
import json
import os
import subprocess
import sys
import time

import optuna

STUDY = json.loads(@STUDY@)
HERE = os.path.dirname(os.path.abspath(__file__))


def suggest(trial, p):
    kind, path = p["kind"], p["path"]
    if kind == "uniform":
        return trial.suggest_float(path, p["low"], p["high"])
    if kind == "loguniform":
        return trial.suggest_float(path, p["low"], p["high"], log=True)
    if kind == "int":
        # Optuna's log ints take no step: a stepped log int is searched linearly here.
        log = bool(p.get("log")) and p["step"] == 1
        return trial.suggest_int(path, int(p["low"]), int(p["high"]), step=1 if log else int(p["step"]), log=log)
    return trial.suggest_categorical(path, p["values"])


def render(text, values):
    def value(i):
        v = values[STUDY["space"][i]["path"]]
        choices = STUDY["choices"][i]
        # A string's stretch of code may hold a number's placeholder (an optimizer's learning rate).
        return render(choices[json.dumps(v)], values) if choices is not None else repr(v)

    out, rest = [], text
    while "@@P" in rest:
        head, _, tail = rest.partition("@@P")
        index, _, rest = tail.partition("@@")
        out += [head, value(int(index))]
    return "".join(out) + rest


def make_sampler(seed):
    kind = STUDY["sampler"]
    if kind == "grid":
        grid = {}
        for p in STUDY["space"]:
            grid[p["path"]] = p["values"] if "values" in p else list(range(int(p["low"]), int(p["high"]) + 1, int(p["step"])))
        return optuna.samplers.GridSampler(grid, seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def make_pruner():
    p = STUDY["pruner"]
    if p["kind"] == "median":
        # Steps are 1-based epochs: the first warmupEpochs epochs are never pruned.
        return optuna.pruners.MedianPruner(n_startup_trials=p["startupTrials"], n_warmup_steps=p["warmupEpochs"] + 1)
    if p["kind"] == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=p["minEpochs"], reduction_factor=p["reduction"], min_early_stopping_rate=0)
    return optuna.pruners.NopPruner()


def epochs_of(metrics_file, offset):
    """The epoch events appended to metrics.jsonl since offset, and the new offset."""
    if not os.path.exists(metrics_file):
        return [], offset
    with open(metrics_file, encoding="utf-8") as f:
        f.seek(offset)
        chunk = f.read()
    complete = chunk[: chunk.rfind("\n") + 1]
    events = [json.loads(line) for line in complete.splitlines() if line.strip()]
    return [e for e in events if e.get("type") == "epoch"], offset + len(complete.encode("utf-8"))


def objective(trial, out_root, extra):
    values = {p["path"]: suggest(trial, p) for p in STUDY["space"]}
    folder = os.path.join(out_root, f"trial-{trial.number}")
    os.makedirs(folder, exist_ok=True)
    for name, text in STUDY["files"].items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(render(text, values))
    with open(os.path.join(folder, "params.json"), "w", encoding="utf-8") as f:
        json.dump(values, f, indent=2)
    run = os.path.join(folder, "run")
    metrics_file = os.path.join(run, "metrics.jsonl")
    if os.path.exists(metrics_file):
        os.remove(metrics_file)
    # The trial's own files come first on the import path (the script's folder), the package's
    # others next (PYTHONPATH); data paths resolve from the package folder, the working directory.
    # A trial's shapes may differ from a run's checkpoint: trials train from scratch unless told.
    init = [] if any(a.startswith("--init-from") for a in extra) else ["--init-from", ""]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [HERE, os.environ.get("PYTHONPATH")])))
    child = subprocess.Popen([sys.executable, os.path.join(folder, "train.py"), "--out", run, *init, *extra], cwd=HERE, env=env)
    metric, offset, last = STUDY["metric"], 0, None
    while True:
        done = child.poll() is not None
        events, offset = epochs_of(metrics_file, offset)
        for e in events:
            if metric not in e["metrics"]:
                child.kill()
                child.wait()
                raise RuntimeError(f"train.py reports no {metric} (it reports {', '.join(sorted(e['metrics']))})")
            last = e["metrics"][metric]
            trial.report(last, e["epoch"])
            if trial.should_prune():
                child.kill()
                child.wait()
                raise optuna.TrialPruned(f"{metric} {last:.4g} at epoch {e['epoch']}")
        if done:
            break
        time.sleep(0.2)
    if child.returncode != 0:
        raise RuntimeError(f"train.py exited with {child.returncode} (its log: {run})")
    if last is None:
        raise RuntimeError(f"train.py finished without reporting {metric}")
    return last


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--storage", default=None, help="an Optuna RDB URL (sqlite:///study.db, postgresql://…) that workers share; default: in memory")
    ap.add_argument("--study-name", default=STUDY["name"])
    ap.add_argument("--trials", type=int, default=STUDY["trials"], help="the study's trials over all workers")
    ap.add_argument("--out", default=os.path.join("runs", "search"), help="the trials' folders go here")
    ap.add_argument("--seed", type=int, default=None, help="the sampler's seed (default: the spec's alone, the storage's workers unseeded)")
    args, extra = ap.parse_known_args()
    seed = args.seed if args.seed is not None else (STUDY["seed"] if args.storage is None else None)
    study = optuna.create_study(study_name=args.study_name, storage=args.storage, load_if_exists=True, direction=STUDY["direction"], sampler=make_sampler(seed), pruner=make_pruner())
    out_root = os.path.abspath(args.out)
    study.optimize(
        lambda t: objective(t, out_root, extra),
        callbacks=[optuna.study.MaxTrialsCallback(args.trials, states=None)],
        catch=(RuntimeError,),
    )
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if done:
        print(f"best {STUDY['metric']}: {study.best_value:.6g} with {json.dumps(study.best_params)} (trial {study.best_trial.number})")


if __name__ == "__main__":
    main()
`;
