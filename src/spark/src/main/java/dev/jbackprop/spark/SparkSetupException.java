package dev.jbackprop.spark;

/**
 * Spark cannot run what was asked: the master is unreachable or malformed, or the cluster has fewer task slots than the
 * stage has workers. The message is one line saying what is wrong and what to do.
 */
public final class SparkSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SparkSetupException(String message) {
        super(message);
    }

    public SparkSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
