#!/usr/bin/env python3
"""Side by side: the same training steps in jbackprop, PyTorch and numpy.

Every implementation gets the same network (ReLU hidden layers, softmax + cross-entropy), the same
initial weights (a safetensors file in PyTorch's nn.Linear layout, read by jbackprop through
`throughput --init-weights`), the same data (synthetic, seeded, written as MNIST-format IDX files,
read by jbackprop through `throughput --data`), the same batch order (jbackprop's seeded shuffle,
replayed here), the same momentum SGD (eta, mu) and the same number of steps: WARMUP untimed steps,
then REPEATS timed runs of STEPS steps. Samples/s is from the best timed run; the loss is the mean
cross-entropy over the last timed run, so rows that did the same work on the same precision agree
to a few decimals.

Rows: jbackprop (cpu; cuda FP32, TF32 and BF16), numpy (cpu, matrix form), PyTorch eager (cpu, cuda) and
PyTorch with the whole step captured in one CUDA graph (cuda), in FP32 and TF32. BF16 (jbackprop's
--bf16: bfloat16 GEMM inputs, FP32 sums and master weights) has a jbackprop row only: PyTorch's bf16
autocast is a different computation. Missing pieces are skipped with a line.

    python3 bench/compare/compare.py                               # all configurations, all devices
    python3 bench/compare/compare.py --configs small,medium --devices cpu
    python3 bench/compare/compare.py --configs cpu-small,cpu-wide --devices cpu --rounds 5   # the CPU figures
    JBACKPROP="bundle/jbackprop" python3 bench/compare/compare.py  # a jbackprop launcher other than ./jbackprop
    JBACKPROP="bundle/jbackprop" python3 bench/compare/compare.py --append bench/results/<date>-h200.md   # on the H200 node

Needs numpy; PyTorch is optional. Run on an otherwise idle machine.
"""
import argparse
import json
import os
import shlex
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# name: (layers, batch, warmup, steps, repeats)
CONFIGS = {
    "small": ([784, 100, 10], 128, 20, 100, 3),
    "medium": ([784, 1024, 1024, 10], 1024, 10, 30, 3),
    "large": ([784, 4096, 4096, 4096, 10], 4096, 5, 10, 3),
    # the CPU figures of the core issue: numpy + OpenBLAS parity on a 2-core machine
    "cpu-small": ([784, 100, 10], 64, 50, 300, 5),
    "cpu-wide": ([784, 1024, 1024, 10], 256, 5, 30, 5),
}

# Largest FP32 final-loss difference from jbackprop's that still means "the same work". Float rounding
# alone moves the wide nets' loss after 150 steps by a few 1e-3: numpy on its own gives 0.747358 with
# OpenBLAS's SkylakeX GEMM kernels and 0.750155 with its Haswell ones (cpu-wide, 2026-11-22).
LOSS_TOLERANCE = {"small": 1e-3, "cpu-small": 1e-3}
WIDE_LOSS_TOLERANCE = 1e-2


# ---- the shared inputs -----------------------------------------------------------------------

def shuffled(n, seed=1):
    """jbackprop's Shuffler: Fisher-Yates driven by SplitMix64 (engine/Shuffler.java)."""
    mask = (1 << 64) - 1
    state = seed & mask

    def nxt():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        bound = i + 1
        limit = (1 << 31) - ((1 << 31) % bound)
        r = nxt() >> 33
        while r >= limit:
            r = nxt() >> 33
        j = r % bound
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.int64)


def batches(perm, batch, total):
    """The batches of `throughput`: consecutive slices of perm, starting over when one would run past its end."""
    out, off = [], 0
    for _ in range(total):
        if off + batch > len(perm):
            off = 0
        out.append(perm[off:off + batch])
        off += batch
    return out


def write_idx(directory, pixels, labels):
    """MNIST-format IDX files (train set and a small test set, which `throughput` does not use)."""
    os.makedirs(directory, exist_ok=True)
    n = len(labels)
    for prefix, sl in (("train", slice(0, n)), ("t10k", slice(0, min(n, 16)))):
        imgs, labs = pixels[sl], labels[sl]
        with open(os.path.join(directory, f"{prefix}-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">IIII", 0x803, len(labs), 28, 28))
            f.write(imgs.astype(np.uint8).tobytes())
        with open(os.path.join(directory, f"{prefix}-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">II", 0x801, len(labs)))
            f.write(labs.astype(np.uint8).tobytes())


def make_data(n, seed):
    """n images of 784 uniform random pixels; the label is the argmax of a random linear teacher, so the loss falls."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
    teacher = rng.standard_normal((784, 10)).astype(np.float32)
    x = pixels.astype(np.float32) / np.float32(255)  # what jbackprop's IDX reader computes
    labels = np.argmax((x - np.float32(0.5)) @ teacher, axis=1).astype(np.int64)
    return pixels, x, labels


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, arr in tensors.items():
        b = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """The F32 tensors of a safetensors file as numpy arrays (no dependency on the safetensors package)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {t['dtype']}, expected F32")
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"]).copy()
    return out


def he_init(layers, seed):
    rng = np.random.default_rng(seed)
    t = {}
    for i in range(len(layers) - 1):
        t[f"layers.{i}.weight"] = (rng.standard_normal((layers[i + 1], layers[i])) * np.sqrt(2.0 / layers[i])).astype(np.float32)
        t[f"layers.{i}.bias"] = np.zeros(layers[i + 1], dtype=np.float32)
    return t


class Work:
    """One configuration's inputs, written once to files that every implementation reads."""

    def __init__(self, name, layers, batch, warmup, steps, repeats, eta, momentum, activation, tmp, seed):
        self.name, self.layers, self.batch = name, layers, batch
        self.warmup, self.steps, self.repeats = warmup, steps, repeats
        self.eta, self.momentum, self.activation = eta, momentum, activation
        self.total = warmup + steps * repeats
        self.samples = batch * 8
        self.dir = os.path.join(tmp, name)
        pixels, self.x, self.labels = make_data(self.samples, seed)
        write_idx(self.dir, pixels, self.labels)
        self.weights_file = os.path.join(self.dir, "init.safetensors")
        write_safetensors(self.weights_file, he_init(layers, seed + 1))
        self.order = batches(shuffled(self.samples, 1), batch, self.total)

    def describe(self):
        net = ",".join(map(str, self.layers))
        return (f"{self.name}: [{net}] {self.activation}, softmax + cross-entropy, batch {self.batch}, eta {self.eta}, momentum {self.momentum}, "
                f"{self.warmup} warm-up + {self.repeats} x {self.steps} timed steps, {self.samples} synthetic samples")


def timed(work, run_step, sync=lambda: None, reset=lambda: None, done=0):
    """Runs the warm-up steps (less `done` already run) then the timed repeats; returns the best samples/s."""
    s = done
    for _ in range(work.warmup - done):
        run_step(s)
        s += 1
    sync()
    best = float("inf")
    for _ in range(work.repeats):
        reset()
        t0 = time.perf_counter()
        for _ in range(work.steps):
            run_step(s)
            s += 1
        sync()
        best = min(best, time.perf_counter() - t0)
    return work.steps * work.batch / best


# ---- numpy ----------------------------------------------------------------------------------

def run_numpy(work):
    """Matrix form, one sample per row, float32: Z = A Wᵀ + b; gradients summed, the update divides by the batch."""
    init = read_safetensors(work.weights_file)
    L = len(work.layers) - 1
    W = [init[f"layers.{i}.weight"] for i in range(L)]
    b = [init[f"layers.{i}.bias"] for i in range(L)]
    vW = [np.zeros_like(w) for w in W]
    vb = [np.zeros_like(v) for v in b]
    eta, mu = np.float32(work.eta), np.float32(work.momentum)
    rate = eta / np.float32(work.batch)
    sig = work.activation == "sigmoid"
    loss = [0.0]

    def step(s):
        idx = work.order[s]
        a = work.x[idx]
        y = work.labels[idx]
        As, Zs = [a], []
        for l in range(L):
            z = As[-1] @ W[l].T + b[l]
            Zs.append(z)
            if l < L - 1:
                As.append(1 / (1 + np.exp(-z)) if sig else np.maximum(z, 0))
        z = Zs[-1]
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)
        se = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(idx))
        loss[0] += float(np.sum(np.log(se[:, 0]) + m[:, 0] - z[rows, y], dtype=np.float64))
        delta = e / se
        delta[rows, y] -= 1
        grads = [None] * L
        for l in range(L - 1, -1, -1):
            grads[l] = (delta.T @ As[l], delta.sum(axis=0))
            if l > 0:
                d = As[l] * (1 - As[l]) if sig else (Zs[l - 1] > 0)
                delta = (delta @ W[l]) * d
        for l in range(L):
            vW[l] *= mu
            vW[l] -= rate * grads[l][0]
            W[l] += vW[l]
            vb[l] *= mu
            vb[l] -= rate * grads[l][1]
            b[l] += vb[l]

    def reset():
        loss[0] = 0.0

    sps = timed(work, step, reset=reset)
    return sps, loss[0] / (work.steps * work.batch)


# ---- PyTorch --------------------------------------------------------------------------------

def run_torch(work, device, graphed, tf32):
    import torch
    import torch.nn.functional as F

    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    dev = torch.device(device)
    L = len(work.layers) - 1
    act = torch.sigmoid if work.activation == "sigmoid" else torch.relu

    class MLP(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList(torch.nn.Linear(work.layers[i], work.layers[i + 1]) for i in range(L))

        def forward(self, x):
            for i, layer in enumerate(self.layers):
                x = layer(x)
                if i < L - 1:
                    x = act(x)
            return x

    model = MLP().to(dev)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in read_safetensors(work.weights_file).items()})
    opt = torch.optim.SGD(model.parameters(), lr=work.eta, momentum=work.momentum)
    X = torch.from_numpy(work.x).to(dev)
    Y = torch.from_numpy(work.labels).to(dev)
    order = [torch.from_numpy(o).to(dev) for o in work.order]
    acc = torch.zeros((), dtype=torch.float64, device=dev)
    cuda = dev.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    def eager(s, idx=None):
        idx = order[s] if idx is None else idx
        out = model(X.index_select(0, idx))
        loss = F.cross_entropy(out, Y.index_select(0, idx))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        acc.add_(loss.detach().double() * work.batch)

    if not graphed:
        sps = timed(work, eager, sync=sync, reset=acc.zero_)
        return sps, acc.item() / (work.steps * work.batch)

    # The whole step (gather, forward, loss, backward, optimizer step, loss sum) in one CUDA graph;
    # the first eager steps (on a side stream, as capture requires) create the momentum buffers.
    if work.warmup < 1:
        raise ValueError("the CUDA-graph row needs at least one warm-up step (it creates the momentum buffers)")
    first = min(3, work.warmup)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for s in range(first):
            eager(s)
    torch.cuda.current_stream().wait_stream(side)
    static_idx = order[first].clone()
    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        out = model(X.index_select(0, static_idx))
        loss = F.cross_entropy(out, Y.index_select(0, static_idx))
        loss.backward()
        opt.step()
        acc.add_(loss.detach().double() * work.batch)

    def replay(s):
        static_idx.copy_(order[s])
        graph.replay()

    sps = timed(work, replay, sync=sync, reset=acc.zero_, done=first)
    return sps, acc.item() / (work.steps * work.batch)


# ---- jbackprop ------------------------------------------------------------------------------

def run_jbackprop(work, launcher, backend, prec, extra=()):
    cmd = launcher + ["throughput", "--backend", backend, "--json", "--layers", ",".join(map(str, work.layers)),
                      "--activation", work.activation, "--cost", "cross-entropy", "--batch", str(work.batch),
                      "--warmup", str(work.warmup), "--steps", str(work.steps), "--repeats", str(work.repeats),
                      "--eta", str(work.eta), "--momentum", str(work.momentum), "--data", work.dir, "--init-weights", work.weights_file]
    if prec in ("tf32", "bf16"):
        cmd.append("--" + prec)
    cmd += list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    return r["samples_per_second"], r["loss"]


# ---- driver ---------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="small,medium,large", help="of: " + ", ".join(CONFIGS))  # cpu-* only on request
    ap.add_argument("--devices", default="cpu,cuda")
    ap.add_argument("--impls", default="jbackprop,numpy,torch,torch-graph")
    ap.add_argument("--precisions", default="fp32,tf32,bf16", help="tf32 and bf16 apply to the GPU rows; bf16 to jbackprop only")
    ap.add_argument("--warmup", type=int, help="override each configuration's warm-up steps")
    ap.add_argument("--steps", type=int, help="override each configuration's timed steps per repeat")
    ap.add_argument("--repeats", type=int, help="override each configuration's repeats")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run every row this many times, the rows taking turns, and keep each row's best: on a machine whose "
                         "speed drifts (a shared VM), turns spread the drift over all rows instead of favouring whichever ran first")
    ap.add_argument("--eta", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--activation", default="relu", choices=["relu", "sigmoid"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tolerance", type=float,
                    help="largest FP32 final-loss difference from jbackprop accepted (exit 1 beyond); default 1e-3 for the small "
                         "nets, 1e-2 for the wide ones, whose loss float rounding alone moves by a few 1e-3")
    ap.add_argument("--append", metavar="FILE", help="also append the notes and the table to FILE (a results .md)")
    ap.add_argument("--jbackprop", default=os.environ.get("JBACKPROP", os.path.join(ROOT, "jbackprop")), help="launcher command (env JBACKPROP)")
    args = ap.parse_args()

    impls = set(args.impls.split(","))
    devices = args.devices.split(",")
    precisions = args.precisions.split(",")
    launcher = shlex.split(args.jbackprop)
    notes = [f"numpy {np.__version__}; {os.cpu_count()} CPU cores"]
    try:
        import torch
        notes.append(f"PyTorch {torch.__version__} ({torch.get_num_threads()} CPU threads)")
        torch_cuda = torch.cuda.is_available()
        if torch_cuda:
            notes.append(f"PyTorch GPU: {torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}")
    except ImportError:
        torch, torch_cuda = None, False
        if impls & {"torch", "torch-graph"}:
            notes.append("PyTorch not installed: skipped")
    jb_cuda = False
    if "jbackprop" in impls:
        info = subprocess.run(launcher + ["info"], capture_output=True, text=True)
        if info.returncode != 0:
            sys.exit(f"{args.jbackprop} info failed: {info.stderr.strip()}")
        cuda_line = next((l for l in info.stdout.splitlines() if l.startswith("cuda:")), "cuda: unknown")
        jb_cuda = cuda_line.split(":", 1)[1].strip().startswith("available")
        notes.append("; ".join(l.strip() for l in info.stdout.splitlines() if l.startswith(("jbackprop", "cpu:", "cuda:"))))
    if "cuda" in devices and not (jb_cuda or torch_cuda):
        notes.append("no CUDA device: GPU rows skipped")
        devices = [d for d in devices if d != "cuda"]

    plan = []  # (impl label, device, precision, runner)
    for dev in devices:
        for prec in (["fp32"] if dev == "cpu" else precisions):
            tf32 = prec == "tf32"
            if "jbackprop" in impls and (dev == "cpu" or jb_cuda):
                plan.append(("jbackprop", dev, prec, lambda w, d=dev, q=prec: run_jbackprop(w, launcher, d, q)))
            if prec == "bf16":
                continue  # no PyTorch or numpy counterpart
            if dev == "cpu" and "numpy" in impls and prec == "fp32":
                plan.append(("numpy", dev, prec, run_numpy))
            if torch is not None and "torch" in impls and (dev == "cpu" or torch_cuda):
                plan.append(("PyTorch eager", dev, prec, lambda w, d=dev, t=tf32: run_torch(w, d, False, t)))
            if torch is not None and "torch-graph" in impls and dev == "cuda" and torch_cuda:
                plan.append(("PyTorch CUDA graph", dev, prec, lambda w, t=tf32: run_torch(w, "cuda", True, t)))

    lines = []

    def out(line=""):
        print(line, flush=True)
        lines.append(line)

    for n in notes:
        out(n)
    rows, mismatch = [], False
    with tempfile.TemporaryDirectory(prefix="jbackprop-compare-") as tmp:
        for name in args.configs.split(","):
            layers, batch, warmup, steps, repeats = CONFIGS[name]
            work = Work(name, layers, batch, args.warmup if args.warmup is not None else warmup, args.steps or steps,
                        args.repeats or repeats, args.eta, args.momentum, args.activation, tmp, args.seed)
            out(work.describe())
            results, failed = {}, set()
            for _ in range(max(1, args.rounds)):
                for label, dev, prec, runner in plan:
                    key = (label, dev, prec)
                    if key in failed:
                        continue
                    try:
                        sps, loss = runner(work)
                    except Exception as e:  # one failing row does not lose the others
                        out(f"  {label} {dev} {prec}: failed: {e}")
                        failed.add(key)
                        continue
                    if key not in results or sps > results[key][0]:
                        results[key] = (sps, loss)
            for (label, dev, prec), (sps, loss) in results.items():
                ref = results.get(("jbackprop", dev, prec))
                ratio = f"{sps / ref[0]:.2f}x" if ref else "-"
                rows.append((name, label, dev, prec, sps, ratio, loss))
                tol = args.tolerance if args.tolerance is not None else LOSS_TOLERANCE.get(name, WIDE_LOSS_TOLERANCE)
                if prec == "fp32" and ref and abs(loss - ref[1]) > tol:
                    mismatch = True
                    out(f"  {name}: {label} {dev} final loss {loss:.6f} differs from jbackprop's {ref[1]:.6f} by more than {tol}")
    out()
    out("| config | implementation | device | precision | samples/s | vs jbackprop | final loss |")
    out("|---|---|---|---|---|---|---|")
    for name, label, dev, prec, sps, ratio, loss in rows:
        out(f"| {name} | {label} | {dev} | {prec} | {sps:,.0f} | {ratio} | {loss:.6f} |")
    out()
    out("vs jbackprop: samples/s over jbackprop's on the same device and precision. final loss: mean cross-entropy "
        "over the last timed run." + (f" Each row: the best of {args.rounds} rounds, the rows taking turns." if args.rounds > 1 else ""))
    if mismatch:
        out("FP32 final losses differ from jbackprop's by more than the tolerance (above): the implementations did not do the same work")
    if args.append:  # the same lines, as a section of a results file
        table = [l for l in lines if l.startswith("|")]
        text = [l for l in lines if l and not l.startswith("|")]
        with open(args.append, "a") as f:
            f.write("\n### Side by side: `python3 bench/compare/compare.py " + " ".join(sys.argv[1:]) + "`\n\n")
            f.write("\n".join("- " + l.strip() for l in text) + "\n\n" + "\n".join(table) + "\n")
    if mismatch:
        sys.exit(1)


if __name__ == "__main__":
    main()
