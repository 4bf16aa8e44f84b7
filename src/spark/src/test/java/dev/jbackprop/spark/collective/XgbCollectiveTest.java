package dev.jbackprop.spark.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The XGBoost collective between two threads of this JVM (XGBoost keeps one communicator per thread), with a tracker
 * on loopback: sums, and what a peer that leaves or stalls does to the other. No Spark.
 */
@Timeout(60)
class XgbCollectiveTest {
    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS), "worker threads did not end");
    }

    interface Worker<T> {
        T run(XgbCollective c) throws Exception;
    }

    /** Runs one worker per rank on its own thread, all joined to one new collective, and returns their results. */
    private <T> List<Future<T>> group(int timeoutSeconds, List<Worker<T>> workers) {
        XgbTracker tracker = XgbTracker.start("127.0.0.1", workers.size(), 30);
        List<Future<T>> results = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(workers.size());
        for (int i = 0; i < workers.size(); i++) {
            Worker<T> w = workers.get(i);
            String id = "t" + i;
            results.add(threads.submit(() -> {
                try (XgbCollective c = XgbCollective.join(tracker.workerArgs(), id, timeoutSeconds)) {
                    return w.run(c);
                } finally {
                    done.countDown();
                }
            }));
        }
        threads.submit(() -> {
            done.await();
            tracker.close();
            return null;
        });
        return results;
    }

    private static float[] values(int rank, int n) {
        SplittableRandom random = new SplittableRandom(1234 + rank);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    @Test
    void sumsIntegersExactlyAndFloatsAsOneRoundedAddition() throws Exception {
        int n = 1_000_000;
        Worker<float[][]> worker = c -> {
            ByteBuffer block = Collective.allocateBlock(n);
            FloatBuffer f = block.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                f.put(i, (c.rank() + 1) * 1000f + i); // integers below 2^24: exact in any order
            }
            c.allReduceSum(block);
            float[] ints = new float[n];
            f.get(0, ints);
            float[] floats = values(c.rank(), n);
            c.allReduceSum(floats);
            return new float[][] {ints, floats};
        };
        List<Future<float[][]>> results = group(10, List.of(worker, worker));
        float[][] r0 = results.get(0).get();
        float[][] r1 = results.get(1).get();
        float[] a = values(0, n);
        float[] b = values(1, n);
        for (int i = 0; i < n; i++) {
            assertEquals(3000f + 2 * i, r0[0][i], "integer sum at " + i);
            // two workers: each element is one float addition, a + b == b + a, correctly rounded
            assertEquals(a[i] + b[i], r0[1][i], 0f, "float sum at " + i);
        }
        assertArrayEquals(r0[0], r1[0]);
        assertArrayEquals(r0[1], r1[1], 0f, "both workers hold the same sum, bit for bit");
    }

    @Test
    void checkedSumCarriesTheTailThroughTheRealCollective() throws Exception {
        Worker<CheckedSum.Totals> worker = c -> {
            CheckedSum sum = new CheckedSum(c, 203_530);
            CheckedSum.Totals totals = null;
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < sum.payloadLength(); i++) {
                    sum.payload().put(i, c.rank() + step);
                }
                totals = sum.sum(step, 32, 0.5 * (c.rank() + 1), 10 + c.rank());
                assertEquals(2 * step + 1, sum.payload().get(203_529));
            }
            return totals;
        };
        for (Future<CheckedSum.Totals> f : group(10, List.of(worker, worker))) {
            assertEquals(new CheckedSum.Totals(2, 64, 1.5, 21), f.get());
        }
    }

    @Test
    void checkedSumRefusesWorkersOutOfStepThroughTheRealCollective() throws Exception {
        // worker 1 has skipped a step (its loop is one batch ahead): the bare sum would look fine, the tail does not
        List<Worker<String>> workers = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            long step = 7 + rank;
            workers.add(c -> {
                CheckedSum sum = new CheckedSum(c, 1000);
                IntegrityException e = assertThrows(IntegrityException.class, () -> sum.sum(step, 32, 1.0, 3));
                return e.getMessage();
            });
        }
        for (Future<String> f : group(10, workers)) {
            assertTrue(
                    f.get().startsWith("the workers are not at the same step: the step tags sum to 15, expected 2 x "),
                    f.get());
        }
    }

    @Test
    void aPeerThatLeavesFailsTheOthersNextSumAtOnce() throws Exception {
        int timeout = 20;
        Worker<Long> leaver = c -> {
            c.allReduceSum(new float[] {1});
            return 0L;
        };
        Worker<Long> stayer = c -> {
            float[] x = {1};
            c.allReduceSum(x);
            assertEquals(2f, x[0]);
            long t0 = System.nanoTime();
            CollectiveException e = assertThrows(CollectiveException.class, () -> c.allReduceSum(new float[1000]));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().startsWith("all-reduce of 1000 floats failed on rank "), e.getMessage());
            CollectiveException again = assertThrows(CollectiveException.class, () -> c.allReduceSum(x));
            assertTrue(again.getMessage().startsWith("the collective failed earlier"), again.getMessage());
            assertEquals(2f, x[0], "a failed call leaves the buffer alone");
            return ms;
        };
        List<Future<Long>> results = group(timeout, List.of(leaver, stayer));
        results.get(0).get();
        long ms = results.get(1).get();
        assertTrue(ms < timeout * 1000L / 2, "a closed peer is seen at once, not after the timeout: " + ms + " ms");
    }

    @Test
    void aPeerThatStallsFailsTheOthersSumAfterTheTimeout() throws Exception {
        int timeout = 2;
        CountDownLatch stayerDone = new CountDownLatch(1);
        Worker<Long> staller = c -> {
            c.allReduceSum(new float[] {1});
            stayerDone.await(); // alive, connected, never calls again
            return 0L;
        };
        Worker<Long> stayer = c -> {
            c.allReduceSum(new float[] {1});
            long t0 = System.nanoTime();
            CollectiveException e = assertThrows(CollectiveException.class, () -> c.allReduceSum(new float[10]));
            stayerDone.countDown();
            assertTrue(e.getMessage().contains("timeout"), e.getMessage());
            return (System.nanoTime() - t0) / 1_000_000;
        };
        List<Future<Long>> results = group(timeout, List.of(staller, stayer));
        long ms = results.get(1).get();
        results.get(0).get();
        assertTrue(ms >= 1000 * timeout - 100 && ms < 1000 * timeout + 5000, "failed after " + ms + " ms");
    }

    @Test
    void refusesCallsFromAnotherThread() throws Exception {
        Worker<String> worker = c -> {
            Future<?> other = Executors.newSingleThreadExecutor().submit(() -> c.allReduceSum(new float[1]));
            try {
                other.get();
                return "no error";
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause().getMessage();
            }
        };
        // one worker: a collective of one sums to itself
        String message = group(5, List.of(worker)).get(0).get();
        assertTrue(message.startsWith("the collective was joined on thread"), message);
    }
}
