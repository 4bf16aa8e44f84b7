package dev.jbackprop.spark.sweep;

import dev.jbackprop.cli.CommandExtension;

/** Adds {@code sweep} to the jbackprop command line where this module is on the class path (META-INF/services). */
public final class SweepExtension implements CommandExtension {
    @Override
    public String name() {
        return "sweep";
    }

    @Override
    public Object newCommand() {
        return new SweepCommand();
    }
}
