package dev.jbackprop.reference;

import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Central finite differences of the summed batch cost, in double, for every parameter, and a
 * comparison of a gradient block against them.
 *
 * <p><b>Stencil and step.</b> Parameter θᵢ is moved by multiples of hᵢ = h·max(1, |θᵢ|). The
 * default {@link Stencil#FIVE_POINT} is the fourth-order central difference
 * [−C(θ+2h) + 8C(θ+h) − 8C(θ−h) + C(θ−2h)] / 12h with h = {@value #DEFAULT_H}: its truncation
 * error h⁴·C⁽⁵⁾/30 is ~10⁻¹⁴ and its rounding error ~1.5·ε·|C|/h is ~10⁻¹², about fifty times
 * below the best the two-point [C(θ+h) − C(θ−h)] / 2h can do (h ≈ ε^⅓ ≈ 10⁻⁵, error ~10⁻¹¹), which
 * matters for the relative error of gradient components near 10⁻⁵. {@link Stencil#TWO_POINT}
 * (suggested h = {@value #TWO_POINT_H}) is kept for comparison. The step actually used is the
 * representable (θᵢ + hᵢ) − θᵢ, so no representation error of θ ± h enters the quotient.
 *
 * <p><b>Kinks.</b> relu, leaky_relu and elu have a kink at z = 0 (elu only if α ≠ 1, but it is
 * treated the same way); a difference across it measures neither one-sided derivative. For each
 * parameter every perturbed pass is compared with the unperturbed one: if any unit of a kinked
 * layer changes side (z > 0 versus z ≤ 0) in any sample, that parameter's estimate is NaN and
 * {@link #compare} counts it as skipped instead of comparing it. This needs some |z| within about
 * 2h·|∂z/∂θ| of 0 and is rare with continuous data; the tests count it.
 */
public final class FiniteDifference {
    private FiniteDifference() {}

    /** The difference formula. */
    public enum Stencil {
        /** [C(θ+h) − C(θ−h)] / 2h, error O(h²). */
        TWO_POINT,
        /** [−C(θ+2h) + 8C(θ+h) − 8C(θ−h) + C(θ−2h)] / 12h, error O(h⁴). */
        FIVE_POINT
    }

    /** Default relative step, for the default {@link Stencil#FIVE_POINT}. */
    public static final double DEFAULT_H = 1e-3;

    /** A good relative step for {@link Stencil#TWO_POINT} (≈ ε^⅓). */
    public static final double TWO_POINT_H = 1e-5;

    /**
     * Denominator floor of the relative error |g − f| / max(|g|, |f|, TINY): both values being exactly
     * 0 (a dead unit) gives 0, not NaN.
     */
    public static final double TINY = 1e-300;

    /** Per-layer worst errors of a gradient against finite differences. */
    public record LayerError(
            int layer, double weightMaxAbs, double weightMaxRel, double biasMaxAbs, double biasMaxRel, int skipped) {
        public double maxRel() {
            return Math.max(weightMaxRel, biasMaxRel);
        }

        public double maxAbs() {
            return Math.max(weightMaxAbs, biasMaxAbs);
        }
    }

    /** ∂(Σ C)/∂θ by the five-point central difference with the default step. */
    public static double[] gradient(ReferenceNetwork net, double[][] xs, double[][] ys) {
        return gradient(net, xs, ys, DEFAULT_H, Stencil.FIVE_POINT);
    }

    /** ∂(Σ C)/∂θ by the five-point central difference with relative step h. */
    public static double[] gradient(ReferenceNetwork net, double[][] xs, double[][] ys, double h) {
        return gradient(net, xs, ys, h, Stencil.FIVE_POINT);
    }

    /**
     * ∂(Σ over the batch of C)/∂θᵢ for every parameter, ParamLayout order, by central differences
     * with step h·max(1, |θᵢ|); NaN where a perturbation straddles a kink (see the class comment).
     * The network is not modified.
     */
    public static double[] gradient(ReferenceNetwork net, double[][] xs, double[][] ys, double h, Stencil stencil) {
        if (!(h > 0)) throw new IllegalArgumentException("step h must be positive, got " + h);
        if (xs.length != ys.length)
            throw new IllegalArgumentException(xs.length + " inputs but " + ys.length + " targets");
        NetworkSpec spec = net.spec();
        double[] theta = net.parameters();
        boolean[][][] baseSides = sides(net, xs);
        double[] g = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            double hi = h * Math.max(1.0, Math.abs(theta[i]));
            double step = (theta[i] + hi) - theta[i];
            boolean[] crossed = {false};
            double d;
            if (stencil == Stencil.TWO_POINT) {
                double cp = shiftedCost(net, theta, i, step, xs, ys, baseSides, crossed);
                double cm = shiftedCost(net, theta, i, -step, xs, ys, baseSides, crossed);
                d = (cp - cm) / (2 * step);
            } else {
                double cp1 = shiftedCost(net, theta, i, step, xs, ys, baseSides, crossed);
                double cm1 = shiftedCost(net, theta, i, -step, xs, ys, baseSides, crossed);
                double cp2 = shiftedCost(net, theta, i, 2 * step, xs, ys, baseSides, crossed);
                double cm2 = shiftedCost(net, theta, i, -2 * step, xs, ys, baseSides, crossed);
                d = (8 * (cp1 - cm1) - (cp2 - cm2)) / (12 * step);
            }
            g[i] = crossed[0] ? Double.NaN : d;
        }
        return g;
    }

    /** Σ C over the batch with θᵢ moved by delta; sets crossed[0] if a kinked unit changed side. */
    private static double shiftedCost(
            ReferenceNetwork net,
            double[] theta,
            int i,
            double delta,
            double[][] xs,
            double[][] ys,
            boolean[][][] baseSides,
            boolean[] crossed) {
        NetworkSpec spec = net.spec();
        double[] t = theta.clone();
        t[i] = theta[i] + delta;
        ReferenceNetwork shifted = new ReferenceNetwork(spec, t);
        double c = 0.0;
        for (int s = 0; s < xs.length; s++) {
            Trace tr = shifted.forward(xs[s]);
            c += RefMath.cost(spec.cost(), tr.z()[tr.layers() - 1], tr.output(), ys[s]);
            if (changedSide(spec, baseSides[s], tr)) crossed[0] = true;
        }
        return c;
    }

    /** For each sample, layer and unit of a kinked layer: z > 0 (null for smooth layers). */
    private static boolean[][][] sides(ReferenceNetwork net, double[][] xs) {
        NetworkSpec spec = net.spec();
        boolean[][][] out = new boolean[xs.length][spec.layers()][];
        for (int s = 0; s < xs.length; s++) {
            Trace t = net.forward(xs[s]);
            for (int l = 0; l < spec.layers(); l++) {
                if (!RefMath.hasKink(spec.activation(l))) continue;
                boolean[] side = new boolean[t.z()[l].length];
                for (int j = 0; j < side.length; j++) side[j] = t.z()[l][j] > 0;
                out[s][l] = side;
            }
        }
        return out;
    }

    private static boolean changedSide(NetworkSpec spec, boolean[][] base, Trace t) {
        for (int l = 0; l < spec.layers(); l++) {
            if (base[l] == null) continue;
            for (int j = 0; j < base[l].length; j++) if ((t.z()[l][j] > 0) != base[l][j]) return true;
        }
        return false;
    }

    /** |g − f| / max(|g|, |f|, TINY). */
    public static double relativeError(double g, double f) {
        return Math.abs(g - f) / Math.max(Math.max(Math.abs(g), Math.abs(f)), TINY);
    }

    /**
     * Per layer: the largest absolute and relative error of {@code grad} against {@code fd} over the
     * weights and over the biases, and the number of parameters skipped (fd NaN: a kink was straddled).
     * A NaN or infinite {@code grad} entry counts as an infinite error.
     */
    public static List<LayerError> compare(ParamLayout layout, double[] grad, double[] fd) {
        if (grad.length != layout.total() || fd.length != layout.total()) {
            throw new IllegalArgumentException("expected " + layout.total() + " entries, got gradient " + grad.length
                    + " and finite differences " + fd.length);
        }
        List<LayerError> out = new ArrayList<>();
        for (int l = 0; l < layout.layers(); l++) {
            int skipped = 0;
            double[] w = {0, 0};
            double[] b = {0, 0};
            for (int j = 0; j < layout.nOut(l); j++) {
                for (int k = 0; k < layout.nIn(l); k++) skipped += accumulate(w, grad, fd, (int) layout.w(l, j, k));
                skipped += accumulate(b, grad, fd, (int) layout.b(l, j));
            }
            out.add(new LayerError(l, w[0], w[1], b[0], b[1], skipped));
        }
        return out;
    }

    /** {@link #compare} for a float gradient block (the fast path's). */
    public static List<LayerError> compare(ParamLayout layout, float[] grad, double[] fd) {
        double[] g = new double[grad.length];
        for (int i = 0; i < grad.length; i++) g[i] = grad[i];
        return compare(layout, g, fd);
    }

    private static int accumulate(double[] worst, double[] grad, double[] fd, int i) {
        if (Double.isNaN(fd[i])) return 1;
        double abs;
        double rel;
        if (!Double.isFinite(grad[i])) {
            abs = Double.POSITIVE_INFINITY;
            rel = Double.POSITIVE_INFINITY;
        } else {
            abs = Math.abs(grad[i] - fd[i]);
            rel = relativeError(grad[i], fd[i]);
        }
        worst[0] = Math.max(worst[0], abs);
        worst[1] = Math.max(worst[1], rel);
        return 0;
    }

    /** The largest relative error over all layers. */
    public static double maxRel(List<LayerError> errors) {
        double m = 0;
        for (LayerError e : errors) m = Math.max(m, e.maxRel());
        return m;
    }

    /** The number of parameters skipped over all layers. */
    public static int skipped(List<LayerError> errors) {
        int s = 0;
        for (LayerError e : errors) s += e.skipped();
        return s;
    }
}
