package dev.jbackprop.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM during a run: the first one asks the run to stop at the end of the step under way (it then
 * says where it stopped, what is on disk and how to continue, and exits 130 or 143); a second one is handled as the
 * JVM handles it by default (the process ends at once; the shutdown hooks remove temporary files). Installed for
 * one command and uninstalled after it, so in-process callers (tests) get their handlers back.
 */
final class Interrupts implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final List<Runnable> onStop = new ArrayList<>();
    private volatile String received; // "SIGINT" or "SIGTERM" once one has arrived

    private Interrupts() {}

    /** Installs the handlers; where signals cannot be handled (another JVM), they keep their default meaning. */
    static Interrupts install() {
        Interrupts in = new Interrupts();
        for (String name : SIGNALS) {
            try {
                Signal sig = new Signal(name);
                in.previous.put(sig, Signal.handle(sig, in::handle));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // this signal is the JVM's own here (e.g. -Xrs): keep its default
            }
        }
        return in;
    }

    private void handle(Signal sig) {
        synchronized (this) {
            if (received == null) received = "SIG" + sig.getName();
            // a second signal: the JVM's own handling (exit, running the shutdown hooks)
            SignalHandler before = previous.get(sig);
            if (before != null) Signal.handle(sig, before);
            for (Runnable r : onStop) r.run();
        }
    }

    /** Calls {@code stop} when a signal arrives (at once if one already has). */
    synchronized void onStop(Runnable stop) {
        onStop.add(stop);
        if (received != null) stop.run();
    }

    /** Forgets the callbacks (the run they stop is over). */
    synchronized void clearCallbacks() {
        onStop.clear();
    }

    /** "SIGINT" or "SIGTERM" once one has arrived, else null. */
    String received() {
        return received;
    }

    /** The exit code of a run stopped by the signal: 128 + its number, as a shell reports it. */
    int exitCode() {
        return "SIGTERM".equals(received) ? 143 : 130;
    }

    /** Puts the handlers back as they were. */
    @Override
    public synchronized void close() {
        for (Map.Entry<Signal, SignalHandler> e : previous.entrySet()) {
            try {
                Signal.handle(e.getKey(), e.getValue());
            } catch (IllegalArgumentException ex) {
                // nothing to restore
            }
        }
        onStop.clear();
    }
}
