package dev.jbackprop.data;

import java.util.Locale;

/**
 * What the targets of a data set are: class labels (softmax + cross-entropy, one output per class) or
 * real-valued targets (identity output + quadratic cost, one output per target).
 */
public enum Task {
    CLASSIFICATION,
    REGRESSION;

    /** The lower-case name used in files and on the command line ("classification", "regression"). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The task named {@code s} (case-insensitive). */
    public static Task parse(String s) {
        for (Task t : values()) if (t.id().equalsIgnoreCase(s.trim())) return t;
        throw new IllegalArgumentException("unknown task '" + s + "'; expected classification or regression");
    }
}
