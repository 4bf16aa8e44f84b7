package dev.jbackprop.reference;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;

/**
 * The reference oracle's own activation and cost functions, in double, written out one case at a
 * time. Deliberately shares nothing with the backends' maths (CpuMath, the CUDA kernels), so that a
 * mistake there cannot hide by being repeated here.
 *
 * <p>Conventions at the kinks of the ReLU family (z = 0): the left derivative, i.e.
 * relu′(0) = 0, leaky_relu′(0) = α, elu′(0) = α (elu′(z) = α·eᶻ for z ≤ 0).
 */
public final class RefMath {
    private RefMath() {}

    /** σ(z) for one element; not defined for softmax (which acts on a whole vector, see {@link #activate}). */
    public static double sigma(Activation act, double z) {
        double alpha = act.alpha();
        switch (act.kind()) {
            case SIGMOID:
                return 1.0 / (1.0 + Math.exp(-z));
            case TANH:
                return Math.tanh(z);
            case RELU:
                return z > 0 ? z : 0.0;
            case LEAKY_RELU:
                return z > 0 ? z : alpha * z;
            case ELU:
                return z > 0 ? z : alpha * (Math.exp(z) - 1.0);
            case IDENTITY:
                return z;
            default:
                throw new IllegalArgumentException("softmax is not an element-wise function");
        }
    }

    /** σ′(z) for one element (left derivative at the kinks); not defined for softmax. */
    public static double sigmaPrime(Activation act, double z) {
        double alpha = act.alpha();
        switch (act.kind()) {
            case SIGMOID: {
                double s = 1.0 / (1.0 + Math.exp(-z));
                return s * (1.0 - s);
            }
            case TANH: {
                double t = Math.tanh(z);
                return 1.0 - t * t;
            }
            case RELU:
                return z > 0 ? 1.0 : 0.0;
            case LEAKY_RELU:
                return z > 0 ? 1.0 : alpha;
            case ELU:
                return z > 0 ? 1.0 : alpha * Math.exp(z);
            case IDENTITY:
                return 1.0;
            default:
                throw new IllegalArgumentException(
                        "softmax has no element-wise derivative (it is only used with cross-entropy, where δᴸ = a − y)");
        }
    }

    /** True for the activations with a kink (a jump in σ′) at z = 0: relu, leaky_relu, elu. */
    public static boolean hasKink(Activation act) {
        return switch (act.kind()) {
            case RELU, LEAKY_RELU, ELU -> true;
            default -> false;
        };
    }

    /** a = σ(z) for a whole layer; softmax subtracts max(z) before exponentiating (stable for large z). */
    public static double[] activate(Activation act, double[] z) {
        double[] a = new double[z.length];
        if (act.kind() == Activation.Kind.SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < z.length; j++) if (z[j] > max) max = z[j];
            double sum = 0.0;
            for (int j = 0; j < z.length; j++) {
                a[j] = Math.exp(z[j] - max);
                sum += a[j];
            }
            for (int j = 0; j < z.length; j++) a[j] = a[j] / sum;
        } else {
            for (int j = 0; j < z.length; j++) a[j] = sigma(act, z[j]);
        }
        return a;
    }

    /**
     * The cost C(a, y) of one sample.
     * <ul>
     *   <li>quadratic: ½ Σⱼ (aⱼ − yⱼ)²;</li>
     *   <li>cross-entropy (softmax output): −Σⱼ yⱼ ln aⱼ, with ln aⱼ taken as the log-softmax
     *       zⱼ − max(z) − ln Σₖ e^(zₖ − max(z)) so that it stays finite when aⱼ underflows to 0;</li>
     *   <li>binary cross-entropy (sigmoid output): −Σⱼ [yⱼ ln aⱼ + (1−yⱼ) ln(1−aⱼ)], with
     *       ln σ(z) = −softplus(−z) and ln(1−σ(z)) = −softplus(z), again finite for any z.</li>
     * </ul>
     * Terms whose y weight is exactly 0 are left out (0·ln 0 = 0).
     *
     * @param z the output layer's weighted input zᴸ (used by the two log costs)
     * @param a the output aᴸ = σ(zᴸ)
     */
    public static double cost(Cost cost, double[] z, double[] a, double[] y) {
        if (y.length != a.length)
            throw new IllegalArgumentException("target has " + y.length + " entries, output has " + a.length);
        double c = 0.0;
        switch (cost) {
            case QUADRATIC:
                for (int j = 0; j < a.length; j++) {
                    double d = a[j] - y[j];
                    c += 0.5 * d * d;
                }
                return c;
            case CROSS_ENTROPY: {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < z.length; j++) if (z[j] > max) max = z[j];
                double sum = 0.0;
                for (int j = 0; j < z.length; j++) sum += Math.exp(z[j] - max);
                double logSum = Math.log(sum);
                for (int j = 0; j < z.length; j++) {
                    if (y[j] != 0.0) {
                        double lnA = z[j] - max - logSum;
                        c -= y[j] * lnA;
                    }
                }
                return c;
            }
            case BINARY_CROSS_ENTROPY:
                for (int j = 0; j < z.length; j++) {
                    double lnA = -softplus(-z[j]);
                    double lnOneMinusA = -softplus(z[j]);
                    if (y[j] != 0.0) c -= y[j] * lnA;
                    if (y[j] != 1.0) c -= (1.0 - y[j]) * lnOneMinusA;
                }
                return c;
            default:
                throw new IllegalArgumentException("unknown cost " + cost);
        }
    }

    /** ∇ₐC for one sample, for the costs whose output error uses the general rule (quadratic: a − y). */
    public static double[] costGradient(Cost cost, double[] a, double[] y) {
        double[] g = new double[a.length];
        switch (cost) {
            case QUADRATIC:
                for (int j = 0; j < a.length; j++) g[j] = a[j] - y[j];
                return g;
            case BINARY_CROSS_ENTROPY:
                // ∂/∂a of −[y ln a + (1−y) ln(1−a)] = (a − y) / (a (1 − a)); kept for documentation and
                // tests — the oracle uses the simplified δᴸ = a − y, which does not divide by a(1−a).
                for (int j = 0; j < a.length; j++) g[j] = (a[j] - y[j]) / (a[j] * (1.0 - a[j]));
                return g;
            case CROSS_ENTROPY:
                // ∂/∂a of −Σ y ln a = −y / a; combined with the softmax Jacobian it gives δᴸ = a − y.
                for (int j = 0; j < a.length; j++) g[j] = -y[j] / a[j];
                return g;
            default:
                throw new IllegalArgumentException("unknown cost " + cost);
        }
    }

    /** ln(1 + eˣ) without overflow. */
    static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
