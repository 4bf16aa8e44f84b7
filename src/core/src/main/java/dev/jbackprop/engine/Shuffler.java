package dev.jbackprop.engine;

/**
 * The seeded order of samples, epoch by epoch: a Fisher–Yates shuffle driven by SplitMix64, whose
 * whole state is one long, so a checkpoint can store it and a resumed run draws the same batches.
 */
public final class Shuffler {
    private long state;

    public Shuffler(long seed) {
        this.state = seed;
    }

    public long state() {
        return state;
    }

    public void setState(long s) {
        state = s;
    }

    private long next() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound), without modulo bias. */
    int nextInt(int bound) {
        long r = next() >>> 33; // 31 random bits
        long limit = (1L << 31) - ((1L << 31) % bound);
        while (r >= limit) r = next() >>> 33;
        return (int) (r % bound);
    }

    /** Fills perm with 0 … n−1 in a new random order. */
    public void shuffle(int[] perm) {
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        for (int i = perm.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
    }
}
