package dev.jbackprop.cli;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/** The options that define a network (train, gradients, gradcheck, verify, throughput, eval); defaults per command. */
final class NetOptions {
    static final String[] NAMES = {"--layers", "--activation", "--output-activation", "--cost"};

    @Option(
            names = "--layers",
            paramLabel = "N,N,...",
            description = "Layer sizes, input first; auto: train and gradients take the input and output sizes from "
                    + "the data (hidden sizes: --hidden), eval reads them from the model (default: ${DEFAULT-VALUE}).")
    String layers;

    @Option(
            names = "--activation",
            paramLabel = "NAME[,NAME...]",
            description = "Hidden activation(s): sigmoid, tanh, relu, leaky_relu[:α], elu[:α], identity; one for all "
                    + "hidden layers or one per hidden layer (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(
            names = "--output-activation",
            paramLabel = "NAME",
            description = "Output activation (default: softmax for cross-entropy; with the quadratic cost identity for "
                    + "regression targets; sigmoid otherwise).")
    String outputActivation;

    @Option(
            names = "--cost",
            paramLabel = "NAME",
            description = "quadratic, cross-entropy (softmax output) or binary-cross-entropy (sigmoid output); auto: "
                    + "cross-entropy for classes, quadratic for regression targets (train, gradients), the model's "
                    + "(eval) (default: ${DEFAULT-VALUE}).")
    String cost;

    /** The network the options describe (their defaults where not given). */
    NetworkSpec spec() {
        return spec(layers, activation, outputActivation, cost);
    }

    /**
     * The network the given options describe, the rest taken from {@code base}: its sizes, hidden activations and
     * cost, and its output activation unless --cost is given (then the cost's own output activation).
     */
    NetworkSpec spec(NetworkSpec base, ParseResult given) {
        List<String> hidden = new ArrayList<>();
        for (int l = 0; l < base.layers() - 1; l++)
            hidden.add(base.activation(l).toString());
        return spec(
                given.hasMatchedOption("--layers") ? layers : base.sizesText(),
                given.hasMatchedOption("--activation") || hidden.isEmpty() ? activation : String.join(",", hidden),
                given.hasMatchedOption("--output-activation")
                        ? outputActivation
                        : given.hasMatchedOption("--cost")
                                ? null
                                : base.output().toString(),
                given.hasMatchedOption("--cost") ? cost : base.cost().cliName);
    }

    /** The network options given on the command line, in the order of {@link #NAMES}. */
    static List<String> given(ParseResult given) {
        List<String> out = new ArrayList<>();
        for (String n : NAMES) if (given.hasMatchedOption(n)) out.add(n);
        return out;
    }

    private static NetworkSpec spec(String layers, String activation, String output, String cost) {
        int[] sizes = NetworkSpec.parseSizes(layers);
        List<Activation> hidden = new ArrayList<>();
        for (String a : activation.split(",")) hidden.add(Activation.parse(a));
        if (sizes.length == 2 && hidden.size() > 1) {
            throw new IllegalArgumentException(
                    "--activation lists " + hidden.size() + " activations but the network has no hidden layer");
        }
        return NetworkSpec.of(
                sizes,
                sizes.length == 2 ? List.of(Activation.SIGMOID) : hidden,
                output == null ? null : Activation.parse(output),
                Cost.parse(cost));
    }
}
