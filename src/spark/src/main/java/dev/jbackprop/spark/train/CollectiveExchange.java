package dev.jbackprop.spark.train;

import dev.jbackprop.engine.GradientExchange;
import dev.jbackprop.engine.Network;
import dev.jbackprop.spark.collective.CheckedSum;
import dev.jbackprop.spark.collective.Collective;
import java.nio.FloatBuffer;

/**
 * A worker's {@link GradientExchange} over the stage's {@link Collective}: each step the gradient block and the
 * integrity tail (workers, step, samples, loss sum, correct count) in one {@link CheckedSum}, so that a missing,
 * doubled or out-of-step contribution is refused, never applied. The block goes through host memory (one download and
 * one upload per step, into buffers allocated at the first step); a failure is kept ({@link #failure()}) so that the
 * worker can rethrow it after train has reported it.
 *
 * <p>With NCCL asked for ({@value #NCCL_PROPERTY}=true on the driver: an id share is given) and the worker's backend the
 * CUDA one ({@link NcclExchange#applies}), the steps go through an {@link NcclExchange} instead, chosen at the first
 * step (the backend exists only once train has started); on any other backend the host path above is used. NCCL has
 * not run anywhere yet, hence opt-in.
 */
final class CollectiveExchange implements GradientExchange, AutoCloseable {
    /** The driver's system property that asks for NCCL on the CUDA backend ({@code true}; off by default). */
    static final String NCCL_PROPERTY = "jbackprop.train.nccl";

    private final Collective collective;
    private final int rank;
    private final int workers;
    private final Fault fault; // or null
    private final NcclExchange.IdShare ncclShare; // null: host path only
    private boolean chosen;
    private NcclExchange nccl; // the CUDA path, once chosen
    private boolean clean;
    private CheckedSum sum;
    private float[] host;
    private RuntimeException failure;
    private long failedStep;
    private boolean started;

    CollectiveExchange(Collective collective, int rank, int workers, Fault fault) {
        this(collective, rank, workers, fault, null);
    }

    /** ncclShare: how rank 0's NCCL id reaches the others, to use NCCL on the CUDA backend; null for the host path. */
    CollectiveExchange(Collective collective, int rank, int workers, Fault fault, NcclExchange.IdShare ncclShare) {
        this.collective = collective;
        this.rank = rank;
        this.workers = workers;
        this.fault = fault;
        this.ncclShare = ncclShare;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public void exchange(Network net, long step, double[] metrics) {
        started = true;
        try {
            if (fault != null) fault.at(step);
            if (!chosen) {
                chosen = true;
                if (ncclShare != null && NcclExchange.applies(net.ops)) nccl = newNccl();
            }
            if (nccl != null) {
                nccl.exchange(net, step, metrics);
                return;
            }
            int n = Math.toIntExact(net.layout.total());
            if (sum == null) {
                sum = new CheckedSum(collective, n);
                host = new float[n];
            }
            net.ops.download(net.grads, 0, host, 0, n);
            FloatBuffer payload = sum.payload();
            payload.clear();
            payload.put(host, 0, n);
            CheckedSum.Totals t = sum.sum(step, (int) metrics[2], metrics[0], (int) metrics[1]);
            payload.clear();
            payload.get(host, 0, n);
            net.ops.upload(host, 0, net.grads, 0, n);
            metrics[0] = t.lossSum();
            metrics[1] = t.correct();
            metrics[2] = t.samples();
        } catch (RuntimeException e) {
            failure = e;
            failedStep = step;
            throw e;
        }
    }

    private NcclExchange newNccl() {
        try {
            return new NcclExchange(collective, rank, workers, ncclShare);
        } catch (LinkageError e) {
            throw new IllegalStateException(
                    "NCCL was asked for (-D" + NCCL_PROPERTY + "=true) but JavaCPP's CUDA presets are not on the"
                            + " executors' class path (org.bytedeco:cuda and its linux-x86_64 jar): " + e,
                    e);
        }
    }

    /** Whether the steps go through NCCL (known from the first step on). */
    boolean usesNccl() {
        return nccl != null;
    }

    /** The worker's train returned 0: {@link #close} may then destroy the NCCL communicator rather than abort it. */
    void finishedCleanly() {
        clean = true;
    }

    /**
     * Destroys the NCCL communicator, if one was made, after {@link #finishedCleanly}; otherwise (train failed or
     * threw here, an exchange failed) aborts it, since the peers may be anywhere. The host path holds nothing to close.
     */
    @Override
    public void close() {
        if (nccl == null) return;
        if (!clean || failure != null) nccl.abandon();
        nccl.close();
    }

    /** Whether training reached its first sum. */
    boolean started() {
        return started;
    }

    /** The step whose exchange failed (0 when none did). */
    long failedStep() {
        return failedStep;
    }

    /** What made an exchange fail (the collective, the integrity check, an injected fault), or null. */
    RuntimeException failure() {
        return failure;
    }

    /**
     * Fault injection for tests and drills ({@value #PROPERTY} on the driver): {@code 1@5} makes worker 1 fail at
     * step 5 of the stage's first attempt (it leaves the collective: its peers' sums fail at once); {@code 1@5:halt}
     * halts that worker's JVM instead (an executor that dies; never on a local[N] master, whose executor is the
     * driver).
     */
    record Fault(int rank, long step, boolean halt) implements java.io.Serializable {
        static final String PROPERTY = "jbackprop.train.fail";

        static Fault parse(String spec) {
            if (spec == null || spec.isBlank()) return null;
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("(\\d+)@(\\d+)(:halt)?").matcher(spec.strip());
            if (!m.matches())
                throw new IllegalArgumentException("-D" + PROPERTY + " takes RANK@STEP[:halt], got " + spec);
            return new Fault(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), m.group(3) != null);
        }

        void at(long step) {
            if (step != this.step) return;
            if (halt) Runtime.getRuntime().halt(137);
            throw new InjectedFailure("injected failure (" + PROPERTY + ") at step " + step);
        }
    }

    /** The failure {@link Fault} injects. */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
