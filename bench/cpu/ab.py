#!/usr/bin/env python3
"""Two or more builds side by side on bench/cpu/CpuLimit.java, taking turns.

    python3 bench/cpu/ab.py OLD.jar,NEW.jar 6                       # 6 rounds, the default configurations
    python3 bench/cpu/ab.py NEW.jar,NEW.jar+jbackprop.cpu.plan=false 6 --configs small
    python3 bench/cpu/ab.py OLD.jar,NEW.jar 4 --threads 1 --cpu-time

Each round runs CpuLimit once per build (one of its rounds each: the SGEMM peak, then every
configuration's steps), the builds taking turns; a build is a jar, optionally followed by
+name=value system properties. Prints, after every round, each build's best samples/s per
configuration so far and its best peak: on a machine whose speed drifts, the best of several turns
is the figure least disturbed by other jobs, and turns give every build the same chances. Arguments
after the round count go to CpuLimit.
"""
import collections
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

if len(sys.argv) < 3:
    sys.exit(__doc__)
builds = sys.argv[1].split(",")
rounds = int(sys.argv[2])
extra = sys.argv[3:]
best = collections.defaultdict(float)
peak = collections.defaultdict(float)
for r in range(rounds):
    for b in builds:
        jar, *props = b.split("+")
        cmd = ["java"] + ["-D" + p for p in props] + ["-cp", jar, os.path.join(HERE, "CpuLimit.java"),
                                                      "--rounds", "1", "--seconds", "0.3"] + extra
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
        for line in out.stdout.splitlines():
            m = re.match(r"\| ([\w-]+) \| [\d,]+ \| \d+ \| ([\d,]+) \|", line)
            if m:
                best[(b, m.group(1))] = max(best[(b, m.group(1))], float(m.group(2).replace(",", "")))
            m = re.search(r"peak = ([\d.]+)", line)
            if m:
                peak[b] = max(peak[b], float(m.group(1)))
    print(f"round {r + 1}/{rounds}:", flush=True)
    for b in builds:
        cells = "  ".join(f"{c} {v:,.0f}" for (bb, c), v in sorted(best.items()) if bb == b)
        print(f"  {b}: {cells}  (peak {peak[b]:.1f} GFLOP/s)", flush=True)
