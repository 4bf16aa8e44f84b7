package dev.jbackprop.engine;

import dev.jbackprop.model.NamesSettings;
import dev.jbackprop.model.Wording;

/**
 * A {@link MemoryPlan} needs more memory in one place than is available there: thrown before anything is
 * allocated, with the plan's total and the limit. The advice names settings, so the message is a {@link Wording}.
 */
public final class InsufficientMemoryException extends RuntimeException implements NamesSettings {
    private static final long serialVersionUID = 1L;
    /** Where memory is short. */
    public final MemoryPlan.Place place;
    /** The bytes the plan needs there. */
    public final long needed;
    /** The bytes available there. */
    public final long available;

    private final transient Wording wording;

    /**
     * Memory short in one place.
     *
     * @param place where
     * @param needed the bytes the plan needs there
     * @param available the bytes available there
     * @param wording the whole message
     */
    public InsufficientMemoryException(MemoryPlan.Place place, long needed, long available, Wording wording) {
        super(wording.toString());
        this.place = place;
        this.needed = needed;
        this.available = available;
        this.wording = wording;
    }

    @Override
    public Wording wording() {
        return wording;
    }
}
