package dev.jbackprop.engine;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.Wording;

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
 *   update        W ← (1 − ηλ/n) W − (η/m) ∂C/∂W,  b ← b − (η/m) ∂C/∂b  (with momentum: through v),
 *                 or the rule of another {@link Optimizer}, at the step's rate η_t     (Ops.optimizerStep)
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
     * The update at the constant rate η: the numbers of the network's next optimiser step ({@link
     * #prepareUpdate}), then the step ({@link #applyUpdate}). For sgd: rate = η/m, decay = 1 − ηλ/n with n the
     * training-set size (the textbook's L2 form), momentum μ through the network's velocity block.
     */
    public static void update(Network net, int m, Hyper h) {
        prepareUpdate(net, m, h, h.eta(), h.eta(), net.updates() + 1);
        applyUpdate(net, h);
    }

    /**
     * Writes the numbers of optimiser step t ({@link UpdateScalars}) for a batch of m at the rate η_t (and
     * η_{t−1}, which sgd's momentum follows) into the network's scalars block; the network then counts t steps
     * taken. Called before each step, outside a captured body: the step reads the numbers when it runs.
     */
    public static void prepareUpdate(Network net, int m, Hyper h, double rate, double previousRate, long t) {
        UpdateScalars.compute(
                net.scalarsHost, h.optimizer(), rate, previousRate, h.lambda(), h.trainingSetSize(), m, t);
        net.ops.setScalars(net.updateScalars, net.scalarsHost);
        net.setUpdates(t);
    }

    /** One optimiser step over the whole parameter block with the numbers {@link #prepareUpdate} wrote. */
    public static void applyUpdate(Network net, Hyper h) {
        net.ops.optimizerStep(
                h.optimizer().kind(),
                net.params,
                net.grads,
                net.velocity,
                net.secondMoment,
                net.layout.weightCount(),
                net.updateScalars);
    }

    /** One whole training step on the batch already in net.x / net.y, at the constant rate η. */
    public static void train(Network net, int m, Metrics metrics, Hyper h) {
        forward(net, m);
        outputError(net, m, metrics, true);
        backward(net, m);
        update(net, m, h);
    }

    /**
     * One whole training step whose update's numbers are already written ({@link #prepareUpdate}): the body a
     * replay captures, so that each run reads the numbers of its own step.
     */
    public static void trainPrepared(Network net, int m, Metrics metrics, Hyper h) {
        forward(net, m);
        outputError(net, m, metrics, true);
        backward(net, m);
        applyUpdate(net, h);
    }

    /**
     * The hyper-parameters of the update: the learning rate η (the schedule's base), the textbook's L2 λ (sgd), the
     * training-set size n (λ/n), the optimiser and the learning-rate schedule.
     */
    public record Hyper(
            double eta, double lambda, int trainingSetSize, Optimizer optimizer, LearningRateSchedule schedule) {
        public Hyper {
            if (!(eta > 0) || !Double.isFinite(eta))
                throw new InvalidConfigException(Setting.ETA, "must be a positive number, got " + eta);
            if (!(lambda >= 0) || !Double.isFinite(lambda))
                throw new InvalidConfigException(Setting.LAMBDA, "must be zero or positive, got " + lambda);
            if (optimizer == null) throw new InvalidConfigException(Setting.OPTIMIZER, "must be given");
            if (schedule == null) throw new InvalidConfigException(Setting.LR_SCHEDULE, "must be given");
            if (lambda != 0 && optimizer.kind() != Optimizer.Kind.SGD)
                throw new InvalidConfigException(
                        Setting.LAMBDA,
                        Wording.of(
                                Setting.LAMBDA,
                                " (the textbook's L2) is sgd's; " + optimizer.kind() + " takes PyTorch's ",
                                Setting.WEIGHT_DECAY,
                                " instead"));
            if (trainingSetSize <= 0) throw new IllegalArgumentException("training set is empty");
        }

        /** Momentum SGD at a constant rate (the update jbackprop has always made). */
        public Hyper(double eta, double lambda, double momentum, int trainingSetSize) {
            this(eta, lambda, trainingSetSize, Optimizer.sgd(momentum), LearningRateSchedule.CONSTANT);
        }

        /** The optimiser's momentum μ (sgd, nesterov; 0 for adam). */
        public double momentum() {
            return optimizer.momentum();
        }

        /** The same with another schedule. */
        public Hyper withSchedule(LearningRateSchedule s) {
            return new Hyper(eta, lambda, trainingSetSize, optimizer, s);
        }
    }
}
