package dev.jbackprop.diag;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.reference.RefMath;
import dev.jbackprop.reference.ReferenceNetwork;
import dev.jbackprop.reference.Trace;
import java.util.Arrays;

/**
 * The textbook's chain of one neuron per layer: δ of hidden layer l is δ of layer l+1 times
 * w_{l+1}·σ′(z_l), so ∂C/∂b₁ carries the product of those factors. With |σ′| ≤ 1/4 (sigmoid) and
 * |w| mostly below 4, the product shrinks with depth.
 */
public final class ScalarChain {
    private ScalarChain() {}

    /** A network of the same depth and activations as {@code spec}, one neuron per layer. */
    public static NetworkSpec chainOf(NetworkSpec spec) {
        int[] ones = new int[spec.sizes().length];
        Arrays.fill(ones, 1);
        return new NetworkSpec(ones, spec.activations(), spec.cost());
    }

    /**
     * |w_{l+1}·σ′(z_l)| for hidden layers l = 0 … L−2 of a chain with parameters drawn by init from
     * seed, at input x.
     */
    public static double[] factors(NetworkSpec chain, Init init, long seed, double x) {
        return factors(chain, init.initialise(chain.layout(), seed), x);
    }

    public static double[] factors(NetworkSpec chain, float[] params, double x) {
        for (int n : chain.sizes()) {
            if (n != 1) throw new IllegalArgumentException("a scalar chain has one neuron per layer, got " + chain);
        }
        ReferenceNetwork ref = new ReferenceNetwork(chain, params);
        Trace t = ref.forward(new double[] {x});
        double[] f = new double[chain.layers() - 1];
        for (int l = 0; l < f.length; l++) {
            f[l] = Math.abs(ref.weight(l + 1, 0, 0) * RefMath.sigmaPrime(chain.activation(l), t.z()[l][0]));
        }
        return f;
    }

    /** max σ′(z) over z ∈ [−20, 20] on a grid of 1e-3 (1/4 for sigmoid, 1 for tanh and the ReLU family with α ≤ 1). */
    public static double maxSigmaPrime(Activation act) {
        double best = 0;
        for (int i = -20_000; i <= 20_000; i++) best = Math.max(best, RefMath.sigmaPrime(act, i * 1e-3));
        return best;
    }
}
