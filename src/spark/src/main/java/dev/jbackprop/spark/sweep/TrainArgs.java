package dev.jbackprop.spark.sweep;

import dev.jbackprop.cli.Main;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * What the sweep knows of {@code jbackprop train}: only its option model, read from the command line itself (picocli),
 * so that train's options pass through as they are, whatever they are. It turns a configuration into train's
 * arguments and has train's parser check them, before anything runs.
 */
final class TrainArgs {
    /** Options the sweep sets for each run itself. */
    static final Set<String> OURS = Set.of("--out", "--resume", "--force", "--checkpoint-every");

    /** train's data-parallel options: a sweep's run trains in its task, on one worker. */
    static final Set<String> DISTRIBUTED = Set.of("--workers", "--max-restarts", "--spark");

    /**
     * The grid key for the hidden layer sizes: --layers with the base's input and output sizes around them, or train's
     * --hidden when the base has no --layers.
     */
    static final String HIDDEN = "hidden";

    private final CommandSpec train;

    TrainArgs() {
        this.train = parser().getSubcommands().get("train").getCommandSpec();
    }

    /** The command line's parser, set up as {@link Main#execute} sets it. */
    private static CommandLine parser() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /**
     * Checks the fixed train options the sweep was given: train's parser takes them, and none is one the sweep sets.
     *
     * @return the option names they give (such as --eta)
     */
    Set<String> checkBase(List<String> base) {
        ParseResult train = parse(base, "the train options given to sweep");
        Set<String> given = new TreeSet<>();
        for (OptionSpec o : train.matchedOptions()) given.add(o.longestName());
        for (String o : given) {
            if (DISTRIBUTED.contains(o)) throw oneWorker(o);
            if (OURS.contains(o)) {
                throw new IllegalArgumentException(o + " is not a train option a sweep passes on: the sweep writes each"
                        + " run into its own directory under its --out, with --checkpoint-every, and continues a sweep"
                        + " with sweep --resume DIR");
            }
        }
        return given;
    }

    /** Checks that each grid key is a train option the sweep may vary and the base does not fix. */
    void checkKeys(SweepSpec spec, Set<String> base) {
        for (String key : spec.keys()) {
            if (key.equals(HIDDEN)) {
                if (spec.keys().contains("layers")) {
                    throw new IllegalArgumentException(
                            "--grid: hidden and layers both set the layers; give one of them");
                }
                if (base.contains("--hidden"))
                    throw new IllegalArgumentException("--grid: hidden is varied by the grid and also fixed by --hidden"
                            + " among the train options; give it in one place");
                continue;
            }
            OptionSpec o = train.findOption("--" + key);
            if (o == null || o.hidden()) {
                throw new IllegalArgumentException(
                        "--grid: " + key + " is not an option of jbackprop train (its" + " options, without --: "
                                + String.join(", ", names()) + "; and hidden, the hidden layer sizes)");
            }
            if (DISTRIBUTED.contains(o.longestName())) throw oneWorker(o.longestName());
            if (OURS.contains(o.longestName()) || o.usageHelp() || o.versionHelp()) {
                throw new IllegalArgumentException(
                        "--grid: " + key + " is set by the sweep itself, for each run; it cannot be varied");
            }
            if (base.contains(o.longestName())) {
                throw new IllegalArgumentException("--grid: " + key + " is varied by the grid and also fixed by "
                        + o.longestName() + " among the train options; give it in one place");
            }
        }
    }

    /** Train's options a grid may vary, without --. */
    private List<String> names() {
        List<String> out = new ArrayList<>();
        for (OptionSpec o : train.options()) {
            if (o.hidden() || o.usageHelp() || o.versionHelp() || OURS.contains(o.longestName())) continue;
            out.add(o.longestName().substring(2));
        }
        return out;
    }

    /** Train's arguments for one configuration: the base, then each key as an option. */
    List<String> args(List<String> base, Map<String, String> config) {
        // hidden takes the base's --layers for its input and output sizes, and replaces it; without --layers it is
        // train's --hidden (the data gives the input and output sizes)
        boolean layers = parse(base, "the train options given to sweep").hasMatchedOption("--layers");
        List<String> args = new ArrayList<>(config.containsKey(HIDDEN) ? without(base, "--layers") : base);
        for (Map.Entry<String, String> e : config.entrySet()) {
            String key = e.getKey(), value = e.getValue();
            if (key.equals(HIDDEN)) {
                args.add(layers ? "--layers" : "--hidden");
                args.add(layers ? layers(base, value) : value.replace(" ", ""));
                continue;
            }
            OptionSpec o = train.findOption("--" + key);
            if (o.arity().max() == 0) { // a flag: true/on adds it, false/off leaves it out
                switch (value.toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "on", "yes" -> args.add(o.longestName());
                    case "false", "off", "no" -> {}
                    default ->
                        throw new IllegalArgumentException("--grid: " + key + " is a switch: give it the values"
                                + " true and false (or on and off), not " + value);
                }
            } else {
                args.add(o.longestName());
                args.add(value);
            }
        }
        return args;
    }

    /** --layers for hidden sizes: the base's --layers' input size, the hidden sizes, its output size. */
    private String layers(List<String> base, String hidden) {
        String layers = parse(base, "the train options given to sweep")
                .matchedOption("--layers")
                .stringValues()
                .get(0);
        String[] sizes = layers.split(",");
        return sizes[0].strip() + "," + hidden.replace(" ", "") + "," + sizes[sizes.length - 1].strip();
    }

    private static IllegalArgumentException oneWorker(String option) {
        return new IllegalArgumentException(option + " does not go in a sweep: each run trains in its own Spark task,"
                + " on one worker (train --workers N is data-parallel training of one run)");
    }

    /** args without an option and its value (as "--name value" or "--name=value"). */
    static List<String> without(List<String> args, String option) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals(option)) i++;
            else if (!a.startsWith(option + "=")) out.add(a);
        }
        return out;
    }

    /** Has train's parser check one configuration's arguments: a usage error naming the configuration if not. */
    void check(List<String> args, String what) {
        parse(args, what);
    }

    private static ParseResult parse(List<String> args, String what) {
        List<String> line = new ArrayList<>();
        line.add("train");
        line.addAll(args);
        try {
            ParseResult top = parser().parseArgs(line.toArray(String[]::new));
            return top.subcommand();
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(
                    what + ": " + e.getMessage().replace('\n', ' ').strip() + " (see: jbackprop train --help)");
        }
    }
}
