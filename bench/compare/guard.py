#!/usr/bin/env python3
"""The CPU speed guard: jbackprop against numpy on the same training steps, as a ratio.

Run it before committing a change to the engine or the backends (about a minute on 2 cores):

    python3 bench/compare/guard.py                      # measures, appends to the history, checks
    python3 bench/compare/guard.py --note "fused X"     # says what changed, in the history
    python3 bench/compare/guard.py --no-record          # measures and checks, writes nothing

For each configuration (default: cpu-small [784,100,10] batch 64 and cpu-wide [784,1024,1024,10]
batch 256, see compare.py) it runs jbackprop's `throughput` and the same step in numpy (same
weights, data, batch order; compare.py's code), the two taking turns --rounds times, and keeps
each one's best: absolute speeds drift on a shared machine, their ratio much less. The ratio is
jbackprop's samples/s over numpy's; above 1 jbackprop is faster.

The line goes to the history (bench/results/cpu-guard-history.md: date, commit, machine, load,
ratios). The check compares each ratio with the median of the last five recorded on the same
machine (CPU model and core count): more than --tolerance (default 15%) below it is a regression,
reported with both figures, and the exit status is 1 (also when the final losses differ, i.e. the
two did not do the same work). With no history for this machine the first run sets it.
"""
import argparse
import datetime
import importlib.util
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("compare", os.path.join(HERE, "compare.py"))
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)

HISTORY = os.path.join(ROOT, "bench", "results", "cpu-guard-history.md")
HEADER = """# CPU speed guard: jbackprop / numpy on the same step, per change

Written by `python3 bench/compare/guard.py` (bench/README.md, "The CPU speed guard"). Each row: one
run, jbackprop's samples/s over numpy's on the same training steps (best of the rounds, the two
taking turns), so above 1.00 jbackprop is faster. Only ratios: absolute speeds drift on a shared
machine. A run is checked against the median of the last five rows of the same machine.

| date | commit | machine | load before | rounds | cpu-small | cpu-wide | note |
|---|---|---|---|---|---|---|---|
"""


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def load():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def commit():
    def git(*a):
        return subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True)
    c = git("rev-parse", "--short", "HEAD").stdout.strip() or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    return c + (" + changes" if dirty else "")


def history_rows(path, configs):
    """[(machine, {config: ratio})] in file order."""
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        lines = [l for l in f if l.startswith("| 20")]
    for l in lines:
        cells = [c.strip() for c in l.strip().strip("|").split("|")]
        if len(cells) < 7:
            continue
        ratios = {}
        for name, cell in zip(("cpu-small", "cpu-wide"), cells[5:7]):
            m = re.match(r"([\d.]+)x", cell)
            if m:
                ratios[name] = float(m.group(1))
        rows.append((cells[2], ratios))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="cpu-small,cpu-wide", help="of: cpu-small, cpu-wide")
    ap.add_argument("--rounds", type=int, default=5, help="turns each of jbackprop and numpy takes (default 5)")
    ap.add_argument("--tolerance", type=float, default=0.15, help="fraction below the recent median that fails (default 0.15)")
    ap.add_argument("--history", default=HISTORY, help="the history file (default bench/results/cpu-guard-history.md)")
    ap.add_argument("--note", default="", help="what changed, for the history")
    ap.add_argument("--no-record", action="store_true", help="do not append to the history")
    ap.add_argument("--commit", help="the commit to record (default: this checkout's, '+ changes' when it has uncommitted ones)")
    ap.add_argument("--jbackprop", default=os.environ.get("JBACKPROP", os.path.join(ROOT, "jbackprop")),
                    help="launcher command (env JBACKPROP)")
    args = ap.parse_args()
    configs = args.configs.split(",")
    for c in configs:
        if c not in ("cpu-small", "cpu-wide"):
            sys.exit(f"guard.py: no configuration {c}; use cpu-small and/or cpu-wide")
    launcher = shlex.split(args.jbackprop)
    here, load0 = machine(), load()
    what = args.commit or commit()
    print(f"{here}; load {load0}; commit {what}", flush=True)

    ratios, same_work = {}, True
    with tempfile.TemporaryDirectory(prefix="jbackprop-guard-") as tmp:
        for name in configs:
            layers, batch, warmup, steps, repeats = compare.CONFIGS[name]
            work = compare.Work(name, layers, batch, warmup, steps, 2, 0.01, 0.9, "relu", tmp, 1)
            best = {"jbackprop": (0.0, None), "numpy": (0.0, None)}
            for r in range(args.rounds):
                for label, run in (("jbackprop", lambda w: compare.run_jbackprop(w, launcher, "cpu", "fp32")),
                                   ("numpy", compare.run_numpy)):
                    sps, loss = run(work)
                    if sps > best[label][0]:
                        best[label] = (sps, loss)
            (jb, jl), (np_, nl) = best["jbackprop"], best["numpy"]
            ratios[name] = jb / np_
            tol = compare.LOSS_TOLERANCE.get(name, compare.WIDE_LOSS_TOLERANCE)
            if abs(jl - nl) > tol:
                same_work = False
                print(f"{name}: final losses differ: jbackprop {jl:.6f}, numpy {nl:.6f} (tolerance {tol})")
            print(f"{name}: jbackprop {jb:,.0f} samples/s, numpy {np_:,.0f}: ratio {ratios[name]:.2f}x", flush=True)

    past = [r for m, r in history_rows(args.history, configs) if m == here]
    failed = []
    for name, ratio in ratios.items():
        recent = [r[name] for r in past if name in r][-5:]
        if not recent:
            print(f"{name}: no earlier run on this machine; this one sets the reference")
            continue
        ref = statistics.median(recent)
        verdict = "ok" if ratio >= ref * (1 - args.tolerance) else "REGRESSION"
        print(f"{name}: {ratio:.2f}x against {ref:.2f}x, the median of the last {len(recent)} on this machine: {verdict}")
        if verdict != "ok":
            failed.append(name)

    if not args.no_record:
        new = not os.path.exists(args.history)
        with open(args.history, "a") as f:
            if new:
                f.write(HEADER)
            cells = [f"{ratios[c]:.2f}x" if c in ratios else "-" for c in ("cpu-small", "cpu-wide")]
            date = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
            note = args.note.replace("|", "/") + ("" if same_work else " (final losses differed)")
            f.write(f"| {date} | {what} | {here} | {load0} | {args.rounds} | {cells[0]} | {cells[1]} | {note} |\n")
        print(f"recorded in {os.path.relpath(args.history, ROOT)}")
    if failed or not same_work:
        print("guard: FAILED: " + ", ".join(failed + ([] if same_work else ["final losses differ"])))
        sys.exit(1)
    print("guard: ok")


if __name__ == "__main__":
    main()
