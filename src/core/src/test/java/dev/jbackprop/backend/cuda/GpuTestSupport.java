package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Shared helpers of the GPU tests: skip without a GPU, device matrices, random data, float comparisons. */
final class GpuTestSupport {
    private GpuTestSupport() {}

    /** Skips the calling test class (with the probe's reason) unless CUDA is usable here. */
    static void assumeGpu() {
        CudaProbe.Availability a = CudaProbe.probe();
        assumeTrue(a.available(), () -> "GPU tests skipped: " + a.reason());
    }

    /** Device matrices made for one test, closed together. */
    static final class Scratch implements AutoCloseable {
        final Ops ops;
        final List<Block> roots = new ArrayList<>();

        Scratch(Ops ops) {
            this.ops = ops;
        }

        Mat mat(int rows, int cols) {
            Block b = ops.allocate((long) rows * cols);
            roots.add(b);
            return new Mat(b, rows, cols);
        }

        Mat mat(int rows, int cols, float[] data) {
            Mat m = mat(rows, cols);
            put(m, data);
            return m;
        }

        void put(Mat m, float[] data) {
            if (data.length != m.size())
                throw new IllegalArgumentException(data.length + " values for " + m.rows() + "x" + m.cols());
            ops.upload(data, 0, m.block(), 0, data.length);
        }

        float[] get(Mat m) {
            float[] out = new float[Math.toIntExact(m.size())];
            ops.download(m.block(), 0, out, 0, out.length);
            return out;
        }

        @Override
        public void close() {
            for (Block b : roots) b.close();
            roots.clear();
        }
    }

    static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    static float[] constant(int n, float v) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    /** Ulp distance as in KernelMathTest: NaN equals NaN, infinities must match exactly. */
    static long ulps(float x, float y) {
        if (Float.isNaN(x) || Float.isNaN(y)) return Float.isNaN(x) && Float.isNaN(y) ? 0 : Long.MAX_VALUE;
        if (x == y) return 0;
        if (Float.isInfinite(x) || Float.isInfinite(y)) return Long.MAX_VALUE;
        int a = Float.floatToRawIntBits(x), b = Float.floatToRawIntBits(y);
        long oa = a < 0 ? -1L - (a & 0x7fffffffL) : a, ob = b < 0 ? -1L - (b & 0x7fffffffL) : b;
        return Math.abs(oa - ob);
    }

    /** Fails listing the first mismatches when any element of got is further than maxUlps from want (or, if absTol > 0, than absTol). */
    static void assertUlps(String what, float[] want, float[] got, int maxUlps, double absTol) {
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < want.length; i++) {
            long d = ulps(want[i], got[i]);
            if (d > maxUlps && !(absTol > 0 && Math.abs((double) want[i] - got[i]) <= absTol)) {
                count++;
                if (bad.size() < 10)
                    bad.add("[" + i + "] want " + want[i] + " got " + got[i] + " ("
                            + (d == Long.MAX_VALUE ? "NaN/inf mismatch" : d + " ulp") + ")");
            }
        }
        if (count > 0)
            fail(what + ": " + count + " of " + want.length + " elements differ:\n  " + String.join("\n  ", bad));
    }

    static void assertBits(String what, float[] want, float[] got) {
        assertUlps(what, want, got, 0, 0);
    }

    /** |got − want| ≤ tol[i] element by element. */
    static void assertWithin(String what, double[] want, float[] got, double[] tol) {
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(want[i] - got[i]);
            if (!(err <= tol[i])) {
                count++;
                if (bad.size() < 10)
                    bad.add("[" + i + "] want " + want[i] + " got " + got[i] + " (error " + err + " > " + tol[i] + ")");
            }
        }
        if (count > 0)
            fail(what + ": " + count + " of " + want.length + " elements off:\n  " + String.join("\n  ", bad));
    }
}
