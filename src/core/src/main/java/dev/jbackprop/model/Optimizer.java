package dev.jbackprop.model;

import java.util.Locale;

/**
 * The rule that turns a step's gradients into a parameter update, and its hyper-parameters. Each rule is the
 * update of a PyTorch optimiser ({@code torch.optim.SGD} without and with {@code nesterov=True}, {@code Adam},
 * {@code AdamW}, bias correction included); the learning rate η and the textbook's L2 λ are not part of it (they
 * are the step's, see the engine's Step.Hyper). Written with g = (1/m) Σ∂C/∂p, the mean gradient of the batch:
 *
 * <pre>
 *   sgd       v ← μ′v − η g − (ηλ/n) w   (no λ term on biases),  p ← p + v,  μ′ = μ·η_t/η_{t−1}
 *             (torch.optim.SGD: PyTorch keeps b = −v/η and does b ← μb + g + (λ/n)w, p ← p − η b)
 *   nesterov  g ← g + wd·p,  b ← μb + g,  p ← p − η (g + μb)
 *   adam      g ← g + wd·p,  m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
 *             p ← p − η·m̂/(√v̂ + ε),  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ)
 *   adamw     p ← (1 − η·wd)p, then adam's step with no wd term
 * </pre>
 *
 * @param kind the rule
 * @param momentum μ (sgd, nesterov): in [0, 1); nesterov needs μ &gt; 0
 * @param beta1 β₁ (adam, adamw): in [0, 1)
 * @param beta2 β₂ (adam, adamw): in [0, 1)
 * @param epsilon ε (adam, adamw): positive
 * @param weightDecay PyTorch's weight_decay (nesterov, adam: added to the gradient; adamw: decoupled), on every
 *     parameter; zero or positive. sgd has the textbook's λ instead and takes none.
 */
public record Optimizer(Kind kind, double momentum, double beta1, double beta2, double epsilon, double weightDecay) {

    /** The update rules; {@link #code} is what the backends' loops and kernels switch on. */
    public enum Kind {
        /** Momentum SGD with the textbook's L2 (the update jbackprop has always made). */
        SGD("sgd", 0),
        /** torch.optim.SGD with nesterov=True. */
        NESTEROV("nesterov", 1),
        /** torch.optim.Adam. */
        ADAM("adam", 2),
        /** torch.optim.AdamW. */
        ADAMW("adamw", 3);

        /** The name in configurations and on the command line. */
        public final String cliName;
        /** The code of the rule in the backends (kernels/elementwise.cuh JB_RULE_*). */
        public final int code;
        /** "optimizerStep(adam)": how the buffer operations name the step in their messages. */
        public final String name;

        Kind(String cliName, int code) {
            this.cliName = cliName;
            this.code = code;
            this.name = "optimizerStep(" + cliName + ")";
        }

        /** True for the rules that keep two moments (exp_avg and exp_avg_sq). */
        public boolean adaptive() {
            return this == ADAM || this == ADAMW;
        }

        /**
         * The rule of a name.
         *
         * @param name "sgd", "nesterov", "adam" or "adamw" (any case)
         * @return the rule
         * @throws InvalidConfigException for any other name
         */
        public static Kind parse(String name) {
            String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
            for (Kind k : values()) if (k.cliName.equals(n)) return k;
            throw new InvalidConfigException(
                    Setting.OPTIMIZER, "must be one of sgd, nesterov, adam, adamw; got '" + name + "'");
        }

        @Override
        public String toString() {
            return cliName;
        }
    }

    /** PyTorch's defaults for Adam and AdamW. */
    public static final double BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-8;

    /** AdamW's default weight decay in PyTorch (the others': 0). */
    public static final double ADAMW_WEIGHT_DECAY = 0.01;

    /** Checks every value the rule uses. */
    public Optimizer {
        if (kind == null) throw new InvalidConfigException(Setting.OPTIMIZER, "must be given");
        if (!(momentum >= 0 && momentum < 1))
            throw new InvalidConfigException(Setting.MOMENTUM, "must be in [0, 1), got " + momentum);
        if (kind == Kind.NESTEROV && momentum == 0)
            throw new InvalidConfigException(
                    Setting.MOMENTUM, "must be positive for nesterov (Nesterov momentum needs a momentum), got 0");
        if (!(beta1 >= 0 && beta1 < 1))
            throw new InvalidConfigException(Setting.BETA1, "must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1))
            throw new InvalidConfigException(Setting.BETA2, "must be in [0, 1), got " + beta2);
        if (!(epsilon > 0) || !Double.isFinite(epsilon))
            throw new InvalidConfigException(Setting.EPSILON, "must be a positive number, got " + epsilon);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay))
            throw new InvalidConfigException(Setting.WEIGHT_DECAY, "must be zero or positive, got " + weightDecay);
        if (kind == Kind.SGD && weightDecay != 0)
            throw new InvalidConfigException(
                    Setting.WEIGHT_DECAY,
                    Wording.of(
                            Setting.WEIGHT_DECAY,
                            " does not apply to sgd, whose L2 is the textbook's ",
                            Setting.LAMBDA,
                            " (λ/n per step and sample, on the weights); or use nesterov, adam or adamw"));
    }

    /** Momentum SGD (μ = 0: plain SGD), the update jbackprop has always made. */
    public static Optimizer sgd(double momentum) {
        return new Optimizer(Kind.SGD, momentum, BETA1, BETA2, EPSILON, 0);
    }

    /** torch.optim.SGD(momentum=μ, nesterov=True, weight_decay=wd). */
    public static Optimizer nesterov(double momentum, double weightDecay) {
        return new Optimizer(Kind.NESTEROV, momentum, BETA1, BETA2, EPSILON, weightDecay);
    }

    /** torch.optim.Adam(betas=(β₁, β₂), eps=ε, weight_decay=wd). */
    public static Optimizer adam(double beta1, double beta2, double epsilon, double weightDecay) {
        return new Optimizer(Kind.ADAM, 0, beta1, beta2, epsilon, weightDecay);
    }

    /** torch.optim.AdamW(betas=(β₁, β₂), eps=ε, weight_decay=wd). */
    public static Optimizer adamw(double beta1, double beta2, double epsilon, double weightDecay) {
        return new Optimizer(Kind.ADAMW, 0, beta1, beta2, epsilon, weightDecay);
    }

    /** Whether the rule keeps a first state block: sgd's velocity (with μ &gt; 0), the momentum buffer, exp_avg. */
    public boolean firstState() {
        return kind != Kind.SGD || momentum > 0;
    }

    /** Whether the rule keeps a second state block (exp_avg_sq). */
    public boolean secondState() {
        return kind.adaptive();
    }

    /**
     * The names of its state tensors as PyTorch's optimizer state names them: {@code momentum_buffer} (sgd with
     * momentum, nesterov), {@code exp_avg} and {@code exp_avg_sq} (adam, adamw); none for plain SGD.
     */
    public java.util.List<String> stateNames() {
        if (kind.adaptive()) return java.util.List.of("exp_avg", "exp_avg_sq");
        return firstState() ? java.util.List.of("momentum_buffer") : java.util.List.of();
    }

    /** "adam(β₁=0.9, β₂=0.999, ε=1e-08, wd=0.0)" and the like, for logs. */
    public String describe() {
        return switch (kind) {
            case SGD -> "sgd(μ=" + momentum + ")";
            case NESTEROV -> "nesterov(μ=" + momentum + ", wd=" + weightDecay + ")";
            case ADAM, ADAMW ->
                kind + "(β₁=" + beta1 + ", β₂=" + beta2 + ", ε=" + epsilon + ", wd=" + weightDecay + ")";
        };
    }
}
