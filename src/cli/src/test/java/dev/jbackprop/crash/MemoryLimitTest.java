package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan of [16,1048576,10], batch 8, momentum, on 64 + 16 samples of 16 inputs and 10 classes, by hand. */
final class MemoryPlanFigures {
    static final long PARAMS = 16L * 1048576 + 1048576L * 10 + 1048576 + 10;
    static final long ACTIVATIONS = 8L * (16 + 10 + 3L * (1048576 + 10));
    static final long DATA = 4L * (64 + 16) * (16 + 10);
    /** Parameters, gradients, momentum, activations and the data sets, in host memory. */
    static final String HOST = dev.jbackprop.engine.MemoryPlan.bytes(4 * (3 * PARAMS + ACTIVATIONS) + DATA);

    private MemoryPlanFigures() {}
}

/**
 * A run larger than the memory its JVM may use is refused before anything large is allocated: one line with the
 * plan's total and the limit, exit 1, no output directory; in JVMs with small limits, so the figures are known.
 */
class MemoryLimitTest {
    static final Pattern NEEDS = Pattern.compile(
            "needs ([\\d.]+ [KMG]iB) of (host memory|Java heap) but ([\\d.]+ [KMG]iB) are available \\(");

    @TempDir
    Path tmp;

    String[] args(Path data, Path out) {
        return new String[] {
            "train",
            "--data",
            data.toString(),
            "--layers",
            "16,1048576,10",
            "--batch",
            "8",
            "--backend",
            "cpu",
            "--threads",
            "1",
            "--no-progress",
            "--out",
            out.toString()
        };
    }

    @Test
    void hostMemoryBeyondJavaCppsLimit() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 4, 64, 16, 3);
        Path out = tmp.resolve("run");
        Child c = Child.start(
                tmp.resolve("a.log"), List.of("-Dorg.bytedeco.javacpp.maxBytes=200m"), null, args(data, out));
        assertEquals(1, c.waitFor(60), c::toString);
        List<String> err = c.errLines();
        assertEquals(1, err.size(), c::toString);
        Matcher m = NEEDS.matcher(err.get(0));
        assertTrue(m.find(), err.get(0));
        assertEquals("host memory", m.group(2));
        assertEquals(MemoryPlanFigures.HOST, m.group(1), err.get(0));
        assertTrue(err.get(0).contains("JavaCPP's limit on memory outside the heap, maxBytes = 200 MiB"), err.get(0));
        assertTrue(err.get(0).contains("choose a smaller --layers"), err.get(0));
        assertFalse(Files.exists(out), "nothing created");
    }

    @Test
    void javaHeapBeyondXmx() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 4, 64, 16, 3);
        Path out = tmp.resolve("run");
        Child c = Child.start(
                tmp.resolve("a.log"),
                List.of("-Xmx160m", "-Dorg.bytedeco.javacpp.maxBytes=4g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"),
                null,
                args(data, out));
        assertEquals(1, c.waitFor(60), c::toString);
        List<String> err = c.errLines();
        assertEquals(1, err.size(), c::toString);
        Matcher m = NEEDS.matcher(err.get(0));
        assertTrue(m.find(), err.get(0));
        assertEquals("Java heap", m.group(2));
        assertTrue(err.get(0).contains("the Java heap's limit (-Xmx) is"), err.get(0));
        assertTrue(err.get(0).contains("or give Java more heap"), err.get(0));
        assertFalse(Files.exists(out), "nothing created");
    }

    @Test
    void dryRunShowsTheLimits() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 4, 64, 16, 3);
        Path out = tmp.resolve("run");
        String[] a = args(data, out);
        String[] dry = java.util.Arrays.copyOf(a, a.length + 1);
        dry[a.length] = "--dry-run";
        Child c = Child.start(tmp.resolve("a.log"), List.of("-Dorg.bytedeco.javacpp.maxBytes=200m"), null, dry);
        assertEquals(1, c.waitFor(60), c::toString);
        String o = c.out();
        assertTrue(o.contains("total host memory: " + MemoryPlanFigures.HOST + " of "), o);
        assertTrue(o.contains("maxBytes = 200 MiB"), o);
        assertFalse(Files.exists(out));
    }
}
