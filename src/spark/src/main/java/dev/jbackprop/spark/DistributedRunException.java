package dev.jbackprop.spark;

/** A barrier stage failed on every attempt allowed. The message is one line: the attempts and the last reason. */
public final class DistributedRunException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int attempts;

    public DistributedRunException(String message, int attempts, Throwable cause) {
        super(message, cause);
        this.attempts = attempts;
    }

    /** How many times the stage ran. */
    public int attempts() {
        return attempts;
    }
}
