package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Without jbackprop-spark on the class path (as here), sweep says in one line how to run it. */
class SweepUnavailableTest {
    @Test
    void sweepSaysHowToGetIt() {
        Cli.Result r = Cli.run("sweep", "--grid", "eta=0.1", "--epochs", "2");
        assertEquals(1, r.code(), r.toString());
        assertEquals(
                List.of("jbackprop: sweep runs on Apache Spark, which this jar leaves out: run ./jbackprop sweep (it"
                        + " builds src/spark and fetches Spark once), or spark-submit jbackprop-spark-all.jar sweep"
                        + " (README, Sweeps)"),
                r.errLines());
        assertTrue(Cli.run("--help").out().contains("  sweep "));
    }
}
