#!/usr/bin/env python3
"""This build against an earlier commit, side by side, through the CLI both have.

    python3 bench/cpu/vs_commit.py                       # against 821cea5 (issue 23's base), 8 pairs
    python3 bench/cpu/vs_commit.py --base 821cea5 --pairs 8 --configs small,small-sigmoid,default,wide
    python3 bench/cpu/vs_commit.py --job 3               # also the default job (train), 3 pairs
    python3 bench/cpu/vs_commit.py --append bench/results/cpu-vs-commit.md --note "quiet machine"

The base is built once (mvn -o -q -DskipTests package) in a detached worktree under the system's
temporary folder and kept there for later calls; this build is ./jbackprop's jar. Both run the same
`jbackprop throughput` command (whole training steps on synthetic data, the best of --repeats timed
runs), taking turns, base first in odd pairs and this build first in even ones; each pair gives a
ratio (this build / base). On a machine whose speed drifts by 2x within minutes, the median of the
pairs' ratios is the figure to quote; the best and median samples/s of each side are printed too.

--job N also runs `jbackprop train` (the default job, 8 epochs, MNIST) N times each way and reports
the first epoch at >= 98% test accuracy and the seconds of training (the epochs' printed times) up to
it. It needs MNIST in the cache (any earlier `./jbackprop train` fetched it).
"""
import argparse
import datetime
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CONFIGS = {
    # name: (layers, batch, activation, samples per timed run)
    "small": ("784,100,10", 64, "relu", 64000),
    "small-sigmoid": ("784,100,10", 64, "sigmoid", 64000),
    "default": ("784,256,10", 64, "relu", 32000),
    "wide": ("784,1024,1024,10", 256, "relu", 8192),
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def base_jar(base):
    sha = run(["git", "-C", ROOT, "rev-parse", "--short=12", base]).strip()
    tree = os.path.join(tempfile.gettempdir(), "jbackprop-base-" + sha)
    jars = [os.path.join(tree, p) for p in ("src/cli/target/jbackprop-all.jar", "target/jbackprop-all.jar")]
    for j in jars:
        if os.path.isfile(j):
            return sha, j
    if not os.path.isdir(tree):
        run(["git", "-C", ROOT, "worktree", "add", "--detach", tree, sha])
    print(f"building {sha} in {tree} ...", file=sys.stderr)
    subprocess.run(["mvn", "-o", "-q", "-B", "-DskipTests", "package"], cwd=tree, check=True,
                   stdout=sys.stderr)
    for j in jars:
        if os.path.isfile(j):
            return sha, j
    sys.exit(f"vs_commit: no jbackprop-all.jar after building {sha} in {tree}")


def this_jar():
    subprocess.run([os.path.join(ROOT, "jbackprop"), "info"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, "src/cli/target/jbackprop-all.jar")


def throughput(jar, cfg, threads, scale):
    layers, batch, act, samples = CONFIGS[cfg]
    n = max(20, int(samples * scale) // batch)
    out = run(["java", "-Xmx4g", "-jar", jar, "throughput", "--backend", "cpu", "--threads", str(threads),
               "--layers", layers, "--batch", str(batch), "--activation", act, "--steps", str(n),
               "--repeats", "5", "--warmup", str(max(10, n // 4))])
    m = re.search(r"([\d,]+) samples/s", out)
    if not m:
        sys.exit("vs_commit: no samples/s in the throughput output:\n" + out)
    return float(m.group(1).replace(",", ""))


def default_job(jar, threads, out):
    log = run(["java", "-Xmx8g", "-Djava.awt.headless=true", "-jar", jar, "train", "--threads", str(threads),
               "--no-progress", "--out", out], cwd=tempfile.gettempdir())
    seconds, first, final = 0.0, None, None
    for line in log.splitlines():
        m = re.match(r"epoch\s+(\d+)/\d+.*test\s+([\d.]+)%.*?([\d.]+) s$", line)
        if not m:
            continue
        seconds += float(m.group(3))
        final = float(m.group(2))
        if first is None and final >= 98.0:
            first = (int(m.group(1)), seconds)
    return first, final, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", default="821cea5")
    p.add_argument("--pairs", type=int, default=8)
    p.add_argument("--configs", default="small,small-sigmoid,default,wide")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--scale", type=float, default=1.0, help="scales each configuration's samples per timed run")
    p.add_argument("--job", type=int, default=0, help="pairs of default-job runs (train), 0: none")
    p.add_argument("--append", help="append the report (markdown) to this file")
    p.add_argument("--note")
    a = p.parse_args()
    sha, old = base_jar(a.base)
    new = this_jar()
    commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    if subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD", "--", "src", "native", "pom.xml"]).returncode:
        commit += " + changes"
    load0 = os.getloadavg()
    rows = []
    for cfg in a.configs.split(","):
        if cfg not in CONFIGS:
            sys.exit(f"vs_commit: unknown configuration {cfg} (one of {', '.join(CONFIGS)})")
        ratios, sides = [], {"base": [], "this": []}
        for i in range(a.pairs):
            order = [("base", old), ("this", new)] if i % 2 == 0 else [("this", new), ("base", old)]
            got = {k: throughput(j, cfg, a.threads, a.scale) for k, j in order}
            for k in got:
                sides[k].append(got[k])
            ratios.append(got["this"] / got["base"])
            print(f"{cfg} pair {i + 1}: base {got['base']:,.0f}  this {got['this']:,.0f}  "
                  f"ratio {ratios[-1]:.2f}", file=sys.stderr)
        rows.append((cfg, sides, ratios))
    jobs = []
    if a.job:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(a.job):
                order = [("base", old), ("this", new)] if i % 2 == 0 else [("this", new), ("base", old)]
                for k, j in order:
                    r = default_job(j, a.threads, os.path.join(tmp, f"{k}-{i}"))
                    jobs.append((k, i + 1) + r)
                    print(f"default job {k} turn {i + 1}: {r}", file=sys.stderr)
    load1 = os.getloadavg()
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    out = [
        "",
        f"## {datetime.datetime.now().isoformat(timespec='seconds')}, commit {commit} against {sha}",
        "",
        f"- CPU: {cpu}, {os.cpu_count()} cores; `--threads {a.threads}`; load average "
        f"{load0[0]:.2f} before, {load1[0]:.2f} after",
        "- command: `" + shlex.join(["python3", "bench/cpu/vs_commit.py"] + sys.argv[1:]) + "`",
        "- each run: `jbackprop throughput --backend cpu` (synthetic data, the best of 5 timed runs of "
        f"{', '.join(f'{k} {int(v[3] * a.scale):,}' for k, v in CONFIGS.items())} samples); the two builds "
        f"take turns, {a.pairs} pairs",
    ]
    if a.note:
        out.append(f"- note: {a.note}")
    out += ["", "| config | network | batch | activation | base samples/s (median, best) | "
                "this build (median, best) | ratio: median of pairs (min–max) |", "|---|---|---|---|---|---|---|"]
    for cfg, sides, ratios in rows:
        layers, batch, act, _ = CONFIGS[cfg]
        b, t = sides["base"], sides["this"]
        out.append(f"| {cfg} | {layers} | {batch} | {act} | {statistics.median(b):,.0f}, {max(b):,.0f} | "
                   f"{statistics.median(t):,.0f}, {max(t):,.0f} | **{statistics.median(ratios):.2f}×** "
                   f"({min(ratios):.2f}–{max(ratios):.2f}) |")
    if jobs:
        out += ["", "The default job (`jbackprop train`: 8 epochs, MNIST), taking turns:", "",
                "| build | turn | first epoch ≥ 98% test | training s to it | final test | training s, 8 epochs |",
                "|---|---|---|---|---|---|"]
        for k, i, first, final, total in jobs:
            f = f"{first[0]} | {first[1]:.2f}" if first else "never | –"
            out.append(f"| {k} | {i} | {f} | {final:.2f}% | {total:.2f} |")
    text = "\n".join(out) + "\n"
    print(text)
    if a.append:
        with open(a.append, "a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
