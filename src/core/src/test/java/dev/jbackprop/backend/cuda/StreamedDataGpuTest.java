package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.SampleStore;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Streamed batches (pinned host memory, second stream, prefetch) equal resident gathered ones, and both
 * equal the host's gather (SampleStore), bit for bit: float features with regression targets, uint8
 * features with classes, and uint8 features normalised, over a view of the store.
 */
@Tag("gpu")
class StreamedDataGpuTest {
    @BeforeEach
    void gpu() {
        GpuTestSupport.assumeGpu();
    }

    static Stream<String> kinds() {
        return Stream.of("float32+targets", "uint8+classes", "uint8+normalised+classes");
    }

    static SampleStore store(String kind, int features, int classes, int count) {
        Random r = new Random(3);
        if (kind.startsWith("float32")) {
            float[] x = new float[features * count], y = new float[classes * count];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
            for (int i = 0; i < y.length; i++) y[i] = r.nextFloat();
            return SampleStore.float32(features, x).withTargets(y, classes);
        }
        byte[] x = new byte[features * count];
        r.nextBytes(x);
        int[] c = new int[count];
        for (int i = 0; i < count; i++) c[i] = r.nextInt(classes);
        SampleStore s = SampleStore.uint8(features, x).withClasses(c, classes);
        if (!kind.contains("normalised")) return s;
        float[] shift = new float[features], factor = new float[features];
        for (int k = 0; k < features; k++) {
            shift[k] = r.nextFloat() * 0.5f;
            factor[k] = 0.5f + r.nextFloat() * 3;
        }
        return s.withNormalisation(shift, factor);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void streamedBatchesEqualResidentBatchesAndTheHostsGather(String kind) {
        int features = 37, classes = 5, stored = 1201, count = 1001, batch = 64;
        SampleStore samples = store(kind, features, classes, stored);
        int[] rows = new int[count]; // a view: every stored sample but 200, in another order
        for (int i = 0; i < count; i++) rows[i] = (i * 7 + 3) % stored;
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = (i * 389) % count; // 389 is prime to 1001: a permutation
        try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                GpuTestSupport.Scratch s = new GpuTestSupport.Scratch(ops);
                DeviceData.Store residentStore = new DeviceData.ResidentStore(ops, samples);
                DeviceData.Store streamedStore = StreamedData.store(ops.device(), ops.bf16Kernels(), samples);
                DeviceData resident = DeviceData.of(residentStore, rows);
                DeviceData streamed = DeviceData.of(streamedStore, rows)) {
            assertEquals("resident", resident.describe());
            Mat rx = s.mat(features, batch),
                    ry = s.mat(classes, batch),
                    sx = s.mat(features, batch),
                    sy = s.mat(classes, batch);
            for (int epoch = 0; epoch < 2; epoch++) {
                resident.beginEpoch(order);
                streamed.beginEpoch(order);
                for (int off = 0; off < count; off += batch) {
                    int m = Math.min(batch, count - off);
                    resident.load(off, m, rx, ry);
                    streamed.load(off, m, sx, sy);
                    int[] storedBatch = new int[m];
                    for (int j = 0; j < m; j++) storedBatch[j] = rows[order[off + j]];
                    float[] hx = new float[features * m], hy = new float[classes * m];
                    samples.gatherFeatures(storedBatch, 0, m, FloatBuffer.wrap(hx), 0);
                    samples.gatherTargets(storedBatch, 0, m, FloatBuffer.wrap(hy), 0);
                    assertArrayEquals(hx, Arrays.copyOf(s.get(rx), features * m), "resident x at " + off);
                    assertArrayEquals(hx, Arrays.copyOf(s.get(sx), features * m), "streamed x at " + off);
                    assertArrayEquals(hy, Arrays.copyOf(s.get(ry), classes * m), "resident y at " + off);
                    assertArrayEquals(hy, Arrays.copyOf(s.get(sy), classes * m), "streamed y at " + off);
                }
                for (int i = 0; i < count; i++) order[i] = count - 1 - order[i];
            }
        }
    }
}
