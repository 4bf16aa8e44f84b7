package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.util.Arrays;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two networks trained at once on two threads, each on its own backend instance, end with exactly
 * the weights each gets alone.
 *
 * <p>The CPU backend runs OpenBLAS single-threaded in every thread and splits each large GEMM over
 * its own workers by rows or columns of the output, so concurrent backends do not share a thread
 * setting. The bits depend on the thread count: the split changes each part's shape, and OpenBLAS's
 * kernels (its Haswell ones, chosen on Zen 4) sum a part's edge blocks in another order. So a CPU
 * training is bitwise reproducible for a given thread count, and other thread counts agree to float
 * rounding.
 */
class ConcurrencyTest {
    // a first-layer product (256 × 64 × 400 = 6.6M multiply-adds) large enough that CpuOps splits it over 2 and 3
    // threads
    static final NetworkSpec WIDE =
            NetworkSpec.of(new int[] {400, 256, 10}, Activation.TANH, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
    static final float[][] WIDE_DATA = ResumeTest.synthetic(400, 10, 512, 21);
    static final float[][] SMALL_DATA = ResumeTest.synthetic(12, 5, 300, 22);

    static Trainer.Config config(int n, long seed) {
        return new Trainer.Config(64, 2, 0, seed, new Step.Hyper(0.05, 0.1, 0.9, n));
    }

    static float[] trainWide(Ops ops) {
        try (ResumeTest.Run r = new ResumeTest.Run(ops, WIDE, config(512, 5), WIDE_DATA, null)) {
            r.trainer.run(ResumeTest.QUIET);
            return r.net.parameters();
        }
    }

    static float[] trainSmall(Ops ops) {
        try (ResumeTest.Run r = new ResumeTest.Run(ops, ResumeTest.SPEC, config(300, 6), SMALL_DATA, null)) {
            r.trainer.run(ResumeTest.QUIET);
            return r.net.parameters();
        }
    }

    /** Trains both at once, each on its own thread and its own backend; returns {wide, small}. */
    static float[][] together(IntFunction<Ops> open) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier start = new CyclicBarrier(2);
            Future<float[]> a = pool.submit(() -> {
                try (Ops ops = open.apply(0)) {
                    start.await(60, TimeUnit.SECONDS);
                    return trainWide(ops);
                }
            });
            Future<float[]> b = pool.submit(() -> {
                try (Ops ops = open.apply(1)) {
                    start.await(60, TimeUnit.SECONDS);
                    return trainSmall(ops);
                }
            });
            return new float[][] {a.get(120, TimeUnit.SECONDS), b.get(120, TimeUnit.SECONDS)};
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cpuTrainingOnTwoThreadsIsBitwiseTheSameAsAlone() throws Exception {
        float[] wide;
        float[] small;
        try (CpuOps ops = new CpuOps(2)) {
            wide = trainWide(ops);
            small = trainSmall(ops);
        }
        for (int round = 0; round < 3; round++) {
            float[][] got = together(i -> new CpuOps(2));
            assertArrayEquals(wide, got[0], "the wide network, trained beside the other (round " + round + ")");
            assertArrayEquals(small, got[1], "the small network, trained beside the other (round " + round + ")");
        }
    }

    /** Other thread counts split the GEMMs differently: the weights agree to float rounding; how many bits differ is reported. */
    @Test
    void cpuResultsAgreeAcrossThreadCounts() {
        float[] two;
        float[] three;
        float[] one;
        try (CpuOps ops = new CpuOps(2)) {
            two = trainWide(ops);
        }
        try (CpuOps ops = new CpuOps(3)) {
            three = trainWide(ops);
        }
        try (CpuOps ops = new CpuOps(1)) {
            one = trainWide(ops);
        }
        assertFalse(
                Arrays.equals(two, dev.jbackprop.model.Init.HE.initialise(WIDE.layout(), 7)),
                "training moved the weights");
        for (float[][] pair : new float[][][] {{two, three}, {two, one}}) {
            int differ = 0;
            for (int i = 0; i < two.length; i++) {
                assertTrue(
                        Math.abs(pair[0][i] - pair[1][i]) <= 1e-5f * (1 + Math.abs(pair[0][i])),
                        "weight " + i + ": " + pair[0][i] + " vs " + pair[1][i]);
                if (Float.floatToRawIntBits(pair[0][i]) != Float.floatToRawIntBits(pair[1][i])) differ++;
            }
            System.out.println((pair[1] == three ? "2 vs 3" : "2 vs 1") + " threads: " + differ + " of " + two.length
                    + " weights differ in their bits");
        }
    }

    /** On the GPU, each backend instance has its own stream: the same within float rounding (bitwise where cuBLAS is). */
    @Test
    @Tag("gpu")
    void gpuTrainingOnTwoStreamsMatchesAlone() throws Exception {
        String why = (CudaProbe.probe().available() ? null : CudaProbe.probe().reason());
        Assumptions.assumeTrue(why == null, () -> "no GPU: " + why);
        IntFunction<Ops> gpu = i -> CudaBackend.open(false, false, false);
        float[] wide;
        float[] small;
        try (Ops ops = gpu.apply(0)) {
            wide = trainWide(ops);
        }
        try (Ops ops = gpu.apply(0)) {
            small = trainSmall(ops);
        }
        for (int round = 0; round < 3; round++) {
            float[][] got = together(gpu);
            assertClose(wide, got[0], "wide, round " + round);
            assertClose(small, got[1], "small, round " + round);
        }
    }

    static void assertClose(float[] want, float[] got, String what) {
        double worst = 0;
        for (int i = 0; i < want.length; i++)
            worst = Math.max(worst, Math.abs(want[i] - got[i]) / (1e-3 + Math.abs(want[i])));
        double w = worst;
        assertTrue(w <= 1e-5, () -> what + ": worst relative difference " + w);
    }
}
