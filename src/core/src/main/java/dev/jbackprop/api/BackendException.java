package dev.jbackprop.api;

/**
 * A backend failed: out of device memory, a CUDA or cuBLAS error (the message names the operation, its shapes and
 * the device).
 */
public class BackendException extends JbackpropException {
    private static final long serialVersionUID = 1L;

    /**
     * A backend failure.
     *
     * @param message what failed, where
     * @param cause the lower-level error, or null
     */
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
