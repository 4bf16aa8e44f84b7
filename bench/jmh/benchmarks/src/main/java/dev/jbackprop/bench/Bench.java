package dev.jbackprop.bench;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Ops;
import java.util.Random;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Shared set-up: opening a backend, filled matrices, and the secondary metrics (JMH aux counters). */
public final class Bench {
    private Bench() {}

    /** JVM options of every fork: off-heap CPU blocks count against -Xmx through JavaCPP. */
    static final String XMX = "-Xmx8g";

    /**
     * The backend a benchmark's {@code backend} parameter names, with its GEMM precision ({@code tf32},
     * {@code bf16}); cuda fails set-up with the reason when there is no usable GPU, and a precision the
     * backend does not have fails it too (JMH then goes on with the next combination).
     */
    static Ops open(String backend, boolean tf32, boolean bf16) {
        if (tf32 && bf16)
            throw new IllegalStateException("tf32=true with bf16=true: one GEMM precision at a time, skipped");
        switch (backend) {
            case "cpu":
                if (tf32)
                    throw new IllegalStateException(
                            "tf32 applies to the cuda backend only: cpu with tf32=true skipped");
                if (bf16)
                    throw new IllegalStateException(
                            "bf16 applies to the cuda backend only: cpu with bf16=true skipped");
                return new CpuOps();
            case "cuda":
                CudaProbe.Availability a = CudaProbe.probe();
                if (!a.available())
                    throw new IllegalStateException(
                            "no CUDA device (" + a.reason() + "): cuda benchmark skipped; use -p backend=cpu");
                return CudaBackend.open(tf32, bf16, false);
            default:
                throw new IllegalArgumentException("unknown backend '" + backend + "'; valid: cpu, cuda");
        }
    }

    /**
     * A rows × cols matrix on the backend, filled with uniform values in [-scale, scale); allocated as a
     * GEMM operand (with bf16, it has its bfloat16 copy), which is a plain block otherwise.
     */
    static Mat matrix(Ops ops, int rows, int cols, float scale, long seed) {
        Mat m = new Mat(ops.allocateGemmOperands((long) rows * cols), rows, cols);
        if (scale != 0f) {
            float[] v = new float[Math.toIntExact((long) rows * cols)];
            Random r = new Random(seed);
            for (int i = 0; i < v.length; i++) v[i] = (2 * r.nextFloat() - 1) * scale;
            ops.upload(v, 0, m.block(), 0, v.length);
        }
        return m;
    }

    /** Samples trained per second (read "samples" in ops/s as samples/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Samples {
        public long samples;

        @Setup(Level.Iteration)
        public void reset() {
            samples = 0;
        }
    }

    /** Gigabytes moved per second (read "GB" in ops/s as GB/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public double GB;

        @Setup(Level.Iteration)
        public void reset() {
            GB = 0;
        }
    }

    /** Floating-point operations per second (read "TFLOP" in ops/s as TFLOP/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double TFLOP;

        @Setup(Level.Iteration)
        public void reset() {
            TFLOP = 0;
        }
    }
}
