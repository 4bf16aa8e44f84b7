package dev.jbackprop.reference;

/**
 * One sample's backward pass.
 *
 * @param trace the forward pass it started from
 * @param delta delta[l] = ∂C/∂z[l] (n_out(l) entries), indexed like {@link Trace}
 * @param grad  ∂C/∂W then ∂C/∂b of every layer, in {@link dev.jbackprop.model.ParamLayout} order
 *              (weights column-major: ∂C/∂W(j,k) of layer l at weightOffset(l) + k·n_out + j)
 * @param cost  C(aᴸ, y) of this sample
 */
public record Gradients(Trace trace, double[][] delta, double[] grad, double cost) {}
