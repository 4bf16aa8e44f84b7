package dev.jbackprop.reference;

/**
 * One sample's forward pass through a {@link ReferenceNetwork}. Layers are indexed like
 * {@link dev.jbackprop.model.ParamLayout}: l = 0 … L−1 is the l-th weight layer, so {@code z[l]}
 * and {@code a[l]} have n_out(l) = sizes[l+1] entries; the input x is kept apart as {@link #input}
 * (it is a⁰ in the textbook's numbering, where these are zˡ⁺¹ and aˡ⁺¹).
 *
 * @param input the sample x
 * @param z     z[l] = W[l]·(activation into l) + b[l]
 * @param a     a[l] = σ_l(z[l])
 */
public record Trace(double[] input, double[][] z, double[][] a) {

    /** Number of weight layers L. */
    public int layers() {
        return z.length;
    }

    /** The network's output aᴸ (the last layer's activation). */
    public double[] output() {
        return a[a.length - 1];
    }

    /** The activation that feeds weight layer l: x for l = 0, else a[l−1]. */
    public double[] activationInto(int l) {
        return l == 0 ? input : a[l - 1];
    }
}
