package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.crash.TinyData;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training that diverges, on the command line (the engine's guard itself: DivergenceGuardTest in the core). */
class DivergenceCliTest {
    @TempDir
    Path tmp;

    /** On the command line: exit 1, one line naming the layer and the advice, the last good files kept. */
    @Test
    void cliStopsWithOneLineAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 4, 128, 32, 5);
        Path out = tmp.resolve("run");
        StringWriter so = new StringWriter(), se = new StringWriter();
        int code = Main.execute(
                new String[] {
                    "train",
                    "--data",
                    data.toString(),
                    "--layers",
                    "16,12,10",
                    "--classes",
                    "10",
                    "--batch",
                    "8",
                    "--epochs",
                    "3",
                    "--eta",
                    "1e20",
                    "--backend",
                    "cpu",
                    "--threads",
                    "1",
                    "--no-progress",
                    "--checkpoint-every",
                    "2",
                    "--out",
                    out.toString()
                },
                new PrintWriter(so, true),
                new PrintWriter(se, true));
        String err = se.toString();
        assertEquals(1, code, err);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.startsWith("jbackprop: training diverged: "), err);
        assertTrue(err.contains("--eta (now 1.0E20)"), err);
        assertTrue(err.contains("(tensor layers."), err);
        assertTrue(err.contains("the initial weights are in " + out.resolve("model.safetensors")), err);
        assertTrue(err.contains("the last good checkpoint is " + out.resolve("checkpoints")), err);
        ModelFile.read(
                out.resolve("model.safetensors"),
                NetworkSpec.of(new int[] {16, 12, 10}, Activation.RELU, null, Cost.CROSS_ENTROPY)
                        .layout());
        List<Path> ckpts = CheckpointDir.list(out.resolve("checkpoints"));
        assertTrue(!ckpts.isEmpty());
        for (Path p : ckpts) Checkpoint.read(p); // all finite and whole
        assertTrue(Files.exists(out.resolve("curves.png")));
    }
}
