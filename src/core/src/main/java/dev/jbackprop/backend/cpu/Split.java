package dev.jbackprop.backend.cpu;

/** How work is divided between the threads: contiguous, near-equal ranges, the same for every caller. */
final class Split {
    private Split() {}

    /** The start of part p of [0, n) cut into {@code parts} (bound(n, parts, parts) = n). */
    static int bound(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }
}
