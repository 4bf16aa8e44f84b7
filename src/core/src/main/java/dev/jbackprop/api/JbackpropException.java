package dev.jbackprop.api;

/**
 * The base of every exception the API throws on purpose: unchecked, with a message of one line that says what is
 * wrong and, where the caller can do something about it, what to do. Subclasses carry the details as fields.
 */
public class JbackpropException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message.
     *
     * @param message what went wrong
     */
    public JbackpropException(String message) {
        super(message);
    }

    /**
     * An exception with a message and its cause.
     *
     * @param message what went wrong
     * @param cause the lower-level error, or null
     */
    public JbackpropException(String message, Throwable cause) {
        super(message, cause);
    }
}
