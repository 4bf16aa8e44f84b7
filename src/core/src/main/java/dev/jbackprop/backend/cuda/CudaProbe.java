package dev.jbackprop.backend.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * <p>Checks in order: the driver library (libcuda.so.1, through JCuda), a CUDA device, cuBLAS
 * (after {@link CublasCompat#ensureCublas12()}), the kernels' fatbin on the classpath, and that the
 * fatbin loads on device 0 (right architecture, driver new enough for the nvcc that built it).
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
            JCudaDriver.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            String missing = missingLibrary(e);
            String reason = missing != null && missing.startsWith("libcuda")
                    ? "CUDA driver library not found (" + missing
                            + " is missing: no NVIDIA driver installed on this machine)"
                    : "JCuda's driver binding could not be loaded: "
                            + (missing != null ? missing + " is missing" : firstLine(e));
            lines.add("kernels: " + KernelImage.buildInfo());
            return new Availability(false, reason);
        }
        int[] v = new int[1];
        try {
            JCudaDriver.cuDriverGetVersion(v);
            lines.add("driver: supports CUDA " + version(v[0]));
        } catch (CudaException e) {
            lines.add("driver: version unknown (" + e.getMessage() + ")");
        }
        lines.add("JCuda runtime: " + runtimeVersion());
        try {
            JCudaDriver.cuInit(0);
        } catch (CudaException e) {
            String m = e.getMessage();
            lines.add("kernels: " + KernelImage.buildInfo());
            if (m.contains("NO_DEVICE")) return new Availability(false, "no CUDA device found (cuInit: " + m + ")");
            if (m.contains("INSUFFICIENT_DRIVER"))
                return new Availability(false, "the NVIDIA driver is too old for CUDA 12 (cuInit: " + m + ")");
            return new Availability(false, "cuInit failed: " + m);
        }
        // 2. devices
        int[] count = new int[1];
        JCudaDriver.cuDeviceGetCount(count);
        if (count[0] == 0) {
            lines.add("kernels: " + KernelImage.buildInfo());
            return new Availability(false, "no CUDA device found (the driver reports 0 devices)");
        }
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
        try {
            String bridge = CublasCompat.ensureCublas12();
            lines.add("cuBLAS: " + Gemm.libraryVersion() + " (library check: " + bridge + ")");
        } catch (LinkageError | RuntimeException e) {
            String missing = missingLibrary(e);
            lines.add("kernels: " + KernelImage.buildInfo());
            return new Availability(
                    false, "cuBLAS not usable: " + (missing != null ? missing + " is missing" : firstLine(e)));
        }
        // 4. kernels
        lines.add("kernels: " + KernelImage.buildInfo());
        if (!KernelImage.present()) return new Availability(false, KernelImage.NOT_BUILT);
        String load = tryLoadKernels(cc0);
        if (load != null) return new Availability(false, load);
        return new Availability(true, "device 0: " + device0);
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

    private static String runtimeVersion() {
        try {
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
