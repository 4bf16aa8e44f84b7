package dev.jbackprop.cli;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's defaults for the options it shares through mixins (the learning rate of train is not that of
 * throughput). A mixin option describes itself once, with {@code ${DEFAULT-VALUE}}, and each command names its
 * default here; options not named keep their annotation's default.
 */
class CommandDefaults implements IDefaultValueProvider {
    private final Map<String, String> defaults = new HashMap<>();

    /**
     * Defaults by option name.
     *
     * @param groups option name → default, as {@link #network}, {@link #training} and {@link #option} make them
     */
    @SafeVarargs
    CommandDefaults(Map<String, String>... groups) {
        for (Map<String, String> g : groups) defaults.putAll(g);
    }

    /** The defaults of {@link NetOptions}. */
    static Map<String, String> network(String layers, String activation, String cost) {
        return Map.of("--layers", layers, "--activation", activation, "--cost", cost);
    }

    /** The defaults of {@link TrainingOptions}. */
    static Map<String, String> training(String eta, String momentum, String lambda, String batch, String seed) {
        return Map.of("--eta", eta, "--momentum", momentum, "--lambda", lambda, "--batch", batch, "--seed", seed);
    }

    /** The default of one option. */
    static Map<String, String> option(String name, String value) {
        return Map.of(name, value);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? defaults.get(o.longestName()) : null;
    }
}
