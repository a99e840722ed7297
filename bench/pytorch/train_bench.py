"""PyTorch counterpart of bench/train.mjs: the same MNIST CNN and MLP, the same optimizer (Adam,
lr 0.001) and loss (categorical cross-entropy on softmax outputs), synthetic 28x28 data, steady
state training samples/s at each batch size. Prints one JSON object on stdout.

    python3 bench/pytorch/train_bench.py [--threads 2] [--batches 64,256] [--quick] [--device cpu|cuda]

Runs with Debian's python3-torch (1.13, CPU) or any later PyTorch (CUDA where available).
"""
import argparse
import json
import os
import platform
import time

import torch
from torch import nn


def cnn():
    # Keras's simple MNIST convnet as in examples/mnist-cnn.model.yaml: 93,322 parameters.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * 3 * 3, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def mlp():
    # 784-128-10: 101,770 parameters.
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {"cnn": (cnn, (1, 28, 28)), "mlp": (mlp, (784,))}


def bench(name, batch, device, steps, warmup):
    make, shape = MODELS[name]
    torch.manual_seed(1)
    model = make().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    # Softmax + categorical cross-entropy, as Keras/tfjs compute it, is CrossEntropyLoss on logits.
    loss_fn = nn.CrossEntropyLoss()
    n_data = batch * 8
    x = torch.rand((n_data, *shape), device=device)
    y = torch.randint(0, 10, (n_data,), device=device)

    def step(i):
        j = (i % 8) * batch
        xb, yb = x[j:j + batch], y[j:j + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        # The tfjs trainer reads the loss back every batch; so does this.
        return loss.item()

    for i in range(warmup):
        step(i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return {
        "model": name,
        "params": sum(p.numel() for p in model.parameters()),
        "batchSize": batch,
        "batchesTimed": steps,
        "samplesPerSecond": round(steps * batch / dt),
        "msPerStep": round(dt * 1000 / steps, 2),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="64,256")
    ap.add_argument("--models", default="cnn,mlp")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    results = []
    for name in a.models.split(","):
        for b in (int(s) for s in a.batches.split(",")):
            # About 2 s of timed steps on a 2-core CPU; more on a GPU.
            if a.device == "cpu":
                steps = {"cnn": max(8, 6000 // b), "mlp": max(40, 60000 // b)}[name]
            else:
                steps = 400
            if a.quick:
                steps = max(5, steps // 4)
            results.append(bench(name, b, a.device, steps, warmup=max(3, steps // 10)))
    dev = a.device
    if dev.startswith("cuda"):
        dev = f"cuda: {torch.cuda.get_device_name(0)}"
    print(json.dumps({
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": dev,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "results": results,
    }))


if __name__ == "__main__":
    main()
