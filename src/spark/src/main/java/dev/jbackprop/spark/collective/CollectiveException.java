package dev.jbackprop.spark.collective;

/** A collective operation did not complete (a peer died, stalled or left), or its result failed a check. */
public class CollectiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
