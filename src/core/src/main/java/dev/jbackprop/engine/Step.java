package dev.jbackprop.engine;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Setting;

/**
 * The training step, written once against {@link Ops}: forward, output error, backward, update, the
 * same four steps with the same names and indices as the reference ({@code ReferenceNetwork}), which
 * does them one sample at a time in double. Layers are l = 0 … L−1 and a[−1] is the input x; W[l] is
 * n_out(l) × n_in(l), W[l](j, k) joins input k to output j; here each vector of the reference is a
 * matrix of m columns, one per sample of the batch.
 * <pre>
 *   forward       z[l] = W[l] a[l−1] + b[l],  a[l] = σ(z[l])                   l = 0 … L−1
 *                 (linearForward, then biasActivation)
 *   output error  δ[L−1] = ∇ₐC ⊙ σ′(z[L−1])   (a − y for softmax + cross-entropy and sigmoid + binary
 *                 cross-entropy), and the cost                                  (Ops.outputError)
 *   backward      ∂C/∂W[l] = δ[l] a[l−1]ᵀ,  ∂C/∂b[l] = Σ_columns δ[l]           l = L−1 … 0
 *                 (weightGradient, sumColumns)
 *                 δ[l−1] = (W[l]ᵀ δ[l]) ⊙ σ′(z[l−1])                           l = L−1 … 1
 *                 (backpropagatedError, then activationBackward)
 *   update        W ← (1 − ηλ/n) W − (η/m) ∂C/∂W,  b ← b − (η/m) ∂C/∂b  (with momentum: through v)
 * </pre>
 * Gradients are sums over the batch (the GEMM over the m columns sums δ[l] a[l−1]ᵀ of each sample);
 * the update divides by m.
 */
public final class Step {
    private Step() {}

    /** z[l] = W[l] a[l−1] + b[l], a[l] = σ(z[l]) for l = 0 … L−1, on the m columns of net.x. */
    public static void forward(Network net, int m) {
        Ops ops = net.ops;
        NetworkSpec spec = net.spec;
        for (int l = 0; l < net.layers(); l++) {
            linearForward(ops, net.w[l], net.input(l), net.z[l], m);
            ops.biasActivation(spec.activation(l), net.z[l], net.b[l], net.a[l], m);
        }
    }

    /**
     * δ[L−1] and the cost (added to metrics) of the m columns against net.y; with {@code withDelta ==
     * false} only the metrics (evaluation).
     */
    public static void outputError(Network net, int m, Metrics metrics, boolean withDelta) {
        int last = net.layers() - 1;
        net.ops.outputError(
                net.spec.cost(),
                net.spec.output(),
                net.z[last],
                net.a[last],
                net.y,
                withDelta ? net.delta[last] : null,
                m,
                metrics);
    }

    /**
     * For l = L−1 … 0: ∂C/∂W[l] = δ[l] a[l−1]ᵀ and ∂C/∂b[l] = Σ_columns δ[l], then (l &gt; 0)
     * δ[l−1] = (W[l]ᵀ δ[l]) ⊙ σ′(z[l−1]).
     */
    public static void backward(Network net, int m) {
        Ops ops = net.ops;
        for (int l = net.layers() - 1; l >= 0; l--) {
            weightGradient(ops, net.delta[l], net.input(l), net.gw[l], m);
            ops.sumColumns(net.delta[l], m, net.gb[l]);
            if (l > 0) {
                backpropagatedError(ops, net.w[l], net.delta[l], net.delta[l - 1], m);
                ops.activationBackward(net.spec.activation(l - 1), net.z[l - 1], net.a[l - 1], net.delta[l - 1], m);
            }
        }
    }

    // ---- the three GEMMs of a step, each written once ---------------------------------------------

    /** z[l] = W[l] a[l−1] on m columns: (n_out × n_in) · (n_in × m) → n_out × m. */
    public static void linearForward(Ops ops, Mat w, Mat aPrev, Mat z, int m) {
        ops.gemm(false, false, w.rows(), m, w.cols(), 1f, w, aPrev, 0f, z);
    }

    /** ∂C/∂W[l] = δ[l] a[l−1]ᵀ, summed over m columns: (n_out × m) · (m × n_in) → n_out × n_in. */
    public static void weightGradient(Ops ops, Mat delta, Mat aPrev, Mat gradW, int m) {
        ops.gemm(false, true, gradW.rows(), gradW.cols(), m, 1f, delta, aPrev, 0f, gradW);
    }

    /** W[l]ᵀ δ[l] into δ[l−1], before its ⊙ σ′(z[l−1]): (n_in × n_out) · (n_out × m) → n_in × m. */
    public static void backpropagatedError(Ops ops, Mat w, Mat delta, Mat deltaPrev, int m) {
        ops.gemm(true, false, w.cols(), m, w.rows(), 1f, w, delta, 0f, deltaPrev);
    }

    /**
     * Mini-batch SGD: rate = η/m; decay = 1 − ηλ/n with n the training-set size (the textbook's L2
     * form); momentum μ uses the network's velocity block.
     */
    public static void update(Network net, int m, Hyper h) {
        float rate = (float) (h.eta() / m);
        float decay = (float) (1.0 - h.eta() * h.lambda() / h.trainingSetSize());
        net.ops.update(
                net.params, net.grads, net.velocity, net.layout.weightCount(), rate, (float) h.momentum(), decay);
    }

    /** One whole training step on the batch already in net.x / net.y. */
    public static void train(Network net, int m, Metrics metrics, Hyper h) {
        forward(net, m);
        outputError(net, m, metrics, true);
        backward(net, m);
        update(net, m, h);
    }

    /** The hyper-parameters the update needs. */
    public record Hyper(double eta, double lambda, double momentum, int trainingSetSize) {
        public Hyper {
            if (!(eta > 0) || !Double.isFinite(eta))
                throw new InvalidConfigException(Setting.ETA, "must be a positive number, got " + eta);
            if (!(lambda >= 0) || !Double.isFinite(lambda))
                throw new InvalidConfigException(Setting.LAMBDA, "must be zero or positive, got " + lambda);
            if (!(momentum >= 0 && momentum < 1))
                throw new InvalidConfigException(Setting.MOMENTUM, "must be in [0, 1), got " + momentum);
            if (trainingSetSize <= 0) throw new IllegalArgumentException("training set is empty");
        }
    }
}
