package dev.jbackprop.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The kernels' fatbin (built by kernels/build.sh into the jar) and what built it. */
final class KernelImage {
    private KernelImage() {}

    static final String RESOURCE = "/dev/jbackprop/kernels/jbackprop.fatbin";
    static final String BUILD_INFO = "/dev/jbackprop/kernels/jbackprop-kernels.properties";
    static final String NOT_BUILT = "kernels not built: " + RESOURCE + " is not on the classpath "
            + "(install the CUDA toolkit so that nvcc is on PATH or in $CUDA_HOME/bin, then rebuild with mvn package)";

    static boolean present() {
        return KernelImage.class.getResource(RESOURCE) != null;
    }

    /** The fatbin's bytes; throws with {@link #NOT_BUILT} when it is absent. */
    static byte[] load() {
        try (InputStream in = KernelImage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new GpuException(NOT_BUILT);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    /**
     * The CUDA major version of the nvcc that built the kernels (13 for "13.0 (V13.0.88)"), or -1 when
     * unknown. The driver must support at least that CUDA version to load them.
     */
    static int nvccMajor() {
        if (!present()) return -1;
        try (InputStream in = KernelImage.class.getResourceAsStream(BUILD_INFO)) {
            if (in == null) return -1;
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("nvcc", "").trim();
            int dot = v.indexOf('.');
            return dot > 0 ? Integer.parseInt(v.substring(0, dot)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** "nvcc 13.0 (V13.0.88), SASS sm_75 … sm_90, PTX compute_90", or why it is unknown. */
    static String buildInfo() {
        if (!present()) return "not built";
        try (InputStream in = KernelImage.class.getResourceAsStream(BUILD_INFO)) {
            if (in == null) return "built by an unknown nvcc";
            Properties p = new Properties();
            p.load(in);
            return "nvcc " + p.getProperty("nvcc", "?") + ", SASS " + p.getProperty("sass", "?") + ", PTX "
                    + p.getProperty("ptx", "?");
        } catch (IOException e) {
            return "build information unreadable: " + e.getMessage();
        }
    }
}
