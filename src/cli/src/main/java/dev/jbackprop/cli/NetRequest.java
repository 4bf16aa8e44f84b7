package dev.jbackprop.cli;

import dev.jbackprop.data.Task;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ParseResult;

/**
 * The network a training command asks for, before the data says its ends: all layer sizes ({@code --layers}), or
 * the hidden sizes alone ({@code --hidden}; the input size is the data's features, the output size its classes or
 * targets); the hidden activation(s); the output activation and the cost, or null for the task's defaults
 * (classification: softmax + cross-entropy; regression: identity + quadratic). {@link #resolve} makes the network
 * for the data, or says in one line what {@code --layers} must be.
 */
record NetRequest(int[] layers, int[] hidden, String activation, String outputActivation, String cost) {
    /** The value of --layers that asks for the data's sizes. */
    static final String AUTO = "auto";

    /**
     * From the options: --layers (unless {@value #AUTO}) or --hidden; the given activation; the output activation
     * and cost when given.
     */
    static NetRequest of(NetOptions net, String hidden, ParseResult given) {
        boolean layersGiven = net.layers != null && !AUTO.equalsIgnoreCase(net.layers.trim());
        if (layersGiven && given.hasMatchedOption("--hidden"))
            throw new IllegalArgumentException("give either --layers or --hidden, not both");
        int[] sizes = layersGiven ? NetworkSpec.parseSizes(net.layers) : null;
        if (sizes != null && sizes.length < 2) // what NetworkSpec says, before the data is read
        NetworkSpec.of(sizes, List.of(), null, Cost.QUADRATIC);
        for (String a : net.activation.split(",")) Activation.parse(a);
        if (given.hasMatchedOption("--output-activation")) Activation.parse(net.outputActivation);
        if (given.hasMatchedOption("--cost")) Cost.parse(net.cost);
        return new NetRequest(
                sizes,
                layersGiven ? null : parseHidden(hidden),
                net.activation,
                given.hasMatchedOption("--output-activation") ? net.outputActivation : null,
                given.hasMatchedOption("--cost") ? net.cost : null);
    }

    /** A whole network (a configuration's), to be checked against the data. */
    static NetRequest of(NetworkSpec spec) {
        List<String> hidden = new ArrayList<>();
        for (int l = 0; l < spec.layers() - 1; l++)
            hidden.add(spec.activation(l).toString());
        return new NetRequest(
                spec.sizes(),
                null,
                hidden.isEmpty() ? Activation.SIGMOID.toString() : String.join(",", hidden),
                spec.output().toString(),
                spec.cost().cliName);
    }

    /**
     * A stored network with the options given applied (--config, --resume): the options given replace its parts,
     * --hidden its hidden sizes (the ends stay).
     */
    static NetworkSpec over(NetworkSpec base, NetOptions net, String hidden, ParseResult given) {
        if (!given.hasMatchedOption("--hidden")) return net.spec(base, given);
        if (given.hasMatchedOption("--layers"))
            throw new IllegalArgumentException("give either --layers or --hidden, not both");
        int[] h = parseHidden(hidden);
        int[] sizes = new int[h.length + 2];
        sizes[0] = base.inputSize();
        System.arraycopy(h, 0, sizes, 1, h.length);
        sizes[sizes.length - 1] = base.outputSize();
        List<String> acts = new ArrayList<>();
        for (int l = 0; l < base.layers() - 1; l++) acts.add(base.activation(l).toString());
        String act = given.hasMatchedOption("--activation") || acts.isEmpty() ? net.activation : acts.get(0);
        String out = given.hasMatchedOption("--output-activation")
                ? net.outputActivation
                : given.hasMatchedOption("--cost") ? null : base.output().toString();
        String cost = given.hasMatchedOption("--cost") ? net.cost : base.cost().cliName;
        return build(sizes, act, out, Cost.parse(cost));
    }

    /** "256", "128,64", or "none" (no hidden layer). */
    static int[] parseHidden(String text) {
        if (text == null || text.isBlank())
            throw new IllegalArgumentException("--hidden needs sizes, e.g. 256 or 128,64");
        if (text.trim().equalsIgnoreCase("none")) return new int[0];
        String[] parts = text.split(",");
        int[] h = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                h[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--hidden takes sizes N[,N…] (or none), not '" + text + "'");
            }
            if (h[i] < 1) throw new IllegalArgumentException("--hidden sizes must be at least 1, got " + h[i]);
        }
        return h;
    }

    /**
     * The network for data of {@code features} inputs and {@code outputs} classes or targets.
     *
     * @throws IllegalArgumentException when --layers does not start with the features or end with the outputs
     */
    NetworkSpec resolve(int features, int outputs, Task task, String what) {
        int[] sizes;
        if (layers != null) {
            String must = "--layers must be " + features + ",…," + outputs
                    + " for this data (or give --hidden N[,N…] and the data gives the ends)";
            if (layers[0] != features)
                throw new IllegalArgumentException("--layers starts with " + layers[0] + " inputs but the data has "
                        + features + " features per sample; " + must);
            if (layers[layers.length - 1] != outputs)
                throw new IllegalArgumentException("--layers ends with " + layers[layers.length - 1]
                        + " outputs but the data has " + outputs + " " + what + "; " + must);
            sizes = layers;
        } else {
            sizes = new int[hidden.length + 2];
            sizes[0] = features;
            System.arraycopy(hidden, 0, sizes, 1, hidden.length);
            sizes[sizes.length - 1] = outputs;
        }
        Cost c = cost != null ? Cost.parse(cost) : task == Task.REGRESSION ? Cost.QUADRATIC : Cost.CROSS_ENTROPY;
        String out = outputActivation;
        if (out == null && c == Cost.QUADRATIC && task == Task.REGRESSION) out = Activation.IDENTITY.toString();
        return build(sizes, activation, out, c);
    }

    private static NetworkSpec build(int[] sizes, String activation, String output, Cost cost) {
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
                cost);
    }
}
