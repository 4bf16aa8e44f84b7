package dev.jbackprop.model;

/**
 * An exception whose message names settings: {@link Throwable#getMessage()} says their API names, and a front
 * end renders {@link #wording()} with its own names.
 */
public interface NamesSettings {
    /**
     * The message as a {@link Wording}.
     *
     * @return the wording, whose {@code toString()} is the exception's message
     */
    Wording wording();
}
