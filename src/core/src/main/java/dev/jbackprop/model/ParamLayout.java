package dev.jbackprop.model;

/**
 * Where each layer's parameters sit in the one contiguous parameter block (and, identically, in
 * the gradient and momentum blocks): all weight matrices first, layer by layer, then all bias
 * vectors. Keeping the weights together lets L2 decay apply to [0, weightCount) in the same
 * single update launch that moves every parameter.
 *
 * <p>Layer l (0-based, l = 0 … layers−1) maps n_in = sizes[l] to n_out = sizes[l+1]. Its weight
 * matrix W is n_out × n_in, column-major (element (j, k) at weightOffset(l) + k·n_out + j); its
 * bias b has n_out entries.
 */
public final class ParamLayout {
    private final int[] sizes;
    private final long[] weightOffsets;
    private final long[] biasOffsets;
    private final long weightCount;
    private final long total;

    public ParamLayout(int[] sizes) {
        if (sizes.length < 2)
            throw new IllegalArgumentException("a network needs at least two layer sizes (input and output)");
        this.sizes = sizes.clone();
        int layers = sizes.length - 1;
        weightOffsets = new long[layers];
        biasOffsets = new long[layers];
        long off = 0;
        for (int l = 0; l < layers; l++) {
            weightOffsets[l] = off;
            off += (long) sizes[l] * sizes[l + 1];
        }
        weightCount = off;
        for (int l = 0; l < layers; l++) {
            biasOffsets[l] = off;
            off += sizes[l + 1];
        }
        total = off;
    }

    public int layers() {
        return sizes.length - 1;
    }

    public int nIn(int l) {
        return sizes[l];
    }

    public int nOut(int l) {
        return sizes[l + 1];
    }

    public int[] sizes() {
        return sizes.clone();
    }

    /** Layer sizes as written on the command line and in files: "784,30,10". */
    public static String sizesText(int[] sizes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) sb.append(i == 0 ? "" : ",").append(sizes[i]);
        return sb.toString();
    }

    public long weightOffset(int l) {
        return weightOffsets[l];
    }

    public long biasOffset(int l) {
        return biasOffsets[l];
    }

    public long weightLength(int l) {
        return (long) sizes[l] * sizes[l + 1];
    }
    /** Number of weights (all layers); biases start here. */
    public long weightCount() {
        return weightCount;
    }
    /** Number of parameters (weights and biases). */
    public long total() {
        return total;
    }

    /** Index of W(j, k) of layer l in the block. */
    public long w(int l, int j, int k) {
        return weightOffsets[l] + (long) k * sizes[l + 1] + j;
    }
    /** Index of b(j) of layer l in the block. */
    public long b(int l, int j) {
        return biasOffsets[l] + j;
    }
}
