package dev.jbackprop.data;

import dev.jbackprop.model.NamesSettings;
import dev.jbackprop.model.Wording;
import java.io.IOException;

/** A data set could not be fetched (npm missing, failing or too slow); the message says what to do instead. */
public final class FetchException extends IOException implements NamesSettings {
    private static final long serialVersionUID = 1L;
    private final transient Wording wording;

    /**
     * A failed fetch.
     *
     * @param wording what failed and what to do instead
     * @param cause the lower-level error, or null
     */
    public FetchException(Wording wording, Throwable cause) {
        super(wording.toString(), cause);
        this.wording = wording;
    }

    @Override
    public Wording wording() {
        return wording;
    }
}
