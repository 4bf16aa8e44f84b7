package dev.jbackprop.spark.train;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Hands on the lines a file gains (worker 0's train.log, wherever worker 0 runs: the run's directory is shared) until
 * closed, then what is left, one at a time, without their line ends. Polls every 100 ms from a daemon thread.
 */
final class LogTail implements AutoCloseable {
    private final Path file;
    private final Consumer<String> to;
    private final Thread thread;
    private long offset;
    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream(); // a line's start
    private volatile boolean open = true;

    private LogTail(Path file, Consumer<String> to) throws IOException {
        this.file = file;
        this.to = to;
        this.offset = Files.exists(file) ? Files.size(file) : 0; // an older run's lines are not this run's
        this.thread = new Thread(this::loop, "jbackprop-train-log");
        thread.setDaemon(true);
    }

    static LogTail start(Path file, Consumer<String> to) throws IOException {
        LogTail t = new LogTail(file, to);
        t.thread.start();
        return t;
    }

    private void loop() {
        while (open) {
            poll();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void poll() {
        if (!Files.exists(file)) return;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (length < offset) offset = 0; // replaced
            if (length == offset) return;
            byte[] bytes = new byte[(int) Math.min(length - offset, 1 << 20)];
            f.seek(offset);
            f.readFully(bytes);
            offset += bytes.length;
            int from = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] != '\n') continue; // never inside a UTF-8 sequence
                partial.write(bytes, from, i - from);
                to.accept(partial.toString(StandardCharsets.UTF_8));
                partial.reset();
                from = i + 1;
            }
            partial.write(bytes, from, bytes.length - from);
        } catch (IOException e) {
            // read again at the next poll
        }
    }

    /** Stops polling and hands on what the file holds beyond what was handed on. */
    @Override
    public void close() {
        open = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        poll();
        synchronized (this) {
            if (partial.size() > 0) to.accept(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
        }
    }
}
