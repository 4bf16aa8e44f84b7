package dev.jbackprop.api;

/**
 * The backend asked for cannot run here: no NVIDIA driver, no device (or no device of that index), a driver too
 * old for the kernels, no cuBLAS, the kernels not built, or the GPU's self-test failed. {@link #reason()} says
 * which, in one line.
 */
public class BackendUnavailableException extends BackendException {
    private static final long serialVersionUID = 1L;

    /** Why the backend cannot run here. */
    private final String reason;

    /**
     * A backend that cannot be used.
     *
     * @param message the whole message
     * @param reason why the backend cannot run here, e.g. "no CUDA device found"
     */
    public BackendUnavailableException(String message, String reason) {
        super(message, null);
        this.reason = reason;
    }

    /**
     * Why the backend cannot run here.
     *
     * @return one line, e.g. "CUDA driver library not found (libcuda.so.1 is missing: …)"
     */
    public String reason() {
        return reason;
    }
}
