package dev.jbackprop.backend.cpu;

import static dev.jbackprop.backend.cpu.CpuMath.SOFTMAX;

import java.util.ArrayList;
import java.util.List;

/**
 * A captured training step on the CPU: the operations of one run of the body, recorded as
 * {@link CpuTask}s, replayed as one parallel region per step. Every thread walks the same list and
 * runs its part of each task; a barrier separates two tasks only where a part reads or writes memory
 * that another thread's part, since the last barrier, wrote (or reads what it writes), from the
 * rectangles each part declares ({@link CpuTask#access}). Where a thread's parts chain (each reads
 * what it has just written itself, as the columns of a batch do from the gather through the forward
 * pass to the output error) no barrier is needed.
 *
 * <p>Before that, two changes, each giving the floats of the operations as the eager step runs them:
 * <ul>
 *   <li>a product followed by bias + activation on its output, or by the derivative on its output
 *       (δ), runs them on each part right after the product (for the C kernel and ReLU, leaky ReLU or
 *       identity, in registers);
 *   <li>the update (the SGD update, or the optimiser step, which reads the step's numbers from its
 *       scalars block when it runs, so a replay follows the schedule) is cut into one task per layer's
 *       weights and biases, split as the task that computes their gradients is, and each moves to the earliest place after the last task that
 *       reads those parameters where it costs no barrier: each thread then updates the gradients it
 *       has just computed, while they are in its cache, and the step ends without a barrier before
 *       one big update.
 * </ul>
 * Tasks whose floats do not depend on their split are spread over all threads ({@link
 * CpuTasks.Free#spread}); a product on OpenBLAS keeps the split of an eager call. So a replay gives
 * the eager step's floats, bit for bit. The cost and accuracy sums are added once all threads are
 * done.
 */
final class CpuPlan implements WorkerPool.PartTask {
    /** Tasks run on the calling thread before the parallel region (the step's scalars, see {@link #hoist}). */
    private final CpuTask[] prologue;

    private final CpuTask[] tasks;
    private final boolean[] barrierAfter;
    private final CpuLoss.Task[] finish;
    private final WorkerPool pool;
    private final int threads;

    // Stages: the runs of tasks between barriers, [stageStart[s], stageStart[s + 1]). A stage's part p
    // (part p of each of its tasks, in order) is one unit: its thread reads what it wrote itself earlier
    // in the unit, so a unit may run on any thread, but whole. Thread p runs unit p if it gets there
    // first, else whoever comes first takes it (a thread another job holds does not hold up the step);
    // a stage is over when all its units are done.
    private final int[] stageStart;
    private final java.util.concurrent.atomic.AtomicLongArray claimed; // [stage·threads + part]: the step that took it
    private final java.util.concurrent.atomic.AtomicLongArray done; // [stage]: units done over all steps
    private long step; // steps run, this one included

    private CpuPlan(
            CpuTask[] prologue,
            CpuTask[] tasks,
            boolean[] barrierAfter,
            CpuLoss.Task[] finish,
            WorkerPool pool,
            int threads) {
        this.prologue = prologue;
        this.tasks = tasks;
        this.barrierAfter = barrierAfter;
        this.finish = finish;
        this.pool = pool;
        this.threads = threads;
        int stages = 1;
        for (int i = 0; i + 1 < tasks.length; i++) if (barrierAfter[i]) stages++;
        stageStart = new int[stages + 1];
        for (int i = 0, s = 1; i + 1 < tasks.length; i++) if (barrierAfter[i]) stageStart[s++] = i + 1;
        stageStart[stages] = tasks.length;
        claimed = new java.util.concurrent.atomic.AtomicLongArray(stages * threads);
        done = new java.util.concurrent.atomic.AtomicLongArray(stages);
    }

    // Profiling (diagnostics for benchmarks): per step, per task, nanoseconds on the calling thread (the
    // parts it ran, and the wait at the end of a stage on its last task), and the whole step, for up to
    // PROFILED steps.
    private static final int PROFILED = 4096;
    private long[][] stepNanos;
    private long[] stepTotal;
    private int runs;
    private boolean profiling;

    /** One run of the step on the whole team. */
    void run(boolean profile) {
        profiling = profile && runs < PROFILED;
        long t0 = profiling ? System.nanoTime() : 0;
        step++;
        try {
            for (CpuTask t : prologue) t.run(0);
            pool.run(this, threads);
        } catch (RuntimeException | Error e) { // as if the step had finished, so that the next one can run
            for (int i = 0; i < claimed.length(); i++) claimed.set(i, step);
            for (int s = 0; s < done.length(); s++) done.set(s, step * threads);
            throw e;
        }
        for (CpuLoss.Task t : finish) t.finish();
        if (profiling) stepTotal[runs++] = System.nanoTime() - t0;
    }

    @Override
    public void run(int thread) {
        CpuTask[] ts = tasks;
        long g = step;
        boolean timed = profiling && thread == 0;
        long[] times = timed ? stepNanos[runs] : null;
        if (timed) java.util.Arrays.fill(times, 0);
        int stages = stageStart.length - 1;
        for (int s = 0; s < stages; s++) {
            for (int q = 0; q < threads; q++) {
                int part = (thread + q) % threads, slot = s * threads + part;
                if (claimed.get(slot) != g - 1 || !claimed.compareAndSet(slot, g - 1, g)) continue;
                for (int i = stageStart[s]; i < stageStart[s + 1]; i++) {
                    long t = timed ? System.nanoTime() : 0;
                    if (part < ts[i].parts) ts[i].run(part);
                    if (timed) times[i] += System.nanoTime() - t;
                }
                done.incrementAndGet(s);
            }
            if (s + 1 < stages) {
                long t = timed ? System.nanoTime() : 0;
                long all = g * threads;
                int spins = 0;
                while (done.get(s) < all) {
                    pool.checkFailure();
                    if (++spins > WorkerPool.BARRIER_SPINS) Thread.yield();
                    else Thread.onSpinWait();
                }
                if (timed) times[stageStart[s + 1] - 1] += System.nanoTime() - t;
            }
        }
    }

    /**
     * The profile so far: per task, milliseconds per step on the calling thread (the parts of it that
     * thread ran, and for a stage's last task the wait for the stage's other parts), averaged over the
     * fastest fifth of the profiled steps (on a shared machine the others were slowed by other jobs).
     */
    String profile() {
        Integer[] order = new Integer[runs];
        for (int i = 0; i < runs; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Long.compare(stepTotal[x], stepTotal[y]));
        int keep = Math.max(1, runs / 5);
        double[] ms = new double[tasks.length];
        double total = 0;
        for (int q = 0; q < keep && q < runs; q++) {
            int r = order[q];
            for (int i = 0; i < tasks.length; i++) ms[i] += stepNanos[r][i] / 1e6 / keep;
            total += stepTotal[r] / 1e6 / keep;
        }
        StringBuilder s = new StringBuilder("| task | ms/step | share |\n|---|---|---|\n");
        double sum = 0;
        for (int i = 0; i < tasks.length; i++) {
            sum += ms[i];
            s.append(String.format(
                    java.util.Locale.ROOT,
                    "| %s%s | %.4f | %.1f%% |%n",
                    tasks[i].name(),
                    barrierAfter[i] ? ", then the wait for the stage" : "",
                    ms[i],
                    100 * ms[i] / total));
        }
        s.append(String.format(
                java.util.Locale.ROOT,
                "| waking the team, joining it, adding up the cost | %.4f | %.1f%% |%n",
                total - sum,
                100 * (total - sum) / total));
        s.append(String.format(
                java.util.Locale.ROOT, "| whole step (the fastest %d of %d steps) | %.4f | |%n", keep, runs, total));
        return s.toString();
    }

    /** The plan, one line per task and barrier (for tests and benchmarks). */
    String describe() {
        StringBuilder s = new StringBuilder();
        for (CpuTask t : prologue) s.append(t.name()).append(", before the region\n");
        for (int i = 0; i < tasks.length; i++) {
            s.append(tasks[i].name()).append(", ").append(tasks[i].parts).append(" parts\n");
            if (barrierAfter[i]) s.append("-- barrier\n");
        }
        return s.toString();
    }

    int barriers() {
        int n = 0;
        for (boolean b : barrierAfter) if (b) n++;
        return n;
    }

    long profiledRuns() {
        return runs;
    }

    void resetProfile() {
        if (stepNanos == null) {
            stepNanos = new long[PROFILED][tasks.length];
            stepTotal = new long[PROFILED];
        }
        runs = 0;
    }

    /**
     * Multiply-adds per step below which a step runs on one thread: the textbook's [784,30,10] at batch
     * 10 (0.5M) ran at 15,500 samples/s on 2 threads against 25,700 for the previous code, which ran
     * such small operations on the calling thread (on a loaded machine); [784,100,10] at batch 64
     * (10M) gains 1.5× from the second thread.
     */
    static final long TEAM_MIN_WORK = 1L << 21;

    /** The number of threads the plan runs on (1 for a small step). */
    int threads() {
        return threads;
    }

    static CpuPlan build(List<CpuTask> recorded, WorkerPool pool) {
        List<CpuTask> ts = new ArrayList<>(recorded);
        // a step with little work runs on the calling thread alone (where no product is split already):
        // waking the team and waiting at barriers would cost more than it saves, and much more when
        // other jobs hold the cores
        long work = 0;
        boolean split = false;
        for (CpuTask t : ts) {
            if (t instanceof CpuGemm.Task g) work += (long) g.m * g.n * g.k;
            if (!(t instanceof CpuTasks.Free) || (t instanceof CpuGemm.Task g && !g.useNative)) split |= t.parts > 1;
        }
        int threads = work < TEAM_MIN_WORK && !split ? 1 : pool.threads;
        for (CpuTask t : ts) if (t instanceof CpuTasks.Free f) f.spread(threads);
        CpuTask[] prologue = hoist(ts);
        fuseEpilogues(ts);
        placeUpdates(ts, threads);
        ts.removeIf(t -> t instanceof CpuTasks.BlockPass u && u.total == 0);
        List<CpuLoss.Task> finish = new ArrayList<>();
        for (CpuTask t : ts) if (t instanceof CpuLoss.Task l) finish.add(l);
        CpuTask[] arr = ts.toArray(new CpuTask[0]);
        return new CpuPlan(prologue, arr, barriers(arr, threads), finish.toArray(new CpuLoss.Task[0]), pool, threads);
    }

    /**
     * Takes out the setScalars tasks that no earlier task reads or writes the scalars of, to run before the parallel
     * region (as the Trainer writes a step's scalars before its replay): a body that writes its update's scalars
     * after the backward pass (Step.train) then needs no barrier before the update, and each layer's update may
     * still follow its gradient. The values are the recorded ones either way.
     */
    private static CpuTask[] hoist(List<CpuTask> ts) {
        List<CpuTask> out = new ArrayList<>();
        for (int i = 0; i < ts.size(); i++) {
            if (!(ts.get(i) instanceof CpuTasks.SetScalars s)) continue;
            boolean free = true;
            for (int j = 0; j < i && free; j++) free = !touches(ts.get(j), s);
            if (free) {
                out.add(s);
                ts.remove(i--);
            }
        }
        return out.toArray(new CpuTask[0]);
    }

    /** A product followed by bias + activation or the derivative on its output takes it as its epilogue. */
    private static void fuseEpilogues(List<CpuTask> ts) {
        for (int i = 0; i + 1 < ts.size(); i++) {
            if (!(ts.get(i) instanceof CpuGemm.Task g) || g.epilogue != CpuGemm.EPI_NONE) continue;
            CpuTask next = ts.get(i + 1);
            if (next instanceof CpuTasks.BiasActivation b
                    && b.z == g.c
                    && b.rows == g.m
                    && g.ldc == g.m
                    && b.m == g.n
                    && (b.code != SOFTMAX || !g.byRows)) {
                g.epilogue = CpuGemm.EPI_BIAS_ACT;
                g.code = b.code;
                g.actAlpha = b.alpha;
                g.bias = b.bias;
                g.out = b.a;
                ts.remove(i + 1);
            } else if (next instanceof CpuTasks.Backward d
                    && d.delta == g.c
                    && d.rows == g.m
                    && g.ldc == g.m
                    && d.m == g.n) {
                g.epilogue = CpuGemm.EPI_BACKWARD;
                g.code = d.code;
                g.actAlpha = d.alpha;
                g.z = d.z;
                g.out = d.a;
                ts.remove(i + 1);
            }
        }
    }

    /**
     * Cuts the step's update (the SGD update of Ops.update, or Ops.optimizerStep: the last whole-block
     * pass) into one task per matrix of parameters whose gradient a product or the column sums compute,
     * split as that task is, and puts each at the earliest place after the last task that touches what
     * it reads or writes (parameters, optimiser state, gradients, the step's scalars) where it adds no
     * barrier (at the latest where the whole update was). The rest of the update stays where it was.
     */
    private static void placeUpdates(List<CpuTask> ts, int threads) {
        int ui = -1;
        for (int i = ts.size() - 1; i >= 0; i--)
            if (ts.get(i) instanceof CpuTasks.BlockPass) {
                ui = i;
                break;
            }
        if (ui < 0) return;
        CpuTasks.BlockPass u = (CpuTasks.BlockPass) ts.get(ui);
        if (u.runs != 1 || u.from[0] != 0) return; // a whole block, as Ops.update and Ops.optimizerStep do
        long length = u.to[0];
        List<CpuTask> segments = new ArrayList<>();
        List<long[]> taken = new ArrayList<>();
        for (int i = 0; i < ui; i++) {
            CpuTask t = ts.get(i);
            long c;
            int rows, cols, parts;
            boolean byRows;
            if (t instanceof CpuGemm.Task g && g.ldc == g.m && g.beta == 0f && g.m > 0 && g.n > 0) {
                c = g.c;
                rows = g.m;
                cols = g.n;
                byRows = g.byRows;
                parts = g.parts;
            } else if (t instanceof CpuTasks.SumColumns sc && sc.rows > 0) {
                c = sc.s;
                rows = sc.rows;
                cols = 1;
                byRows = true;
                parts = sc.parts;
            } else continue;
            if (c < u.g || (c - u.g) % 4 != 0) continue;
            long off = (c - u.g) / 4, len = (long) rows * cols;
            if (off + len > length) continue;
            boolean weights = off + len <= u.weightCount;
            if (!weights && off < u.weightCount) continue; // weights and biases together: left to the update
            boolean overlaps = false;
            for (long[] r : taken) overlaps |= off < r[1] && r[0] < off + len;
            if (overlaps) continue;
            taken.add(new long[] {off, off + len});
            segments.add(u.segment(off, rows, cols, weights, byRows, parts));
            u.remove((int) off, (int) (off + len));
        }
        for (CpuTask seg : segments) {
            int at = ts.indexOf(u);
            int last = -1;
            for (int i = 0; i < at; i++) if (touches(ts.get(i), seg)) last = i;
            int bestPos = at, bestCount = Integer.MAX_VALUE;
            for (int pos = last + 1; pos <= at; pos++) {
                List<CpuTask> trial = new ArrayList<>(ts);
                trial.add(pos, seg);
                if (u.total == 0) trial.remove(u);
                int count = count(barriers(trial.toArray(new CpuTask[0]), threads));
                if (count < bestCount) {
                    bestCount = count;
                    bestPos = pos;
                }
            }
            ts.add(bestPos, seg);
        }
        if (u.total == 0) ts.remove(u);
    }

    /**
     * Whether t and seg (on any of their parts) touch the same float with one of them writing it: seg may
     * not move before t.
     */
    private static boolean touches(CpuTask t, CpuTask seg) {
        return conflicts(regions(t), regions(seg));
    }

    /** What all parts of t read and write. */
    private static List<Region> regions(CpuTask t) {
        List<Region> rs = new ArrayList<>();
        for (int part = 0; part < t.parts; part++)
            t.access(part, (w, base, ld, r0, r1, c0, c1) -> rs.add(new Region(w, base, ld, r0, r1, c0, c1)));
        return rs;
    }

    private static int count(boolean[] b) {
        int n = 0;
        for (boolean x : b) if (x) n++;
        return n;
    }

    /** barrierAfter[i]: whether all threads wait between task i and task i + 1. */
    private static boolean[] barriers(CpuTask[] ts, int threads) {
        boolean[] after = new boolean[ts.length];
        List<List<Region>> since = new ArrayList<>(); // per thread: what it touched since the last barrier
        for (int t = 0; t < threads; t++) since.add(new ArrayList<>());
        for (int i = 0; i < ts.length; i++) {
            List<List<Region>> mine = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Region> rs = new ArrayList<>();
                if (t < ts[i].parts)
                    ts[i].access(t, (w, base, ld, r0, r1, c0, c1) -> rs.add(new Region(w, base, ld, r0, r1, c0, c1)));
                mine.add(rs);
            }
            boolean conflict = false;
            for (int t = 0; t < threads && !conflict; t++)
                for (int o = 0; o < threads && !conflict; o++)
                    if (o != t) conflict = conflicts(mine.get(t), since.get(o));
            if (conflict && i > 0) {
                after[i - 1] = true;
                for (List<Region> s : since) s.clear();
            }
            for (int t = 0; t < threads; t++) since.get(t).addAll(mine.get(t));
        }
        return after;
    }

    private static boolean conflicts(List<Region> a, List<Region> b) {
        for (Region x : a) for (Region y : b) if ((x.write || y.write) && x.overlaps(y)) return true;
        return false;
    }

    /** Rows [r0, r1) of columns [c0, c1) of the column-major matrix at base with ld rows, read or written. */
    record Region(boolean write, long base, long ld, int r0, int r1, int c0, int c1) {
        static Region range(long base, long from, long to) {
            return new Region(true, base + 4 * from, to - from, 0, (int) (to - from), 0, 1);
        }

        long lo() {
            return base + 4 * (r0 + c0 * ld);
        }

        long hi() {
            return base + 4 * ((c1 - 1) * ld + r1);
        }

        boolean empty() {
            return r0 >= r1 || c0 >= c1;
        }

        /** Whether the two may share a float (exact for rectangles of the same matrix, else by their spans). */
        boolean overlaps(Region o) {
            if (empty() || o.empty()) return false;
            if (hi() <= o.lo() || o.hi() <= lo()) return false;
            if (base == o.base && ld == o.ld) return r0 < o.r1 && o.r0 < r1 && c0 < o.c1 && o.c0 < c1;
            return true;
        }
    }
}
