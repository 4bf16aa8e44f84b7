package dev.jbackprop.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.ByteBlock;
import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * The backend under test and its scratch memory, for the contract suites ({@link OpsContract}): one
 * backend per test class, opened by the subclass; each test's matrices are freed after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class OpsFixture {
    protected static final float SENTINEL = 42.25f;

    protected Ops ops;
    protected SplittableRandom rnd;
    private final List<AutoCloseable> scratch = new ArrayList<>();

    /** The backend under test, or null where it cannot run here ({@link #assumeUsable} then skips). */
    protected abstract Ops open();

    /** Skips the calling test, with the reason, where the backend cannot run here. */
    protected void assumeUsable() {}

    @BeforeAll
    void openBackend() {
        ops = open();
    }

    @AfterAll
    void closeBackend() {
        if (ops != null) ops.close();
    }

    /** Per test rather than in @BeforeAll, so that each test is reported as skipped with the reason. */
    @BeforeEach
    void begin() {
        assumeUsable();
        assertNotNull(ops, "the backend did not open");
        rnd = new SplittableRandom(20261122);
    }

    @AfterEach
    void freeScratch() throws Exception {
        for (AutoCloseable c : scratch) c.close();
        scratch.clear();
    }

    // ---- scratch memory -----------------------------------------------------------------------

    protected Mat mat(int rows, int cols) {
        Block b = ops.allocate((long) rows * cols);
        scratch.add(b);
        return new Mat(b, rows, cols);
    }

    protected Mat mat(int rows, int cols, float[] data) {
        Mat m = mat(rows, cols);
        assertEquals(m.size(), data.length, "test data size");
        ops.upload(data, 0, m.block(), 0, data.length);
        return m;
    }

    protected float[] get(Mat m) {
        return get(m.block());
    }

    protected float[] get(Block b) {
        float[] out = new float[Math.toIntExact(b.length())];
        ops.download(b, 0, out, 0, out.length);
        return out;
    }

    protected Block block(float[] data) {
        return mat(data.length, 1, data).block();
    }

    /** A rows × cols byte matrix holding {@code data} (column-major). */
    protected ByteMat bytes(int rows, int cols, byte[] data) {
        ByteBlock b = ops.allocateBytes((long) rows * cols);
        scratch.add(b);
        assertEquals((long) rows * cols, data.length, "test data size");
        ops.upload(data, 0, b, 0, data.length);
        return new ByteMat(b, rows, cols);
    }

    /** An index block holding {@code values}. */
    protected IndexBlock indices(int[] values) {
        IndexBlock b = indices(values.length);
        ops.upload(values, b);
        return b;
    }

    protected IndexBlock indices(int length) {
        IndexBlock b = ops.allocateIndices(length);
        scratch.add(b);
        return b;
    }

    protected Metrics metrics() {
        Metrics m = ops.allocateMetrics();
        scratch.add(m);
        return m;
    }
}
