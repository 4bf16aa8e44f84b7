#!/usr/bin/env python3
"""Turns a JMH JSON result file (-rf json -rff FILE) of the jbackprop benchmarks into markdown tables.

    python3 bench/jmh/summarize.py RESULT.json

Steps: steps/s and samples/s, and a link to the sweep plot when it lies beside the JSON (X-sweep.png
for X-jmh.json; run.sh makes it with dev.jbackprop.bench.SweepPlot). Kernels: GB/s and the fraction of
the copy bandwidth measured in the same file (same backend). GEMMs: TFLOP/s and the fraction of the
square GEMM in the same file (same backend and precision). MNIST: epochs/s, s/epoch and samples/s.
Scores are JMH's mean over the measurement iterations, ± its 99.9% error where it has one (it needs 2
or more iterations).
"""
import json
import math
import os
import re
import sys


def short(name):
    return name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1]


def metric(r, key=None):
    m = r["primaryMetric"] if key is None else r.get("secondaryMetrics", {}).get(key)
    if m is None:
        return math.nan, math.nan
    err = m.get("scoreError")
    return m["score"], (err if isinstance(err, (int, float)) and not math.isnan(err) else math.nan)


def fmt(v, err=math.nan, digits=3):
    if math.isnan(v):
        return "-"
    s = f"{v:,.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"
    return s if math.isnan(err) else f"{s} ± {err:,.{2}g}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def main(path):
    results = json.load(open(path))
    p = lambda r, k, d="": r.get("params", {}).get(k, d)
    label = lambda r: p(r, "backend") + (" tf32" if p(r, "tf32") == "true" else "") + (" bf16" if p(r, "bf16") == "true" else "")
    by = {}
    for r in results:
        by.setdefault(short(r["benchmark"]), []).append(r)
    parts = []

    steps = by.get("StepBench.step", [])
    if steps:
        rows = []
        for r in sorted(steps, key=lambda r: (p(r, "backend"), p(r, "tf32"), p(r, "bf16"), int(p(r, "depth")), int(p(r, "width")), int(p(r, "batch")))):
            s, e = metric(r)
            n, ne = metric(r, "samples")
            net = "784," + ",".join([p(r, "width")] * int(p(r, "depth"))) + ",10"
            rows.append([label(r), f"[{net}]", p(r, "batch"), fmt(s, e), fmt(n, ne), fmt(1e3 / s) if s else "-"])
        parts.append("### Training step (gather + forward + loss + backward + update)\n\n"
                     + table(["backend", "network", "batch", "steps/s", "samples/s", "ms/step"], rows))
        png = re.sub(r"(-jmh)?\.json$", "", os.path.basename(path)) + "-sweep.png"
        if os.path.exists(os.path.join(os.path.dirname(path), png)):
            parts.append(f"![samples/s against width and batch]({png})")

    copy = {p(r, "backend"): metric(r, "GB")[0] for r in by.get("KernelBench.copy", [])}
    kern = [r for k, v in by.items() if k.startswith("KernelBench.") for r in v]
    if kern:
        rows = []
        for r in sorted(kern, key=lambda r: (p(r, "backend"), short(r["benchmark"]), int(p(r, "rows", 0) or 0), int(p(r, "batch", 0) or 0))):
            name = short(r["benchmark"]).split(".")[1]
            gb, ge = metric(r, "GB")
            if name == "copy":
                shape = f"{p(r, 'mebibytes')} MiB"
            elif name == "update":
                shape = f"{p(r, 'rows')}²+{p(r, 'rows')} params"
            elif name == "optimizerStep":
                shape = f"{p(r, 'optimizer')}, {p(r, 'rows')}²+{p(r, 'rows')} params"
            elif name in ("outputDelta", "gather"):
                shape = f"{10 if name == 'outputDelta' else 784}×{p(r, 'batch')}"
            else:
                shape = f"{p(r, 'rows')}×{p(r, 'batch')}" + (f" {p(r, 'activation')}" if name != "sumColumns" else "")
            if p(r, "launches", "1") != "1":
                shape += f", {p(r, 'launches')} launches"
            c = copy.get(p(r, "backend"), math.nan)
            rows.append([p(r, "backend"), name, shape, fmt(gb, ge), "-" if math.isnan(c) or name == "copy" else f"{100 * gb / c:.0f}%"])
        parts.append("### Kernels alone (bytes each must move once)\n\n" + table(["backend", "kernel", "shape", "GB/s", "of copy"], rows))

    sq = {(p(r, "backend"), p(r, "tf32"), p(r, "bf16")): (metric(r, "TFLOP")[0], p(r, "n")) for r in by.get("GemmBench.square", [])}
    gemm = [r for k, v in by.items() if k.startswith("GemmBench.") for r in v]
    if gemm:
        rows = []
        for r in sorted(gemm, key=lambda r: (p(r, "backend"), p(r, "tf32"), p(r, "bf16"), short(r["benchmark"]) == "GemmBench.square", int(p(r, "width", 0) or 0), int(p(r, "batch", 0) or 0), r["benchmark"])):
            name = short(r["benchmark"]).split(".")[1]
            tf, te = metric(r, "TFLOP")
            if name == "square":
                shape = f"m=n=k={p(r, 'n')}"
            else:
                w, b = p(r, "width"), p(r, "batch")
                i = p(r, "nIn") if p(r, "nIn") not in ("0", "") else w
                shape = {"forward": f"W·A m={w} n={b} k={i}", "backward": f"Wᵀ·δ m={i} n={b} k={w}", "weightGrad": f"δ·Aᵀ m={w} n={i} k={b}"}[name]
            ref = sq.get((p(r, "backend"), p(r, "tf32"), p(r, "bf16")))
            frac = "-" if ref is None or name == "square" else f"{100 * tf / ref[0]:.0f}%"
            rows.append([label(r), name, shape, fmt(tf, te), fmt(1e3 * tf, 1e3 * te), frac])
        parts.append("### GEMMs of a step alone\n\n" + table(["backend", "gemm", "shape", "TFLOP/s", "GFLOP/s", "of square"], rows))

    ep = by.get("MnistEpochBench.epoch", [])
    if ep:
        rows = []
        for r in ep:
            s, e = metric(r)
            n, ne = metric(r, "samples")
            rows.append([label(r), "[" + p(r, "layers").replace("-", ",") + "]", p(r, "batch"),
                         fmt(s, e), fmt(1 / s) if s else "-", fmt(n, ne)])
        parts.append("### One MNIST epoch (60,000 images)\n\n" + table(["backend", "network", "batch", "epochs/s", "s/epoch", "samples/s"], rows))
    print("\n\n".join(parts))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
