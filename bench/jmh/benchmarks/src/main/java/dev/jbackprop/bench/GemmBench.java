package dev.jbackprop.bench;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Ops;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The three GEMMs of one layer of a step (W is width × nIn, the batch has {@code batch} columns):
 * forward W·A, backward Wᵀ·δ and the weight gradient δ·Aᵀ, each 2·width·nIn·batch flops; and a
 * square N×N×N GEMM for reference. "TFLOP" reads as TFLOP/s. nIn=0 means nIn = width (a hidden
 * layer); -p nIn=784 gives the first layer.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Bench.XMX})
public class GemmBench {

    @State(Scope.Benchmark)
    public static class Layer {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"false"})
        public boolean tf32;

        @Param({"false"})
        public boolean bf16;

        @Param({"1024", "4096"})
        public int width;

        @Param({"0"})
        public int nIn;

        @Param({"1024"})
        public int batch;

        @Param({"1"})
        public int launches;

        Ops ops;
        int in;
        Mat w, a, z, delta, deltaPrev, gw;

        @Setup(Level.Trial)
        public void setUp() {
            in = nIn > 0 ? nIn : width;
            ops = Bench.open(backend, tf32, bf16);
            w = Bench.matrix(ops, width, in, 0.05f, 1);
            a = Bench.matrix(ops, in, batch, 1f, 2);
            z = Bench.matrix(ops, width, batch, 0f, 0);
            delta = Bench.matrix(ops, width, batch, 1f, 3);
            deltaPrev = Bench.matrix(ops, in, batch, 0f, 0);
            gw = Bench.matrix(ops, width, in, 0f, 0);
            ops.synchronize();
        }

        double tflop() {
            return 2.0 * width * in * batch * launches / 1e12;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (ops != null) ops.close();
        }
    }

    /** z = W·A (forward). */
    @Benchmark
    public void forward(Layer s, Bench.Flops c) {
        for (int i = 0; i < s.launches; i++) s.ops.gemm(false, false, s.width, s.batch, s.in, 1f, s.w, s.a, 0f, s.z);
        s.ops.synchronize();
        c.TFLOP += s.tflop();
    }

    /** δ_prev = Wᵀ·δ (backward to the previous layer). */
    @Benchmark
    public void backward(Layer s, Bench.Flops c) {
        for (int i = 0; i < s.launches; i++)
            s.ops.gemm(true, false, s.in, s.batch, s.width, 1f, s.w, s.delta, 0f, s.deltaPrev);
        s.ops.synchronize();
        c.TFLOP += s.tflop();
    }

    /** ∂C/∂W = δ·Aᵀ (weight gradient). */
    @Benchmark
    public void weightGrad(Layer s, Bench.Flops c) {
        for (int i = 0; i < s.launches; i++)
            s.ops.gemm(false, true, s.width, s.in, s.batch, 1f, s.delta, s.a, 0f, s.gw);
        s.ops.synchronize();
        c.TFLOP += s.tflop();
    }

    @State(Scope.Benchmark)
    public static class Square {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"false"})
        public boolean tf32;

        @Param({"false"})
        public boolean bf16;

        @Param({"4096"})
        public int n;

        Ops ops;
        Mat a, b, c;

        @Setup(Level.Trial)
        public void setUp() {
            ops = Bench.open(backend, tf32, bf16);
            a = Bench.matrix(ops, n, n, 1f, 1);
            b = Bench.matrix(ops, n, n, 1f, 2);
            c = Bench.matrix(ops, n, n, 0f, 0);
            ops.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (ops != null) ops.close();
        }
    }

    /** C = A·B, N×N×N: the device's GEMM rate for comparison. */
    @Benchmark
    public void square(Square s, Bench.Flops c) {
        s.ops.gemm(false, false, s.n, s.n, s.n, 1f, s.a, s.b, 0f, s.c);
        s.ops.synchronize();
        c.TFLOP += 2.0 * s.n * s.n * s.n / 1e12;
    }
}
