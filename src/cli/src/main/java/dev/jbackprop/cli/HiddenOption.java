package dev.jbackprop.cli;

import picocli.CommandLine.Option;

/** The hidden layer sizes alone, the data giving the input and output sizes (train, gradients). */
final class HiddenOption {
    @Option(
            names = "--hidden",
            paramLabel = "N[,N...]",
            description = "Hidden layer sizes; the input size is the data's number of features and the output size its "
                    + "number of classes or regression targets; none: no hidden layer. Not with --layers "
                    + "(default: ${DEFAULT-VALUE}).")
    String hidden;
}
