#!/usr/bin/env python3
"""Each optimiser of jbackprop against PyTorch's formulas written out in numpy, after one and ten steps.

jbackprop (`train --optimizer … --steps K`, CPU, float32) and numpy start from the same weights (a safetensors
file, read by `--init-weights`) and train on the same batches (synthetic MNIST-format IDX files, read by
`--data`; the batches of jbackprop's seeded shuffle, replayed here). numpy follows torch.optim's own update code
(_single_tensor_sgd, _single_tensor_adam, _single_tensor_adamw: the momentum buffer cloned on the first step,
exp_avg.lerp_, the bias corrections, step_size = lr / bias_correction1, denom = sqrt(v) / sqrt(bc2) + eps, AdamW's
param.mul_(1 - lr * wd)), the loss the batch mean of the cross-entropy, and the rate of each step from PyTorch's
schedulers (LinearLR warm-up, CosineAnnealingLR, StepLR, as jbackprop's --lr-schedule describes them). numpy runs in
float64 (the oracle) and in float32 (how far float32 rounding alone moves the weights). The figure is the
normalised error max|w − w_ref| / max|w_ref| over all weights and biases.

jbackprop's sgd takes the textbook's λ: it is PyTorch's SGD with weight_decay = λ/n on the weights' param group
(and 0 on the biases'), which is how numpy runs it.

    python3 bench/optim/compare_optim.py                 # the table, markdown
    JBACKPROP="java -jar src/cli/target/jbackprop-all.jar" python3 bench/optim/compare_optim.py
"""
import math
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench", "compare"))
from compare import he_init, make_data, read_safetensors, shuffled, write_idx, write_safetensors  # noqa: E402

LAYERS = [784, 64, 10]
BATCH = 32
SAMPLES = 2048
SEED = 1

# name, jbackprop options, numpy optimiser
CASES = [
    ("sgd", ["--optimizer", "sgd", "--eta", "0.05", "--momentum", "0.9", "--lambda", "2"],
     dict(kind="sgd", lr=0.05, momentum=0.9, wd_weights=2 / SAMPLES)),
    ("sgd, μ = 0", ["--optimizer", "sgd", "--eta", "0.05", "--momentum", "0"],
     dict(kind="sgd", lr=0.05, momentum=0.0, wd_weights=0.0)),
    ("nesterov", ["--optimizer", "nesterov", "--eta", "0.05", "--momentum", "0.9", "--weight-decay", "1e-4"],
     dict(kind="nesterov", lr=0.05, momentum=0.9, wd=1e-4)),
    ("adam", ["--optimizer", "adam", "--eta", "0.001", "--weight-decay", "1e-4"],
     dict(kind="adam", lr=1e-3, betas=(0.9, 0.999), eps=1e-8, wd=1e-4)),
    ("adamw", ["--optimizer", "adamw", "--eta", "0.001", "--weight-decay", "0.01"],
     dict(kind="adamw", lr=1e-3, betas=(0.9, 0.999), eps=1e-8, wd=0.01)),
    ("sgd, step:3:0.5", ["--optimizer", "sgd", "--eta", "0.05", "--momentum", "0.9", "--lr-schedule", "step:3:0.5"],
     dict(kind="sgd", lr=0.05, momentum=0.9, wd_weights=0.0, schedule=("step", 3, 0.5))),
    ("adam, cosine, warm-up 3", ["--optimizer", "adam", "--eta", "0.001", "--lr-schedule", "cosine", "--warmup", "3"],
     dict(kind="adam", lr=1e-3, betas=(0.9, 0.999), eps=1e-8, wd=0.0, schedule=("cosine",), warmup=3)),
]


def factor(t, total, schedule, warmup):
    """jbackprop's LearningRateSchedule.factor: η_t/η at step t (1-based) of total."""
    if t <= warmup:
        return t / warmup
    s, steps = t - warmup - 1, max(1, total - warmup)
    if schedule is None:
        return 1.0
    if schedule[0] == "step":
        return schedule[2] ** (s // schedule[1])
    if schedule[0] == "cosine":
        return (1 + math.cos(math.pi * min(s, steps - 1) / steps)) / 2
    raise ValueError(schedule)


def grads(W, b, x, labels):
    """Mean cross-entropy gradients of a ReLU MLP with a softmax output, one sample per row."""
    L = len(W)
    As, Zs = [x], []
    for l in range(L):
        z = As[-1] @ W[l].T + b[l]
        Zs.append(z)
        if l < L - 1:
            As.append(np.maximum(z, 0))
    z = Zs[-1]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    delta = e / e.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    delta[rows, labels] -= 1
    delta /= len(labels)  # the batch mean, as PyTorch's CrossEntropyLoss
    gW, gb = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        gW[l], gb[l] = delta.T @ As[l], delta.sum(axis=0)
        if l > 0:
            delta = (delta @ W[l]) * (Zs[l - 1] > 0)
    return gW, gb


def numpy_run(init, x, labels, order, steps, opt, dtype):
    """`steps` optimiser steps with torch.optim's update code, in dtype; returns the tensors."""
    L = len(LAYERS) - 1
    params = []  # (tensor, is_weight)
    for l in range(L):
        params.append((init[f"layers.{l}.weight"].astype(dtype), True))
        params.append((init[f"layers.{l}.bias"].astype(dtype), False))
    state = [dict() for _ in params]
    x = x.astype(dtype)
    sched, warmup = opt.get("schedule"), opt.get("warmup", 0)
    for t in range(1, steps + 1):
        lr = opt["lr"] * factor(t, steps, sched, warmup)
        idx = order[t - 1]
        W = [params[2 * l][0] for l in range(L)]
        b = [params[2 * l + 1][0] for l in range(L)]
        gW, gb = grads(W, b, x[idx], labels[idx])
        g_all = [g for l in range(L) for g in (gW[l], gb[l])]
        for (p, is_weight), g, st in zip(params, g_all, state):
            g = g.astype(dtype)
            k = opt["kind"]
            if k in ("sgd", "nesterov"):  # torch.optim.sgd._single_tensor_sgd, dampening 0
                wd = opt.get("wd_weights", 0.0) if (k == "sgd" and is_weight) else opt.get("wd", 0.0) if k == "nesterov" else 0.0
                if wd:
                    g = g + dtype(wd) * p
                mu = opt["momentum"]
                if mu:
                    if "momentum_buffer" not in st:
                        st["momentum_buffer"] = g.copy()
                    else:
                        st["momentum_buffer"] = st["momentum_buffer"] * dtype(mu) + g
                    buf = st["momentum_buffer"]
                    g = g + dtype(mu) * buf if k == "nesterov" else buf
                p -= dtype(lr) * g
            else:  # torch.optim.adam._single_tensor_adam / adamw
                b1, b2 = opt["betas"]
                if k == "adamw":
                    p *= dtype(1 - lr * opt["wd"])
                elif opt["wd"]:
                    g = g + dtype(opt["wd"]) * p
                if "step" not in st:
                    st["step"], st["exp_avg"], st["exp_avg_sq"] = 0, np.zeros_like(p), np.zeros_like(p)
                st["step"] += 1
                m, v = st["exp_avg"], st["exp_avg_sq"]
                m += (g - m) * dtype(1 - b1)  # exp_avg.lerp_(grad, 1 - beta1)
                v *= dtype(b2)
                v += dtype(1 - b2) * g * g  # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bc1, bc2 = 1 - b1 ** st["step"], 1 - b2 ** st["step"]
                step_size = lr / bc1
                denom = np.sqrt(v) / dtype(math.sqrt(bc2)) + dtype(opt["eps"])
                p -= dtype(step_size) * (m / denom)
    out = {}
    for l in range(L):
        out[f"layers.{l}.weight"] = params[2 * l][0]
        out[f"layers.{l}.bias"] = params[2 * l + 1][0]
    return out


def error(got, want):
    num = max(float(np.max(np.abs(got[k].astype(np.float64) - want[k].astype(np.float64)))) for k in want)
    den = max(float(np.max(np.abs(want[k].astype(np.float64)))) for k in want)
    return num / den


def moved(after, before):
    """max |w_K − w_0| / max |w_0|: how far the steps moved the weights (the scale the error is measured against)."""
    return error(after, before)


def main():
    launcher = shlex.split(os.environ.get("JBACKPROP", os.path.join(ROOT, "jbackprop")))
    tmp = tempfile.mkdtemp(prefix="jbackprop-optim-")
    pixels, x, labels = make_data(SAMPLES, SEED)
    write_idx(tmp, pixels, labels)
    init_file = os.path.join(tmp, "init.safetensors")
    init = he_init(LAYERS, SEED + 1)
    write_safetensors(init_file, init)
    perm = shuffled(SAMPLES, SEED)
    order = [perm[i * BATCH:(i + 1) * BATCH] for i in range(10)]

    print(f"[{','.join(map(str, LAYERS))}] ReLU, softmax + cross-entropy, batch {BATCH}, {SAMPLES} synthetic samples, "
          f"the first 10 batches of seed {SEED}'s shuffle; jbackprop CPU float32 against numpy float64 following "
          f"torch.optim's update code\n")
    print("| optimiser | steps | weights moved | jbackprop vs numpy float64 | numpy float32 vs numpy float64 |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for name, options, opt in CASES:
        for steps in (1, 10):
            out = os.path.join(tmp, f"run-{len(name)}-{abs(hash(name))}-{steps}")
            cmd = launcher + ["train", "--data", tmp, "--out", out, "--backend", "cpu", "--layers",
                              ",".join(map(str, LAYERS)), "--activation", "relu", "--batch", str(BATCH), "--seed",
                              str(SEED), "--init-weights", init_file, "--steps", str(steps), "--epochs", "1",
                              "--no-progress"] + options
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
            got = read_safetensors(os.path.join(out, "model.safetensors"))
            ref = numpy_run(init, x, labels, order, steps, opt, np.float64)
            f32 = numpy_run(init, x, labels, order, steps, opt, np.float32)
            e = error(got, ref)
            worst = max(worst, e)
            print(f"| {name} | {steps} | {moved(ref, init):.3e} | {e:.2e} | {error(f32, ref):.2e} |")
    print(f"\nworst: {worst:.2e}")


if __name__ == "__main__":
    main()
