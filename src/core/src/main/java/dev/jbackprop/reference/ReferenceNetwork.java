package dev.jbackprop.reference;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;

/**
 * The reference oracle: the textbook's backpropagation written out line by line, in double, one
 * sample at a time, with plain loops and nothing optimised. Other code (the CPU and CUDA
 * backends, the gradient check) is tested against it.
 *
 * <p>Parameters are held as one double[] in {@link ParamLayout} order (all weights first — W of
 * layer l is n_out × n_in column-major, W(j,k) at weightOffset(l) + k·n_out + j — then all biases),
 * exactly the block the fast path uses, so the two can be compared element by element.
 *
 * <p>The equations, with the names and indices of the engine's Step (layers l = 0 … L−1, a[−1]
 * meaning the input x; W[l](j, k) joins input k to output j):
 * <pre>
 *   forward       z[l] = W[l] a[l−1] + b[l],  a[l] = σ_l(z[l])                 l = 0 … L−1
 *   output error  δ[L−1] = ∇ₐC ⊙ σ′(z[L−1])            (quadratic cost: ∇ₐC = a − y)
 *                 δ[L−1] = a − y                         (softmax + cross-entropy, sigmoid + binary CE)
 *   backward      ∂C/∂W[l] = δ[l] a[l−1]ᵀ,  ∂C/∂b[l] = δ[l]                    l = L−1 … 0
 *                 δ[l−1] = (W[l]ᵀ δ[l]) ⊙ σ′(z[l−1])                           l = L−1 … 1
 *   update        see {@link #update} (the textbook's SGD), {@link #updateSgd} (PyTorch's SGD),
 *                 {@link #updateNesterov}, {@link #updateAdam} (Adam and AdamW)
 * </pre>
 * The two a − y forms are the general rule with the factor a(1−a) (sigmoid) or the softmax
 * Jacobian cancelled analytically; computing them literally would divide by a(1−a) and lose
 * precision where the output saturates, so the oracle uses the simplified form, as the fast path does.
 * The finite-difference tests check the oracle against the cost itself; RefMathTest checks that
 * the general rule and the a − y form agree.
 */
public final class ReferenceNetwork {
    private final NetworkSpec spec;
    private final ParamLayout layout;
    private final double[] p;
    private final double[] velocity;
    private final double[] momentumBuffer; // PyTorch's SGD buffer b (sgd in PyTorch's form, nesterov)
    private final double[] expAvg; // Adam's m
    private final double[] expAvgSq; // Adam's v

    /** A network with the given parameters (ParamLayout order), copied and widened to double. */
    public ReferenceNetwork(NetworkSpec spec, float[] params) {
        this(spec, widen(params));
    }

    /** A network with the given double parameters (ParamLayout order), copied. */
    public ReferenceNetwork(NetworkSpec spec, double[] params) {
        this.spec = spec;
        this.layout = spec.layout();
        if (params.length != layout.total()) {
            throw new IllegalArgumentException(
                    "network " + spec + " has " + layout.total() + " parameters, got " + params.length);
        }
        this.p = params.clone();
        this.velocity = new double[params.length];
        this.momentumBuffer = new double[params.length];
        this.expAvg = new double[params.length];
        this.expAvgSq = new double[params.length];
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    public NetworkSpec spec() {
        return spec;
    }

    public ParamLayout layout() {
        return layout;
    }

    /** A copy of the parameters, ParamLayout order. */
    public double[] parameters() {
        return p.clone();
    }

    /** The parameters rounded to float, ParamLayout order. */
    public float[] parametersAsFloat() {
        float[] f = new float[p.length];
        for (int i = 0; i < p.length; i++) f[i] = (float) p[i];
        return f;
    }

    /** A copy of the momentum velocity v (ParamLayout order; zero until a momentum step is taken). */
    public double[] velocity() {
        return velocity.clone();
    }

    /** W(j, k) of layer l. */
    public double weight(int l, int j, int k) {
        return p[(int) layout.w(l, j, k)];
    }

    /** b(j) of layer l. */
    public double bias(int l, int j) {
        return p[(int) layout.b(l, j)];
    }

    // ---- forward ------------------------------------------------------------------------------

    /** z[l] = W[l] a[l−1] + b[l], a[l] = σ(z[l]) for l = 0 … L−1, one sample. */
    public Trace forward(double[] x) {
        if (x.length != spec.inputSize()) {
            throw new IllegalArgumentException(
                    "input has " + x.length + " entries, the network takes " + spec.inputSize());
        }
        int layers = spec.layers();
        double[][] z = new double[layers][];
        double[][] a = new double[layers][];
        double[] prev = x.clone();
        double[] input = prev;
        for (int l = 0; l < layers; l++) {
            int nIn = layout.nIn(l);
            int nOut = layout.nOut(l);
            double[] zl = new double[nOut];
            for (int j = 0; j < nOut; j++) {
                double s = 0.0;
                for (int k = 0; k < nIn; k++) s += weight(l, j, k) * prev[k];
                zl[j] = s + bias(l, j);
            }
            z[l] = zl;
            a[l] = RefMath.activate(spec.activation(l), zl);
            prev = a[l];
        }
        return new Trace(input, z, a);
    }

    /** C(aᴸ(x), y) of one sample. */
    public double cost(double[] x, double[] y) {
        Trace t = forward(x);
        return RefMath.cost(spec.cost(), t.z()[t.layers() - 1], t.output(), checkTarget(y));
    }

    private double[] checkTarget(double[] y) {
        if (y.length != spec.outputSize()) {
            throw new IllegalArgumentException(
                    "target has " + y.length + " entries, the network outputs " + spec.outputSize());
        }
        return y;
    }

    // ---- backward -----------------------------------------------------------------------------

    /** The output error δ[L−1] of one sample (see the class comment for the two a − y cases). */
    double[] outputError(Trace t, double[] y) {
        int last = t.layers() - 1;
        Activation out = spec.output();
        Cost cost = spec.cost();
        double[] a = t.output();
        double[] zL = t.z()[last];
        double[] delta = new double[a.length];
        boolean simplified = (cost == Cost.CROSS_ENTROPY && out.kind() == Activation.Kind.SOFTMAX)
                || (cost == Cost.BINARY_CROSS_ENTROPY && out.kind() == Activation.Kind.SIGMOID);
        if (simplified) {
            for (int j = 0; j < a.length; j++) delta[j] = a[j] - y[j];
        } else {
            double[] gradA = RefMath.costGradient(cost, a, y);
            for (int j = 0; j < a.length; j++) delta[j] = gradA[j] * RefMath.sigmaPrime(out, zL[j]);
        }
        return delta;
    }

    /**
     * The backward pass of one sample, from δ[L−1] in {@code delta}: for l = L−1 … 0,
     * ∂C/∂W[l] = δ[l] a[l−1]ᵀ and ∂C/∂b[l] = δ[l] into {@code grad} (ParamLayout order), then for l &gt; 0
     * δ[l−1] = (W[l]ᵀ δ[l]) ⊙ σ′(z[l−1]) into {@code delta[l − 1]}.
     */
    void backward(Trace t, double[][] delta, double[] grad) {
        for (int l = spec.layers() - 1; l >= 0; l--) {
            double[] aPrev = t.activationInto(l);
            for (int j = 0; j < layout.nOut(l); j++) {
                for (int k = 0; k < layout.nIn(l); k++) grad[(int) layout.w(l, j, k)] = delta[l][j] * aPrev[k];
                grad[(int) layout.b(l, j)] = delta[l][j];
            }
            if (l > 0) {
                double[] d = new double[layout.nIn(l)];
                for (int k = 0; k < d.length; k++) {
                    double s = 0.0;
                    for (int j = 0; j < layout.nOut(l); j++) s += weight(l, j, k) * delta[l][j]; // (W[l]ᵀ δ[l])_k
                    d[k] = s * RefMath.sigmaPrime(spec.activation(l - 1), t.z()[l - 1][k]);
                }
                delta[l - 1] = d;
            }
        }
    }

    /** Forward, output error and backward of one sample: δ of every layer and ∂C/∂W, ∂C/∂b (ParamLayout order). */
    public Gradients backprop(double[] x, double[] y) {
        checkTarget(y);
        Trace t = forward(x);
        int layers = spec.layers();
        double[][] delta = new double[layers][];
        delta[layers - 1] = outputError(t, y);
        double[] grad = new double[p.length];
        backward(t, delta, grad);
        double c = RefMath.cost(spec.cost(), t.z()[layers - 1], t.output(), y);
        return new Gradients(t, delta, grad, c);
    }

    /** Backprop of every sample in turn; sums the gradients and the costs. */
    public BatchResult batch(double[][] xs, double[][] ys) {
        if (xs.length != ys.length)
            throw new IllegalArgumentException(xs.length + " inputs but " + ys.length + " targets");
        Gradients[] samples = new Gradients[xs.length];
        double[] gradSum = new double[p.length];
        double costSum = 0.0;
        for (int i = 0; i < xs.length; i++) {
            samples[i] = backprop(xs[i], ys[i]);
            for (int q = 0; q < gradSum.length; q++) gradSum[q] += samples[i].grad()[q];
            costSum += samples[i].cost();
        }
        return new BatchResult(samples, gradSum, costSum);
    }

    /** Σ over the samples of C, forward passes only. */
    public double batchCost(double[][] xs, double[][] ys) {
        if (xs.length != ys.length)
            throw new IllegalArgumentException(xs.length + " inputs but " + ys.length + " targets");
        double c = 0.0;
        for (int i = 0; i < xs.length; i++) c += cost(xs[i], ys[i]);
        return c;
    }

    // ---- update -------------------------------------------------------------------------------

    /**
     * One SGD step from a summed gradient, textbook form (n = training-set size, m = batch size):
     * <pre>
     *   momentum = 0:  w ← (1 − ηλ/n) w − (η/m) Σ∂C/∂w,   b ← b − (η/m) Σ∂C/∂b
     *   momentum μ:    v ← μ v − (η/m) Σ∂C/∂w − (ηλ/n) w,  w ← w + v
     *                  v ← μ v − (η/m) Σ∂C/∂b,             b ← b + v   (no decay on biases)
     * </pre>
     * The velocity is kept between calls; a step with momentum = 0 leaves it untouched.
     */
    public void update(double[] gradSum, int m, double eta, double lambda, int n, double momentum) {
        if (gradSum.length != p.length)
            throw new IllegalArgumentException("gradient has " + gradSum.length + " entries, expected " + p.length);
        if (m <= 0) throw new IllegalArgumentException("batch size m must be positive, got " + m);
        if (lambda != 0.0 && n <= 0)
            throw new IllegalArgumentException("training-set size n must be positive when λ ≠ 0, got " + n);
        double decay = lambda == 0.0 ? 0.0 : eta * lambda / n;
        int weights = (int) layout.weightCount();
        for (int q = 0; q < p.length; q++) {
            boolean isWeight = q < weights;
            if (momentum == 0.0) {
                if (isWeight) p[q] = (1.0 - decay) * p[q] - (eta / m) * gradSum[q];
                else p[q] = p[q] - (eta / m) * gradSum[q];
            } else {
                if (isWeight) velocity[q] = momentum * velocity[q] - (eta / m) * gradSum[q] - decay * p[q];
                else velocity[q] = momentum * velocity[q] - (eta / m) * gradSum[q];
                p[q] = p[q] + velocity[q];
            }
        }
    }

    /**
     * One step of torch.optim.SGD (momentum μ, dampening 0, nesterov off), L2 on the weights only as the
     * textbook's λ/n, from a summed gradient, at this step's rate η (which may change from step to step):
     * <pre>
     *   g = (1/m) Σ∂C/∂p + (λ/n) p   (the λ term on weights only)
     *   b ← μ b + g                  (b starts at 0, so the first step's b is g, as PyTorch's clone)
     *   p ← p − η b                  (μ = 0: p ← p − η g)
     * </pre>
     * The same update as {@link #update} while η is constant (v = −η b); the engine's sgd follows this form under
     * a schedule.
     */
    public void updateSgd(double[] gradSum, int m, double eta, double lambda, int n, double momentum) {
        checkStep(gradSum, m);
        int weights = (int) layout.weightCount();
        for (int q = 0; q < p.length; q++) {
            double g = gradSum[q] / m + (q < weights && lambda != 0 ? lambda / n * p[q] : 0.0);
            if (momentum != 0) {
                momentumBuffer[q] = momentum * momentumBuffer[q] + g;
                g = momentumBuffer[q];
            }
            p[q] = p[q] - eta * g;
        }
    }

    /**
     * One step of torch.optim.SGD(momentum=μ, nesterov=True, weight_decay=wd) from a summed gradient:
     * <pre>
     *   g = (1/m) Σ∂C/∂p + wd·p,  b ← μ b + g,  p ← p − η (g + μ b)
     * </pre>
     */
    public void updateNesterov(double[] gradSum, int m, double eta, double momentum, double weightDecay) {
        checkStep(gradSum, m);
        for (int q = 0; q < p.length; q++) {
            double g = gradSum[q] / m + weightDecay * p[q];
            momentumBuffer[q] = momentum * momentumBuffer[q] + g;
            p[q] = p[q] - eta * (g + momentum * momentumBuffer[q]);
        }
    }

    /**
     * Step t (1 for the first) of torch.optim.Adam, or with {@code decoupled} of torch.optim.AdamW, from a summed
     * gradient, as Kingma and Ba write it:
     * <pre>
     *   adamw:  p ← (1 − η·wd) p                       adam:  g = (1/m) Σ∂C/∂p + wd·p
     *   adamw:  g = (1/m) Σ∂C/∂p
     *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
     *   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),  p ← p − η m̂ / (√v̂ + ε)
     * </pre>
     */
    public void updateAdam(
            double[] gradSum,
            int m,
            double eta,
            double beta1,
            double beta2,
            double epsilon,
            double weightDecay,
            long t,
            boolean decoupled) {
        checkStep(gradSum, m);
        if (t < 1) throw new IllegalArgumentException("Adam's steps count from 1, got " + t);
        for (int q = 0; q < p.length; q++) {
            if (decoupled) p[q] = (1 - eta * weightDecay) * p[q];
            double g = gradSum[q] / m + (decoupled ? 0.0 : weightDecay * p[q]);
            expAvg[q] = beta1 * expAvg[q] + (1 - beta1) * g;
            expAvgSq[q] = beta2 * expAvgSq[q] + (1 - beta2) * g * g;
            double mHat = expAvg[q] / (1 - Math.pow(beta1, t));
            double vHat = expAvgSq[q] / (1 - Math.pow(beta2, t));
            p[q] = p[q] - eta * mHat / (Math.sqrt(vHat) + epsilon);
        }
    }

    /** PyTorch's momentum buffer b (sgd in PyTorch's form, nesterov), ParamLayout order. */
    public double[] momentumBuffer() {
        return momentumBuffer.clone();
    }

    /** Adam's first moment m (exp_avg), ParamLayout order. */
    public double[] expAvg() {
        return expAvg.clone();
    }

    /** Adam's second moment v (exp_avg_sq), ParamLayout order. */
    public double[] expAvgSq() {
        return expAvgSq.clone();
    }

    private void checkStep(double[] gradSum, int m) {
        if (gradSum.length != p.length)
            throw new IllegalArgumentException("gradient has " + gradSum.length + " entries, expected " + p.length);
        if (m <= 0) throw new IllegalArgumentException("batch size m must be positive, got " + m);
    }

    /** {@link #batch} on the mini-batch, then {@link #update} with m = xs.length; returns the batch (before the update). */
    public BatchResult trainStep(double[][] xs, double[][] ys, double eta, double lambda, int n, double momentum) {
        BatchResult r = batch(xs, ys);
        update(r.gradSum(), xs.length, eta, lambda, n, momentum);
        return r;
    }
}
