package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --workers N without jbackprop-spark on the class path (as here): the run is checked as for one machine, then
 * refused in one line that says how to run it; nothing is written. Usage errors come first.
 */
class WorkersUnavailableTest {
    @TempDir
    Path tmp;

    @Test
    void trainWithWorkersSaysHowToGetThem() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 60, 20, 1);
        Path out = tmp.resolve("run");
        Cli.Result r = Cli.run(
                "train", "--data", data.toString(), "--layers", "16,8,10", "--out", out.toString(), "--workers", "2");
        assertEquals(1, r.code(), r.toString());
        assertEquals(
                List.of("jbackprop: train --workers runs on Apache Spark, which this jar leaves out: run ./jbackprop"
                        + " train --workers 2 ... (it builds src/spark and fetches Spark once), or spark-submit"
                        + " jbackprop-spark-all.jar train --workers 2 ... (README)"),
                r.errLines());
        assertFalse(Files.exists(out));

        r = Cli.run("train", "--data", data.toString(), "--batch", "4", "--out", out.toString(), "--workers", "8");
        assertEquals(2, r.code(), r.toString());
        assertEquals(
                List.of("jbackprop: --workers 8 is more than --batch 4: each worker takes a slice of every batch; use"
                        + " at most 4 workers, or a larger --batch"),
                r.errLines());
        // --json goes with --workers (the Spark module's TrainWorkersJsonTest): here too it is Spark that is missing
        r = Cli.run("train", "--data", data.toString(), "--out", out.toString(), "--workers", "2", "--json");
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.errLines().get(0).startsWith("jbackprop: train --workers runs on Apache Spark"), r.toString());
        r = Cli.run("train", "--data", data.toString(), "--out", out.toString(), "--max-restarts", "3");
        assertEquals(2, r.code(), r.toString());
        assertEquals(
                List.of("jbackprop: --max-restarts goes with --workers N (N ≥ 2): one worker trains in this process"),
                r.errLines());
        assertFalse(Files.exists(out));
    }
}
