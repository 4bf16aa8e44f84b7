#!/usr/bin/env python3
"""The scaling model of train --workers N on a cluster, from measured compute and stated network assumptions.

step(N) = compute(B/N) + allreduce(P, N) + overhead
  compute(m)       measured: one core's ms per training step at batch m (jbackprop throughput --threads 1, median),
                   lines "LAYERS BATCH BEST_MS MEDIAN_MS" in COMPUTE_FILE (bench/train-workers.md shows how)
  allreduce(P, N)  assumed: ring all-reduce, 2(N-1)/N * 4(P+5) bytes / bandwidth + 2(N-1) * latency (P floats + tail)
  overhead         assumed: 4 passes over the block at HOST_BW (download, into the direct buffer, out, upload)
Speed-up S = step(1) / step(N) for the same global batch B (step(1): compute(B) alone); efficiency S/N: the share
of N machines' work that goes into this one run. A sweep of N configurations keeps each machine on its own run.

Usage: workers_model.py COMPUTE_FILE
"""
import sys

LINKS = [("10 Gb/s, 50 µs", 1.25e9, 50e-6), ("100 Gb/s, 5 µs", 12.5e9, 5e-6)]
HOST_BW = 5e9  # bytes/s: the block's host copies
BATCHES = [64, 512]
WORKERS = [2, 4, 8]


def main(path):
    compute = {}
    for line in open(path):
        f = line.split()
        if len(f) == 4 and f[1].isdigit():
            compute[(f[0], int(f[1]))] = float(f[3])
    nets = sorted({k[0] for k in compute}, key=lambda n: [int(x) for x in n.split(",")])
    print("| network | B | link | step(1) ms | " + " | ".join(f"N={n}: step ms, S, S/N" for n in WORKERS) + " |")
    print("|---|---:|---|---:|" + "---:|" * len(WORKERS))
    for net in nets:
        sizes = [int(x) for x in net.split(",")]
        p = sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(sizes) - 1))
        for b in BATCHES:
            for link, bw, lat in LINKS:
                one = compute[(net, b)]
                cells = []
                for n in WORKERS:
                    m = b // n
                    ar = 2 * (n - 1) / n * 4 * (p + 5) / bw + 2 * (n - 1) * lat
                    over = 4 * 4 * (p + 5) / HOST_BW
                    t = compute[(net, m)] + 1e3 * (ar + over)
                    cells.append(f"{t:.2f}, {one / t:.2f}, {one / t / n:.2f}")
                print(f"| [{net}] ({p:,} parameters) | {b} | {link} | {one:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
