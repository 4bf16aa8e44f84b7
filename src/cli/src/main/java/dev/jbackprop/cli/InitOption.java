package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import picocli.CommandLine.Option;

/** How the parameters are initialised (train, gradients, gradcheck, verify). */
final class InitOption {
    @Option(
            names = "--init",
            paramLabel = "NAME",
            description = "Weight init: gaussian (W, b ~ N(0,1)), scaled (W ~ N(0,1/n_in), b ~ N(0,1)), he, xavier, "
                    + "or auto: he for the ReLU family, xavier otherwise (default: ${DEFAULT-VALUE}).")
    String init;

    /** The init for a network: the one named, or the recommended one for its first hidden activation. */
    Init resolve(NetworkSpec spec) {
        return resolve(init, spec);
    }

    /** {@code name} ({@link RunConfig#AUTO} or an {@link Init} name) for a network; checks the name. */
    static Init resolve(String name, NetworkSpec spec) {
        if (!RunConfig.AUTO.equalsIgnoreCase(name.trim())) return Init.parse(name);
        return spec.layers() == 1 ? Init.XAVIER : Init.recommendedFor(spec.activation(0));
    }

    /** Fails (a usage error) on an unknown name. */
    void check() {
        if (!RunConfig.AUTO.equalsIgnoreCase(init.trim())) Init.parse(init);
    }
}
