"""PyTorch counterpart of bench/predict.mjs: the trained tfjs model of a run folder rebuilt in
torch (same layers, the same weights converted to torch's layout), then inference samples/s.

    python3 bench/pytorch/predict_bench.py --model DIR --inputs FILE --n N [--threads 2]
        [--seconds 0.5] [--outputs FILE --check K]

Prints a JSON line (torch version, threads) when ready, then, for each batch size read from a
line of stdin, times one repetition and prints {batchSize, calls, samplesPerSecond}: the bench
interleaves the repetitions of every side.

DIR holds a tfjs layers model (model.json + weights.bin) made of conv2d (valid padding, stride 1),
max_pool2d, flatten and dense layers with relu/softmax/linear activations, as the MNIST CNN.
FILE holds N float32 samples in the tfjs model's input layout (height, width, channels); they are
moved to torch's (channels, height, width) once, before timing. --outputs writes the model's outputs for the first K samples (float32), so the
bench can check that both sides compute the same function.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "softmax": lambda: nn.Softmax(dim=1), "linear": None, None: None}


def load_weights(model_dir, manifest):
    """The named float32 arrays of a tfjs weights manifest."""
    out = {}
    for group in manifest:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if w["dtype"] != "float32":
                raise SystemExit(f"weight {w['name']}: dtype {w['dtype']} is not supported")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            out[w["name"]] = np.frombuffer(data, dtype=np.float32, count=count, offset=offset).reshape(w["shape"])
            offset += 4 * count
    return out


def build(model_dir):
    """A torch nn.Sequential computing the same function as the tfjs model (channels-first inside)."""
    spec = json.load(open(os.path.join(model_dir, "model.json")))
    layers = spec["modelTopology"]["config"]["layers"]
    weights = load_weights(model_dir, spec["weightsManifest"])
    modules = []
    # The (height, width, channels) shape flowing through, to convert the dense layer after flatten.
    shape = None
    flattened_from = None
    for layer in layers:
        kind, c = layer["class_name"], layer["config"]
        name = c["name"]
        if kind == "InputLayer":
            shape = c["batch_input_shape"][1:]
            continue
        if kind == "Conv2D":
            if c["padding"] != "valid" or list(c["strides"]) != [1, 1] or list(c.get("dilation_rate", [1, 1])) != [1, 1]:
                raise SystemExit(f"{name}: only valid padding, stride 1, no dilation are supported")
            k = weights[f"{name}/kernel"]  # (kh, kw, in, out) → torch (out, in, kh, kw)
            conv = nn.Conv2d(k.shape[2], k.shape[3], k.shape[:2], bias=c["use_bias"])
            conv.weight.data = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))
            if c["use_bias"]:
                conv.bias.data = torch.from_numpy(weights[f"{name}/bias"].copy())
            modules.append(conv)
            shape = [shape[0] - k.shape[0] + 1, shape[1] - k.shape[1] + 1, k.shape[3]]
        elif kind == "MaxPooling2D":
            if c["padding"] != "valid":
                raise SystemExit(f"{name}: only valid padding is supported")
            modules.append(nn.MaxPool2d(c["pool_size"], c["strides"]))
            shape = [(shape[i] - c["pool_size"][i]) // c["strides"][i] + 1 for i in range(2)] + [shape[2]]
        elif kind == "Flatten":
            modules.append(nn.Flatten())
            flattened_from = shape
            shape = [int(np.prod(shape))]
        elif kind == "Dense":
            k = weights[f"{name}/kernel"]  # (in, out) → torch (out, in)
            if flattened_from and len(flattened_from) == 3:
                # tfjs flattens (h, w, c); torch flattens (c, h, w): reorder the rows once, here,
                # rather than permuting every activation.
                h, w, ch = flattened_from
                k = k.reshape(h, w, ch, -1).transpose(2, 0, 1, 3).reshape(h * w * ch, -1)
            flattened_from = None
            dense = nn.Linear(k.shape[0], k.shape[1], bias=c["use_bias"])
            dense.weight.data = torch.from_numpy(np.ascontiguousarray(k.T))
            if c["use_bias"]:
                dense.bias.data = torch.from_numpy(weights[f"{name}/bias"].copy())
            modules.append(dense)
            shape = [k.shape[1]]
        else:
            raise SystemExit(f"{name}: layer {kind} is not supported by this bench")
        act = ACTIVATIONS.get(c.get("activation"), "unknown")
        if act == "unknown":
            raise SystemExit(f"{name}: activation {c.get('activation')} is not supported")
        if act is not None:
            modules.append(act())
    return nn.Sequential(*modules).eval()


def serve(model, x, seconds):
    """One timed repetition of about `seconds` per batch size read from a line of stdin (the
    first one at a size after a warm-up), cycling through x; one JSON line each."""
    n = x.shape[0]
    calls = {}
    with torch.inference_mode():
        for line in sys.stdin:
            batch = int(line)
            starts = list(range(0, n - batch + 1, batch))

            def once(i):
                j = starts[i % len(starts)]
                return model(x[j:j + batch]).numpy()

            if batch not in calls:
                t0 = time.perf_counter()
                k = 0
                while time.perf_counter() - t0 < 0.3 or k < 3:
                    once(k)
                    k += 1
                calls[batch] = max(1, round(seconds * k / (time.perf_counter() - t0)))
            t0 = time.perf_counter()
            for i in range(calls[batch]):
                once(i)
            rate = calls[batch] * batch / (time.perf_counter() - t0)
            print(json.dumps({"batchSize": batch, "calls": calls[batch], "samplesPerSecond": rate}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=0.5)
    p.add_argument("--outputs")
    p.add_argument("--check", type=int, default=256)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = build(a.model)
    raw = np.fromfile(a.inputs, dtype=np.float32)
    h, w, c = json.load(open(os.path.join(a.model, "model.json")))["modelTopology"]["config"]["layers"][0]["config"]["batch_input_shape"][1:]
    # tfjs's (n, h, w, c) is torch's (n, c, h, w): for one channel, the same bytes.
    x = torch.from_numpy(np.ascontiguousarray(raw.reshape(a.n, h, w, c).transpose(0, 3, 1, 2)))
    if a.outputs:
        with torch.inference_mode():
            model(x[:a.check]).numpy().astype(np.float32).tofile(a.outputs)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "params": sum(q.numel() for q in model.parameters()),
    }), flush=True)
    serve(model, x, a.seconds)


if __name__ == "__main__":
    main()
