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
import { ExportError } from '../errors';

const params = (category: 'loss' | 'optimizer' | 'schedule', value: unknown) => {
  const r = refOf(value);
  return { type: r.type, params: withDefaults(lookup(category, r.type)?.params ?? [], r.params) };
};

/** The spec's training settings as a Python dict literal and the loss/optimizer expressions. */
export function trainSetup(a: Analysis): { loss: string; optimizer: string; config: Record<string, unknown> } {
  const s = trainSettings(a.spec);
  if (!s) throw new ExportError('export/no-train', 'The spec has no `train` section to export.');
  const loss = params('loss', s.loss);
  const makeLoss = TORCH_LOSSES[loss.type];
  if (!makeLoss) throw new ExportError('export/pytorch-unsupported', `The loss \`${loss.type}\` has no PyTorch mapping yet.`);
  const opt = params('optimizer', s.optimizer);
  const makeOpt = TORCH_OPTIMIZERS[opt.type];
  if (!makeOpt) throw new ExportError('export/pytorch-unsupported', `The optimizer \`${opt.type}\` has no PyTorch mapping yet.`);
  const schedule = s.lrSchedule ? params('schedule', s.lrSchedule) : undefined;
  const config = {
    name: a.spec.name?.value ?? 'model',
    seed: s.seed,
    epochs: s.epochs,
    batch_size: s.batchSize,
    metrics: s.metrics.map((m) => m.type),
    label_kind: a.data?.labelKind ?? 'unknown',
    early_stopping: s.earlyStopping ? { monitor: s.earlyStopping.monitor, patience: s.earlyStopping.patience, min_delta: s.earlyStopping.minDelta ?? 0 } : null,
    schedule: schedule ?? null,
  };
  return { loss: makeLoss(loss.params), optimizer: makeOpt.make(opt.params), config };
}

const pyLiteral = (v: unknown): string => JSON.stringify(v, null, 4).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False').replace(/\bnull\b/g, 'None');

export function trainPy(a: Analysis, o: { initFromTfjs: boolean }): string {
  const { loss, optimizer, config } = trainSetup(a);
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
import json
import math
import os
import random
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

import data
import objectives
from model import Model
from objectives import *  # noqa: F401,F403  (the loss and optimizer below)

CONFIG = @CONFIG@

LOSS = @LOSS@


def make_optimizer(params):
    return @OPTIMIZER@


def learning_rate(step, base):
    """The spec's per-step schedule (the trainer's formulas), or the base rate."""
    s = CONFIG["schedule"]
    if not s or s["type"] == "reduce_on_plateau":
        return base
    p = s["params"]
    if s["type"] == "exponential_decay":
        e = step / p["decay_steps"]
        return base * p["decay_rate"] ** (math.floor(e) if p.get("staircase") else e)
    if s["type"] == "cosine_decay":
        t, a = min(step, p["decay_steps"]), p["alpha"]
        return base * (a + (1 - a) * (1 + math.cos(math.pi * t / p["decay_steps"])) / 2)
    if s["type"] == "piecewise_constant":
        i = sum(1 for b in p["boundaries"] if step >= b)
        return p["values"][min(i, len(p["values"]) - 1)]
    return base


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    ap.add_argument("--out", required=True, help="the run folder to write (created)")
    ap.add_argument("--batch-size", type=int, default=CONFIG["batch_size"], help="the global batch, split across processes")
    ap.add_argument("--resume", action="store_true", help="carry on from OUT/checkpoints/last.pt")
    ap.add_argument("--init-from", default=@INIT_DEFAULT@, help="a tfjs checkpoint folder (model.json) to start from")
    ap.add_argument("--amp", action="store_true", help="mixed precision (bfloat16 on CPU, float16 on CUDA)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (0: no limit)")
    ap.add_argument("--no-shuffle", action="store_true", help="keep the data's order (for comparisons)")
    return ap.parse_args()


class RunRecord:
    """run.json and metrics.jsonl, written by rank 0 only."""

    def __init__(self, out, enabled, args):
        self.out, self.enabled = out, enabled
        self.record = {
            "status": "running", "spec": os.path.abspath("spec.yaml"), "specName": CONFIG["name"],
            "seed": CONFIG["seed"], "backend": "pytorch", "device": "", "versions": {"torch": torch.__version__},
            "specHash": hashlib.sha256(open("spec.yaml", "rb").read()).hexdigest() if os.path.exists("spec.yaml") else "",
            "startedAt": datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"), "pid": os.getpid(),
        }
        if enabled:
            os.makedirs(os.path.join(out, "checkpoints"), exist_ok=True)
            if not args.resume and os.path.exists(os.path.join(out, "metrics.jsonl")):
                os.remove(os.path.join(out, "metrics.jsonl"))
            self.write()

    def event(self, e):
        if self.enabled:
            e["time"] = int(time.time() * 1000)
            with open(os.path.join(self.out, "metrics.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(e) + "\n")

    def write(self, **fields):
        self.record.update(fields)
        if self.enabled:
            tmp = os.path.join(self.out, "run.json.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.record, f, indent=2)
            os.replace(tmp, os.path.join(self.out, "run.json"))


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
            for name in CONFIG["metrics"]:
                if name in objectives.METRICS:
                    sums[name] = sums.get(name, 0.0) + float(objectives.METRICS[name](y, p, CONFIG["label_kind"])) * k
            n += k
    model.train()
    return {k: v / max(n, 1) for k, v in sums.items()}


def main():
    args = parse_args()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    distributed = world > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    random.seed(CONFIG["seed"])
    torch.manual_seed(CONFIG["seed"])
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} does not split over {world} processes")

    train_set, val_set = data.splits()
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=not args.no_shuffle, seed=CONFIG["seed"], drop_last=False) if distributed else None
    generator = torch.Generator().manual_seed(CONFIG["seed"])
    loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler, shuffle=sampler is None and not args.no_shuffle, generator=generator)

    model = Model()
    if args.init_from:
        import weights
        model.load_state_dict(weights.tfjs_to_state_dict(args.init_from, model))
    model.to(device)
    net = DistributedDataParallel(model, device_ids=[local] if device.type == "cuda" else None) if distributed else model
    optimizer = make_optimizer([p for p in model.parameters() if p.requires_grad])
    base_lr = optimizer.param_groups[0]["lr"]
    scaler = torch.cuda.amp.GradScaler(enabled=args.amp and device.type == "cuda")
    state = {"epoch": 0, "step": 0, "best": None, "wait": 0, "lr": base_lr}
    last = os.path.join(args.out, "checkpoints", "last.pt")
    if args.resume and os.path.exists(last):
        ckpt = torch.load(last, map_location=device)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
    plateau = objectives.ReduceOnPlateau(**CONFIG["schedule"]["params"]) if (CONFIG["schedule"] or {}).get("type") == "reduce_on_plateau" else None
    if plateau and state.get("plateau"):
        plateau.restore(state["plateau"])

    run = RunRecord(args.out, rank == 0, args)
    run.write(device=str(device), deviceReason=f"torch {torch.__version__}, {world} process(es)", params=sum(p.numel() for p in model.parameters()) - sum(model.get_parameter(k).numel() for k in __import__("model").FROZEN_ZEROS), **({"resumedFrom": last} if args.resume else {}))
    batches = len(loader)
    run.event({"type": "started", "runDir": os.path.abspath(args.out), "spec": run.record["spec"], "specName": CONFIG["name"], "backend": "pytorch", "device": str(device),
               "reason": f"torch {torch.__version__}, {world} process(es)", "params": run.record["params"], "seed": CONFIG["seed"], "epochs": args.epochs, "batchSize": args.batch_size,
               "batchesPerEpoch": batches, "samples": {"train": len(train_set), "validation": len(val_set), "test": 0}, "initialEpoch": state["epoch"]})
    es = CONFIG["early_stopping"]
    t0, status, reason, metrics = time.time(), "completed", "all epochs done", {}
    for epoch in range(state["epoch"] + 1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        te, seen, loss_sum = time.time(), 0, 0.0
        for b, (x, y) in enumerate(loader):
            x, y = x.to(device), y.to(device)
            for g in optimizer.param_groups:
                g["lr"] = learning_rate(state["step"], state["lr"])
            with torch.autocast(device.type, dtype=torch.float16 if device.type == "cuda" else torch.bfloat16, enabled=args.amp):
                loss = LOSS(y, net(x).float()).mean() + objectives.regularization(model)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            state["step"] += 1
            seen += len(x)
            loss_sum += float(loss) * len(x)
            if b % 20 == 0 or b == batches - 1:
                run.event({"type": "batch", "epoch": epoch, "batch": b + 1, "batches": batches, "loss": float(loss), "metrics": {"loss": loss_sum / seen},
                           "samplesPerSecond": seen * world / max(time.time() - te, 1e-9), "learningRate": optimizer.param_groups[0]["lr"]})
            if args.max_steps and state["step"] >= args.max_steps:
                break
        metrics = {"loss": loss_sum / max(seen, 1)}
        stop = False
        if rank == 0:
            if len(val_set):
                metrics.update({f"val_{k}": v for k, v in evaluate(model, val_set, device, args.batch_size).items()})
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

    if rank == 0:
        torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
        if os.path.exists(os.path.join("tfjs", "model.json")):
            import weights
            weights.state_dict_to_tfjs(model.state_dict(), "tfjs", os.path.join(args.out, "model"))
        duration = int((time.time() - t0) * 1000)
        run.event({"type": "done", "status": status, "reason": reason, "epochs": state["epoch"], "durationMs": duration, "runDir": os.path.abspath(args.out), "final": metrics})
        run.write(status=status, reason=reason, epochs=state["epoch"], final=metrics, durationMs=duration,
                  endedAt=datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"))
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
