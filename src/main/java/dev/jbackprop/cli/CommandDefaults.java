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
     * @param namesAndValues option name, default, option name, default, …
     */
    CommandDefaults(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("names and values come in pairs");
        for (int i = 0; i < namesAndValues.length; i += 2) defaults.put(namesAndValues[i], namesAndValues[i + 1]);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? defaults.get(o.longestName()) : null;
    }
}
