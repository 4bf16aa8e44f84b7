package dev.jbackprop.spark.bench;

import dev.jbackprop.spark.BarrierOptions;
import dev.jbackprop.spark.BarrierResult;
import dev.jbackprop.spark.BarrierRunner;
import dev.jbackprop.spark.LocalClusterAccess;
import dev.jbackprop.spark.SparkContexts;
import dev.jbackprop.spark.collective.CheckedSum;
import dev.jbackprop.spark.collective.Collective;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Times, on one master: Spark context start (until the workers' slots are there), barrier-stage start (tracker, task
 * launch, every worker joined to the collective), and the 2-worker all-reduce of 1M floats and of the parameter blocks
 * of [784,256,10] and [784,1024,1024,10], as a direct buffer, as a float[] (one copy in, one out) and as a checked sum
 * (payload plus integrity tail); and, for comparison, one Spark job per sum (treeReduce), the MLlib way.
 *
 * <p>Run (from src/spark): see bench/results/2026-12-03-spark-collective.md. Not a unit test: figures, no assertions
 * beyond correctness of the sums.
 */
public final class CollectiveBench {
    static final int[] SIZES = {1_000_000, 203_530, 1_863_690};
    static final int WARMUP = 5;
    static final int REPS = 30;

    public static void main(String[] args) throws Exception {
        String master = args.length > 0 ? args[0] : "local[2]";
        int workers = 2;
        long t0 = System.nanoTime();
        SparkContext sc = master.startsWith("local-cluster")
                ? LocalClusterAccess.start(workers, 1024, "CollectiveBench")
                : SparkContexts.start(master, "CollectiveBench");
        double contextMs = ms(System.nanoTime() - t0);
        while (SparkContexts.slots(sc) < workers) {
            Thread.sleep(10);
        }
        double slotsMs = ms(System.nanoTime() - t0);
        try {
            BarrierOptions options = BarrierOptions.of(workers).withSlotWait(Duration.ofSeconds(60));
            double[] stageMs = new double[6];
            for (int i = 0; i < stageMs.length; i++) {
                long s = System.nanoTime();
                BarrierRunner.run(sc, options, w -> w.rank());
                stageMs[i] = ms(System.nanoTime() - s);
            }
            BarrierResult<double[][]> timings = BarrierRunner.run(sc, options, CollectiveBench::timeSums);
            double[] treeReduce = treeReduceMs(sc, workers, 1_000_000, 10);

            System.out.printf(
                    Locale.ROOT,
                    "master %s, %d workers, Spark %s, Java %s%n",
                    master,
                    workers,
                    sc.version(),
                    System.getProperty("java.version"));
            System.out.printf(
                    Locale.ROOT, "context start %.0f ms; until %d slots %.0f ms%n", contextMs, workers, slotsMs);
            System.out.printf(
                    Locale.ROOT,
                    "barrier stage start to end (join + 1 trivial loop), runs: %s ms; first %.0f,"
                            + " median of the rest %.0f%n",
                    fmt(stageMs),
                    stageMs[0],
                    median(Arrays.copyOfRange(stageMs, 1, stageMs.length)));
            System.out.println();
            System.out.println(
                    "| floats | MiB | direct buffer median ms (p10-p90) | float[] median ms | checked sum median"
                            + " ms | GB/s per worker (direct) |");
            System.out.println("|---:|---:|---:|---:|---:|---:|");
            double[][] r0 = timings.byRank().get(0);
            for (int s = 0; s < SIZES.length; s++) {
                double[] direct = r0[3 * s];
                double[] array = r0[3 * s + 1];
                double[] checked = r0[3 * s + 2];
                double mib = SIZES[s] * 4.0 / (1 << 20);
                // ring all-reduce: each worker sends and receives 2 (N-1)/N of the block
                double gbs = 2.0 * (workers - 1) / workers * SIZES[s] * 4.0 / (median(direct) / 1e3) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "| %,d | %.2f | %.2f (%.2f-%.2f) | %.2f | %.2f | %.2f |%n",
                        SIZES[s],
                        mib,
                        median(direct),
                        pct(direct, 10),
                        pct(direct, 90),
                        median(array),
                        median(checked),
                        gbs);
            }
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "one Spark job per sum (parallelize %d x 1M floats, treeReduce), runs: %s ms;" + " median %.1f%n",
                    workers,
                    fmt(treeReduce),
                    median(treeReduce));
        } finally {
            sc.stop();
        }
        // Spark's BarrierTaskContext leaves a non-daemon timer thread behind in local mode: the JVM would not end
        System.exit(0);
    }

    /** Each worker: for each size, REPS timed sums of each kind (after WARMUP), checking the first sum's values. */
    static double[][] timeSums(dev.jbackprop.spark.WorkerContext worker) {
        Collective c = worker.collective();
        double[][] out = new double[3 * SIZES.length][];
        for (int s = 0; s < SIZES.length; s++) {
            int n = SIZES[s];
            ByteBuffer block = Collective.allocateBlock(n);
            for (int i = 0; i < n; i++) {
                block.putFloat(4 * i, worker.rank() + 1);
            }
            c.allReduceSum(block);
            for (int i = 0; i < n; i += 997) {
                if (block.getFloat(4 * i) != 3f) {
                    throw new IllegalStateException("wrong sum at " + i + ": " + block.getFloat(4 * i));
                }
            }
            float[] array = new float[n];
            CheckedSum checked = new CheckedSum(c, n);
            double[] direct = new double[REPS];
            double[] arr = new double[REPS];
            double[] chk = new double[REPS];
            for (int r = -WARMUP; r < REPS; r++) {
                long a = System.nanoTime();
                c.allReduceSum(block);
                long b = System.nanoTime();
                c.allReduceSum(array);
                long d = System.nanoTime();
                checked.sum(r + WARMUP, 32, 1.0, 3);
                long e = System.nanoTime();
                if (r >= 0) {
                    direct[r] = ms(b - a);
                    arr[r] = ms(d - b);
                    chk[r] = ms(e - d);
                }
            }
            out[3 * s] = direct;
            out[3 * s + 1] = arr;
            out[3 * s + 2] = chk;
        }
        return out;
    }

    static double[] treeReduceMs(SparkContext sc, int parts, int n, int reps) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        List<Integer> seeds = IntStream.range(0, parts).boxed().toList();
        double[] times = new double[reps + 1];
        for (int r = 0; r <= reps; r++) {
            long a = System.nanoTime();
            float[] sum = jsc.parallelize(seeds, parts)
                    .map(p -> {
                        float[] v = new float[n];
                        Arrays.fill(v, p + 1);
                        return v;
                    })
                    .treeReduce((x, y) -> {
                        for (int i = 0; i < x.length; i++) {
                            x[i] += y[i];
                        }
                        return x;
                    });
            times[r] = ms(System.nanoTime() - a);
            if (sum[n - 1] != 3f) {
                throw new IllegalStateException("wrong treeReduce sum " + sum[n - 1]);
            }
        }
        return Arrays.copyOfRange(times, 1, times.length); // the first run loads classes
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static double median(double[] v) {
        return pct(v, 50);
    }

    static double pct(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.round(p / 100.0 * (s.length - 1)))];
    }

    static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", x));
        }
        return b.toString();
    }
}
