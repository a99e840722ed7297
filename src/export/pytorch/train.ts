/**
 * train.py: one process or under torchrun (DDP, NCCL on CUDA and gloo on CPU), the spec's loss,
 * optimizer, schedule, early stopping and seed; a checkpoint per epoch on rank 0 and resume; a
 * run folder in ModelYAML's format (run.json, metrics.jsonl with the trainer's events, model/ as
 * a tfjs checkpoint when the package holds a template) so the runs view and curves panel follow it.
 */
import type { Analysis } from '../../core/analyze';
import { lookup, withDefaults } from '../../core/catalog';
import { TORCH_LOSSES, TORCH_OPTIMIZERS, refOf } from '../../core/catalog/torch';
import { trainSettings } from '../../core/analyze';
import { frozenLayerIds } from '../../core/pretrained';
import { ExportError } from '../errors';

const params = (category: 'loss' | 'optimizer' | 'schedule', value: unknown) => {
  const r = refOf(value);
  return { type: r.type, params: withDefaults(lookup(category, r.type)?.params ?? [], r.params) };
};

const CLIPPING = ['clipnorm', 'global_clipnorm', 'clipvalue'] as const;

/**
 * The spec's frozen layers, rate multipliers and unfreeze as the trainer reads them
 * (src/trainer/model/pretrained.ts): `loaded` is the layers `model.weights` loaded from its source.
 */
function fineTuningConfig(a: Analysis, loaded: readonly string[]): Record<string, unknown> | null {
  const w = a.spec.model?.weights;
  const u = a.spec.train?.unfreeze;
  const frozen = [...frozenLayerIds(a.spec)];
  if (!frozen.length && !u?.afterEpochs && (!w || w.learningRateMultiplier === 1)) return null;
  return {
    frozen,
    loaded,
    loaded_multiplier: w?.learningRateMultiplier ?? 1,
    unfreeze: u?.afterEpochs ? { after_epochs: u.afterEpochs.value, layers: u.layers?.map((l) => l.value) ?? frozen, multiplier: u.learningRateMultiplier } : null,
  };
}

/** The spec's training settings as a Python dict literal and the loss/optimizer expressions. */
export function trainSetup(a: Analysis, loaded: readonly string[] = []): { loss: string; optimizer: string; config: Record<string, unknown> } {
  const s = trainSettings(a.spec);
  if (!s) throw new ExportError('export/no-train', 'The spec has no `train` section to export.');
  const loss = params('loss', s.loss);
  const makeLoss = TORCH_LOSSES[loss.type];
  if (!makeLoss) throw new ExportError('export/pytorch-unsupported', `The loss \`${loss.type}\` has no PyTorch mapping yet.`);
  const opt = params('optimizer', s.optimizer);
  const makeOpt = TORCH_OPTIMIZERS[opt.type];
  if (!makeOpt) throw new ExportError('export/pytorch-unsupported', `The optimizer \`${opt.type}\` has no PyTorch mapping yet.`);
  const schedule = s.lrSchedule ? params('schedule', s.lrSchedule) : undefined;
  const clipping = Object.fromEntries(CLIPPING.filter((k) => typeof opt.params[k] === 'number' && (opt.params[k] as number) > 0).map((k) => [k, opt.params[k]]));
  const config = {
    name: a.spec.name?.value ?? 'model',
    seed: s.seed,
    epochs: s.epochs,
    batch_size: s.batchSize,
    metrics: s.metrics.map((m) => m.type),
    label_kind: a.data?.labelKind ?? 'unknown',
    early_stopping: s.earlyStopping ? { monitor: s.earlyStopping.monitor, patience: s.earlyStopping.patience, min_delta: s.earlyStopping.minDelta ?? 0 } : null,
    schedule: schedule ?? null,
    clipping: Object.keys(clipping).length ? clipping : null,
    fine_tuning: fineTuningConfig(a, loaded),
  };
  return { loss: makeLoss(loss.params), optimizer: makeOpt.make(opt.params), config };
}

const pyLiteral = (v: unknown): string => JSON.stringify(v, null, 4).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False').replace(/\bnull\b/g, 'None');

export function trainPy(a: Analysis, o: { initFromTfjs: boolean; loaded?: readonly string[] }): string {
  const { loss, optimizer, config } = trainSetup(a, o.loaded);
  return TRAIN_TEMPLATE.replace('@CONFIG@', pyLiteral(config)).replace('@LOSS@', loss).replace('@OPTIMIZER@', optimizer).replace('@INIT_DEFAULT@', o.initFromTfjs ? '"tfjs"' : 'None');
}

const TRAIN_TEMPLATE = String.raw`"""Trains model.py on data.py's splits, as the ModelYAML trainer would.

    python train.py --epochs 3 --out runs/first                     # one process (CPU or one GPU)
    torchrun --nproc_per_node=4 train.py --out runs/ddp             # DDP: NCCL on CUDA, gloo on CPU

The run folder is ModelYAML's: run.json, metrics.jsonl (the trainer's events), checkpoints/ (one
per epoch, written by rank 0; --resume carries on from the last), model/ (a tfjs checkpoint, when
tfjs/ holds a template), so the runs view and the curves panel follow it."""
import argparse
import datetime
import hashlib
import itertools
import json
import math
import os
import random
import signal
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

import data
import fine_tuning
import objectives
from model import Model
from objectives import *  # noqa: F401,F403  (the loss and optimizer below)

CONFIG = @CONFIG@

LOSS = @LOSS@


def make_optimizer(params):
    return @OPTIMIZER@


def learning_rate(step, base):
    """The spec's per-step schedule with its warm-up (the trainer's formulas), or the base rate."""
    return fine_tuning.learning_rate(CONFIG["schedule"], step, base)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    ap.add_argument("--out", required=True, help="the run folder to write (created)")
    ap.add_argument("--batch-size", type=int, default=CONFIG["batch_size"], help="the global batch, split across processes")
    ap.add_argument("--resume", action="store_true", help="carry on from OUT/checkpoints/last.pt")
    ap.add_argument("--init-from", default=@INIT_DEFAULT@, help="a tfjs checkpoint folder (model.json) to start from")
    ap.add_argument("--amp", action="store_true", help="mixed precision (bfloat16 on CPU, float16 on CUDA)")
    ap.add_argument("--float64", action="store_true", help="double precision: slower, for numerical checks (DDP against one process agree to ~1e-15)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (0: no limit)")
    ap.add_argument("--no-shuffle", action="store_true", help="keep the data's order (for comparisons)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA when available")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    ap.add_argument("--max-threads", type=int, default=0, help="at most this many CPU threads: torch's default when that is fewer (0: no cap)")
    ap.add_argument("--seed", type=int, default=CONFIG["seed"])
    # The ModelYAML trainer's engine mode (src/node/torchEngine.ts): its events on stdout, its prepared splits.
    ap.add_argument("--events", action="store_true", help="also print each event as a JSON line on stdout")
    ap.add_argument("--prepared", help="a folder of <split>.x.bin/.y.bin float32 files and splits.json, instead of data.py")
    ap.add_argument("--max-batches-per-epoch", type=int, default=0, help="end each epoch after this many batches (0: all)")
    ap.add_argument("--event-every", type=int, default=0, help="a batch event every N batches, however fast (0: about 50 an epoch, with --events at most 10 a second)")
    ap.add_argument("--step-times", default=os.environ.get("MODELYAML_STEP_TIMES"), help="write each optimizer step's end time to this JSON file (benchmarks; env MODELYAML_STEP_TIMES)")
    return ap.parse_args()


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def _finite(v):
    """JSON has no NaN or Infinity: they travel as null, as in the trainer's events."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    return v


class RunRecord:
    """run.json and metrics.jsonl, written by rank 0 only (and, with --events, each event on stdout)."""

    def __init__(self, out, enabled, args):
        self.out, self.enabled, self.stream, self.file = out, enabled, args.events, None
        self.record = {
            "status": "running", "spec": os.path.abspath("spec.yaml"), "specName": CONFIG["name"],
            "seed": CONFIG["seed"], "backend": "pytorch", "device": "", "versions": {"torch": torch.__version__},
            "specHash": hashlib.sha256(open("spec.yaml", "rb").read()).hexdigest() if os.path.exists("spec.yaml") else "",
            "startedAt": _now_iso(), "pid": os.getpid(),
        }
        existing = os.path.join(out, "run.json")
        if args.events and os.path.exists(existing):
            # A run folder the trainer prepared: its record (spec, hash, engine and why) stays, updated.
            with open(existing, encoding="utf-8") as f:
                self.record = {**json.load(f), "status": "running", "pid": os.getpid()}
            self.record["versions"] = {**self.record.get("versions", {}), "torch": torch.__version__}
        if enabled:
            os.makedirs(os.path.join(out, "checkpoints"), exist_ok=True)
            if not args.resume and not args.events and os.path.exists(os.path.join(out, "metrics.jsonl")):
                os.remove(os.path.join(out, "metrics.jsonl"))
            self.write()

    def event(self, e):
        if self.enabled:
            e = _finite({"type": e["type"], "time": int(time.time() * 1000), **e})
            line = json.dumps(e) + "\n"
            # Opened once, flushed per line: a follower (runs view, curves) sees each event at once.
            if self.file is None:
                self.file = open(os.path.join(self.out, "metrics.jsonl"), "a", encoding="utf-8")
            self.file.write(line)
            self.file.flush()
            if self.stream:
                sys.stdout.write(line)
                sys.stdout.flush()

    def write(self, **fields):
        self.record.update(_finite(fields))
        if self.enabled:
            tmp = os.path.join(self.out, "run.json.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.record, f, indent=2)
            os.replace(tmp, os.path.join(self.out, "run.json"))


def prepared_splits(folder):
    """The trainer's own prepared samples (the same split and preprocessing as the embedded trainer)."""
    with open(os.path.join(folder, "splits.json"), encoding="utf-8") as f:
        meta = json.load(f)
    CONFIG["label_kind"] = meta.get("labelKind", CONFIG["label_kind"])

    def part(name):
        s = meta["splits"].get(name)
        if not s:
            return TensorDataset(torch.zeros(0), torch.zeros(0))
        read = lambda kind, shape: torch.frombuffer(bytearray(open(os.path.join(folder, f"{name}.{kind}.bin"), "rb").read()), dtype=torch.float32).reshape(shape)
        return TensorDataset(read("x", s["x"]), read("y", s["y"]))

    return part("train"), part("validation"), part("test")


def evaluate(model, dataset, device, batch_size):
    """Loss and metrics over a whole split (run on rank 0, unsharded)."""
    model.eval()
    sums, n = {}, 0
    with torch.no_grad():
        for x, y in DataLoader(dataset, batch_size=batch_size):
            x, y = x.to(device), y.to(device)
            p = model(x)
            k = len(x)
            sums["loss"] = sums.get("loss", 0.0) + float(LOSS(y, p).mean() + objectives.regularization(model)) * k
            for name, value in batch_metrics(y, p).items():
                sums[name] = sums.get(name, 0.0) + value * k
            n += k
    model.train()
    return {k: v / max(n, 1) for k, v in sums.items()}


def precision(args, device):
    """The run's precision, in Lightning's names (run.json's "precision")."""
    if args.amp:
        return "16-mixed" if device.type == "cuda" else "bf16-mixed"
    return "64-true" if args.float64 else "32-true"


def as_float64(dataset):
    """--float64: a split's float tensors in double precision (token ids and labels keep their values)."""
    return TensorDataset(*(t.double() if t.is_floating_point() else t for t in dataset.tensors)) if dataset is not None else None


def batch_metrics(y, p):
    return {name: float(objectives.METRICS[name](y, p, CONFIG["label_kind"])) for name in CONFIG["metrics"] if name in objectives.METRICS}


def batches(train_set, loader, generator, shuffle, limit):
    """One epoch's (x, y) batches: the DataLoader under DDP; in one process, slices of the tensors in
    the order RandomSampler would draw (the same torch.randperm), without collating sample by sample."""
    if loader.sampler is not None and isinstance(loader.sampler, DistributedSampler):
        yield from itertools.islice(loader, limit or None)
        return
    x, y = train_set.tensors
    n, size = len(x), loader.batch_size
    order = torch.randperm(n, generator=generator) if shuffle else None
    for b, i in enumerate(range(0, n, size)):
        if limit and b >= limit:
            return
        idx = order[i:i + size] if order is not None else slice(i, i + size)
        yield x[idx], y[idx]


class BatchEvents:
    """When a batch event is due: every --event-every batches when asked; else about 50 an epoch (every 20
    batches without --events) and, with --events, at most one per 0.1 s, as Keras's progress bar updates —
    a progress line and the curves need no more, and each event is a JSON line written and flushed to a pipe.
    An epoch's last batch always has one."""

    GAP_S = 0.1

    def __init__(self, args, batches_per_epoch):
        self.every = args.event_every or (max(1, math.ceil(batches_per_epoch / 50)) if args.events else 20)
        self.gap = self.GAP_S if args.events and not args.event_every else 0.0
        self.last, self.sent = batches_per_epoch - 1, -math.inf

    def due(self, b):
        now = time.perf_counter()
        if b == self.last or (b % self.every == 0 and now - self.sent >= self.gap):
            self.sent = now
            return True
        return False


class StepTimes:
    """--step-times FILE: (epoch, time, samples) at the end of each step, events included, written at the end, so
    a benchmark times the plain package and the engine (--events) alike, inside the process."""

    def __init__(self, path):
        self.path, self.steps = path, []

    def record(self, epoch, samples):
        if self.path:
            self.steps.append((epoch, time.perf_counter(), samples))

    def write(self):
        if self.path:
            with open(self.path, "w", encoding="utf-8") as f:
                json.dump({"clock": "perf_counter", "steps": self.steps}, f)


class Stop:
    """SIGINT/SIGTERM (Ctrl-C, ModelYAML's cancel): stop after the current batch, keep the checkpoint."""

    def __init__(self):
        self.requested = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.handle)

    def handle(self, signum, _frame):
        self.requested = self.requested or signal.Signals(signum).name


def setup(args):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    distributed = world > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and args.device != "cpu"
    if args.amp and args.float64:
        raise SystemExit("--amp and --float64 exclude each other: mixed precision is below float32, --float64 above it")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: this torch has no CUDA device")
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    # torch's default is one thread per physical core; more OpenMP threads than that made small models
    # 2-3x slower and uneven on a 2-vCPU machine (docs/cluster.md), so a cap never raises it.
    if args.threads:
        torch.set_num_threads(args.threads)
    elif args.max_threads and args.max_threads < torch.get_num_threads():
        torch.set_num_threads(args.max_threads)
    random.seed(CONFIG["seed"])
    torch.manual_seed(CONFIG["seed"])
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} does not split over {world} processes")
    return world, distributed, rank, local, device


def main():
    args = parse_args()
    CONFIG["seed"] = args.seed
    world, distributed, rank, local, device = setup(args)
    stop_signal = Stop()

    train_set, val_set, test_set = prepared_splits(args.prepared) if args.prepared else (*data.splits(), None)
    if args.float64:
        train_set, val_set, test_set = (as_float64(s) for s in (train_set, val_set, test_set))
    batch_size = min(args.batch_size, max(len(train_set), 1))
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=not args.no_shuffle, seed=CONFIG["seed"], drop_last=False) if distributed else None
    generator = torch.Generator().manual_seed(CONFIG["seed"])
    loader = DataLoader(train_set, batch_size=batch_size // world, sampler=sampler, shuffle=sampler is None and not args.no_shuffle, generator=generator)

    # With --init-from the model's own checkpoints (a bert layer's model.safetensors) would be overwritten: not read.
    model = Model(checkpoints=not args.init_from)
    import weights
    if args.init_from:
        model.load_state_dict(weights.tfjs_to_state_dict(args.init_from, model))
    weights.load_pretrained(model)  # the spec's model.weights, when the package holds them (pretrained/)
    model.to(device)
    if args.float64:
        model.double()
    # Frozen layers: requires_grad False before DDP and the optimizer see the parameters.
    fine = fine_tuning.FineTuning(model, CONFIG["fine_tuning"])
    wrap = lambda: DistributedDataParallel(model, device_ids=[local] if device.type == "cuda" else None) if distributed else model  # noqa: E731
    net = wrap()
    optimizer = make_optimizer([p for p in model.parameters() if p.requires_grad])
    base_lr = optimizer.param_groups[0]["lr"]
    scaler = torch.cuda.amp.GradScaler(enabled=args.amp and device.type == "cuda")
    state = {"epoch": 0, "step": 0, "best": None, "wait": 0, "lr": base_lr}
    last = os.path.join(args.out, "checkpoints", "last.pt")
    if args.resume and os.path.exists(last):
        ckpt = torch.load(last, map_location=device)
        model.load_state_dict(ckpt["model"])
        if fine.unfreeze_due(ckpt["state"]["epoch"] + 1):
            fine.unfreeze(optimizer, ckpt["state"]["step"])  # the checkpoint's optimizer holds the unfrozen group
            net = wrap()
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
    plateau = objectives.ReduceOnPlateau(**CONFIG["schedule"]["params"]) if (CONFIG["schedule"] or {}).get("type") == "reduce_on_plateau" else None
    if plateau and state.get("plateau"):
        plateau.restore(state["plateau"])

    run = RunRecord(args.out, rank == 0, args)
    reason_run = run.record.get("engineReason") or f"torch {torch.__version__}, {world} process(es)"
    run.write(device=str(device), deviceReason=reason_run, **({"threads": torch.get_num_threads()} if device.type == "cpu" else {}), precision=precision(args, device), params=sum(p.numel() for p in model.parameters()) - sum(model.get_parameter(k).numel() for k in __import__("model").FROZEN_ZEROS), **({"resumedFrom": run.record.get("resumedFrom", last)} if args.resume else {}))
    batches_per_epoch = min(len(loader), args.max_batches_per_epoch or len(loader))
    cadence, step_times = BatchEvents(args, batches_per_epoch), StepTimes(args.step_times if rank == 0 else None)
    run.event({"type": "started", "runDir": os.path.abspath(args.out), "spec": run.record["spec"], "specName": run.record.get("specName", CONFIG["name"]), "backend": "pytorch", "device": str(device),
               "reason": reason_run, "params": run.record["params"], "seed": CONFIG["seed"], "epochs": args.epochs, "batchSize": batch_size,
               "batchesPerEpoch": batches_per_epoch, "samples": {"train": len(train_set), "validation": len(val_set), "test": len(test_set) if test_set is not None else 0}, "initialEpoch": state["epoch"] + 1})
    es = CONFIG["early_stopping"]
    t0, status, reason, metrics = time.time(), "completed", f"completed {args.epochs} epoch{'' if args.epochs == 1 else 's'}", {}
    for epoch in range(state["epoch"] + 1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        if fine.unfreeze_due(epoch):
            unfrozen, u = fine.unfreeze(optimizer, state["step"]), CONFIG["fine_tuning"]["unfreeze"]
            net = wrap()  # DDP registers the parameters that need gradients when it wraps the model
            run.event({"type": "log", "level": "info", "message": f"unfroze {', '.join(unfrozen)} before epoch {epoch}" + (f" (learning rate × {u['multiplier']})" if u["multiplier"] != 1 else "")})
        te, seen, sums = time.time(), 0, {}
        for b, (x, y) in enumerate(batches(train_set, loader, generator, not args.no_shuffle, args.max_batches_per_epoch)):
            x, y = x.to(device), y.to(device)
            for g in optimizer.param_groups:
                g["lr"] = learning_rate(state["step"], state["lr"])
            with torch.autocast(device.type, dtype=torch.float16 if device.type == "cuda" else torch.bfloat16, enabled=args.amp):
                p = net(x)
                p = p.float() if args.amp else p  # autocast's half-precision output; float32 and float64 as they are
                loss = LOSS(y, p).mean() + objectives.regularization(model)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if CONFIG["clipping"]:
                scaler.unscale_(optimizer)
                fine_tuning.clip_gradients(model.parameters(), CONFIG["clipping"])
            fine.step(lambda: scaler.step(optimizer))
            scaler.update()
            state["step"] += 1
            seen += len(x)
            with torch.no_grad():
                for k, v in {"loss": float(loss), **batch_metrics(y, p.detach())}.items():
                    sums[k] = sums.get(k, 0.0) + v * len(x)
            if cadence.due(b):
                run.event({"type": "batch", "epoch": epoch, "batch": b + 1, "batches": batches_per_epoch, "loss": float(loss), "metrics": {k: v / seen for k, v in sums.items()},
                           "samplesPerSecond": seen * world / max(time.time() - te, 1e-9), "learningRate": optimizer.param_groups[0]["lr"]})
            step_times.record(epoch, len(x) * world)
            if (args.max_steps and state["step"] >= args.max_steps) or stop_signal.requested:
                break
        if stop_signal.requested and rank == 0:
            # An unfinished epoch is not checkpointed: the last checkpoint stays the last whole epoch.
            status, reason = "cancelled", f"cancelled ({stop_signal.requested}) during epoch {epoch}; the checkpoint of epoch {state['epoch']} is kept" if state["epoch"] else f"cancelled ({stop_signal.requested}) during the first epoch"
            break
        metrics = {k: v / max(seen, 1) for k, v in sums.items()}
        stop = False
        if rank == 0:
            if len(val_set):
                metrics.update({f"val_{k}": v for k, v in evaluate(model, val_set, device, batch_size).items()})
            state["epoch"] = epoch
            if plateau:
                state["lr"] = plateau.after_epoch(metrics, state["lr"]) or state["lr"]
                state["plateau"] = plateau.state()
            run.event({"type": "epoch", "epoch": epoch, "epochs": args.epochs, "metrics": metrics, "durationMs": int((time.time() - te) * 1000), "learningRate": optimizer.param_groups[0]["lr"]})
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state}, last + ".tmp")
            os.replace(last + ".tmp", last)
            run.event({"type": "checkpoint", "kind": "last", "epoch": epoch, "path": last})
            if es:
                value = metrics.get(es["monitor"], metrics.get("loss"))
                better = state["best"] is None or (value > state["best"] + es["min_delta"] if "acc" in es["monitor"] else value < state["best"] - es["min_delta"])
                state["best"], state["wait"] = (value, 0) if better else (state["best"], state["wait"] + 1)
                if better:
                    torch.save({"model": model.state_dict()}, os.path.join(args.out, "checkpoints", "best.pt"))
                    run.event({"type": "checkpoint", "kind": "best", "epoch": epoch, "path": os.path.join(args.out, "checkpoints", "best.pt"), "monitor": es["monitor"], "value": value})
                stop = state["wait"] >= es["patience"]
        state["epoch"] = epoch
        if distributed:
            flag = torch.tensor([1.0 if stop else 0.0, state["lr"]], dtype=torch.float64, device=device)
            dist.broadcast(flag, 0)
            stop, state["lr"] = bool(flag[0].item()), float(flag[1].item())
        if stop:
            reason = f"early stopping: {es['monitor']} did not improve for {es['patience']} epochs"
            break
        if args.max_steps and state["step"] >= args.max_steps:
            reason = f"--max-steps {args.max_steps} reached"
            break
        if stop_signal.requested:
            status, reason = "cancelled", f"cancelled ({stop_signal.requested}) after epoch {epoch}"
            break

    step_times.write()
    if rank == 0:
        # The test split (prepared runs have one when the spec asks): the trainer's done.test.
        test = evaluate(model, test_set, device, batch_size) if status == "completed" and test_set is not None and len(test_set) else None
        finish(args, run, model, state, status, reason, metrics, t0, test)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


def finish(args, run, model, state, status, reason, metrics, t0, test=None):
    """model.pt, the tfjs checkpoints when there is a template (tfjs/ or --init-from), the done event and the closed record."""
    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
    template = "tfjs" if os.path.exists(os.path.join("tfjs", "model.json")) else args.init_from
    if template and os.path.exists(os.path.join(template, "model.json")):
        import weights
        weights.state_dict_to_tfjs(model.state_dict(), template, os.path.join(args.out, "model"))
        best = os.path.join(args.out, "checkpoints", "best.pt")
        if os.path.exists(best):
            weights.state_dict_to_tfjs(torch.load(best, map_location="cpu")["model"], template, os.path.join(args.out, "checkpoints", "best"))
    duration = int((time.time() - t0) * 1000)
    tested = {"test": test} if test else {}
    run.event({"type": "done", "status": status, "reason": reason, "epochs": state["epoch"], "durationMs": duration, "runDir": os.path.abspath(args.out), "final": metrics, **tested})
    run.write(status=status, reason=reason, epochs=state["epoch"], final=metrics, durationMs=duration, endedAt=_now_iso(), **tested)


if __name__ == "__main__":
    main()
`;
