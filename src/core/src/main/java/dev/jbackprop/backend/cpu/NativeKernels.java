package dev.jbackprop.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The vectorised twins of {@link CpuKernels} and of the update and column sums, in C
 * (native/cpu/cpu_kernels.c), built into the jar for x86-64 Linux when gcc was there at build time.
 * Each gives the same floats as its Java loop (a test compares them bit for bit). Where the library
 * cannot be loaded, {@link #AVAILABLE} is false, {@link #STATUS} says why, and the CPU backend runs
 * the Java loops. {@code -Djbackprop.cpu.native=false} turns it off.
 */
final class NativeKernels {
    private NativeKernels() {}

    static final String RESOURCE = "/dev/jbackprop/native/linux-x86_64/libjbackprop_cpu.so";
    static final boolean AVAILABLE;
    /** "AVX-512 C loops" or why the Java loops are used. */
    static final String STATUS;

    static {
        boolean ok = false;
        String status;
        if (!Boolean.parseBoolean(System.getProperty("jbackprop.cpu.native", "true"))) {
            status = "Java loops (-Djbackprop.cpu.native=false)";
        } else {
            try {
                System.load(extract().toString());
                status = instructionSet() + " C loops";
                ok = true;
            } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
                status = "Java loops (" + e.getMessage() + ")";
            }
        }
        AVAILABLE = ok;
        STATUS = status;
        boolean gemm = false;
        String gemmStatus;
        if (!ok) gemmStatus = "no native library";
        else if (!gemmAvailable()) gemmStatus = "this CPU has no AVX2 and FMA";
        else {
            gemm = true;
            gemmStatus = "AVX2 C kernel";
        }
        GEMM = gemm;
        GEMM_STATUS = gemmStatus;
    }

    /** Whether the small-product GEMM kernel ({@link #gemm}) can run here (the library, AVX2 and FMA). */
    static final boolean GEMM;
    /** Why not, or which kernel. */
    static final String GEMM_STATUS;

    private static Path extract() throws IOException {
        String os = System.getProperty("os.name", ""), arch = System.getProperty("os.arch", "");
        if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IOException("the C loops are built for x86-64 Linux only, this is " + os + " " + arch);
        }
        try (InputStream in = NativeKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null)
                throw new IOException(
                        "this build has no " + RESOURCE + " (native/cpu/build.sh needs gcc and a JDK at build time)");
            Path dir = Files.createTempDirectory("jbackprop-cpu-");
            Path file = dir.resolve("libjbackprop_cpu.so");
            dir.toFile().deleteOnExit(); // deleteOnExit runs in reverse order: the file goes before its folder
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }

    /** z[r0:r1, c0:c1] += bias; a = σ(z); false (nothing done) for an activation other than relu, leaky_relu, identity. */
    static native boolean biasActivation(
            int code, float alpha, long z, long bias, long a, int rows, int r0, int r1, int c0, int c1);

    /** delta[r0:r1, c0:c1] ⊙= σ′(z); false (nothing done) for an activation other than relu, leaky_relu, identity. */
    static native boolean activationBackward(
            int code, float alpha, long z, long delta, int rows, int r0, int r1, int c0, int c1);

    /** Elements [from, to) of the update of CpuOps.update (weights below weightCount decayed). */
    static native void update(
            long p, long g, long v, int from, int to, int weightCount, float rate, float momentum, float decay);

    /**
     * {@link #update} on rows [r0, r1) of columns [c0, c1) of matrices with ld rows (all weights, or all biases
     * when {@code weights} is false).
     */
    static native void updateRows(
            long p,
            long g,
            long v,
            int ld,
            int r0,
            int r1,
            int c0,
            int c1,
            boolean weights,
            float rate,
            float momentum,
            float decay);

    /** s[r0:r1] = Σ_j x[r0:r1, j], j = 0 … m−1, summed in column order. */
    static native void sumColumns(long x, long s, int rows, int m, int r0, int r1);

    /** Whether this CPU runs {@link #gemm} and its fused forms (AVX2 and FMA). */
    static native boolean gemmAvailable();

    /**
     * C[i0:i1, j0:j1] = op(A)[i0:i1, :] · op(B)[:, j0:j1] (alpha = 1, beta = 0) for column-major op(A) = A (m × k)
     * or Aᵀ (A k × m), lda, and op(B) = B (k × n) or Bᵀ (B n × k), ldb; each element one chain of fused
     * multiply-adds over k in order.
     */
    static native void gemm(
            boolean transA,
            boolean transB,
            int k,
            long a,
            int lda,
            long b,
            int ldb,
            long c,
            int ldc,
            int i0,
            int i1,
            int j0,
            int j1);

    /** {@link #gemm}, then C += bias (per row) and out = σ(C) there, for RELU, LEAKY_RELU or IDENTITY. */
    static native void gemmBiasActivation(
            boolean transA,
            boolean transB,
            int k,
            long a,
            int lda,
            long b,
            int ldb,
            long c,
            int ldc,
            int i0,
            int i1,
            int j0,
            int j1,
            long bias,
            int code,
            float alpha,
            long out);

    /** "Haswell" where OpenBLAS's own choice of kernels is the slower one on this CPU (Zen 4), else null. */
    static native String preferredOpenblasCore();

    /** Sets a variable of this process's environment (seen by native code) unless it is set; true if it set it. */
    static native boolean setenvIfUnset(String name, String value);

    /** "AVX-512", "AVX2" or "SSE2": the clone the loader picked. */
    static native String instructionSet();
}
