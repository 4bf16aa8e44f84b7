package dev.jbackprop.spark.collective;

/**
 * A sum came back but its integrity tail is wrong: not every worker contributed exactly once, or the workers were not
 * at the same step. The summed block must not be used.
 */
public final class IntegrityException extends CollectiveException {
    private static final long serialVersionUID = 1L;

    public IntegrityException(String message) {
        super(message);
    }
}
