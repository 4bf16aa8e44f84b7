#!/usr/bin/env python3
"""The scaling model of train --workers N for a cluster, from measured compute terms and stated network assumptions.

step(N) = compute(B/N) + allreduce(P, N) + overhead
  compute(m)       = c0 + c1*m, the line through compute(32) and compute(64) measured on one core (bench/train-workers.sh)
  allreduce(P, N)  = 2(N-1)/N * 4(P+5) bytes / bandwidth + 2(N-1) * latency   (ring all-reduce; P floats + the tail)
  overhead         = 4 passes over the block at host memory bandwidth (download, into the direct buffer, out, upload)
Speed-up S = step(1) / step(N) for the same global batch B (step(1) has no all-reduce and no overhead); efficiency
S/N: the share of N machines' work that goes into this run. A sweep of N configurations keeps every machine busy on
its own run (efficiency ~1).

Usage: workers_model.py NAME:P:C32:C64 ...   (C32, C64: compute ms per step at batch 32 and 64)
"""
import sys

LINKS = [("10 Gb/s, 50 µs", 1.25e9, 50e-6), ("100 Gb/s, 5 µs", 12.5e9, 5e-6)]
HOST_BW = 5e9  # bytes/s, assumed host memory bandwidth for the block's copies
BATCHES = [64, 512]
WORKERS = [2, 4, 8]


def main(nets):
    print("| network | batch B | link | step(1) ms | " + " | ".join(f"N={n}: step ms, S, S/N" for n in WORKERS) + " |")
    print("|---|---:|---|---:|" + "---:|" * len(WORKERS))
    for spec in nets:
        name, p, c32, c64 = spec.split(":")
        p, c32, c64 = int(p), float(c32), float(c64)
        c1 = (c64 - c32) / 32
        c0 = c32 - 32 * c1
        for b in BATCHES:
            for link, bw, lat in LINKS:
                one = c0 + c1 * b
                cells = []
                for n in WORKERS:
                    m = -(-b // n)
                    ar = 2 * (n - 1) / n * 4 * (p + 5) / bw + 2 * (n - 1) * lat
                    over = 4 * 4 * (p + 5) / HOST_BW
                    t = c0 + c1 * m + 1e3 * (ar + over)
                    cells.append(f"{t:.2f}, {one / t:.2f}, {one / t / n:.2f}")
                print(f"| {name} | {b} | {link} | {one:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
