package dev.jbackprop.api;

/** How a new network's weights and biases are drawn (from the builder's seed, the same on every JVM). */
public enum Init {
    /** He for the ReLU family of the first hidden layer, Xavier otherwise. */
    AUTO(null),
    /** W, b ~ N(0, 1). */
    GAUSSIAN(dev.jbackprop.model.Init.GAUSSIAN),
    /** W ~ N(0, 1/n_in), b ~ N(0, 1). */
    SCALED(dev.jbackprop.model.Init.SCALED),
    /** W ~ N(0, 2/n_in), b = 0 (He et al., for the ReLU family). */
    HE(dev.jbackprop.model.Init.HE),
    /** W ~ N(0, 2/(n_in + n_out)), b = 0 (Glorot and Bengio, for sigmoid and tanh). */
    XAVIER(dev.jbackprop.model.Init.XAVIER);

    private final dev.jbackprop.model.Init scheme; // null: AUTO

    Init(dev.jbackprop.model.Init scheme) {
        this.scheme = scheme;
    }

    /** The scheme for a network whose first layer uses {@code first}. */
    dev.jbackprop.model.Init resolve(dev.jbackprop.model.Activation first, int layers) {
        if (scheme != null) return scheme;
        return layers == 1 ? dev.jbackprop.model.Init.XAVIER : dev.jbackprop.model.Init.recommendedFor(first);
    }
}
