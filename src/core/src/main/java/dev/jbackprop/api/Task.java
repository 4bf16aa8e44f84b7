package dev.jbackprop.api;

/** What a data set's targets are. */
public enum Task {
    /** One class per sample; the network has one output per class. */
    CLASSIFICATION,
    /** Real-valued targets; the network has one output per target. */
    REGRESSION;

    dev.jbackprop.data.Task internal() {
        return this == CLASSIFICATION ? dev.jbackprop.data.Task.CLASSIFICATION : dev.jbackprop.data.Task.REGRESSION;
    }

    static Task of(dev.jbackprop.data.Task t) {
        return t == null ? null : t == dev.jbackprop.data.Task.CLASSIFICATION ? CLASSIFICATION : REGRESSION;
    }
}
