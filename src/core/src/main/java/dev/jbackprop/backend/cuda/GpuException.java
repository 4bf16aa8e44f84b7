package dev.jbackprop.backend.cuda;

/** A CUDA or cuBLAS failure, with the operation, its shapes and the device in the message. */
public class GpuException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GpuException(String message) {
        super(message);
    }

    public GpuException(String message, Throwable cause) {
        super(message, cause);
    }
}
