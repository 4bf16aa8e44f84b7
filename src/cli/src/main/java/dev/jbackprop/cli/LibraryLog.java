package dev.jbackprop.cli;

import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the library's log records go while a command runs: its notices. The library never prints; it logs through
 * {@link System.Logger} under {@code dev.jbackprop} (a cuBLAS handle that would not close, a CUDA graph the driver
 * refused, a block that could not be freed), which the JDK backs with java.util.logging, whose default handler would
 * write two lines per record to stderr whatever --quiet says. Here those records become the running command's
 * notices: one line each, none with --quiet, DEBUG and below only with --debug.
 *
 * <p>The sink is per thread (and inherited by the threads a command starts), so that commands run side by side in one
 * JVM (the workers of train --workers on local Spark, tests) each keep their own; a record logged on a thread that no
 * command owns goes to stderr as one line.
 */
final class LibraryLog {
    /** The library's root logger; held here so that its configuration is not collected with it. */
    private static final Logger ROOT = Logger.getLogger("dev.jbackprop");

    private static final InheritableThreadLocal<Consumer<String>> SINK = new InheritableThreadLocal<>();
    private static final InheritableThreadLocal<Boolean> DEBUG = new InheritableThreadLocal<>();

    static {
        ROOT.setUseParentHandlers(false);
        ROOT.setLevel(Level.ALL); // the handler decides, per command
        ROOT.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                boolean debug = Boolean.TRUE.equals(DEBUG.get());
                if (r.getLevel().intValue() < Level.INFO.intValue() && !debug) return;
                String line = message(r);
                Consumer<String> sink = SINK.get();
                if (sink != null) sink.accept(line);
                else System.err.println("jbackprop: " + line);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    private LibraryLog() {}

    /** One line: the message (the library writes whole sentences, without parameters), and a cause's message. */
    static String message(LogRecord r) {
        String m = r.getMessage() == null ? "" : r.getMessage();
        Throwable t = r.getThrown();
        if (t != null) m += " (" + t + ")";
        return m.replace('\n', ' ');
    }

    /** A command's routing, undone by {@link #close}. */
    static final class Route implements AutoCloseable {
        private final Consumer<String> previousSink;
        private final Boolean previousDebug;

        private Route(Consumer<String> sink, boolean debug) {
            previousSink = SINK.get();
            previousDebug = DEBUG.get();
            SINK.set(sink);
            DEBUG.set(debug);
        }

        @Override
        public void close() {
            SINK.set(previousSink);
            DEBUG.set(previousDebug);
        }
    }

    /**
     * Sends the library's records on this thread (and threads it starts) to {@code notices} until the route is closed.
     *
     * @param notices the command's notices (a sink that drops everything with --quiet)
     * @param debug whether DEBUG and TRACE records are shown too
     */
    static Route route(Consumer<String> notices, boolean debug) {
        return new Route(notices, debug);
    }
}
