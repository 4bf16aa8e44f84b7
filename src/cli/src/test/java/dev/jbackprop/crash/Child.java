package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** jbackprop in a child JVM: a real process, to lock, signal, kill or starve of disk. */
final class Child {
    final Process process;
    final Path log;

    private Child(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code jbackprop ARGS} in a fresh JVM (small heap, quick start); stdout and stderr go to log.
     *
     * @param jvm extra JVM options (e.g. -Xmx256m)
     * @param shellPrefix run through bash with this prefix (e.g. "ulimit -f 2;"), or null
     */
    static Child start(Path log, List<String> jvm, String shellPrefix, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(CrashTest.javaBinary(), "-Xmx256m"));
        cmd.addAll(jvm);
        cmd.addAll(List.of(
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-XX:-UsePerfData", // no hsperfdata file: a file-size limit is for the run's files
                "-Djava.awt.headless=true",
                "-cp",
                CrashTest.classPath(),
                "dev.jbackprop.cli.Main"));
        cmd.addAll(List.of(args));
        if (shellPrefix != null) {
            StringBuilder sh = new StringBuilder(shellPrefix).append(" exec");
            for (String c : cmd) sh.append(" '").append(c.replace("'", "'\\''")).append('\'');
            cmd = List.of("bash", "-c", sh.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        pb.redirectOutput(log.toFile());
        pb.redirectError(log.resolveSibling(log.getFileName() + ".err").toFile());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        return new Child(pb.start(), log);
    }

    static Child start(Path log, String... args) throws IOException {
        return start(log, List.of(), null, args);
    }

    long pid() {
        return process.pid();
    }

    String out() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    String err() throws IOException {
        Path e = log.resolveSibling(log.getFileName() + ".err");
        return Files.exists(e) ? Files.readString(e) : "";
    }

    /** The lines of stderr that are not blank. */
    List<String> errLines() throws IOException {
        return err().lines().filter(l -> !l.isBlank()).toList();
    }

    /** Waits for the process to end (at most the given seconds) and returns its exit code. */
    int waitFor(int seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the child did not end in " + seconds + " s:\n" + this);
        }
        return process.exitValue();
    }

    /** Waits until condition holds while the child runs (at most 60 s). */
    void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (!process.isAlive())
                fail("the child ended (exit " + process.exitValue() + ") before " + what + ":\n" + this);
            if (System.nanoTime() > deadline) fail("no " + what + " in 60 s:\n" + this);
            Thread.sleep(5);
        }
    }

    /** Sends a signal by name (INT, TERM) with kill(1). */
    void signal(String name) throws Exception {
        Process k = new ProcessBuilder("kill", "-s", name, Long.toString(pid()))
                .inheritIO()
                .start();
        assertTrue(k.waitFor(10, TimeUnit.SECONDS) && k.exitValue() == 0, "kill -s " + name + " " + pid());
    }

    @Override
    public String toString() {
        try {
            return "--- stdout\n" + out() + "--- stderr\n" + err();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Every temporary file jbackprop's writes use, in a run directory and its checkpoints. */
    static List<Path> temporaries(Path run) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path d : List.of(run, run.resolve("checkpoints"))) {
            if (!Files.isDirectory(d)) continue;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.tmp*")) {
                for (Path p : ds) out.add(p);
            }
        }
        return out;
    }

    /** jbackprop ARGS (the command first) in this JVM. */
    static ResumeCliTest.Result here(String... args) {
        java.io.StringWriter o = new java.io.StringWriter(), e = new java.io.StringWriter();
        int code = dev.jbackprop.cli.Main.execute(
                args, new java.io.PrintWriter(o, true), new java.io.PrintWriter(e, true));
        return new ResumeCliTest.Result(code, o.toString(), e.toString());
    }
}
