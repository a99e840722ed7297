/**
 * objectives.py: the trainer's losses, optimizers and metrics (src/trainer/model/objectives.ts)
 * in PyTorch, formula for formula, so a step here moves the weights as a step there does.
 */

export const OBJECTIVES_PY = String.raw`"""Losses, optimizers and metrics with the ModelYAML trainer's (TensorFlow.js's) exact formulas.

Losses return one value per sample (the mean over the last axis, as Keras); the training loss is
their batch mean plus the regularizers. Where torch.optim's update differs from tfjs's (RMSprop,
Adagrad, Adamax put epsilon elsewhere) the tfjs rule is written out below."""
import functools  # noqa: F401  (train.py's LOSS uses functools.partial)
import math
import re

import torch
import torch.nn.functional as F

EPS = 1e-7


def mean_squared_error(y, p):
    return torch.mean(torch.square(p - y), dim=-1)


def mean_absolute_error(y, p):
    return torch.mean(torch.abs(p - y), dim=-1)


def huber(y, p, delta=1.0):
    e = torch.abs(p - y)
    quad = torch.clamp(e, max=delta)
    return torch.mean(0.5 * torch.square(quad) + delta * (e - quad), dim=-1)


def log_cosh(y, p):
    x = p - y
    return torch.mean(x + F.softplus(-2.0 * x) - torch.log(torch.tensor(2.0)), dim=-1)


def mean_squared_logarithmic_error(y, p):
    return torch.mean(torch.square(torch.log1p(torch.clamp(p, min=EPS)) - torch.log1p(torch.clamp(y, min=EPS))), dim=-1)


def binary_crossentropy(y, p, from_logits=False, label_smoothing=0.0):
    if label_smoothing > 0:
        y = y * (1 - label_smoothing) + label_smoothing / 2
    if from_logits:
        return torch.mean(torch.relu(p) - p * y + torch.log1p(torch.exp(-torch.abs(p))), dim=-1)
    q = torch.clamp(p, EPS, 1 - EPS)
    return torch.mean(-(y * torch.log(q) + (1 - y) * torch.log(1 - q)), dim=-1)


def _cross_entropy(y, p, from_logits):
    if from_logits:
        return -torch.sum(y * torch.log_softmax(p, dim=-1), dim=-1)
    probs = p / torch.sum(p, dim=-1, keepdim=True)
    return -torch.sum(y * torch.log(torch.clamp(probs, EPS, 1 - EPS)), dim=-1)


def categorical_crossentropy(y, p, from_logits=False, label_smoothing=0.0):
    if label_smoothing > 0:
        y = y * (1 - label_smoothing) + label_smoothing / p.shape[-1]
    return _cross_entropy(y, p, from_logits)


def sparse_categorical_crossentropy(y, p, from_logits=False, label_smoothing=0.0):
    one_hot = F.one_hot(y.reshape(-1).long(), p.shape[-1]).to(p.dtype)
    return categorical_crossentropy(one_hot, p, from_logits, label_smoothing)


def kl_divergence(y, p):
    yc = torch.clamp(y, EPS, 1)
    return torch.sum(yc * torch.log(yc / torch.clamp(p, EPS, 1)), dim=-1)


def poisson(y, p):
    return torch.mean(p - y * torch.log(p + EPS), dim=-1)


def cosine_similarity(y, p):
    yn = y / (torch.linalg.norm(y, dim=-1, keepdim=True) + EPS)
    pn = p / (torch.linalg.norm(p, dim=-1, keepdim=True) + EPS)
    return -torch.sum(yn * pn, dim=-1)


def _signed(y, label_kind):
    """Hinge labels: 0/1 become -1/+1 (Keras does the same); -1/+1 labels pass unchanged."""
    return y if label_kind == "signed" else y * 2 - 1


def hinge(y, p, label_kind="binary"):
    return torch.mean(torch.relu(1 - _signed(y, label_kind) * p), dim=-1)



class ReduceOnPlateau:
    """The trainer's reduce_on_plateau: after each epoch, the rate times factor once the monitored value has not
    improved by min_delta for patience epochs (then cooldown epochs of rest), never below min_lr."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0, mode="auto"):
        rising = mode == "max" or (mode == "auto" and re.search(r"acc|auc|precision|recall|f1|r2", monitor))
        self.monitor, self.factor, self.patience, self.min_delta, self.cooldown, self.min_lr = monitor, factor, patience, min_delta, cooldown, min_lr
        self.mode = "max" if rising else "min"
        self.best, self.wait, self.cool = (-math.inf if rising else math.inf), 0, 0

    def after_epoch(self, metrics, current):
        """The new rate, or None to keep the current one."""
        v = metrics.get(self.monitor, metrics.get(self.monitor[4:]) if self.monitor.startswith("val_") else None)
        if v is None or not math.isfinite(v):
            return None
        if self.cool > 0:
            self.cool -= 1
            self.wait = 0
        if (v < self.best - self.min_delta) if self.mode == "min" else (v > self.best + self.min_delta):
            self.best, self.wait = v, 0
            return None
        if self.cool > 0:
            return None
        self.wait += 1
        if self.wait >= self.patience:
            self.wait, self.cool = 0, self.cooldown
            new = max(current * self.factor, self.min_lr)
            return new if new < current else None
        return None

    def state(self):
        return {"best": self.best, "wait": self.wait, "cool": self.cool}

    def restore(self, s):
        self.best, self.wait, self.cool = s["best"], s["wait"], s["cool"]


def regularization(model):
    """Keras's penalties: l1 * sum|w| + l2 * sum w^2 for every weight the spec regularizes."""
    params = dict(model.named_parameters())
    total = 0.0
    for key, l1, l2 in model.REGULARIZED:
        w = params[key]
        if l1:
            total = total + l1 * torch.sum(torch.abs(w))
        if l2:
            total = total + l2 * torch.sum(torch.square(w))
    return total


class _Tfjs(torch.optim.Optimizer):
    """An optimizer whose update is written per parameter in step_one."""

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.step_one(p, p.grad, self.state[p], group)
        return loss


class TfjsRMSprop(_Tfjs):
    """tfjs's RMSprop: divides by sqrt(ms + eps) (centred: sqrt(ms - mg^2 + eps), Keras's), with momentum."""

    def __init__(self, params, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
        super().__init__(params, dict(lr=lr, rho=rho, momentum=momentum, eps=eps, centered=centered))

    def step_one(self, p, g, state, group):
        if not state:
            state["ms"] = torch.zeros_like(p)
            state["mom"] = torch.zeros_like(p)
            if group["centered"]:
                state["mg"] = torch.zeros_like(p)
        rho = group["rho"]
        state["ms"].mul_(rho).add_((1 - rho) * g * g)
        if group["centered"]:
            state["mg"].mul_(rho).add_((1 - rho) * g)
            denom = torch.sqrt(state["ms"] - state["mg"] * state["mg"] + group["eps"])
        else:
            denom = torch.sqrt(state["ms"] + group["eps"])
        state["mom"].mul_(group["momentum"]).add_(group["lr"] * g / denom)
        p.sub_(state["mom"])


class TfjsAdagrad(_Tfjs):
    """tfjs's Adagrad: divides by sqrt(accumulator + 1e-7)."""

    def __init__(self, params, lr=0.001, initial_accumulator_value=0.1):
        super().__init__(params, dict(lr=lr, initial_accumulator_value=initial_accumulator_value))

    def step_one(self, p, g, state, group):
        if not state:
            state["acc"] = torch.full_like(p, group["initial_accumulator_value"])
        state["acc"].add_(g * g)
        p.sub_(group["lr"] * g / torch.sqrt(state["acc"] + EPS))


class TfjsAdamax(_Tfjs):
    """tfjs's Adamax: u = max(beta2 * u, |g|), step lr / (1 - beta1^t) * m / (u + eps)."""

    def __init__(self, params, lr=0.002, betas=(0.9, 0.999), eps=1e-7):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    def step_one(self, p, g, state, group):
        if not state:
            state["t"] = 0
            state["m"] = torch.zeros_like(p)
            state["u"] = torch.zeros_like(p)
        b1, b2 = group["betas"]
        state["t"] += 1
        state["m"].mul_(b1).add_((1 - b1) * g)
        torch.maximum(state["u"] * b2, torch.abs(g), out=state["u"])
        p.sub_(group["lr"] / (1 - b1 ** state["t"]) * state["m"] / (state["u"] + group["eps"]))


def accuracy(y, p, label_kind):
    """The fraction right, for the spec's label kind (one-hot, class index, binary)."""
    if label_kind == "one_hot":
        right = torch.argmax(p, dim=-1) == torch.argmax(y, dim=-1)
    elif label_kind == "class_index":
        right = torch.argmax(p, dim=-1) == y.reshape(-1).long()
    else:
        right = (p > 0.5).to(y.dtype) == y
    return right.float().mean()


METRICS = {
    "accuracy": accuracy,
    "mean_absolute_error": lambda y, p, _kind: torch.mean(torch.abs(p - y)),
    "mean_squared_error": lambda y, p, _kind: torch.mean(torch.square(p - y)),
}
`;
