package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The library's log records (System.Logger under dev.jbackprop, as the CUDA backend and the Spark runner write them)
 * become the running command's notices: one line each, none with --quiet, DEBUG only with --debug, and nothing
 * printed by java.util.logging's default handler.
 */
class LibraryLogTest {
    private static final System.Logger CUDA = System.getLogger("dev.jbackprop.backend.cuda");

    /** Runs body with System.err captured; returns what was printed there. */
    private static String stderrOf(Runnable body) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void recordsGoToTheCommandsNotices() {
        List<String> notices = new ArrayList<>();
        String printed = stderrOf(() -> {
            try (LibraryLog.Route r = LibraryLog.route(notices::add, false)) {
                CUDA.log(System.Logger.Level.WARNING, "capturing the training step as a CUDA graph failed");
                CUDA.log(System.Logger.Level.INFO, "the dataset is streamed");
                CUDA.log(System.Logger.Level.DEBUG, "a detail");
            }
        });
        assertEquals(List.of("capturing the training step as a CUDA graph failed", "the dataset is streamed"), notices);
        assertEquals("", printed, "java.util.logging's own handler printed too");
    }

    @Test
    void debugShowsDebugRecords() {
        List<String> notices = new ArrayList<>();
        try (LibraryLog.Route r = LibraryLog.route(notices::add, true)) {
            CUDA.log(System.Logger.Level.DEBUG, "a detail");
        }
        assertEquals(List.of("a detail"), notices);
    }

    /** --quiet: Main's notices drop everything, so a record prints nothing at all. */
    @Test
    void quietPrintsNothing() {
        Main main = new Main();
        main.quiet = true;
        java.io.StringWriter err = new java.io.StringWriter();
        String printed = stderrOf(() -> {
            try (LibraryLog.Route r = LibraryLog.route(main.notices(new java.io.PrintWriter(err, true)), false)) {
                CUDA.log(System.Logger.Level.WARNING, "capturing the training step as a CUDA graph failed");
            }
        });
        assertEquals("", err.toString());
        assertEquals("", printed);
    }

    /** A thread a command starts inherits its sink; after the command, records print as one line on stderr. */
    @Test
    void threadsInheritTheRouteAndItEnds() throws InterruptedException {
        AtomicReference<String> seen = new AtomicReference<>();
        try (LibraryLog.Route r = LibraryLog.route(seen::set, false)) {
            Thread t = new Thread(() -> CUDA.log(System.Logger.Level.WARNING, "from a worker"));
            t.start();
            t.join();
        }
        assertEquals("from a worker", seen.get());
        String printed = stderrOf(() -> CUDA.log(System.Logger.Level.WARNING, "no command"));
        assertEquals("jbackprop: no command" + System.lineSeparator(), printed);
    }
}
