/**
 * fine_tuning.py: what the trainer does around the optimizer's update, in PyTorch with its exact
 * semantics: the per-step learning-rate schedules and warm-up (src/trainer/model/schedules.ts),
 * Keras's gradient clipping (src/trainer/model/gradientStep.ts), and frozen layers, rate
 * multipliers and the unfreeze (src/trainer/model/pretrained.ts).
 */

export const FINE_TUNING_PY = String.raw`"""The ModelYAML trainer's schedules, gradient clipping, frozen layers, learning-rate multipliers
and unfreezing, formula for formula, so train.py steps as the trainer steps.

- learning_rate(schedule, t, base): the rate of optimizer step t (0-based), warm-up included.
- clip_gradients(params, clipping): Keras's order: clipnorm (each weight), else global_clipnorm,
  else clipvalue, on the gradients before the optimizer's step (AdamW decays after it).
- FineTuning: frozen layers get requires_grad=False and stay out of the optimizer (no gradient is
  computed for them); a multiplier m scales each step's update of its layers' weights,
  new = old + m * (stepped - old), as the trainer does (Adam and RMSprop would normalise a scaled
  gradient away); train.unfreeze turns the frozen layers on before the first epoch after
  after_epochs, adding them to the optimizer as a new parameter group."""
import math

import torch

from model import FROZEN_ZEROS, LAYERS


def _warmed_up(p, decay):
    """A decay after linear warm-up over warmup_steps (Keras 3's CosineDecay rule): from the base rate to
    warmup_target, then the decay from warmup_target on t - W; without a target, from 0 to the base rate."""
    w = p.get("warmup_steps") or 0
    target = p.get("warmup_target")

    def rate(t, base):
        peak = base if target is None else target
        if t >= w:
            return decay(t - w, peak)
        start = 0.0 if target is None else base
        return start + (peak - start) * t / w

    return rate


def cosine_restarts_factor(t, first, t_mul, m_mul, alpha):
    """Keras CosineDecayRestarts' factor of the initial rate at step t."""
    fraction = t / first
    if t_mul == 1:
        restart = math.floor(fraction)
        fraction -= restart
    else:
        restart = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
        before = (1 - t_mul ** restart) / (1 - t_mul)
        fraction = (fraction - before) / t_mul ** restart
    cosine = 0.5 * m_mul ** restart * (1 + math.cos(math.pi * fraction))
    return (1 - alpha) * cosine + alpha


def one_cycle_rate(t, max_lr, p):
    """PyTorch OneCycleLR's rate at step t (two phases; the momentum is not cycled)."""
    total = p["total_steps"]
    initial = max_lr / p["div_factor"]
    final = initial / p["final_div_factor"]
    peak = p["pct_start"] * total - 1
    if p.get("anneal_strategy") == "linear":
        anneal = lambda a, b, f: a + (b - a) * f  # noqa: E731
    else:
        anneal = lambda a, b, f: b + (a - b) / 2 * (1 + math.cos(math.pi * f))  # noqa: E731
    if t <= peak and peak > 0:
        return anneal(initial, max_lr, t / peak)
    return anneal(max_lr, final, (min(t, total - 1) - peak) / (total - 1 - peak))


def _exponential(p):
    def decay(t, base):
        e = t / p["decay_steps"]
        return base * p["decay_rate"] ** (math.floor(e) if p.get("staircase") else e)
    return _warmed_up(p, decay)


def _cosine(p):
    def decay(t, base):
        T, a = p["decay_steps"], p["alpha"]
        return base * (a + (1 - a) * (1 + math.cos(math.pi * min(t, T) / T)) / 2)
    return _warmed_up(p, decay)


def _polynomial(p):
    def decay(t, base):
        steps, end = p["decay_steps"], p["end_learning_rate"]
        # Keras: with cycle, T grows to the next multiple of decay_steps (at least one); else t stops at T.
        T = steps * max(1, math.ceil(t / steps)) if p.get("cycle") else steps
        return (base - end) * (1 - min(t, T) / T) ** p["power"] + end
    return _warmed_up(p, decay)


def _piecewise(p):
    def rate(t, _base):
        i = sum(1 for b in p["boundaries"] if t >= b)
        return p["values"][min(i, len(p["values"]) - 1)]
    return rate


STEP_SCHEDULES = {
    "exponential_decay": _exponential,
    "cosine_decay": _cosine,
    "cosine_decay_restarts": lambda p: _warmed_up(p, lambda t, base: base * cosine_restarts_factor(t, p["first_decay_steps"], p["t_mul"], p["m_mul"], p["alpha"])),
    "polynomial_decay": _polynomial,
    "piecewise_constant": _piecewise,
    "one_cycle": lambda p: lambda t, base: one_cycle_rate(t, p["max_lr"] if isinstance(p.get("max_lr"), (int, float)) else base, p),
}


def learning_rate(schedule, t, base):
    """The rate for optimizer step t (0-based) under the spec's schedule; the base rate without one
    (reduce_on_plateau changes the base per epoch, in objectives.ReduceOnPlateau)."""
    if not schedule or schedule["type"] not in STEP_SCHEDULES:
        return base
    return STEP_SCHEDULES[schedule["type"]](schedule["params"])(t, base)


@torch.no_grad()
def clip_gradients(params, clipping):
    """Keras's gradient clipping, in its order: clipnorm, else global_clipnorm, else clipvalue."""
    if not clipping:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if clipping.get("clipnorm"):
        c = clipping["clipnorm"]
        for g in grads:
            g.copy_(g * c / torch.clamp(torch.sqrt(torch.sum(torch.square(g))), min=c))
    elif clipping.get("global_clipnorm"):
        c = clipping["global_clipnorm"]
        norm = torch.sqrt(sum(torch.sum(torch.square(g)) for g in grads))
        scale = c / torch.clamp(norm, min=c)
        for g in grads:
            g.mul_(scale)
    elif clipping.get("clipvalue"):
        c = clipping["clipvalue"]
        for g in grads:
            g.clamp_(-c, c)


def _joined_state(optimizer, p, steps):
    """The state of a parameter that joins after that many steps: tfjs's Adam and Adamax count steps once for
    all their variables, so a variable that starts training later is bias-corrected with the global count
    (PyTorch counts per parameter). Zero moments, as a variable that had zero gradients until now."""
    zeros = lambda: torch.zeros_like(p, memory_format=torch.preserve_format)  # noqa: E731
    if isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW)):
        optimizer.state[p] = {"step": torch.tensor(float(steps)), "exp_avg": zeros(), "exp_avg_sq": zeros()}
    elif type(optimizer).__name__ == "TfjsAdamax":
        optimizer.state[p] = {"t": steps, "m": zeros(), "u": zeros()}


class FineTuning:
    """Frozen layers, learning-rate multipliers and the unfreeze of the spec (config: CONFIG["fine_tuning"])."""

    def __init__(self, model, config):
        self.model, self.config = model, config or {}
        self.multipliers = {}
        self.unfrozen = False
        self._held = {id(model.get_parameter(k)) for k in FROZEN_ZEROS}
        for p in self.params_of(self.config.get("frozen", [])):
            p.requires_grad_(False)
        self._hold_norms(self.config.get("frozen", []), True)
        if self.config.get("loaded_multiplier", 1) != 1:
            self.set(self.params_of(self.config.get("loaded", [])), self.config["loaded_multiplier"])

    def _hold_norms(self, layer_ids, frozen):
        """A frozen batch norm runs in inference mode even while the model trains (as Keras 3 and the
        trainer do): its model.train() is kept to eval, so it neither uses nor updates batch statistics."""
        for layer_id in layer_ids:
            module = getattr(self.model, LAYERS.get(layer_id, ""), None) if LAYERS.get(layer_id) else None
            if not isinstance(module, torch.nn.Module):
                continue
            for m in module.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    if frozen:
                        m.train = (lambda mode=True, m=m: torch.nn.Module.train(m, False))
                        m.train(False)
                    elif "train" in m.__dict__:
                        del m.train
                        m.train(self.model.training)

    def params_of(self, layer_ids):
        """The parameters of spec layers (by spec name), without the ones held at zero."""
        out = []
        for layer_id in layer_ids:
            module = getattr(self.model, LAYERS.get(layer_id, ""), None) if LAYERS.get(layer_id) else None
            if isinstance(module, torch.nn.Module):
                out.extend(p for p in module.parameters() if id(p) not in self._held)
        return out

    def set(self, params, multiplier):
        """The group of params learns at multiplier times the rate (1: the plain rate)."""
        for p in params:
            self.multipliers.pop(p, None)
            if multiplier != 1:
                self.multipliers[p] = multiplier

    def step(self, apply):
        """Runs the optimizer's step (apply), then scales each multiplied weight's update."""
        active = [(p, m, p.detach().clone()) for p, m in self.multipliers.items() if p.requires_grad]
        result = apply()
        with torch.no_grad():
            for p, m, before in active:
                p.copy_(before + (p - before) * m)
        return result

    def unfreeze_due(self, epoch):
        """Whether the unfreeze happens before this (1-based) epoch."""
        u = self.config.get("unfreeze")
        return bool(u) and not self.unfrozen and epoch > u["after_epochs"]

    def unfreeze(self, optimizer, steps):
        """The layers start training after that many optimizer steps: gradients on, a new parameter group, their multiplier."""
        u = self.config["unfreeze"]
        params = self.params_of(u["layers"])
        newly = [p for p in params if not p.requires_grad]
        for p in newly:
            p.requires_grad_(True)
        if newly:
            optimizer.add_param_group({"params": newly})
            for p in newly:
                _joined_state(optimizer, p, steps)
        self._hold_norms(u["layers"], False)
        self.set(params, u["multiplier"])
        self.unfrozen = True
        return u["layers"]
`;
