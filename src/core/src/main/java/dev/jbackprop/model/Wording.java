package dev.jbackprop.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The text of a message that names {@link Setting}s: plain text and settings in order. {@link #toString()}
 * names each setting by its API name; {@link #render} lets a front end name them its own way (the command line
 * says {@code --eta} where the API says {@code eta}), so that library code never speaks of flags.
 */
public final class Wording {
    private final List<Object> parts;

    private Wording(List<Object> parts) {
        this.parts = Collections.unmodifiableList(parts);
    }

    /**
     * The parts in order.
     *
     * @param parts each a {@link Setting} or any other object, which stands for its {@code toString()}
     * @return the wording
     */
    public static Wording of(Object... parts) {
        List<Object> list = new ArrayList<>();
        for (Object p : parts) list.add(p instanceof Setting ? p : String.valueOf(p));
        return new Wording(list);
    }

    /**
     * This wording followed by more parts.
     *
     * @param more parts as for {@link #of}
     * @return a new wording
     */
    public Wording then(Object... more) {
        List<Object> list = new ArrayList<>(parts);
        list.addAll(of(more).parts);
        return new Wording(list);
    }

    /**
     * This wording followed by another.
     *
     * @param more the wording to append
     * @return a new wording
     */
    public Wording then(Wording more) {
        List<Object> list = new ArrayList<>(parts);
        list.addAll(more.parts);
        return new Wording(list);
    }

    /**
     * The text, with each setting named by {@code name}.
     *
     * @param name the name of each setting
     * @return the text
     */
    public String render(Function<Setting, String> name) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) sb.append(p instanceof Setting s ? name.apply(s) : (String) p);
        return sb.toString();
    }

    /** The settings named, in order (repeats included). */
    public List<Setting> settings() {
        List<Setting> out = new ArrayList<>();
        for (Object p : parts) if (p instanceof Setting s) out.add(s);
        return out;
    }

    /** The text with the API's names. */
    @Override
    public String toString() {
        return render(Setting::apiName);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Wording w && parts.equals(w.parts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(parts);
    }
}
