package dev.jbackprop.fuzz;

import dev.jbackprop.io.BadFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs one reader call on a fuzzed file and checks the readers' contract: the call returns, or
 * throws a {@link BadFileException} naming one of the files; it never runs out of memory and
 * allocates at most {@code budget} bytes (checked on a second run when the first loaded classes).
 * Any other exception escapes and is a finding.
 */
final class ReaderCall {
    private ReaderCall() {}

    interface Read<T> {
        T read() throws BadFileException;
    }

    /** The reader's result, or null when it rejected the file with a proper BadFileException. */
    static <T> T call(long budget, Read<T> read, Path... files) {
        long before = allocated();
        T result = once(read, files);
        if (allocated() - before > budget) {
            // again, now that the classes it needed are loaded (and instrumented, in this thread)
            before = allocated();
            result = once(read, files);
            long used = allocated() - before;
            if (used > budget)
                throw new AssertionError("allocated " + used + " bytes, more than the budget of " + budget);
        }
        return result;
    }

    private static <T> T once(Read<T> read, Path... files) {
        try {
            return read.read();
        } catch (BadFileException e) {
            String m = e.getMessage();
            if (Arrays.stream(files).noneMatch(f -> m.startsWith(f + ": "))) {
                throw new AssertionError("message does not start with the file: " + m, e);
            }
            // Idx turns an OutOfMemoryError into this; on a file of a few KiB it means a claim was trusted
            if (e.problem().startsWith("not enough memory"))
                throw new AssertionError("out of memory on a small file: " + m, e);
            return null;
        }
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** A directory for the fuzzed files, removed when the JVM exits. */
    static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path dir, String name, byte[] data) {
        Path p = dir.resolve(name);
        try {
            Files.write(p, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.toFile().deleteOnExit();
        return p;
    }
}
