/**
 * The package's fixed Python modules (the same for every spec): Keras's initializers on PyTorch
 * tensors, and the tfjs checkpoint ↔ state_dict converter. Only torch and the standard library.
 */

export const KERAS_INIT_PY = String.raw`"""Keras's initializers (the trainer's) on PyTorch tensors: PyTorch's fans equal Keras's for Linear
([out, in] vs Keras [in, out]) and Conv ([out, in, kh, kw] vs [kh, kw, in, out]); model.py passes Keras's
fans where they differ (depthwise kernels, embedding tables, weights kept in Keras's layout)."""
import math

import torch
from torch import nn


def truncated_normal_(t, mean, std):
    """Keras's truncated normal: redrawn outside two standard deviations."""
    return nn.init.trunc_normal_(t, mean, std, mean - 2 * std, mean + 2 * std)


def variance_scaling_(t, scale, mode, distribution, fans=None):
    """Glorot / He / LeCun, uniform or truncated normal, as Keras's VarianceScaling computes them; fans: Keras's
    (fan_in, fan_out) where the tensor's PyTorch layout gives other ones (depthwise kernels, embedding tables)."""
    fan_in, fan_out = fans or nn.init._calculate_fan_in_and_fan_out(t)
    n = fan_in if mode == "fan_in" else (fan_in + fan_out) / 2
    s = scale / max(1.0, n)
    with torch.no_grad():
        if distribution == "uniform":
            limit = math.sqrt(3.0 * s)
            return t.uniform_(-limit, limit)
        # 0.8796…: the standard deviation of a unit normal truncated at ±2.
        return truncated_normal_(t, 0.0, math.sqrt(s) / 0.87962566103423978)


def orthogonal_(t, gain):
    return nn.init.orthogonal_(t, gain)
`;

export const WEIGHTS_PY = String.raw`"""A TensorFlow.js layers checkpoint (model.json + weight files, Keras layouts) to this package's
state_dict and back, with plain file I/O. The table WEIGHT_MAP (model.py) says, per weight, its
tfjs name, its state_dict key and how the layout changes; converting back inverts each step, so
tfjs -> PyTorch -> tfjs gives back the same bytes.

    python weights.py to-torch RUN/checkpoints/best weights.pt
    python weights.py to-tfjs weights.pt RUN/checkpoints/best OUT_DIR   # model.json of the first as the template
"""
from array import array
import json
import math
import os
import sys

import torch

from model import FROZEN_ZEROS, WEIGHT_MAP


def read_tfjs(model_dir):
    """model.json and its weights, by name, as float32/int32 tensors (in manifest order)."""
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as f:
        meta = json.load(f)
    weights = {}
    for group in meta["weightsManifest"]:
        data = b"".join(_read(model_dir, p) for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            n = math.prod(w["shape"])
            dtype = torch.float32 if w["dtype"] == "float32" else torch.int32
            chunk = bytearray(data[offset:offset + 4 * n])
            weights[w["name"]] = torch.frombuffer(chunk, dtype=dtype).reshape(w["shape"]) if n else torch.zeros(w["shape"], dtype=dtype)
            offset += 4 * n
    return meta, weights


def _read(model_dir, name):
    path = os.path.realpath(os.path.join(model_dir, name))
    if os.path.dirname(path) != os.path.realpath(model_dir):
        raise ValueError(f"model.json names a weight file outside its folder: {name!r}")
    with open(path, "rb") as f:
        return f.read()


def _bytes(t):
    """Little-endian float32/int32 bytes, as tfjs stores them (array: no numpy needed)."""
    values = array("f" if t.dtype == torch.float32 else "i", t.flatten().tolist())
    if sys.byteorder != "little":
        values.byteswap()
    return values.tobytes()


def _gate_order(t, gates, inverse=False):
    blocks = t.chunk(len(gates), dim=0)
    order = [gates.index(i) for i in range(len(gates))] if inverse else gates
    return torch.cat([blocks[g] for g in order], dim=0)


def tfjs_to_state_dict(model_dir, model, partial=False):
    """The model's state_dict with every mapped weight taken from the checkpoint (partial: only the
    weights it holds, the rest as the model has them)."""
    _, tf = read_tfjs(model_dir)
    state = model.state_dict()
    for m in WEIGHT_MAP:
        if partial and m["tf"] not in tf:
            continue
        if m["tf"] not in tf:
            raise KeyError(f"{model_dir}/model.json has no weight {m['tf']} (for {m['torch']}): is it a run of this spec?")
        t = tf[m["tf"]].clone()
        if "row" in m:
            t = t[m["row"]]
        if "perm" in m:
            t = t.permute(*m["perm"])
        if "gates" in m:
            t = _gate_order(t, m["gates"])
        if "shape" in m:
            t = t.reshape(m["shape"])
        if tuple(t.shape) != tuple(state[m["torch"]].shape):
            raise ValueError(f"{m['tf']} has shape {list(tf[m['tf']].shape)}; {m['torch']} needs {list(state[m['torch']].shape)}")
        state[m["torch"]] = t.contiguous()
    for key in FROZEN_ZEROS:
        state[key] = torch.zeros_like(state[key])
    return state


PRETRAINED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretrained")


def load_pretrained(model, folder=PRETRAINED):
    """The spec's model.weights, written into the package at export (pretrained/: model.json + weights.bin,
    the loaded layers' weights under this model's tfjs names); False when the package has none."""
    if not os.path.exists(os.path.join(folder, "model.json")):
        return False
    model.load_state_dict(tfjs_to_state_dict(folder, model, partial=True))
    return True


def state_dict_to_tfjs(state, template_dir, out_dir):
    """Writes model.json (the template's topology) and one weights.bin holding the state_dict's weights in Keras layouts."""
    meta, tf = read_tfjs(template_dir)
    out = {name: t.clone() for name, t in tf.items()}
    for m in WEIGHT_MAP:
        t = state[m["torch"]].detach().to("cpu", torch.float32)
        target = tf[m["tf"]]
        tf_shape = list(target.shape[1:] if "row" in m else target.shape)
        if "shape" in m:
            t = t.reshape([tf_shape[p] for p in m["perm"]])
        if "gates" in m:
            t = _gate_order(t, m["gates"], inverse=True)
        if "perm" in m:
            inverse = [m["perm"].index(i) for i in range(len(m["perm"]))]
            t = t.permute(*inverse)
        if "row" in m:
            out[m["tf"]][m["row"]] = t
        else:
            out[m["tf"]] = t.contiguous()
    os.makedirs(out_dir, exist_ok=True)
    entries = [w for group in meta["weightsManifest"] for w in group["weights"]]
    with open(os.path.join(out_dir, "weights.bin"), "wb") as f:
        for w in entries:
            f.write(_bytes(out[w["name"]]))
    meta["weightsManifest"] = [{"paths": ["weights.bin"], "weights": entries}]
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)


if __name__ == "__main__":
    from model import Model

    if len(sys.argv) == 4 and sys.argv[1] == "to-torch":
        torch.save(tfjs_to_state_dict(sys.argv[2], Model(checkpoints=False)), sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "to-tfjs":
        state_dict_to_tfjs(torch.load(sys.argv[2], map_location="cpu"), sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
`;

export const KERAS_LAYERS_PY = String.raw`"""The trainer's layers that have no single PyTorch module, written as Keras (and so the trainer)
computes them: parameters in Keras's shapes where no torch module holds them, so weights.py maps
each checkpoint weight to one parameter."""
import math

import torch
from torch import nn


class PReLU(nn.Module):
    """x where x > 0, else alpha * x, with one alpha per input value (Keras's shape, shared axes of size 1)."""

    def __init__(self, shape):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(shape))

    def forward(self, x):
        # tfjs's gradient at exactly 0 (zero padding makes many) is alpha's side, as here.
        return torch.where(x > 0, x, self.alpha * x)


class _TrainingNoise(nn.Module):
    """Identity in eval mode; noise(x) while training (and amount > 0)."""

    def __init__(self, amount):
        super().__init__()
        self.amount = amount

    def forward(self, x):
        return self.noise(x) if self.training and self.amount > 0 else x


class SpatialDropout1d(_TrainingNoise):
    """Drops whole feature channels of (N, T, C) per sample, scaling the kept ones by 1 / (1 - rate)."""

    def noise(self, x):
        keep = torch.bernoulli(torch.full((x.shape[0], 1, x.shape[2]), 1 - self.amount, device=x.device, dtype=x.dtype))
        return x * keep / (1 - self.amount)


class GaussianNoise(_TrainingNoise):
    """Adds N(0, stddev²) noise while training."""

    def noise(self, x):
        return x + torch.randn_like(x) * self.amount


class GaussianDropout(_TrainingNoise):
    """Multiplies by N(1, rate / (1 - rate)) noise while training."""

    def noise(self, x):
        return x * (1 + torch.randn_like(x) * math.sqrt(self.amount / (1 - self.amount)))


class PositionalEmbedding(nn.Module):
    """Token embedding plus a learned position embedding (the trainer's ModelYamlPositionalEmbedding)."""

    def __init__(self, vocab_size, max_length, output_dim):
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, output_dim)
        self.positions = nn.Parameter(torch.zeros(max_length, output_dim))

    def forward(self, x):
        return self.tokens(x.long()) + self.positions[: x.shape[1]]


class SelfAttention(nn.Module):
    """Keras's MultiHeadAttention as self-attention: query/key/value/output projections, softmax(Q Kᵀ)·(1/√key_dim) V
    over the second-last axis (leading axes act as batch), dropout on the attention weights while training."""

    def __init__(self, d, heads, key_dim, value_dim, out, dropout=0.0, bias=True):
        super().__init__()
        self.heads, self.key_dim, self.value_dim = heads, key_dim, value_dim
        self.query = nn.Linear(d, heads * key_dim, bias=bias)
        self.key = nn.Linear(d, heads * key_dim, bias=bias)
        self.value = nn.Linear(d, heads * value_dim, bias=bias)
        self.output = nn.Linear(heads * value_dim, out, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        lead, t = x.shape[:-2], x.shape[-2]

        def split(y, k):
            return y.reshape(-1, t, self.heads, k).transpose(1, 2)

        q, k, v = split(self.query(x), self.key_dim), split(self.key(x), self.key_dim), split(self.value(x), self.value_dim)
        weights = self.dropout(torch.softmax((q @ k.transpose(-1, -2)) * (1 / math.sqrt(self.key_dim)), dim=-1))
        o = (weights @ v).transpose(1, 2).reshape(*lead, t, self.heads * self.value_dim)
        return self.output(o)


class TransformerEncoder(nn.Module):
    """Post-norm encoder block as the trainer builds it: z = LN(x + drop(MHA(x))), y = LN(z + drop(W2 act(W1 z)))."""

    def __init__(self, d, heads, key_dim, ff_dim, dropout, eps, activation):
        super().__init__()
        self.attention = SelfAttention(d, heads, key_dim, key_dim, d, dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.ffn1 = nn.Linear(d, ff_dim)
        self.ffn2 = nn.Linear(ff_dim, d)
        self.dropout2 = nn.Dropout(dropout)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.activation = activation

    def forward(self, x):
        z = self.norm1(x + self.dropout1(self.attention(x)))
        return self.norm2(z + self.dropout2(self.ffn2(self.activation(self.ffn1(z)))))


class GRUResetBefore(nn.Module):
    """Keras's GRU with reset_after=False (the original GRU, which nn.GRU does not compute): the reset gate
    scales the state before the recurrent product; weights in Keras's layout, gates z, r, h. Returns every step."""

    def __init__(self, d, units, bias=True):
        super().__init__()
        self.units = units
        self.kernel = nn.Parameter(torch.zeros(d, 3 * units))
        self.recurrent_kernel = nn.Parameter(torch.zeros(units, 3 * units))
        self.bias = nn.Parameter(torch.zeros(3 * units)) if bias else None

    def forward(self, x):
        u = self.units
        xs = x @ self.kernel + (self.bias if self.bias is not None else 0)
        h = x.new_zeros(x.shape[0], u)
        out = []
        for t in range(x.shape[1]):
            xz, xr, xh = xs[:, t].split(u, dim=-1)
            uz, ur, uh = self.recurrent_kernel.split(u, dim=-1)
            z = torch.sigmoid(xz + h @ uz)
            r = torch.sigmoid(xr + h @ ur)
            h = z * h + (1 - z) * torch.tanh(xh + (r * h) @ uh)
            out.append(h)
        return torch.stack(out, dim=1)


def last_of_both(sequence, units):
    """A bidirectional layer's last outputs, Keras's way: the forward half's last step, the backward half's first."""
    return torch.cat([sequence[:, -1, :units], sequence[:, 0, units:]], dim=-1)
`;
