package dev.jbackprop.backend.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.model.Activation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;

/**
 * Whether the GPU backend can run here, and a description of what is installed. Safe to call on any
 * machine: native libraries that are missing (libcuda, libcublas) are caught as LinkageErrors and
 * turned into a one-line reason. The answer is computed once and cached.
 *
 * <p>Checks in order: the driver library (libcuda.so.1, through JCuda), that the driver supports the
 * CUDA version the kernels were built with (13 for nvcc 13), a CUDA device, cuBLAS (after
 * {@link CublasCompat#ensureCublas12()}; cuBLAS 13 needs a CUDA 13 driver too), the kernels' fatbin
 * on the classpath, that the fatbin loads on device 0, and last a self-test on device 0 that uses
 * what training uses: the backend opened as training opens it (context, non-blocking stream, kernels
 * module, cuBLAS handle on that stream with its workspace, the ones vector), one 2×2 GEMM and one
 * kernel, their results read back and compared. Only if all pass is CUDA available; otherwise the
 * reason names the step that failed (and {@code --backend auto} falls back to the CPU with it).
 */
public final class CudaProbe {
    private CudaProbe() {}

    /** {@code available} with a one-line summary of device 0, or not, with the reason. */
    public record Availability(boolean available, String reason) {
        @Override
        public String toString() {
            return (available ? "CUDA available: " : "CUDA not available: ") + reason;
        }
    }

    private static Availability cached;
    private static String cachedInfo;
    private static String driverVersion = "unknown";
    private static String runtimeVersion = "unknown";

    /** The CUDA version the driver supports ("13.0"), as the probe found it; "unknown" before or without one. */
    public static synchronized String driverVersion() {
        if (cached == null) run();
        return driverVersion;
    }

    /** The CUDA runtime JCuda loaded ("CUDA 12.6"), as the probe found it; "unknown" before or without one. */
    public static synchronized String runtimeVersion() {
        if (cached == null) run();
        return runtimeVersion;
    }

    /** The cached result for device 0; never throws. */
    public static synchronized Availability probe() {
        if (cached == null) run();
        return cached;
    }

    /** Device name, compute capability, memory, driver / runtime / cuBLAS versions, kernels; or why not. Never throws. */
    public static synchronized String info() {
        if (cached == null) run();
        return cachedInfo;
    }

    private static void run() {
        List<String> lines = new ArrayList<>();
        Availability a;
        try {
            a = check(lines);
        } catch (Throwable t) { // never let a probe crash its caller, whatever the native side does
            a = new Availability(false, "unexpected error while probing CUDA: " + firstLine(t));
        }
        lines.add(0, a.toString());
        cached = a;
        cachedInfo = String.join(System.lineSeparator(), lines);
    }

    private static Availability check(List<String> lines) {
        // 1. driver library
        try {
            NativeCache.initialiseJcuda("jcuda.driver.JCudaDriver");
            JCudaDriver.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            String missing = missingLibrary(e);
            String reason = missing != null && missing.startsWith("libcuda")
                    ? "CUDA driver library not found (" + missing
                            + " is missing: no NVIDIA driver installed on this machine)"
                    : "JCuda's driver binding could not be loaded: "
                            + (missing != null ? missing + " is missing" : firstLine(e));
            return notAvailable(lines, reason, true);
        }
        int[] v = new int[1];
        int driver = -1;
        try {
            JCudaDriver.cuDriverGetVersion(v);
            driver = v[0];
            driverVersion = version(driver);
            lines.add("driver: supports CUDA " + version(driver));
        } catch (CudaException e) {
            lines.add("driver: version unknown (" + e.getMessage() + ")");
        }
        runtimeVersion = probeRuntimeVersion();
        lines.add("JCuda runtime: " + runtimeVersion);
        int needed = KernelImage.nvccMajor();
        if (driver > 0 && needed > 0 && driver < 1000 * needed) {
            return notAvailable(lines, tooOld(driver, needed, "the kernels were built with nvcc " + needed), true);
        }
        try {
            JCudaDriver.cuInit(0);
        } catch (CudaException e) {
            String m = e.getMessage();
            if (m.contains("NO_DEVICE")) return notAvailable(lines, "no CUDA device found (cuInit: " + m + ")", true);
            if (m.contains("INSUFFICIENT_DRIVER"))
                return notAvailable(
                        lines,
                        "the NVIDIA driver is too old for CUDA " + Math.max(needed, 12) + " (cuInit: " + m
                                + "): update it (" + driverFor(Math.max(needed, 12)) + ")",
                        true);
            return notAvailable(lines, "cuInit failed: " + m, true);
        }
        // 2. devices
        int[] count = new int[1];
        JCudaDriver.cuDeviceGetCount(count);
        if (count[0] == 0) return notAvailable(lines, "no CUDA device found (the driver reports 0 devices)", true);
        String device0 = null;
        int[] cc0 = new int[2];
        for (int d = 0; d < count[0]; d++) {
            CUdevice dev = new CUdevice();
            JCudaDriver.cuDeviceGet(dev, d);
            int[] major = new int[1], minor = new int[1], sms = new int[1];
            JCudaDriver.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            JCudaDriver.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            JCudaDriver.cuDeviceGetAttribute(sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
            long[] total = new long[1];
            JCudaDriver.cuDeviceTotalMem(total, dev);
            String desc = deviceName(dev) + ", compute capability " + major[0] + "." + minor[0] + ", " + sms[0]
                    + " SMs, " + gib(total[0]) + " memory";
            lines.add("device " + d + ": " + desc);
            if (d == 0) {
                device0 = desc;
                cc0[0] = major[0];
                cc0[1] = minor[0];
            }
        }
        // 3. cuBLAS
        String cublas;
        try {
            String found = CublasCompat.ensureCublas12();
            cublas = Gemm.libraryVersion();
            lines.add("cuBLAS: " + cublas + " (" + found + ")");
        } catch (LinkageError | RuntimeException e) {
            String missing = missingLibrary(e);
            return notAvailable(
                    lines, "cuBLAS not usable: " + (missing != null ? missing + " is missing" : firstLine(e)), false);
        }
        int cublasMajor = cublas.indexOf('.') > 0 ? Integer.parseInt(cublas.substring(0, cublas.indexOf('.'))) : -1;
        if (driver > 0 && cublasMajor >= 13 && driver < 1000 * cublasMajor) {
            return notAvailable(lines, tooOld(driver, cublasMajor, "cuBLAS " + cublas + " needs it"), false);
        }
        // 4. kernels
        lines.add("kernels: " + KernelImage.buildInfo());
        if (!KernelImage.present()) return new Availability(false, KernelImage.NOT_BUILT);
        String load = tryLoadKernels(cc0);
        if (load != null) return new Availability(false, load);
        // 5. the backend as training opens it, one GEMM and one kernel
        String failed = selfTest();
        if (failed != null) return new Availability(false, failed);
        lines.add("self-test: passed (a 2×2 cuBLAS GEMM and the bias + ReLU kernel on device 0)");
        return new Availability(true, "device 0: " + device0);
    }

    /** Unavailable: the reason, plus where cuBLAS would come from (when not asked yet) and the kernels' build. */
    private static Availability notAvailable(List<String> lines, String reason, boolean locateCublas) {
        if (locateCublas) lines.add("cuBLAS: not loaded; " + CublasCompat.locate());
        lines.add("kernels: " + KernelImage.buildInfo());
        return new Availability(false, reason);
    }

    /** "the NVIDIA driver supports CUDA 12.4, too old for CUDA 13 (why): update it (driver 580 or later)". */
    static String tooOld(int driver, int cudaMajor, String why) {
        return "the NVIDIA driver supports CUDA " + version(driver) + ", too old for CUDA " + cudaMajor + " (" + why
                + "): update it (" + driverFor(cudaMajor) + ")";
    }

    /** The Linux driver branch a CUDA major version needs. */
    static String driverFor(int cudaMajor) {
        return cudaMajor >= 13 ? "driver 580 or later" : cudaMajor == 12 ? "driver 525 or later" : "a newer driver";
    }

    /**
     * Opens the backend on device 0 as training does and checks that a GEMM and a kernel compute:
     * Z = W·X with W = [1 2; 3 4], X = [1 2; 1 −3], then A = ReLU(Z + b), b = (0.5, 10): exact in FP32.
     * Null when the results are right, else why not.
     */
    static String selfTest() {
        String what =
                "the GPU failed jbackprop's self-test (a 2×2 cuBLAS GEMM and the bias + ReLU kernel on device 0): ";
        float[] want = {3.5f, 17f, 0f, 4f};
        float[] got = new float[4];
        try (CudaOps ops = new CudaOps(CudaOptions.defaults(), CudaDevice.openProbed(0, false));
                Block w = ops.allocate(4);
                Block x = ops.allocate(4);
                Block z = ops.allocate(4);
                Block a = ops.allocate(4);
                Block b = ops.allocate(2)) {
            ops.upload(new float[] {1, 3, 2, 4}, 0, w, 0, 4); // column-major
            ops.upload(new float[] {1, 1, 2, -3}, 0, x, 0, 4);
            ops.upload(new float[] {0.5f, 10f}, 0, b, 0, 2);
            Mat za = new Mat(z, 2, 2);
            ops.gemm(false, false, 2, 2, 2, 1f, new Mat(w, 2, 2), new Mat(x, 2, 2), 0f, za);
            ops.biasActivation(Activation.RELU, za, new Mat(b, 2, 1), new Mat(a, 2, 2), 2);
            ops.download(a, 0, got, 0, 4);
        } catch (RuntimeException | LinkageError e) {
            return what + firstLine(e);
        }
        if (!Arrays.equals(want, got)) return what + "got " + Arrays.toString(got) + ", want " + Arrays.toString(want);
        return null;
    }

    /** Loads the fatbin on device 0's primary context; null when it loads, else why not. Leaves the thread's context as it was. */
    private static String tryLoadKernels(int[] cc) {
        CUcontext previous = new CUcontext();
        JCudaDriver.cuCtxGetCurrent(previous);
        CUdevice dev = new CUdevice();
        JCudaDriver.cuDeviceGet(dev, 0);
        CUcontext ctx = new CUcontext();
        JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev);
        try {
            JCudaDriver.cuCtxSetCurrent(ctx);
            CUmodule module = new CUmodule();
            try {
                JCudaDriver.cuModuleLoadData(module, KernelImage.load());
            } catch (CudaException e) {
                return "the kernels do not load on device 0 (compute capability " + cc[0] + "." + cc[1] + "): "
                        + e.getMessage()
                        + "; they were built with " + KernelImage.buildInfo()
                        + ", which needs a driver at least as new as that nvcc - update the NVIDIA driver or rebuild with an older CUDA toolkit";
            }
            JCudaDriver.cuModuleUnload(module);
            return null;
        } finally {
            JCudaDriver.cuCtxSetCurrent(previous);
            JCudaDriver.cuDevicePrimaryCtxRelease(dev);
        }
    }

    static String deviceName(CUdevice dev) {
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, dev);
        int n = 0;
        while (n < name.length && name[n] != 0) n++;
        return new String(name, 0, n, StandardCharsets.UTF_8);
    }

    private static String probeRuntimeVersion() {
        try {
            NativeCache.initialiseJcuda("jcuda.runtime.JCuda");
            int[] v = new int[1];
            int rc = JCuda.cudaRuntimeGetVersion(v);
            return rc == 0 ? "CUDA " + version(v[0]) : "unknown (cudaRuntimeGetVersion returned " + rc + ")";
        } catch (LinkageError e) {
            return "not loadable: " + firstLine(e);
        }
    }

    /** 12060 → "12.6". */
    static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
    }

    private static final Pattern MISSING = Pattern.compile("([\\w.+-]+\\.so[\\w.]*): cannot open shared object file");

    /** The shared library whose absence caused {@code e} (e.g. "libcuda.so.1"), or null. */
    static String missingLibrary(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) continue;
            Matcher matcher = MISSING.matcher(m);
            String last = null;
            while (matcher.find()) last = matcher.group(1);
            if (last != null) return last;
        }
        return null;
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) return t.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl)).trim();
    }
}
