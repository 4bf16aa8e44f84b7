#!/usr/bin/env python3
"""CPU speed side by side: jbackprop's CPU backend against a matrix-form numpy step.

Both run the same training step in float32 on the same shapes: gather a shuffled batch, forward
(z = W a + b, a = sigma(z)), softmax + cross-entropy output delta (a - y), backward
(dW = delta a_prev^T, db = row sums, delta_prev = W^T delta * sigma'(z)), momentum SGD update.
Prints one table: samples/s of each, and the ratio jbackprop / numpy.

    python3 bench/compare/cpu_numpy.py [--steps 200] [--repeats 5]

Run it on an otherwise idle machine; it builds jbackprop first if needed (./jbackprop).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = [
    # (layers, hidden activation, batch)
    ([784, 100, 10], "sigmoid", 64),
    ([784, 1024, 1024, 10], "relu", 256),
]


def act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    return np.maximum(z, 0)


def dact(name, z, a):
    if name == "sigmoid":
        return a * (1 - a)
    return (z > 0).astype(np.float32)


def numpy_step_rate(layers, hidden, batch, steps, repeats):
    rng = np.random.default_rng(1)
    samples = max(batch * 8, 1024)
    X = rng.random((layers[0], samples), dtype=np.float32)  # one sample per column, as jbackprop
    Y = np.zeros((layers[-1], samples), dtype=np.float32)
    Y[rng.integers(0, layers[-1], samples), np.arange(samples)] = 1
    Ws = [(rng.standard_normal((layers[i + 1], layers[i])) * np.sqrt(2.0 / layers[i])).astype(np.float32) for i in range(len(layers) - 1)]
    bs = [np.zeros((layers[i + 1], 1), dtype=np.float32) for i in range(len(layers) - 1)]
    vW = [np.zeros_like(w) for w in Ws]
    vb = [np.zeros_like(b) for b in bs]
    perm = rng.permutation(samples)
    eta, mu = np.float32(0.01), np.float32(0.9)
    off = [0]

    def step():
        if off[0] + batch > samples:
            off[0] = 0
        idx = perm[off[0]:off[0] + batch]
        off[0] += batch
        a = X[:, idx]
        y = Y[:, idx]
        As, Zs = [a], []
        L = len(Ws)
        for l in range(L):
            z = Ws[l] @ As[-1] + bs[l]
            Zs.append(z)
            if l == L - 1:
                e = np.exp(z - z.max(axis=0, keepdims=True))
                As.append(e / e.sum(axis=0, keepdims=True))
            else:
                As.append(act(hidden, z))
        delta = As[-1] - y
        rate = eta / np.float32(batch)
        for l in range(L - 1, -1, -1):
            gW = delta @ As[l].T
            gb = delta.sum(axis=1, keepdims=True)
            if l > 0:
                delta_prev = (Ws[l].T @ delta) * dact(hidden, Zs[l - 1], As[l])
            vW[l] *= mu
            vW[l] -= rate * gW
            Ws[l] += vW[l]
            vb[l] *= mu
            vb[l] -= rate * gb
            bs[l] += vb[l]
            if l > 0:
                delta = delta_prev

    for _ in range(max(10, steps // 4)):
        step()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, time.perf_counter() - t0)
    return steps * batch / best


def jbackprop_rate(layers, hidden, batch, steps, repeats):
    cmd = [os.path.join(ROOT, "jbackprop"), "throughput", "--backend", "cpu", "--json", "--layers", ",".join(map(str, layers)),
           "--activation", hidden, "--cost", "cross-entropy", "--batch", str(batch), "--steps", str(steps), "--repeats", str(repeats),
           "--warmup", str(max(10, steps // 4))]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["samples_per_second"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    try:
        from threadpoolctl import threadpool_info
        blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} x{i.get('num_threads')}" for i in threadpool_info())
    except Exception:
        blas = "(threadpoolctl not installed)"
    print(f"numpy {np.__version__}, BLAS: {blas}; {os.cpu_count()} cores")
    print(f"{'network':<24} {'batch':>5} {'numpy samples/s':>16} {'jbackprop samples/s':>20} {'jbackprop/numpy':>16}")
    for layers, hidden, batch in CASES:
        steps = args.steps if layers[1] < 1024 else max(20, args.steps // 10)
        n = numpy_step_rate(layers, hidden, batch, steps, args.repeats)
        j = jbackprop_rate(layers, hidden, batch, steps, args.repeats)
        name = "[" + ",".join(map(str, layers)) + "] " + hidden
        print(f"{name:<24} {batch:>5} {n:>16,.0f} {j:>20,.0f} {j / n:>15.2f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
