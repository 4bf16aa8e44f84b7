package dev.jbackprop.backend.cpu;

import static dev.jbackprop.backend.cpu.CpuMath.SOFTMAX;

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
 * OpsChecks}) and runs on a {@link WorkerPool} (the calling thread and its workers). GEMMs are {@link
 * CpuGemm} (single-threaded OpenBLAS, split by rows or columns of the output); the output layer's δ,
 * cost and accuracy are {@link CpuLoss}; the elementwise pass after a GEMM is split the same way as
 * the GEMM, so each thread reads back what it has just written, hot in its own cache. The
 * elementwise loops are vectorised C where the native library loads ({@link NativeKernels}), else
 * Java ({@link CpuKernels}), with the same results. Nothing here allocates after set-up: each
 * operation keeps one task object whose fields it sets before running.
 */
public final class CpuOps implements Ops {
    // Elements per thread below which an elementwise pass runs on the calling thread alone.
    private static final int MIN_PER_THREAD = 1 << 14;

    private final WorkerPool pool;
    private final CpuGemm gemm;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final int threads;

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
     * The CPU backend with {@code threads} threads.
     *
     * @param threads 1 to {@link #MAX_THREADS_PER_CORE} × the cores
     * @throws InvalidConfigException when threads is outside that range
     */
    public CpuOps(int threads) {
        checkThreads(threads);
        this.threads = threads;
        Blas.init();
        this.pool = new WorkerPool(this.threads);
        this.gemm = new CpuGemm(pool);
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
        return "CPU, " + threads + " threads, float32; GEMMs: OpenBLAS, " + Blas.kernels()
                + ", split over the threads; elementwise: " + NativeKernels.STATUS;
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
        ((CpuBlock) dst).buf.put((int) dstOffset, src, srcOffset, length);
    }

    @Override
    public void upload(int[] src, IndexBlock dst) {
        OpsChecks.upload(src, dst);
        System.arraycopy(src, 0, ((CpuIndexBlock) dst).idx, 0, src.length);
    }

    @Override
    public void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length) {
        OpsChecks.upload(src, srcOffset, dst, dstOffset, length);
        System.arraycopy(src, srcOffset, ((CpuByteBlock) dst).bytes, (int) dstOffset, length);
    }

    @Override
    public void download(Block src, long srcOffset, float[] dst, int dstOffset, int length) {
        OpsChecks.download(src, srcOffset, dst, dstOffset, length);
        ((CpuBlock) src).buf.get((int) srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Block dst, float value) {
        FloatBuffer b = ((CpuBlock) dst).buf;
        int n = b.limit();
        for (int i = 0; i < n; i++) b.put(i, value);
    }

    @Override
    public void synchronize() {}

    // ---- compute ------------------------------------------------------------------------------

    @Override
    public void gemm(
            boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        OpsChecks.gemm(transA, transB, m, n, k, a, b, c);
        gemm.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    private static FloatBuffer buf(Mat m) {
        return ((CpuBlock) m.block()).buf;
    }

    static long addr(Mat m) {
        return ((CpuBlock) m.block()).address;
    }

    private final class BiasActivationTask implements WorkerPool.RangeTask {
        int code;
        float alpha;
        int rows, m;
        boolean byRows; // softmax needs whole columns, so it always splits columns
        long z, bias, a; // addresses

        @Override
        public void run(int from, int to) {
            if (code != SOFTMAX) {
                if (byRows) CpuKernels.biasActivation(code, alpha, z, bias, a, rows, from, to, 0, m);
                else CpuKernels.biasActivation(code, alpha, z, bias, a, rows, 0, rows, from, to);
                return;
            }
            // a = e^(z − max) / Σ e^(z − max), the exponentials, the sum and the quotient in double and
            // rounded once, as kernels/activations.cu does (a NaN in z makes the column NaN)
            for (int j = from; j < to; j++) {
                long base = (long) j * rows;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < rows; i++) {
                    float v = Mem.get(z, base + i) + Mem.get(bias, i);
                    Mem.put(z, base + i, v);
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int i = 0; i < rows; i++) sum += Math.exp((double) Mem.get(z, base + i) - max);
                for (int i = 0; i < rows; i++)
                    Mem.put(a, base + i, (float) (Math.exp((double) Mem.get(z, base + i) - max) / sum));
            }
        }
    }

    private final BiasActivationTask biasActivationTask = new BiasActivationTask();

    @Override
    public void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        OpsChecks.biasActivation(act, z, bias, a, m);
        BiasActivationTask t = biasActivationTask;
        t.code = act.kind().code;
        t.alpha = (float) act.alpha();
        t.rows = z.rows();
        t.z = addr(z);
        t.bias = addr(bias);
        t.a = addr(a);
        t.m = m;
        t.byRows = t.code != SOFTMAX && CpuGemm.splitRows(t.rows, m);
        runElementwise(t, t.byRows, t.rows, m);
    }

    /**
     * Runs an elementwise task over a rows × m matrix, split over the threads by rows or by columns
     * (the task reads the range as rows or columns accordingly), once each thread has MIN_PER_THREAD elements.
     */
    private void runElementwise(WorkerPool.RangeTask t, boolean byRows, int rows, int m) {
        pool.run(t, byRows ? rows : m, Math.max(1, MIN_PER_THREAD / Math.max(1, byRows ? m : rows)));
    }

    private final class BackwardTask implements WorkerPool.RangeTask {
        int code;
        float alpha;
        int rows, m;
        boolean byRows;
        long z, a, delta; // addresses

        @Override
        public void run(int from, int to) {
            if (byRows) CpuKernels.activationBackward(code, alpha, z, a, delta, rows, from, to, 0, m);
            else CpuKernels.activationBackward(code, alpha, z, a, delta, rows, 0, rows, from, to);
        }
    }

    private final BackwardTask backwardTask = new BackwardTask();

    @Override
    public void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        OpsChecks.activationBackward(act, z, a, delta, m);
        BackwardTask t = backwardTask;
        t.code = act.kind().code;
        t.alpha = (float) act.alpha();
        t.z = addr(z);
        t.a = addr(a);
        t.delta = addr(delta);
        t.rows = z.rows();
        t.m = m;
        t.byRows = CpuGemm.splitRows(t.rows, m);
        runElementwise(t, t.byRows, t.rows, m);
    }

    @Override
    public void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
        OpsChecks.outputError(cost, out, z, a, y, delta, m, metrics);
        CpuLoss.outputError(cost, out, z, a, y, delta, m, (CpuMetrics) metrics);
    }

    @Override
    public void sumColumns(Mat x, int m, Mat sums) {
        OpsChecks.sumColumns(x, m, sums);
        int rows = x.rows();
        SumTask t = sumTask;
        t.x = addr(x);
        t.s = addr(sums);
        t.rows = rows;
        t.m = m;
        runElementwise(t, true, rows, m);
    }

    /** Row sums over m columns for rows [from, to). */
    private static final class SumTask implements WorkerPool.RangeTask {
        long x, s;
        int rows, m;

        @Override
        public void run(int from, int to) {
            CpuKernels.sumColumns(x, s, rows, m, from, to);
        }
    }

    private final SumTask sumTask = new SumTask();

    private final class UpdateTask implements WorkerPool.RangeTask {
        long p, g, v; // addresses; v = 0 without a velocity block
        int weightCount;
        float rate, momentum, decay;

        @Override
        public void run(int from, int to) {
            CpuKernels.update(p, g, v, from, to, weightCount, rate, momentum, decay);
        }
    }

    private final UpdateTask updateTask = new UpdateTask();

    @Override
    public void update(
            Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
        OpsChecks.update(params, grads, velocity, weightCount, rate, momentum, decay);
        UpdateTask t = updateTask;
        t.p = ((CpuBlock) params).address;
        t.g = ((CpuBlock) grads).address;
        t.v = velocity == null ? 0 : ((CpuBlock) velocity).address;
        t.weightCount = (int) weightCount;
        t.rate = rate;
        t.momentum = momentum;
        t.decay = decay;
        pool.run(t, (int) params.length(), MIN_PER_THREAD);
    }

    private final CpuOptimizers optimizerTask = new CpuOptimizers();

    @Override
    public void setScalars(Block dst, float[] values) {
        OpsChecks.setScalars(dst, values);
        CpuOptimizers.setScalars(((CpuBlock) dst).address, values);
    }

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
        CpuOptimizers t = optimizerTask;
        t.rule = rule.code;
        t.p = ((CpuBlock) params).address;
        t.g = ((CpuBlock) grads).address;
        t.s1 = state1 == null ? 0 : ((CpuBlock) state1).address;
        t.s2 = state2 == null ? 0 : ((CpuBlock) state2).address;
        t.sc = ((CpuBlock) scalars).address;
        t.weightCount = (int) weightCount;
        pool.run(t, (int) params.length(), MIN_PER_THREAD);
    }

    @Override
    public void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst) {
        OpsChecks.gather(src, idx, offset, m, dst);
        int[] ix = ((CpuIndexBlock) idx).idx;
        int rows = src.rows();
        FloatBuffer s = buf(src), d = buf(dst);
        for (int j = 0; j < m; j++) {
            int col = ix[offset + j];
            if (col >= 0 && col < src.cols()) d.put(j * rows, s, col * rows, rows);
            else for (int i = 0; i < rows; i++) d.put(j * rows + i, Float.NaN); // as on the GPU: the cost shows it
        }
    }

    @Override
    public void gatherBytes(ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
        OpsChecks.gatherBytes(src, idx, offset, m, shift, factor, dst);
        CpuGather.bytes(
                ((CpuByteBlock) src.block()).bytes,
                src.rows(),
                src.cols(),
                ((CpuIndexBlock) idx).idx,
                offset,
                m,
                shift == null ? 0 : addr(shift),
                factor == null ? 0 : addr(factor),
                addr(dst));
    }

    @Override
    public void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst) {
        OpsChecks.gatherOneHot(labels, idx, offset, m, dst);
        CpuGather.oneHot(((CpuIndexBlock) labels).idx, ((CpuIndexBlock) idx).idx, offset, m, dst.rows(), addr(dst));
    }

    @Override
    public void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
        OpsChecks.copyIndices(src, offset, m, dst);
        int[] s = ((CpuIndexBlock) src).idx, d = ((CpuIndexBlock) dst).idx;
        System.arraycopy(s, offset, d, 0, m);
    }

    @Override
    public void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        OpsChecks.sumSquares(block, offsets, lengths, out);
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
                System.err.println("jbackprop: cpu: freeing a block failed: " + e.getMessage());
            }
        }
        owned.clear();
    }
}
