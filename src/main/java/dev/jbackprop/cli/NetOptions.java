package dev.jbackprop.cli;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that define a network, shared by train, gradcheck, verify and eval. */
public final class NetOptions {
    @Option(names = "--layers", paramLabel = "N,N,...", description = "Layer sizes, input first.")
    String layers;

    @Option(
            names = "--activation",
            paramLabel = "NAME[,NAME...]",
            description =
                    "Hidden activation(s): sigmoid, tanh, relu, leaky_relu[:α], elu[:α], identity; one for all hidden layers or one per hidden layer.")
    String activation;

    @Option(
            names = "--output-activation",
            paramLabel = "NAME",
            description = "Output activation (default: softmax for cross-entropy, sigmoid otherwise).")
    String outputActivation;

    @Option(
            names = "--cost",
            paramLabel = "NAME",
            description = "quadratic, cross-entropy (softmax output) or binary-cross-entropy (sigmoid output).")
    String cost;

    /** Builds the spec, filling in the given defaults where an option was not set. */
    public NetworkSpec spec(String defLayers, String defActivation, String defCost) {
        int[] sizes = NetworkSpec.parseSizes(layers != null ? layers : defLayers);
        List<Activation> hidden = new ArrayList<>();
        for (String a : (activation != null ? activation : defActivation).split(",")) hidden.add(Activation.parse(a));
        Activation out = outputActivation == null ? null : Activation.parse(outputActivation);
        if (sizes.length == 2 && activation != null && hidden.size() > 1) {
            throw new IllegalArgumentException(
                    "--activation lists " + hidden.size() + " activations but the network has no hidden layer");
        }
        return NetworkSpec.of(
                sizes,
                sizes.length == 2 ? List.of(Activation.SIGMOID) : hidden,
                out,
                Cost.parse(cost != null ? cost : defCost));
    }
}
