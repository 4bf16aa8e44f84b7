package dev.jbackprop.cli;

import picocli.CommandLine.Option;

/** --json, on every command (see {@link JsonOut}). */
final class JsonOption {
    @Option(
            names = "--json",
            description = "Results as JSON lines on stdout (schemas in docs/schemas/); the human text goes to stderr, "
                    + "or nowhere with --quiet (default: text).")
    boolean json;
}
