package dev.jbackprop.backend.cpu;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The C kernel for small products ({@link NativeKernels#gemm}) against single-threaded OpenBLAS, one
 * product shape at a time, on one thread: GFLOP/s of each, the best of 40 turns on the thread's CPU
 * clock (time spent descheduled by other jobs does not count), the two taking turns. The data for
 * {@link CpuGemm#nativeTakes}. In the backend's package (it calls both directly), so it is compiled
 * against the jar rather than run as a source file:
 *
 * <pre>
 *   bench/cpu/gemm-shapes.sh [SHAPE ...]        # SHAPE: NN:m:n:k or NT:m:n:k (B transposed)
 * </pre>
 */
public class GemmShapes {
    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Blas.init();
        if (!NativeKernels.GEMM) {
            System.err.println("GemmShapes: no C kernel here: " + NativeKernels.GEMM_STATUS);
            System.exit(1);
        }
        String[] shapes = args.length > 0
                ? args
                : new String[] {
                    "NN:100:64:784", "NT:100:784:64", "NN:100:32:784", "NT:100:392:64", "NN:256:64:784",
                    "NN:128:128:784", "NT:256:392:128", "NN:256:128:784", "NT:256:392:256", "NN:512:64:784",
                    "NT:512:392:64", "NN:100:128:784", "NT:100:392:256", "NN:128:256:784"
                };
        int n0 = 2048 * 1024;
        try (FloatPointer A = new FloatPointer(n0);
                FloatPointer B = new FloatPointer(n0);
                FloatPointer C = new FloatPointer(n0)) {
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < n0; i++) {
                A.put(i, (float) r.nextGaussian());
                B.put(i, (float) r.nextGaussian());
            }
            long a = A.address(), b = B.address(), c = C.address();
            System.out.println("shape | C kernel GFLOP/s | OpenBLAS GFLOP/s");
            for (String shape : shapes) {
                String[] f = shape.split(":");
                boolean tb = f[0].equals("NT");
                int m = Integer.parseInt(f[1]), n = Integer.parseInt(f[2]), k = Integer.parseInt(f[3]);
                if ((long) m * k > n0 || (long) k * n > n0 || (long) m * n > n0) {
                    System.err.println("GemmShapes: " + shape + " is larger than the buffers (" + n0 + " floats)");
                    System.exit(2);
                }
                int ldb = tb ? n : k;
                double flops = 2.0 * m * n * k;
                int reps = (int) Math.max(1, 1e7 / flops);
                double ours = Double.MAX_VALUE, blas = Double.MAX_VALUE;
                for (int turn = 0; turn < 40; turn++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < reps; i++) NativeKernels.gemm(false, tb, k, a, m, b, ldb, c, m, 0, m, 0, n);
                    ours = Math.min(ours, (mx.getCurrentThreadCpuTime() - t0) / 1e9 / reps);
                    t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < reps; i++) Blas.sgemm(false, tb, m, n, k, 1f, a, m, b, ldb, 0f, c, m);
                    blas = Math.min(blas, (mx.getCurrentThreadCpuTime() - t0) / 1e9 / reps);
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s %d×%d×%d | %.1f | %.1f%n",
                        f[0],
                        m,
                        n,
                        k,
                        flops / ours / 1e9,
                        flops / blas / 1e9);
            }
        }
    }
}
