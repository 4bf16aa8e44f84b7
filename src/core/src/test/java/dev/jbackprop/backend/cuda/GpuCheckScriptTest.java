package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/gpu-check.sh where there is no GPU: it must end at once with a report saying why (a GPU node's
 * minutes are counted; so is CI's patience), and refuse bad arguments as usage errors.
 */
class GpuCheckScriptTest {
    @TempDir
    Path tmp;

    private FakeNatives.Result script(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                "bash", dev.jbackprop.ProjectRoot.resolve("bench/gpu-check.sh").toString()));
        cmd.addAll(List.of(args));
        return FakeNatives.exec(cmd, Map.of("PATH", "/usr/bin:/bin"), tmp.resolve("logs"));
    }

    private static boolean gpuHere() {
        if (Files.isExecutable(Path.of("/usr/bin/nvidia-smi")) || Files.isExecutable(Path.of("/bin/nvidia-smi")))
            return true;
        for (int i = 0; i < 8; i++) if (Files.exists(Path.of("/dev/nvidia" + i))) return true;
        return false;
    }

    @Test
    void withoutAGpuTheReportSaysWhyAtOnce() throws Exception {
        assumeFalse(gpuHere(), "this machine has an NVIDIA GPU: the no-GPU path cannot be exercised");
        Path out = tmp.resolve("report");
        long t0 = System.nanoTime();
        FakeNatives.Result r = script("--budget", "60", "--out", out.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, r.rc(), r.toString());
        assertTrue(seconds < 10, "took " + seconds + " s");
        assertTrue(r.out().contains("no NVIDIA GPU on this machine"), r.toString());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("**Nothing checked: no NVIDIA GPU on this machine"), report);
        for (String tier : List.of("smoke", "gpu-tests", "verify", "throughput"))
            assertTrue(report.contains("| " + tier + " | skipped: no NVIDIA GPU"), tier + ":\n" + report);
        assertTrue(report.contains("- budget: 60 s"), report);
        assertTrue(report.strip().endsWith("result: FAILED"), report);
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        FakeNatives.Result budget = script("--budget", "ten");
        assertEquals(2, budget.rc(), budget.toString());
        assertTrue(budget.err().contains("--budget must be whole seconds"), budget.toString());
        FakeNatives.Result option = script("--fast");
        assertEquals(2, option.rc(), option.toString());
        assertTrue(option.err().contains("unknown option --fast"), option.toString());
    }
}
