package dev.jbackprop.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * jbackprop sweep's bad input, through the command line: one line each, exit 2 (usage) or 1 (failure), nothing
 * written, and Spark not started (each case is refused before it, so none takes long). Also --dry-run and --help.
 */
@Timeout(60)
class SweepCommandTest {
    @TempDir
    Path tmp;

    /** Runs sweep and checks the refusal: the exit code, one line, the directory untouched. */
    private SweepCli.Result refused(int code, Path out, Object... args) throws Exception {
        List<String> before = SweepCli.tree(out);
        long t0 = System.nanoTime();
        SweepCli.Result r = SweepCli.run(args);
        assertEquals(code, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.errLines().get(0).startsWith("jbackprop: "), r.toString());
        assertEquals(before, SweepCli.tree(out), "nothing may be written");
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "refused quickly");
        return r;
    }

    @Test
    void aGridThatDoesNotParseIsAUsageError() throws Exception {
        Path out = tmp.resolve("s");
        SweepCli.Result r = refused(2, out, "sweep", "--grid", "eta=0.01,,0.05", "--out", out);
        assertEquals(
                "jbackprop: --grid: axis 1 'eta=0.01,,0.05' has an empty value (values are separated by ','; use '|'"
                        + " between values that hold commas)",
                r.errLines().get(0));
        r = refused(2, out, "sweep", "--grid", "eta=0.1;momentun=0,0.9", "--out", out);
        assertTrue(
                r.errLines().get(0).startsWith("jbackprop: --grid: momentun is not an option of jbackprop train"),
                r.toString());
        r = refused(2, out, "sweep", "--grid", "eta=0.1,x", "--out", out);
        assertEquals(
                "jbackprop: --grid: run-002 (eta=x): Invalid value for option '--eta': 'x' is not a double (see:"
                        + " jbackprop train --help)",
                r.errLines().get(0));
        r = refused(2, out, "sweep", "--out", out, "--epochs", "2");
        assertEquals(
                "jbackprop: sweep needs --grid (such as --grid \"eta=0.01,0.05;batch=32,64\"), or --resume DIR to"
                        + " continue a sweep",
                r.errLines().get(0));
        r = refused(2, out, "sweep", "--grid", "eta=0.1", "--out", out, "--epocks", "2");
        assertTrue(
                r.errLines()
                        .get(0)
                        .startsWith("jbackprop: the train options given to sweep: Unknown options: '--epocks', '2'"),
                r.toString());
        r = refused(2, out, "sweep", "--grid", "eta=0.1", "--out", out, "--checkpoint-every", "often");
        assertEquals(
                "jbackprop: --checkpoint-every takes N (every N steps) or Ne (every N epochs), N ≥ 1; got 'often'",
                r.errLines().get(0));
        r = refused(2, out, "sweep", "--grid", "eta=0.1,0.2", "--random", "3", "--out", out);
        assertTrue(r.errLines().get(0).startsWith("jbackprop: --random 3 asks for more configurations"), r.toString());
    }

    @Test
    void anUnreachableMasterIsAFailure() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        Path out = tmp.resolve("s");
        SweepCli.Result r =
                refused(1, out, "sweep", "--grid", "eta=0.1", "--out", out, "--spark", "spark://127.0.0.1:" + port);
        assertEquals(
                "jbackprop: cannot reach the Spark master spark://127.0.0.1:" + port + ": 127.0.0.1:" + port
                        + " (Connection refused); start the master or check its address, or run on this machine with"
                        + " local[*]",
                r.errLines().get(0));
        r = refused(1, out, "sweep", "--grid", "eta=0.1", "--out", out, "--spark", "locl[2]");
        assertTrue(r.errLines().get(0).startsWith("jbackprop: unknown Spark master 'locl[2]'"), r.toString());
    }

    @Test
    void aRunNeedingMoreCoresThanAnExecutorHasIsRefused() throws Exception {
        Path out = tmp.resolve("s");
        SweepCli.Result r = refused(
                2, out, "sweep", "--grid", "eta=0.1", "--out", out, "--spark", "local[2]", "--cores-per-run", "3");
        assertEquals(
                "jbackprop: --cores-per-run 3 asks for more cores than master local[2] gives an executor (2); use"
                        + " --cores-per-run 2 or fewer, or a master with more cores",
                r.errLines().get(0));
        r = refused(
                2,
                out,
                "sweep",
                "--grid",
                "eta=0.1",
                "--out",
                out,
                "--spark",
                "local-cluster[2,1,1024]",
                "--cores-per-run",
                "2");
        assertTrue(r.errLines().get(0).contains("gives an executor (1)"), r.toString());
    }

    @Test
    void aDirectoryThatHoldsFilesIsNotWrittenInto() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("s"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        SweepCli.Result r = refused(1, out, "sweep", "--grid", "eta=0.1", "--out", out);
        assertEquals(
                "jbackprop: --out " + out + " already holds files; choose another --out",
                r.errLines().get(0));
        Files.writeString(out.resolve(SweepPlan.FILE), "{}");
        r = refused(1, out, "sweep", "--grid", "eta=0.1", "--out", out);
        assertEquals(
                "jbackprop: --out " + out + " already holds a sweep; continue it with jbackprop sweep --resume " + out
                        + ", or choose another --out",
                r.errLines().get(0));
        r = refused(1, out, "sweep", "--resume", out);
        assertTrue(r.errLines()
                .get(0)
                .startsWith("jbackprop: --resume: " + out.resolve(SweepPlan.FILE) + " is damaged ("));
        Path none = Files.createDirectories(tmp.resolve("none"));
        r = refused(1, none, "sweep", "--resume", none);
        assertEquals(
                "jbackprop: --resume: " + none + " holds no sweep (no sweep-plan.json); give the --out of an earlier"
                        + " sweep",
                r.errLines().get(0));
        r = refused(2, none, "sweep", "--resume", none, "--grid", "eta=1");
        assertEquals(
                "jbackprop: --grid does not go with --resume: a resumed sweep keeps its plan (only --spark,"
                        + " --max-attempts and --dry-run may be given)",
                r.errLines().get(0));
    }

    @Test
    void aDryRunPrintsEachRunsArgumentsAndWritesNothing() throws Exception {
        Path out = tmp.resolve("s");
        SweepCli.Result r = SweepCli.run(
                "sweep",
                "--grid",
                "eta=log:0.01..0.1;hidden=16..64",
                "--random",
                "3",
                "--random-seed",
                "5",
                "--out",
                out,
                "--dry-run",
                "--epochs",
                "2");
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(out));
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("3 configurations (random 3 of eta=log:0.01..0.1;hidden=16..64), each:"));
        assertTrue(lines.get(1).startsWith("run-001  eta="), lines.get(1));
        assertTrue(lines.get(1).contains("--epochs 2 --threads 1 --no-progress --eta "), lines.get(1));
        // the same seed draws the same configurations
        assertEquals(
                r.out(),
                SweepCli.run(
                                "sweep",
                                "--grid",
                                "eta=log:0.01..0.1;hidden=16..64",
                                "--random",
                                "3",
                                "--random-seed",
                                "5",
                                "--out",
                                out,
                                "--dry-run",
                                "--epochs",
                                "2")
                        .out());
    }

    /** Every option of sweep says what it does and its default, as every other command's does (HelpTest). */
    @Test
    void everyOptionIsDescribedWithItsDefault() {
        CommandLine cl = new CommandLine(new SweepCommand());
        List<String> missing = new ArrayList<>();
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            String text = String.join(" ", o.description());
            if (!text.contains("(default: ")) missing.add(o.longestName());
        }
        assertEquals(List.of(), missing);
        SweepCli.Result help = SweepCli.run("sweep", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--grid=SPEC"), help.out());
        assertFalse(help.out().contains("${"), help.out());
        for (String line : help.out().split("\n")) assertTrue(line.length() <= 100, line);
        SweepCli.Result top = SweepCli.run("--help");
        assertTrue(top.out().contains("  sweep "), top.out());
    }
}
