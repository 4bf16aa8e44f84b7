package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.cli.Backends;
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
 * <p>What was found about OpenBLAS (0.3.31 as packaged by JavaCPP 1.5.13, on this AMD EPYC with
 * AVX-512): its thread count is process-wide (CpuOps' constructor sets it for everyone), and SGEMM
 * results depend on it only as "one thread" versus "two or more": the single-threaded driver
 * (driver/level3/level3.c) and the threaded one (level3_thread.c) cut the reduction dimension K
 * differently when a remainder r with Q &lt; r &lt; 2Q must be halved (Q = 320 here):
 * round_up(floor(r/2), UNROLL_M = 16) versus ceil(r/2). Different K blocks add their partial
 * sums into C in a different grouping, so the last bits differ, for K &gt; 320 unless
 * K mod 32 is 0 or 31 (e.g. the 784-input layer of MNIST), and only for products large enough to
 * be threaded (m·n·k &gt; 262,144). Any two thread counts ≥ 2 give identical bits, since the M/N
 * split never changes an element's K order. So: concurrent CPU trainings are bitwise reproducible
 * when they use the same thread count (all 1, or all ≥ 2); mixing 1 and ≥ 2 in one process is not.
 */
class ConcurrencyTest {
  // K = 400 > 320 inputs and a first-layer product (128 × 64 × 400) that OpenBLAS threads: sensitive to the finding above
  static final NetworkSpec WIDE = NetworkSpec.of(new int[] {400, 128, 10}, Activation.TANH, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
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

  /** Any OpenBLAS thread count of two or more gives the same bits; one thread is reported. */
  @Test
  void cpuResultsAreTheSameForEveryThreadCountAboveOne() {
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
    assertArrayEquals(two, three, "2 vs 3 threads");
    assertFalse(Arrays.equals(two, dev.jbackprop.model.Init.HE.initialise(WIDE.layout(), 7)), "training moved the weights");
    int differ = 0;
    for (int i = 0; i < one.length; i++) if (Float.floatToRawIntBits(one[i]) != Float.floatToRawIntBits(two[i])) differ++;
    System.out.println("1 vs 2 OpenBLAS threads: " + differ + " of " + one.length + " weights differ in their bits (K = 400)");
  }

  /** On the GPU, each backend instance has its own stream: the same within float rounding (bitwise where cuBLAS is). */
  @Test
  @Tag("gpu")
  void gpuTrainingOnTwoStreamsMatchesAlone() throws Exception {
    String why = Backends.cudaUnavailableReason();
    Assumptions.assumeTrue(why == null, () -> "no GPU: " + why);
    IntFunction<Ops> gpu = i -> Backends.open("cuda", 0, false, false, false, msg -> {});
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
    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]) / (1e-3 + Math.abs(want[i])));
    double w = worst;
    assertTrue(w <= 1e-5, () -> what + ": worst relative difference " + w);
  }
}
