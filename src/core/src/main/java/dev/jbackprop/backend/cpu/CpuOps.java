package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.ByteBlock;
import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.MemoryLimits;
import dev.jbackprop.engine.MemoryPlan;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.OpsChecks;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Optimizer;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.Wording;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * The CPU backend: float32. This class is the dispatch: each operation checks its arguments ({@link
 * OpsChecks}), sets the fields of its one reusable {@link CpuTask} and runs the task's parts on a
 * {@link WorkerPool} (the calling thread and its workers). GEMMs are {@link CpuGemm} (our C kernel for
 * small products, single-threaded OpenBLAS split by rows or columns for the rest); the output layer's
 * δ, cost and accuracy are {@link CpuLoss}; the other operations {@link CpuTasks}. The elementwise
 * loops are vectorised C where the native library loads ({@link NativeKernels}), else Java ({@link
 * CpuKernels}), with the same results.
 *
 * <p>{@link #capture} records the tasks of the body's first run and replays them as one parallel
 * region per step ({@link CpuPlan}): barriers only where a thread needs another's results, the bias
 * + activation and derivative fused into the products whose results they read, the update (SGD or
 * an optimiser step) cut per layer and run after the last task that reads those parameters, giving
 * the same floats as the eager calls. Nothing here allocates after set-up.
 */
public final class CpuOps implements Ops {
    private final WorkerPool pool;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final int threads;
    /** The tasks of a body being captured, or null. */
    private List<CpuTask> recording;
    /** Whether the body being captured did something a plan cannot replay (a download, an upload, …). */
    private boolean unplannable;

    public CpuOps() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Threads per core at most. More threads than cores only take turns on them, and every split operation waits
     * for its slowest part: on 2 cores, 3 threads already ran a [784,1024,1024,10] step slower than 2 (see
     * {@link WorkerPool}), and 1,000 threads made a 0.8 s run take 63 s; a thread also costs its stack.
     */
    public static final int MAX_THREADS_PER_CORE = 4;

    /**
     * Two switches for comparisons, read when a backend is made: -Djbackprop.cpu.plan=false runs captured
     * steps eagerly (one hand-off per operation); -Djbackprop.cpu.gemm=false gives every product to
     * OpenBLAS.
     */
    private final boolean plans, gemmKernel;

    /**
     * The CPU backend with {@code threads} threads.
     *
     * @param threads 1 to {@link #MAX_THREADS_PER_CORE} × the cores
     * @throws InvalidConfigException when threads is outside that range
     */
    public CpuOps(int threads) {
        checkThreads(threads);
        this.threads = threads;
        this.plans = !"false".equals(System.getProperty("jbackprop.cpu.plan"));
        this.gemmKernel = NativeKernels.GEMM && !"false".equals(System.getProperty("jbackprop.cpu.gemm"));
        Blas.init();
        this.pool = new WorkerPool(this.threads);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public boolean hostMemory() {
        return true;
    }

    /** The threads operations are split over (the calling thread and its workers). */
    public int threads() {
        return threads;
    }

    /** Which OpenBLAS GEMM kernels run, and why ("Haswell kernels (chosen on Zen 4, …)"). */
    public static String blasKernels() {
        return Blas.kernels();
    }

    /** What runs the elementwise loops: the vectorised C library (and its instruction set), or Java, and why. */
    public static String elementwise() {
        return NativeKernels.STATUS;
    }

    /** The processor's model name (Linux: /proc/cpuinfo), else the architecture. */
    public static String cpuModel() {
        try (java.util.stream.Stream<String> lines =
                java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse(System.getProperty("os.arch"));
        } catch (java.io.IOException | java.io.UncheckedIOException | SecurityException e) {
            return System.getProperty("os.arch");
        }
    }

    @Override
    public String description() {
        return "CPU, " + threads + " threads, float32; GEMMs: " + CpuGemm.describe(gemmKernel, Blas.kernels())
                + ", split over the threads; elementwise: " + NativeKernels.STATUS + "; steps: "
                + (plans ? "one parallel region each" : "one hand-off per operation (-Djbackprop.cpu.plan=false)");
    }

    /** Runs an eager task (recording a copy while a body is captured). */
    private void run(CpuTask t) {
        if (recording != null) recording.add(t.copy());
        pool.run(t, t.parts);
    }

    /** An operation a captured step cannot hold. */
    private void hostWork() {
        if (recording != null) unplannable = true;
    }

    /**
     * Refuses a thread count below 1 or above {@link #MAX_THREADS_PER_CORE} × the cores, before any thread is made.
     *
     * @param threads the count asked for
     * @throws InvalidConfigException naming the setting, the bound and why
     */
    public static void checkThreads(int threads) {
        int cores = Runtime.getRuntime().availableProcessors();
        long max = (long) MAX_THREADS_PER_CORE * cores;
        if (threads < 1 || threads > max) {
            throw new InvalidConfigException(
                    Setting.THREADS,
                    Wording.of(
                            Setting.THREADS,
                            " must be between 1 and " + max + " (" + MAX_THREADS_PER_CORE + " × the " + cores
                                    + " cores), got " + threads + ": more threads than cores only take turns on them, "
                                    + "and each split operation waits for the slowest"));
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    /**
     * Blocks of at most {@link CpuBlock#MAX_FLOATS} floats, in host memory outside the heap that JavaCPP still lets
     * this process allocate: the least of its own limit (maxBytes, by default the heap's maximum, set with
     * -Dorg.bytedeco.javacpp.maxBytes), its limit on the process's physical memory, and the memory the system has
     * available.
     */
    @Override
    public MemoryLimits memoryLimits() {
        long own = Pointer.maxBytes() > 0 ? Pointer.maxBytes() - Pointer.totalBytes() : Long.MAX_VALUE;
        long physical =
                Pointer.maxPhysicalBytes() > 0 ? Pointer.maxPhysicalBytes() - Pointer.physicalBytes() : Long.MAX_VALUE;
        long system = Pointer.availablePhysicalBytes();
        long host = Math.min(own, Math.min(physical, system > 0 ? system : Long.MAX_VALUE));
        String why = host == own
                ? "JavaCPP's limit on memory outside the heap, maxBytes = " + MemoryPlan.bytes(Pointer.maxBytes())
                        + " (by default the heap's maximum; -Dorg.bytedeco.javacpp.maxBytes sets it)"
                : host == physical
                        ? "JavaCPP's limit on the process's physical memory, maxPhysicalBytes = "
                                + MemoryPlan.bytes(Pointer.maxPhysicalBytes())
                                + " (-Dorg.bytedeco.javacpp.maxPhysicalBytes sets it)"
                        : "the memory the system has available";
        return new MemoryLimits(
                false,
                false,
                0,
                CpuBlock.MAX_FLOATS,
                "a CPU block is one direct buffer, at most 2 GiB",
                Math.max(0, host),
                why,
                0,
                "no device");
    }

    @Override
    public synchronized Block allocate(long length) {
        OpsChecks.allocate("allocate", length);
        CpuBlock b = CpuBlock.allocate(length);
        owned.add(b);
        return b;
    }

    @Override
    public IndexBlock allocateIndices(int length) {
        OpsChecks.allocate("allocateIndices", length);
        return new CpuIndexBlock(length);
    }

    @Override
    public ByteBlock allocateBytes(long length) {
        OpsChecks.allocate("allocateBytes", length);
        return new CpuByteBlock(length);
    }

    @Override
    public Metrics allocateMetrics() {
        return new CpuMetrics();
    }

    @Override
    public void upload(float[] src, int srcOffset, Block dst, long dstOffset, int length) {
        OpsChecks.upload(src, srcOffset, dst, dstOffset, length);
        hostWork();
        ((CpuBlock) dst).buf.put((int) dstOffset, src, srcOffset, length);
    }

    @Override
    public void upload(int[] src, IndexBlock dst) {
        OpsChecks.upload(src, dst);
        hostWork();
        System.arraycopy(src, 0, ((CpuIndexBlock) dst).idx, 0, src.length);
    }

    @Override
    public void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length) {
        OpsChecks.upload(src, srcOffset, dst, dstOffset, length);
        hostWork();
        System.arraycopy(src, srcOffset, ((CpuByteBlock) dst).bytes, (int) dstOffset, length);
    }

    @Override
    public void download(Block src, long srcOffset, float[] dst, int dstOffset, int length) {
        OpsChecks.download(src, srcOffset, dst, dstOffset, length);
        hostWork();
        ((CpuBlock) src).buf.get((int) srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Block dst, float value) {
        hostWork();
        FloatBuffer b = ((CpuBlock) dst).buf;
        int n = b.limit();
        for (int i = 0; i < n; i++) b.put(i, value);
    }

    @Override
    public void synchronize() {}

    // ---- compute ------------------------------------------------------------------------------

    private final CpuGemm.Task gemmTask = new CpuGemm.Task();

    @Override
    public void gemm(
            boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        OpsChecks.gemm(transA, transB, m, n, k, a, b, c);
        run(gemmTask.set(transA, transB, m, n, k, alpha, a, b, beta, c, threads, gemmKernel));
    }

    static long addr(Mat m) {
        return ((CpuBlock) m.block()).address;
    }

    private final CpuTasks.BiasActivation biasActivationTask = new CpuTasks.BiasActivation();

    @Override
    public void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        OpsChecks.biasActivation(act, z, bias, a, m);
        run(biasActivationTask.set(
                act.kind().code, (float) act.alpha(), addr(z), addr(bias), addr(a), z.rows(), m, threads));
    }

    private final CpuTasks.Backward backwardTask = new CpuTasks.Backward();

    @Override
    public void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        OpsChecks.activationBackward(act, z, a, delta, m);
        run(backwardTask.set(
                act.kind().code, (float) act.alpha(), addr(z), addr(a), addr(delta), z.rows(), m, threads));
    }

    private final CpuLoss.Task lossTask = new CpuLoss.Task();

    @Override
    public void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
        OpsChecks.outputError(cost, out, z, a, y, delta, m, metrics);
        CpuLoss.Task t = lossTask.set(
                cost,
                out.kind().code,
                (float) out.alpha(),
                addr(z),
                addr(a),
                addr(y),
                delta == null ? 0 : addr(delta),
                z.rows(),
                m,
                (CpuMetrics) metrics,
                threads);
        run(t);
        t.finish();
    }

    private final CpuTasks.SumColumns sumTask = new CpuTasks.SumColumns();

    @Override
    public void sumColumns(Mat x, int m, Mat sums) {
        OpsChecks.sumColumns(x, m, sums);
        run(sumTask.set(addr(x), addr(sums), x.rows(), m, threads));
    }

    private final CpuTasks.Update updateTask = new CpuTasks.Update();

    @Override
    public void update(
            Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
        OpsChecks.update(params, grads, velocity, weightCount, rate, momentum, decay);
        run(updateTask.set(
                ((CpuBlock) params).address,
                ((CpuBlock) grads).address,
                velocity == null ? 0 : ((CpuBlock) velocity).address,
                (int) params.length(),
                (int) weightCount,
                rate,
                momentum,
                decay,
                threads));
    }

    private final CpuTasks.SetScalars scalarsTask = new CpuTasks.SetScalars();

    @Override
    public void setScalars(Block dst, float[] values) {
        OpsChecks.setScalars(dst, values);
        run(scalarsTask.set(((CpuBlock) dst).address, values));
    }

    private final CpuTasks.OptimizerStep optimizerTask = new CpuTasks.OptimizerStep();

    @Override
    public void optimizerStep(
            Optimizer.Kind rule,
            Block params,
            Block grads,
            Block state1,
            Block state2,
            long weightCount,
            Block scalars) {
        OpsChecks.optimizerStep(rule, params, grads, state1, state2, weightCount, scalars);
        run(optimizerTask.set(
                rule.code,
                ((CpuBlock) params).address,
                ((CpuBlock) grads).address,
                state1 == null ? 0 : ((CpuBlock) state1).address,
                state2 == null ? 0 : ((CpuBlock) state2).address,
                ((CpuBlock) scalars).address,
                (int) params.length(),
                (int) weightCount,
                threads));
    }

    private final CpuTasks.Gather gatherTask = new CpuTasks.Gather();

    @Override
    public void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst) {
        OpsChecks.gather(src, idx, offset, m, dst);
        run(gatherTask.set(addr(src), src.rows(), src.cols(), (CpuIndexBlock) idx, offset, m, addr(dst), threads));
    }

    private final CpuTasks.CopyIndices copyIndicesTask = new CpuTasks.CopyIndices();

    private final CpuTasks.GatherBytes gatherBytesTask = new CpuTasks.GatherBytes();

    @Override
    public void gatherBytes(ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
        OpsChecks.gatherBytes(src, idx, offset, m, shift, factor, dst);
        run(gatherBytesTask.set(
                (CpuByteBlock) src.block(),
                src.rows(),
                src.cols(),
                (CpuIndexBlock) idx,
                offset,
                m,
                shift == null ? 0 : addr(shift),
                factor == null ? 0 : addr(factor),
                addr(dst),
                threads));
    }

    private final CpuTasks.GatherOneHot gatherOneHotTask = new CpuTasks.GatherOneHot();

    @Override
    public void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst) {
        OpsChecks.gatherOneHot(labels, idx, offset, m, dst);
        run(gatherOneHotTask.set(
                (CpuIndexBlock) labels, (CpuIndexBlock) idx, offset, m, dst.rows(), addr(dst), threads));
    }

    @Override
    public void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
        OpsChecks.copyIndices(src, offset, m, dst);
        run(copyIndicesTask.set((CpuIndexBlock) src, offset, m, (CpuIndexBlock) dst));
    }

    // ---- replay -------------------------------------------------------------------------------

    /**
     * Records the body's tasks on its first run (which also does the work) and replays them as a
     * {@link CpuPlan} from then on; a body that does host work (a download, an upload, a metrics read)
     * runs eagerly every time instead.
     */
    @Override
    public StepReplay capture(Runnable body) {
        return plans ? new Replay(body) : body::run;
    }

    private final List<Replay> replays = new ArrayList<>();
    private volatile boolean profiling;

    /**
     * Diagnostics for benchmarks: while on, every captured step's plan times each of its tasks on the
     * calling thread (two clock reads per task); turning it on starts the figures afresh.
     */
    public synchronized void profile(boolean on) {
        if (on) for (Replay r : replays) if (r.plan != null) r.plan.resetProfile();
        profiling = on;
    }

    /**
     * Diagnostics for benchmarks: each captured step's plan, one line per task (its operation, shape,
     * split, fusions and the barrier after it) with its time per step while {@link #profile} was on.
     */
    public synchronized String plans() {
        StringBuilder s = new StringBuilder();
        for (Replay r : replays)
            if (r.plan != null && r.plan.profiledRuns() > 0)
                s.append(r.plan.profile()).append('\n');
        return s.toString();
    }

    /** A captured step: recorded on its first run, a {@link CpuPlan} from then on. */
    final class Replay implements StepReplay {
        private final Runnable body;
        private CpuPlan plan;
        private boolean eager;

        Replay(Runnable body) {
            this.body = body;
            synchronized (CpuOps.this) {
                replays.add(this);
            }
        }

        @Override
        public void run() {
            if (plan != null) {
                plan.run(profiling);
                return;
            }
            if (eager || recording != null) { // host work, or a capture inside a capture: run it as it is
                body.run();
                return;
            }
            List<CpuTask> tasks = new ArrayList<>();
            recording = tasks;
            unplannable = false;
            try {
                body.run();
            } finally {
                recording = null;
            }
            if (unplannable) eager = true;
            else {
                plan = CpuPlan.build(tasks, pool);
                if (profiling) plan.resetProfile();
            }
        }

        /** The plan after the first run (null before it, or for a body that runs eagerly). */
        CpuPlan plan() {
            return plan;
        }

        @Override
        public void close() {
            synchronized (CpuOps.this) {
                replays.remove(this);
            }
        }
    }

    @Override
    public void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        OpsChecks.sumSquares(block, offsets, lengths, out);
        hostWork();
        FloatBuffer b = ((CpuBlock) block).buf;
        for (int s = 0; s < offsets.length; s++) {
            double sum = 0;
            for (int i = (int) offsets[s], end = (int) (offsets[s] + lengths[s]); i < end; i++) {
                double v = b.get(i);
                sum += v * v;
            }
            out[s] = sum;
        }
    }

    @Override
    public synchronized void close() {
        pool.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                // library code does not print: the application decides where log records go (the CLI: its notices)
                System.getLogger(CpuOps.class.getPackageName())
                        .log(System.Logger.Level.WARNING, "cpu: freeing a block failed: " + e.getMessage());
            }
        }
        owned.clear();
    }
}
