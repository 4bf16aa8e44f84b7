package dev.jbackprop.spark.train;

import dev.jbackprop.backend.cuda.CudaOps;
import dev.jbackprop.engine.GradientExchange;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.spark.collective.CheckedSum;
import dev.jbackprop.spark.collective.Collective;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.Pointer;

/**
 * A worker's {@link GradientExchange} on the CUDA backend: each step one {@code ncclAllReduce} (float, sum) in place on
 * the gradient block in device memory, queued on the backend's own stream, so that the gradients never leave the GPU
 * and the update kernels that follow wait for the sum without a host synchronisation. The step's metrics and the
 * integrity tail (worker count, step tag, samples, loss, correct predictions) go first through the stage's host
 * {@link Collective} in a {@link CheckedSum} with no payload: a missing or out-of-step worker is refused there, before
 * the GPUs wait on each other.
 *
 * <p>Set-up, at the first step (the backend exists only once train has started): rank 0 makes the NCCL id, it reaches
 * the other workers through {@link IdShare} (on Spark, the barrier stage's allGather), and every worker joins the
 * communicator with {@code ncclCommInitRank} on the backend's device. Every NCCL return code is checked; an error
 * throws {@link NcclException} naming the call and NCCL's description, never returns a partial sum. Nothing is
 * allocated per step: the pointers to the block and the stream are made once. {@link #close} destroys the communicator
 * (aborts it after a failure).
 *
 * <p>Binding: JavaCPP's CUDA presets (org.bytedeco:cuda, provided: a GPU machine supplies them, their linux-x86_64 JNI
 * jar and NCCL). NCCL allows one rank per GPU in a communicator, so each worker needs a GPU of its own.
 *
 * <p><b>This class has not run anywhere</b>: it is compiled and covered by a gpu-tagged test (NcclExchangeGpuTest),
 * which no machine of the project has had the GPUs to run. Known limit: a worker that dies after the host sum of a step
 * leaves its peers waiting inside NCCL (no timeout is set on the communicator).
 */
final class NcclExchange implements GradientExchange, AutoCloseable {

    /** How rank 0's NCCL id reaches every worker: called once by every worker, collectively. */
    @FunctionalInterface
    interface IdShare {
        /** Rank 0 passes its id, the others null; every worker gets rank 0's id back. */
        byte[] fromRankZero(byte[] mine);
    }

    /** Whether data-parallel training on this backend goes through NCCL: on the CUDA backend only. */
    static boolean applies(Ops ops) {
        return ops != null && applies(ops.getClass());
    }

    /** Whether a backend of this class takes NCCL (the CUDA backend only). */
    static boolean applies(Class<?> opsClass) {
        return CudaOps.class.isAssignableFrom(opsClass);
    }

    private final int rank;
    private final int workers;
    private final IdShare share;
    private final CheckedSum tail;
    private ncclComm comm; // null until the first step
    private Pointer grads;
    private CUstream_st stream;
    private Object boundBlock; // the gradient block the pointer was made for
    private long count;
    private boolean failed;
    private boolean closed;

    NcclExchange(Collective collective, int rank, int workers, IdShare share) {
        if (collective.size() != workers)
            throw new IllegalArgumentException(
                    "the collective has " + collective.size() + " workers, the exchange " + workers);
        this.rank = rank;
        this.workers = workers;
        this.share = share;
        this.tail = new CheckedSum(collective, 0);
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
        if (closed) throw new IllegalStateException("the NCCL exchange is closed");
        try {
            if (comm == null) open(net);
            else if (net.grads != boundBlock)
                throw new IllegalStateException("the NCCL exchange was set up for another network's gradients");
            CheckedSum.Totals t = tail.sum(step, (int) metrics[2], metrics[0], (int) metrics[1]);
            check("ncclAllReduce", nccl.ncclAllReduce(grads, grads, count, nccl.ncclFloat, nccl.ncclSum, comm, stream));
            metrics[0] = t.lossSum();
            metrics[1] = t.correct();
            metrics[2] = t.samples();
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /** Joins the communicator on the backend's device and makes the block's and the stream's pointers, once. */
    private void open(Network net) {
        if (!(net.ops instanceof CudaOps cuda))
            throw new IllegalStateException("NCCL needs the cuda backend; this network is on " + net.ops.name());
        long n = net.layout.total();
        if (net.grads.length() < n)
            throw new IllegalStateException(
                    "the gradient block holds " + net.grads.length() + " floats, the layout " + n);
        long gradsAddress = cuda.deviceAddress(net.grads); // also makes the backend's context current here
        long streamAddress = cuda.streamAddress();
        int device = cuda.options().device();
        checkCuda("cudaSetDevice", cudart.cudaSetDevice(device));

        ncclUniqueId id = new ncclUniqueId();
        try {
            byte[] mine = null;
            if (rank == 0) {
                int made = nccl.ncclGetUniqueId(id);
                if (made != nccl.ncclSuccess) {
                    share.fromRankZero(new byte[0]); // the peers, waiting for the id, fail too
                    check("ncclGetUniqueId", made);
                }
                mine = new byte[nccl.NCCL_UNIQUE_ID_BYTES];
                for (int i = 0; i < mine.length; i++) mine[i] = id.internal(i);
            }
            byte[] theirs = share.fromRankZero(mine);
            if (theirs != null && theirs.length == 0)
                throw new IllegalStateException("rank 0 could not make an NCCL id (ncclGetUniqueId failed there)");
            if (theirs == null || theirs.length != nccl.NCCL_UNIQUE_ID_BYTES)
                throw new IllegalStateException("rank 0's NCCL id did not arrive whole: "
                        + (theirs == null
                                ? "nothing"
                                : theirs.length + " bytes, expected " + nccl.NCCL_UNIQUE_ID_BYTES));
            for (int i = 0; i < theirs.length; i++) id.internal(i, theirs[i]);
            ncclComm c = new ncclComm();
            check("ncclCommInitRank", nccl.ncclCommInitRank(c, workers, id, rank));
            comm = c;
        } finally {
            id.close();
        }
        grads = new Address(gradsAddress);
        stream = new CUstream_st(new Address(streamAddress));
        boundBlock = net.grads;
        count = n;
    }

    /**
     * Marks the run as not finished cleanly (train failed on this worker, or the exchange did): {@link #close} then
     * aborts the communicator (local, whatever the peers do) instead of destroying it.
     */
    void abandon() {
        failed = true;
    }

    /**
     * Destroys the communicator after a clean run, aborts it after a failure ({@link #abandon}, a failed step), whose
     * peers may be anywhere. Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (comm == null) return;
        ncclComm c = comm;
        comm = null;
        if (failed) check("ncclCommAbort", nccl.ncclCommAbort(c));
        else check("ncclCommDestroy", nccl.ncclCommDestroy(c));
    }

    private static void check(String call, int result) {
        if (result != nccl.ncclSuccess) {
            String description;
            try {
                description = nccl.ncclGetErrorString(result).getString();
            } catch (RuntimeException e) {
                description = null;
            }
            throw new NcclException(call, result, description);
        }
    }

    private static void checkCuda(String call, int error) {
        if (error != cudart.cudaSuccess) {
            String description;
            try {
                description = cudart.cudaGetErrorString(error).getString();
            } catch (RuntimeException e) {
                description = null;
            }
            throw new NcclException(call, error, description);
        }
    }

    /** A JavaCPP pointer at a raw address that it does not own (nothing is freed through it). */
    private static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }
}
