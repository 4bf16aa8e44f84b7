package dev.jbackprop.backend.cuda;

/** A device allocation failed: says how much was asked for, how much is free, and what to try. */
public final class GpuOutOfMemoryException extends GpuException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long freeBytes;
    private final long totalBytes;

    GpuOutOfMemoryException(
            String what, long requestedBytes, long freeBytes, long totalBytes, String device, Throwable cause) {
        super(
                "out of GPU memory: " + what + " needs " + bytes(requestedBytes) + " but only " + bytes(freeBytes)
                        + " of " + bytes(totalBytes) + " are free on " + device
                        + "; try a smaller batch (or a smaller network / data set)",
                cause);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
        this.totalBytes = totalBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }

    public long totalBytes() {
        return totalBytes;
    }

    static String bytes(long b) {
        if (b < 0) return "unknown";
        if (b < 1024 * 1024) return b + " bytes";
        return String.format(java.util.Locale.ROOT, "%d bytes (%.1f MiB)", b, b / (1024.0 * 1024.0));
    }
}
