/**
 * The package's fixed Python modules (the same for every spec): Keras's initializers on PyTorch
 * tensors, and the tfjs checkpoint ↔ state_dict converter. Only torch and the standard library.
 */

export const KERAS_INIT_PY = String.raw`"""Keras's initializers (the trainer's) on PyTorch tensors: PyTorch's fans equal Keras's for
every layout this package uses (Linear [out, in] vs Keras [in, out], Conv [out, in, kh, kw] vs [kh, kw, in, out])."""
import math

import torch
from torch import nn


def truncated_normal_(t, mean, std):
    """Keras's truncated normal: redrawn outside two standard deviations."""
    return nn.init.trunc_normal_(t, mean, std, mean - 2 * std, mean + 2 * std)


def variance_scaling_(t, scale, mode, distribution):
    """Glorot / He / LeCun, uniform or truncated normal, as Keras's VarianceScaling computes them."""
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(t)
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


def tfjs_to_state_dict(model_dir, model):
    """The model's state_dict with every mapped weight taken from the checkpoint."""
    _, tf = read_tfjs(model_dir)
    state = model.state_dict()
    for m in WEIGHT_MAP:
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
        torch.save(tfjs_to_state_dict(sys.argv[2], Model()), sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "to-tfjs":
        state_dict_to_tfjs(torch.load(sys.argv[2], map_location="cpu"), sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
`;
