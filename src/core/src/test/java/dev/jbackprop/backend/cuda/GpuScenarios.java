package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.StepReplay;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenarios run both against the fake driver (FakeCudaTest, in a child JVM) and on a GPU
 * (CudaRulesGpuTest): the same code, judged by the fake's rules there and by the real driver here.
 */
final class GpuScenarios {
    private GpuScenarios() {}

    /** graphs: the capturing backend's graphs after its capture; error: the other thread's failure, or null. */
    record TwoBackends(int graphs, Throwable error, float[] download) {}

    /**
     * Two backends on one context, as ConcurrencyTest's two trainers: while one captures its step, the
     * other uploads, downloads, reads its metrics and norms from another thread. A legacy-stream copy
     * there would break the capture (CUDA_ERROR_STREAM_CAPTURE_IMPLICIT).
     */
    static TwoBackends twoBackends() throws InterruptedException {
        try (CudaOps capturing = new CudaOps(CudaOptions.defaults());
                CudaOps other = new CudaOps(CudaOptions.defaults());
                Block b = capturing.allocate(2);
                Block o = other.allocate(3);
                Block params = other.allocate(4);
                Metrics m = other.allocateMetrics()) {
            CountDownLatch capturingNow = new CountDownLatch(1), otherDone = new CountDownLatch(1);
            AtomicReference<Throwable> error = new AtomicReference<>();
            float[] seen = new float[3];
            Thread t = new Thread(() -> {
                try {
                    capturingNow.await();
                    other.upload(new float[] {1.5f, 2.5f, 3.5f}, 0, o, 0, 3);
                    other.download(o, 0, seen, 0, 3);
                    m.read();
                    other.sumSquares(params, new long[] {0, 2}, new long[] {2, 2}, new double[2]);
                    other.synchronize();
                } catch (Throwable e) {
                    error.set(e);
                } finally {
                    otherDone.countDown();
                }
            });
            t.start();
            int[] runs = {0};
            int graphs;
            try (StepReplay r = capturing.capture(() -> {
                capturing.fill(b, 1f);
                if (++runs[0] == 2) { // the run that captures
                    capturingNow.countDown();
                    try {
                        otherDone.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            })) {
                r.run();
                r.run();
                r.run();
                t.join();
                graphs = capturing.capturedGraphs();
            }
            return new TwoBackends(graphs, error.get(), seen);
        }
    }

    /** onesLength after the growth; replayed: the captured 10-column sums after it; wide: the 9000-column sums. */
    record Ones(long onesLength, float[] replayed, float[] wide) {}

    /**
     * Column sums of 10 columns captured as a graph; then 9000 columns eagerly, which grows sumColumns'
     * ones vector; then a replay of the graph, which must not read the outgrown vector after it is freed.
     * x(i, j) = (i + 1)·(j mod 7): the 10-column sums are 24·(i + 1), the 9000-column ones 26,995·(i + 1).
     */
    static Ones onesGrowth() {
        int rows = 3, cols = 9000;
        float[] x = new float[rows * cols];
        for (int j = 0; j < cols; j++) for (int i = 0; i < rows; i++) x[j * rows + i] = (i + 1) * (j % 7);
        try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                Block xb = ops.allocate(x.length);
                Block narrow = ops.allocate(rows);
                Block wide = ops.allocate(rows)) {
            ops.upload(x, 0, xb, 0, x.length);
            Mat xm = new Mat(xb, rows, cols);
            float[] replayed = new float[rows], sums = new float[rows];
            long length;
            try (StepReplay r = ops.capture(() -> ops.sumColumns(xm, 10, new Mat(narrow, rows, 1)))) {
                for (int i = 0; i < 3; i++) r.run();
                ops.sumColumns(xm, cols, new Mat(wide, rows, 1));
                length = ops.gemmForTests().onesLength();
                ops.fill(narrow, -1f);
                r.run();
                ops.download(narrow, 0, replayed, 0, rows);
                ops.download(wide, 0, sums, 0, rows);
            }
            return new Ones(length, replayed, sums);
        }
    }
}
