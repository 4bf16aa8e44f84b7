package dev.jbackprop.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SIGINT and SIGTERM during a run: the first one asks the run to stop at the end of the step under way (it then
 * says where it stopped, what is on disk and how to continue, and exits 130 or 143); a second one is handled as the
 * JVM handles it by default (the process ends at once; the shutdown hooks remove temporary files). Installed for
 * one command and uninstalled after it, so in-process callers (tests) get their handlers back.
 *
 * <p>The JDK's signal API ({@code sun.misc.Signal}, module jdk.unsupported) is reached by reflection, so that the
 * build's javadoc and compiler checks stay free of warnings about it; where it is absent, signals keep their default
 * meaning.
 */
final class Interrupts implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};
    private static final Class<?> SIGNAL, HANDLER;
    private static final Method HANDLE, NAME;

    static {
        Class<?> signal = null, handler = null;
        Method handle = null, name = null;
        try {
            signal = Class.forName("sun.misc.Signal");
            handler = Class.forName("sun.misc.SignalHandler");
            handle = signal.getMethod("handle", signal, handler);
            name = signal.getMethod("getName");
        } catch (ReflectiveOperationException | RuntimeException e) {
            signal = null; // no signal handling on this JVM
        }
        SIGNAL = signal;
        HANDLER = handler;
        HANDLE = handle;
        NAME = name;
    }

    private final Map<Object, Object> previous = new LinkedHashMap<>(); // signal -> its handler before ours
    private final List<Runnable> onStop = new ArrayList<>();
    private volatile String received; // "SIGINT" or "SIGTERM" once one has arrived

    private Interrupts() {}

    /** None installed: signals keep the process's meaning (a worker of train --workers, in an executor). */
    static Interrupts none() {
        return new Interrupts();
    }

    /** Installs the handlers; where signals cannot be handled (another JVM), they keep their default meaning. */
    static Interrupts install() {
        Interrupts in = new Interrupts();
        if (SIGNAL == null) return in;
        Object ours = Proxy.newProxyInstance(
                HANDLER.getClassLoader(), new Class<?>[] {HANDLER}, (proxy, m, args) -> switch (m.getName()) {
                    case "handle" -> {
                        in.handle(args[0]);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "jbackprop's signal handler";
                });
        for (String name : SIGNALS) {
            try {
                Object sig = SIGNAL.getConstructor(String.class).newInstance(name);
                in.previous.put(sig, handle(sig, ours));
            } catch (IllegalArgumentException | UnsupportedOperationException | ReflectiveOperationException e) {
                // this signal is the JVM's own here (e.g. -Xrs): keep its default
            }
        }
        return in;
    }

    /** Signal.handle(sig, handler), its own exceptions unwrapped. */
    private static Object handle(Object sig, Object handler) throws ReflectiveOperationException {
        try {
            return HANDLE.invoke(null, sig, handler);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private void handle(Object sig) throws ReflectiveOperationException {
        synchronized (this) {
            if (received == null) received = "SIG" + NAME.invoke(sig);
            // a second signal: the JVM's own handling (exit, running the shutdown hooks)
            Object before = previous.get(sig);
            if (before != null) handle(sig, before);
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
        for (Map.Entry<Object, Object> e : previous.entrySet()) {
            try {
                handle(e.getKey(), e.getValue());
            } catch (IllegalArgumentException | ReflectiveOperationException ex) {
                // nothing to restore
            }
        }
        onStop.clear();
    }
}
