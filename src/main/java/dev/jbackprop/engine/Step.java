package dev.jbackprop.engine;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Setting;

/**
 * The training step, written once against {@link Ops}: forward, output error and cost, backward,
 * update. With m samples in the batch (columns of x):
 * <pre>
 *   forward   zˡ = Wˡ aˡ⁻¹ + bˡ,  aˡ = σ(zˡ)                  (gemm N,N; then bias + activation)
 *   output    δᴸ = ∇ₐC ⊙ σ′(zᴸ)                              (a − y for softmax+CE, sigmoid+BCE)
 *   backward  ∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ,  ∂C/∂bˡ = Σ_columns δˡ      (gemm N,T; column sums)
 *             δˡ⁻¹ = ((Wˡ)ᵀ δˡ) ⊙ σ′(zˡ⁻¹)                     (gemm T,N; then derivative ⊙)
 *   update    W ← (1 − ηλ/n) W − (η/m) ∂C/∂W  (with momentum: through v)
 * </pre>
 * Gradients are sums over the batch; the update divides by m.
 */
public final class Step {
    private Step() {}

    public static void forward(Network net, int m) {
        Ops ops = net.ops;
        NetworkSpec spec = net.spec;
        for (int l = 0; l < net.layers(); l++) {
            Mat in = net.input(l);
            ops.gemm(false, false, net.layout.nOut(l), m, net.layout.nIn(l), 1f, net.w[l], in, 0f, net.z[l]);
            ops.biasActivation(spec.activation(l), net.z[l], net.b[l], net.a[l], m);
        }
    }

    /** Output error and cost (added to metrics); with {@code withDelta == false} only the metrics. */
    public static void loss(Network net, int m, Metrics metrics, boolean withDelta) {
        int last = net.layers() - 1;
        net.ops.outputDelta(
                net.spec.cost(),
                net.spec.output(),
                net.z[last],
                net.a[last],
                net.y,
                withDelta ? net.delta[last] : null,
                m,
                metrics);
    }

    public static void backward(Network net, int m) {
        Ops ops = net.ops;
        for (int l = net.layers() - 1; l >= 0; l--) {
            int nOut = net.layout.nOut(l), nIn = net.layout.nIn(l);
            ops.gemm(false, true, nOut, nIn, m, 1f, net.delta[l], net.input(l), 0f, net.gw[l]);
            ops.sumColumns(net.delta[l], m, net.gb[l]);
            if (l > 0) {
                ops.gemm(true, false, nIn, m, nOut, 1f, net.w[l], net.delta[l], 0f, net.delta[l - 1]);
                ops.activationBackward(net.spec.activation(l - 1), net.z[l - 1], net.a[l - 1], net.delta[l - 1], m);
            }
        }
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
        loss(net, m, metrics, true);
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
