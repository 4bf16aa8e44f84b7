package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.spark.sweep.SweepCli;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --workers' bad input, through the command line: one line each, exit 2 (usage) or 1 (failure), nothing written,
 * refused before Spark starts.
 */
@Timeout(60)
class TrainWorkersInputTest {
    @TempDir
    Path tmp;

    private SweepCli.Result refused(int code, Object... more) throws Exception {
        Path data = SweepCli.tinyData(tmp.resolve("data"), 100, 30, 1);
        Path out = tmp.resolve("run");
        List<Object> args = new java.util.ArrayList<>(List.of(
                "train",
                "--data",
                data,
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--train-size",
                "80",
                "--batch",
                "4",
                "--out",
                out));
        args.addAll(List.of(more));
        long t0 = System.nanoTime();
        SweepCli.Result r = SweepCli.run(args.toArray());
        assertEquals(code, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.errLines().get(0).startsWith("jbackprop: "), r.toString());
        assertEquals(List.of(), SweepCli.tree(out), "nothing may be written");
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "refused quickly");
        return r;
    }

    @Test
    void moreWorkersThanTheBatchIsAUsageError() throws Exception {
        SweepCli.Result r = refused(2, "--workers", "5");
        assertEquals(
                "jbackprop: --workers 5 is more than --batch 4: each worker takes a slice of every batch; use at most"
                        + " 4 workers, or a larger --batch",
                r.errLines().get(0));
        r = refused(2, "--workers", "0");
        assertEquals(
                "jbackprop: --workers must be at least 1, got 0", r.errLines().get(0));
    }

    @Test
    void fewerSlotsThanWorkersIsRefusedBeforeSparkStarts() throws Exception {
        SweepCli.Result r = refused(2, "--workers", "3", "--spark", "local[2]");
        assertEquals(
                "jbackprop: --workers 3 needs 3 task slots at once, but master local[2] has 2: use --spark local[3]"
                        + " (threads of this process need not be cores), or at most 2 workers",
                r.errLines().get(0));
    }

    @Test
    void anUnreachableMasterIsAFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        SweepCli.Result r = refused(1, "--workers", "2", "--spark", "spark://127.0.0.1:" + port);
        assertTrue(
                r.errLines().get(0).startsWith("jbackprop: cannot reach the Spark master spark://127.0.0.1:" + port),
                r.toString());
        r = refused(1, "--workers", "2", "--spark", "mesos://x");
        assertTrue(r.errLines().get(0).startsWith("jbackprop: unknown Spark master 'mesos://x'"), r.toString());
    }

    /** Data that cannot be read is found by the workers (every one alike): one line, exit 1, nothing written. */
    @Test
    void dataTheWorkersCannotReadEndsTheRunInOneLine() throws Exception {
        Path out = tmp.resolve("run");
        Path missing = tmp.resolve("no-such-data");
        java.nio.file.Files.createDirectories(missing); // a directory without the IDX files
        SweepCli.Result r = SweepCli.run(
                "train",
                "--data",
                missing,
                "--hidden",
                "8",
                "--batch",
                "4",
                "--out",
                out,
                "--workers",
                "2",
                "--spark",
                "local[2]");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(
                r.errLines().get(0).startsWith("jbackprop: ")
                        && r.errLines().get(0).contains(missing.toString()),
                r.toString());
        assertEquals(List.of(), SweepCli.tree(out), "nothing may be written");
        assertTrue(r.out().contains("2 workers on local[2]"), r.out()); // Spark started: only the workers read the data
        assertTrue(!r.out().contains("attempt 2"), r.out()); // not restarted: every worker fails alike
    }

    @Test
    void distributedOptionsWithoutWorkersAreAUsageError() throws Exception {
        SweepCli.Result r = refused(2, "--spark", "local[2]");
        assertEquals(
                "jbackprop: --spark goes with --workers N (N ≥ 2): one worker trains in this process",
                r.errLines().get(0));
    }

    @Test
    void aSweepDoesNotTakeWorkers() throws Exception {
        Path out = tmp.resolve("sweep");
        SweepCli.Result r = SweepCli.run("sweep", "--grid", "eta=0.1,0.2", "--out", out, "--workers", "2");
        assertEquals(2, r.code(), r.toString());
        assertEquals(
                List.of("jbackprop: --workers does not go in a sweep: each run trains in its own Spark task, on one"
                        + " worker (train --workers N is data-parallel training of one run)"),
                r.errLines());
        r = SweepCli.run("sweep", "--grid", "eta=0.1;spark=local[1],local[2]", "--out", out);
        assertEquals(2, r.code(), r.toString());
        assertEquals(
                List.of("jbackprop: --spark does not go in a sweep: each run trains in its own Spark task, on one"
                        + " worker (train --workers N is data-parallel training of one run)"),
                r.errLines());
    }
}
